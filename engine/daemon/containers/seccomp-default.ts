/**
 * Docker's default seccomp profile, as data in Docker's own profile format
 * (archMap, rules with includes/excludes by capability, architecture and
 * minimum kernel), written from moby/profiles seccomp/default_linux.go
 * (DefaultProfile, arches) as vendored by the moby/moby revision the project
 * tracks. seccomp-convert.ts turns it into an OCI linux.seccomp for one
 * architecture, capability set and kernel, as dockerd does per container.
 *
 * Default action: EPERM for anything not listed.
 */
import type { DockerSeccompProfile, DockerSyscallRule, SeccompArg } from './types.js';

const ENOSYS = 38;
const EPERM = 1;

/** CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000;

/** Syscalls allowed to everyone. */
const ALLOWED: readonly string[] = [
  'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'bind', 'brk',
  'cachestat', // kernel v6.5, libseccomp v2.5.5
  'capget', 'capset', 'chdir', 'chmod', 'chown', 'chown32',
  'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64', 'clock_gettime', 'clock_gettime64',
  'clock_nanosleep', 'clock_nanosleep_time64', 'close', 'close_range', 'connect', 'copy_file_range', 'creat',
  'dup', 'dup2', 'dup3',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait', 'epoll_wait_old',
  'eventfd', 'eventfd2', 'execve', 'execveat', 'exit', 'exit_group',
  'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate', 'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat',
  'fchmodat2', // kernel v6.6, libseccomp v2.5.5
  'fchown', 'fchown32', 'fchownat', 'fcntl', 'fcntl64', 'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fork',
  'fremovexattr', 'fsetxattr', 'fstat', 'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64',
  'futex',
  'futex_requeue', // kernel v6.7, libseccomp v2.5.5
  'futex_time64',
  'futex_wait', // kernel v6.7, libseccomp v2.5.5
  'futex_waitv',
  'futex_wake', // kernel v6.7, libseccomp v2.5.5
  'futimesat', 'getcpu', 'getcwd', 'getdents', 'getdents64',
  'getegid', 'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32', 'getitimer',
  'getpeername', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom',
  'getresgid', 'getresgid32', 'getresuid', 'getresuid32', 'getrlimit', 'get_robust_list', 'getrusage', 'getsid',
  'getsockname', 'getsockopt', 'get_thread_area', 'gettid', 'gettimeofday', 'getuid', 'getuid32', 'getxattr',
  'getxattrat', // kernel v6.13, libseccomp v2.6.0
  'inotify_add_watch', 'inotify_init', 'inotify_init1', 'inotify_rm_watch',
  'io_cancel', 'ioctl', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'ioprio_get', 'ioprio_set',
  'io_setup', 'io_submit', 'ipc', 'kill',
  'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self',
  'lchown', 'lchown32', 'lgetxattr', 'link', 'linkat', 'listen',
  'listmount', // kernel v6.8, libseccomp v2.6.0
  'listxattr',
  'listxattrat', // kernel v6.13, libseccomp v2.6.0
  'llistxattr', '_llseek', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat', 'lstat64', 'madvise',
  'map_shadow_stack', // kernel v6.6, libseccomp v2.5.5
  'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mkdir', 'mkdirat', 'mknod', 'mknodat',
  'mlock', 'mlock2', 'mlockall', 'mmap', 'mmap2', 'mprotect',
  'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64', 'mq_timedsend', 'mq_timedsend_time64',
  'mq_unlink', 'mremap',
  'mseal', // kernel v6.9, libseccomp v2.6.0
  'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'msync', 'munlock', 'munlockall', 'munmap',
  'name_to_handle_at', 'nanosleep', 'newfstatat', '_newselect', 'open', 'openat', 'openat2', 'pause',
  'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  'poll', 'ppoll', 'ppoll_time64', 'prctl', 'pread64', 'preadv', 'preadv2', 'prlimit64', 'process_mrelease',
  'pselect6', 'pselect6_time64', 'pwrite64', 'pwritev', 'pwritev2',
  'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'recv', 'recvfrom', 'recvmmsg', 'recvmmsg_time64', 'recvmsg',
  'remap_file_pages', 'removexattr',
  'removexattrat', // kernel v6.13, libseccomp v2.6.0
  'rename', 'renameat', 'renameat2', 'restart_syscall',
  'riscv_hwprobe', // kernel v6.12, libseccomp v2.6.0
  'rmdir', 'rseq',
  'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo',
  'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_getscheduler', 'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'sched_setaffinity', 'sched_setattr',
  'sched_setparam', 'sched_setscheduler', 'sched_yield',
  'seccomp', 'select', 'semctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64',
  'send', 'sendfile', 'sendfile64', 'sendmmsg', 'sendmsg', 'sendto',
  'setfsgid', 'setfsgid32', 'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'setitimer',
  'setpgid', 'setpriority', 'setregid', 'setregid32', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32',
  'setreuid', 'setreuid32', 'setrlimit', 'set_robust_list', 'setsid', 'setsockopt', 'set_thread_area', 'set_tid_address',
  'setuid', 'setuid32', 'setxattr',
  'setxattrat', // kernel v6.13, libseccomp v2.6.0
  'shmat', 'shmctl', 'shmdt', 'shmget', 'shutdown', 'sigaltstack', 'signalfd', 'signalfd4', 'sigprocmask', 'sigreturn',
  'socketcall', 'socketpair', 'splice', 'stat', 'stat64', 'statfs', 'statfs64',
  'statmount', // kernel v6.8, libseccomp v2.6.0
  'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'sysinfo', 'tee', 'tgkill', 'time',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64',
  'times', 'tkill', 'truncate', 'truncate64', 'ugetrlimit', 'umask', 'uname', 'unlink', 'unlinkat',
  'uretprobe', // kernel v6.11, libseccomp v2.6.0
  'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vfork', 'vmsplice', 'wait4', 'waitid', 'waitpid', 'write', 'writev',
];

/** Syscalls CAP_SYS_ADMIN unlocks (mount, namespaces, bpf, perf, …). */
const SYS_ADMIN: readonly string[] = [
  'bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie',
  'lsm_get_self_attr', // kernel v6.8, libseccomp v2.6.0
  'lsm_list_modules', // kernel v6.8, libseccomp v2.6.0
  'lsm_set_self_attr', // kernel v6.8, libseccomp v2.6.0
  'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd',
  'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare',
];

const allow = (names: readonly string[], extra: Omit<DockerSyscallRule, 'names' | 'action'> = {}): DockerSyscallRule => ({
  names: [...names],
  action: 'SCMP_ACT_ALLOW',
  ...extra,
});
const arg0 = (value: number, op: SeccompArg['op']): SeccompArg[] => [{ index: 0, value, op }];

/**
 * socket(2) by address family: every family but AF_ALG (38) and AF_VSOCK
 * (40). runc ORs repeated comparisons on one argument, so the allowed set is
 * written as three rules: below 38, exactly 39 (AF_NFC), above 40.
 */
const AF_ALG = 38;
const AF_NFC = 39;
const AF_VSOCK = 40;
const SOCKET_RULES: DockerSyscallRule[] = [
  allow(['socket'], { args: arg0(AF_ALG, 'SCMP_CMP_LT') }),
  allow(['socket'], { args: arg0(AF_NFC, 'SCMP_CMP_EQ') }),
  allow(['socket'], { args: arg0(AF_VSOCK, 'SCMP_CMP_GT') }),
];

/** personality(2): PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
const PERSONALITY_RULES: DockerSyscallRule[] = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff].map((v) =>
  allow(['personality'], { args: arg0(v, 'SCMP_CMP_EQ') }),
);

/** Docker's architecture map: a native architecture and the compat ones it runs. */
const ARCH_MAP: NonNullable<DockerSeccompProfile['archMap']> = [
  { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
  { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  { architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'] },
  { architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'] },
  { architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'] },
  { architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'] },
  { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
  { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
  { architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: null },
];

/** A fresh copy of Docker's default profile (callers may modify it). */
export function defaultSeccompProfile(): DockerSeccompProfile {
  const syscalls: DockerSyscallRule[] = [
    allow(ALLOWED),
    allow(['process_vm_readv', 'process_vm_writev', 'ptrace'], { includes: { minKernel: '4.8' } }),
    ...SOCKET_RULES,
    ...PERSONALITY_RULES,
    allow(['sync_file_range2', 'swapcontext'], { includes: { arches: ['ppc64le'] } }),
    allow(['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'], {
      includes: { arches: ['arm', 'arm64'] },
    }),
    allow(['arch_prctl'], { includes: { arches: ['amd64', 'x32'] } }),
    allow(['modify_ldt'], { includes: { arches: ['amd64', 'x32', 'x86'] } }),
    allow(['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'], { includes: { arches: ['s390', 's390x'] } }),
    allow(['riscv_flush_icache'], { includes: { arches: ['riscv64'] } }),
    allow(['open_by_handle_at'], { includes: { caps: ['CAP_DAC_READ_SEARCH'] } }),
    allow(SYS_ADMIN, { includes: { caps: ['CAP_SYS_ADMIN'] } }),
    // Without CAP_SYS_ADMIN, clone(2) only when it creates no namespace.
    allow(['clone'], {
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
    }),
    allow(['clone'], {
      args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }],
      comment: 's390 parameter ordering for clone is different',
      includes: { arches: ['s390', 's390x'] },
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    }),
    // clone3's flags are behind a pointer: make libc fall back to clone(2).
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    allow(['reboot'], { includes: { caps: ['CAP_SYS_BOOT'] } }),
    allow(['chroot'], { includes: { caps: ['CAP_SYS_CHROOT'] } }),
    allow(['delete_module', 'init_module', 'finit_module'], { includes: { caps: ['CAP_SYS_MODULE'] } }),
    allow(['acct'], { includes: { caps: ['CAP_SYS_PACCT'] } }),
    allow(['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'], {
      includes: { caps: ['CAP_SYS_PTRACE'] },
    }),
    allow(['iopl', 'ioperm'], { includes: { caps: ['CAP_SYS_RAWIO'] } }),
    allow(['settimeofday', 'stime', 'clock_settime', 'clock_settime64'], { includes: { caps: ['CAP_SYS_TIME'] } }),
    allow(['vhangup'], { includes: { caps: ['CAP_SYS_TTY_CONFIG'] } }),
    allow(['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'], { includes: { caps: ['CAP_SYS_NICE'] } }),
    allow(['syslog'], { includes: { caps: ['CAP_SYSLOG'] } }),
    allow(['bpf'], { includes: { caps: ['CAP_BPF'] } }),
    allow(['perf_event_open'], { includes: { caps: ['CAP_PERFMON'] } }),
  ];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    archMap: ARCH_MAP.map((a) => ({ architecture: a.architecture, subArchitectures: a.subArchitectures ? [...a.subArchitectures] : null })),
    syscalls,
  };
}
