/* Files, paths, numbers and process helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/close_range.h>

#include "utils.h"

void *
xmalloc0 (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r;
  if (s == NULL)
    return NULL;
  r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

int
xasprintf (char **out, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vasprintf (out, fmt, ap);
  va_end (ap);
  if (n < 0)
    abort ();
  return n;
}

int
rt_write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

int
rt_read_file_at (int dirfd, const char *path, char **out, size_t *len, rt_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t size = 0, alloc = 4096;
  char *buf;

  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", path);
  buf = xmalloc0 (alloc + 1);
  for (;;)
    {
      ssize_t r = read (fd, buf + size, alloc - size);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          free (buf);
          return rt_fail (err, e, "read `%s`", path);
        }
      if (r == 0)
        break;
      size += (size_t) r;
      if (size == alloc)
        {
          alloc *= 2;
          buf = realloc (buf, alloc + 1);
          if (buf == NULL)
            abort ();
        }
    }
  buf[size] = '\0';
  *out = buf;
  if (len)
    *len = size;
  return 0;
}

int
rt_read_file (const char *path, char **out, size_t *len, rt_error_t *err)
{
  return rt_read_file_at (AT_FDCWD, path, out, len, err);
}

int
rt_write_file (const char *path, const void *data, size_t len, rt_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", path);
  if (rt_write_all (fd, data, len) < 0)
    return rt_fail (err, errno, "write `%s`", path);
  return 0;
}

int
rt_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, rt_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;

  xasprintf (&tmp, ".%s.tmp.%d", name, getpid ());
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", tmp);
  if (rt_write_all (fd, data, len) < 0 || fsync (fd) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return rt_fail (err, e, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return rt_fail (err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
rt_write_pid_file (const char *path, pid_t pid, rt_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_free char *tmp = NULL;
  const char *slash = strrchr (path, '/');
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", pid);
  cleanup_close int fd = -1;

  dir = slash ? strndup (path, (size_t) (slash - path)) : xstrdup (".");
  if (dir[0] == '\0')
    {
      free (dir);
      dir = xstrdup ("/");
    }
  fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open pid file directory `%s`", dir);
  return rt_write_file_atomic_at (fd, slash ? slash + 1 : path, buf, (size_t) n, err);
}

int
rt_mkdir_p (const char *path, mode_t mode, rt_error_t *err)
{
  cleanup_free char *p = xstrdup (path);
  char *s;

  for (s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return rt_fail (err, errno, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return rt_fail (err, errno, "mkdir `%s`", p);
  return 0;
}

int
rt_ensure_file (const char *path, bool dir, mode_t mode, rt_error_t *err)
{
  cleanup_free char *parent = xstrdup (path);
  char *slash = strrchr (parent, '/');
  int fd;

  if (slash && slash != parent)
    {
      *slash = '\0';
      if (rt_mkdir_p (parent, 0755, err) < 0)
        return -1;
    }
  if (dir)
    {
      if (mkdir (path, mode) < 0 && errno != EEXIST)
        return rt_fail (err, errno, "mkdir `%s`", path);
      return 0;
    }
  fd = open (path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0 && errno != EEXIST && errno != EISDIR && errno != ELOOP)
    return rt_fail (err, errno, "create `%s`", path);
  if (fd >= 0)
    close (fd);
  return 0;
}

static int
rm_rf_children (int dfd, dev_t dev, rt_error_t *err)
{
  DIR *d = fdopendir (dfd);
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    {
      close (dfd);
      return rt_fail (err, errno, "fdopendir");
    }
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd (d), de->d_name, 0) == 0 || errno == ENOENT)
        continue;
      if (errno == EISDIR || errno == EPERM)
        {
          struct stat st;
          int cfd;
          if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
            continue;
          cfd = openat (dirfd (d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (cfd >= 0)
            rm_rf_children (cfd, dev, err);
          if (unlinkat (dirfd (d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
            ret = rt_fail (err, errno, "rmdir `%s`", de->d_name);
        }
      else
        ret = rt_fail (err, errno, "unlink `%s`", de->d_name);
    }
  closedir (d);
  return ret;
}

int
rt_rm_rf_at (int dirfd, const char *name, rt_error_t *err)
{
  struct stat st;
  int fd;

  if (unlinkat (dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
    return 0;
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", name);
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return rt_fail (err, errno, "stat `%s`", name);
    }
  if (rm_rf_children (fd, st.st_dev, err) < 0)
    return -1;
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return rt_fail (err, errno, "rmdir `%s`", name);
  return 0;
}

int
rt_proc_start_time (pid_t pid, unsigned long long *start, char *state)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  int field;

  snprintf (path, sizeof (path), "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may hold spaces and parens: fields restart after the last ')' */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    {
      errno = EINVAL;
      return -1;
    }
  p += 2;
  if (state)
    *state = *p;
  for (field = 3; field < 22 && p; field++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL)
    {
      errno = EINVAL;
      return -1;
    }
  *start = strtoull (p, NULL, 10);
  return 0;
}

static const struct
{
  const char *name;
  int sig;
} signal_table[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },     { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CONT", SIGCONT },     { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },     { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },     { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

int
rt_signal_parse (const char *name)
{
  char *end;
  long n;
  size_t i;

  if (name == NULL || *name == '\0')
    return -1;
  n = strtol (name, &end, 10);
  if (*end == '\0')
    return (n > 0 && n < NSIG) ? (int) n : -1;
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (i = 0; i < ARRAY_SIZE (signal_table); i++)
    if (strcasecmp (name, signal_table[i].name) == 0)
      return signal_table[i].sig;
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      int base = strncasecmp (name, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX;
      const char *off = name + 5;
      if (*off == '\0')
        return base;
      n = strtol (off, &end, 10);
      if (*end == '\0' && base + n >= SIGRTMIN && base + n <= SIGRTMAX)
        return (int) (base + n);
    }
  return -1;
}

int
rt_wait_status_to_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

void
rt_mark_cloexec_from (int from)
{
  if (syscall (SYS_close_range, (unsigned) from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  /* old kernels: walk /proc/self/fd */
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  if (d == NULL)
    return;
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (fd >= from && fd != dirfd (d))
        fcntl (fd, F_SETFD, FD_CLOEXEC);
    }
  closedir (d);
}

char *
rt_abspath (const char *base, const char *path)
{
  char cwd[PATH_MAX];
  char *r;

  if (path[0] == '/')
    return xstrdup (path);
  if (base == NULL)
    {
      if (getcwd (cwd, sizeof (cwd)) == NULL)
        return xstrdup (path);
      base = cwd;
    }
  if (strcmp (path, ".") == 0)
    return xstrdup (base);
  xasprintf (&r, "%s/%s", base, path);
  return r;
}

char *
rt_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  char *r;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof (buf), "%Y-%m-%dT%H:%M:%S", &tm);
  xasprintf (&r, "%s.%09ldZ", buf, ts.tv_nsec);
  return r;
}
