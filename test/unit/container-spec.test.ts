/**
 * buildOciSpec: Docker Engine API create requests → the OCI config.json
 * dockerd would produce (Docker's defaults, merge with the image, resources,
 * privileged, capabilities, users from a fake rootfs, binds/volumes/tmpfs/shm,
 * init, network/IPC/PID modes). Every spec built here is also checked against
 * the OCI runtime-spec schema (skipped with the printed reason when ../shared
 * is absent). No root needed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../engine/daemon/errors.js';
import type { ImageConfig } from '../../engine/daemon/images/types.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
} from '../../engine/daemon/containers/defaults.js';
import { buildOciSpec } from '../../engine/daemon/containers/oci-spec.js';
import { mergeTmpfsOptions } from '../../engine/daemon/containers/mounts.js';
import type { ContainerCreateRequest, HostConfig, OciSpec, SpecContext } from '../../engine/daemon/containers/types.js';
import { capabilitiesFromMask } from '../../engine/daemon/containers/security.js';
import { resolveUser } from '../../engine/daemon/containers/user.js';
import { configValidator, OCI_SCHEMA_DIR, validateConfig } from '../helpers/oci-bundle.js';
import { NO_SHARED } from '../helpers/paths.js';

const ID = 'a'.repeat(64);
let rootfs = '';
let tmp = '';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'www-data:x:33:33:www-data:/var/www:/bin/false',
  'app:x:1000:1000::/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');
const GROUP = [
  'root:x:0:',
  'daemon:x:1:',
  'wheel:x:10:root,app',
  'audio:x:29:app',
  'www-data:x:33:',
  'app:x:1000:',
  'staff:x:50:',
  'nogroup:x:65534:',
  '',
].join('\n');

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-spec-'));
  rootfs = path.join(tmp, 'merged');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), PASSWD);
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), GROUP);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ctx(over: Partial<SpecContext> = {}): SpecContext {
  return {
    id: ID,
    name: 'web',
    rootfs,
    hostname: 'aaaaaaaaaaaa',
    hostsPath: `/var/lib/tscompose/containers/${ID}/hosts`,
    resolvConfPath: `/var/lib/tscompose/containers/${ID}/resolv.conf`,
    hostnamePath: `/var/lib/tscompose/containers/${ID}/hostname`,
    initPath: '/usr/libexec/tscompose/tscompose-init',
    cgroupsPath: `/tscompose/${ID}`,
    volumePath: (name) => `/var/lib/tscompose/volumes/${name}/_data`,
    kernel: { major: 6, minor: 1 },
    arch: 'amd64',
    ...over,
  };
}

const BUSYBOX: ImageConfig = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] };

const schemaAvailable = fs.existsSync(path.join(OCI_SCHEMA_DIR, 'config-schema.json'));
const built: OciSpec[] = [];

function spec(req: ContainerCreateRequest, image: ImageConfig = BUSYBOX, c: SpecContext = ctx()): OciSpec {
  const s = buildOciSpec(req, image, c);
  built.push(s);
  return s;
}
const withHost = (hc: HostConfig, rest: ContainerCreateRequest = {}): ContainerCreateRequest => ({ Image: 'busybox', ...rest, HostConfig: hc });
const mount = (s: OciSpec, dest: string) => s.mounts.find((m) => m.destination === dest);

describe('docker run defaults', () => {
  it('process: args, env, cwd, user, capabilities, no rlimits, oomScoreAdj 0, no terminal', () => {
    const s = spec({ Image: 'busybox' });
    assert.equal(s.ociVersion, '1.1.0');
    assert.deepEqual(s.process.args, ['sh']);
    assert.deepEqual(s.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=aaaaaaaaaaaa']);
    assert.equal(s.process.cwd, '/');
    assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0, 10] });
    assert.deepEqual(s.process.capabilities, { bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES });
    assert.equal(s.process.rlimits, undefined);
    assert.equal(s.process.oomScoreAdj, 0);
    assert.equal(s.process.terminal, undefined);
    assert.equal(s.process.noNewPrivileges, undefined);
    assert.equal(s.process.apparmorProfile, undefined);
    assert.deepEqual(s.root, { path: rootfs });
    assert.equal(s.hostname, 'aaaaaaaaaaaa');
  });

  it('mounts: Docker defaults with size=67108864 /dev/shm, then /etc/resolv.conf, /etc/hostname, /etc/hosts', () => {
    const s = spec({ Image: 'busybox' });
    assert.deepEqual(s.mounts, [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
      { destination: '/etc/resolv.conf', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/resolv.conf`, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hostname', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/hostname`, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hosts', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/hosts`, options: ['rbind', 'rprivate'] },
    ]);
  });

  it('linux: namespaces, masked and read-only paths, devices cgroup, sysctls, cgroupsPath, resources', () => {
    const s = spec({ Image: 'busybox' });
    assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }, { type: 'cgroup' }]);
    assert.deepEqual(s.linux.maskedPaths, [
      '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/sched_debug',
      '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap', '/sys/firmware',
    ]);
    assert.deepEqual(s.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
    assert.deepEqual(s.linux.resources, {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
        { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
        { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
        { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
      ],
      blockIO: {},
    });
    assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' });
    assert.equal(s.linux.cgroupsPath, `/tscompose/${ID}`);
    assert.equal(s.linux.devices, undefined);
    assert.equal(s.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    assert.deepEqual(s.linux.seccomp?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('host-specific masked paths are appended; HostConfig.MaskedPaths/ReadonlyPaths replace the defaults', () => {
    const s = spec({ Image: 'busybox' }, BUSYBOX, ctx({ extraMaskedPaths: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] }));
    assert.deepEqual(s.linux.maskedPaths, [...DEFAULT_MASKED_PATHS, '/sys/devices/system/cpu/cpu0/thermal_throttle']);
    const t = spec(withHost({ MaskedPaths: [], ReadonlyPaths: ['/proc/sys'] }));
    assert.deepEqual(t.linux.maskedPaths, []);
    assert.deepEqual(t.linux.readonlyPaths, ['/proc/sys']);
  });
});

describe('merge with the image', () => {
  const image: ImageConfig = {
    Env: ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8', 'HOME=/srv'],
    Entrypoint: ['/docker-entrypoint.sh'],
    Cmd: ['nginx', '-g', 'daemon off;'],
    WorkingDir: '/srv',
    User: 'www-data',
    Labels: { a: 'b' },
    StopSignal: 'SIGQUIT',
  };

  it('request Env overrides image Env by key; image keys the request lacks follow; bare KEY unsets', () => {
    const s = spec({ Env: ['LANG=fr_FR.UTF-8', 'FOO=1', 'HOME'] }, image);
    assert.deepEqual(s.process.env, ['PATH=/usr/bin:/bin', 'HOSTNAME=aaaaaaaaaaaa', 'LANG=fr_FR.UTF-8', 'FOO=1']);
  });

  it('image Entrypoint + Cmd; request Cmd replaces the image Cmd only', () => {
    assert.deepEqual(spec({}, image).process.args, ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
    assert.deepEqual(spec({ Cmd: ['nginx', '-t'] }, image).process.args, ['/docker-entrypoint.sh', 'nginx', '-t']);
  });

  it('a request Entrypoint resets the image Cmd; an empty one ([] or [""]) resets the image Entrypoint', () => {
    assert.deepEqual(spec({ Entrypoint: ['/bin/sh', '-c'] }, image).process.args, ['/bin/sh', '-c']);
    assert.deepEqual(spec({ Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'] }, image).process.args, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(spec({ Entrypoint: [''] }, image).process.args, ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(spec({ Entrypoint: [], Cmd: ['ls'] }, image).process.args, ['ls']);
  });

  it('no command at all is Docker\'s error', () => {
    assert.throws(() => buildOciSpec({}, {}, ctx()), (e: ApiError) => e.status === 400 && /no command specified/.test(e.message));
  });

  it('WorkingDir: request, image, then /; relative is rejected', () => {
    assert.equal(spec({}, image).process.cwd, '/srv');
    assert.equal(spec({ WorkingDir: '/app/' }, image).process.cwd, '/app/');
    assert.throws(() => buildOciSpec({ WorkingDir: 'app' }, image, ctx()), /needs to be an absolute path/);
  });

  it('User: image user resolved; request user wins; labels and stop signal stay out of the spec', () => {
    assert.deepEqual(spec({}, image).process.user, { uid: 33, gid: 33, additionalGids: [33] });
    assert.deepEqual(spec({ User: 'app' }, image).process.user, { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] });
    const s = spec({}, image) as unknown as Record<string, unknown>;
    assert.equal(JSON.stringify(s).includes('SIGQUIT'), false);
    assert.equal(s['annotations'], undefined);
  });

  it('Tty → terminal, TERM=xterm, consoleSize; OpenStdin does not change the spec', () => {
    const s = spec({ Tty: true, OpenStdin: true, HostConfig: { ConsoleSize: [24, 80] } });
    assert.equal(s.process.terminal, true);
    assert.deepEqual(s.process.consoleSize, { height: 24, width: 80 });
    assert.deepEqual(s.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=aaaaaaaaaaaa', 'TERM=xterm']);
    const plain = spec({ OpenStdin: true });
    assert.deepEqual(plain.process, spec({}).process);
  });
});

describe('users from the rootfs', () => {
  it('names, uids, name:group, uid:gid, supplementary groups, GroupAdd', () => {
    assert.deepEqual(resolveUser(rootfs, ''), { uid: 0, gid: 0, additionalGids: [0, 10] });
    assert.deepEqual(resolveUser(rootfs, 'app'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] });
    assert.deepEqual(resolveUser(rootfs, '1000'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] });
    assert.deepEqual(resolveUser(rootfs, 'app:staff'), { uid: 1000, gid: 50, additionalGids: [50] });
    assert.deepEqual(resolveUser(rootfs, 'nobody:nogroup'), { uid: 65534, gid: 65534, additionalGids: [65534] });
    assert.deepEqual(resolveUser(rootfs, '4242'), { uid: 4242, gid: 0, additionalGids: [0] });
    assert.deepEqual(resolveUser(rootfs, '4242:4343'), { uid: 4242, gid: 4343, additionalGids: [4343] });
    assert.deepEqual(resolveUser(rootfs, 'app', ['staff', '777']), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29, 50, 777] });
  });

  it("unknown names fail with Docker's messages", () => {
    assert.throws(() => resolveUser(rootfs, 'ghost'), { message: 'unable to find user ghost: no matching entries in passwd file' });
    assert.throws(() => resolveUser(rootfs, 'app:ghosts'), { message: 'unable to find group ghosts: no matching entries in group file' });
    assert.throws(() => spec({ User: 'ghost' }), (e: ApiError) => e.status === 500);
  });

  it('an image without /etc/passwd: numeric users work, names do not', () => {
    const bare = path.join(tmp, 'bare');
    fs.mkdirSync(bare, { recursive: true });
    assert.deepEqual(resolveUser(bare, ''), { uid: 0, gid: 0, additionalGids: [0] });
    assert.deepEqual(resolveUser(bare, '1:2'), { uid: 1, gid: 2, additionalGids: [2] });
    assert.throws(() => resolveUser(bare, 'app'), /no matching entries in passwd file/);
  });

  it('an absolute /etc symlink resolves inside the rootfs, never on the host', () => {
    const linked = path.join(tmp, 'linked');
    fs.mkdirSync(path.join(linked, 'real-etc'), { recursive: true });
    fs.writeFileSync(path.join(linked, 'real-etc', 'passwd'), 'svc:x:4000:4000::/:/bin/sh\n');
    fs.symlinkSync('/real-etc', path.join(linked, 'etc'));
    assert.deepEqual(resolveUser(linked, 'svc'), { uid: 4000, gid: 4000, additionalGids: [4000] });
    const escape = path.join(tmp, 'escape');
    fs.mkdirSync(path.join(escape, 'etc'), { recursive: true });
    // On the host this would reach /etc/group, whose `root:x:0:` line parses as a passwd entry.
    fs.symlinkSync('../../../../../../../etc/group', path.join(escape, 'etc', 'passwd'));
    assert.throws(() => resolveUser(escape, 'root'), /no matching entries in passwd file/);
  });
});

describe('resources', () => {
  it('Memory, MemoryReservation, MemorySwap default (twice Memory), NanoCpus, CpuShares, cpuset, pids, blkio', () => {
    const s = spec(withHost({ Memory: 512 * 2 ** 20, MemoryReservation: 256 * 2 ** 20, NanoCpus: 1.5e9, CpuShares: 512, CpusetCpus: '0-1', CpusetMems: '0', PidsLimit: 100, BlkioWeight: 300 }));
    assert.deepEqual(s.linux.resources?.memory, { limit: 536870912, reservation: 268435456, swap: 1073741824 });
    assert.deepEqual(s.linux.resources?.cpu, { shares: 512, cpus: '0-1', mems: '0', period: 100000, quota: 150000 });
    assert.deepEqual(s.linux.resources?.pids, { limit: 100 });
    assert.deepEqual(s.linux.resources?.blockIO, { weight: 300 });
  });

  it('MemorySwap -1 = unlimited swap (no field); an explicit total is kept', () => {
    assert.deepEqual(spec(withHost({ Memory: 64 * 2 ** 20, MemorySwap: -1 })).linux.resources?.memory, { limit: 67108864 });
    assert.deepEqual(spec(withHost({ Memory: 64 * 2 ** 20, MemorySwap: 96 * 2 ** 20 })).linux.resources?.memory, { limit: 67108864, swap: 100663296 });
  });

  it('CpuQuota/CpuPeriod pass through; PidsLimit 0 and -1 are unlimited', () => {
    assert.deepEqual(spec(withHost({ CpuQuota: 50000, CpuPeriod: 200000 })).linux.resources?.cpu, { period: 200000, quota: 50000 });
    assert.deepEqual(spec(withHost({ PidsLimit: 0 })).linux.resources?.pids, { limit: -1 });
    assert.deepEqual(spec(withHost({ PidsLimit: -1 })).linux.resources?.pids, { limit: -1 });
    assert.equal(spec(withHost({ PidsLimit: null })).linux.resources?.pids, undefined);
  });

  it('OomKillDisable and MemorySwappiness: discarded on cgroup v2, kept on v1', () => {
    const hc = { Memory: 64 * 2 ** 20, OomKillDisable: true, MemorySwappiness: 10 };
    assert.deepEqual(spec(withHost(hc)).linux.resources?.memory, { limit: 67108864, swap: 134217728 });
    assert.deepEqual(spec(withHost(hc), BUSYBOX, ctx({ cgroupVersion: 1 })).linux.resources?.memory, {
      limit: 67108864, swap: 134217728, swappiness: 10, disableOOMKiller: true,
    });
  });

  it("Docker's validation errors (400)", () => {
    const bad = (hc: HostConfig, msg: RegExp) => assert.throws(() => buildOciSpec(withHost(hc), BUSYBOX, ctx()), (e: ApiError) => e.status === 400 && msg.test(e.message));
    bad({ Memory: 1024 }, /Minimum memory limit allowed is 6MB/);
    bad({ Memory: 64 * 2 ** 20, MemorySwap: 32 * 2 ** 20 }, /memoryswap limit should be larger/);
    bad({ MemorySwap: 64 * 2 ** 20 }, /always set the Memory limit/);
    bad({ NanoCpus: 1e9, CpuQuota: 50000 }, /Nano CPUs and CPU Quota/);
    bad({ BlkioWeight: 5 }, /Range of blkio weight/);
  });

  it('Ulimits → rlimits (daemon defaults under them), Sysctls, OomScoreAdj, CgroupParent', () => {
    const s = spec(
      withHost({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 4096 }], Sysctls: { 'net.core.somaxconn': '1024' }, OomScoreAdj: 500, CgroupParent: '/ci' }),
      BUSYBOX,
      ctx({ defaultUlimits: [{ Name: 'nofile', Soft: 1, Hard: 1 }, { Name: 'nproc', Soft: 100, Hard: 200 }] }),
    );
    assert.deepEqual(s.process.rlimits, [
      { type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 },
      { type: 'RLIMIT_NPROC', hard: 200, soft: 100 },
    ]);
    assert.equal(s.linux.sysctl?.['net.core.somaxconn'], '1024');
    assert.equal(s.process.oomScoreAdj, 500);
    assert.equal(s.linux.cgroupsPath, `/ci/${ID}`);
  });

  it('Devices and DeviceCgroupRules', () => {
    const s = spec(
      withHost({ Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }], DeviceCgroupRules: ['c 10:200 rwm', 'b *:* r'] }),
      BUSYBOX,
      ctx({ lookupDevice: (p) => (p === '/dev/fuse' ? { type: 'c', path: p, major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 } : undefined) }),
    );
    assert.deepEqual(s.linux.devices, [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]);
    assert.deepEqual(s.linux.resources?.devices?.slice(-3), [
      { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
      { allow: true, type: 'b', major: -1, minor: -1, access: 'r' },
    ]);
  });
});

describe('privileged, capabilities, security options', () => {
  it('Privileged: every capability, no seccomp, no masked/read-only paths, rw /sys and cgroup, all devices', () => {
    const s = spec(withHost({ Privileged: true }), BUSYBOX, ctx({ hostDevices: () => [{ type: 'c', path: '/dev/kmsg', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }] }));
    assert.deepEqual(s.process.capabilities?.bounding, ALL_CAPABILITIES.slice(0, 41));
    assert.equal(s.linux.seccomp, undefined);
    assert.equal(s.linux.maskedPaths, undefined);
    assert.equal(s.linux.readonlyPaths, undefined);
    assert.deepEqual(mount(s, '/sys')?.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(mount(s, '/sys/fs/cgroup')?.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(s.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(s.linux.devices, [{ type: 'c', path: '/dev/kmsg', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }]);
    assert.deepEqual(s.linux.namespaces?.map((n) => n.type), ['mount', 'network', 'uts', 'pid', 'ipc', 'cgroup']);
  });

  it("the kernel's and the engine's own capabilities bound Privileged and ALL", () => {
    const s = spec(withHost({ Privileged: true }), BUSYBOX, ctx({ kernel: { major: 5, minor: 4 } }));
    assert.equal(s.process.capabilities?.bounding?.at(-1), 'CAP_AUDIT_READ');
    const engine = capabilitiesFromMask('000001fffeffffff'); // no CAP_SYS_RESOURCE (bit 24)
    assert.equal(engine.length, 40);
    assert.equal(engine.includes('CAP_SYS_RESOURCE'), false);
    const p = spec(withHost({ Privileged: true }), BUSYBOX, ctx({ capabilities: engine }));
    assert.deepEqual(p.process.capabilities?.bounding, engine);
    assert.deepEqual(spec(withHost({ CapAdd: ['ALL'] }), BUSYBOX, ctx({ capabilities: engine })).process.capabilities?.bounding, engine);
    assert.throws(() => buildOciSpec(withHost({ CapAdd: ['SYS_RESOURCE'] }), BUSYBOX, ctx({ capabilities: engine })), /not available in the current environment/);
  });

  it('CapAdd/CapDrop: normalised names, drop then add, ALL either way', () => {
    const caps = (hc: HostConfig) => spec(withHost(hc)).process.capabilities?.effective;
    assert.deepEqual(caps({ CapAdd: ['sys_admin'], CapDrop: ['NET_RAW', 'cap_mknod'] }), [
      ...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_MKNOD'), 'CAP_SYS_ADMIN',
    ]);
    assert.deepEqual(caps({ CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE', 'CHOWN'] }), ['CAP_NET_BIND_SERVICE', 'CAP_CHOWN']);
    assert.deepEqual(caps({ CapDrop: ['all'] }), []);
    assert.deepEqual(caps({ CapAdd: ['ALL'], CapDrop: ['SYS_ADMIN'] }), ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'));
    assert.throws(() => buildOciSpec(withHost({ CapAdd: ['CAP_FLY'] }), BUSYBOX, ctx()), { message: 'unknown capability: "CAP_FLY"' });
  });

  it('SecurityOpt: no-new-privileges, seccomp=unconfined, seccomp=<json>, apparmor, bad options', () => {
    assert.equal(spec(withHost({ SecurityOpt: ['no-new-privileges'] })).process.noNewPrivileges, true);
    assert.equal(spec(withHost({ SecurityOpt: ['no-new-privileges=true'] })).process.noNewPrivileges, true);
    assert.equal(spec(withHost({ SecurityOpt: ['no-new-privileges:false'] }), BUSYBOX, ctx({ noNewPrivileges: true })).process.noNewPrivileges, undefined);
    assert.equal(spec(withHost({ SecurityOpt: ['seccomp=unconfined'] })).linux.seccomp, undefined);
    const custom = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
    assert.deepEqual(spec(withHost({ SecurityOpt: [`seccomp=${custom}`] })).linux.seccomp, {
      defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    });
    assert.equal(spec(withHost({ SecurityOpt: ['apparmor=my-profile'] }), BUSYBOX, ctx({ apparmor: true })).process.apparmorProfile, 'my-profile');
    assert.equal(spec({}, BUSYBOX, ctx({ apparmor: true })).process.apparmorProfile, 'docker-default');
    assert.equal(spec(withHost({ Privileged: true }), BUSYBOX, ctx({ apparmor: true })).process.apparmorProfile, 'unconfined');
    assert.throws(() => buildOciSpec(withHost({ SecurityOpt: ['bogus'] }), BUSYBOX, ctx()), { message: 'invalid --security-opt 1: "bogus"' });
    assert.throws(() => buildOciSpec(withHost({ SecurityOpt: ['foo=bar'] }), BUSYBOX, ctx()), { message: 'invalid --security-opt 2: "foo=bar"' });
    assert.throws(() => buildOciSpec(withHost({ SecurityOpt: ['seccomp={'] }), BUSYBOX, ctx()), /Decoding seccomp profile failed/);
  });

  it('ReadonlyRootfs: root.readonly and the network files read-only', () => {
    const s = spec(withHost({ ReadonlyRootfs: true }));
    assert.deepEqual(s.root, { path: rootfs, readonly: true });
    assert.deepEqual(mount(s, '/etc/hosts')?.options, ['rbind', 'ro', 'rprivate']);
    assert.deepEqual(mount(s, '/dev/shm')?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864']);
  });
});

describe('mounts', () => {
  it('Binds: host paths (ro, propagation, z), named volumes', () => {
    const s = spec(withHost({ Binds: ['/srv/data:/data', '/srv/conf:/etc/app/conf:ro,z', '/srv/shared:/shared:rshared', 'cache:/var/cache', 'logs:/logs:ro'] }));
    const user = s.mounts.slice(7);
    assert.deepEqual(user, [
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate'] },
      { destination: '/shared', type: 'bind', source: '/srv/shared', options: ['rbind', 'rshared'] },
      { destination: '/logs', type: 'bind', source: '/var/lib/tscompose/volumes/logs/_data', options: ['rbind', 'ro'] },
      { destination: '/var/cache', type: 'bind', source: '/var/lib/tscompose/volumes/cache/_data', options: ['rbind'] },
      { destination: '/etc/resolv.conf', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/resolv.conf`, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hostname', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/hostname`, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hosts', type: 'bind', source: `/var/lib/tscompose/containers/${ID}/hosts`, options: ['rbind', 'rprivate'] },
      { destination: '/etc/app/conf', type: 'bind', source: '/srv/conf', options: ['rbind', 'ro', 'rprivate'] },
    ]);
    assert.equal(s.linux.rootfsPropagation, 'shared');
  });

  it('read-only binds use rro when the runtime supports it (unless ReadOnlyNonRecursive)', () => {
    const c = ctx({ recursiveReadOnly: true });
    const s = spec(withHost({ Binds: ['/a:/a:ro'], Mounts: [{ Type: 'bind', Source: '/b', Target: '/b', ReadOnly: true, BindOptions: { ReadOnlyNonRecursive: true } }] }), BUSYBOX, c);
    assert.deepEqual(mount(s, '/a')?.options, ['rbind', 'rro', 'rprivate']);
    assert.deepEqual(mount(s, '/b')?.options, ['rbind', 'ro', 'rprivate']);
  });

  it('Mounts: bind (NonRecursive, propagation), volume (Subpath), tmpfs (size, mode, options)', () => {
    const s = spec(
      withHost({
        Mounts: [
          { Type: 'bind', Source: '/host/x', Target: '/x', BindOptions: { NonRecursive: true, Propagation: 'rslave' } },
          { Type: 'volume', Source: 'vol', Target: '/v', VolumeOptions: { Subpath: 'sub/dir' } },
          { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 64 * 2 ** 20, Mode: 0o1777, Options: [['exec']] } },
          { Type: 'tmpfs', Target: '/odd', ReadOnly: true, TmpfsOptions: { SizeBytes: 1000 } },
        ],
      }),
    );
    assert.deepEqual(mount(s, '/x'), { destination: '/x', type: 'bind', source: '/host/x', options: ['bind', 'rslave'] });
    assert.deepEqual(mount(s, '/v'), { destination: '/v', type: 'bind', source: '/var/lib/tscompose/volumes/vol/_data/sub/dir', options: ['rbind'] });
    assert.deepEqual(mount(s, '/scratch'), { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rprivate', 'mode=1777', 'size=64m', 'exec'] });
    assert.deepEqual(mount(s, '/odd'), { destination: '/odd', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'ro', 'size=1000'] });
    assert.equal(s.linux.rootfsPropagation, 'rslave');
  });

  it('Tmpfs map: Docker defaults, the user options win', () => {
    const s = spec(withHost({ Tmpfs: { '/run': '', '/tmp': 'rw,exec,size=65536k' } }));
    assert.deepEqual(mount(s, '/run'), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate'] });
    assert.deepEqual(mount(s, '/tmp'), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rprivate', 'rw', 'exec', 'size=65536k'] });
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'size=1m', 'defaults', 'size=2m', 'private']), ['noexec', 'size=2m', 'private']);
    assert.throws(() => mergeTmpfsOptions(['bogus']), { message: 'Invalid tmpfs option ["bogus"]' });
  });

  it('ShmSize; IpcMode none drops /dev/shm, host binds the host one and shares the namespace', () => {
    assert.deepEqual(mount(spec(withHost({ ShmSize: 2 ** 30 })), '/dev/shm')?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=1073741824']);
    assert.equal(mount(spec(withHost({ IpcMode: 'none' })), '/dev/shm'), undefined);
    const host = spec(withHost({ IpcMode: 'host' }));
    assert.deepEqual(mount(host, '/dev/shm'), { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
    assert.equal(host.linux.namespaces?.some((n) => n.type === 'ipc'), false);
  });

  it('a user mount over a default replaces it; over /etc/hosts it replaces the source; /dev takes all /dev/*', () => {
    const s = spec(withHost({ Binds: ['/my/hosts:/etc/hosts:ro', '/host/proc:/proc'] }));
    assert.deepEqual(mount(s, '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/my/hosts', options: ['rbind', 'ro', 'rprivate'] });
    assert.equal(s.mounts.filter((m) => m.destination === '/proc').length, 1);
    assert.equal(mount(s, '/proc')?.type, 'bind');
    const d = spec(withHost({ Tmpfs: { '/dev': '' } }));
    assert.deepEqual(d.mounts.filter((m) => m.destination.startsWith('/dev')).map((m) => m.destination), ['/dev']);
  });

  it('image VOLUMEs become anonymous volumes when the engine provides them', () => {
    const image: ImageConfig = { Cmd: ['sh'], Volumes: { '/data': {}, '/covered': {} } };
    const s = spec(withHost({ Binds: ['/h:/covered'] }), image, ctx({ anonymousVolumePath: (d) => `/vols/anon${d.replace(/\//g, '-')}` }));
    assert.deepEqual(mount(s, '/data'), { destination: '/data', type: 'bind', source: '/vols/anon-data', options: ['rbind'] });
    assert.equal(mount(s, '/covered')?.source, '/h');
  });

  it("bad specs fail with Docker's messages", () => {
    const bad = (hc: HostConfig, msg: string | RegExp) => assert.throws(() => buildOciSpec(withHost(hc), BUSYBOX, ctx()), typeof msg === 'string' ? { message: msg } : msg);
    bad({ Binds: ['/a:/b:rw,ro'] }, 'invalid mode: rw,ro');
    bad({ Binds: ['/a:b'] }, /mount path must be absolute/);
    bad({ Binds: ['a:b:c:d'] }, "invalid volume specification: 'a:b:c:d'");
    bad({ Binds: ['/x:rw'] }, "invalid volume specification: '/x:rw'");
    bad({ Binds: ['bad name:/x'] }, /includes invalid characters for a local volume name/);
    bad({ Binds: ['/a:/x', '/b:/x'] }, 'Duplicate mount point: /x');
  });
});

describe('init and namespaces', () => {
  it('Init: /sbin/docker-init -- argv, bound read-only from the init path after the defaults', () => {
    const s = spec(withHost({ Init: true }, { Cmd: ['sleep', '1'] }));
    assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', 'sleep', '1']);
    assert.deepEqual(s.mounts[7], { destination: '/sbin/docker-init', type: 'bind', source: '/usr/libexec/tscompose/tscompose-init', options: ['bind', 'ro'] });
    const shared = spec(withHost({ Init: true, PidMode: 'host' }, { Cmd: ['sleep', '1'] }));
    assert.deepEqual(shared.process.args, ['sleep', '1']);
    assert.equal(shared.linux.namespaces?.some((n) => n.type === 'pid'), false);
  });

  it('NetworkMode none / bridge: new netns and the sysctls; a given netns path is joined', () => {
    const none = spec(withHost({ NetworkMode: 'none' }));
    assert.deepEqual(none.linux.namespaces?.find((n) => n.type === 'network'), { type: 'network' });
    const joined = spec(withHost({ NetworkMode: 'bridge' }), BUSYBOX, ctx({ netnsPath: '/run/tscompose/netns/x' }));
    assert.deepEqual(joined.linux.namespaces?.find((n) => n.type === 'network'), { type: 'network', path: '/run/tscompose/netns/x' });
    assert.equal(joined.linux.sysctl?.['net.ipv4.ping_group_range'], '0 2147483647');
  });

  it('NetworkMode host: no netns, no network sysctls; container:<id>: the given netns', () => {
    const host = spec(withHost({ NetworkMode: 'host' }));
    assert.equal(host.linux.namespaces?.some((n) => n.type === 'network'), false);
    assert.equal(host.linux.sysctl, undefined);
    const other = spec(withHost({ NetworkMode: `container:${'b'.repeat(64)}` }), BUSYBOX, ctx({ netnsPath: '/proc/123/ns/net' }));
    assert.deepEqual(other.linux.namespaces?.find((n) => n.type === 'network'), { type: 'network', path: '/proc/123/ns/net' });
    assert.equal(other.linux.sysctl, undefined);
    assert.throws(() => buildOciSpec(withHost({ NetworkMode: 'container:x' }), BUSYBOX, ctx()), (e: ApiError) => e.status === 500);
  });

  it('UTSMode host: no uts namespace, no hostname; PidMode container:<id>; CgroupnsMode host', () => {
    const s = spec(withHost({ UTSMode: 'host', PidMode: 'container:x', CgroupnsMode: 'host' }), BUSYBOX, ctx({ pidnsPath: '/proc/9/ns/pid' }));
    assert.equal(s.hostname, undefined);
    assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }, { type: 'network' }, { type: 'pid', path: '/proc/9/ns/pid' }, { type: 'ipc' }]);
  });
});

describe('OCI runtime-spec schema', () => {
  it('every spec built above validates against config-schema.json', { skip: schemaAvailable ? false : NO_SHARED }, () => {
    assert.ok(built.length > 30, `only ${built.length} specs built`);
    const validate = configValidator();
    assert.ok(validate);
    for (const s of built) {
      const data = JSON.parse(JSON.stringify(s)) as OciSpec;
      if (validate(data)) continue;
      // The one known divergence: for an [r]slave bind Docker sets rootfsPropagation
      // "rslave", which runc (and our runtime) accept but the schema's enum lacks.
      const errors = (validate.errors ?? []) as { instancePath?: string }[];
      assert.ok(
        data.linux.rootfsPropagation === 'rslave' && errors.every((e) => e.instancePath === '/linux/rootfsPropagation'),
        JSON.stringify(validate.errors, null, 2),
      );
      validateConfig({ ...data, linux: { ...data.linux, rootfsPropagation: 'slave' } });
    }
  });
});

