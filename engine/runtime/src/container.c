/* The container's init process, between clone() and execve(). */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "security.h"
#include "sync.h"
#include "utils.h"

static int
set_names (json_t *root, rt_error_t *err)
{
  const char *hostname = rt_json_str (root, "hostname");
  const char *domainname = rt_json_str (root, "domainname");

  if (hostname && *hostname && sethostname (hostname, strlen (hostname)) < 0)
    return rt_fail (err, errno, "sethostname `%s`", hostname);
  if (domainname && *domainname && setdomainname (domainname, strlen (domainname)) < 0)
    return rt_fail (err, errno, "setdomainname `%s`", domainname);
  return 0;
}

int
rt_container_init (rt_init_args_t *args, int *exit_code, rt_error_t *err)
{
  rt_spec_t *spec = args->spec;
  cleanup_close int rootfd = -1;
  bool dev_is_tmpfs = false;

  *exit_code = 1;
  /* nothing runs until the parent has put us in the cgroup */
  if (rt_sync_expect (args->sync_fd, RT_SYNC_CGROUP_DONE, NULL, err) < 0)
    return -1;
  if (args->ns.new_cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    return rt_fail (err, errno, "unshare cgroup namespace");
  if (rt_ns_join (&args->ns, 1u << RT_NS_PID, err) < 0)
    return -1;

  if (!(args->ns.clone_flags & CLONE_NEWNS))
    return rt_fail (err, 0, "a new mount namespace is required (linux.namespaces `mount`)");
  rootfd = rt_rootfs_prepare (spec, err);
  if (rootfd < 0)
    return -1;
  if (rt_mounts_do (spec, rootfd, &dev_is_tmpfs, err) < 0)
    return -1;
  if (rt_devices_create (spec, rootfd, dev_is_tmpfs, err) < 0)
    return -1;
  if (rt_rootfs_pivot (spec, rootfd, err) < 0)
    return -1;
  if (rt_json_bool (spec->process, "terminal", false) && rt_terminal_setup (args->console_fd, spec->process, err) < 0)
    return -1;
  if (args->console_fd >= 0)
    close (args->console_fd);
  /* sysctls before readonlyPaths makes /proc/sys read-only */
  if (rt_apply_sysctls (rt_json_obj (spec->linux_, "sysctl"), err) < 0)
    return -1;
  if (rt_rootfs_finalize (spec, err) < 0)
    return -1;
  if (set_names (spec->root, err) < 0)
    return -1;
  return rt_process_finish (spec->process, rt_json_obj (spec->linux_, "seccomp"), true, args->sync_fd,
                            args->state_dirfd, exit_code, err);
}
