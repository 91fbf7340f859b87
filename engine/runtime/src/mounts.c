/* linux mounts of config.json: option table, binds, remounts, the cgroup
 * pseudo-filesystem. Targets are opened with RESOLVE_IN_ROOT so a symlink
 * in the image cannot send a mount outside the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cgroups.h"
#include "linux.h"
#include "utils.h"

enum
{
  OPT_SET,
  OPT_CLEAR,
  OPT_PROPAGATION,
  OPT_IGNORE,
};

static const struct
{
  const char *name;
  int kind;
  unsigned long flag;
} option_table[] = {
  { "defaults", OPT_IGNORE, 0 },
  { "ro", OPT_SET, MS_RDONLY },
  { "rw", OPT_CLEAR, MS_RDONLY },
  { "nosuid", OPT_SET, MS_NOSUID },
  { "suid", OPT_CLEAR, MS_NOSUID },
  { "nodev", OPT_SET, MS_NODEV },
  { "dev", OPT_CLEAR, MS_NODEV },
  { "noexec", OPT_SET, MS_NOEXEC },
  { "exec", OPT_CLEAR, MS_NOEXEC },
  { "sync", OPT_SET, MS_SYNCHRONOUS },
  { "async", OPT_CLEAR, MS_SYNCHRONOUS },
  { "dirsync", OPT_SET, MS_DIRSYNC },
  { "remount", OPT_SET, MS_REMOUNT },
  { "mand", OPT_SET, MS_MANDLOCK },
  { "nomand", OPT_CLEAR, MS_MANDLOCK },
  { "noatime", OPT_SET, MS_NOATIME },
  { "atime", OPT_CLEAR, MS_NOATIME },
  { "nodiratime", OPT_SET, MS_NODIRATIME },
  { "diratime", OPT_CLEAR, MS_NODIRATIME },
  { "relatime", OPT_SET, MS_RELATIME },
  { "norelatime", OPT_CLEAR, MS_RELATIME },
  { "strictatime", OPT_SET, MS_STRICTATIME },
  { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
  { "silent", OPT_SET, MS_SILENT },
  { "loud", OPT_CLEAR, MS_SILENT },
  { "bind", OPT_SET, MS_BIND },
  { "rbind", OPT_SET, MS_BIND | MS_REC },
  { "private", OPT_PROPAGATION, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROPAGATION, MS_SHARED },
  { "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATION, MS_SLAVE },
  { "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
  { "tmpcopyup", OPT_IGNORE, 0 },
  { "nocopyup", OPT_IGNORE, 0 },
};

void
rt_mount_opts_parse (json_t *options, rt_mount_opts_t *o)
{
  json_t *v;
  size_t i, k, len = 0;

  memset (o, 0, sizeof (*o));
  json_array_foreach (options, i, v)
    {
      const char *name = json_string_value (v);
      if (name == NULL)
        continue;
      for (k = 0; k < ARRAY_SIZE (option_table); k++)
        if (strcmp (name, option_table[k].name) == 0)
          break;
      if (k < ARRAY_SIZE (option_table))
        {
          switch (option_table[k].kind)
            {
            case OPT_SET:
              o->flags |= option_table[k].flag;
              o->clear &= ~option_table[k].flag;
              break;
            case OPT_CLEAR:
              o->flags &= ~option_table[k].flag;
              o->clear |= option_table[k].flag;
              break;
            case OPT_PROPAGATION:
              o->propagation = option_table[k].flag;
              break;
            }
          continue;
        }
      if (strncmp (name, "x-", 2) == 0)
        continue;
      o->data = realloc (o->data, len + strlen (name) + 2);
      if (o->data == NULL)
        abort ();
      if (len)
        o->data[len++] = ',';
      strcpy (o->data + len, name);
      len += strlen (name);
    }
}

/* The mountpoint (and mount root) of the v1 hierarchy holding `controllers`. */
static int
find_v1_mount (const char *mountinfo, const char *controllers, char **mnt, char **root)
{
  const char *line = mountinfo;
  while (line && *line)
    {
      const char *eol = strchr (line, '\n');
      cleanup_free char *l = eol ? strndup (line, (size_t) (eol - line)) : xstrdup (line);
      char *sep = strstr (l, " - cgroup ");
      line = eol ? eol + 1 : NULL;
      if (sep == NULL)
        continue;
      {
        char *f[6] = { 0 }, *save = NULL, *tok;
        int n = 0;
        char *super = strrchr (sep, ' ');
        *sep = '\0';
        for (tok = strtok_r (l, " ", &save); tok && n < 6; tok = strtok_r (NULL, " ", &save))
          f[n++] = tok;
        if (n < 5 || super == NULL)
          continue;
        /* super options are "rw,cpu,cpuacct": every controller must be there */
        {
          cleanup_free char *want = xstrdup (controllers);
          char *c, *s2 = NULL;
          bool all = true;
          for (c = strtok_r (want, ",", &s2); c; c = strtok_r (NULL, ",", &s2))
            {
              char pat[256];
              snprintf (pat, sizeof (pat), ",%s,", c);
              cleanup_free char *sup = NULL;
              xasprintf (&sup, ",%s,", super + 1);
              if (strstr (sup, pat) == NULL)
                all = false;
            }
          if (!all)
            continue;
        }
        *root = xstrdup (f[3]);
        *mnt = xstrdup (f[4]);
        return 0;
      }
    }
  return -1;
}

/* type "cgroup" on cgroup v1: a tmpfs with one bind per hierarchy of the
 * container's own cgroup (as runc does); v2: the container's cgroup dir. */
static int
mount_cgroup (int rootfd, const char *dest, rt_mount_opts_t *o, rt_error_t *err)
{
  cleanup_free char *cg = NULL, *mi = NULL;
  cleanup_close int fd = -1;
  char target[64];
  char *line, *save = NULL;
  unsigned long ro = o->flags & MS_RDONLY;
  unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;

  if (rt_read_file ("/proc/self/cgroup", &cg, NULL, err) < 0 || rt_read_file ("/proc/self/mountinfo", &mi, NULL, err) < 0)
    return -1;
  fd = rt_open_in_root (rootfd, dest, true, true, err);
  if (fd < 0)
    return -1;
  snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
  if (rt_cgroup_version () == 2)
    {
      for (line = strtok_r (cg, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        if (strncmp (line, "0::", 3) == 0)
          {
            cleanup_free char *src = NULL;
            xasprintf (&src, "/sys/fs/cgroup%s", line + 3);
            if (rt_mount (src, target, NULL, MS_BIND | MS_REC, NULL, dest, err) < 0)
              return -1;
            close (fd);
            fd = rt_open_in_root (rootfd, dest, false, true, err);
            if (fd < 0)
              return -1;
            snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
            return rt_mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | base | ro, NULL, dest, err);
          }
      return 0;
    }
  if (rt_mount ("tmpfs", target, "tmpfs", base, "mode=755", dest, err) < 0)
    return -1;
  for (line = strtok_r (cg, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      cleanup_free char *ctrl = NULL, *mnt = NULL, *root = NULL, *src = NULL, *dst = NULL;
      cleanup_close int dfd = -1;
      const char *path, *name;
      char dtarget[64];
      size_t rl;

      if (c2 == NULL || c2 == c1 + 1)
        continue; /* the v2 hierarchy of a hybrid host */
      ctrl = strndup (c1 + 1, (size_t) (c2 - c1 - 1));
      path = c2 + 1;
      if (find_v1_mount (mi, ctrl, &mnt, &root) < 0)
        continue;
      rl = strlen (root);
      if (strcmp (root, "/") != 0 && strncmp (path, root, rl) == 0)
        path += rl;
      xasprintf (&src, "%s%s", mnt, path);
      name = strncmp (ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl;
      xasprintf (&dst, "%s/%s", dest, name);
      dfd = rt_open_in_root (rootfd, dst, true, true, err);
      if (dfd < 0)
        return -1;
      snprintf (dtarget, sizeof (dtarget), "/proc/self/fd/%d", dfd);
      if (strcmp (c2 + 1, "/") == 0)
        {
          /* Inside a cgroup namespace our cgroup is "/": a fresh mount of the
           * hierarchy shows the namespace's root, i.e. the container's own
           * cgroup, where a bind would show the host's (root `/..`). */
          cleanup_free char *data = NULL;
          xasprintf (&data, strncmp (ctrl, "name=", 5) == 0 ? "none,%s" : "%s", ctrl);
          if (mount ("cgroup", dtarget, "cgroup", base | ro, data) == 0)
            continue;
        }
      if (rt_mount (src, dtarget, NULL, MS_BIND | MS_REC, NULL, dst, err) < 0)
        return -1;
      close (dfd);
      dfd = rt_open_in_root (rootfd, dst, false, true, err);
      if (dfd < 0)
        return -1;
      snprintf (dtarget, sizeof (dtarget), "/proc/self/fd/%d", dfd);
      if (rt_mount (NULL, dtarget, NULL, MS_REMOUNT | MS_BIND | base | ro, NULL, dst, err) < 0)
        return -1;
    }
  /* like runc, the tmpfs itself stays writable; the binds carry `ro` */
  return 0;
}

static int
do_one_mount (const rt_spec_t *spec, int rootfd, json_t *m, bool *dev_is_tmpfs, rt_error_t *err)
{
  const char *dest = rt_json_str (m, "destination");
  const char *type = rt_json_str (m, "type");
  const char *source = rt_json_str (m, "source");
  cleanup_free char *src = NULL;
  cleanup_close int fd = -1;
  rt_mount_opts_t o;
  char target[64];
  bool bind, dir = true;
  int ret = -1;

  if (dest == NULL || dest[0] != '/')
    return rt_fail (err, 0, "mount destination `%s` is not an absolute path", dest ? dest : "");
  rt_mount_opts_parse (rt_json_arr (m, "options"), &o);
  if (type && strcmp (type, "cgroup") == 0)
    {
      ret = mount_cgroup (rootfd, dest, &o, err);
      free (o.data);
      return ret;
    }
  bind = (o.flags & MS_BIND) || (type && strcmp (type, "bind") == 0);
  if (bind)
    {
      struct stat st;
      o.flags |= MS_BIND;
      src = source ? rt_abspath (spec->bundle, source) : NULL;
      if (src == NULL)
        {
          rt_fail (err, 0, "bind mount on `%s` without a source", dest);
          goto out;
        }
      if (stat (src, &st) < 0)
        {
          rt_fail (err, errno, "stat mount source `%s` for `%s`", src, dest);
          goto out;
        }
      dir = S_ISDIR (st.st_mode);
    }
  else
    src = xstrdup (source ? source : (type ? type : "none"));

  fd = rt_open_in_root (rootfd, dest, true, dir, err);
  if (fd < 0)
    {
      snprintf (err->msg + strlen (err->msg), sizeof (err->msg) - strlen (err->msg), " (mount `%s`)", src);
      goto out;
    }
  snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
  if (bind)
    {
      unsigned long rest = o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
      if (rt_mount (src, target, NULL, MS_BIND | (o.flags & MS_REC), NULL, dest, err) < 0)
        goto out;
      if (rest)
        {
          close (fd);
          fd = rt_open_in_root (rootfd, dest, false, dir, err);
          if (fd < 0)
            goto out;
          snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
          if (rt_mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | rest, NULL, dest, err) < 0)
            goto out;
        }
    }
  else
    {
      if (rt_mount (src, target, type, o.flags & ~MS_REMOUNT, o.data, dest, err) < 0)
        goto out;
      if (strcmp (dest, "/dev") == 0 && type && strcmp (type, "tmpfs") == 0)
        *dev_is_tmpfs = true;
    }
  if (o.propagation)
    {
      close (fd);
      fd = rt_open_in_root (rootfd, dest, false, dir, err);
      if (fd < 0)
        goto out;
      snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
      if (rt_mount (NULL, target, NULL, o.propagation, NULL, dest, err) < 0)
        goto out;
    }
  ret = 0;
out:
  free (o.data);
  return ret;
}

int
rt_mounts_do (const rt_spec_t *spec, int rootfd, bool *dev_is_tmpfs, rt_error_t *err)
{
  json_t *m;
  size_t i;

  *dev_is_tmpfs = false;
  json_array_foreach (rt_json_arr (spec->root, "mounts"), i, m)
    if (do_one_mount (spec, rootfd, m, dev_is_tmpfs, err) < 0)
      return -1;
  return 0;
}
