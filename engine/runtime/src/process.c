/* The container process itself: user, cwd, executable lookup, the wait for
 * `start`, and execve. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux.h"
#include "security.h"
#include "state.h"
#include "sync.h"
#include "utils.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
rt_exec_errno_code (int e)
{
  return (e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG) ? 127 : 126;
}

int
rt_process_set_user (json_t *process, rt_error_t *err)
{
  json_t *user = rt_json_obj (process, "user"), *g;
  uid_t uid = (uid_t) json_integer_value (json_object_get (user, "uid"));
  gid_t gid = (gid_t) json_integer_value (json_object_get (user, "gid"));
  json_t *extra = rt_json_arr (user, "additionalGids");
  json_t *umask_v = json_object_get (user, "umask");
  gid_t groups[256];
  size_t i, n = 0;

  json_array_foreach (extra, i, g)
    if (json_is_integer (g) && n < ARRAY_SIZE (groups))
      groups[n++] = (gid_t) json_integer_value (g);
  if (setgroups (n, groups) < 0)
    return rt_fail (err, errno, "setgroups");
  if (setresgid (gid, gid, gid) < 0)
    return rt_fail (err, errno, "setresgid `%u`", gid);
  if (uid != 0)
    {
      if (rt_capabilities_keep (err) < 0)
        return -1;
      if (setresuid (uid, uid, uid) < 0)
        return rt_fail (err, errno, "setresuid `%u`", uid);
    }
  if (json_is_integer (umask_v))
    umask ((mode_t) json_integer_value (umask_v));
  return 0;
}

int
rt_process_chdir (json_t *process, rt_error_t *err)
{
  const char *cwd = rt_json_str (process, "cwd");
  if (cwd == NULL || *cwd == '\0')
    cwd = "/";
  if (chdir (cwd) < 0)
    return rt_fail (err, errno, "chdir to cwd `%s`", cwd);
  return 0;
}

static const char *
env_lookup (json_t *env, const char *name)
{
  size_t n = strlen (name), i;
  json_t *v;
  json_array_foreach (env, i, v)
    {
      const char *s = json_string_value (v);
      if (s && strncmp (s, name, n) == 0 && s[n] == '=')
        return s + n + 1;
    }
  return NULL;
}

static int
check_exec (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode))
    return -EACCES;
  if (access (path, X_OK) < 0)
    return -errno;
  return 0;
}

int
rt_process_resolve (json_t *process, rt_exec_target_t *t, int *exit_code, rt_error_t *err)
{
  json_t *args = rt_json_arr (process, "args");
  json_t *env = rt_json_arr (process, "env");
  const char *arg0 = args ? json_string_value (json_array_get (args, 0)) : NULL;
  const char *path;
  int r, first = -ENOENT;

  memset (t, 0, sizeof (*t));
  if (arg0 == NULL || *arg0 == '\0')
    {
      *exit_code = 1;
      return rt_fail (err, 0, "process.args must not be empty");
    }
  t->argv = rt_json_strv (args);
  t->envp = rt_json_strv (env);
  if (strchr (arg0, '/'))
    {
      r = check_exec (arg0);
      if (r < 0)
        {
          *exit_code = rt_exec_errno_code (-r);
          return rt_fail (err, -r, "exec `%s`", arg0);
        }
      t->path = xstrdup (arg0);
      return 0;
    }
  path = env_lookup (env, "PATH");
  if (path == NULL)
    path = DEFAULT_PATH;
  while (path)
    {
      const char *colon = strchr (path, ':');
      size_t n = colon ? (size_t) (colon - path) : strlen (path);
      cleanup_free char *cand = NULL;
      xasprintf (&cand, "%.*s/%s", (int) (n ? n : 1), n ? path : ".", arg0);
      r = check_exec (cand);
      if (r == 0)
        {
          t->path = xstrdup (cand);
          return 0;
        }
      if (r != -ENOENT && r != -ENOTDIR && first == -ENOENT)
        first = r;
      path = colon ? colon + 1 : NULL;
    }
  *exit_code = rt_exec_errno_code (-first);
  if (first == -ENOENT)
    return rt_fail (err, ENOENT, "exec `%s`: executable file not found in $PATH", arg0);
  return rt_fail (err, -first, "exec `%s`", arg0);
}

static int
wait_for_start (int fifo_dirfd, rt_error_t *err)
{
  cleanup_close int fd = -1;
  do
    fd = openat (fifo_dirfd, RT_EXEC_FIFO, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return rt_fail (err, errno, "open exec fifo");
  if (rt_write_all (fd, "0", 1) < 0)
    return rt_fail (err, errno, "write exec fifo");
  return 0;
}

int
rt_process_finish (json_t *process, json_t *seccomp, bool set_oom, int sync_fd, int fifo_dirfd, int *exit_code,
                   rt_error_t *err)
{
  rt_exec_target_t t;
  bool cwd_done;
  /* Without no_new_privs, loading a seccomp filter needs CAP_SYS_ADMIN: load
   * it before the user and capabilities change (as runc and crun do);
   * otherwise as late as possible, right before execve. */
  bool nnp = json_is_true (json_object_get (process, "noNewPrivileges"));

  *exit_code = 1;
  if (rt_apply_rlimits (process, err) < 0)
    return -1;
  if (set_oom && rt_apply_oom_score_adj (process, err) < 0)
    return -1;
  /* cwd first as root; if root may not enter it, try again as the user */
  cwd_done = rt_process_chdir (process, err) == 0;
  if (!cwd_done && err->status != EACCES)
    return -1;
  if (!nnp && rt_apply_seccomp (seccomp, err) < 0)
    return -1;
  if (rt_process_set_user (process, err) < 0)
    return -1;
  if (!cwd_done && rt_process_chdir (process, err) < 0)
    return -1;
  if (rt_apply_capabilities (process, err) < 0)
    return -1;
  if (rt_apply_no_new_privs (process, err) < 0)
    return -1;
  if (rt_process_resolve (process, &t, exit_code, err) < 0)
    return -1;
  *exit_code = 1;

  if (rt_sync_send (sync_fd, RT_SYNC_READY, err) < 0)
    return -1;
  close (sync_fd);

  if (fifo_dirfd >= 0)
    {
      if (wait_for_start (fifo_dirfd, err) < 0)
        goto fatal;
      close (fifo_dirfd);
    }
  rt_mark_cloexec_from (3);
  if (nnp && rt_apply_seccomp (seccomp, err) < 0)
    goto fatal;
  execve (t.path, t.argv, t.envp);
  rt_fail (err, errno, "exec `%s`", t.path);
  *exit_code = rt_exec_errno_code (err->status);
fatal:
  rt_print_error (err);
  _exit (*exit_code);
}
