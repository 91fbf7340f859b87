/* tscompose-exec-pty: one TTY exec (`docker exec -t`) for the engine.
 *
 * A runtime's `exec --tty` makes the pty inside the container and hands its
 * master to whoever listens on --console-socket, with SCM_RIGHTS.  The engine
 * daemon is written in Node, which cannot receive a file descriptor, so this
 * helper takes the master for it and turns the terminal back into plain
 * byte streams on its own stdio, as a containerd shim does for dockerd.
 *
 * Command line
 * ------------
 *   tscompose-exec-pty --runtime PATH [--runtime-root DIR] --console-socket PATH
 *                      --process FILE --pid-file FILE [--ctl-fd N] ID
 *
 * It listens on the console socket and runs
 *   RUNTIME [--root DIR] exec --detach --tty --console-socket PATH
 *           --process FILE --pid-file FILE ID
 * which is runc's command line (runc accepts a console socket only with
 * --detach; tscompose-runtime and crun take the same), with /dev/null as the
 * runtime's stdin and our stderr as its stdout and stderr, so the runtime's
 * error messages reach the caller.  Being a child subreaper, the helper
 * inherits the exec'd process when the runtime exits, and waits for it (its
 * pid from the pid file).  The initial window size is the process's
 * consoleSize, which the runtime applies before the process starts.
 *
 *   stdin      what the user types; written to the pty master (buffered, so a
 *              process that does not read cannot stall its own output).  Its
 *              EOF only stops the input, as for Docker: a terminal has no EOF.
 *   stdout     everything the process writes to its terminal
 *   stderr     the runtime's and this helper's messages
 *   --ctl-fd N an inherited fd (pipe or socket) of control lines, the same as
 *              the monitor's ctl FIFO: "resize ROWS COLS\n" sets the window
 *              size.  Lines sent before the master arrived are applied once it
 *              has; an EOF on it only stops the resizes.
 *
 * SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are passed to the
 * process (to the runtime while the process is not known yet).  Every fd this
 * helper opens is close-on-exec, and it marks every inherited fd above 2
 * close-on-exec too: the runtime, and so the container, get only fds 0-2.
 *
 * Exit status: the process's exit code, 128+N when it was killed by signal
 * N; the runtime's status when the runtime failed (126/127: the command
 * could not be run); 125 when this helper itself failed (usage, console
 * socket, spawning the runtime, no terminal or pid received).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

#define EXIT_HELPER 125
/* After the process has gone, output still in the pty is read until the
 * master reports EIO (every slave end closed) or nothing came for this long
 * (a background process of the exec still holds the terminal). */
#define DRAIN_IDLE_MS 100

static struct
{
  const char *runtime, *runtime_root, *console_socket, *process, *pid_file, *id;
  int ctl_fd;
} opt = { .ctl_fd = -1 };

static void __attribute__ ((noreturn)) die (const rt_error_t *err)
{
  fprintf (stderr, "tscompose-exec-pty: %s\n", err->msg);
  exit (EXIT_HELPER);
}

static void __attribute__ ((noreturn)) usage (const char *msg)
{
  fprintf (stderr,
           "tscompose-exec-pty: %s\n"
           "usage: tscompose-exec-pty --runtime PATH [--runtime-root DIR] --console-socket PATH\n"
           "         --process FILE --pid-file FILE [--ctl-fd N] ID\n",
           msg);
  exit (EXIT_HELPER);
}

static void
parse_args (int argc, char **argv)
{
  static const struct option opts[] = {
    { "runtime", required_argument, NULL, 'r' },
    { "runtime-root", required_argument, NULL, 'R' },
    { "console-socket", required_argument, NULL, 'c' },
    { "process", required_argument, NULL, 'p' },
    { "pid-file", required_argument, NULL, 'P' },
    { "ctl-fd", required_argument, NULL, 'C' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        opt.runtime = optarg;
        break;
      case 'R':
        opt.runtime_root = optarg;
        break;
      case 'c':
        opt.console_socket = optarg;
        break;
      case 'p':
        opt.process = optarg;
        break;
      case 'P':
        opt.pid_file = optarg;
        break;
      case 'C':
        {
          char *end;
          long v = strtol (optarg, &end, 10);
          if (end == optarg || *end != '\0' || v < 3 || v > 1024 * 1024)
            usage ("--ctl-fd must be an fd number above 2");
          opt.ctl_fd = (int) v;
          break;
        }
      default:
        usage ("unknown option");
      }
  if (optind != argc - 1)
    usage ("exactly one container ID is required");
  opt.id = argv[optind];
  if (!opt.runtime || !opt.console_socket || !opt.process || !opt.pid_file)
    usage ("--runtime, --console-socket, --process and --pid-file are required");
}

/* Inherited fds must not reach the runtime (nor the container through it). */
static void
cloexec_inherited (void)
{
  int fd;

#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
  if (syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
#endif
  for (fd = 3; fd < 4096; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

static pid_t
spawn_runtime (int null_fd)
{
  char *argv[16];
  int a = 0;
  pid_t pid;

  argv[a++] = (char *) opt.runtime;
  if (opt.runtime_root)
    {
      argv[a++] = "--root";
      argv[a++] = (char *) opt.runtime_root;
    }
  argv[a++] = "exec";
  argv[a++] = "--detach";
  argv[a++] = "--tty";
  argv[a++] = "--console-socket";
  argv[a++] = (char *) opt.console_socket;
  argv[a++] = "--process";
  argv[a++] = (char *) opt.process;
  argv[a++] = "--pid-file";
  argv[a++] = (char *) opt.pid_file;
  argv[a++] = (char *) opt.id;
  argv[a] = NULL;

  pid = fork ();
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      if (dup2 (null_fd, 0) < 0 || dup2 (2, 1) < 0)
        _exit (EXIT_HELPER);
      execv (argv[0], argv);
      dprintf (2, "tscompose-exec-pty: exec `%s`: %s\n", argv[0], strerror (errno));
      _exit (EXIT_HELPER);
    }
  return pid;
}

/* Where the exec stands.  The runtime is our child; the exec'd process
 * becomes one when the runtime exits (we are a subreaper). */
static struct
{
  pid_t rt, proc;
  int rt_done, rt_status, proc_done, proc_status;
} st;

static void __attribute__ ((noreturn)) fail_after_start (const char *msg)
{
  if (st.proc > 0 && !st.proc_done)
    kill (st.proc, SIGKILL);
  fprintf (stderr, "tscompose-exec-pty: %s\n", msg);
  exit (EXIT_HELPER);
}

static int
rt_failed (void)
{
  return st.rt_done && !(WIFEXITED (st.rt_status) && WEXITSTATUS (st.rt_status) == 0);
}

/* Finished: the runtime failed, or the process it started has exited. */
static int
finished (void)
{
  return rt_failed () || st.proc_done;
}

/* The runtime wrote the pid file before it exited 0. */
static void
load_pid (void)
{
  rt_error_t err;

  if (mon_read_pidfile (opt.pid_file, &st.proc, &err) < 0)
    fail_after_start (err.msg);
}

/* Reads the signalfd: forwards signals, reaps children. */
static void
handle_signals (int sfd)
{
  struct signalfd_siginfo si;

  while (read (sfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      if (si.ssi_signo != SIGCHLD)
        {
          if (st.proc > 0 && !st.proc_done)
            kill (st.proc, (int) si.ssi_signo);
          else if (!st.rt_done)
            kill (st.rt, (int) si.ssi_signo);
          continue;
        }
      for (;;)
        {
          int status;
          pid_t p = waitpid (-1, &status, WNOHANG);
          if (p <= 0)
            break;
          if (p == st.rt)
            {
              st.rt_done = 1;
              st.rt_status = status;
              /* Now, before the next waitpid: the process, reparented to us,
               * may already be waiting to be reaped. */
              if (!rt_failed ())
                load_pid ();
            }
          else if (p == st.proc)
            {
              st.proc_done = 1;
              st.proc_status = status;
            }
        }
    }
}

static int out_ok = 1; /* stdout still takes output (the engine may have gone) */

static void
write_out (const char *buf, size_t len)
{
  while (out_ok && len > 0)
    {
      ssize_t n = write (1, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          out_ok = 0; /* keep reading the pty so the process never blocks on it */
          return;
        }
      buf += n;
      len -= (size_t) n;
    }
}

/* One read of the master; -1 once it is finished (EIO: no slave end left). */
static int
read_master (int master)
{
  char buf[MON_READ_CHUNK];
  ssize_t n = read (master, buf, sizeof buf);

  if (n > 0)
    {
      write_out (buf, (size_t) n);
      return 0;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  return -1;
}

/* Phase 1: until the runtime hands over the master, or exits without it. */
static int
receive_master (int console_fd, int sfd)
{
  rt_error_t err;
  int master = -1;

  while (master < 0)
    {
      struct pollfd p[2] = { { console_fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          fail_after_start ("poll failed");
        }
      if (p[1].revents & POLLIN)
        handle_signals (sfd);
      /* Checked after the signals: a runtime that has exited may have left
       * its connection queued, not yet accepted. */
      if ((p[0].revents & POLLIN) || st.rt_done)
        {
          struct pollfd q = { console_fd, POLLIN, 0 };
          if (poll (&q, 1, 0) > 0)
            {
              if (mon_console_recv (console_fd, &master, &err) < 0)
                fail_after_start (err.msg);
            }
          else if (rt_failed ())
            return -1; /* its message is on stderr already */
          else if (st.rt_done)
            fail_after_start ("the runtime started the process but sent no terminal");
        }
    }
  return master;
}

/* Phase 2: relay until the process has exited (or the runtime failed), then
 * drain what the terminal still holds. */
static void
relay (int master, int sfd)
{
  char buf[MON_READ_CHUNK];
  int stdin_open = 1;

  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  mon_stdin_set (master, 0, 0);
  while (!finished ())
    {
      struct pollfd p[4];
      int n = 0, i_master = -1, i_in = -1, i_ctl = -1, pending = mon_stdin_pending_fd ();

      p[n].fd = sfd;
      p[n++].events = POLLIN;
      if (master >= 0)
        {
          i_master = n;
          p[n].fd = master;
          p[n++].events = (short) (POLLIN | (pending >= 0 ? POLLOUT : 0));
        }
      if (master >= 0 && stdin_open && mon_stdin_space () > 0)
        {
          i_in = n;
          p[n].fd = 0;
          p[n++].events = POLLIN;
        }
      if (master >= 0 && mon_ctl_fd () >= 0)
        {
          i_ctl = n;
          p[n].fd = mon_ctl_fd ();
          p[n++].events = POLLIN;
        }
      if (poll (p, (nfds_t) n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          fail_after_start ("poll failed");
        }
      if (p[0].revents & POLLIN)
        handle_signals (sfd);
      if (i_ctl >= 0 && (p[i_ctl].revents & (POLLIN | POLLHUP | POLLERR)))
        mon_ctl_handle (master); /* at its EOF the engine has gone: no more resizes */
      if (i_in >= 0 && (p[i_in].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          size_t room = mon_stdin_space ();
          ssize_t r = read (0, buf, room < sizeof buf ? room : sizeof buf);
          if (r > 0)
            mon_stdin_write (buf, (size_t) r);
          else if (r == 0 || (errno != EINTR && errno != EAGAIN))
            stdin_open = 0;
        }
      if (i_master >= 0 && master >= 0)
        {
          if ((p[i_master].revents & POLLOUT) && pending >= 0)
            mon_stdin_flush ();
          if ((p[i_master].revents & (POLLIN | POLLHUP | POLLERR)) && read_master (master) < 0)
            {
              mon_stdin_set (-1, 0, 0);
              close (master);
              master = -1;
            }
        }
    }
  while (master >= 0)
    {
      struct pollfd p = { master, POLLIN, 0 };
      int r = poll (&p, 1, DRAIN_IDLE_MS);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0 || read_master (master) < 0)
        {
          close (master);
          master = -1;
        }
    }
}

static int
exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return EXIT_HELPER;
}

int
main (int argc, char **argv)
{
  rt_error_t err;
  sigset_t sigs;
  int sfd, null_fd, console_fd, master;

  parse_args (argc, argv);
  signal (SIGPIPE, SIG_IGN);
  cloexec_inherited ();
  if (opt.ctl_fd >= 0 && mon_ctl_adopt (opt.ctl_fd, &err) < 0)
    die (&err);
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    {
      rt_fail (&err, errno, "prctl PR_SET_CHILD_SUBREAPER");
      die (&err);
    }
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0)
    {
      rt_fail (&err, errno, "open `/dev/null`");
      die (&err);
    }
  sigemptyset (&sigs);
  sigaddset (&sigs, SIGCHLD);
  sigaddset (&sigs, SIGTERM);
  sigaddset (&sigs, SIGINT);
  sigaddset (&sigs, SIGHUP);
  sigaddset (&sigs, SIGQUIT);
  sigaddset (&sigs, SIGUSR1);
  sigaddset (&sigs, SIGUSR2);
  if (sigprocmask (SIG_BLOCK, &sigs, NULL) < 0)
    {
      rt_fail (&err, errno, "sigprocmask");
      die (&err);
    }
  sfd = signalfd (-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0)
    {
      rt_fail (&err, errno, "signalfd");
      die (&err);
    }
  unlink (opt.pid_file); /* a stale one must not name someone else's process */
  console_fd = mon_console_listen (opt.console_socket, &err);
  if (console_fd < 0)
    die (&err);

  st.rt = spawn_runtime (null_fd);
  if (st.rt < 0)
    {
      rt_fail (&err, errno, "fork");
      unlink (opt.console_socket);
      die (&err);
    }
  master = receive_master (console_fd, sfd);
  close (console_fd);
  unlink (opt.console_socket);
  if (master >= 0)
    relay (master, sfd);
  /* Without a terminal the runtime has failed: wait for it to be reaped. */
  while (!st.rt_done)
    {
      struct pollfd p = { sfd, POLLIN, 0 };
      if (poll (&p, 1, -1) > 0)
        handle_signals (sfd);
    }
  return rt_failed () ? exit_code (st.rt_status) : exit_code (st.proc_status);
}
