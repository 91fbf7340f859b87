/* cgroups: the public lifecycle (include/cgroups.h), backend choice, and the
 * file and path helpers both backends use. The backends are cgroup-v1.c and
 * cgroup-v2.c, each a struct rt_cgroup_manager (cgroup-internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---- helpers ---------------------------------------------------------- */

char *
rt_cg_xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int ret;

  va_start (ap, fmt);
  ret = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (ret < 0)
    {
      fprintf (stderr, "tscompose-runtime: out of memory\n");
      abort ();
    }
  return s;
}

int
rt_cg_write (const char *dir, const char *file, const char *value, rt_error_t *err)
{
  cleanup_free char *path = rt_cg_xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = -1;
  size_t len = strlen (value);
  ssize_t ret;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", path);

  do
    ret = write (fd, value, len);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    return rt_fail (err, errno, "write `%s`", path);
  if ((size_t) ret != len)
    return rt_fail (err, EIO, "write `%s`: short write", path);
  return 0;
}

int
rt_cg_writef (rt_error_t *err, const char *dir, const char *file, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = vasprintf (&value, fmt, ap);
  va_end (ap);
  if (ret < 0)
    return rt_fail (err, ENOMEM, "format value for `%s/%s`", dir, file);
  return rt_cg_write (dir, file, value, err);
}

int
rt_cg_read (const char *dir, const char *file, char **out, rt_error_t *err)
{
  cleanup_free char *path = rt_cg_xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = -1;
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", path);

  for (;;)
    {
      ssize_t ret;

      if (cap - len < 4096)
        {
          char *n;

          cap = cap ? cap * 2 : 8192;
          n = realloc (buf, cap);
          if (n == NULL)
            return rt_fail (err, ENOMEM, "read `%s`", path);
          buf = n;
        }
      ret = read (fd, buf + len, cap - len - 1);
      if (ret < 0 && errno == EINTR)
        continue;
      if (ret < 0)
        return rt_fail (err, errno, "read `%s`", path);
      if (ret == 0)
        break;
      len += ret;
    }
  buf[len] = '\0';
  *out = buf;
  buf = NULL;
  return (int) len;
}

int
rt_cg_read_key (const char *dir, const char *file, const char *key, int64_t *value, rt_error_t *err)
{
  cleanup_free char *content = NULL;
  size_t klen = strlen (key);
  char *line, *saveptr = NULL;
  int ret;

  ret = rt_cg_read (dir, file, &content, err);
  if (ret < 0)
    return ret;

  for (line = strtok_r (content, "\n", &saveptr); line; line = strtok_r (NULL, "\n", &saveptr))
    {
      char *end;

      if (strncmp (line, key, klen) != 0 || line[klen] != ' ')
        continue;
      errno = 0;
      *value = strtoll (line + klen + 1, &end, 10);
      if (errno != 0 || end == line + klen + 1)
        return rt_fail (err, errno ? errno : EINVAL, "parse `%s` in `%s/%s`", line, dir, file);
      return 1;
    }
  return 0;
}

static int
append_pids_from (const char *dir, bool recurse, pid_t **pids, size_t *n, size_t *cap, rt_error_t *err)
{
  cleanup_free char *content = NULL;
  char *line, *saveptr = NULL;
  int ret;

  ret = rt_cg_read (dir, "cgroup.procs", &content, err);
  if (ret < 0)
    {
      /* The cgroup went away under us: nothing in it. */
      if (err->status == ENOENT || err->status == ENODEV)
        return 0;
      return ret;
    }

  for (line = strtok_r (content, "\n", &saveptr); line; line = strtok_r (NULL, "\n", &saveptr))
    {
      char *end;
      long v;

      errno = 0;
      v = strtol (line, &end, 10);
      if (errno != 0 || end == line || v <= 0)
        continue;
      if (*n == *cap)
        {
          size_t ncap = *cap ? *cap * 2 : 16;
          pid_t *np = realloc (*pids, ncap * sizeof (pid_t));
          if (np == NULL)
            return rt_fail (err, ENOMEM, "read `%s/cgroup.procs`", dir);
          *pids = np;
          *cap = ncap;
        }
      (*pids)[(*n)++] = (pid_t) v;
    }

  if (recurse)
    {
      DIR *d = opendir (dir);
      struct dirent *de;

      if (d == NULL)
        {
          if (errno == ENOENT)
            return 0;
          return rt_fail (err, errno, "opendir `%s`", dir);
        }
      while ((de = readdir (d)))
        {
          cleanup_free char *sub = NULL;

          if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
            continue;
          sub = rt_cg_xasprintf ("%s/%s", dir, de->d_name);
          ret = append_pids_from (sub, true, pids, n, cap, err);
          if (ret < 0)
            {
              closedir (d);
              return ret;
            }
        }
      closedir (d);
    }
  return 0;
}

int
rt_cg_read_pids (const char *dir, bool recurse, pid_t **pids, size_t *n, rt_error_t *err)
{
  pid_t *out = NULL;
  size_t count = 0, cap = 0;
  int ret;

  ret = append_pids_from (dir, recurse, &out, &count, &cap, err);
  if (ret < 0)
    {
      free (out);
      return ret;
    }
  *pids = out;
  *n = count;
  return 0;
}

int
rt_cg_mkdir_p (const char *base, const char *path, bool *created_leaf,
               int (*on_dir) (const char *parent, const char *dir, void *data, rt_error_t *err), void *data,
               rt_error_t *err)
{
  cleanup_free char *dir = rt_cg_xasprintf ("%s%s", base, path);
  size_t base_len = strlen (base);
  char *p;
  int ret;

  *created_leaf = false;
  /* Walk the components after `base`: /tscompose, then /tscompose/<id>. */
  for (p = dir + base_len + 1;; p++)
    {
      bool last = (*p == '\0');

      if (*p != '/' && ! last)
        continue;
      *p = '\0';
      ret = mkdir (dir, 0755);
      /* A concurrent destroy may have just pruned our empty parent: retry. */
      for (int tries = 0; ret < 0 && errno == ENOENT && tries < 3; tries++)
        {
          char *slash = strrchr (dir, '/');
          if (slash == NULL || slash == dir)
            break;
          *slash = '\0';
          if (mkdir (dir, 0755) < 0 && errno != EEXIST)
            {
              *slash = '/';
              break;
            }
          *slash = '/';
          ret = mkdir (dir, 0755);
        }
      if (ret < 0 && errno != EEXIST)
        return rt_fail (err, errno, "mkdir `%s`", dir);
      if (last)
        *created_leaf = (ret == 0);
      if (on_dir)
        {
          cleanup_free char *parent = strdup (dir);
          char *slash;

          if (parent == NULL)
            return rt_fail (err, ENOMEM, "mkdir `%s`", dir);
          slash = strrchr (parent, '/');
          *slash = '\0';
          ret = on_dir (parent, dir, data, err);
          if (ret < 0)
            return ret;
        }
      if (last)
        break;
      *p = '/';
    }
  return 0;
}

int
rt_cg_rmdir_tree (const char *dir, rt_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int ret;

  d = opendir (dir);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return rt_fail (err, errno, "opendir `%s`", dir);
    }
  while ((de = readdir (d)))
    {
      cleanup_free char *sub = NULL;

      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = rt_cg_xasprintf ("%s/%s", dir, de->d_name);
      ret = rt_cg_rmdir_tree (sub, err);
      if (ret < 0)
        {
          closedir (d);
          return ret;
        }
    }
  closedir (d);

  if (rmdir (dir) < 0 && errno != ENOENT)
    return rt_fail (err, errno, "rmdir `%s`", dir);
  return 0;
}

/* After a container cgroup is removed, remove its parent too when it is our
 * own default prefix (`.../tscompose`) and now empty; a parent with other
 * children (EBUSY/ENOTEMPTY) or any other parent is left alone. */
void
rt_cg_prune_default_parent (const char *leaf)
{
  cleanup_free char *parent = strdup (leaf);
  char *slash = parent ? strrchr (parent, '/') : NULL;

  if (slash == NULL)
    return;
  *slash = '\0';
  slash = strrchr (parent, '/');
  if (slash && strcmp (slash + 1, RT_CGROUP_DEFAULT_PREFIX) == 0)
    (void) rmdir (parent);
}

bool
rt_cg_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = rt_cg_xasprintf ("%s/%s", dir, file);

  return access (path, F_OK) == 0;
}

void
rt_cg_sleep_ms (unsigned ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

int64_t
rt_cg_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- JSON accessors ---------------------------------------------------- */

int
rt_cg_json_int (json_t *obj, const char *key, const char *where, int64_t *out, rt_error_t *err)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (! json_is_integer (v))
    return rt_fail (err, EINVAL, "%s.%s: expected an integer", where, key);
  *out = (int64_t) json_integer_value (v);
  return 1;
}

int
rt_cg_json_bool (json_t *obj, const char *key, const char *where, bool *out, rt_error_t *err)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (! json_is_boolean (v))
    return rt_fail (err, EINVAL, "%s.%s: expected a boolean", where, key);
  *out = json_is_true (v);
  return 1;
}

int
rt_cg_json_string (json_t *obj, const char *key, const char *where, const char **out, rt_error_t *err)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (! json_is_string (v))
    return rt_fail (err, EINVAL, "%s.%s: expected a string", where, key);
  *out = json_string_value (v);
  return 1;
}

int
rt_cg_json_object (json_t *obj, const char *key, const char *where, json_t **out, rt_error_t *err)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (! json_is_object (v))
    return rt_fail (err, EINVAL, "%s.%s: expected an object", where, key);
  *out = v;
  return 1;
}

int
rt_cg_json_array (json_t *obj, const char *key, const char *where, json_t **out, rt_error_t *err)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (! json_is_array (v))
    return rt_fail (err, EINVAL, "%s.%s: expected an array", where, key);
  *out = v;
  return 1;
}

/* One linux.resources.hugepageLimits entry: its page size (no `/`) and limit.
 * Both backends use it; they differ only in the file they write. */
int
rt_cg_hugepage_limit (json_t *entry, size_t i, const char **size, int64_t *limit, rt_error_t *err)
{
  cleanup_free char *where = rt_cg_xasprintf ("linux.resources.hugepageLimits[%zu]", i);
  int ret;

  if ((ret = rt_cg_json_string (entry, "pageSize", where, size, err)) < 0)
    return ret;
  if (ret == 0 || strchr (*size, '/'))
    return rt_fail (err, EINVAL, "%s.pageSize: missing or invalid", where);
  return rt_cg_json_int (entry, "limit", where, limit, err);
}

int
rt_cg_json_device (json_t *entry, const char *where, int64_t *major, int64_t *minor, rt_error_t *err)
{
  int ret;

  if (! json_is_object (entry))
    return rt_fail (err, EINVAL, "%s: expected an object", where);
  ret = rt_cg_json_int (entry, "major", where, major, err);
  if (ret < 0)
    return ret;
  if (ret == 0)
    return rt_fail (err, EINVAL, "%s.major: missing", where);
  ret = rt_cg_json_int (entry, "minor", where, minor, err);
  if (ret < 0)
    return ret;
  if (ret == 0)
    return rt_fail (err, EINVAL, "%s.minor: missing", where);
  return 0;
}

/* ---- conversions ------------------------------------------------------- */

/* Natural log and exp in plain C, so the runtime needs no libm: ln by
 * atanh series on the mantissa, exp by range reduction and Taylor. Both are
 * within a few ulps over the range used here (checked against libm in
 * tests/cgroup-test.c for every share value). */
#define CG_LN2 0.69314718055994530942
#define CG_LN10 2.30258509299404568402

static double
cg_log2 (double x)
{
  double t, t2, term, sum = 0.0;
  int e = 0, k;

  while (x >= 2.0)
    {
      x /= 2.0;
      e++;
    }
  while (x < 1.0)
    {
      x *= 2.0;
      e--;
    }
  if (x == 1.0)
    return e;
  t = (x - 1.0) / (x + 1.0);
  t2 = t * t;
  term = t;
  for (k = 1; k < 80; k += 2)
    {
      sum += term / k;
      term *= t2;
    }
  return e + (2.0 * sum) / CG_LN2;
}

static double
cg_exp (double y)
{
  double r, term = 1.0, sum = 1.0, scale = 1.0;
  long n;
  int k;

  n = (long) (y / CG_LN2 + (y >= 0 ? 0.5 : -0.5));
  r = y - n * CG_LN2;
  for (k = 1; k < 30; k++)
    {
      term *= r / k;
      sum += term;
    }
  for (; n > 0; n--)
    scale *= 2.0;
  for (; n < 0; n++)
    scale /= 2.0;
  return sum * scale;
}

/* 10^y with an exact result for whole y. */
static double
cg_pow10 (double y)
{
  double whole = (double) (long) y, p = 1.0;
  long i;

  if (whole > y)
    whole -= 1.0;
  for (i = 0; i < (long) whole; i++)
    p *= 10.0;
  if (y == whole)
    return p;
  return p * cg_exp ((y - whole) * CG_LN10);
}

uint64_t
rt_cg_shares_to_weight (uint64_t shares)
{
  double l, exponent, v;
  uint64_t w;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;

  l = cg_log2 ((double) shares);
  exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  v = cg_pow10 (exponent);
  w = (uint64_t) v;
  if ((double) w < v)
    w++;
  return w;
}

uint64_t
rt_cg_blkio_weight_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

/* ---- backend choice ---------------------------------------------------- */

const char *
rt_cgroup_root (void)
{
  const char *root = getenv (RT_CGROUP_ROOT_ENV);

  if (root && root[0])
    return root;
  return RT_CGROUP_DEFAULT_ROOT;
}

int
rt_cgroup_version_at (const char *root)
{
  struct statfs sfs;

  if (statfs (root, &sfs) == 0 && (unsigned long) sfs.f_type == (unsigned long) CGROUP2_SUPER_MAGIC)
    return 2;
  /* A fake root for tests is a plain directory: a v2 root is told apart by
   * its cgroup.controllers (the v1 tmpfs at /sys/fs/cgroup has none). */
  if (rt_cg_file_exists (root, "cgroup.controllers"))
    return 2;
  return 1;
}

int
rt_cgroup_version (void)
{
  return rt_cgroup_version_at (rt_cgroup_root ());
}

const struct rt_cgroup_manager *
rt_cgroup_manager_for (int version)
{
  switch (version)
    {
    case 2:
      return &rt_cgroup_manager_v2;
    default:
      return &rt_cgroup_manager_v1;
    }
}

/* ---- paths ------------------------------------------------------------- */

char *
rt_cgroup_path_for (const char *id, const char *cgroups_path)
{
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    return rt_cg_xasprintf ("/tscompose/%s", id);
  /* Relative paths are relative to the hierarchy root, as absolute ones. */
  if (cgroups_path[0] != '/')
    return rt_cg_xasprintf ("/%s", cgroups_path);
  return rt_cg_xasprintf ("%s", cgroups_path);
}

/* "/a//b/" -> "/a/b"; refuse "..", "." and the root itself. */
static int
normalize_path (const char *path, char **out, rt_error_t *err)
{
  cleanup_free char *copy = NULL;
  char *buf, *tok, *saveptr = NULL;
  size_t len = 0;

  if (path == NULL)
    return rt_fail (err, EINVAL, "cgroup path: missing");
  copy = strdup (path);
  buf = malloc (strlen (path) + 2);
  if (copy == NULL || buf == NULL)
    {
      free (buf);
      return rt_fail (err, ENOMEM, "cgroup path `%s`", path);
    }
  for (tok = strtok_r (copy, "/", &saveptr); tok; tok = strtok_r (NULL, "/", &saveptr))
    {
      if (strcmp (tok, ".") == 0 || strcmp (tok, "..") == 0)
        {
          free (buf);
          return rt_fail (err, EINVAL, "invalid cgroup path `%s`: `%s` component", path, tok);
        }
      buf[len++] = '/';
      memcpy (buf + len, tok, strlen (tok));
      len += strlen (tok);
    }
  buf[len] = '\0';
  if (len == 0)
    {
      free (buf);
      return rt_fail (err, EINVAL, "invalid cgroup path `%s`: the root cgroup cannot be a container's", path);
    }
  *out = buf;
  return 0;
}

static int
cgroup_new (const struct rt_cgroup_manager *manager, const char *root, const char *path, rt_cgroup_t **out,
            rt_error_t *err)
{
  rt_cgroup_t *cg;
  int ret;

  cg = calloc (1, sizeof (*cg));
  if (cg == NULL)
    return rt_fail (err, ENOMEM, "allocate cgroup");
  cg->manager = manager;
  cg->root = strdup (root);
  if (cg->root == NULL)
    {
      free (cg);
      return rt_fail (err, ENOMEM, "allocate cgroup");
    }
  /* Drop a trailing slash of the root so paths join as root + path. */
  while (strlen (cg->root) > 1 && cg->root[strlen (cg->root) - 1] == '/')
    cg->root[strlen (cg->root) - 1] = '\0';
  ret = normalize_path (path, &cg->path, err);
  if (ret == 0)
    ret = manager->init (cg, err);
  if (ret < 0)
    {
      rt_cgroup_free (cg);
      return ret;
    }
  *out = cg;
  return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

int
rt_cgroup_create_at (const struct rt_cgroup_manager *manager, const char *root, const char *path,
                     json_t *resources, rt_cgroup_t **out, rt_error_t *err)
{
  rt_cgroup_t *cg = NULL;
  int ret;

  ret = cgroup_new (manager, root, path, &cg, err);
  if (ret < 0)
    return ret;

  ret = manager->create (cg, err);
  if (ret == 0 && resources && ! json_is_null (resources))
    {
      if (! json_is_object (resources))
        ret = rt_fail (err, EINVAL, "linux.resources: expected an object");
      else
        ret = manager->apply (cg, resources, err);
    }
  if (ret < 0)
    {
      /* Undo a leaf we made; keep the caller's error. */
      if (cg->created_leaf)
        {
          rt_error_t ignored = { 0 };
          manager->remove (cg, &ignored);
        }
      rt_cgroup_free (cg);
      return ret;
    }
  *out = cg;
  return 0;
}

int
rt_cgroup_open_at (const struct rt_cgroup_manager *manager, const char *root, const char *path, rt_cgroup_t **out,
                   rt_error_t *err)
{
  rt_cgroup_t *cg = NULL;
  int ret;

  ret = cgroup_new (manager, root, path, &cg, err);
  if (ret < 0)
    return ret;
  ret = manager->check_exists (cg, err);
  if (ret < 0)
    {
      rt_cgroup_free (cg);
      return ret;
    }
  *out = cg;
  return 0;
}

int
rt_cgroup_create (const char *path, json_t *resources, rt_cgroup_t **out, rt_error_t *err)
{
  const char *root = rt_cgroup_root ();

  return rt_cgroup_create_at (rt_cgroup_manager_for (rt_cgroup_version_at (root)), root, path, resources, out,
                              err);
}

int
rt_cgroup_open (const char *path, rt_cgroup_t **out, rt_error_t *err)
{
  const char *root = rt_cgroup_root ();

  return rt_cgroup_open_at (rt_cgroup_manager_for (rt_cgroup_version_at (root)), root, path, out, err);
}

int
rt_cgroup_enter (rt_cgroup_t *cg, pid_t pid, rt_error_t *err)
{
  if (pid <= 0)
    return rt_fail (err, EINVAL, "enter cgroup `%s`: invalid pid %d", cg->path, (int) pid);
  return cg->manager->enter (cg, pid, err);
}

int
rt_cgroup_apply (rt_cgroup_t *cg, json_t *resources, rt_error_t *err)
{
  if (resources == NULL || json_is_null (resources))
    return 0;
  if (! json_is_object (resources))
    return rt_fail (err, EINVAL, "linux.resources: expected an object");
  return cg->manager->apply (cg, resources, err);
}

int
rt_cgroup_freeze (rt_cgroup_t *cg, bool frozen, rt_error_t *err)
{
  return cg->manager->freeze (cg, frozen, err);
}

int
rt_cgroup_is_frozen (rt_cgroup_t *cg, bool *frozen, rt_error_t *err)
{
  return cg->manager->is_frozen (cg, frozen, err);
}

int
rt_cgroup_pids (rt_cgroup_t *cg, pid_t **pids, size_t *n, rt_error_t *err)
{
  const char *dir = cg->manager->procs_dir (cg);

  if (dir == NULL)
    {
      *pids = NULL;
      *n = 0;
      return 0;
    }
  return rt_cg_read_pids (dir, true, pids, n, err);
}

int
rt_cgroup_oom_killed (rt_cgroup_t *cg, bool *killed, rt_error_t *err)
{
  return cg->manager->oom_killed (cg, killed, err);
}

/* SIGKILL every pid listed; returns how many were listed. */
static int
kill_listed (rt_cgroup_t *cg, rt_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0, i;
  int ret;

  ret = rt_cgroup_pids (cg, &pids, &n, err);
  if (ret < 0)
    return ret;
  for (i = 0; i < n; i++)
    if (kill (pids[i], SIGKILL) < 0 && errno != ESRCH)
      return rt_fail (err, errno, "kill %d in cgroup `%s`", (int) pids[i], cg->path);
  return (int) n;
}

int
rt_cgroup_destroy (rt_cgroup_t *cg, rt_error_t *err)
{
  const struct rt_cgroup_manager *m = cg->manager;
  int64_t deadline;
  int ret;

  ret = m->kill_all (cg, err);
  if (ret < 0)
    return ret;
  if (ret == 0)
    {
      /* Freeze so nothing forks between listing and killing, kill, thaw so
       * the signals are delivered. Without a freezer, kill in a loop. */
      rt_error_t ferr = { 0 };
      bool frozen = m->freeze (cg, true, &ferr) == 0;

      ret = kill_listed (cg, err);
      if (frozen && m->freeze (cg, false, &ferr) < 0)
        rt_warn ("%s", ferr.msg);
      if (ret < 0)
        return ret;
    }

  deadline = rt_cg_now_ms () + RT_CGROUP_DESTROY_TIMEOUT_MS;
  for (;;)
    {
      ret = kill_listed (cg, err);
      if (ret < 0)
        return ret;
      if (ret == 0)
        break;
      if (rt_cg_now_ms () > deadline)
        return rt_fail (err, EBUSY, "destroy cgroup `%s`: %d processes still running after SIGKILL", cg->path, ret);
      rt_cg_sleep_ms (10);
    }

  /* An exited task can hold the cgroup busy for a moment: retry EBUSY. */
  for (;;)
    {
      ret = m->remove (cg, err);
      if (ret == 0)
        return 0;
      if (err->status != EBUSY || rt_cg_now_ms () > deadline)
        return ret;
      rt_cg_sleep_ms (10);
    }
}

void
rt_cgroup_free (rt_cgroup_t *cg)
{
  if (cg == NULL)
    return;
  if (cg->manager && cg->manager->free_priv)
    cg->manager->free_priv (cg);
  free (cg->root);
  free (cg->path);
  free (cg);
}
