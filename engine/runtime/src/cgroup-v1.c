/* cgroup v1 backend: one directory per mounted hierarchy
 * (<root>/<hierarchy><path>, e.g. /sys/fs/cgroup/memory/tscompose/abc).
 * Hierarchies are the directories under the root holding cgroup.procs;
 * symlinks (cpu -> cpu,cpuacct) and a hybrid cgroup2 at <root>/unified are
 * skipped. A hierarchy serves the controllers in its comma-separated name. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cgroup-internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct v1_hierarchy
{
  char *name; /* "memory", "cpu,cpuacct", "systemd" */
  char *dir;  /* <root>/<name><path> */
  bool present;
};

struct v1_priv
{
  struct v1_hierarchy *h;
  size_t n;
};

static struct v1_priv *
priv (rt_cgroup_t *cg)
{
  return cg->priv;
}

static bool
name_has_controller (const char *name, const char *controller)
{
  size_t len = strlen (controller);
  const char *p = name;

  while (*p)
    {
      if (strncmp (p, controller, len) == 0 && (p[len] == ',' || p[len] == '\0'))
        return true;
      p = strchr (p, ',');
      if (p == NULL)
        break;
      p++;
    }
  return false;
}

/* The directory of `controller` for this cgroup, NULL when the controller
 * is not mounted or (for an opened cgroup) has no directory for it. */
static const char *
v1_dir (rt_cgroup_t *cg, const char *controller)
{
  struct v1_priv *p = priv (cg);
  size_t i;

  for (i = 0; i < p->n; i++)
    if (p->h[i].present && name_has_controller (p->h[i].name, controller))
      return p->h[i].dir;
  return NULL;
}

static int
cmp_hierarchy (const void *a, const void *b)
{
  return strcmp (((const struct v1_hierarchy *) a)->name, ((const struct v1_hierarchy *) b)->name);
}

static void
v1_free_priv (rt_cgroup_t *cg)
{
  struct v1_priv *p = priv (cg);
  size_t i;

  if (p == NULL)
    return;
  for (i = 0; i < p->n; i++)
    {
      free (p->h[i].name);
      free (p->h[i].dir);
    }
  free (p->h);
  free (p);
  cg->priv = NULL;
}

static int
v1_init (rt_cgroup_t *cg, rt_error_t *err)
{
  struct v1_priv *p;
  struct dirent *de;
  DIR *d;

  p = calloc (1, sizeof (*p));
  if (p == NULL)
    return rt_fail (err, ENOMEM, "allocate cgroup");
  cg->priv = p;

  d = opendir (cg->root);
  if (d == NULL)
    return rt_fail (err, errno, "opendir `%s`", cg->root);
  while ((de = readdir (d)))
    {
      cleanup_free char *sub = NULL;
      struct statfs sfs;
      struct stat st;
      struct v1_hierarchy *nh;

      if (de->d_name[0] == '.')
        continue;
      sub = rt_cg_xasprintf ("%s/%s", cg->root, de->d_name);
      if (lstat (sub, &st) < 0 || ! S_ISDIR (st.st_mode))
        continue;
      /* The hybrid layout's cgroup2 (or a fake one) is not ours to use. */
      if (statfs (sub, &sfs) == 0 && (unsigned long) sfs.f_type == (unsigned long) CGROUP2_SUPER_MAGIC)
        continue;
      if (rt_cg_file_exists (sub, "cgroup.controllers") || ! rt_cg_file_exists (sub, "cgroup.procs"))
        continue;

      nh = realloc (p->h, (p->n + 1) * sizeof (*p->h));
      if (nh == NULL)
        {
          closedir (d);
          return rt_fail (err, ENOMEM, "allocate cgroup");
        }
      p->h = nh;
      p->h[p->n].name = rt_cg_xasprintf ("%s", de->d_name);
      p->h[p->n].dir = rt_cg_xasprintf ("%s%s", sub, cg->path);
      p->h[p->n].present = false;
      p->n++;
    }
  closedir (d);

  if (p->n == 0)
    return rt_fail (err, ENOENT, "no cgroup v1 hierarchy mounted under `%s`", cg->root);
  qsort (p->h, p->n, sizeof (*p->h), cmp_hierarchy);
  return 0;
}

static bool
blank (const char *s)
{
  for (; *s; s++)
    if (*s != ' ' && *s != '\n' && *s != '\t')
      return false;
  return true;
}

/* A new cpuset cgroup starts with empty cpus/mems and refuses tasks until
 * they are set: copy them from the parent. */
static int
cpuset_init_dir (const char *parent, const char *dir, void *data, rt_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  size_t i;
  int ret;

  (void) data;
  for (i = 0; i < sizeof (files) / sizeof (files[0]); i++)
    {
      cleanup_free char *cur = NULL;
      cleanup_free char *from_parent = NULL;

      ret = rt_cg_read (dir, files[i], &cur, err);
      if (ret < 0)
        return ret;
      if (! blank (cur))
        continue;
      ret = rt_cg_read (parent, files[i], &from_parent, err);
      if (ret < 0)
        return ret;
      if (blank (from_parent))
        continue;
      ret = rt_cg_write (dir, files[i], from_parent, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
v1_create (rt_cgroup_t *cg, rt_error_t *err)
{
  struct v1_priv *p = priv (cg);
  size_t i;
  int ret;

  for (i = 0; i < p->n; i++)
    {
      cleanup_free char *base = rt_cg_xasprintf ("%s/%s", cg->root, p->h[i].name);
      bool created = false;

      ret = rt_cg_mkdir_p (base, cg->path, &created, name_has_controller (p->h[i].name, "cpuset") ? cpuset_init_dir : NULL,
                           NULL, err);
      if (created)
        cg->created_leaf = true;
      if (ret < 0)
        return ret;
      p->h[i].present = true;
    }
  return 0;
}

static int
v1_check_exists (rt_cgroup_t *cg, rt_error_t *err)
{
  struct v1_priv *p = priv (cg);
  size_t i, found = 0;

  for (i = 0; i < p->n; i++)
    {
      struct stat st;

      p->h[i].present = stat (p->h[i].dir, &st) == 0 && S_ISDIR (st.st_mode);
      if (p->h[i].present)
        found++;
    }
  if (found == 0)
    return rt_fail (err, ENOENT, "cgroup `%s` not found under `%s`", cg->path, cg->root);
  return 0;
}

static int
v1_enter (rt_cgroup_t *cg, pid_t pid, rt_error_t *err)
{
  struct v1_priv *p = priv (cg);
  size_t i;
  int ret;

  for (i = 0; i < p->n; i++)
    {
      if (! p->h[i].present)
        continue;
      ret = rt_cg_writef (err, p->h[i].dir, "cgroup.procs", "%d", (int) pid);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* A limit where -1 means unlimited, as v1 files accept. */
static int
write_limit (const char *dir, const char *file, int64_t v, rt_error_t *err)
{
  return rt_cg_writef (err, dir, file, "%" PRId64, v < 0 ? (int64_t) -1 : v);
}

static int
need_dir (rt_cgroup_t *cg, const char *controller, const char *what, const char **dir, rt_error_t *err)
{
  *dir = v1_dir (cg, controller);
  if (*dir == NULL)
    return rt_fail (err, ENOTSUP, "%s: the `%s` cgroup controller is not mounted under `%s`", what, controller,
                    cg->root);
  return 0;
}

static int
apply_memory (rt_cgroup_t *cg, json_t *mem, rt_error_t *err)
{
  static const char *const where = "linux.resources.memory";
  const char *dir;
  int64_t limit = 0, swap = 0, v = 0;
  int has_limit, has_swap, ret;
  bool b;

  has_limit = rt_cg_json_int (mem, "limit", where, &limit, err);
  if (has_limit < 0)
    return has_limit;
  has_swap = rt_cg_json_int (mem, "swap", where, &swap, err);
  if (has_swap < 0)
    return has_swap;
  if (json_object_size (mem) == 0)
    return 0;
  ret = need_dir (cg, "memory", where, &dir, err);
  if (ret < 0)
    return ret;

  if (has_swap && ! rt_cg_file_exists (dir, "memory.memsw.limit_in_bytes"))
    {
      if (swap > 0)
        rt_warn ("%s.swap: swap accounting is off in this kernel (memory.memsw.limit_in_bytes missing), ignored",
                 where);
      has_swap = 0;
    }
  /* Unlimited memory with the swap limit left as it was would be refused
   * (memory must stay <= memory+swap): lift both. */
  if (has_limit && limit < 0 && ! has_swap && rt_cg_file_exists (dir, "memory.memsw.limit_in_bytes"))
    {
      has_swap = 1;
      swap = -1;
    }

  if (has_limit || has_swap)
    {
      bool swap_first = false;

      if (has_limit && has_swap)
        {
          /* memory.limit <= memory.memsw.limit at every step: raise memsw
           * first when it grows, lower the memory limit first otherwise. */
          cleanup_free char *content = NULL;

          ret = rt_cg_read (dir, "memory.memsw.limit_in_bytes", &content, err);
          if (ret < 0)
            return ret;
          swap_first = swap < 0 || swap > strtoll (content, NULL, 10);
        }
      if (swap_first)
        {
          ret = write_limit (dir, "memory.memsw.limit_in_bytes", swap, err);
          if (ret < 0)
            return ret;
        }
      if (has_limit)
        {
          ret = write_limit (dir, "memory.limit_in_bytes", limit, err);
          if (ret < 0)
            return ret;
        }
      if (has_swap && ! swap_first)
        {
          ret = write_limit (dir, "memory.memsw.limit_in_bytes", swap, err);
          if (ret < 0)
            return ret;
        }
    }

  ret = rt_cg_json_int (mem, "reservation", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = write_limit (dir, "memory.soft_limit_in_bytes", v, err)) < 0)
    return ret;

  /* Kernel memory limits are gone from recent kernels: best effort. */
  ret = rt_cg_json_int (mem, "kernel", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0)
    {
      rt_error_t kerr = { 0 };
      if (write_limit (dir, "memory.kmem.limit_in_bytes", v, &kerr) < 0)
        rt_warn ("%s.kernel ignored: %s", where, kerr.msg);
    }
  ret = rt_cg_json_int (mem, "kernelTCP", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0)
    {
      rt_error_t kerr = { 0 };
      if (write_limit (dir, "memory.kmem.tcp.limit_in_bytes", v, &kerr) < 0)
        rt_warn ("%s.kernelTCP ignored: %s", where, kerr.msg);
    }

  ret = rt_cg_json_int (mem, "swappiness", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0)
    {
      if (v < 0 || v > 100)
        return rt_fail (err, EINVAL, "%s.swappiness: %" PRId64 " is not in 0..100", where, v);
      ret = rt_cg_writef (err, dir, "memory.swappiness", "%" PRId64, v);
      if (ret < 0)
        return ret;
    }

  ret = rt_cg_json_bool (mem, "disableOOMKiller", where, &b, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = rt_cg_write (dir, "memory.oom_control", b ? "1" : "0", err)) < 0)
    return ret;
  return 0;
}

static int
apply_cpu (rt_cgroup_t *cg, json_t *cpu, rt_error_t *err)
{
  static const char *const where = "linux.resources.cpu";
  const char *dir = NULL, *s = NULL;
  int64_t shares = 0, quota = 0, period = 0, v = 0;
  int has_shares, has_quota, has_period, ret;

  has_shares = rt_cg_json_int (cpu, "shares", where, &shares, err);
  if (has_shares < 0)
    return has_shares;
  has_quota = rt_cg_json_int (cpu, "quota", where, &quota, err);
  if (has_quota < 0)
    return has_quota;
  has_period = rt_cg_json_int (cpu, "period", where, &period, err);
  if (has_period < 0)
    return has_period;
  /* Docker's convention: 0 means unset. */
  if (shares == 0)
    has_shares = 0;
  if (quota == 0)
    has_quota = 0;
  if (period == 0)
    has_period = 0;

  if (has_shares || has_quota || has_period || json_object_get (cpu, "realtimePeriod")
      || json_object_get (cpu, "realtimeRuntime") || json_object_get (cpu, "idle") || json_object_get (cpu, "burst"))
    {
      ret = need_dir (cg, "cpu", where, &dir, err);
      if (ret < 0)
        return ret;
    }

  if (has_shares && (ret = rt_cg_writef (err, dir, "cpu.shares", "%" PRId64, shares)) < 0)
    return ret;
  if (has_period)
    {
      ret = rt_cg_writef (err, dir, "cpu.cfs_period_us", "%" PRId64, period);
      /* A shorter period can make the current quota/period exceed the
       * parent's: set the quota first, then retry. */
      if (ret < 0 && err->status == EINVAL && has_quota)
        {
          ret = write_limit (dir, "cpu.cfs_quota_us", quota, err);
          if (ret == 0)
            ret = rt_cg_writef (err, dir, "cpu.cfs_period_us", "%" PRId64, period);
        }
      if (ret < 0)
        return ret;
    }
  if (has_quota && (ret = write_limit (dir, "cpu.cfs_quota_us", quota, err)) < 0)
    return ret;

  ret = rt_cg_json_int (cpu, "burst", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = rt_cg_writef (err, dir, "cpu.cfs_burst_us", "%" PRId64, v)) < 0)
    return ret;
  ret = rt_cg_json_int (cpu, "realtimePeriod", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v != 0 && (ret = rt_cg_writef (err, dir, "cpu.rt_period_us", "%" PRId64, v)) < 0)
    return ret;
  ret = rt_cg_json_int (cpu, "realtimeRuntime", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v != 0 && (ret = rt_cg_writef (err, dir, "cpu.rt_runtime_us", "%" PRId64, v)) < 0)
    return ret;
  ret = rt_cg_json_int (cpu, "idle", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = rt_cg_writef (err, dir, "cpu.idle", "%" PRId64, v)) < 0)
    return ret;

  ret = rt_cg_json_string (cpu, "cpus", where, &s, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && s[0])
    {
      const char *cdir;
      if ((ret = need_dir (cg, "cpuset", where, &cdir, err)) < 0
          || (ret = rt_cg_write (cdir, "cpuset.cpus", s, err)) < 0)
        return ret;
    }
  ret = rt_cg_json_string (cpu, "mems", where, &s, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && s[0])
    {
      const char *cdir;
      if ((ret = need_dir (cg, "cpuset", where, &cdir, err)) < 0
          || (ret = rt_cg_write (cdir, "cpuset.mems", s, err)) < 0)
        return ret;
    }
  return 0;
}

static int
apply_pids (rt_cgroup_t *cg, json_t *pids, rt_error_t *err)
{
  const char *dir;
  int64_t limit = 0;
  int ret;

  ret = rt_cg_json_int (pids, "limit", "linux.resources.pids", &limit, err);
  if (ret <= 0)
    return ret;
  ret = need_dir (cg, "pids", "linux.resources.pids", &dir, err);
  if (ret < 0)
    return ret;
  /* 0 and -1 both mean unlimited (runc, Docker). */
  if (limit <= 0)
    return rt_cg_write (dir, "pids.max", "max", err);
  return rt_cg_writef (err, dir, "pids.max", "%" PRId64, limit);
}

/* The throttle lists: [{major, minor, rate}] -> "major:minor rate". */
static int
apply_blkio_throttle (const char *dir, json_t *blkio, const char *key, const char *file, rt_error_t *err)
{
  json_t *list = NULL, *entry;
  size_t i;
  int ret;

  ret = rt_cg_json_array (blkio, key, "linux.resources.blockIO", &list, err);
  if (ret <= 0)
    return ret;
  json_array_foreach (list, i, entry)
  {
    cleanup_free char *where = rt_cg_xasprintf ("linux.resources.blockIO.%s[%zu]", key, i);
    int64_t major, minor, rate = 0;

    if ((ret = rt_cg_json_device (entry, where, &major, &minor, err)) < 0)
      return ret;
    if ((ret = rt_cg_json_int (entry, "rate", where, &rate, err)) < 0)
      return ret;
    ret = rt_cg_writef (err, dir, file, "%" PRId64 ":%" PRId64 " %" PRId64, major, minor, rate);
    if (ret < 0)
      return ret;
  }
  return 0;
}

static int
apply_blkio (rt_cgroup_t *cg, json_t *blkio, rt_error_t *err)
{
  static const char *const where = "linux.resources.blockIO";
  static const struct
  {
    const char *key, *file;
  } throttles[] = {
    { "throttleReadBpsDevice", "blkio.throttle.read_bps_device" },
    { "throttleWriteBpsDevice", "blkio.throttle.write_bps_device" },
    { "throttleReadIOPSDevice", "blkio.throttle.read_iops_device" },
    { "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device" },
  };
  const char *dir = v1_dir (cg, "blkio");
  json_t *list = NULL, *entry;
  int64_t v = 0;
  size_t i;
  int ret;

  if (json_object_size (blkio) == 0)
    return 0;
  if (dir == NULL)
    {
      rt_warn ("%s ignored: the `blkio` cgroup controller is not mounted", where);
      return 0;
    }

  /* Weights need the BFQ/CFQ scheduler; many kernels lack them: warn. */
  ret = rt_cg_json_int (blkio, "weight", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v > 0)
    {
      rt_error_t werr = { 0 };
      if (rt_cg_writef (&werr, dir, "blkio.weight", "%" PRId64, v) < 0
          && rt_cg_writef (&werr, dir, "blkio.bfq.weight", "%" PRId64, v) < 0)
        rt_warn ("%s.weight ignored: %s", where, werr.msg);
    }
  ret = rt_cg_json_int (blkio, "leafWeight", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v > 0)
    {
      rt_error_t werr = { 0 };
      if (rt_cg_writef (&werr, dir, "blkio.leaf_weight", "%" PRId64, v) < 0)
        rt_warn ("%s.leafWeight ignored: %s", where, werr.msg);
    }
  ret = rt_cg_json_array (blkio, "weightDevice", where, &list, err);
  if (ret < 0)
    return ret;
  if (ret > 0)
    json_array_foreach (list, i, entry)
    {
      cleanup_free char *w = rt_cg_xasprintf ("%s.weightDevice[%zu]", where, i);
      int64_t major, minor, weight = 0;
      rt_error_t werr = { 0 };

      if ((ret = rt_cg_json_device (entry, w, &major, &minor, err)) < 0)
        return ret;
      if ((ret = rt_cg_json_int (entry, "weight", w, &weight, err)) < 0)
        return ret;
      if (ret > 0
          && rt_cg_writef (&werr, dir, "blkio.weight_device", "%" PRId64 ":%" PRId64 " %" PRId64, major, minor,
                           weight)
                 < 0
          && rt_cg_writef (&werr, dir, "blkio.bfq.weight_device", "%" PRId64 ":%" PRId64 " %" PRId64, major,
                           minor, weight)
                 < 0)
        rt_warn ("%s ignored: %s", w, werr.msg);
    }

  for (i = 0; i < sizeof (throttles) / sizeof (throttles[0]); i++)
    if ((ret = apply_blkio_throttle (dir, blkio, throttles[i].key, throttles[i].file, err)) < 0)
      return ret;
  return 0;
}

static int
apply_hugetlb (rt_cgroup_t *cg, json_t *list, rt_error_t *err)
{
  const char *dir = v1_dir (cg, "hugetlb");
  json_t *entry;
  size_t i;
  int ret;

  if (json_array_size (list) == 0)
    return 0;
  if (dir == NULL)
    {
      rt_warn ("linux.resources.hugepageLimits ignored: the `hugetlb` cgroup controller is not mounted");
      return 0;
    }
  json_array_foreach (list, i, entry)
  {
    cleanup_free char *file = NULL;
    const char *size = NULL;
    int64_t limit = 0;

    if ((ret = rt_cg_hugepage_limit (entry, i, &size, &limit, err)) < 0)
      return ret;
    file = rt_cg_xasprintf ("hugetlb.%s.limit_in_bytes", size);
    if ((ret = write_limit (dir, file, limit, err)) < 0)
      return ret;
  }
  return 0;
}

/* linux.resources.devices, in order, to devices.allow / devices.deny:
 * "c 1:3 rwm"; a missing type is "a", a missing major/minor "*". */
static int
apply_devices (rt_cgroup_t *cg, json_t *list, rt_error_t *err)
{
  const char *dir = v1_dir (cg, "devices");
  json_t *entry;
  size_t i;
  int ret;

  if (json_array_size (list) == 0)
    return 0;
  if (dir == NULL)
    {
      rt_warn ("linux.resources.devices ignored: the `devices` cgroup controller is not mounted");
      return 0;
    }
  json_array_foreach (list, i, entry)
  {
    cleanup_free char *where = rt_cg_xasprintf ("linux.resources.devices[%zu]", i);
    const char *type = "a", *access = "rwm", *c;
    int64_t major = -1, minor = -1;
    char smaj[24] = "*", smin[24] = "*";
    bool allow = false;

    if (! json_is_object (entry))
      return rt_fail (err, EINVAL, "%s: expected an object", where);
    if ((ret = rt_cg_json_bool (entry, "allow", where, &allow, err)) < 0)
      return ret;
    if (ret == 0)
      return rt_fail (err, EINVAL, "%s.allow: missing", where);
    if ((ret = rt_cg_json_string (entry, "type", where, &type, err)) < 0)
      return ret;
    if ((ret = rt_cg_json_string (entry, "access", where, &access, err)) < 0)
      return ret;
    if ((ret = rt_cg_json_int (entry, "major", where, &major, err)) < 0)
      return ret;
    if ((ret = rt_cg_json_int (entry, "minor", where, &minor, err)) < 0)
      return ret;
    if (strcmp (type, "a") != 0 && strcmp (type, "b") != 0 && strcmp (type, "c") != 0)
      return rt_fail (err, EINVAL, "%s.type: `%s` is not one of a, b, c", where, type);
    if (access[0] == '\0')
      access = "rwm";
    for (c = access; *c; c++)
      if (*c != 'r' && *c != 'w' && *c != 'm')
        return rt_fail (err, EINVAL, "%s.access: `%s` is not made of r, w, m", where, access);
    if (major >= 0)
      snprintf (smaj, sizeof (smaj), "%" PRId64, major);
    if (minor >= 0)
      snprintf (smin, sizeof (smin), "%" PRId64, minor);
    ret = rt_cg_writef (err, dir, allow ? "devices.allow" : "devices.deny", "%s %s:%s %s", type, smaj, smin, access);
    if (ret < 0)
      return ret;
  }
  return 0;
}

static int
v1_apply (rt_cgroup_t *cg, json_t *resources, rt_error_t *err)
{
  json_t *obj = NULL;
  int ret;

  ret = rt_cg_json_object (resources, "unified", "linux.resources", &obj, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && json_object_size (obj) > 0)
    return rt_fail (err, EOPNOTSUPP, "linux.resources.unified: needs cgroup v2, this host has cgroup v1");

  /* Devices first, as runc: a deny-all must land before the container runs. */
  ret = rt_cg_json_array (resources, "devices", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_devices (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "memory", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_memory (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "cpu", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_cpu (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "pids", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_pids (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "blockIO", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_blkio (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_array (resources, "hugepageLimits", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_hugetlb (cg, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "network", "linux.resources", &obj, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && json_object_size (obj) > 0)
    rt_warn ("linux.resources.network ignored: net_cls/net_prio are not supported");
  ret = rt_cg_json_object (resources, "rdma", "linux.resources", &obj, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && json_object_size (obj) > 0)
    rt_warn ("linux.resources.rdma ignored: not supported");
  return 0;
}

static int
read_freezer_state (const char *dir, char *state, size_t size, rt_error_t *err)
{
  cleanup_free char *content = NULL;
  int ret;

  ret = rt_cg_read (dir, "freezer.state", &content, err);
  if (ret < 0)
    return ret;
  content[strcspn (content, "\n")] = '\0';
  snprintf (state, size, "%s", content);
  return 0;
}

static int
v1_freeze (rt_cgroup_t *cg, bool frozen, rt_error_t *err)
{
  const char *dir = v1_dir (cg, "freezer");
  const char *want = frozen ? "FROZEN" : "THAWED";
  int64_t deadline = rt_cg_now_ms () + RT_CGROUP_FREEZE_TIMEOUT_MS;
  int ret, i;

  if (dir == NULL)
    return rt_fail (err, ENOTSUP, "freeze `%s`: the `freezer` cgroup controller is not mounted", cg->path);

  for (i = 0;; i++)
    {
      char state[32];

      /* Write on every round, as runc: the kernel only sends the freeze to
       * the tasks there at write time, and one that was forking or exiting
       * can leave the cgroup FREEZING; now and then thaw and retry. */
      if (frozen && i % 50 == 49)
        {
          rt_error_t ignored = { 0 };
          rt_cg_write (dir, "freezer.state", "THAWED", &ignored);
          rt_cg_sleep_ms (1);
        }
      if ((ret = rt_cg_write (dir, "freezer.state", want, err)) < 0)
        return ret;
      if ((ret = read_freezer_state (dir, state, sizeof (state), err)) < 0)
        return ret;
      if (strcmp (state, want) == 0)
        return 0;
      if (rt_cg_now_ms () > deadline)
        {
          if (frozen)
            {
              rt_error_t ignored = { 0 };
              rt_cg_write (dir, "freezer.state", "THAWED", &ignored);
            }
          return rt_fail (err, EBUSY, "%s `%s`: still %s after %d ms", frozen ? "freeze" : "thaw", dir, state,
                          RT_CGROUP_FREEZE_TIMEOUT_MS);
        }
      rt_cg_sleep_ms (1);
    }
}

static int
v1_is_frozen (rt_cgroup_t *cg, bool *frozen, rt_error_t *err)
{
  const char *dir = v1_dir (cg, "freezer");
  char state[32];
  int ret;

  if (dir == NULL)
    {
      *frozen = false;
      return 0;
    }
  ret = read_freezer_state (dir, state, sizeof (state), err);
  if (ret < 0)
    return ret;
  *frozen = strcmp (state, "FROZEN") == 0;
  return 0;
}

static int
v1_oom_killed (rt_cgroup_t *cg, bool *killed, rt_error_t *err)
{
  const char *dir = v1_dir (cg, "memory");
  int64_t n = 0;
  int ret;

  *killed = false;
  if (dir == NULL)
    return 0;
  /* "oom_kill N" appeared in 4.13; older kernels only say under_oom. */
  ret = rt_cg_read_key (dir, "memory.oom_control", "oom_kill", &n, err);
  if (ret < 0)
    return ret;
  *killed = ret > 0 && n > 0;
  return 0;
}

static const char *
v1_procs_dir (rt_cgroup_t *cg)
{
  static const char *const prefer[] = { "freezer", "memory", "pids", "cpu" };
  struct v1_priv *p = priv (cg);
  size_t i;

  for (i = 0; i < sizeof (prefer) / sizeof (prefer[0]); i++)
    {
      const char *dir = v1_dir (cg, prefer[i]);
      if (dir)
        return dir;
    }
  for (i = 0; i < p->n; i++)
    if (p->h[i].present)
      return p->h[i].dir;
  return NULL;
}

static int
v1_kill_all (rt_cgroup_t *cg, rt_error_t *err)
{
  /* No cgroup.kill in v1: the caller freezes and kills pid by pid. */
  (void) cg;
  (void) err;
  return 0;
}

static int
v1_remove (rt_cgroup_t *cg, rt_error_t *err)
{
  struct v1_priv *p = priv (cg);
  size_t i;
  int ret, first = 0;

  /* Try every hierarchy, report the first failure. */
  for (i = 0; i < p->n; i++)
    {
      rt_error_t one = { 0 };

      ret = rt_cg_rmdir_tree (p->h[i].dir, &one);
      if (ret == 0)
        rt_cg_prune_default_parent (p->h[i].dir);
      if (ret < 0 && first == 0)
        {
          *err = one;
          first = ret;
        }
    }
  return first;
}

const struct rt_cgroup_manager rt_cgroup_manager_v1 = {
  .version = 1,
  .init = v1_init,
  .create = v1_create,
  .check_exists = v1_check_exists,
  .apply = v1_apply,
  .enter = v1_enter,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .oom_killed = v1_oom_killed,
  .procs_dir = v1_procs_dir,
  .kill_all = v1_kill_all,
  .remove = v1_remove,
  .free_priv = v1_free_priv,
};
