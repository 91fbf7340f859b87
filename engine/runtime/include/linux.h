/* The kernel-facing pieces of a container process, one file each:
 * namespaces.c, rootfs.c (propagation, pivot_root, masked/readonly paths),
 * mounts.c (config mounts), devices.c (/dev nodes and links),
 * terminal.c (pty and --console-socket), process.c (user, env, exec). */
#ifndef TSC_LINUX_H
#define TSC_LINUX_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

/* ---- namespaces.c ---- */
enum
{
  RT_NS_USER,
  RT_NS_PID,
  RT_NS_NET,
  RT_NS_IPC,
  RT_NS_UTS,
  RT_NS_CGROUP,
  RT_NS_TIME,
  RT_NS_MOUNT, /* joined last: after it host paths are gone */
  RT_NS_COUNT
};

typedef struct rt_ns_plan
{
  unsigned long clone_flags; /* new namespaces made by clone() */
  bool new_cgroupns;         /* unshared by the child once in its cgroup */
  int join_fd[RT_NS_COUNT];  /* -1, or an fd to setns() into */
} rt_ns_plan_t;

void rt_ns_plan_init (rt_ns_plan_t *plan);
void rt_ns_plan_close (rt_ns_plan_t *plan);
/* From linux.namespaces: new ones in clone_flags, `path` ones opened. */
int rt_ns_plan_from_spec (json_t *linux_, rt_ns_plan_t *plan, rt_error_t *err);
/* For exec: every namespace of `pid` that differs from ours. */
int rt_ns_plan_from_pid (pid_t pid, rt_ns_plan_t *plan, rt_error_t *err);
/* setns() into the joined namespaces but `skip_mask` (bits of RT_NS_*). */
int rt_ns_join (rt_ns_plan_t *plan, unsigned skip_mask, rt_error_t *err);
/* Name of RT_NS_x as in /proc/PID/ns ("mnt", "net", ...). */
const char *rt_ns_proc_name (int ns);
/* clone(2) with fork semantics. */
pid_t rt_clone (unsigned long flags);

/* ---- rootfs.c ---- */
/* Make mounts private/slave (rootfsPropagation) and bind the rootfs on
 * itself; returns an O_PATH fd to the rootfs. */
int rt_rootfs_prepare (const rt_spec_t *spec, rt_error_t *err);
int rt_rootfs_pivot (const rt_spec_t *spec, int rootfd, rt_error_t *err);
/* After pivot: maskedPaths, readonlyPaths, root.readonly. */
int rt_rootfs_finalize (const rt_spec_t *spec, rt_error_t *err);
/* Open `path` inside `rootfd` without escaping it (openat2 RESOLVE_IN_ROOT),
 * creating it (a directory or an empty file) when missing and `create`. */
int rt_open_in_root (int rootfd, const char *path, bool create, bool dir, rt_error_t *err);

/* ---- mounts.c ---- */
typedef struct rt_mount_opts
{
  unsigned long flags;     /* MS_* to set */
  unsigned long clear;     /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation; /* MS_PRIVATE/MS_SHARED/... (with MS_REC) */
  char *data;              /* comma-joined options the kernel parses */
} rt_mount_opts_t;

void rt_mount_opts_parse (json_t *options, rt_mount_opts_t *o);
/* Mount every entry of `mounts` under the rootfs (before pivot_root). */
int rt_mounts_do (const rt_spec_t *spec, int rootfd, bool *dev_is_tmpfs, rt_error_t *err);
/* mount(2) with the object named in the error. */
int rt_mount (const char *src, const char *target, const char *fstype, unsigned long flags, const char *data,
              const char *shown_target, rt_error_t *err);

/* ---- devices.c ---- */
/* Default nodes + linux.devices into /dev of the rootfs, links too. */
int rt_devices_create (const rt_spec_t *spec, int rootfd, bool dev_is_tmpfs, rt_error_t *err);
/* linux.resources with the device rules every container needs appended
 * (runc's allowed devices + linux.devices); caller decrefs. */
json_t *rt_devices_cgroup_resources (const rt_spec_t *spec);

/* ---- terminal.c ---- */
/* Connect to the --console-socket (before clone). */
int rt_console_socket_connect (const char *path, rt_error_t *err);
/* In the container, after /dev/pts exists: new pty; the master goes over
 * `console_fd`, the slave becomes the controlling terminal and stdio. */
int rt_terminal_setup (int console_fd, json_t *process, rt_error_t *err);

/* ---- process.c ---- */
typedef struct rt_exec_target
{
  char *path;  /* resolved executable */
  char **argv;
  char **envp;
} rt_exec_target_t;

/* setgroups/setgid/setuid with capabilities kept (process.user). */
int rt_process_set_user (json_t *process, rt_error_t *err);
/* chdir to process.cwd (tried again after setuid when denied). */
int rt_process_chdir (json_t *process, rt_error_t *err);
/* Resolve args[0] with PATH from process.env; *exit_code = 127 (missing)
 * or 126 (not executable) on failure. */
int rt_process_resolve (json_t *process, rt_exec_target_t *t, int *exit_code, rt_error_t *err);
/* Exit code for an execve errno. */
int rt_exec_errno_code (int e);

#endif

/* The common tail of the init and of exec'd processes: rlimits, oom, cwd,
 * user, capabilities, no_new_privs, executable lookup; then RT_SYNC_READY
 * on `sync_fd`, the wait for `start` (on `fifo_dirfd`'s exec.fifo, when
 * >= 0), seccomp, execve. Returns only on failure, with *exit_code; after
 * READY was sent, failures are printed on stderr and the process exits. */
int rt_process_finish (json_t *process, json_t *seccomp, bool set_oom, int sync_fd, int fifo_dirfd, int *exit_code,
                       rt_error_t *err);
