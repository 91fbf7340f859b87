/* `run`: create + start, then (without -d) wait and clean up like runc. */
#include <stdio.h>

#include "container.h"
#include "utils.h"

int rt_parse_create_flags (int argc, char **argv, rt_create_opts_t *opts, bool *detach);

int
rt_cmd_run (int argc, char **argv)
{
  rt_create_opts_t opts = { 0 };
  rt_error_t err = { 0 };
  bool detach = false;
  int code;
  pid_t pid;

  if (rt_parse_create_flags (argc, argv, &opts, &detach) < 0)
    return 1;
  opts.foreground = !detach;
  if (rt_container_create (&opts, &pid, &code, &err) < 0)
    return rt_cmd_fail (&err, code);
  if (rt_container_start (opts.id, &err) < 0)
    {
      rt_error_t e2;
      rt_print_error (&err);
      if (rt_container_delete (opts.id, true, &e2) < 0)
        rt_print_error (&e2);
      return 1;
    }
  if (detach)
    return 0;
  code = rt_wait_forward (pid, &err);
  if (code < 0)
    {
      rt_print_error (&err);
      code = 1;
    }
  if (rt_container_delete (opts.id, true, &err) < 0)
    rt_print_error (&err);
  return code;
}
