/* Foreground waiting (`run`, `exec` without -d): forward the signals we get
 * to the container process, return its exit code (128+signal if killed). */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "utils.h"

int
rt_wait_forward (pid_t pid, rt_error_t *err)
{
  cleanup_close int sfd = -1;
  sigset_t set, old;
  int status;
  pid_t r;

  sigfillset (&set);
  sigdelset (&set, SIGSEGV);
  sigdelset (&set, SIGBUS);
  sigdelset (&set, SIGFPE);
  sigdelset (&set, SIGILL);
  sigprocmask (SIG_BLOCK, &set, &old);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return rt_fail (err, errno, "signalfd");
    }
  for (;;)
    {
      struct signalfd_siginfo si;
      ssize_t n;

      r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          sigprocmask (SIG_SETMASK, &old, NULL);
          return rt_fail (err, errno, "waitpid %d", pid);
        }
      n = read (sfd, &si, sizeof (si));
      if (n != (ssize_t) sizeof (si))
        continue;
      if (si.ssi_signo == SIGCHLD || si.ssi_signo == SIGWINCH || si.ssi_signo == SIGURG)
        continue;
      kill (pid, (int) si.ssi_signo);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  return rt_wait_status_to_code (status);
}
