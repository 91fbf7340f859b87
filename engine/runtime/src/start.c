/* `start`: open exec.fifo so the waiting init may execve. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>

#include "container.h"
#include "utils.h"

static const char *const not_startable[] = {
  [RT_STATUS_CREATING] = "cannot start a container that is still being created",
  [RT_STATUS_RUNNING] = "cannot start an already running container",
  [RT_STATUS_PAUSED] = "cannot start a paused container",
  [RT_STATUS_STOPPED] = "cannot start a container that has stopped",
};

int
rt_container_start (const char *id, rt_error_t *err)
{
  rt_state_t *st = NULL;
  cleanup_close int dfd = -1;
  cleanup_close int fd = -1;
  rt_status_t s;
  int ret = -1;

  if (rt_state_load (id, &st, err) < 0)
    return -1;
  s = rt_state_status (st);
  if (s != RT_STATUS_CREATED)
    {
      rt_fail (err, 0, "%s", not_startable[s]);
      goto out;
    }
  dfd = rt_state_open_dir (id, err);
  if (dfd < 0)
    goto out;
  fd = openat (dfd, RT_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      rt_fail (err, errno, "open exec fifo of `%s`", id);
      goto out;
    }
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 50);
      if (r < 0 && errno != EINTR)
        {
          rt_fail (err, errno, "poll exec fifo");
          goto out;
        }
      if (r > 0)
        {
          char c;
          ssize_t n = read (fd, &c, 1);
          if (n == 1)
            break;
          if (n < 0 && errno == EAGAIN)
            continue;
          rt_fail (err, 0, "container init exited before start");
          goto out;
        }
      if (!rt_state_pid_alive (st))
        {
          rt_fail (err, 0, "container init exited before start");
          goto out;
        }
    }
  if (unlinkat (dfd, RT_EXEC_FIFO, 0) < 0 && errno != ENOENT)
    {
      rt_fail (err, errno, "unlink exec fifo");
      goto out;
    }
  ret = 0;
out:
  rt_state_free (st);
  return ret;
}

int
rt_cmd_start (int argc, char **argv)
{
  rt_error_t err = { 0 };
  if (argc != 2)
    {
      fprintf (stderr, "tscompose-runtime: start: expected exactly one container id\n");
      return 1;
    }
  if (rt_container_start (argv[1], &err) < 0)
    return rt_cmd_fail (&err, 1);
  return 0;
}
