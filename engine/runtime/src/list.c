/* `list` (runc's table, -q, --format json) and `state ID`. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "utils.h"

int
rt_cmd_state (int argc, char **argv)
{
  rt_error_t err = { 0 };
  rt_state_t *st = NULL;
  cleanup_json json_t *j = NULL;
  cleanup_free char *text = NULL;

  if (argc != 2)
    {
      fprintf (stderr, "tscompose-runtime: state: expected exactly one container id\n");
      return 1;
    }
  if (rt_state_load (argv[1], &st, &err) < 0)
    return rt_cmd_fail (&err, 1);
  j = rt_state_to_oci (st, rt_state_status (st));
  rt_state_free (st);
  text = json_dumps (j, JSON_INDENT (2));
  puts (text);
  return 0;
}

int
rt_cmd_list (int argc, char **argv)
{
  static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                        { "format", required_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  cleanup_json json_t *all = json_array ();
  bool quiet = false, json = false;
  struct dirent **names = NULL;
  int c, n, i;

  optind = 1;
  while ((c = getopt_long (argc, argv, "+qf:", opts, NULL)) != -1)
    switch (c)
      {
      case 'q':
        quiet = true;
        break;
      case 'f':
        json = strcmp (optarg, "json") == 0;
        break;
      default:
        return 1;
      }
  n = scandir (rt_state_root, &names, NULL, alphasort);
  if (!quiet && !json)
    printf ("%-12s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
  for (i = 0; i < n; i++)
    {
      rt_state_t *st = NULL;
      rt_error_t err;
      rt_status_t s;

      if (names[i]->d_name[0] != '.' && rt_state_load (names[i]->d_name, &st, &err) == 0)
        {
          s = rt_state_status (st);
          if (quiet)
            puts (st->id);
          else if (json)
            json_array_append_new (all, rt_state_to_oci (st, s));
          else
            printf ("%-12s %-8d %-10s %-40s %s\n", st->id, s == RT_STATUS_STOPPED ? 0 : st->pid, rt_status_name (s),
                    st->bundle, st->created);
          rt_state_free (st);
        }
      free (names[i]);
    }
  free (names);
  if (json)
    {
      cleanup_free char *text = json_dumps (all, JSON_COMPACT);
      puts (text);
    }
  return 0;
}
