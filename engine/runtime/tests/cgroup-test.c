/* TAP tests of the cgroup code (src/cgroup*.c). Run as root:
 *   make tests        (or build/cgroup-test)
 * - pure helpers (paths, shares -> weight against libm);
 * - the v2 backend against a fake root of plain files in /tmp (checks what it
 *   writes: limits, subtree_control propagation, freeze, events parsing);
 * - the v1 backend for real when /sys/fs/cgroup is v1: a cgroup
 *   /tscompose-test-<pid> with memory 64M, pids 20 and a cpu quota, a child
 *   entered, frozen and thawed, a child OOM-killed, then destroyed.
 * Everything created is named tscompose-test-* and removed at exit, even on
 * failure. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "cgroup-internal.h"
#include "cgroups.h"

static int test_no;
static int failures;
static char v1_name[64];
static char fake_root[128];
static pid_t children[8];
static size_t n_children;

static void
ok (bool cond, const char *fmt, ...)
{
  va_list ap;

  printf ("%sok %d - ", cond ? "" : "not ", ++test_no);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  if (! cond)
    failures++;
}

static void
skip (const char *why)
{
  printf ("ok %d # SKIP %s\n", ++test_no, why);
}

static void
diag (const char *fmt, ...)
{
  va_list ap;

  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

/* ---- file helpers ----------------------------------------------------- */

static void
put (const char *dir, const char *file, const char *content)
{
  char path[512];
  FILE *f;

  snprintf (path, sizeof (path), "%s/%s", dir, file);
  f = fopen (path, "w");
  if (f == NULL)
    {
      diag ("fopen %s: %s", path, strerror (errno));
      return;
    }
  fputs (content, f);
  fclose (f);
}

/* Content of dir/file with trailing newlines cut, in a static buffer. */
static const char *
get (const char *dir, const char *file)
{
  static char buf[4096];
  char path[512];
  ssize_t n;
  int fd;

  snprintf (path, sizeof (path), "%s/%s", dir, file);
  fd = open (path, O_RDONLY);
  if (fd < 0)
    return "<missing>";
  n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  if (n < 0)
    n = 0;
  buf[n] = '\0';
  while (n > 0 && buf[n - 1] == '\n')
    buf[--n] = '\0';
  return buf;
}

static bool
is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static void
rm_rf (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;

  if (d == NULL)
    {
      unlink (path);
      return;
    }
  while ((de = readdir (d)))
    {
      char sub[1024];

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      snprintf (sub, sizeof (sub), "%s/%s", path, de->d_name);
      if (de->d_type == DT_DIR)
        rm_rf (sub);
      else
        unlink (sub);
    }
  closedir (d);
  rmdir (path);
}

/* Remove only the regular files of a fake cgroup tree (what the kernel does
 * on rmdir), so rmdir can succeed. */
static void
rm_files (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;

  if (d == NULL)
    return;
  while ((de = readdir (d)))
    {
      char sub[1024];

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      snprintf (sub, sizeof (sub), "%s/%s", path, de->d_name);
      if (de->d_type == DT_DIR)
        rm_files (sub);
      else
        unlink (sub);
    }
  closedir (d);
}

/* ---- cleanup (atexit and signals) --------------------------------------- */

static void
cleanup (void)
{
  size_t i;
  DIR *d;
  struct dirent *de;

  for (i = 0; i < n_children; i++)
    if (children[i] > 0)
      {
        kill (children[i], SIGKILL);
        waitpid (children[i], NULL, 0);
        children[i] = 0;
      }
  if (fake_root[0])
    rm_rf (fake_root);
  if (v1_name[0] == '\0')
    return;
  /* Thaw, then rmdir /sys/fs/cgroup/<h>/tscompose-test-<pid>[/sub] */
  d = opendir ("/sys/fs/cgroup");
  if (d == NULL)
    return;
  while ((de = readdir (d)))
    {
      char dir[512], sub[600];

      if (de->d_name[0] == '.')
        continue;
      snprintf (dir, sizeof (dir), "/sys/fs/cgroup/%s/%s", de->d_name, v1_name);
      if (! is_dir (dir))
        continue;
      if (strcmp (de->d_name, "freezer") == 0)
        put (dir, "freezer.state", "THAWED");
      snprintf (sub, sizeof (sub), "%s/sub", dir);
      rmdir (sub);
      /* Kill what is left and retry for up to 10 s. */
      for (int tries = 0; rmdir (dir) < 0 && errno == EBUSY && tries < 1000; tries++)
        {
          char procs[4096], *line, *save = NULL;
          snprintf (procs, sizeof (procs), "%s", get (dir, "cgroup.procs"));
          for (line = strtok_r (procs, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
            if (atoi (line) > 0)
              kill (atoi (line), SIGKILL);
          usleep (10000);
        }
      if (is_dir (dir))
        fprintf (stderr, "cgroup-test: cleanup rmdir %s: %s\n", dir, strerror (errno));
    }
  closedir (d);
}

static void
on_signal (int sig)
{
  cleanup ();
  _exit (128 + sig);
}

static pid_t
track (pid_t pid)
{
  if (pid > 0 && n_children < sizeof (children) / sizeof (children[0]))
    children[n_children++] = pid;
  return pid;
}

static void
untrack (pid_t pid)
{
  size_t i;
  for (i = 0; i < n_children; i++)
    if (children[i] == pid)
      children[i] = 0;
}

static json_t *
parse (const char *text)
{
  json_error_t jerr;
  json_t *j = json_loads (text, 0, &jerr);

  if (j == NULL)
    diag ("bad JSON in test: %s", jerr.text);
  return j;
}

/* ---- pure helpers ------------------------------------------------------- */

static uint64_t
libm_weight (uint64_t shares)
{
  double l, exponent;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  l = log2 ((double) shares);
  exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return (uint64_t) ceil (pow (10, exponent));
}

static void
test_helpers (void)
{
  cleanup_free char *a = rt_cgroup_path_for ("abc", NULL);
  cleanup_free char *b = rt_cgroup_path_for ("abc", "");
  cleanup_free char *c = rt_cgroup_path_for ("abc", "my/group");
  cleanup_free char *d = rt_cgroup_path_for ("abc", "/abs/group");
  uint64_t s, mismatches = 0, first_bad = 0;
  rt_cgroup_t *cg = NULL;
  rt_error_t err = { 0 };
  int ret;

  ok (strcmp (a, "/tscompose/abc") == 0 && strcmp (b, "/tscompose/abc") == 0, "path_for default: %s", a);
  ok (strcmp (c, "/my/group") == 0, "path_for relative is under the root: %s", c);
  ok (strcmp (d, "/abs/group") == 0, "path_for absolute kept: %s", d);

  ok (rt_cg_shares_to_weight (0) == 0 && rt_cg_shares_to_weight (2) == 1 && rt_cg_shares_to_weight (1024) == 100
          && rt_cg_shares_to_weight (262144) == 10000,
      "shares->weight: 0->%lu 2->%lu 1024->%lu 262144->%lu", (unsigned long) rt_cg_shares_to_weight (0),
      (unsigned long) rt_cg_shares_to_weight (2), (unsigned long) rt_cg_shares_to_weight (1024),
      (unsigned long) rt_cg_shares_to_weight (262144));
  for (s = 0; s <= 270000; s++)
    if (rt_cg_shares_to_weight (s) != libm_weight (s))
      {
        if (mismatches++ == 0)
          first_bad = s;
      }
  ok (mismatches == 0, "shares->weight equals the libm formula for 0..270000 (%lu mismatches, first %lu)",
      (unsigned long) mismatches, (unsigned long) first_bad);
  ok (rt_cg_blkio_weight_to_io_weight (10) == 1 && rt_cg_blkio_weight_to_io_weight (1000) == 10000
          && rt_cg_blkio_weight_to_io_weight (500) == 4950,
      "blkio weight -> io.weight (10->1, 500->%lu, 1000->10000)",
      (unsigned long) rt_cg_blkio_weight_to_io_weight (500));

  ret = rt_cgroup_open_at (&rt_cgroup_manager_v2, "/tmp", "/a/../../etc", &cg, &err);
  ok (ret < 0 && err.status == EINVAL, "a `..` path is refused: %s", err.msg);
  ret = rt_cgroup_open_at (&rt_cgroup_manager_v2, "/tmp", "//", &cg, &err);
  ok (ret < 0 && err.status == EINVAL, "the root path is refused: %s", err.msg);
}

/* ---- v2 against a fake root --------------------------------------------- */

static const char *const leaf_files[]
    = { "cgroup.procs", "cgroup.freeze", "cgroup.kill", "cgroup.controllers", "memory.max", "memory.low",
        "memory.high", "memory.swap.max", "cpu.weight", "cpu.max", "cpuset.cpus", "cpuset.mems", "pids.max",
        "io.max", "hugetlb.2MB.max" };

static void
make_fake_leaf (const char *dir)
{
  size_t i;

  mkdir (dir, 0755);
  for (i = 0; i < sizeof (leaf_files) / sizeof (leaf_files[0]); i++)
    put (dir, leaf_files[i], "");
  put (dir, "cgroup.events", "populated 0\nfrozen 0\n");
  put (dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n");
}

static void
test_v2_fake (void)
{
  char mid[256], leaf[256], sub[300];
  rt_cgroup_t *cg = NULL, *cg2 = NULL;
  rt_error_t err = { 0 };
  pid_t *pids = NULL;
  size_t n = 0;
  bool b = false;
  json_t *res;
  int ret;

  snprintf (fake_root, sizeof (fake_root), "/tmp/tscompose-test-%d-v2", (int) getpid ());
  snprintf (mid, sizeof (mid), "%s/tscompose", fake_root);
  snprintf (leaf, sizeof (leaf), "%s/tscompose/c1", fake_root);
  rm_rf (fake_root);
  mkdir (fake_root, 0755);
  put (fake_root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put (fake_root, "cgroup.subtree_control", "");
  mkdir (mid, 0755);
  put (mid, "cgroup.controllers", "cpuset cpu io memory pids\n");
  put (mid, "cgroup.subtree_control", "");
  make_fake_leaf (leaf);

  setenv (RT_CGROUP_ROOT_ENV, fake_root, 1);
  ok (rt_cgroup_version () == 2, "a fake root with cgroup.controllers is v2 (TSCOMPOSE_CGROUP_ROOT)");

  res = parse ("{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": 134217728},"
               " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\", \"mems\": \"0\"},"
               " \"pids\": {\"limit\": 20},"
               " \"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]},"
               " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1073741824}],"
               " \"devices\": [{\"allow\": false, \"access\": \"rwm\"}],"
               " \"unified\": {\"memory.high\": \"50000000\"}}");
  ret = rt_cgroup_create ("/tscompose/c1", res, &cg, &err);
  json_decref (res);
  ok (ret == 0, "v2 create + apply on the fake root%s%s", ret ? ": " : "", ret ? err.msg : "");
  if (ret < 0)
    return;
  ok (strcmp (get (fake_root, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids +rdma +misc") == 0,
      "root subtree_control: `%s`", get (fake_root, "cgroup.subtree_control"));
  ok (strcmp (get (mid, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids") == 0,
      "parent subtree_control has what the parent offers: `%s`", get (mid, "cgroup.subtree_control"));
  ok (access (leaf, F_OK) == 0 && strcmp (get (leaf, "cgroup.subtree_control"), "<missing>") == 0,
      "the leaf's subtree_control is left alone");
  ok (strcmp (get (leaf, "memory.max"), "67108864") == 0, "memory.max = %s", get (leaf, "memory.max"));
  ok (strcmp (get (leaf, "memory.low"), "33554432") == 0, "memory.low = %s", get (leaf, "memory.low"));
  ok (strcmp (get (leaf, "memory.swap.max"), "67108864") == 0, "memory.swap.max = swap - limit = %s",
      get (leaf, "memory.swap.max"));
  ok (strcmp (get (leaf, "cpu.weight"), "100") == 0, "cpu.weight from shares 1024 = %s", get (leaf, "cpu.weight"));
  ok (strcmp (get (leaf, "cpu.max"), "50000 100000") == 0, "cpu.max = `%s`", get (leaf, "cpu.max"));
  ok (strcmp (get (leaf, "cpuset.cpus"), "0") == 0 && strcmp (get (leaf, "cpuset.mems"), "0") == 0,
      "cpuset.cpus/mems");
  ok (strcmp (get (leaf, "pids.max"), "20") == 0, "pids.max = %s", get (leaf, "pids.max"));
  ok (strcmp (get (leaf, "io.max"), "8:0 rbps=1048576") == 0, "io.max = `%s`", get (leaf, "io.max"));
  ok (strcmp (get (leaf, "hugetlb.2MB.max"), "1073741824") == 0, "hugetlb.2MB.max = %s",
      get (leaf, "hugetlb.2MB.max"));
  ok (strcmp (get (leaf, "memory.high"), "50000000") == 0, "unified memory.high = %s", get (leaf, "memory.high"));

  res = parse ("{\"memory\": {\"limit\": -1, \"swap\": -1}, \"pids\": {\"limit\": -1}, \"cpu\": {\"quota\": -1}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret == 0 && strcmp (get (leaf, "pids.max"), "max") == 0 && strcmp (get (leaf, "cpu.max"), "max") == 0,
      "-1 is max: pids.max=%s cpu.max=%s", get (leaf, "pids.max"), get (leaf, "cpu.max"));
  ok (strcmp (get (leaf, "memory.max"), "max") == 0 && strcmp (get (leaf, "memory.swap.max"), "max") == 0,
      "-1 is max: memory.max=%s memory.swap.max=%s", get (leaf, "memory.max"), get (leaf, "memory.swap.max"));

  res = parse ("{\"memory\": {\"limit\": 100, \"swap\": 50}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0 && err.status == EINVAL, "swap below limit refused: %s", err.msg);

  res = parse ("{\"unified\": {\"../etc/passwd\": \"x\"}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0 && err.status == EINVAL, "unified key with `/` refused: %s", err.msg);

  res = parse ("{\"unified\": {\"rdma.max\": \"mlx4_0 hca_handle=2\"}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0 && err.status == ENOENT && strstr (err.msg, leaf) && strstr (err.msg, "`rdma` controller"),
      "missing controller file names the path: %s", err.msg);

  res = parse ("{\"memory\": {\"limit\": \"64m\"}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0 && strstr (err.msg, "linux.resources.memory.limit"), "bad type names the field: %s", err.msg);

  ret = rt_cgroup_enter (cg, 4194305, &err);
  ok (ret == 0 && strcmp (get (leaf, "cgroup.procs"), "4194305") == 0, "enter writes cgroup.procs");

  put (leaf, "cgroup.events", "populated 1\nfrozen 1\n");
  ret = rt_cgroup_freeze (cg, true, &err);
  ok (ret == 0 && strcmp (get (leaf, "cgroup.freeze"), "1") == 0, "freeze writes cgroup.freeze=1 and sees frozen 1");
  ret = rt_cgroup_is_frozen (cg, &b, &err);
  ok (ret == 0 && b, "is_frozen reads cgroup.events");
  put (leaf, "cgroup.events", "populated 1\nfrozen 0\n");
  ret = rt_cgroup_freeze (cg, false, &err);
  ok (ret == 0 && strcmp (get (leaf, "cgroup.freeze"), "0") == 0, "thaw writes cgroup.freeze=0");
  ret = rt_cgroup_is_frozen (cg, &b, &err);
  ok (ret == 0 && ! b, "is_frozen false after thaw");

  ret = rt_cgroup_oom_killed (cg, &b, &err);
  ok (ret == 0 && b, "oom_killed from memory.events oom_kill 1");
  put (leaf, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
  ret = rt_cgroup_oom_killed (cg, &b, &err);
  ok (ret == 0 && ! b, "not oom_killed with oom_kill 0 (oom_group_kill not mistaken for it)");

  /* Pids beyond the kernel's pid_max: kill() on them is a harmless ESRCH. */
  snprintf (sub, sizeof (sub), "%s/sub", leaf);
  mkdir (sub, 0755);
  put (sub, "cgroup.procs", "4194306\n");
  put (leaf, "cgroup.procs", "4194305\n4194307\n");
  ret = rt_cgroup_pids (cg, &pids, &n, &err);
  ok (ret == 0 && n == 3, "pids reads cgroup.procs recursively (%zu)", n);
  free (pids);

  ret = rt_cgroup_open ("/tscompose/c1", &cg2, &err);
  ok (ret == 0, "open an existing v2 cgroup");
  rt_cgroup_free (cg2);
  ret = rt_cgroup_open ("/tscompose/nope", &cg2, &err);
  ok (ret < 0 && err.status == ENOENT, "open a missing v2 cgroup: %s", err.msg);

  put (leaf, "cgroup.procs", "");
  put (sub, "cgroup.procs", "");
  ret = rt_cgroup_destroy (cg, &err);
  ok (strcmp (get (leaf, "cgroup.kill"), "1") == 0, "destroy writes cgroup.kill=1");
  ok (ret < 0 && strstr (err.msg, "rmdir `"), "rmdir of a fake dir full of files fails, named: %s", err.msg);
  rm_files (leaf);
  ret = rt_cgroup_destroy (cg, &err);
  ok (ret == 0 && ! is_dir (leaf) && is_dir (mid), "destroy removes the leaf (and sub-cgroups), keeps the parent");
  rt_cgroup_free (cg);

  unsetenv (RT_CGROUP_ROOT_ENV);
  rm_rf (fake_root);
  fake_root[0] = '\0';
}

/* ---- v1 for real -------------------------------------------------------- */

static bool
proc_in_cgroup (pid_t pid, const char *controller, const char *path)
{
  char file[64], line[512], want[256];
  bool found = false;
  FILE *f;

  snprintf (file, sizeof (file), "/proc/%d/cgroup", (int) pid);
  snprintf (want, sizeof (want), ":%s:%s\n", controller, path);
  f = fopen (file, "r");
  if (f == NULL)
    return false;
  while (fgets (line, sizeof (line), f))
    if (strstr (line, want))
      found = true;
  fclose (f);
  return found;
}

/* A child that waits for a byte on `fd`, then does `what`. */
static pid_t
spawn (int fd, char what)
{
  pid_t pid = fork ();

  if (pid != 0)
    return track (pid);

  {
    char c;
    if (read (fd, &c, 1) != 1)
      _exit (10);
  }
  if (what == 's')
    for (;;)
      pause ();
  if (what == 'm')
    {
      /* Touch 256 MiB: the 64M limit (no swap) must OOM-kill us. */
      size_t size = 256u << 20, i;
      char *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        _exit (11);
      for (i = 0; i < size; i += 4096)
        p[i] = 1;
      _exit (0);
    }
  if (what == 'f')
    {
      /* Fork 30 children that sleep: pids.max 20 must refuse some. */
      int refused = 0, i;
      for (i = 0; i < 30; i++)
        {
          pid_t c = fork ();
          if (c == 0)
            {
              sleep (30);
              _exit (0);
            }
          if (c < 0)
            refused++;
        }
      _exit (refused > 0 ? 0 : 1);
    }
  _exit (12);
}

static void
test_v1_real (void)
{
  char path[80], dir[256];
  static const char *const hierarchies[] = { "memory", "cpu", "cpuset", "pids", "freezer", "devices", "systemd" };
  int pipe_sleep[2], pipe_oom[2], pipe_fork[2];
  rt_cgroup_t *cg = NULL, *cg2 = NULL;
  rt_error_t err = { 0 };
  pid_t sleeper = -1, eater, forker, *pids = NULL;
  size_t n = 0, i;
  bool b, all;
  json_t *res;
  int ret, status;

  if (geteuid () != 0)
    {
      skip ("v1: not root");
      return;
    }
  if (rt_cgroup_version_at ("/sys/fs/cgroup") != 1)
    {
      skip ("v1: /sys/fs/cgroup is not cgroup v1");
      return;
    }
  ok (rt_cgroup_version () == 1, "this host is cgroup v1");

  snprintf (v1_name, sizeof (v1_name), "tscompose-test-%d", (int) getpid ());
  snprintf (path, sizeof (path), "/%s", v1_name);

  res = parse ("{\"memory\": {\"limit\": 67108864, \"swap\": 67108864, \"reservation\": 33554432,"
               " \"swappiness\": 0},"
               " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"},"
               " \"pids\": {\"limit\": 20},"
               " \"blockIO\": {\"weight\": 500},"
               " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
               "   {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"},"
               "   {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"rwm\"}]}");
  ret = rt_cgroup_create (path, res, &cg, &err);
  json_decref (res);
  ok (ret == 0, "v1 create %s with limits%s%s", path, ret ? ": " : "", ret ? err.msg : "");
  if (ret < 0)
    return;

  all = true;
  for (i = 0; i < sizeof (hierarchies) / sizeof (hierarchies[0]); i++)
    {
      snprintf (dir, sizeof (dir), "/sys/fs/cgroup/%s%s", hierarchies[i], path);
      if (! is_dir (dir))
        {
          diag ("missing %s", dir);
          all = false;
        }
    }
  ok (all, "dirs exist in memory, cpu, cpuset, pids, freezer, devices, systemd");

  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/memory%s", path);
  ok (strcmp (get (dir, "memory.limit_in_bytes"), "67108864") == 0, "memory.limit_in_bytes = %s",
      get (dir, "memory.limit_in_bytes"));
  ok (strcmp (get (dir, "memory.memsw.limit_in_bytes"), "67108864") == 0, "memory.memsw.limit_in_bytes = %s",
      get (dir, "memory.memsw.limit_in_bytes"));
  ok (strcmp (get (dir, "memory.soft_limit_in_bytes"), "33554432") == 0, "memory.soft_limit_in_bytes = %s",
      get (dir, "memory.soft_limit_in_bytes"));
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/pids%s", path);
  ok (strcmp (get (dir, "pids.max"), "20") == 0, "pids.max = %s", get (dir, "pids.max"));
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/cpu%s", path);
  {
    char q[32], p[32], sh[32];
    snprintf (q, sizeof (q), "%s", get (dir, "cpu.cfs_quota_us"));
    snprintf (p, sizeof (p), "%s", get (dir, "cpu.cfs_period_us"));
    snprintf (sh, sizeof (sh), "%s", get (dir, "cpu.shares"));
    ok (strcmp (q, "50000") == 0 && strcmp (p, "100000") == 0 && strcmp (sh, "512") == 0,
        "cpu quota/period/shares = %s/%s/%s", q, p, sh);
  }
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/cpuset%s", path);
  {
    char parent_mems[64], mems[64];
    snprintf (parent_mems, sizeof (parent_mems), "%s", get ("/sys/fs/cgroup/cpuset", "cpuset.mems"));
    snprintf (mems, sizeof (mems), "%s", get (dir, "cpuset.mems"));
    ok (strcmp (get (dir, "cpuset.cpus"), "0") == 0 && mems[0] && strcmp (mems, parent_mems) == 0,
        "cpuset.cpus = 0, cpuset.mems copied from the parent = %s", mems);
  }
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/devices%s", path);
  {
    char list[256];
    snprintf (list, sizeof (list), "%s", get (dir, "devices.list"));
    ok (strcmp (list, "c 1:3 rwm\nc 1:5 rwm") == 0, "devices.list after deny-all + 2 allows: `%s`", list);
  }

  /* Update: grow memory (memsw must be raised first), then unlimited. */
  res = parse ("{\"memory\": {\"limit\": 134217728, \"swap\": 134217728}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/memory%s", path);
  ok (ret == 0 && strcmp (get (dir, "memory.limit_in_bytes"), "134217728") == 0,
      "update grows memory+swap in the right order%s%s", ret ? ": " : "", ret ? err.msg : "");
  res = parse ("{\"memory\": {\"limit\": 67108864, \"swap\": 67108864}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret == 0 && strcmp (get (dir, "memory.memsw.limit_in_bytes"), "67108864") == 0,
      "update shrinks memory+swap in the right order%s%s", ret ? ": " : "", ret ? err.msg : "");

  res = parse ("{\"cpu\": {\"quota\": 1000, \"period\": 500}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0 && err.status == EINVAL && strstr (err.msg, "cpu.cfs_period_us`: Invalid argument"),
      "kernel refusal names the file: %s", err.msg);

  res = parse ("{\"unified\": {\"memory.high\": \"1\"}}");
  ret = rt_cgroup_apply (cg, res, &err);
  json_decref (res);
  ok (ret < 0, "unified on v1 refused: %s", err.msg);

  /* A sleeping child entered, frozen, thawed. */
  if (pipe2 (pipe_sleep, O_CLOEXEC) < 0 || pipe2 (pipe_oom, O_CLOEXEC) < 0 || pipe2 (pipe_fork, O_CLOEXEC) < 0)
    {
      ok (false, "pipe: %s", strerror (errno));
      goto destroy;
    }
  sleeper = spawn (pipe_sleep[0], 's');
  ret = rt_cgroup_enter (cg, sleeper, &err);
  ok (ret == 0 && proc_in_cgroup (sleeper, "memory", path) && proc_in_cgroup (sleeper, "freezer", path)
          && proc_in_cgroup (sleeper, "name=systemd", path),
      "enter moves the child into every hierarchy%s%s", ret ? ": " : "", ret ? err.msg : "");
  (void) ! write (pipe_sleep[1], "x", 1);

  ret = rt_cgroup_pids (cg, &pids, &n, &err);
  ok (ret == 0 && n == 1 && pids[0] == sleeper, "pids lists the child (%zu)", n);
  free (pids);

  ret = rt_cgroup_freeze (cg, true, &err);
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/freezer%s", path);
  ok (ret == 0 && strcmp (get (dir, "freezer.state"), "FROZEN") == 0, "freeze: freezer.state FROZEN%s%s",
      ret ? ": " : "", ret ? err.msg : "");
  ret = rt_cgroup_is_frozen (cg, &b, &err);
  ok (ret == 0 && b, "is_frozen true");
  ret = rt_cgroup_open (path, &cg2, &err);
  ok (ret == 0 && rt_cgroup_is_frozen (cg2, &b, &err) == 0 && b, "open + is_frozen from another handle");
  rt_cgroup_free (cg2);
  ret = rt_cgroup_freeze (cg, false, &err);
  ok (ret == 0 && strcmp (get (dir, "freezer.state"), "THAWED") == 0, "thaw: freezer.state THAWED");
  ret = rt_cgroup_is_frozen (cg, &b, &err);
  ok (ret == 0 && ! b, "is_frozen false");

  ret = rt_cgroup_oom_killed (cg, &b, &err);
  ok (ret == 0 && ! b, "not oom_killed yet");

  /* pids.max 20 (the sleeper is one of them). */
  forker = spawn (pipe_fork[0], 'f');
  ret = rt_cgroup_enter (cg, forker, &err);
  (void) ! write (pipe_fork[1], "x", 1);
  ret = waitpid (forker, &status, 0);
  untrack (forker);
  ok (ret == forker && WIFEXITED (status) && WEXITSTATUS (status) == 0, "pids.max 20 refuses forks past the limit");

  /* A child that eats memory is OOM-killed. */
  eater = spawn (pipe_oom[0], 'm');
  ret = rt_cgroup_enter (cg, eater, &err);
  (void) ! write (pipe_oom[1], "x", 1);
  ret = waitpid (eater, &status, 0);
  untrack (eater);
  ok (ret == eater && WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "the 256M eater is SIGKILLed (status %#x)",
      status);
  ret = rt_cgroup_oom_killed (cg, &b, &err);
  ok (ret == 0 && b, "oom_killed from memory.oom_control%s%s", ret ? ": " : "", ret ? err.msg : "");

  /* A sub-cgroup the container made must not stop destroy. */
  snprintf (dir, sizeof (dir), "/sys/fs/cgroup/memory%s/sub", path);
  ok (mkdir (dir, 0755) == 0, "a nested cgroup in the container's memory dir");

destroy:
  {
    int64_t t0 = rt_cg_now_ms ();
    ret = rt_cgroup_destroy (cg, &err);
    ok (ret == 0, "destroy with the sleeper and the forker's orphans still inside (%ld ms)%s%s",
        (long) (rt_cg_now_ms () - t0), ret ? ": " : "", ret ? err.msg : "");
    if (ret < 0)
      {
        /* Say what is left and in which state. */
        rt_error_t perr = { 0 };
        pid_t *left = NULL;
        size_t nleft = 0, k;

        if (rt_cgroup_pids (cg, &left, &nleft, &perr) == 0)
          for (k = 0; k < nleft; k++)
            {
              char statf[64], line[256] = "";
              FILE *f;
              snprintf (statf, sizeof (statf), "/proc/%d/stat", (int) left[k]);
              if ((f = fopen (statf, "r")))
                {
                  if (fgets (line, sizeof (line), f) == NULL)
                    line[0] = '\0';
                  fclose (f);
                }
              diag ("left: %s", line);
            }
        free (left);
      }
  }
  ret = waitpid (sleeper, &status, 0);
  untrack (sleeper);
  ok (ret == sleeper && WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "the sleeper was SIGKILLed");
  all = true;
  for (i = 0; i < sizeof (hierarchies) / sizeof (hierarchies[0]); i++)
    {
      snprintf (dir, sizeof (dir), "/sys/fs/cgroup/%s%s", hierarchies[i], path);
      if (is_dir (dir))
        {
          diag ("still there: %s", dir);
          all = false;
        }
    }
  ok (all, "destroy removed the dirs in every hierarchy");
  ret = rt_cgroup_destroy (cg, &err);
  ok (ret == 0, "destroy again is a no-op%s%s", ret ? ": " : "", ret ? err.msg : "");
  rt_cgroup_free (cg);

  ret = rt_cgroup_open (path, &cg2, &err);
  ok (ret < 0 && err.status == ENOENT, "open after destroy: %s", err.msg);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  atexit (cleanup);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGSEGV, on_signal);
  signal (SIGABRT, on_signal);
  unsetenv (RT_CGROUP_ROOT_ENV);

  test_helpers ();
  test_v2_fake ();
  unsetenv (RT_CGROUP_ROOT_ENV);
  test_v1_real ();

  printf ("1..%d\n", test_no);
  return failures ? 1 : 0;
}
