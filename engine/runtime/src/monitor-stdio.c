/* tscompose-monitor: the container's stdin (a pipe or the pty master),
 * receiving the pty master from the runtime over --console-socket, and the
 * control FIFO (STATE_DIR/ctl).  tscompose-exec-pty links this file too: a
 * TTY exec needs the same console socket, input buffering and resize lines. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

#define STDIN_BUF (64 * 1024)

static int stdin_fd = -1;  /* our end: write side of the pipe, or the pty master */
static int stdin_owned;    /* stdin_fd is a pipe we may close (not the pty master) */
static int stdin_once;     /* close it when a client ends its input */
static int close_pending;  /* close once the buffer is written */
static char stdin_buf[STDIN_BUF];
static size_t stdin_len;

void
mon_stdin_set (int fd, int owned, int once)
{
  stdin_fd = fd;
  stdin_owned = owned;
  stdin_once = once;
}

static void
stdin_close (void)
{
  if (stdin_fd >= 0 && stdin_owned)
    close (stdin_fd);
  stdin_fd = -1;
  stdin_len = 0;
  close_pending = 0;
}

void
mon_stdin_flush (void)
{
  size_t off = 0;

  while (stdin_fd >= 0 && off < stdin_len)
    {
      ssize_t n = write (stdin_fd, stdin_buf + off, stdin_len - off);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            break;
          stdin_close (); /* EPIPE: the container closed its stdin */
          return;
        }
      off += (size_t) n;
    }
  if (stdin_fd < 0)
    return;
  memmove (stdin_buf, stdin_buf + off, stdin_len - off);
  stdin_len -= off;
  if (stdin_len == 0 && close_pending)
    stdin_close ();
}

int
mon_stdin_pending_fd (void)
{
  return stdin_fd >= 0 && stdin_len > 0 ? stdin_fd : -1;
}

size_t
mon_stdin_space (void)
{
  if (stdin_fd < 0 || close_pending)
    return STDIN_BUF; /* dropped */
  return STDIN_BUF - stdin_len;
}

size_t
mon_stdin_write (const char *buf, size_t len)
{
  if (stdin_fd < 0 || close_pending)
    return len;
  if (len > STDIN_BUF - stdin_len)
    len = STDIN_BUF - stdin_len;
  memcpy (stdin_buf + stdin_len, buf, len);
  stdin_len += len;
  mon_stdin_flush ();
  return len;
}

void
mon_stdin_eof (void)
{
  if (!stdin_once || !stdin_owned || stdin_fd < 0)
    return;
  close_pending = 1;
  mon_stdin_flush ();
  if (stdin_fd >= 0 && stdin_len == 0)
    stdin_close ();
}

int
mon_console_listen (const char *path, rt_error_t *err)
{
  struct sockaddr_un addr;
  int fd;

  memset (&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr.sun_path)
    return rt_fail (err, ENAMETOOLONG, "console socket `%s`", path);
  strcpy (addr.sun_path, path);
  unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return rt_fail (err, errno, "socket");
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 1) < 0)
    {
      int e = errno;
      close (fd);
      return rt_fail (err, e, "console socket `%s`", path);
    }
  return fd;
}

int
mon_console_recv (int listen_fd, int *master, rt_error_t *err)
{
  char data[256];
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * 4)];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = { data, sizeof data };
  struct msghdr msg;
  struct cmsghdr *cmsg;
  ssize_t n;
  int conn;

  conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return rt_fail (err, errno, "accept on the console socket");
  memset (&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof ctl.buf;
  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  close (conn);
  if (n < 0)
    return rt_fail (err, errno, "receive the terminal from the runtime");
  *master = -1;
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        int fds[4];
        size_t count = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int), i;
        if (count > 4)
          count = 4;
        memcpy (fds, CMSG_DATA (cmsg), count * sizeof (int));
        for (i = 0; i < count; i++)
          {
            if (*master < 0)
              *master = fds[i];
            else
              close (fds[i]);
          }
      }
  if (*master < 0)
    return rt_fail (err, 0, "the runtime sent no terminal on the console socket");
  return 0;
}

/* ---- STATE_DIR/ctl: a FIFO of control lines from the engine ----
 *   resize ROWS COLS     set the pty's window size (with --terminal)
 * Unknown or malformed lines are ignored.  tscompose-exec-pty reads the same
 * lines from an inherited pipe instead (mon_ctl_adopt). */
static int ctl_fd = -1;
static char ctl_buf[256];
static size_t ctl_len;

int
mon_ctl_open (const char *path, rt_error_t *err)
{
  unlink (path);
  if (mkfifo (path, 0600) < 0)
    return rt_fail (err, errno, "mkfifo `%s`", path);
  /* Read-write, so the FIFO never reports EOF when a writer goes away. */
  ctl_fd = open (path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (ctl_fd < 0)
    return rt_fail (err, errno, "open `%s`", path);
  return 0;
}

int
mon_ctl_adopt (int fd, rt_error_t *err)
{
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK) < 0)
    return rt_fail (err, errno, "control fd %d", fd);
  ctl_fd = fd;
  return 0;
}

int
mon_ctl_fd (void)
{
  return ctl_fd;
}

static void
ctl_line (char *line, int master)
{
  unsigned rows, cols;

  if (sscanf (line, "resize %u %u", &rows, &cols) == 2 && master >= 0)
    {
      struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
      ioctl (master, TIOCSWINSZ, &ws);
    }
}

int
mon_ctl_handle (int master)
{
  for (;;)
    {
      ssize_t n = read (ctl_fd, ctl_buf + ctl_len, sizeof ctl_buf - 1 - ctl_len);
      char *start, *nl;

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
      if (n <= 0)
        {
          /* The writer has gone (never for the FIFO, opened read-write). */
          close (ctl_fd);
          ctl_fd = -1;
          ctl_len = 0;
          return -1;
        }
      ctl_len += (size_t) n;
      ctl_buf[ctl_len] = '\0';
      start = ctl_buf;
      while ((nl = strchr (start, '\n')) != NULL)
        {
          *nl = '\0';
          ctl_line (start, master);
          start = nl + 1;
        }
      ctl_len -= (size_t) (start - ctl_buf);
      memmove (ctl_buf, start, ctl_len);
      if (ctl_len == sizeof ctl_buf - 1)
        ctl_len = 0; /* an overlong line: drop it */
    }
}
