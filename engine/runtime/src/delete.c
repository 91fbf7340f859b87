/* `delete`: no process, no cgroup, no state left behind. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "cgroups.h"
#include "container.h"
#include "utils.h"

int
rt_container_delete (const char *id, bool force, rt_error_t *err)
{
  rt_state_t *st = NULL;
  rt_cgroup_t *cg = NULL;
  rt_status_t s;
  int ret = -1;

  if (rt_state_load (id, &st, err) < 0)
    {
      if (force && err->status == ENOENT)
        return 0;
      return -1;
    }
  s = rt_state_status (st);
  if ((s == RT_STATUS_RUNNING || s == RT_STATUS_PAUSED) && !force)
    {
      rt_fail (err, 0, "cannot delete container `%s` that is not stopped: %s", id, rt_status_name (s));
      goto out;
    }
  if (s != RT_STATUS_STOPPED)
    {
      int i;
      if (kill (st->pid, SIGKILL) < 0 && errno != ESRCH)
        {
          rt_fail (err, errno, "kill container `%s` (pid %d)", id, st->pid);
          goto out;
        }
      /* a reparented init is reaped by someone else: wait until it is gone */
      for (i = 0; i < 1000 && rt_state_pid_alive (st); i++)
        nanosleep (&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }
  if (st->cgroup_path)
    {
      if (rt_cgroup_open (st->cgroup_path, &cg, err) == 0)
        {
          if (rt_cgroup_destroy (cg, err) < 0)
            goto out;
        }
      else if (err->status != ENOENT)
        goto out;
    }
  ret = rt_state_remove (id, err);
out:
  if (cg)
    rt_cgroup_free (cg);
  rt_state_free (st);
  return ret;
}

int
rt_cmd_delete (int argc, char **argv)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  rt_error_t err = { 0 };
  bool force = false;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "+f", opts, NULL)) != -1)
    {
      if (c != 'f')
        return 1;
      force = true;
    }
  if (optind != argc - 1)
    {
      fprintf (stderr, "tscompose-runtime: delete: expected exactly one container id\n");
      return 1;
    }
  if (rt_container_delete (argv[optind], force, &err) < 0)
    return rt_cmd_fail (&err, 1);
  return 0;
}
