/* tscompose-init: a minimal init for containers started with `init: true`
 * (what tini / docker-init are for Docker).
 *
 *   tscompose-init [--] CMD [ARGS...]
 *
 * Runs as PID 1 of the container (bind-mounted into the image, static):
 *  - forks and execs CMD in its own process group (made the foreground
 *    group of the terminal when stdin is one);
 *  - blocks every catchable asynchronous signal and collects them with
 *    sigtimedwait(); each one except SIGCHLD is forwarded to the child's
 *    process group (to the child alone if that group is gone);
 *  - reaps every child it gets, including orphans re-parented to it;
 *  - exits, once the main child has exited, with its exit code, or
 *    128+N when it was killed by signal N.
 * Exec failures exit 127 (not found) or 126 (not executable / other error),
 * with a message naming the path.  When not PID 1 it registers itself as a
 * child subreaper so orphans are still re-parented to it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "tscompose-init: %s: %s\n", what, strerror (errno));
  exit (1);
}

int
main (int argc, char **argv)
{
  /* Signals that stay with this process: synchronous faults (they must
   * kill us, not be queued), and terminal stops, which we ignore so that
   * giving the terminal to the child's group cannot stop us. */
  static const int own_signals[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU };
  sigset_t waitset, oldset;
  struct sigaction ign, old_ttin, old_ttou;
  pid_t child;
  int argi = 1;
  size_t i;

  if (argi < argc && strcmp (argv[argi], "--") == 0)
    argi++;
  if (argi >= argc)
    {
      fprintf (stderr, "usage: tscompose-init [--] CMD [ARGS...]\n");
      return 2;
    }

  if (getpid () != 1 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    fprintf (stderr, "tscompose-init: warning: cannot become a child subreaper: %s\n", strerror (errno));

  sigfillset (&waitset);
  for (i = 0; i < sizeof own_signals / sizeof own_signals[0]; i++)
    sigdelset (&waitset, own_signals[i]);
  if (sigprocmask (SIG_SETMASK, &waitset, &oldset) < 0)
    die ("sigprocmask");
  memset (&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset (&ign.sa_mask);
  if (sigaction (SIGTTIN, &ign, &old_ttin) < 0 || sigaction (SIGTTOU, &ign, &old_ttou) < 0)
    die ("sigaction");

  child = fork ();
  if (child < 0)
    die ("fork");
  if (child == 0)
    {
      /* Own process group; the terminal (if any) goes to it.  SIGTTOU is
       * still ignored here, so tcsetpgrp cannot stop us. */
      if (setpgid (0, 0) < 0)
        die ("setpgid");
      if (tcsetpgrp (STDIN_FILENO, getpgrp ()) < 0 && errno != ENOTTY && errno != ENXIO && errno != EBADF)
        die ("tcsetpgrp");
      sigaction (SIGTTIN, &old_ttin, NULL);
      sigaction (SIGTTOU, &old_ttou, NULL);
      sigprocmask (SIG_SETMASK, &oldset, NULL);
      execvp (argv[argi], argv + argi);
      {
        int e = errno;
        fprintf (stderr, "tscompose-init: exec `%s`: %s\n", argv[argi], strerror (e));
        _exit (e == ENOENT || e == ENOTDIR ? 127 : 126);
      }
    }
  /* Also make the group in the parent: closes the race where a signal is
   * forwarded to -child before the child ran setpgid(). */
  setpgid (child, child);

  for (;;)
    {
      struct timespec timeout = { 1, 0 };
      siginfo_t si;
      int sig = sigtimedwait (&waitset, &si, &timeout);

      if (sig < 0 && errno != EAGAIN && errno != EINTR)
        die ("sigtimedwait");
      if (sig > 0 && sig != SIGCHLD)
        {
          if (kill (-child, sig) < 0 && errno == ESRCH)
            kill (child, sig);
        }

      /* Reap everything that has exited: the main child and any orphan. */
      for (;;)
        {
          int status;
          pid_t pid = waitpid (-1, &status, WNOHANG);

          if (pid < 0 && errno == EINTR)
            continue;
          if (pid <= 0)
            break;
          if (pid == child)
            {
              if (WIFEXITED (status))
                return WEXITSTATUS (status);
              if (WIFSIGNALED (status))
                return 128 + WTERMSIG (status);
            }
        }
    }
}
