/**
 * Docker's defaults for a Linux container spec, as dockerd builds them before
 * applying a request (moby daemon/pkg/oci/defaults.go, oci/caps/defaults.go):
 * the capability set, the default mounts, masked and read-only /proc and /sys
 * paths, namespaces, the device cgroup rules, PATH, the 64 MiB /dev/shm.
 *
 * test/helpers/oci-bundle.ts takes its Docker-like defaults from here, so the
 * runtime tests and the engine cannot drift apart.
 */
import type { KernelVersion, OciDeviceCgroup, OciMount, OciNamespaceType } from './types.js';

/**
 * config.json ociVersion. Current dockerd writes its vendored specs-go version
 * (1.2.1); this is 1.1.0 because Debian's crun 1.8.1 (a reference runtime here)
 * refuses 1.2.x, and nothing the builder emits needs more than 1.1 (rro).
 */
export const OCI_VERSION = '1.1.0';

/** Docker's default capability set, in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability by number (linux/capability.h); the index is the number. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** The highest capability number a kernel knows (what /proc/sys/kernel/cap_last_cap says). */
export function lastCapability(kernel: KernelVersion): number {
  const atLeast = (major: number, minor: number): boolean => kernel.major > major || (kernel.major === major && kernel.minor >= minor);
  if (atLeast(5, 9)) return 40; // CAP_CHECKPOINT_RESTORE
  if (atLeast(5, 8)) return 39; // CAP_PERFMON, CAP_BPF
  if (atLeast(3, 16)) return 37; // CAP_AUDIT_READ
  return 36;
}

/** The capabilities available on a kernel, by number: what Privileged and CapAdd ALL grant. */
export function availableCapabilities(kernel: KernelVersion): string[] {
  return ALL_CAPABILITIES.slice(0, lastCapability(kernel) + 1);
}

/** Docker's /dev/shm size when HostConfig.ShmSize is 0 (64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** PATH for Linux containers when the image and request set none. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where HostConfig.Init puts the init binary inside the container. */
export const IN_CONTAINER_INIT_PATH = '/sbin/docker-init';

/**
 * Docker's default mounts. /dev/shm gets `size=<bytes>` appended as dockerd
 * does from HostConfig.ShmSize (`size=67108864` for the 64 MiB default).
 */
export function defaultMounts(shmSize: number = DEFAULT_SHM_SIZE): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
}

/** Docker's masked paths (before the host-specific thermal_throttle entries). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];

/** Docker's read-only paths. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * Docker's namespaces in Docker's order; `cgroup` is added after them for
 * the private cgroup namespace Docker uses by default on cgroup v2.
 */
export const DEFAULT_NAMESPACES: readonly OciNamespaceType[] = ['mount', 'network', 'uts', 'pid', 'ipc'];

/**
 * Docker's device cgroup: deny everything, allow null, zero, full, urandom,
 * tty and /dev/console… (1:5 1:3 1:9 1:8 5:0 5:1), deny /dev/net/tun (10:229).
 * The runtime adds its own default devices (null, zero, full, random, urandom,
 * tty, console, ptmx) as the OCI spec requires.
 */
export function defaultDeviceCgroupRules(): OciDeviceCgroup[] {
  const allow = (major: number, minor: number): OciDeviceCgroup => ({ allow: true, type: 'c', major, minor, access: 'rwm' });
  return [
    { allow: false, access: 'rwm' },
    allow(1, 5),
    allow(1, 3),
    allow(1, 9),
    allow(1, 8),
    allow(5, 0),
    allow(5, 1),
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
  ];
}

/** Sysctls Docker sets when the container gets its own network namespace. */
export function defaultNetworkSysctls(kernel: KernelVersion): Record<string, string> {
  const out: Record<string, string> = {
    // allow unprivileged ICMP echo sockets without CAP_NET_RAW
    'net.ipv4.ping_group_range': '0 2147483647',
  };
  // allow opening any port below 1024 without CAP_NET_BIND_SERVICE (the sysctl exists since 4.11)
  if (kernel.major > 4 || (kernel.major === 4 && kernel.minor >= 11)) out['net.ipv4.ip_unprivileged_port_start'] = '0';
  return out;
}
