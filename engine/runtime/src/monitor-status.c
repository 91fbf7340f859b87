/* tscompose-monitor: state files (monitor.pid, monitor.err, exit.json),
 * timestamps and the OOM check. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

void
mon_timestamp (char out[64])
{
  struct timespec ts;
  struct tm tm;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  snprintf (out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, (long) ts.tv_nsec);
}

static int
write_all (int fd, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      data += n;
      len -= (size_t) n;
    }
  return 0;
}

int
mon_write_atomic (const char *path, const char *data, size_t len, rt_error_t *err)
{
  char tmp[4096], dir[4096];
  char *slash;
  int fd;

  if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    return rt_fail (err, ENAMETOOLONG, "write `%s`", path);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", tmp);
  if (write_all (fd, data, len) < 0 || fsync (fd) < 0)
    {
      int e = errno;
      close (fd);
      unlink (tmp);
      return rt_fail (err, e, "write `%s`", tmp);
    }
  close (fd);
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return rt_fail (err, e, "rename `%s` to `%s`", tmp, path);
    }
  snprintf (dir, sizeof dir, "%s", path);
  slash = strrchr (dir, '/');
  if (slash != NULL)
    {
      if (slash == dir)
        slash[1] = '\0';
      else
        *slash = '\0';
      fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0)
        {
          fsync (fd);
          close (fd);
        }
    }
  return 0;
}

int
mon_write_pidfile (const char *path, pid_t pid, rt_error_t *err)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d\n", (int) pid);
  return mon_write_atomic (path, buf, (size_t) n, err);
}

int
mon_read_pidfile (const char *path, pid_t *pid, rt_error_t *err)
{
  char buf[32];
  ssize_t n;
  long v;
  char *end;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", path);
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return rt_fail (err, n < 0 ? errno : 0, "read `%s`%s", path, n == 0 ? ": empty" : "");
  buf[n] = '\0';
  v = strtol (buf, &end, 10);
  if (end == buf || v <= 0)
    return rt_fail (err, 0, "`%s` holds no pid", path);
  *pid = (pid_t) v;
  return 0;
}

/* Counter `key N` in a flat-keyed cgroup file; -1 if absent. */
static long long
read_counter (const char *path, const char *key)
{
  char buf[1024];
  ssize_t n;
  size_t klen = strlen (key);
  char *p;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  for (p = buf; p != NULL && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, klen) == 0 && p[klen] == ' ')
      return strtoll (p + klen + 1, NULL, 10);
  return -1;
}

/* oom_kill counter of one cgroup directory, -1 when it has none. */
static long long
oom_count (const char *dir)
{
  char path[4096];
  long long v;

  snprintf (path, sizeof path, "%s/memory.events", dir); /* v2 */
  v = read_counter (path, "oom_kill");
  if (v < 0)
    {
      snprintf (path, sizeof path, "%s/memory.oom_control", dir); /* v1 */
      v = read_counter (path, "oom_kill");
    }
  return v;
}

/* cgroup_path: an absolute directory, or a path relative to /sys/fs/cgroup
 * (v2) or /sys/fs/cgroup/memory (v1). */
int
mon_oom_killed (const char *cgroup_path)
{
  char dir[4096];
  long long v;

  if (cgroup_path == NULL || *cgroup_path == '\0')
    return 0;
  if (cgroup_path[0] == '/')
    return oom_count (cgroup_path) > 0;
  snprintf (dir, sizeof dir, "/sys/fs/cgroup/%s", cgroup_path);
  v = oom_count (dir);
  if (v < 0)
    {
      snprintf (dir, sizeof dir, "/sys/fs/cgroup/memory/%s", cgroup_path);
      v = oom_count (dir);
    }
  return v > 0;
}

size_t
mon_format_exit (char *out, size_t size, int wstatus, const char *cgroup_path)
{
  char ts[64], sig[16];
  int code = 0, n;

  mon_timestamp (ts);
  snprintf (sig, sizeof sig, "null");
  if (WIFEXITED (wstatus))
    code = WEXITSTATUS (wstatus);
  else if (WIFSIGNALED (wstatus))
    {
      code = 128 + WTERMSIG (wstatus);
      snprintf (sig, sizeof sig, "%d", WTERMSIG (wstatus));
    }
  n = snprintf (out, size, "{\"exitCode\":%d,\"signal\":%s,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n", code, sig,
                mon_oom_killed (cgroup_path) ? "true" : "false", ts);
  return n < 0 ? 0 : (size_t) n >= size ? size - 1 : (size_t) n;
}
