/* TAP tests for include/security.h. Run as root (make tests-security).
 * Every check forks: the child applies a setting, then looks at itself
 * (/proc/self/status, a blocked syscall, getrlimit, /proc/sys) and exits 0 on
 * success; diagnostics are printed as TAP comments. Nothing host-wide is
 * changed: sysctls are written inside fresh IPC/UTS namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "security.h"

/* Docker's default profile in OCI form, converted at test time (see the
 * Makefile: tests-security); NULL when it could not be made. */
static const char *fixture_path = NULL;
static int test_no, failed;

#define BIT(c) (UINT64_C (1) << (c))

/* ---- helpers used inside children ---- */

static int
diag (const char *fmt, ...)
{
  va_list ap;

  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  return 1;
}

static json_t *
J (const char *text)
{
  json_error_t e;
  json_t *j = json_loads (text, 0, &e);

  if (j == NULL)
    {
      diag ("bad test JSON: %s: %s", e.text, text);
      _exit (99);
    }
  return j;
}

/* A numeric field of /proc/self/status: hex for Cap*, decimal otherwise. */
static uint64_t
status_field (const char *field)
{
  char line[256];
  size_t len = strlen (field);
  uint64_t v = UINT64_MAX;
  FILE *f = fopen ("/proc/self/status", "re");

  if (f == NULL)
    return v;
  while (fgets (line, sizeof (line), f))
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        v = strtoull (line + len + 1, NULL, strncmp (field, "Cap", 3) == 0 ? 16 : 10);
        break;
      }
  fclose (f);
  return v;
}

static int
read_small_file (const char *path, char *buf, size_t len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n'))
    buf[--n] = '\0';
  return 0;
}

/* stderr into a memfd, to check warnings. */
static int
capture_stderr (void)
{
  int fd = memfd_create ("stderr", MFD_CLOEXEC);

  if (fd < 0 || dup2 (fd, 2) < 0)
    return -1;
  return fd;
}

static const char *
captured (int fd)
{
  static char buf[4096];
  ssize_t n;

  fflush (stderr);
  n = pread (fd, buf, sizeof (buf) - 1, 0);
  if (n < 0)
    n = 0;
  while (n > 0 && buf[n - 1] == '\n')
    n--;
  buf[n] = '\0';
  return buf;
}

static int
expect_ok (int ret, rt_error_t *err, const char *what)
{
  if (ret < 0)
    return diag ("%s failed: %s", what, err->msg);
  return 0;
}

static int
expect_fail (int ret, rt_error_t *err, const char *needle)
{
  if (ret >= 0)
    return diag ("expected failure containing \"%s\", got success", needle);
  if (strstr (err->msg, needle) == NULL)
    return diag ("message \"%s\" lacks \"%s\"", err->msg, needle);
  diag ("message: %s", err->msg);
  return 0;
}

static int
expect_errno (long ret, int want, const char *what)
{
  if (ret != -1 || errno != want)
    return diag ("%s: ret %ld errno %d (%s), wanted errno %d (%s)", what, ret, ret == -1 ? errno : 0,
                 ret == -1 ? strerror (errno) : "-", want, strerror (want));
  return 0;
}

static int
expect_mask (const char *field, uint64_t want)
{
  uint64_t got = status_field (field);

  if (got != want)
    return diag ("%s %016" PRIx64 ", wanted %016" PRIx64, field, got, want);
  return 0;
}

/* ---- runner ---- */

typedef int (*check_fn) (void);

static void
report (bool ok, const char *desc)
{
  test_no++;
  if (!ok)
    failed++;
  printf ("%s %d - %s\n", ok ? "ok" : "not ok", test_no, desc);
  fflush (stdout);
}

static int
run_child (check_fn fn, int *status)
{
  pid_t pid;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      int r = fn ();
      fflush (stdout);
      _exit (r);
    }
  if (waitpid (pid, status, 0) < 0)
    return -1;
  return 0;
}

/* A check that needs Docker's default profile: skipped, and said so, without it. */
static void check (const char *desc, check_fn fn);
static void
check_with_profile (const char *desc, check_fn fn)
{
  if (fixture_path == NULL || access (fixture_path, R_OK) != 0)
    {
      test_no++;
      printf ("ok %d - %s # SKIP Docker's default seccomp profile not available (../shared absent)\n", test_no, desc);
      fflush (stdout);
      return;
    }
  check (desc, fn);
}

static void
check (const char *desc, check_fn fn)
{
  int status = 0;

  if (run_child (fn, &status) < 0)
    {
      diag ("fork/wait: %s", strerror (errno));
      report (false, desc);
      return;
    }
  if (WIFSIGNALED (status))
    diag ("child killed by signal %d", WTERMSIG (status));
  report (WIFEXITED (status) && WEXITSTATUS (status) == 0, desc);
}

/* ---- capabilities ---- */

static const char *caps_json
    = "{\"capabilities\": {"
      "\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETPCAP\", "
      "\"CAP_NET_BIND_SERVICE\"],"
      "\"effective\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
      "\"permitted\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
      "\"inheritable\": [\"CAP_NET_BIND_SERVICE\"],"
      "\"ambient\": [\"CAP_NET_BIND_SERVICE\"]}}";

static int
apply_caps_json (void)
{
  rt_error_t err;
  return expect_ok (rt_apply_capabilities (J (caps_json), &err), &err, "rt_apply_capabilities");
}

static int
t_caps_bounding (void)
{
  return apply_caps_json ()
         || expect_mask ("CapBnd", BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_SETGID) | BIT (CAP_SETUID)
                                       | BIT (CAP_SETPCAP) | BIT (CAP_NET_BIND_SERVICE));
}
static int
t_caps_effective (void)
{
  return apply_caps_json () || expect_mask ("CapEff", BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE));
}
static int
t_caps_permitted (void)
{
  return apply_caps_json () || expect_mask ("CapPrm", BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE));
}
static int
t_caps_inheritable (void)
{
  return apply_caps_json () || expect_mask ("CapInh", BIT (CAP_NET_BIND_SERVICE));
}
static int
t_caps_ambient (void)
{
  return apply_caps_json () || expect_mask ("CapAmb", BIT (CAP_NET_BIND_SERVICE));
}

static int
t_caps_empty_sets (void)
{
  rt_error_t err;
  return expect_ok (rt_apply_capabilities (J ("{\"capabilities\": {}}"), &err), &err, "apply")
         || expect_mask ("CapBnd", 0) || expect_mask ("CapEff", 0) || expect_mask ("CapPrm", 0)
         || expect_mask ("CapInh", 0) || expect_mask ("CapAmb", 0);
}

static int
t_caps_absent_keeps (void)
{
  rt_error_t err;
  uint64_t bnd = status_field ("CapBnd"), eff = status_field ("CapEff");
  return expect_ok (rt_apply_capabilities (J ("{\"args\": [\"sh\"]}"), &err), &err, "apply")
         || expect_mask ("CapBnd", bnd) || expect_mask ("CapEff", eff)
         || expect_ok (rt_apply_capabilities (NULL, &err), &err, "apply NULL");
}

static int
t_caps_unknown (void)
{
  rt_error_t err;
  return expect_fail (rt_apply_capabilities (J ("{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_FLY\"]}}"), &err),
                      &err, "`CAP_FLY`");
}

static int
t_caps_eff_not_prm (void)
{
  rt_error_t err;
  return expect_fail (
      rt_apply_capabilities (J ("{\"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"]}}"), &err),
      &err, "`CAP_KILL` is in the effective set but not in the permitted set");
}

static int
t_caps_not_held (void)
{
  rt_error_t err;
  int fd = capture_stderr ();
  int r = rt_apply_capabilities (J ("{\"capabilities\": {\"bounding\": [\"CAP_SYS_RESOURCE\", \"CAP_KILL\"],"
                                    "\"effective\": [\"CAP_SYS_RESOURCE\", \"CAP_KILL\"],"
                                    "\"permitted\": [\"CAP_SYS_RESOURCE\", \"CAP_KILL\"]}}"),
                                 &err);
  if (expect_ok (r, &err, "apply"))
    return 1;
  if (strstr (captured (fd), "`CAP_SYS_RESOURCE`") == NULL)
    return diag ("no warning naming CAP_SYS_RESOURCE, stderr: %s", captured (fd));
  return expect_mask ("CapEff", BIT (CAP_KILL)) || expect_mask ("CapPrm", BIT (CAP_KILL));
}

/* keepcaps + setuid(1000) + caps, then execve: for a non-root user only the
 * ambient set survives exec, so the exec'd program must show it effective. */
static int
t_caps_setuid_exec (void)
{
  int pipefd[2], status;
  char buf[8192];
  ssize_t n, off = 0;
  pid_t pid;
  char *p;

  if (pipe (pipefd) < 0)
    return diag ("pipe: %s", strerror (errno));
  pid = fork ();
  if (pid == 0)
    {
      rt_error_t err;
      char *argv[] = { "/bin/cat", "/proc/self/status", NULL };
      dup2 (pipefd[1], 1);
      if (rt_capabilities_keep (&err) < 0 || setgroups (0, NULL) < 0 || setresgid (1000, 1000, 1000) < 0
          || setresuid (1000, 1000, 1000) < 0)
        _exit (10);
      if (rt_apply_capabilities (J (caps_json), &err) < 0)
        {
          fprintf (stderr, "# %s\n", err.msg);
          _exit (11);
        }
      if (status_field ("CapEff") != (BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE)))
        _exit (12);
      execv (argv[0], argv);
      _exit (13);
    }
  close (pipefd[1]);
  while ((n = read (pipefd[0], buf + off, sizeof (buf) - 1 - off)) > 0)
    off += n;
  buf[off] = '\0';
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return diag ("grandchild status %d", WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status));
  if (strstr (buf, "Uid:\t1000") == NULL)
    return diag ("not running as uid 1000");
  p = strstr (buf, "CapEff:\t");
  if (p == NULL || strtoull (p + 8, NULL, 16) != BIT (CAP_NET_BIND_SERVICE))
    return diag ("after exec CapEff is %.24s, wanted only CAP_NET_BIND_SERVICE", p ? p : "(missing)");
  p = strstr (buf, "CapAmb:\t");
  if (p == NULL || strtoull (p + 8, NULL, 16) != BIT (CAP_NET_BIND_SERVICE))
    return diag ("after exec CapAmb is %.24s", p ? p : "(missing)");
  return 0;
}

/* ---- no_new_privs ---- */

static int
t_nnp_true (void)
{
  rt_error_t err;
  return expect_ok (rt_apply_no_new_privs (J ("{\"noNewPrivileges\": true}"), &err), &err, "apply")
         || (status_field ("NoNewPrivs") != 1 && diag ("NoNewPrivs is not 1"));
}

static int
t_nnp_false (void)
{
  rt_error_t err;
  return expect_ok (rt_apply_no_new_privs (J ("{\"noNewPrivileges\": false}"), &err), &err, "apply")
         || expect_ok (rt_apply_no_new_privs (NULL, &err), &err, "apply NULL")
         || (status_field ("NoNewPrivs") != 0 && diag ("NoNewPrivs is not 0"));
}

/* ---- seccomp ---- */

static int
t_seccomp_errno (void)
{
  rt_error_t err;
  json_t *s = J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
                 "\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": [\"unshare\", \"mount\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}");
  if (expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp"))
    return 1;
  if (status_field ("Seccomp") != 2)
    return diag ("Seccomp is not 2");
  if (status_field ("NoNewPrivs") != 0)
    return diag ("loading the filter set NoNewPrivs");
  return expect_errno (unshare (CLONE_NEWUTS), EPERM, "unshare")
         || expect_errno (mount ("none", "/tmp", "tmpfs", 0, NULL), EPERM, "mount")
         || (getpid () <= 0 && diag ("getpid"));
}

static int
t_seccomp_args (void)
{
  rt_error_t err;
  /* getpgid: index 0 repeated -> OR of two rules; kill: two indexes -> AND. */
  json_t *s = J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                 "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": ["
                 " {\"index\": 0, \"value\": 11111, \"op\": \"SCMP_CMP_EQ\"},"
                 " {\"index\": 0, \"value\": 22222, \"op\": \"SCMP_CMP_EQ\"}]},"
                 "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": ["
                 " {\"index\": 0, \"value\": 999999, \"op\": \"SCMP_CMP_EQ\"},"
                 " {\"index\": 1, \"value\": 0, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
                 "{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"args\": ["
                 " {\"index\": 0, \"value\": 2, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
  if (expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp"))
    return 1;
  return expect_errno (getpgid (11111), EACCES, "getpgid(11111)")
         || expect_errno (getpgid (22222), EACCES, "getpgid(22222)")
         || (getpgid (0) < 0 && diag ("getpgid(0): %s", strerror (errno)))
         || expect_errno (kill (999999, 0), EACCES, "kill(999999, 0)")
         || expect_errno (kill (999999, SIGCONT), ESRCH, "kill(999999, SIGCONT)")
         || expect_errno (getpriority (PRIO_USER, 0), EINVAL, "getpriority(PRIO_USER) (masked)")
         || ((errno = 0, getpriority (PRIO_PROCESS, 0), errno != 0) && diag ("getpriority(PRIO_PROCESS)"));
}

static int
t_seccomp_default_errno (void)
{
  rt_error_t err;
  /* Default ERRNO with defaultErrnoRet ENOSYS; a rule with the default's
   * action is redundant and skipped; an unknown name is skipped. */
  json_t *s = J ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": ["
                 "{\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
                 "{\"names\": [\"definitely_not_a_syscall_2099\", \"exit\", \"exit_group\", \"getpid\", \"write\", "
                 "\"brk\", \"mmap\", \"munmap\", \"newfstatat\", \"fstat\", \"rt_sigreturn\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\"}]}");
  if (expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp"))
    return 1;
  return expect_errno (unshare (CLONE_NEWUTS), ENOSYS, "unshare") || expect_errno (syscall (SYS_getppid), ENOSYS, "getppid")
         || (syscall (SYS_getpid) <= 0 && diag ("getpid"));
}

static int
t_seccomp_kill_process (void)
{
  rt_error_t err;
  struct rlimit no_core = { 0, 0 };
  json_t *s = J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                 "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");

  setrlimit (RLIMIT_CORE, &no_core); /* no core file from the SIGSYS */
  if (expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp"))
    return 1;
  getpgid (0);
  return diag ("still alive after a SCMP_ACT_KILL_PROCESS syscall");
}

static void
check_killed_by_sigsys (const char *desc, check_fn fn)
{
  int status = 0;

  if (run_child (fn, &status) < 0)
    {
      report (false, desc);
      return;
    }
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGSYS)
    diag ("status %#x, wanted death by SIGSYS", status);
  report (WIFSIGNALED (status) && WTERMSIG (status) == SIGSYS, desc);
}

static int
t_seccomp_bad_input (void)
{
  rt_error_t err;
  return expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_FOO\"}"), &err), &err,
                      "seccomp: unknown action `SCMP_ACT_FOO`")
         || expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                                              "[\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"),
                                           &err),
                         &err, "`SCMP_ACT_NOTIFY` is not supported")
         || expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                                              "[\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}"),
                                           &err),
                         &err, "`errnoRet` given for action `SCMP_ACT_ALLOW`")
         || expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                                              "[\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
                                              "\"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}"),
                                           &err),
                         &err, "unknown operator `SCMP_CMP_ABOUT`")
         || expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
                                              "[\"SCMP_ARCH_Z80\"]}"),
                                           &err),
                         &err, "unknown architecture `SCMP_ARCH_Z80`")
         || expect_fail (rt_apply_seccomp (J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
                                              "[\"SECCOMP_FILTER_FLAG_FAST\"]}"),
                                           &err),
                         &err, "unknown flag `SECCOMP_FILTER_FLAG_FAST`")
         || expect_ok (rt_apply_seccomp (NULL, &err), &err, "NULL seccomp")
         || (status_field ("Seccomp") != 0 && diag ("a filter was loaded"));
}

static int
t_seccomp_flags (void)
{
  rt_error_t err;
  json_t *s = J ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", "
                 "\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"], \"syscalls\": ["
                 "{\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  return expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp")
         || expect_errno (unshare (CLONE_NEWUTS), EPERM, "unshare (errnoRet defaults to EPERM)");
}

static json_t *
load_fixture (void)
{
  json_error_t e;
  json_t *j = json_load_file (fixture_path, 0, &e);

  if (j == NULL)
    diag ("load `%s`: %s (line %d)", fixture_path, e.text, e.line);
  return j;
}

static int
t_seccomp_docker_default (void)
{
  rt_error_t err;
  json_t *s = load_fixture ();
  pid_t pid;
  int status;

  if (s == NULL || expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp (Docker default)"))
    return 1;
  if (status_field ("Seccomp") != 2)
    return diag ("Seccomp is not 2");
  if (expect_errno (unshare (CLONE_NEWUTS), EPERM, "unshare") || expect_errno (mount ("none", "/tmp", "tmpfs", 0, NULL), EPERM, "mount")
      || expect_errno (syscall (SYS_clone3, NULL, 0), ENOSYS, "clone3") || (getpid () <= 0 && diag ("getpid")))
    return 1;
  /* fork (clone without namespace flags) is allowed, and so is exec. */
  pid = fork ();
  if (pid < 0)
    return diag ("fork under the Docker profile: %s", strerror (errno));
  if (pid == 0)
    {
      execl ("/bin/true", "true", (char *) NULL);
      _exit (127);
    }
  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return diag ("fork+exec /bin/true under the Docker profile: status %#x", status);
  return 0;
}

/* The documented order: caps dropped (no CAP_SYS_ADMIN) and noNewPrivileges
 * false means the filter cannot be loaded any more; with it, it can. */
static int
t_seccomp_after_caps (void)
{
  rt_error_t err;
  json_t *s = load_fixture ();
  json_t *proc = J ("{\"noNewPrivileges\": true, \"capabilities\": {\"bounding\": [\"CAP_CHOWN\"], "
                    "\"effective\": [\"CAP_CHOWN\"], \"permitted\": [\"CAP_CHOWN\"]}}");

  if (s == NULL || expect_ok (rt_apply_capabilities (proc, &err), &err, "caps"))
    return 1;
  if (expect_fail (rt_apply_seccomp (s, &err), &err, "CAP_SYS_ADMIN"))
    return 1;
  return expect_ok (rt_apply_no_new_privs (proc, &err), &err, "nnp")
         || expect_ok (rt_apply_seccomp (s, &err), &err, "rt_apply_seccomp after no_new_privs")
         || expect_errno (unshare (CLONE_NEWUTS), EPERM, "unshare");
}

/* runc's order when noNewPrivileges is false: the filter goes in while
 * CAP_SYS_ADMIN is still held, then setuid and capabilities run under it
 * (Docker's profile allows capset, prctl, setresuid...), then execve. */
static int
t_seccomp_before_caps (void)
{
  rt_error_t err;
  json_t *s = load_fixture ();
  const char *dflt = "[\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", \"CAP_MKNOD\", "
                     "\"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", \"CAP_SETPCAP\", "
                     "\"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\", \"CAP_AUDIT_WRITE\"]";
  char proc[1024];
  uint64_t want = BIT (CAP_CHOWN) | BIT (CAP_DAC_OVERRIDE) | BIT (CAP_FSETID) | BIT (CAP_FOWNER) | BIT (CAP_MKNOD)
                  | BIT (CAP_NET_RAW) | BIT (CAP_SETGID) | BIT (CAP_SETUID) | BIT (CAP_SETFCAP) | BIT (CAP_SETPCAP)
                  | BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_SYS_CHROOT) | BIT (CAP_KILL) | BIT (CAP_AUDIT_WRITE);
  pid_t pid;
  int status;

  snprintf (proc, sizeof (proc),
            "{\"noNewPrivileges\": false, \"capabilities\": {\"bounding\": %s, \"effective\": %s, "
            "\"permitted\": %s}}",
            dflt, dflt, dflt);
  if (s == NULL || expect_ok (rt_apply_seccomp (s, &err), &err, "seccomp")
      || expect_ok (rt_capabilities_keep (&err), &err, "keepcaps"))
    return 1;
  if (setgroups (0, NULL) < 0 || setresgid (1000, 1000, 1000) < 0 || setresuid (1000, 1000, 1000) < 0)
    return diag ("setgroups/setresgid/setresuid under the Docker profile: %s", strerror (errno));
  if (expect_ok (rt_apply_capabilities (J (proc), &err), &err, "caps under the filter")
      || expect_ok (rt_apply_no_new_privs (J (proc), &err), &err, "nnp") || expect_mask ("CapBnd", want)
      || expect_mask ("CapEff", want))
    return 1;
  pid = fork ();
  if (pid == 0)
    {
      execl ("/bin/true", "true", (char *) NULL);
      _exit (127);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return diag ("exec /bin/true after the sequence failed");
  return 0;
}

/* ---- rlimits ---- */

static int
t_rlimit_lowered (void)
{
  rt_error_t err;
  struct rlimit before, after;
  int fd;

  getrlimit (RLIMIT_NOFILE, &before);
  if (status_field ("CapEff") & BIT (CAP_SYS_RESOURCE))
    {
      /* Make this root like the target host: no raising of hard limits. */
      if (prctl (PR_CAPBSET_DROP, CAP_SYS_RESOURCE) < 0)
        return diag ("cannot drop CAP_SYS_RESOURCE: %s", strerror (errno));
      if (rt_apply_capabilities (J ("{\"capabilities\": {\"effective\": [\"CAP_SETPCAP\"], \"permitted\": "
                                    "[\"CAP_SETPCAP\"], \"bounding\": [\"CAP_SETPCAP\"]}}"),
                                 &err)
          < 0)
        return diag ("%s", err.msg);
    }
  fd = capture_stderr ();
  if (expect_ok (rt_apply_rlimits (J ("{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1048576, \"soft\": "
                                      "1048576}]}"),
                                   &err),
                 &err, "rt_apply_rlimits"))
    return 1;
  getrlimit (RLIMIT_NOFILE, &after);
  if (after.rlim_max != before.rlim_max || after.rlim_cur != before.rlim_max)
    return diag ("NOFILE now %llu/%llu, wanted %llu/%llu", (unsigned long long) after.rlim_cur,
                 (unsigned long long) after.rlim_max, (unsigned long long) before.rlim_max,
                 (unsigned long long) before.rlim_max);
  if (strstr (captured (fd), "RLIMIT_NOFILE") == NULL || strstr (captured (fd), "lowered") == NULL)
    return diag ("no warning on stderr: \"%s\"", captured (fd));
  diag ("warning: %s", captured (fd));
  return 0;
}

static int
t_rlimit_set (void)
{
  rt_error_t err;
  struct rlimit nofile, core, stack;

  if (expect_ok (rt_apply_rlimits (J ("{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 1024},"
                                      "{\"type\": \"RLIMIT_CORE\", \"hard\": 0, \"soft\": 0},"
                                      "{\"type\": \"RLIMIT_STACK\", \"hard\": 18446744073709551615.0, \"soft\": 8388608}]}"),
                                   &err),
                 &err, "rt_apply_rlimits"))
    return 1;
  getrlimit (RLIMIT_NOFILE, &nofile);
  getrlimit (RLIMIT_CORE, &core);
  getrlimit (RLIMIT_STACK, &stack);
  if (nofile.rlim_cur != 1024 || nofile.rlim_max != 4096 || core.rlim_cur != 0 || core.rlim_max != 0
      || stack.rlim_cur != 8388608)
    return diag ("got NOFILE %llu/%llu CORE %llu/%llu STACK %llu", (unsigned long long) nofile.rlim_cur,
                 (unsigned long long) nofile.rlim_max, (unsigned long long) core.rlim_cur,
                 (unsigned long long) core.rlim_max, (unsigned long long) stack.rlim_cur);
  return expect_ok (rt_apply_rlimits (J ("{}"), &err), &err, "no rlimits");
}

static int
t_rlimit_bad (void)
{
  rt_error_t err;
  return expect_fail (rt_apply_rlimits (J ("{\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"hard\": 1, \"soft\": 1}]}"), &err),
                      &err, "rlimit: unknown type `RLIMIT_FOO`")
         || expect_fail (rt_apply_rlimits (J ("{\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 1, \"soft\": 2}]}"),
                                           &err),
                         &err, "`RLIMIT_CORE`: soft limit is above the hard limit");
}

/* ---- oom_score_adj ---- */

static int
t_oom_set (void)
{
  rt_error_t err;
  char buf[32];

  if (expect_ok (rt_apply_oom_score_adj (J ("{\"oomScoreAdj\": 500}"), &err), &err, "apply"))
    return 1;
  if (read_small_file ("/proc/self/oom_score_adj", buf, sizeof (buf)) < 0 || strcmp (buf, "500") != 0)
    return diag ("oom_score_adj is `%s`", buf);
  return 0;
}

static int
t_oom_negative (void)
{
  rt_error_t err;
  char before[32], after[32];
  bool privileged = status_field ("CapEff") & BIT (CAP_SYS_RESOURCE);
  int fd;

  read_small_file ("/proc/self/oom_score_adj", before, sizeof (before));
  fd = capture_stderr ();
  if (expect_ok (rt_apply_oom_score_adj (J ("{\"oomScoreAdj\": -500}"), &err), &err, "apply"))
    return 1;
  read_small_file ("/proc/self/oom_score_adj", after, sizeof (after));
  if (privileged)
    return strcmp (after, "-500") != 0 && diag ("oom_score_adj is `%s`", after);
  diag ("without CAP_SYS_RESOURCE: kept `%s`, stderr: %s", after, captured (fd));
  if (strcmp (before, after) != 0 || strstr (captured (fd), "oom_score_adj") == NULL)
    return diag ("wanted the value kept with a warning");
  return expect_fail (rt_apply_oom_score_adj (J ("{\"oomScoreAdj\": 2000}"), &err), &err, "outside -1000..1000");
}

/* ---- sysctl ---- */

static int
t_sysctl_ns (void)
{
  rt_error_t err;
  char buf[64], host[256];

  if (unshare (CLONE_NEWUTS | CLONE_NEWIPC) < 0)
    return diag ("unshare: %s", strerror (errno));
  if (expect_ok (rt_apply_sysctls (J ("{\"kernel.shm_rmid_forced\": \"1\", \"kernel.hostname\": \"sec-test\", "
                                      "\"kernel.msgmax\": \"16384\"}"),
                                   &err),
                 &err, "rt_apply_sysctls"))
    return 1;
  if (read_small_file ("/proc/sys/kernel/shm_rmid_forced", buf, sizeof (buf)) < 0 || strcmp (buf, "1") != 0)
    return diag ("kernel.shm_rmid_forced is `%s`", buf);
  if (read_small_file ("/proc/sys/kernel/msgmax", buf, sizeof (buf)) < 0 || strcmp (buf, "16384") != 0)
    return diag ("kernel.msgmax is `%s`", buf);
  if (gethostname (host, sizeof (host)) < 0 || strcmp (host, "sec-test") != 0)
    return diag ("hostname is `%s`", host);
  return 0;
}

static int
t_sysctl_bad (void)
{
  rt_error_t err;
  return expect_fail (rt_apply_sysctls (J ("{\"kernel/hostname\": \"x\"}"), &err), &err, "`/` is not allowed")
         || expect_fail (rt_apply_sysctls (J ("{\"kernel..hostname\": \"x\"}"), &err), &err, "`..` segment")
         || expect_fail (rt_apply_sysctls (J ("{\"..kernel.hostname\": \"x\"}"), &err), &err, "`..` segment")
         || expect_fail (rt_apply_sysctls (J ("{\"kernel.no_such_knob\": \"1\"}"), &err), &err,
                         "sysctl `kernel.no_such_knob`: open `/proc/sys/kernel/no_such_knob`: No such file")
         || expect_fail (rt_apply_sysctls (J ("{\"kernel.hostname\": 1}"), &err), &err, "value must be a string")
         || expect_ok (rt_apply_sysctls (NULL, &err), &err, "NULL sysctl");
}

int
main (int argc, char **argv)
{
  char host_shm[64] = "", host_msgmax[64] = "", host_name[256] = "";

  if (argc > 1)
    fixture_path = argv[1];
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (geteuid () != 0)
    {
      printf ("1..0 # SKIP needs root\n");
      return 0;
    }
  read_small_file ("/proc/sys/kernel/shm_rmid_forced", host_shm, sizeof (host_shm));
  read_small_file ("/proc/sys/kernel/msgmax", host_msgmax, sizeof (host_msgmax));
  gethostname (host_name, sizeof (host_name));

  printf ("1..30\n");
  check ("capabilities: bounding set is exactly the listed caps (CapBnd)", t_caps_bounding);
  check ("capabilities: effective set (CapEff)", t_caps_effective);
  check ("capabilities: permitted set (CapPrm)", t_caps_permitted);
  check ("capabilities: inheritable set (CapInh)", t_caps_inheritable);
  check ("capabilities: ambient set (CapAmb)", t_caps_ambient);
  check ("capabilities: empty object drops all five sets", t_caps_empty_sets);
  check ("capabilities: absent or NULL process keeps the current sets", t_caps_absent_keeps);
  check ("capabilities: unknown name is an error naming it", t_caps_unknown);
  check ("capabilities: effective outside permitted is an error naming the cap", t_caps_eff_not_prm);
  check ("capabilities: a cap the runtime lacks is left out with a warning", t_caps_not_held);
  check ("capabilities: keepcaps + setuid(1000) + ambient survive execve", t_caps_setuid_exec);
  check ("noNewPrivileges true sets NoNewPrivs: 1", t_nnp_true);
  check ("noNewPrivileges false/absent leaves NoNewPrivs: 0", t_nnp_false);
  check ("seccomp: Seccomp: 2; unshare and mount get EPERM; getpid works; NNP untouched", t_seccomp_errno);
  check ("seccomp: args (same index = OR, distinct = AND, MASKED_EQ) and errnoRet", t_seccomp_args);
  check ("seccomp: defaultErrnoRet, redundant rule and unknown syscall name skipped", t_seccomp_default_errno);
  check_killed_by_sigsys ("seccomp: SCMP_ACT_KILL_PROCESS kills with SIGSYS", t_seccomp_kill_process);
  check ("seccomp: bad action/NOTIFY/errnoRet/op/arch/flag are clear errors; NULL loads nothing", t_seccomp_bad_input);
  check ("seccomp: TSYNC, LOG, SPEC_ALLOW flags; errnoRet defaults to EPERM", t_seccomp_flags);
  check_with_profile ("seccomp: Docker default profile (x86_64) loads; unshare/mount EPERM, clone3 ENOSYS, getpid, fork+exec work",
         t_seccomp_docker_default);
  check_with_profile ("seccomp: after dropping CAP_SYS_ADMIN it needs noNewPrivileges, and says so", t_seccomp_after_caps);
  check_with_profile ("seccomp first (Docker profile), then keepcaps+setuid(1000)+Docker default caps under it, then exec",
         t_seccomp_before_caps);
  check ("rlimits: NOFILE above the hard limit is lowered with a warning", t_rlimit_lowered);
  check ("rlimits: NOFILE, CORE and STACK (2^64-1 = unlimited) are set", t_rlimit_set);
  check ("rlimits: unknown type and soft > hard are errors", t_rlimit_bad);
  check ("oomScoreAdj 500 is written to /proc/self/oom_score_adj", t_oom_set);
  check ("oomScoreAdj -500: set, or kept with a warning without CAP_SYS_RESOURCE; 2000 refused", t_oom_negative);
  check ("sysctl: kernel.shm_rmid_forced, kernel.msgmax, kernel.hostname in new IPC/UTS namespaces", t_sysctl_ns);
  check ("sysctl: `/`, `..`, missing key and non-string value are refused", t_sysctl_bad);

  {
    char shm[64] = "", msgmax[64] = "", name[256] = "";
    read_small_file ("/proc/sys/kernel/shm_rmid_forced", shm, sizeof (shm));
    read_small_file ("/proc/sys/kernel/msgmax", msgmax, sizeof (msgmax));
    gethostname (name, sizeof (name));
    if (strcmp (shm, host_shm) || strcmp (msgmax, host_msgmax) || strcmp (name, host_name))
      diag ("host changed: shm_rmid_forced %s->%s msgmax %s->%s hostname %s->%s", host_shm, shm, host_msgmax, msgmax,
            host_name, name);
    report (strcmp (shm, host_shm) == 0 && strcmp (msgmax, host_msgmax) == 0 && strcmp (name, host_name) == 0,
            "host sysctls and hostname unchanged");
  }
  return failed ? 1 : 0;
}
