/**
 * The typed Compose model the loader ends with, mirroring compose-go's `types`
 * package (types.go, build.go, healthcheck.go, develop.go, hooks.go, models.go,
 * project.go). Field names are TypeScript-style; the key each field prints
 * under, and the order, live in ./field-order.ts beside the rules of how Go
 * marshals it.
 *
 * Conventions (so the renderer can reproduce Go's zero values and pointers):
 * - an optional field that is `undefined` is Go's zero value / nil pointer;
 * - durations are nanoseconds (Go `time.Duration`), byte sizes are bytes;
 * - `command`/`entrypoint`: `undefined` is nil (printed `null` in JSON), `[]`
 *   is an explicit empty command, which is not the same thing;
 * - `x-*` keys are kept in `extensions` wherever compose-go keeps them.
 */
import type { Value } from './tree.js';

/** `x-*` keys, values as parsed. */
export type Extensions = Record<string, Value>;

export interface Project {
  /** Normalized project name. */
  name: string;
  /** Absolute project directory (not printed). */
  workingDir: string;
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, SecretConfig>;
  configs: Record<string, ConfigObjConfig>;
  models: Record<string, ModelConfig>;
  extensions?: Extensions;
  /** Compose files the project was loaded from (not printed). */
  composeFiles?: string[];
  /** Interpolation environment (not printed). */
  environment?: Record<string, string>;
  /** Services left out by profiles (not printed). */
  disabledServices?: Record<string, ServiceConfig>;
}

export interface ServiceConfig {
  /** The key under `services` (not printed inside the service). */
  name: string;
  profiles?: string[];
  annotations?: Record<string, string>;
  attach?: boolean;
  build?: BuildConfig;
  develop?: DevelopConfig;
  blkioConfig?: BlkioConfig;
  capAdd?: string[];
  capDrop?: string[];
  cgroupParent?: string;
  cgroup?: string;
  cpuCount?: number;
  cpuPercent?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpus?: number;
  cpuset?: string;
  cpuShares?: number;
  command?: string[];
  configs?: ServiceConfigObjConfig[];
  containerName?: string;
  credentialSpec?: CredentialSpecConfig;
  dependsOn?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  deviceCgroupRules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dnsOpts?: string[];
  dnsSearch?: string[];
  dockerfile?: string;
  domainName?: string;
  entrypoint?: string[];
  provider?: ServiceProviderConfig;
  /** `null`: a bare key whose value the environment did not provide. */
  environment?: Record<string, string | null>;
  envFiles?: EnvFile[];
  expose?: string[];
  extends?: ExtendsConfig;
  externalLinks?: string[];
  /** `host=ip` entries, one per IP (compose-go HostsList; printed sorted). */
  extraHosts?: string[];
  groupAdd?: string[];
  gpus?: DeviceRequest[];
  hostname?: string;
  healthcheck?: HealthCheckConfig;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Record<string, string>;
  labelFiles?: string[];
  links?: string[];
  logging?: LoggingConfig;
  logDriver?: string;
  logOpt?: Record<string, string>;
  memLimit?: number;
  memReservation?: number;
  memSwapLimit?: number;
  memSwappiness?: number;
  macAddress?: string;
  /** `null`: attached with no options. */
  models?: Record<string, ServiceModelConfig | null>;
  net?: string;
  networkMode?: string;
  /** `null`: attached with no options (`networks: [a]`). */
  networks?: Record<string, ServiceNetworkConfig | null>;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  pid?: string;
  pidsLimit?: number;
  platform?: string;
  ports?: PortConfig[];
  privileged?: boolean;
  pullPolicy?: string;
  readOnly?: boolean;
  restart?: string;
  runtime?: string;
  scale?: number;
  secrets?: ServiceSecretConfig[];
  securityOpt?: string[];
  shmSize?: number;
  stdinOpen?: boolean;
  /** Nanoseconds. */
  stopGracePeriod?: number;
  stopSignal?: string;
  storageOpt?: Record<string, string>;
  sysctls?: Record<string, string>;
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, UlimitsConfig>;
  useApiSocket?: boolean;
  user?: string;
  usernsMode?: string;
  uts?: string;
  volumeDriver?: string;
  volumes?: ServiceVolumeConfig[];
  volumesFrom?: string[];
  workingDir?: string;
  /** Hooks run before the container starts, each in its own container. */
  preStart?: ServiceHook[];
  postStart?: ServiceHook[];
  preStop?: ServiceHook[];
  extensions?: Extensions;
}

export interface BuildConfig {
  context?: string;
  dockerfile?: string;
  dockerfileInline?: string;
  entitlements?: string[];
  args?: Record<string, string | null>;
  provenance?: string;
  sbom?: string;
  ssh?: SSHKey[];
  labels?: Record<string, string>;
  cacheFrom?: string[];
  cacheTo?: string[];
  noCache?: boolean;
  noCacheFilter?: string[];
  additionalContexts?: Record<string, string>;
  pull?: boolean;
  /** `host=ip` entries, one per IP. */
  extraHosts?: string[];
  isolation?: string;
  network?: string;
  target?: string;
  secrets?: ServiceSecretConfig[];
  shmSize?: number;
  tags?: string[];
  ulimits?: Record<string, UlimitsConfig>;
  platforms?: string[];
  privileged?: boolean;
  extensions?: Extensions;
}

export interface SSHKey {
  id: string;
  path?: string;
}

export interface DevelopConfig {
  watch?: WatchTrigger[];
  extensions?: Extensions;
}

export interface WatchTrigger {
  path: string;
  action: string;
  target?: string;
  exec?: ServiceHook;
  include?: string[];
  ignore?: string[];
  extensions?: Extensions;
}

export interface ServiceHook {
  command?: string[];
  /** pre_start only: the hook container's image (default: the service's). */
  image?: string;
  copy?: FileReferenceConfig;
  user?: string;
  privileged?: boolean;
  workingDir?: string;
  environment?: Record<string, string | null>;
  extensions?: Extensions;
}

export interface BlkioConfig {
  weight?: number;
  weightDevice?: WeightDevice[];
  deviceReadBps?: ThrottleDevice[];
  deviceReadIOps?: ThrottleDevice[];
  deviceWriteBps?: ThrottleDevice[];
  deviceWriteIOps?: ThrottleDevice[];
  extensions?: Extensions;
}

export interface WeightDevice {
  path: string;
  weight: number;
  extensions?: Extensions;
}

export interface ThrottleDevice {
  path: string;
  /** Bytes (or operations) per second. */
  rate: number;
  extensions?: Extensions;
}

/** Shared shape of service `configs`/`secrets` entries and hook `copy`. */
export interface FileReferenceConfig {
  source?: string;
  target?: string;
  uid?: string;
  gid?: string;
  /** File mode as a number (printed in octal, `"0440"`). */
  mode?: number;
  extensions?: Extensions;
}

export type ServiceConfigObjConfig = FileReferenceConfig;
export type ServiceSecretConfig = FileReferenceConfig;

export interface CredentialSpecConfig {
  config?: string;
  file?: string;
  registry?: string;
  extensions?: Extensions;
}

export interface ServiceDependency {
  condition?: string;
  restart?: boolean;
  /** Always printed (no omitempty in compose-go). */
  required: boolean;
  extensions?: Extensions;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  updateConfig?: UpdateConfig;
  rollbackConfig?: UpdateConfig;
  resources?: Resources;
  restartPolicy?: RestartPolicy;
  placement?: Placement;
  endpointMode?: string;
  extensions?: Extensions;
}

export interface UpdateConfig {
  parallelism?: number;
  /** Nanoseconds. */
  delay?: number;
  failureAction?: string;
  /** Nanoseconds. */
  monitor?: number;
  maxFailureRatio?: number;
  order?: string;
  extensions?: Extensions;
}

export interface Resources {
  limits?: Resource;
  reservations?: Resource;
  extensions?: Extensions;
}

export interface Resource {
  /** CPUs as a fraction (`0.5`), a Go float32. */
  cpus?: number;
  memory?: number;
  pids?: number;
  devices?: DeviceRequest[];
  genericResources?: GenericResource[];
  extensions?: Extensions;
}

export interface GenericResource {
  discreteResourceSpec?: DiscreteGenericResource;
  extensions?: Extensions;
}

export interface DiscreteGenericResource {
  kind: string;
  value: number;
  extensions?: Extensions;
}

export interface RestartPolicy {
  condition?: string;
  /** Nanoseconds. */
  delay?: number;
  maxAttempts?: number;
  /** Nanoseconds. */
  window?: number;
  extensions?: Extensions;
}

export interface Placement {
  constraints?: string[];
  preferences?: PlacementPreferences[];
  maxReplicas?: number;
  extensions?: Extensions;
}

export interface PlacementPreferences {
  spread?: string;
  extensions?: Extensions;
}

export interface DeviceRequest {
  capabilities?: string[];
  driver?: string;
  /** `-1` means `all`. */
  count?: number;
  deviceIds?: string[];
  options?: Record<string, string>;
}

export interface DeviceMapping {
  source?: string;
  target?: string;
  permissions?: string;
  extensions?: Extensions;
}

export interface EnvFile {
  path: string;
  /** Default true; only `false` is printed. */
  required?: boolean;
  format?: string;
}

export interface ExtendsConfig {
  file?: string;
  service?: string;
}

export interface HealthCheckConfig {
  test?: string[];
  /** Nanoseconds. */
  timeout?: number;
  /** Nanoseconds. */
  interval?: number;
  retries?: number;
  /** Nanoseconds. */
  startPeriod?: number;
  /** Nanoseconds. */
  startInterval?: number;
  disable?: boolean;
  extensions?: Extensions;
}

export interface LoggingConfig {
  driver?: string;
  options?: Record<string, string>;
  extensions?: Extensions;
}

export interface ServiceModelConfig {
  endpointVar?: string;
  extensions?: Extensions;
}

export interface ServiceNetworkConfig {
  aliases?: string[];
  driverOpts?: Record<string, string>;
  gwPriority?: number;
  interfaceName?: string;
  ipv4Address?: string;
  ipv6Address?: string;
  linkLocalIps?: string[];
  macAddress?: string;
  priority?: number;
  extensions?: Extensions;
}

export interface PortConfig {
  name?: string;
  mode?: string;
  hostIp?: string;
  target?: number;
  /** A string in compose-go: `"8080"`, or a range `"8080-8081"`. */
  published?: string;
  protocol?: string;
  appProtocol?: string;
  extensions?: Extensions;
}

export interface ServiceVolumeConfig {
  type?: string;
  source?: string;
  target?: string;
  readOnly?: boolean;
  consistency?: string;
  bind?: ServiceVolumeBind;
  volume?: ServiceVolumeVolume;
  tmpfs?: ServiceVolumeTmpfs;
  image?: ServiceVolumeImage;
  extensions?: Extensions;
}

export interface ServiceVolumeBind {
  selinux?: string;
  propagation?: string;
  /** Default true; only `false` is printed. */
  createHostPath?: boolean;
  recursive?: string;
  extensions?: Extensions;
}

export interface ServiceVolumeVolume {
  labels?: Record<string, string>;
  nocopy?: boolean;
  subpath?: string;
  extensions?: Extensions;
}

export interface ServiceVolumeTmpfs {
  size?: number;
  mode?: number;
  extensions?: Extensions;
}

export interface ServiceVolumeImage {
  subpath?: string;
  extensions?: Extensions;
}

export interface ServiceProviderConfig {
  type?: string;
  options?: Record<string, string[]>;
  extensions?: Extensions;
}

/** `single` set: one value for soft and hard (`nproc: 65535`). */
export interface UlimitsConfig {
  single?: number;
  soft?: number;
  hard?: number;
  extensions?: Extensions;
}

export interface NetworkConfig {
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  ipam?: IPAMConfig;
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enableIpv4?: boolean;
  enableIpv6?: boolean;
  extensions?: Extensions;
}

export interface IPAMConfig {
  driver?: string;
  config?: IPAMPool[];
  extensions?: Extensions;
}

export interface IPAMPool {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  extensions?: Extensions;
}

export interface VolumeConfig {
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  extensions?: Extensions;
}

/** Top-level `secrets` and `configs` entries (compose-go FileObjectConfig). */
export interface FileObjectConfig {
  name?: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driverOpts?: Record<string, string>;
  templateDriver?: string;
  extensions?: Extensions;
}

/** `content` is never printed for secrets. */
export type SecretConfig = FileObjectConfig;
/** `content` is not printed when it came from `environment`. */
export type ConfigObjConfig = FileObjectConfig;

export interface ModelConfig {
  name?: string;
  model?: string;
  contextSize?: number;
  runtimeFlags?: string[];
  extensions?: Extensions;
}
