/**
 * Container-create request + image config → the OCI bundle config.json, as
 * dockerd (daemon createSpec) hands it to containerd/runc: Docker's default
 * spec, then the common options (args, init, env, cwd, tty, hostname,
 * network sysctls), cgroups path, resources, sysctls, devices, rlimits,
 * namespaces, capabilities, seccomp, mounts, AppArmor, OOM score, user,
 * no_new_privs. A pure function of its inputs except for reading the
 * rootfs's /etc/passwd and /etc/group (and stat of HostConfig.Devices when
 * the context gives no lookup).
 *
 * Not in the spec (the engine's business): Labels, StopSignal/StopTimeout,
 * OpenStdin/AttachStdin/StdinOnce (stdio wiring), healthcheck, restart
 * policy, ports, networking beyond which netns to use.
 */
import path from 'node:path';
import { BadRequestError } from '../errors.js';
import type { ImageConfig } from '../images/types.js';
import {
  DEFAULT_MASKED_PATHS,
  DEFAULT_NAMESPACES,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  defaultMounts,
  defaultNetworkSysctls,
  IN_CONTAINER_INIT_PATH,
  OCI_VERSION,
} from './defaults.js';
import { buildDevices } from './devices.js';
import { buildMounts, type MountsInput } from './mounts.js';
import { containerArgs, containerEnv, mergeImageConfig } from './process.js';
import { buildResources, buildRlimits, validateResources } from './resources.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import { convertSeccompProfile, parseSeccompProfile } from './seccomp-convert.js';
import { containerCapabilities, parseSecurityOpts } from './security.js';
import type { ContainerCreateRequest, HostConfig, OciMount, OciNamespace, OciNamespaceType, OciSpec, SpecContext } from './types.js';
import { SpecError } from './spec-error.js';
import { resolveUser } from './user.js';

export type { ContainerCreateRequest, OciSpec, SpecContext } from './types.js';

/** Network mode kinds as Docker classifies them. */
function networkKind(mode: string | undefined): 'host' | 'container' | 'none' | 'private' {
  const m = mode ?? '';
  if (m === 'host') return 'host';
  if (m.startsWith('container:')) return 'container';
  if (m === 'none') return 'none';
  return 'private'; // '', default, bridge, a user-defined network
}

function modeKind(mode: string | undefined, allowed: readonly string[], what: string): string {
  const m = mode ?? '';
  if (m.startsWith('container:')) {
    if (m.length === 'container:'.length) throw new BadRequestError(`invalid ${what} mode: ${m}`);
    return 'container';
  }
  if (!allowed.includes(m)) throw new BadRequestError(`invalid ${what} mode: ${m}`);
  return m;
}

function setNamespace(list: OciNamespace[], ns: OciNamespace): void {
  const i = list.findIndex((n) => n.type === ns.type);
  if (i >= 0) list[i] = ns;
  else list.push(ns);
}

function removeNamespace(list: OciNamespace[], type: OciNamespaceType): void {
  const i = list.findIndex((n) => n.type === type);
  if (i >= 0) list.splice(i, 1);
}

function clearReadOnly(m: OciMount): void {
  if (m.options) m.options = m.options.filter((o) => o !== 'ro');
}

export function buildOciSpec(create: ContainerCreateRequest, image: ImageConfig, ctx: SpecContext): OciSpec {
  const hc: HostConfig = create.HostConfig ?? {};
  const privileged = hc.Privileged === true;
  const cgroupVersion = ctx.cgroupVersion ?? 2;
  validateResources(hc);

  const merged = mergeImageConfig(create, image);
  const security = parseSecurityOpts(hc.SecurityOpt, ctx.noNewPrivileges ?? false);
  const net = networkKind(hc.NetworkMode);
  const ipc = modeKind(hc.IpcMode, ['', 'private', 'shareable', 'none', 'host'], 'IPC');
  const pid = modeKind(hc.PidMode, ['', 'host'], 'PID');
  const uts = modeKind(hc.UTSMode, ['', 'host'], 'UTS');
  if (uts === 'container') throw new BadRequestError(`invalid UTS mode: ${hc.UTSMode}`);
  const cgroupns = hc.CgroupnsMode ?? '';
  if (cgroupns !== '' && cgroupns !== 'private' && cgroupns !== 'host') throw new BadRequestError(`invalid cgroup namespace mode: ${cgroupns}`);
  const tty = create.Tty === true;

  // --- common options: args, init, cwd, env, terminal, hostname
  const privatePid = pid === '';
  const withInit = hc.Init === true && privatePid;
  if (withInit && !ctx.initPath) throw new SpecError('exec: "docker-init": executable file not found in $PATH');
  const args = containerArgs(merged, withInit);
  const hostname = uts === 'host' ? '' : ctx.hostname;

  const shmSize = hc.ShmSize && hc.ShmSize > 0 ? hc.ShmSize : DEFAULT_SHM_SIZE;
  const defaults = defaultMounts(shmSize);
  if (withInit) defaults.push({ destination: IN_CONTAINER_INIT_PATH, type: 'bind', source: ctx.initPath as string, options: ['bind', 'ro'] });

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      user: { uid: 0, gid: 0 },
      args,
      env: containerEnv(merged, ctx.hostname, tty),
      cwd: merged.workingDir,
    },
    root: { path: ctx.rootfs },
    mounts: [],
    linux: {},
  };
  if (tty) {
    spec.process.terminal = true;
    const size = hc.ConsoleSize;
    if (size && (size[0] > 0 || size[1] > 0)) spec.process.consoleSize = { height: size[0], width: size[1] };
  }
  if (hc.ReadonlyRootfs) spec.root.readonly = true;
  if (hostname !== '') spec.hostname = hostname;
  if (create.Domainname) spec.domainname = create.Domainname;

  // --- sysctls: Docker's for a new network namespace, then HostConfig.Sysctls
  const sysctl: Record<string, string> = net === 'private' || net === 'none' ? defaultNetworkSysctls(ctx.kernel) : {};
  for (const [k, v] of Object.entries(hc.Sysctls ?? {})) sysctl[k] = v;

  // --- cgroups, resources, devices
  const linux = spec.linux;
  linux.cgroupsPath = hc.CgroupParent ? path.posix.join(hc.CgroupParent, ctx.id) : ctx.cgroupsPath;
  const resources = buildResources(hc, cgroupVersion);
  const devs = buildDevices(hc, ctx);
  linux.resources = { devices: devs.cgroup, ...resources };
  if (Object.keys(sysctl).length > 0) linux.sysctl = sysctl;
  if (devs.devices.length > 0) linux.devices = devs.devices;

  // --- rlimits
  const rlimits = buildRlimits(hc.Ulimits, ctx.defaultUlimits);
  if (rlimits.length > 0) spec.process.rlimits = rlimits;

  // --- namespaces
  const namespaces: OciNamespace[] = DEFAULT_NAMESPACES.map((type) => ({ type }));
  if (create.NetworkDisabled !== true) {
    if (net === 'host') removeNamespace(namespaces, 'network');
    else if (net === 'container') {
      if (!ctx.netnsPath) throw new SpecError(`cannot join network namespace of ${hc.NetworkMode}: no namespace path`);
      setNamespace(namespaces, { type: 'network', path: ctx.netnsPath });
    } else setNamespace(namespaces, ctx.netnsPath ? { type: 'network', path: ctx.netnsPath } : { type: 'network' });
  }
  if (ipc === 'host') removeNamespace(namespaces, 'ipc');
  else if (ipc === 'container') {
    if (!ctx.ipcnsPath) throw new SpecError(`cannot join IPC namespace of ${hc.IpcMode}: no namespace path`);
    setNamespace(namespaces, { type: 'ipc', path: ctx.ipcnsPath });
  }
  if (pid === 'host') removeNamespace(namespaces, 'pid');
  else if (pid === 'container') {
    if (!ctx.pidnsPath) throw new SpecError(`cannot join PID namespace of ${hc.PidMode}: no namespace path`);
    setNamespace(namespaces, { type: 'pid', path: ctx.pidnsPath });
  }
  if (uts === 'host') removeNamespace(namespaces, 'uts');
  // cgroup v2: a private cgroup namespace unless asked for the host's (v1: host unless asked).
  if (cgroupns === 'private' || (cgroupns === '' && cgroupVersion === 2)) setNamespace(namespaces, { type: 'cgroup' });
  linux.namespaces = namespaces;

  // --- capabilities, then seccomp (which depends on them)
  const caps = containerCapabilities(hc.CapAdd, hc.CapDrop, privileged, ctx.kernel, ctx.capabilities);
  spec.process.capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  if (!privileged && security.seccompProfile !== 'unconfined') {
    const profile =
      security.seccompProfile === '' || security.seccompProfile === 'builtin'
        ? defaultSeccompProfile()
        : parseSeccompProfile(security.seccompProfile);
    const seccomp = convertSeccompProfile(profile, { arch: ctx.arch, capabilities: caps, kernel: ctx.kernel });
    if (seccomp) linux.seccomp = seccomp;
  }

  // --- mounts
  let shm: MountsInput['shm'] = { kind: 'tmpfs' };
  if (ipc === 'none') shm = { kind: 'none' };
  else if (ipc === 'host') shm = { kind: 'bind', source: '/dev/shm' };
  else if (ipc === 'shareable' || ipc === 'container') {
    if (!ctx.shmPath) throw new SpecError(`IpcMode ${hc.IpcMode}: no shm path`);
    shm = { kind: 'bind', source: ctx.shmPath };
  }
  const mounts = buildMounts({ hostConfig: hc, ctx, defaults, imageVolumes: merged.volumes, shm });
  spec.mounts = mounts.mounts;
  if (mounts.rootfsPropagation) linux.rootfsPropagation = mounts.rootfsPropagation;

  linux.maskedPaths = hc.MaskedPaths ? [...hc.MaskedPaths] : [...DEFAULT_MASKED_PATHS, ...(ctx.extraMaskedPaths ?? [])];
  linux.readonlyPaths = hc.ReadonlyPaths ? [...hc.ReadonlyPaths] : [...DEFAULT_READONLY_PATHS];
  if (privileged) {
    for (const m of spec.mounts) if (m.destination === '/sys') clearReadOnly(m);
    delete linux.maskedPaths;
    delete linux.readonlyPaths;
  }
  if (privileged || security.writableCgroups) {
    for (const m of spec.mounts) if (m.type === 'cgroup') clearReadOnly(m);
  }

  // --- AppArmor, OOM score, annotations, user, no_new_privs
  if (ctx.apparmor) spec.process.apparmorProfile = security.apparmorProfile || (privileged ? 'unconfined' : 'docker-default');
  spec.process.oomScoreAdj = hc.OomScoreAdj ?? 0;
  if (hc.Annotations && Object.keys(hc.Annotations).length > 0) spec.annotations = { ...hc.Annotations };
  spec.process.user = resolveUser(ctx.rootfs, merged.user, hc.GroupAdd ?? []);
  if (security.noNewPrivileges) spec.process.noNewPrivileges = true;

  return spec;
}
