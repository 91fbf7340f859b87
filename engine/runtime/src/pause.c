/* `pause` / `resume` through the freezer. */
#include <stdio.h>

#include "cgroups.h"
#include "container.h"
#include "utils.h"

static int
set_frozen (int argc, char **argv, bool frozen)
{
  rt_error_t err = { 0 };
  rt_state_t *st = NULL;
  rt_cgroup_t *cg = NULL;
  rt_status_t s;
  int ret = -1;

  if (argc != 2)
    {
      fprintf (stderr, "tscompose-runtime: %s: expected exactly one container id\n", argv[0]);
      return 1;
    }
  if (rt_state_load (argv[1], &st, &err) < 0)
    return rt_cmd_fail (&err, 1);
  s = rt_state_status (st);
  if (frozen && s != RT_STATUS_RUNNING)
    rt_fail (&err, 0, "container `%s` is not running", st->id);
  else if (!frozen && s != RT_STATUS_PAUSED)
    rt_fail (&err, 0, "container `%s` is not paused", st->id);
  else if (st->cgroup_path == NULL)
    rt_fail (&err, 0, "container `%s` has no cgroup", st->id);
  else if (rt_cgroup_open (st->cgroup_path, &cg, &err) == 0)
    ret = rt_cgroup_freeze (cg, frozen, &err);
  if (cg)
    rt_cgroup_free (cg);
  rt_state_free (st);
  return ret < 0 ? rt_cmd_fail (&err, 1) : 0;
}

int
rt_cmd_pause (int argc, char **argv)
{
  return set_frozen (argc, argv, true);
}

int
rt_cmd_resume (int argc, char **argv)
{
  return set_frozen (argc, argv, false);
}
