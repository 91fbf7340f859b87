/* tscompose-monitor: one per container, like podman's conmon.  It starts the
 * container through an OCI runtime, owns the container's stdio, writes its
 * output to a Docker json-file log, serves attach, records the exit status,
 * and outlives the engine daemon that started it.
 *
 * Command line
 * ------------
 *   tscompose-monitor --id ID --bundle DIR --runtime PATH [--runtime-root DIR]
 *                     --state-dir DIR --log-path FILE
 *                     [--log-max-size BYTES] [--log-max-files N]
 *                     [--terminal] [--stdin] [--stdin-once]
 *                     [--cgroup-path PATH] [--foreground]
 *
 *   --id ID             container id given to the runtime
 *   --bundle DIR        OCI bundle (config.json + rootfs)
 *   --runtime PATH      runc-compatible runtime (tscompose-runtime, runc, crun)
 *   --runtime-root DIR  passed as the runtime's global `--root DIR`
 *   --state-dir DIR     the monitor's files (created if missing, see below)
 *   --log-path FILE     json-file log; rotated as FILE.1 ... FILE.(N-1)
 *   --log-max-size B    rotate when the log would pass B bytes (0 = never;
 *                       suffixes k, m, g accepted)
 *   --log-max-files N   files kept, the current one included, as Docker's
 *                       max-file (default 1: the log is truncated in place)
 *   --terminal          the container gets a pty (process.terminal must be
 *                       true in config.json): STATE_DIR/console.sock is passed
 *                       as --console-socket and the master is received over it
 *   --stdin             keep the container's stdin open (a pipe fed by attach
 *                       clients); without it stdin is /dev/null (unless --terminal)
 *   --stdin-once        close the container's stdin when an attach client
 *                       shuts down its input (Docker's StdinOnce)
 *   --cgroup-path PATH  the container's cgroup (absolute, or relative to
 *                       /sys/fs/cgroup[/memory]); read for oomKilled at exit
 *   --foreground        do not detach (debugging)
 *
 * It runs `RUNTIME [--root R] create --bundle DIR --pid-file
 * STATE_DIR/container.pid [--console-socket S] ID` with the container's
 * stdio pipes as the runtime's stdio, then `RUNTIME [--root R] start ID`.
 * Being a child subreaper, the container's init becomes its child when the
 * runtime exits, so the monitor waitpid()s it for the exit status.  It does
 * not delete the container: the engine runs `RUNTIME delete` after reading
 * exit.json.
 *
 * Exit status of the command (the process the engine waits for): 0 once
 * the container is started (the monitor itself then runs on, detached), 1 if
 * start-up failed (message on stderr and in STATE_DIR/monitor.err), 2 for a
 * usage error.
 *
 * State directory
 *   monitor.pid     pid of the detached monitor
 *   container.pid   pid of the container's init (written by the runtime)
 *   attach.sock     attach socket, protocol in include/monitor.h
 *   ctl             FIFO of control lines; "resize ROWS COLS\n" sets the
 *                   pty's window size (--terminal)
 *   monitor.err     start-up failure message
 *   exit.json       written atomically when the container exits:
 *                   {"exitCode":N,"signal":S|null,"oomKilled":B,"finishedAt":"RFC3339Nano"}
 *
 * Signals: SIGPIPE and SIGHUP are ignored; SIGTERM, SIGINT, SIGQUIT, SIGUSR1
 * and SIGUSR2 sent to the monitor are forwarded to the container's init (as
 * conmon does); SIGKILL the monitor to abandon a container.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

static struct
{
  const char *id, *bundle, *runtime, *runtime_root, *state_dir, *log_path, *cgroup_path;
  long long log_max_size;
  int log_max_files, terminal, stdin_open, stdin_once, foreground;
} opt = { .log_max_files = 1 };

static char state_dir[PATH_MAX], bundle[PATH_MAX], log_path[PATH_MAX], runtime[PATH_MAX], runtime_root[PATH_MAX];
static char pid_path[PATH_MAX + 32], err_path[PATH_MAX + 32], exit_path[PATH_MAX + 32], attach_path[PATH_MAX + 32],
    console_path[PATH_MAX + 32], cpid_path[PATH_MAX + 32], ctl_path[PATH_MAX + 32];

static int sync_fd = -1; /* to the process the engine waits for */
static int created;      /* the runtime created the container: delete it on failure */

static void
usage (const char *msg)
{
  fprintf (stderr,
           "tscompose-monitor: %s\n"
           "usage: tscompose-monitor --id ID --bundle DIR --runtime PATH [--runtime-root DIR] --state-dir DIR\n"
           "         --log-path FILE [--log-max-size BYTES] [--log-max-files N] [--terminal] [--stdin]\n"
           "         [--stdin-once] [--cgroup-path PATH] [--foreground]\n",
           msg);
  exit (2);
}

static long long
parse_size (const char *s)
{
  char *end;
  long long v = strtoll (s, &end, 10);

  if (end == s || v < 0)
    usage ("bad size");
  switch (*end)
    {
    case 'k':
    case 'K':
      v <<= 10;
      end++;
      break;
    case 'm':
    case 'M':
      v <<= 20;
      end++;
      break;
    case 'g':
    case 'G':
      v <<= 30;
      end++;
      break;
    }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0')
    usage ("bad size");
  return v;
}

static void
parse_args (int argc, char **argv)
{
  static const struct
  {
    const char *name;
    const char **value;
  } valued[] = {
    { "id", &opt.id },
    { "bundle", &opt.bundle },
    { "runtime", &opt.runtime },
    { "runtime-root", &opt.runtime_root },
    { "state-dir", &opt.state_dir },
    { "log-path", &opt.log_path },
    { "cgroup-path", &opt.cgroup_path },
  };
  const char *size = NULL, *files = NULL;
  int i;

  for (i = 1; i < argc; i++)
    {
      char *a = argv[i], *eq, name[64];
      const char *value = NULL;
      const char **dest = NULL;
      size_t k;

      if (strncmp (a, "--", 2) != 0)
        usage ("unexpected argument");
      a += 2;
      eq = strchr (a, '=');
      snprintf (name, sizeof name, "%.*s", eq ? (int) (eq - a) : (int) strlen (a), a);
      if (strcmp (name, "terminal") == 0)
        opt.terminal = 1;
      else if (strcmp (name, "stdin") == 0)
        opt.stdin_open = 1;
      else if (strcmp (name, "stdin-once") == 0)
        opt.stdin_once = 1;
      else if (strcmp (name, "foreground") == 0)
        opt.foreground = 1;
      else
        {
          if (eq)
            value = eq + 1;
          else if (i + 1 < argc)
            value = argv[++i];
          else
            usage ("option needs a value");
          for (k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp (name, valued[k].name) == 0)
              dest = valued[k].value;
          if (dest != NULL)
            *dest = value;
          else if (strcmp (name, "log-max-size") == 0)
            size = value;
          else if (strcmp (name, "log-max-files") == 0)
            files = value;
          else
            usage ("unknown option");
          continue;
        }
      if (eq)
        usage ("flag takes no value");
    }
  if (!opt.id || !opt.bundle || !opt.runtime || !opt.state_dir || !opt.log_path)
    usage ("--id, --bundle, --runtime, --state-dir and --log-path are required");
  if (size)
    opt.log_max_size = parse_size (size);
  if (files)
    {
      char *end;
      long v = strtol (files, &end, 10);
      if (end == files || *end || v < 1 || v > 1000)
        usage ("bad --log-max-files");
      opt.log_max_files = (int) v;
    }
}

/* out = path made absolute against the current directory. */
static void
absolute (char *out, const char *path)
{
  char cwd[PATH_MAX];

  if (path[0] == '/' || getcwd (cwd, sizeof cwd) == NULL)
    snprintf (out, PATH_MAX, "%s", path);
  else if (snprintf (out, PATH_MAX, "%.2048s/%.2000s", cwd, path) >= PATH_MAX)
    usage ("path too long");
}

/* Start-up failure: tell the caller, leave monitor.err, exit 1. */
static void __attribute__ ((noreturn)) fail (const rt_error_t *err)
{
  rt_error_t ignored;
  char msg[sizeof err->msg + 2];
  int n = snprintf (msg, sizeof msg, "%s\n", err->msg);

  mon_write_atomic (err_path, msg, (size_t) n, &ignored);
  if (sync_fd >= 0)
    {
      if (write (sync_fd, msg, (size_t) n) < 0)
        {
        }
    }
  else
    fprintf (stderr, "tscompose-monitor: %s", msg);
  if (created && opt.runtime)
    {
      /* best effort: do not leave a created container behind */
      char *argv[8];
      int a = 0;
      pid_t pid;
      argv[a++] = runtime;
      if (opt.runtime_root)
        {
          argv[a++] = "--root";
          argv[a++] = runtime_root;
        }
      argv[a++] = "delete";
      argv[a++] = "--force";
      argv[a++] = (char *) opt.id;
      argv[a] = NULL;
      pid = fork ();
      if (pid == 0)
        {
          int null = open ("/dev/null", O_RDWR);
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
          execv (runtime, argv);
          _exit (127);
        }
      if (pid > 0)
        waitpid (pid, NULL, 0);
    }
  exit (1);
}

#define FAIL(...)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      rt_error_t e_;                                                                                                   \
      rt_fail (&e_, __VA_ARGS__);                                                                                      \
      fail (&e_);                                                                                                      \
    }                                                                                                                  \
  while (0)

/* Fork and exec the runtime with the given stdio. */
static pid_t
spawn (char **argv, int in, int out, int errfd)
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      signal (SIGHUP, SIG_DFL);
      if (dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (errfd, 2) < 0)
        _exit (126);
      execv (argv[0], argv);
      dprintf (2, "exec `%s`: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  return pid;
}

static int
wait_child (pid_t pid)
{
  int status;

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

/* Up to size-1 bytes of what is waiting in a non-blocking fd. */
static void
read_pending (int fd, char *buf, size_t size)
{
  size_t len = 0;

  while (fd >= 0 && len + 1 < size)
    {
      ssize_t n = read (fd, buf + len, size - 1 - len);
      if (n <= 0)
        break;
      len += (size_t) n;
    }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    len--;
  buf[len] = '\0';
}

static void
runtime_failed (const char *what, int status, int errfd)
{
  char out[768];

  read_pending (errfd, out, sizeof out);
  if (WIFEXITED (status))
    FAIL (0, "`%s %s` exited with status %d%s%s", runtime, what, WEXITSTATUS (status), out[0] ? ": " : "", out);
  FAIL (0, "`%s %s` killed by signal %d%s%s", runtime, what, WTERMSIG (status), out[0] ? ": " : "", out);
}

static void
set_nonblock (int fd)
{
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
}

/* Make sure fds 0-2 are open so no pipe lands there; close every fd
 * inherited from the engine beyond them. */
static void
sanitize_fds (void)
{
  int fd;

  while ((fd = open ("/dev/null", O_RDWR)) >= 0 && fd <= 2)
    ;
  if (fd > 2)
    close (fd);
#ifdef SYS_close_range
  if (syscall (SYS_close_range, 3U, ~0U, 0U) == 0)
    return;
#endif
  for (fd = 3; fd < 1024; fd++)
    close (fd);
}

/* Leave the engine's session: the command the engine runs returns once the
 * container is started (or failed); the monitor carries on as a grandchild. */
static void
detach (void)
{
  int p[2];
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      perror ("tscompose-monitor: pipe");
      exit (1);
    }
  pid = fork ();
  if (pid < 0)
    {
      perror ("tscompose-monitor: fork");
      exit (1);
    }
  if (pid > 0)
    {
      char buf[1200];
      size_t len = 0;
      ssize_t n;

      close (p[1]);
      wait_child (pid);
      while (len + 1 < sizeof buf && ((n = read (p[0], buf + len, sizeof buf - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0)
          len += (size_t) n;
      buf[len] = '\0';
      if (len >= 3 && strncmp (buf, "ok\n", 3) == 0)
        exit (0);
      fprintf (stderr, "tscompose-monitor: %s", len ? buf : "monitor died during start-up\n");
      exit (1);
    }
  close (p[0]);
  sync_fd = p[1];
  if (setsid () < 0)
    _exit (1);
  pid = fork ();
  if (pid < 0)
    _exit (1);
  if (pid > 0)
    _exit (0);
}

int
main (int argc, char **argv)
{
  rt_error_t err;
  sigset_t sigs;
  int sfd, null_fd;
  int out_r = -1, err_r = -1, master = -1, in_w = -1;
  int child_in, child_out, child_err;
  int console_fd = -1, rt_err[2] = { -1, -1 };
  char *rargv[16];
  int a = 0, status;
  pid_t create_pid, start_pid, container_pid = 0;

  sanitize_fds ();
  parse_args (argc, argv);

  absolute (state_dir, opt.state_dir);
  absolute (bundle, opt.bundle);
  absolute (log_path, opt.log_path);
  if (strchr (opt.runtime, '/') != NULL)
    absolute (runtime, opt.runtime);
  else
    snprintf (runtime, sizeof runtime, "%s", opt.runtime);
  if (opt.runtime_root)
    absolute (runtime_root, opt.runtime_root);
  snprintf (pid_path, sizeof pid_path, "%s/monitor.pid", state_dir);
  snprintf (err_path, sizeof err_path, "%s/monitor.err", state_dir);
  snprintf (exit_path, sizeof exit_path, "%s/exit.json", state_dir);
  snprintf (attach_path, sizeof attach_path, "%s/attach.sock", state_dir);
  snprintf (console_path, sizeof console_path, "%s/console.sock", state_dir);
  snprintf (cpid_path, sizeof cpid_path, "%s/container.pid", state_dir);
  snprintf (ctl_path, sizeof ctl_path, "%s/ctl", state_dir);
  if (runtime[0] != '/')
    usage ("--runtime must be a path");

  if (mkdir (state_dir, 0700) < 0 && errno != EEXIST)
    {
      fprintf (stderr, "tscompose-monitor: mkdir `%s`: %s\n", state_dir, strerror (errno));
      return 1;
    }
  unlink (exit_path);
  unlink (err_path);
  unlink (cpid_path);

  signal (SIGPIPE, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  if (!opt.foreground)
    detach ();

  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0)
    FAIL (errno, "open `/dev/null`");
  dup2 (null_fd, 0);
  if (chdir ("/") < 0)
    FAIL (errno, "chdir `/`");

  sigemptyset (&sigs);
  sigaddset (&sigs, SIGCHLD);
  sigaddset (&sigs, SIGTERM);
  sigaddset (&sigs, SIGINT);
  sigaddset (&sigs, SIGQUIT);
  sigaddset (&sigs, SIGUSR1);
  sigaddset (&sigs, SIGUSR2);
  if (sigprocmask (SIG_BLOCK, &sigs, NULL) < 0)
    FAIL (errno, "sigprocmask");
  sfd = signalfd (-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0)
    FAIL (errno, "signalfd");
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    FAIL (errno, "prctl PR_SET_CHILD_SUBREAPER");
  if (mon_write_pidfile (pid_path, getpid (), &err) < 0)
    fail (&err);
  if (mon_log_open (log_path, opt.log_max_size, opt.log_max_files, &err) < 0)
    fail (&err);
  if (mon_attach_listen (attach_path, &err) < 0)
    fail (&err);
  if (mon_ctl_open (ctl_path, &err) < 0)
    fail (&err);

  /* The container's stdio. */
  if (opt.terminal)
    {
      console_fd = mon_console_listen (console_path, &err);
      if (console_fd < 0)
        fail (&err);
      if (pipe2 (rt_err, O_CLOEXEC) < 0)
        FAIL (errno, "pipe");
      set_nonblock (rt_err[0]);
      child_in = null_fd;
      child_out = child_err = rt_err[1];
    }
  else
    {
      int p[2];

      if (pipe2 (p, O_CLOEXEC) < 0)
        FAIL (errno, "pipe");
      out_r = p[0];
      child_out = p[1];
      if (pipe2 (p, O_CLOEXEC) < 0)
        FAIL (errno, "pipe");
      err_r = p[0];
      child_err = p[1];
      child_in = null_fd;
      if (opt.stdin_open)
        {
          if (pipe2 (p, O_CLOEXEC) < 0)
            FAIL (errno, "pipe");
          child_in = p[0];
          in_w = p[1];
        }
      set_nonblock (out_r);
      set_nonblock (err_r);
    }

  /* RUNTIME [--root R] create --bundle B --pid-file P [--console-socket S] ID */
  rargv[a++] = runtime;
  if (opt.runtime_root)
    {
      rargv[a++] = "--root";
      rargv[a++] = runtime_root;
    }
  rargv[a++] = "create";
  rargv[a++] = "--bundle";
  rargv[a++] = bundle;
  rargv[a++] = "--pid-file";
  rargv[a++] = cpid_path;
  if (opt.terminal)
    {
      rargv[a++] = "--console-socket";
      rargv[a++] = console_path;
    }
  rargv[a++] = (char *) opt.id;
  rargv[a] = NULL;
  create_pid = spawn (rargv, child_in, child_out, child_err);
  if (create_pid < 0)
    FAIL (errno, "fork");
  if (opt.terminal)
    {
      /* Take the pty master while the runtime runs: it may wait for us. */
      for (;;)
        {
          struct pollfd p = { console_fd, POLLIN, 0 };
          pid_t w;
          if (master < 0 && poll (&p, 1, 50) > 0)
            {
              if (mon_console_recv (console_fd, &master, &err) < 0)
                fail (&err);
            }
          w = waitpid (create_pid, &status, master < 0 ? WNOHANG : 0);
          if (w == create_pid)
            break;
          if (w < 0 && errno != EINTR)
            FAIL (errno, "waitpid");
        }
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        {
          created = 1;
          if (master < 0)
            {
              struct pollfd p = { console_fd, POLLIN, 0 };
              if (poll (&p, 1, 0) <= 0)
                FAIL (0, "the runtime sent no terminal (is process.terminal true in config.json?)");
              if (mon_console_recv (console_fd, &master, &err) < 0)
                fail (&err);
            }
        }
      close (console_fd);
      unlink (console_path);
    }
  else
    status = wait_child (create_pid);
  if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    runtime_failed ("create", status, opt.terminal ? rt_err[0] : err_r);
  created = 1;

  /* The container's ends belong to it now. */
  if (child_in != null_fd)
    close (child_in);
  if (!opt.terminal)
    {
      close (child_out);
      close (child_err);
    }
  if (mon_read_pidfile (cpid_path, &container_pid, &err) < 0)
    fail (&err);
  if (opt.terminal)
    {
      set_nonblock (master);
      mon_stdin_set (master, 0, 0);
    }
  else if (in_w >= 0)
    {
      set_nonblock (in_w);
      mon_stdin_set (in_w, 1, opt.stdin_once);
    }

  /* RUNTIME [--root R] start ID, its output kept for the error message. */
  if (rt_err[0] < 0)
    {
      if (pipe2 (rt_err, O_CLOEXEC) < 0)
        FAIL (errno, "pipe");
      set_nonblock (rt_err[0]);
    }
  a = opt.runtime_root ? 3 : 1;
  rargv[a++] = "start";
  rargv[a++] = (char *) opt.id;
  rargv[a] = NULL;
  start_pid = spawn (rargv, null_fd, rt_err[1], rt_err[1]);
  if (start_pid < 0)
    FAIL (errno, "fork");
  status = wait_child (start_pid);
  if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    runtime_failed ("start", status, rt_err[0]);
  close (rt_err[0]);
  close (rt_err[1]);

  /* Started: release the caller and the engine's stdio. */
  if (sync_fd >= 0)
    {
      if (write (sync_fd, "ok\n", 3) < 0)
        {
        }
      close (sync_fd);
      sync_fd = -1;
      dup2 (null_fd, 1);
      dup2 (null_fd, 2);
    }

  /* Main loop. */
  {
    struct pollfd pfds[8 + MON_MAX_CLIENTS + 1];
    char buf[MON_READ_CHUNK];
    int exited = 0, wstatus = 0;

    for (;;)
      {
        int n = 0, i_sig, i_ctl, i_out = -1, i_err = -1, i_in = -1, i_att, n_att, stdin_pending;

        i_sig = n;
        pfds[n].fd = sfd;
        pfds[n++].events = POLLIN;
        i_ctl = n;
        pfds[n].fd = mon_ctl_fd ();
        pfds[n++].events = POLLIN;
        if (opt.terminal ? master >= 0 : out_r >= 0)
          {
            i_out = n;
            pfds[n].fd = opt.terminal ? master : out_r;
            pfds[n++].events = POLLIN;
          }
        if (err_r >= 0)
          {
            i_err = n;
            pfds[n].fd = err_r;
            pfds[n++].events = POLLIN;
          }
        stdin_pending = mon_stdin_pending_fd ();
        if (stdin_pending >= 0)
          {
            if (i_out >= 0 && pfds[i_out].fd == stdin_pending)
              pfds[i_out].events |= POLLOUT;
            else
              {
                i_in = n;
                pfds[n].fd = stdin_pending;
                pfds[n++].events = POLLOUT;
              }
          }
        i_att = n;
        n_att = mon_attach_pollfds (pfds + n, MON_MAX_CLIENTS + 1);
        n += n_att;

        if (poll (pfds, (nfds_t) n, -1) < 0)
          {
            if (errno == EINTR)
              continue;
            break;
          }

        if (pfds[i_sig].revents & POLLIN)
          {
            struct signalfd_siginfo si;
            while (read (sfd, &si, sizeof si) == (ssize_t) sizeof si)
              {
                if (si.ssi_signo != SIGCHLD)
                  {
                    kill (container_pid, (int) si.ssi_signo);
                    continue;
                  }
                for (;;)
                  {
                    int st;
                    pid_t pid = waitpid (-1, &st, WNOHANG);
                    if (pid <= 0)
                      break;
                    if (pid == container_pid)
                      {
                        exited = 1;
                        wstatus = st;
                      }
                  }
              }
          }

        /* Attach clients first: one that connected while the container was
         * being started (docker run attaches, then starts) must be accepted
         * before the first output is read, or it would miss it. */
        mon_attach_handle (pfds + i_att, n_att);

        /* Output: read until it would block when the container has gone. */
        {
          int k;
          for (k = 0; k < 2; k++)
            {
              int idx = k == 0 ? i_out : i_err;
              int *fdp = k == 0 ? (opt.terminal ? &master : &out_r) : &err_r;
              int tag = k == 0 ? MON_TAG_STDOUT : MON_TAG_STDERR;
              if (idx < 0 || *fdp < 0)
                continue;
              if (!exited && !(pfds[idx].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
              do
                {
                  ssize_t r = read (*fdp, buf, sizeof buf);
                  if (r > 0)
                    {
                      mon_log_write (tag, buf, (size_t) r);
                      mon_attach_broadcast (tag, buf, (size_t) r);
                      continue;
                    }
                  if (r < 0 && errno == EINTR)
                    continue;
                  if (r < 0 && errno == EAGAIN)
                    break;
                  /* EOF, or EIO from a pty whose slave is closed */
                  mon_log_flush (tag);
                  if (opt.terminal && k == 0)
                    mon_stdin_set (-1, 0, 0); /* the master is gone for input too */
                  close (*fdp);
                  *fdp = -1;
                  break;
                }
              while (exited);
            }
        }

        if (exited)
          break;
        if (pfds[i_ctl].revents & POLLIN)
          mon_ctl_handle (master);
        if (i_in >= 0 && (pfds[i_in].revents & (POLLOUT | POLLERR | POLLHUP)))
          mon_stdin_flush ();
        else if (i_out >= 0 && stdin_pending >= 0 && pfds[i_out].fd == stdin_pending
                 && (pfds[i_out].revents & POLLOUT))
          mon_stdin_flush ();
      }

    /* The container has exited: record it and go. */
    {
      char json[256];
      size_t len;

      mon_log_flush (MON_TAG_STDOUT);
      mon_log_flush (MON_TAG_STDERR);
      mon_log_close ();
      len = mon_format_exit (json, sizeof json, wstatus, opt.cgroup_path);
      if (mon_write_atomic (exit_path, json, len, &err) < 0)
        {
          char msg[sizeof err.msg + 2];
          int m = snprintf (msg, sizeof msg, "%s\n", err.msg);
          mon_write_atomic (err_path, msg, (size_t) m, &err);
        }
      mon_attach_close (json, len);
      unlink (ctl_path);
    }
  }
  return 0;
}
