/* The root filesystem: propagation, the self bind, pivot_root, and the
 * paths masked or made read-only once inside. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "linux.h"
#include "utils.h"

static const struct
{
  const char *name;
  unsigned long flags;
} propagation_table[] = {
  { "private", MS_PRIVATE },   { "rprivate", MS_PRIVATE | MS_REC },       { "shared", MS_SHARED },
  { "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE },               { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int
rootfs_propagation (const rt_spec_t *spec, unsigned long *out, rt_error_t *err)
{
  const char *p = rt_json_str (spec->linux_, "rootfsPropagation");
  size_t i;

  *out = 0;
  if (p == NULL || *p == '\0')
    return 0;
  for (i = 0; i < ARRAY_SIZE (propagation_table); i++)
    if (strcmp (p, propagation_table[i].name) == 0)
      {
        *out = propagation_table[i].flags;
        return 0;
      }
  return rt_fail (err, 0, "invalid rootfsPropagation `%s`", p);
}

int
rt_mount (const char *src, const char *target, const char *fstype, unsigned long flags, const char *data,
          const char *shown_target, rt_error_t *err)
{
  if (mount (src, target, fstype, flags, data) < 0)
    {
      if (src && *src)
        return rt_fail (err, errno, "mount `%s` on `%s`", src, shown_target ? shown_target : target);
      return rt_fail (err, errno, "mount `%s`", shown_target ? shown_target : target);
    }
  return 0;
}

/* Decodes mountinfo's octal escapes (\040 for a space...) in place. */
static void
mountinfo_unescape (char *s)
{
  char *w = s;
  for (; *s; s++, w++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
        {
          *w = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 3;
        }
      else
        *w = *s;
    }
  *w = '\0';
}

/* Makes the mount holding the rootfs private if it is shared, as runc's
 * rootfsParentMountPrivate: pivot_root fails with EINVAL when the new root's
 * parent mount is shared (which it is after rootfsPropagation "shared" or
 * "rshared", or when the host mount is), and the self bind below must not
 * propagate to peers outside the container. Only that one mount changes. */
static int
rootfs_parent_private (const char *rootfs, rt_error_t *err)
{
  cleanup_file FILE *f = NULL;
  cleanup_free char *line = NULL;
  cleanup_free char *best = NULL;
  char real[PATH_MAX];
  size_t cap = 0, bestlen = 0;
  bool best_shared = false;

  if (realpath (rootfs, real) == NULL)
    return rt_fail (err, errno, "realpath `%s`", rootfs);
  f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return rt_fail (err, errno, "open `/proc/self/mountinfo`");
  while (getline (&line, &cap, f) > 0)
    {
      char *save = NULL, *tok, *mp = NULL;
      bool shared = false;
      size_t len;
      int field = 0;

      for (tok = strtok_r (line, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
        {
          field++;
          if (field == 5)
            mp = tok;
          else if (field >= 7)
            {
              if (strcmp (tok, "-") == 0)
                break;
              if (strncmp (tok, "shared:", 7) == 0)
                shared = true;
            }
        }
      if (mp == NULL)
        continue;
      mountinfo_unescape (mp);
      len = strlen (mp);
      if (strcmp (mp, "/") != 0 && (strncmp (real, mp, len) != 0 || (real[len] != '/' && real[len] != '\0')))
        continue;
      /* the deepest mount point wins; of several on one point, the last (top) one */
      if (len >= bestlen)
        {
          free (best);
          best = xstrdup (mp);
          bestlen = len;
          best_shared = shared;
        }
    }
  if (best != NULL && best_shared)
    return rt_mount (NULL, best, NULL, MS_PRIVATE, NULL, best, err);
  return 0;
}

int
rt_rootfs_prepare (const rt_spec_t *spec, rt_error_t *err)
{
  unsigned long prop;
  int fd;

  if (rootfs_propagation (spec, &prop, err) < 0)
    return -1;
  /* never let our mounts leak to the host: slave by default (as runc) */
  if (rt_mount (NULL, "/", NULL, prop ? prop | MS_REC : MS_SLAVE | MS_REC, NULL, "/",
                err)
      < 0)
    return -1;
  if (rootfs_parent_private (spec->rootfs, err) < 0)
    return -1;
  if (rt_mount (spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL, spec->rootfs, err) < 0)
    return -1;
  fd = open (spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open rootfs `%s`", spec->rootfs);
  return fd;
}

static int open_in_root (int rootfd, const char *path, bool create, bool dir, int depth, rt_error_t *err);

int
rt_open_in_root (int rootfd, const char *path, bool create, bool dir, rt_error_t *err)
{
  return open_in_root (rootfd, path, create, dir, 0, err);
}

/* `base` in `pfd` is a symlink whose target does not exist: make the target,
 * resolved inside the root as the kernel would resolve it there (runc's
 * securejoin MkdirAll does the same), and open it. `parent` is base's
 * directory, relative to the root. */
static int
create_through_symlink (int rootfd, int pfd, const char *parent, const char *base, bool dir, int depth, rt_error_t *err)
{
  char target[4096];
  cleanup_free char *joined = NULL;
  ssize_t n = readlinkat (pfd, base, target, sizeof target - 1);

  if (n < 0)
    return rt_fail (err, errno, "readlink `/%s/%s`", parent, base);
  target[n] = '\0';
  if (target[0] == '/')
    return open_in_root (rootfd, target, true, dir, depth + 1, err);
  if (asprintf (&joined, "%s/%s", parent, target) < 0)
    return rt_fail (err, ENOMEM, "path");
  return open_in_root (rootfd, joined, true, dir, depth + 1, err);
}

static int
open_in_root (int rootfd, const char *path, bool create, bool dir, int depth, rt_error_t *err)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  struct stat st;
  cleanup_free char *rel = NULL;
  cleanup_close int pfd = -1;
  char *slash;
  const char *base;
  int fd;

  if (depth > 40)
    return rt_fail (err, ELOOP, "open `%s`", path);
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
  if (fd >= 0 || errno != ENOENT || !create)
    {
      if (fd < 0)
        return rt_fail (err, errno, "open `/%s`", path);
      return fd;
    }
  rel = xstrdup (path);
  slash = strrchr (rel, '/');
  if (slash)
    {
      *slash = '\0';
      base = slash + 1;
      pfd = open_in_root (rootfd, rel, true, true, depth, err);
      if (pfd < 0)
        return -1;
    }
  else
    {
      base = rel;
      pfd = dup (rootfd);
    }
  /* A dangling symlink in the way: what it points to is made, in the root. */
  if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return create_through_symlink (rootfd, pfd, slash ? rel : ".", base, dir, depth, err);
  if (dir)
    {
      if (mkdirat (pfd, base, 0755) < 0 && errno != EEXIST)
        return rt_fail (err, errno, "mkdir `/%s`", path);
    }
  else
    {
      int f = openat (pfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (f < 0 && errno != EEXIST)
        return rt_fail (err, errno, "create `/%s`", path);
      if (f >= 0)
        close (f);
    }
  fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
  if (fd < 0)
    return rt_fail (err, errno, "open `/%s`", path);
  return fd;
}

int
rt_rootfs_pivot (const rt_spec_t *spec, int rootfd, rt_error_t *err)
{
  cleanup_close int oldroot = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (oldroot < 0)
    return rt_fail (err, errno, "open `/`");
  if (fchdir (rootfd) < 0)
    return rt_fail (err, errno, "chdir `%s`", spec->rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return rt_fail (err, errno, "pivot_root `%s`", spec->rootfs);
  /* the old root is now stacked under "."; detach it without letting the
   * unmount propagate back to the host */
  if (fchdir (oldroot) < 0)
    return rt_fail (err, errno, "chdir old root");
  if (rt_mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL, "old root", err) < 0)
    return -1;
  if (umount2 (".", MNT_DETACH) < 0)
    return rt_fail (err, errno, "umount old root");
  if (chdir ("/") < 0)
    return rt_fail (err, errno, "chdir `/`");
  return 0;
}

/* MS_* flags of the mount holding `path`, to keep them on a remount. */
static unsigned long
mount_flags_of (const char *path)
{
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { ST_RDONLY, MS_RDONLY },   { ST_NOSUID, MS_NOSUID },   { ST_NODEV, MS_NODEV },         { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
  };
  struct statvfs sv;
  unsigned long r = 0;
  size_t i;

  if (statvfs (path, &sv) < 0)
    return 0;
  for (i = 0; i < ARRAY_SIZE (map); i++)
    if (sv.f_flag & map[i].st)
      r |= map[i].ms;
  return r;
}

static int
remount_ro (const char *path, rt_error_t *err)
{
  return rt_mount (NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of (path), NULL, path, err);
}

static int
mask_path (const char *path, rt_error_t *err)
{
  struct stat st;
  if (stat (path, &st) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return rt_fail (err, errno, "stat masked path `%s`", path);
    }
  if (S_ISDIR (st.st_mode))
    return rt_mount ("tmpfs", path, "tmpfs", MS_RDONLY, NULL, path, err);
  if (mount ("/dev/null", path, NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
    return rt_fail (err, errno, "mount `/dev/null` on `%s`", path);
  return 0;
}

static int
readonly_path (const char *path, rt_error_t *err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return rt_fail (err, errno, "mount `%s` on `%s`", path, path);
    }
  return remount_ro (path, err);
}

int
rt_rootfs_finalize (const rt_spec_t *spec, rt_error_t *err)
{
  json_t *v;
  size_t i;
  unsigned long prop;

  json_array_foreach (rt_json_arr (spec->linux_, "maskedPaths"), i, v)
    if (json_is_string (v) && mask_path (json_string_value (v), err) < 0)
      return -1;
  json_array_foreach (rt_json_arr (spec->linux_, "readonlyPaths"), i, v)
    if (json_is_string (v) && readonly_path (json_string_value (v), err) < 0)
      return -1;
  if (spec->rootfs_ro && remount_ro ("/", err) < 0)
    return -1;
  if (rootfs_propagation (spec, &prop, err) < 0)
    return -1;
  if (prop && rt_mount (NULL, "/", NULL, prop, NULL, "/", err) < 0)
    return -1;
  return 0;
}
