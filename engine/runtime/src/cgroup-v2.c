/* cgroup v2 backend: one directory, <root><path>, in the unified hierarchy.
 * Controllers are enabled top-down in the cgroup.subtree_control of every
 * ancestor (never in the leaf, which holds processes). Limits follow runc and
 * crun's v1 -> v2 mapping:
 *   memory.limit -> memory.max, reservation -> memory.low,
 *   swap -> memory.swap.max = swap - limit, -1 -> "max"
 *   cpu.shares -> cpu.weight (rt_cg_shares_to_weight), quota/period -> cpu.max
 *   cpu.cpus/mems -> cpuset.cpus/mems, pids.limit -> pids.max
 *   blockIO -> io.bfq.weight / io.weight, io.max; hugepageLimits -> hugetlb.<size>.max
 *   unified -> written as is, last, so it wins.
 * Gaps: linux.resources.devices needs an eBPF program (BPF_CGROUP_DEVICE) in
 * v2 and is not applied; memory.swappiness, memory.kernel*, disableOOMKiller
 * and cpu realtime* have no v2 file and are ignored with a warning. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-internal.h"

/* Enabled in every ancestor when the parent offers them. */
static const char *const wanted_controllers[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

struct v2_priv
{
  char *dir; /* <root><path> */
};

static const char *
v2_dir (rt_cgroup_t *cg)
{
  return ((struct v2_priv *) cg->priv)->dir;
}

static void
v2_free_priv (rt_cgroup_t *cg)
{
  struct v2_priv *p = cg->priv;

  if (p == NULL)
    return;
  free (p->dir);
  free (p);
  cg->priv = NULL;
}

static int
v2_init (rt_cgroup_t *cg, rt_error_t *err)
{
  struct v2_priv *p = calloc (1, sizeof (*p));

  if (p == NULL)
    return rt_fail (err, ENOMEM, "allocate cgroup");
  p->dir = rt_cg_xasprintf ("%s%s", cg->root, cg->path);
  cg->priv = p;
  return 0;
}

static bool
word_in (const char *list, const char *word)
{
  size_t len = strlen (word);
  const char *p = list;

  while ((p = strstr (p, word)))
    {
      bool start = p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '+';
      bool end = p[len] == '\0' || p[len] == ' ' || p[len] == '\n';
      if (start && end)
        return true;
      p += len;
    }
  return false;
}

/* Called top-down for each component: enable in `parent` what it offers. */
static int
enable_in_parent (const char *parent, const char *dir, void *data, rt_error_t *err)
{
  cleanup_free char *available = NULL;
  char line[256] = "";
  size_t i, len = 0;
  int ret;

  (void) dir;
  (void) data;
  ret = rt_cg_read (parent, "cgroup.controllers", &available, err);
  if (ret < 0)
    return ret;
  for (i = 0; i < sizeof (wanted_controllers) / sizeof (wanted_controllers[0]); i++)
    if (word_in (available, wanted_controllers[i]))
      len += snprintf (line + len, sizeof (line) - len, "%s+%s", len ? " " : "", wanted_controllers[i]);
  if (len == 0)
    return 0;

  /* All at once; if the kernel refuses one, enable them one by one so the
   * others still work. */
  ret = rt_cg_write (parent, "cgroup.subtree_control", line, err);
  if (ret == 0)
    return 0;
  if (err->status == ENOENT)
    return ret;
  for (i = 0; i < sizeof (wanted_controllers) / sizeof (wanted_controllers[0]); i++)
    {
      rt_error_t one = { 0 };

      if (! word_in (available, wanted_controllers[i]))
        continue;
      if (rt_cg_writef (&one, parent, "cgroup.subtree_control", "+%s", wanted_controllers[i]) < 0)
        rt_warn ("cannot enable the `%s` controller: %s", wanted_controllers[i], one.msg);
    }
  return 0;
}

static int
v2_create (rt_cgroup_t *cg, rt_error_t *err)
{
  return rt_cg_mkdir_p (cg->root, cg->path, &cg->created_leaf, enable_in_parent, NULL, err);
}

static int
v2_check_exists (rt_cgroup_t *cg, rt_error_t *err)
{
  struct stat st;

  if (stat (v2_dir (cg), &st) < 0)
    return rt_fail (err, errno, "stat `%s`", v2_dir (cg));
  if (! S_ISDIR (st.st_mode))
    return rt_fail (err, ENOTDIR, "stat `%s`", v2_dir (cg));
  return 0;
}

static int
v2_enter (rt_cgroup_t *cg, pid_t pid, rt_error_t *err)
{
  return rt_cg_writef (err, v2_dir (cg), "cgroup.procs", "%d", (int) pid);
}

/* Write a limit file; a missing file means the controller is off. */
static int
write_ctl (const char *dir, const char *file, const char *value, rt_error_t *err)
{
  int ret = rt_cg_write (dir, file, value, err);

  if (ret < 0 && err->status == ENOENT)
    {
      char controller[64];

      snprintf (controller, sizeof (controller), "%.*s", (int) strcspn (file, "."), file);
      return rt_fail (err, ENOENT, "write `%s/%s`: the `%s` controller is not enabled for this cgroup", dir, file,
                      controller);
    }
  return ret;
}

static int
write_max (const char *dir, const char *file, int64_t v, rt_error_t *err)
{
  char buf[32];

  if (v < 0)
    return write_ctl (dir, file, "max", err);
  snprintf (buf, sizeof (buf), "%" PRId64, v);
  return write_ctl (dir, file, buf, err);
}

static int
apply_memory (const char *dir, json_t *mem, rt_error_t *err)
{
  static const char *const where = "linux.resources.memory";
  static const char *const ignored[] = { "kernel", "kernelTCP", "swappiness" };
  int64_t limit = 0, swap = 0, v = 0;
  int has_limit, has_swap, ret;
  size_t i;
  bool b = false;

  has_limit = rt_cg_json_int (mem, "limit", where, &limit, err);
  if (has_limit < 0)
    return has_limit;
  has_swap = rt_cg_json_int (mem, "swap", where, &swap, err);
  if (has_swap < 0)
    return has_swap;

  /* OCI swap is memory+swap; memory.swap.max is the swap alone. */
  if (has_swap && swap != 0)
    {
      int64_t swap_only;

      if (swap < 0)
        swap_only = -1;
      else if (! has_limit || limit <= 0)
        return rt_fail (err, EINVAL, "%s.swap: a swap limit needs a memory limit", where);
      else if (swap < limit)
        return rt_fail (err, EINVAL, "%s.swap: %" PRId64 " is below memory.limit %" PRId64 " (it is memory+swap)",
                        where, swap, limit);
      else
        swap_only = swap - limit;

      ret = write_max (dir, "memory.swap.max", swap_only, err);
      if (ret < 0 && err->status == ENOENT && rt_cg_file_exists (dir, "memory.max"))
        rt_warn ("%s.swap ignored: swap accounting is off in this kernel (no memory.swap.max)", where);
      else if (ret < 0)
        return ret;
    }
  if (has_limit && (ret = write_max (dir, "memory.max", limit, err)) < 0)
    return ret;

  ret = rt_cg_json_int (mem, "reservation", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = write_max (dir, "memory.low", v, err)) < 0)
    return ret;

  for (i = 0; i < sizeof (ignored) / sizeof (ignored[0]); i++)
    {
      ret = rt_cg_json_int (mem, ignored[i], where, &v, err);
      if (ret < 0)
        return ret;
      if (ret > 0)
        rt_warn ("%s.%s ignored: no cgroup v2 equivalent", where, ignored[i]);
    }
  ret = rt_cg_json_bool (mem, "disableOOMKiller", where, &b, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && b)
    rt_warn ("%s.disableOOMKiller ignored: no cgroup v2 equivalent", where);
  return 0;
}

static int
apply_cpu (const char *dir, json_t *cpu, rt_error_t *err)
{
  static const char *const where = "linux.resources.cpu";
  int64_t shares = 0, quota = 0, period = 0, v = 0;
  int has_quota, has_period, ret;
  const char *s = NULL;

  ret = rt_cg_json_int (cpu, "shares", where, &shares, err);
  if (ret < 0)
    return ret;
  /* Docker uses shares 0 for "not set". */
  if (ret > 0 && shares > 0)
    {
      char w[32];

      snprintf (w, sizeof (w), "%" PRIu64, rt_cg_shares_to_weight ((uint64_t) shares));
      if ((ret = write_ctl (dir, "cpu.weight", w, err)) < 0)
        return ret;
    }

  has_quota = rt_cg_json_int (cpu, "quota", where, &quota, err);
  if (has_quota < 0)
    return has_quota;
  has_period = rt_cg_json_int (cpu, "period", where, &period, err);
  if (has_period < 0)
    return has_period;
  if (quota == 0)
    has_quota = 0;
  if (period == 0)
    has_period = 0;
  if (has_quota || has_period)
    {
      char q[32] = "max";

      if (has_quota && quota > 0)
        snprintf (q, sizeof (q), "%" PRId64, quota);
      if (has_period)
        ret = rt_cg_writef (err, dir, "cpu.max", "%s %" PRId64, q, period);
      else
        ret = write_ctl (dir, "cpu.max", q, err);
      if (ret < 0)
        return ret;
    }

  ret = rt_cg_json_int (cpu, "burst", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = rt_cg_writef (err, dir, "cpu.max.burst", "%" PRId64, v)) < 0)
    return ret;
  ret = rt_cg_json_int (cpu, "idle", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (ret = rt_cg_writef (err, dir, "cpu.idle", "%" PRId64, v)) < 0)
    return ret;
  for (size_t i = 0; i < 2; i++)
    {
      const char *key = i == 0 ? "realtimePeriod" : "realtimeRuntime";

      ret = rt_cg_json_int (cpu, key, where, &v, err);
      if (ret < 0)
        return ret;
      if (ret > 0 && v != 0)
        rt_warn ("%s.%s ignored: no cgroup v2 equivalent", where, key);
    }

  ret = rt_cg_json_string (cpu, "cpus", where, &s, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && s[0] && (ret = write_ctl (dir, "cpuset.cpus", s, err)) < 0)
    return ret;
  ret = rt_cg_json_string (cpu, "mems", where, &s, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && s[0] && (ret = write_ctl (dir, "cpuset.mems", s, err)) < 0)
    return ret;
  return 0;
}

static int
apply_pids (const char *dir, json_t *pids, rt_error_t *err)
{
  int64_t limit = 0;
  int ret;

  ret = rt_cg_json_int (pids, "limit", "linux.resources.pids", &limit, err);
  if (ret <= 0)
    return ret;
  /* 0 and -1 both mean unlimited (runc, Docker). */
  return write_max (dir, "pids.max", limit <= 0 ? -1 : limit, err);
}

static int
apply_io (const char *dir, json_t *blkio, rt_error_t *err)
{
  static const char *const where = "linux.resources.blockIO";
  static const struct
  {
    const char *key, *field;
  } throttles[] = {
    { "throttleReadBpsDevice", "rbps" },
    { "throttleWriteBpsDevice", "wbps" },
    { "throttleReadIOPSDevice", "riops" },
    { "throttleWriteIOPSDevice", "wiops" },
  };
  json_t *list = NULL, *entry;
  int64_t v = 0;
  size_t i, j;
  int ret;

  /* Weights need BFQ (io.bfq.weight, the v1 scale) or io.cost (io.weight):
   * many kernels have neither, so only warn. */
  ret = rt_cg_json_int (blkio, "weight", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v > 0)
    {
      rt_error_t werr = { 0 };
      if (rt_cg_writef (&werr, dir, "io.bfq.weight", "%" PRId64, v) < 0
          && rt_cg_writef (&werr, dir, "io.weight", "default %" PRIu64, rt_cg_blkio_weight_to_io_weight (v)) < 0)
        rt_warn ("%s.weight ignored: %s", where, werr.msg);
    }
  ret = rt_cg_json_int (blkio, "leafWeight", where, &v, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && v > 0)
    rt_warn ("%s.leafWeight ignored: no cgroup v2 equivalent", where);
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
          && rt_cg_writef (&werr, dir, "io.bfq.weight", "%" PRId64 ":%" PRId64 " %" PRId64, major, minor, weight)
                 < 0)
        rt_warn ("%s ignored: %s", w, werr.msg);
    }

  for (i = 0; i < sizeof (throttles) / sizeof (throttles[0]); i++)
    {
      ret = rt_cg_json_array (blkio, throttles[i].key, where, &list, err);
      if (ret < 0)
        return ret;
      if (ret == 0)
        continue;
      json_array_foreach (list, j, entry)
      {
        cleanup_free char *w = rt_cg_xasprintf ("%s.%s[%zu]", where, throttles[i].key, j);
        int64_t major, minor, rate = 0;

        if ((ret = rt_cg_json_device (entry, w, &major, &minor, err)) < 0)
          return ret;
        if ((ret = rt_cg_json_int (entry, "rate", w, &rate, err)) < 0)
          return ret;
        if (rate > 0)
          ret = rt_cg_writef (err, dir, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRId64, major, minor,
                              throttles[i].field, rate);
        else
          ret = rt_cg_writef (err, dir, "io.max", "%" PRId64 ":%" PRId64 " %s=max", major, minor,
                              throttles[i].field);
        if (ret < 0)
          return ret;
      }
    }
  return 0;
}

static int
apply_hugetlb (const char *dir, json_t *list, rt_error_t *err)
{
  json_t *entry;
  size_t i;
  int ret;

  json_array_foreach (list, i, entry)
  {
    cleanup_free char *file = NULL;
    const char *size = NULL;
    int64_t limit = 0;

    if ((ret = rt_cg_hugepage_limit (entry, i, &size, &limit, err)) < 0)
      return ret;
    file = rt_cg_xasprintf ("hugetlb.%s.max", size);
    if ((ret = write_max (dir, file, limit, err)) < 0)
      return ret;
  }
  return 0;
}

/* linux.resources.unified: raw "file": "value" pairs, written last. */
static int
apply_unified (const char *dir, json_t *unified, rt_error_t *err)
{
  static const char *const forbidden[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill", "cgroup.freeze",
                                           "cgroup.subtree_control" };
  const char *key;
  json_t *value;
  size_t i;
  int ret;

  json_object_foreach (unified, key, value)
  {
    if (! json_is_string (value))
      return rt_fail (err, EINVAL, "linux.resources.unified.%s: expected a string", key);
    if (key[0] == '\0' || key[0] == '.' || strchr (key, '/') || ! strchr (key, '.'))
      return rt_fail (err, EINVAL, "linux.resources.unified: invalid key `%s`", key);
    for (i = 0; i < sizeof (forbidden) / sizeof (forbidden[0]); i++)
      if (strcmp (key, forbidden[i]) == 0)
        return rt_fail (err, EINVAL, "linux.resources.unified: `%s` cannot be set here", key);
    ret = write_ctl (dir, key, json_string_value (value), err);
    if (ret < 0)
      return ret;
  }
  return 0;
}

static int
v2_apply (rt_cgroup_t *cg, json_t *resources, rt_error_t *err)
{
  const char *dir = v2_dir (cg);
  json_t *obj = NULL;
  int ret;

  ret = rt_cg_json_object (resources, "memory", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_memory (dir, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "cpu", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_cpu (dir, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "pids", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_pids (dir, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_object (resources, "blockIO", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_io (dir, obj, err)) < 0))
    return ret;
  ret = rt_cg_json_array (resources, "hugepageLimits", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_hugetlb (dir, obj, err)) < 0))
    return ret;
  /* devices: needs a BPF_CGROUP_DEVICE program; not implemented (gap). */
  ret = rt_cg_json_object (resources, "network", "linux.resources", &obj, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && json_object_size (obj) > 0)
    rt_warn ("linux.resources.network ignored: no cgroup v2 equivalent");
  ret = rt_cg_json_object (resources, "rdma", "linux.resources", &obj, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && json_object_size (obj) > 0)
    rt_warn ("linux.resources.rdma ignored: not supported");
  ret = rt_cg_json_object (resources, "unified", "linux.resources", &obj, err);
  if (ret < 0 || (ret > 0 && (ret = apply_unified (dir, obj, err)) < 0))
    return ret;
  return 0;
}

static int
v2_is_frozen (rt_cgroup_t *cg, bool *frozen, rt_error_t *err)
{
  int64_t v = 0;
  int ret;

  ret = rt_cg_read_key (v2_dir (cg), "cgroup.events", "frozen", &v, err);
  if (ret < 0)
    return ret;
  *frozen = ret > 0 && v == 1;
  return 0;
}

static int
v2_freeze (rt_cgroup_t *cg, bool frozen, rt_error_t *err)
{
  const char *dir = v2_dir (cg);
  int64_t deadline = rt_cg_now_ms () + RT_CGROUP_FREEZE_TIMEOUT_MS;
  int ret;

  ret = rt_cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", err);
  if (ret < 0)
    {
      if (err->status == ENOENT)
        return rt_fail (err, ENOTSUP, "%s `%s`: cgroup.freeze is missing (kernel < 5.2)", frozen ? "freeze" : "thaw",
                        dir);
      return ret;
    }
  for (;;)
    {
      bool now;

      ret = v2_is_frozen (cg, &now, err);
      if (ret < 0)
        return ret;
      if (now == frozen)
        return 0;
      if (rt_cg_now_ms () > deadline)
        {
          if (frozen)
            {
              rt_error_t ignored = { 0 };
              rt_cg_write (dir, "cgroup.freeze", "0", &ignored);
            }
          return rt_fail (err, EBUSY, "%s `%s`: cgroup.events does not say frozen %d after %d ms",
                          frozen ? "freeze" : "thaw", dir, frozen ? 1 : 0, RT_CGROUP_FREEZE_TIMEOUT_MS);
        }
      rt_cg_sleep_ms (2);
    }
}

static int
v2_oom_killed (rt_cgroup_t *cg, bool *killed, rt_error_t *err)
{
  int64_t n = 0;
  int ret;

  *killed = false;
  if (! rt_cg_file_exists (v2_dir (cg), "memory.events"))
    return 0; /* memory controller off: nothing can tell */
  ret = rt_cg_read_key (v2_dir (cg), "memory.events", "oom_kill", &n, err);
  if (ret < 0)
    return ret;
  *killed = ret > 0 && n > 0;
  return 0;
}

static const char *
v2_procs_dir (rt_cgroup_t *cg)
{
  return v2_dir (cg);
}

/* cgroup.kill (5.14+) kills the whole subtree atomically. */
static int
v2_kill_all (rt_cgroup_t *cg, rt_error_t *err)
{
  int ret;

  if (! rt_cg_file_exists (v2_dir (cg), "cgroup.kill"))
    return 0;
  ret = rt_cg_write (v2_dir (cg), "cgroup.kill", "1", err);
  if (ret < 0)
    return err->status == ENOENT ? 0 : ret;
  return 1;
}

static int
v2_remove (rt_cgroup_t *cg, rt_error_t *err)
{
  int ret = rt_cg_rmdir_tree (v2_dir (cg), err);
  if (ret == 0)
    rt_cg_prune_default_parent (v2_dir (cg));
  return ret;
}

const struct rt_cgroup_manager rt_cgroup_manager_v2 = {
  .version = 2,
  .init = v2_init,
  .create = v2_create,
  .check_exists = v2_check_exists,
  .apply = v2_apply,
  .enter = v2_enter,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .oom_killed = v2_oom_killed,
  .procs_dir = v2_procs_dir,
  .kill_all = v2_kill_all,
  .remove = v2_remove,
  .free_priv = v2_free_priv,
};
