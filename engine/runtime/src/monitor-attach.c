/* tscompose-monitor: the attach server on STATE_DIR/attach.sock.
 * The protocol is described in include/monitor.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

struct client
{
  int fd;         /* -1: free slot */
  int input_done; /* the client shut down its writing side */
  size_t out_len; /* pending frames in out[0..out_len) */
  char out[MON_CLIENT_BUF];
};

static int listen_fd = -1;
static char sock_path[sizeof (((struct sockaddr_un *) 0)->sun_path)];
static struct client clients[MON_MAX_CLIENTS];
/* clients[] index of each pollfd handed out by mon_attach_pollfds (-1: listener) */
static int poll_map[MON_MAX_CLIENTS + 1];

int
mon_attach_listen (const char *path, rt_error_t *err)
{
  struct sockaddr_un addr;
  int i;

  for (i = 0; i < MON_MAX_CLIENTS; i++)
    clients[i].fd = -1;
  memset (&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr.sun_path)
    return rt_fail (err, ENAMETOOLONG, "attach socket path `%s` is longer than %zu bytes", path,
                    sizeof addr.sun_path - 1);
  strcpy (addr.sun_path, path);
  strcpy (sock_path, path);
  unlink (path);
  listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0)
    return rt_fail (err, errno, "socket");
  if (bind (listen_fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return rt_fail (err, errno, "bind `%s`", path);
  if (listen (listen_fd, 8) < 0)
    return rt_fail (err, errno, "listen `%s`", path);
  return 0;
}

static void
drop (struct client *c)
{
  close (c->fd);
  c->fd = -1;
  c->out_len = 0;
  c->input_done = 0;
}

/* Write what is pending without blocking; drop the client on error. */
static void
flush (struct client *c)
{
  size_t off = 0;

  while (off < c->out_len)
    {
      ssize_t n = send (c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          drop (c);
          return;
        }
      off += (size_t) n;
    }
  if (off > 0)
    {
      memmove (c->out, c->out + off, c->out_len - off);
      c->out_len -= off;
    }
}

void
mon_attach_broadcast (int tag, const char *buf, size_t len)
{
  int i;

  for (i = 0; i < MON_MAX_CLIENTS; i++)
    {
      struct client *c = &clients[i];
      if (c->fd < 0)
        continue;
      if (c->out_len + 5 + len > sizeof c->out)
        {
          drop (c); /* too slow a reader */
          continue;
        }
      c->out[c->out_len] = (char) tag;
      c->out[c->out_len + 1] = (char) ((len >> 24) & 0xff);
      c->out[c->out_len + 2] = (char) ((len >> 16) & 0xff);
      c->out[c->out_len + 3] = (char) ((len >> 8) & 0xff);
      c->out[c->out_len + 4] = (char) (len & 0xff);
      memcpy (c->out + c->out_len + 5, buf, len);
      c->out_len += 5 + len;
      flush (c);
    }
}

int
mon_attach_pollfds (struct pollfd *pfds, int max)
{
  int n = 0, i;

  if (listen_fd < 0 || max < 1)
    return 0;
  pfds[n].fd = listen_fd;
  pfds[n].events = POLLIN;
  poll_map[n++] = -1;
  for (i = 0; i < MON_MAX_CLIENTS && n < max; i++)
    {
      struct client *c = &clients[i];
      if (c->fd < 0)
        continue;
      pfds[n].fd = c->fd;
      pfds[n].events = 0;
      if (!c->input_done && mon_stdin_space () > 0)
        pfds[n].events |= POLLIN;
      if (c->out_len > 0)
        pfds[n].events |= POLLOUT;
      poll_map[n++] = i;
    }
  return n;
}

static void
accept_clients (void)
{
  for (;;)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          return;
        }
      for (i = 0; i < MON_MAX_CLIENTS && clients[i].fd >= 0; i++)
        ;
      if (i == MON_MAX_CLIENTS)
        {
          close (fd);
          continue;
        }
      clients[i].fd = fd;
      clients[i].out_len = 0;
      clients[i].input_done = 0;
    }
}

void
mon_attach_handle (struct pollfd *pfds, int n)
{
  char buf[4096];
  int k;

  for (k = 0; k < n; k++)
    {
      struct client *c;
      short re = pfds[k].revents;

      if (re == 0)
        continue;
      if (poll_map[k] < 0)
        {
          accept_clients ();
          continue;
        }
      c = &clients[poll_map[k]];
      if (c->fd != pfds[k].fd)
        continue;
      if (re & POLLIN)
        {
          size_t want = mon_stdin_space ();
          ssize_t r;
          if (want > sizeof buf)
            want = sizeof buf;
          if (want > 0)
            {
              r = recv (c->fd, buf, want, MSG_DONTWAIT);
              if (r > 0)
                mon_stdin_write (buf, (size_t) r);
              else if (r == 0)
                {
                  c->input_done = 1;
                  mon_stdin_eof ();
                }
              else if (errno != EAGAIN && errno != EINTR)
                {
                  drop (c);
                  continue;
                }
            }
        }
      if (re & POLLOUT)
        flush (c);
      if (c->fd >= 0 && (re & (POLLERR | POLLNVAL | POLLHUP)) && !(re & POLLIN))
        drop (c);
    }
}

void
mon_attach_close (const char *exit_json, size_t len)
{
  struct timespec start, now;
  int i;

  if (listen_fd < 0)
    return;
  close (listen_fd);
  listen_fd = -1;
  unlink (sock_path);
  mon_attach_broadcast (MON_TAG_EXIT, exit_json, len);
  /* Give slow clients up to a second to take the last frames. */
  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      struct pollfd pfds[MON_MAX_CLIENTS];
      int n = 0;
      long ms;

      for (i = 0; i < MON_MAX_CLIENTS; i++)
        if (clients[i].fd >= 0 && clients[i].out_len > 0)
          {
            pfds[n].fd = clients[i].fd;
            pfds[n].events = POLLOUT;
            n++;
          }
      clock_gettime (CLOCK_MONOTONIC, &now);
      ms = 1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
      if (n == 0 || ms <= 0)
        break;
      poll (pfds, (nfds_t) n, (int) ms);
      for (i = 0; i < MON_MAX_CLIENTS; i++)
        if (clients[i].fd >= 0 && clients[i].out_len > 0)
          flush (&clients[i]);
    }
  for (i = 0; i < MON_MAX_CLIENTS; i++)
    if (clients[i].fd >= 0)
      drop (&clients[i]);
}
