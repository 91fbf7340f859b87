/* `kill ID [SIGNAL]` and `kill --all`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "cgroups.h"
#include "container.h"
#include "utils.h"

static int
kill_all (const rt_state_t *st, int sig, rt_error_t *err)
{
  rt_cgroup_t *cg = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0, i;
  int ret;

  if (st->cgroup_path == NULL)
    return rt_fail (err, 0, "container `%s` has no cgroup", st->id);
  if (rt_cgroup_open (st->cgroup_path, &cg, err) < 0)
    return -1;
  ret = rt_cgroup_pids (cg, &pids, &n, err);
  for (i = 0; ret == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      ret = rt_fail (err, errno, "kill pid %d", pids[i]);
  rt_cgroup_free (cg);
  return ret;
}

int
rt_cmd_kill (int argc, char **argv)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  rt_error_t err = { 0 };
  rt_state_t *st = NULL;
  bool all = false;
  const char *signame = "SIGTERM";
  rt_status_t s;
  int c, sig, ret = 1;

  optind = 1;
  while ((c = getopt_long (argc, argv, "+a", opts, NULL)) != -1)
    {
      if (c != 'a')
        return 1;
      all = true;
    }
  if (optind >= argc || argc - optind > 2)
    {
      fprintf (stderr, "tscompose-runtime: kill: usage: kill [--all] ID [SIGNAL]\n");
      return 1;
    }
  if (argc - optind == 2)
    signame = argv[optind + 1];
  sig = rt_signal_parse (signame);
  if (sig < 0)
    {
      rt_fail (&err, 0, "unknown signal `%s`", signame);
      return rt_cmd_fail (&err, 1);
    }
  if (rt_state_load (argv[optind], &st, &err) < 0)
    return rt_cmd_fail (&err, 1);
  s = rt_state_status (st);
  if (s == RT_STATUS_STOPPED && !all)
    rt_fail (&err, 0, "container `%s` is not running", st->id);
  else if (all)
    ret = kill_all (st, sig, &err) < 0 ? 1 : 0;
  else if (kill (st->pid, sig) < 0)
    rt_fail (&err, errno, "kill container `%s` (pid %d)", st->id, st->pid);
  else
    ret = 0;
  rt_state_free (st);
  return ret ? rt_cmd_fail (&err, 1) : 0;
}
