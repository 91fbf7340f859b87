/* tscompose-runtime: an OCI runtime with runc's command line.
 * Global options, then one verb from the table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "log.h"
#include "state.h"
#include "utils.h"

static const struct
{
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *help;
} verbs[] = {
  { "create", rt_cmd_create, "create a container (the init waits for `start`)" },
  { "start", rt_cmd_start, "start the user process of a created container" },
  { "run", rt_cmd_run, "create and start a container" },
  { "state", rt_cmd_state, "print the OCI state of a container" },
  { "kill", rt_cmd_kill, "send a signal to the container's init (or --all)" },
  { "delete", rt_cmd_delete, "delete a container and what it holds" },
  { "exec", rt_cmd_exec, "run a new process in a running container" },
  { "ps", rt_cmd_ps, "list the processes of a container" },
  { "pause", rt_cmd_pause, "freeze every process of a container" },
  { "resume", rt_cmd_resume, "thaw a paused container" },
  { "list", rt_cmd_list, "list containers" },
};

int
rt_cmd_fail (const rt_error_t *err, int code)
{
  rt_print_error (err);
  return code ? code : 1;
}

static void
usage (FILE *f)
{
  size_t i;
  fprintf (f, "usage: tscompose-runtime [--root DIR] [--log FILE] [--log-format text|json] COMMAND [ARGS]\n\n");
  for (i = 0; i < ARRAY_SIZE (verbs); i++)
    fprintf (f, "  %-8s %s\n", verbs[i].name, verbs[i].help);
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, 'r' },
    { "log", required_argument, NULL, 'l' },
    { "log-format", required_argument, NULL, 'f' },
    { "debug", no_argument, NULL, 'D' },
    { "systemd-cgroup", no_argument, NULL, 's' },
    { "rootless", required_argument, NULL, 'R' },
    { "criu", required_argument, NULL, 'C' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  const char *log_file = NULL;
  int log_json = 0, c;
  size_t i;

  while ((c = getopt_long (argc, argv, "+hv", opts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        rt_state_root = optarg;
        break;
      case 'l':
        log_file = optarg;
        break;
      case 'f':
        log_json = strcmp (optarg, "json") == 0;
        break;
      case 'h':
        usage (stdout);
        return 0;
      case 'v':
        printf ("tscompose-runtime version 0.1.0\nspec: %s\n", RT_OCI_VERSION);
        return 0;
      case 'D':
      case 's':
      case 'R':
      case 'C':
        break;
      default:
        usage (stderr);
        return 1;
      }
  if (log_file)
    {
      rt_error_t err;
      if (rt_log_open (log_file, log_json, &err) < 0)
        return rt_cmd_fail (&err, 1);
    }
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  for (i = 0; i < ARRAY_SIZE (verbs); i++)
    if (strcmp (argv[optind], verbs[i].name) == 0)
      {
        int r = verbs[i].fn (argc - optind, argv + optind);
        fflush (stdout);
        return r;
      }
  fprintf (stderr, "tscompose-runtime: unknown command `%s`\n", argv[optind]);
  usage (stderr);
  return 1;
}
