/* /dev in the container: the default nodes, linux.devices, and the
 * standard links. mknod falls back to a bind of the host node. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "linux.h"
#include "utils.h"

static const struct
{
  const char *path;
  unsigned major, minor;
} default_devices[] = {
  { "/dev/null", 1, 3 },    { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct
{
  const char *target, *name;
} default_links[] = {
  { "/proc/self/fd", "fd" },        { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
};

static int
make_node (int rootfd, const char *path, mode_t type, mode_t perm, dev_t dev, uid_t uid, gid_t gid, rt_error_t *err)
{
  cleanup_free char *parent = xstrdup (path);
  cleanup_close int pfd = -1;
  char *slash = strrchr (parent, '/');
  const char *base = slash ? slash + 1 : parent;

  if (slash)
    *slash = '\0';
  pfd = rt_open_in_root (rootfd, slash && *parent ? parent : "/", true, true, err);
  if (pfd < 0)
    return -1;
  unlinkat (pfd, base, 0);
  if (mknodat (pfd, base, type | perm, dev) == 0)
    {
      if (fchownat (pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return rt_fail (err, errno, "chown device `%s`", path);
      /* mknod honours the umask: set the mode the config asked for */
      if (fchmodat (pfd, base, perm, 0) < 0)
        return rt_fail (err, errno, "chmod device `%s`", path);
      return 0;
    }
  if (errno != EPERM)
    return rt_fail (err, errno, "mknod `%s`", path);
  /* no CAP_MKNOD: bind the host's node */
  {
    cleanup_close int fd = -1;
    char target[64];
    int f = openat (pfd, base, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (f < 0)
      return rt_fail (err, errno, "create `%s`", path);
    close (f);
    fd = rt_open_in_root (rootfd, path, false, false, err);
    if (fd < 0)
      return -1;
    snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
    return rt_mount (path, target, NULL, MS_BIND, NULL, path, err);
  }
}

int
rt_devices_create (const rt_spec_t *spec, int rootfd, bool dev_is_tmpfs, rt_error_t *err)
{
  json_t *d;
  size_t i;

  if (dev_is_tmpfs)
    {
      cleanup_close int devfd = rt_open_in_root (rootfd, "/dev", false, true, err);
      if (devfd < 0)
        return -1;
      for (i = 0; i < ARRAY_SIZE (default_devices); i++)
        if (make_node (rootfd, default_devices[i].path, S_IFCHR, 0666,
                       makedev (default_devices[i].major, default_devices[i].minor), 0, 0, err)
            < 0)
          return -1;
      for (i = 0; i < ARRAY_SIZE (default_links); i++)
        if (symlinkat (default_links[i].target, devfd, default_links[i].name) < 0 && errno != EEXIST)
          return rt_fail (err, errno, "symlink `/dev/%s`", default_links[i].name);
      if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
        return rt_fail (err, errno, "symlink `/dev/core`");
    }
  json_array_foreach (rt_json_arr (spec->linux_, "devices"), i, d)
    {
      const char *path = rt_json_str (d, "path");
      const char *type = rt_json_str (d, "type");
      json_t *mode = json_object_get (d, "fileMode");
      mode_t t;

      if (path == NULL || type == NULL)
        return rt_fail (err, 0, "linux.devices[%zu]: path and type are required", i);
      switch (type[0])
        {
        case 'c':
        case 'u':
          t = S_IFCHR;
          break;
        case 'b':
          t = S_IFBLK;
          break;
        case 'p':
          t = S_IFIFO;
          break;
        default:
          return rt_fail (err, 0, "linux.devices: invalid type `%s` for `%s`", type, path);
        }
      if (make_node (rootfd, path, t, json_is_integer (mode) ? (mode_t) json_integer_value (mode) & 07777 : 0666,
                     makedev ((unsigned) json_integer_value (json_object_get (d, "major")),
                              (unsigned) json_integer_value (json_object_get (d, "minor"))),
                     (uid_t) json_integer_value (json_object_get (d, "uid")),
                     (gid_t) json_integer_value (json_object_get (d, "gid")), err)
          < 0)
        return -1;
    }
  return 0;
}

/* Rules appended after linux.resources.devices, as runc does: mknod of
 * anything, and use of the default nodes, ptys and tun. */
static const struct
{
  const char *type;
  json_int_t major, minor; /* -1 = any */
  const char *access;
} default_rules[] = {
  { "c", -1, -1, "m" },   { "b", -1, -1, "m" },   { "c", 1, 3, "rwm" }, { "c", 1, 5, "rwm" },
  { "c", 1, 7, "rwm" },   { "c", 1, 8, "rwm" },   { "c", 1, 9, "rwm" }, { "c", 5, 0, "rwm" },
  { "c", 5, 2, "rwm" },   { "c", 136, -1, "rwm" }, { "c", 10, 200, "rwm" },
};

static json_t *
device_rule (const char *type, json_t *major, json_t *minor, const char *access)
{
  json_t *r = json_pack ("{s:b, s:s, s:s}", "allow", 1, "type", type, "access", access);
  if (major)
    json_object_set_new (r, "major", major);
  if (minor)
    json_object_set_new (r, "minor", minor);
  return r;
}

json_t *
rt_devices_cgroup_resources (const rt_spec_t *spec)
{
  json_t *res = rt_json_obj (spec->linux_, "resources");
  json_t *copy = res ? json_deep_copy (res) : json_object ();
  json_t *rules = rt_json_arr (copy, "devices"), *d;
  size_t i;

  if (rules == NULL)
    {
      rules = json_array ();
      json_object_set_new (copy, "devices", rules);
    }
  for (i = 0; i < ARRAY_SIZE (default_rules); i++)
    json_array_append_new (rules, device_rule (default_rules[i].type,
                                               default_rules[i].major < 0 ? NULL : json_integer (default_rules[i].major),
                                               default_rules[i].minor < 0 ? NULL : json_integer (default_rules[i].minor),
                                               default_rules[i].access));
  json_array_foreach (rt_json_arr (spec->linux_, "devices"), i, d)
    {
      const char *type = rt_json_str (d, "type");
      if (type == NULL || type[0] == 'p')
        continue;
      json_array_append_new (rules, device_rule (type[0] == 'b' ? "b" : "c", json_copy (json_object_get (d, "major")),
                                                 json_copy (json_object_get (d, "minor")), "rwm"));
    }
  return copy;
}
