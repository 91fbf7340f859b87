/* process.terminal: a pty made inside the container, its master handed to
 * the --console-socket listener with SCM_RIGHTS (as runc does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "linux.h"
#include "utils.h"

int
rt_console_socket_connect (const char *path, rt_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof (addr.sun_path))
    return rt_fail (err, ENAMETOOLONG, "console socket `%s`", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return rt_fail (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      int e = errno;
      close (fd);
      return rt_fail (err, e, "connect console socket `%s`", path);
    }
  return fd;
}

static int
send_fd (int sock, int fd, const char *name, rt_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = (void *) name, .iov_len = strlen (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;

  memset (cbuf, 0, sizeof (cbuf));
  c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  if (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    return rt_fail (err, errno, "send terminal to console socket");
  return 0;
}

int
rt_terminal_setup (int console_fd, json_t *process, rt_error_t *err)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  char name[64];
  json_t *size = rt_json_obj (process, "consoleSize");
  int i;

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return rt_fail (err, errno, "open `/dev/ptmx`");
  if (unlockpt (master) < 0)
    return rt_fail (err, errno, "unlockpt");
  if (ptsname_r (master, name, sizeof (name)) != 0)
    return rt_fail (err, errno, "ptsname");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return rt_fail (err, errno, "open `%s`", name);
  if (size)
    {
      struct winsize ws = { .ws_row = (unsigned short) json_integer_value (json_object_get (size, "height")),
                            .ws_col = (unsigned short) json_integer_value (json_object_get (size, "width")) };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return rt_fail (err, errno, "ioctl TIOCSWINSZ `%s`", name);
    }
  if (console_fd >= 0 && send_fd (console_fd, master, name, err) < 0)
    return -1;
  if (setsid () < 0)
    return rt_fail (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return rt_fail (err, errno, "ioctl TIOCSCTTY `%s`", name);
  for (i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return rt_fail (err, errno, "dup2 `%s` to %d", name, i);
  return 0;
}
