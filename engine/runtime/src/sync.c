/* The parent <-> child message channel (see sync.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sync.h"
#include "utils.h"

int
rt_sync_pair (int fds[2], rt_error_t *err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return rt_fail (err, errno, "socketpair");
  return 0;
}

static int
send_msg (int fd, const rt_sync_msg_t *m)
{
  ssize_t r;
  do
    r = send (fd, m, sizeof (*m), MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r == (ssize_t) sizeof (*m) ? 0 : -1;
}

int
rt_sync_send (int fd, int type, rt_error_t *err)
{
  rt_sync_msg_t m;
  memset (&m, 0, sizeof (m));
  m.type = type;
  if (send_msg (fd, &m) < 0)
    return rt_fail (err, errno, "send sync message");
  return 0;
}

int
rt_sync_send_error (int fd, const rt_error_t *what, int exit_code)
{
  rt_sync_msg_t m;
  m.type = RT_SYNC_ERROR;
  m.error_value = what->status;
  m.exit_code = exit_code;
  snprintf (m.message, sizeof (m.message), "%s", what->msg);
  return send_msg (fd, &m);
}

int
rt_sync_recv (int fd, rt_sync_msg_t *msg, const char *peer, rt_error_t *err)
{
  ssize_t r;
  do
    r = recv (fd, msg, sizeof (*msg), 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return rt_fail (err, errno, "read sync message from %s", peer);
  if (r == 0)
    return rt_fail (err, 0, "%s exited unexpectedly", peer);
  if (r != (ssize_t) sizeof (*msg))
    return rt_fail (err, 0, "short sync message from %s", peer);
  msg->message[sizeof (msg->message) - 1] = '\0';
  return 0;
}

int
rt_sync_expect (int fd, int type, int *exit_code, rt_error_t *err)
{
  rt_sync_msg_t m;
  if (rt_sync_recv (fd, &m, type == RT_SYNC_CGROUP_DONE ? "runtime" : "container process", err) < 0)
    return -1;
  if (m.type == RT_SYNC_ERROR)
    {
      err->status = m.error_value;
      snprintf (err->msg, sizeof (err->msg), "%s", m.message);
      if (exit_code)
        *exit_code = m.exit_code ? m.exit_code : 1;
      return -1;
    }
  if (m.type != type)
    return rt_fail (err, 0, "unexpected sync message %d (wanted %d)", m.type, type);
  return 0;
}
