/**
 * Shapes for turning a container-create request into an OCI runtime bundle
 * config: the Docker Engine API request (ContainerConfig + HostConfig +
 * NetworkingConfig, ../../../../shared/reference/docker-engine-api.yaml), the
 * OCI runtime-spec config.json (config-schema.json, config-linux.json,
 * defs-linux.json) and Docker's seccomp profile format (moby/profiles
 * seccomp.Seccomp: archMap and per-rule includes/excludes).
 *
 * Only the parts the spec builder reads or writes are typed; everything else a
 * request carries passes through untouched by the builder.
 */

// ---------------------------------------------------------------------------
// Docker Engine API: POST /containers/create body

export interface MountRequest {
  Target?: string;
  Source?: string;
  Type?: 'bind' | 'volume' | 'tmpfs' | 'image' | 'npipe' | 'cluster';
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
    NonRecursive?: boolean;
    CreateMountpoint?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
    Subpath?: string;
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface HostConfig {
  // Resources
  CpuShares?: number;
  Memory?: number;
  CgroupParent?: string;
  BlkioWeight?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  NanoCpus?: number;
  OomKillDisable?: boolean | null;
  Init?: boolean | null;
  PidsLimit?: number | null;
  Ulimits?: Ulimit[] | null;
  // Host
  Binds?: string[] | null;
  NetworkMode?: string;
  AutoRemove?: boolean;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
  Mounts?: MountRequest[] | null;
  ConsoleSize?: [number, number] | null;
  Annotations?: Record<string, string> | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  CgroupnsMode?: 'private' | 'host' | '';
  GroupAdd?: string[] | null;
  IpcMode?: string;
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  Tmpfs?: Record<string, string> | null;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  [other: string]: unknown;
}

export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  NetworkDisabled?: boolean;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  [other: string]: unknown;
}

export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> | null };
}

// ---------------------------------------------------------------------------
// OCI runtime-spec config.json (Linux)

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface OciNamespace {
  type: OciNamespaceType;
  path?: string;
}

export interface OciLinuxDevice {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
}

export interface OciCpu {
  shares?: number;
  quota?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
}

export interface OciBlockIO {
  weight?: number;
  leafWeight?: number;
}

export interface OciResources {
  devices?: OciDeviceCgroup[];
  memory?: OciMemory;
  cpu?: OciCpu;
  blockIO?: OciBlockIO;
  pids?: { limit: number };
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

/** One OCI linux.seccomp.syscalls entry. */
export interface OciSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface OciSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: OciSyscall[];
}

export interface OciLinux {
  sysctl?: Record<string, string>;
  resources?: OciResources;
  cgroupsPath?: string;
  namespaces?: OciNamespace[];
  devices?: OciLinuxDevice[];
  seccomp?: OciSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: OciLinux;
}

// ---------------------------------------------------------------------------
// Docker's seccomp profile format (moby/profiles seccomp.Seccomp)

export interface KernelVersion {
  major: number;
  minor: number;
}

/** includes / excludes of a Docker profile rule. minKernel is "major.minor". */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface DockerSyscallRule {
  name?: string;
  names?: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface DockerSeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: DockerSyscallRule[];
}

// ---------------------------------------------------------------------------
// What the engine knows that the request does not

/** A host device node, as stat(2) sees it (for HostConfig.Devices and privileged containers). */
export interface HostDevice {
  type: 'c' | 'b';
  path: string;
  major: number;
  minor: number;
  /** Permission bits only (no S_IFMT). */
  fileMode: number;
  uid: number;
  gid: number;
}

export interface SpecContext {
  /** Container id (64 hex) and name. */
  id: string;
  name: string;
  /** The mounted overlay `merged` dir; root.path. */
  rootfs: string;
  hostname: string;
  /** Files the engine writes, bind-mounted over /etc/hosts, /etc/resolv.conf, /etc/hostname. */
  hostsPath: string;
  resolvConfPath: string;
  hostnamePath: string;
  /** tscompose-init, bind-mounted at /sbin/docker-init for HostConfig.Init. */
  initPath?: string;
  /** linux.cgroupsPath, e.g. /tscompose/<id> (HostConfig.CgroupParent, when set, wins: <parent>/<id>). */
  cgroupsPath: string;
  /** Join this netns; undefined with NetworkMode none/bridge → new netns; host → no netns. */
  netnsPath?: string;
  /** For PidMode / IpcMode `container:<id>`: that container's namespaces (e.g. /proc/<pid>/ns/pid). */
  pidnsPath?: string;
  ipcnsPath?: string;
  /** /dev/shm to bind for IpcMode shareable / container:<id> (the engine's per-container shm). */
  shmPath?: string;
  /** Named volume → host dir (the engine creates it). */
  volumePath(name: string): string;
  /** Anonymous volume (a Binds/Mounts entry without a name, an image VOLUME) → host dir; absent → image VOLUMEs get none. */
  anonymousVolumePath?(destination: string): string;
  kernel: KernelVersion;
  arch: 'amd64' | 'arm64';
  /**
   * The capabilities the engine itself may grant (its bounding set, see
   * capabilitiesFromMask for /proc/self/status CapBnd). Privileged and CapAdd
   * ALL get these, as dockerd only hands out what its environment has;
   * default: every capability the kernel knows.
   */
  capabilities?: readonly string[];
  /** cgroup v2 (default) or v1: decides what Docker discards (OomKillDisable, MemorySwappiness on v2). */
  cgroupVersion?: 1 | 2;
  /** The daemon-wide no-new-privileges default (dockerd --no-new-privileges); false as in Docker. */
  noNewPrivileges?: boolean;
  /** dockerd --default-ulimit: merged under HostConfig.Ulimits (the container's win by name). */
  defaultUlimits?: Ulimit[];
  /** AppArmor available on the host: process.apparmorProfile docker-default / unconfined as Docker. */
  apparmor?: boolean;
  /** The runtime understands "rro" (recursive read-only, kernel ≥ 5.12): read-only binds use it as Docker does. */
  recursiveReadOnly?: boolean;
  /** Host-specific masked paths Docker adds (/sys/devices/system/cpu/cpuN/thermal_throttle that exist). */
  extraMaskedPaths?: string[];
  /** Host device lookup for HostConfig.Devices (stat of PathOnHost); undefined → not a device. */
  lookupDevice?(hostPath: string): HostDevice | undefined;
  /** All host devices, for Privileged (Docker: every device node under /dev). */
  hostDevices?(): HostDevice[];
}
