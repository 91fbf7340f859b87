/* `ps ID`: the processes of the container's cgroup. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroups.h"
#include "container.h"
#include "utils.h"

static void
print_row (pid_t pid)
{
  char path[64];
  cleanup_free char *cmd = NULL;
  size_t len = 0, i;
  rt_error_t err;

  snprintf (path, sizeof (path), "/proc/%d/cmdline", pid);
  if (rt_read_file (path, &cmd, &len, &err) < 0)
    {
      printf ("%-8d\n", pid);
      return;
    }
  for (i = 0; i + 1 < len; i++)
    if (cmd[i] == '\0')
      cmd[i] = ' ';
  printf ("%-8d %s\n", pid, cmd);
}

int
rt_cmd_ps (int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  rt_error_t err = { 0 };
  rt_state_t *st = NULL;
  rt_cgroup_t *cg = NULL;
  cleanup_free pid_t *pids = NULL;
  const char *format = "table";
  size_t n = 0, i;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "+f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return 1;
      format = optarg;
    }
  if (optind != argc - 1)
    {
      fprintf (stderr, "tscompose-runtime: ps: expected exactly one container id\n");
      return 1;
    }
  if (rt_state_load (argv[optind], &st, &err) < 0)
    return rt_cmd_fail (&err, 1);
  if (st->cgroup_path == NULL || rt_cgroup_open (st->cgroup_path, &cg, &err) < 0
      || rt_cgroup_pids (cg, &pids, &n, &err) < 0)
    {
      if (st->cgroup_path == NULL)
        rt_fail (&err, 0, "container `%s` has no cgroup", st->id);
      if (cg)
        rt_cgroup_free (cg);
      rt_state_free (st);
      return rt_cmd_fail (&err, 1);
    }
  rt_cgroup_free (cg);
  rt_state_free (st);
  if (strcmp (format, "json") == 0)
    {
      putchar ('[');
      for (i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", pids[i]);
      puts ("]");
      return 0;
    }
  printf ("%-8s %s\n", "PID", "CMD");
  for (i = 0; i < n; i++)
    print_row (pids[i]);
  return 0;
}
