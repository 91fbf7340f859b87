/* `exec`: a new process in a running container's namespaces and cgroup,
 * under the same security settings as its init. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cgroups.h"
#include "container.h"
#include "sync.h"
#include "utils.h"

typedef struct exec_opts
{
  bool detach, tty;
  const char *console_socket, *cwd, *user, *process_file, *pid_file;
  json_t *env; /* -e K=V, array */
} exec_opts_t;

/* The process object: --process file, else the config's process with the
 * command line's overrides. */
static json_t *
build_process (json_t *config_process, const exec_opts_t *o, int argc, char **argv, rt_error_t *err)
{
  json_t *p, *user, *env, *v;
  json_error_t jerr;
  size_t i;
  int k;

  if (o->process_file)
    {
      p = json_load_file (o->process_file, 0, &jerr);
      if (p == NULL)
        {
          rt_fail (err, 0, "parse process file `%s`: %s", o->process_file, jerr.text);
          return NULL;
        }
      return p;
    }
  if (argc == 0)
    {
      rt_fail (err, 0, "exec: a command is required");
      return NULL;
    }
  p = config_process ? json_deep_copy (config_process) : json_object ();
  v = json_array ();
  for (k = 0; k < argc; k++)
    json_array_append_new (v, json_string (argv[k]));
  json_object_set_new (p, "args", v);
  json_object_set_new (p, "terminal", json_boolean (o->tty));
  json_object_del (p, "consoleSize");
  if (o->cwd)
    json_object_set_new (p, "cwd", json_string (o->cwd));
  env = rt_json_arr (p, "env");
  if (env == NULL)
    {
      env = json_array ();
      json_object_set_new (p, "env", env);
    }
  json_array_foreach (o->env, i, v)
    {
      const char *kv = json_string_value (v);
      const char *eq = strchr (kv, '=');
      size_t n = eq ? (size_t) (eq - kv) : strlen (kv), j;
      json_t *old;
      bool replaced = false;
      json_array_foreach (env, j, old)
        {
          const char *s = json_string_value (old);
          if (s && strncmp (s, kv, n) == 0 && s[n] == '=')
            {
              json_array_set (env, j, v);
              replaced = true;
              break;
            }
        }
      if (!replaced)
        json_array_append (env, v);
    }
  if (o->user)
    {
      unsigned uid = 0, gid = 0;
      int n = sscanf (o->user, "%u:%u", &uid, &gid);
      if (n < 1)
        {
          json_decref (p);
          rt_fail (err, 0, "exec: --user `%s` must be numeric uid[:gid]", o->user);
          return NULL;
        }
      user = json_object ();
      json_object_set_new (user, "uid", json_integer (uid));
      json_object_set_new (user, "gid", json_integer (n == 2 ? gid : 0));
      json_object_set_new (p, "user", user);
    }
  return p;
}

static int
exec_child (json_t *process, json_t *seccomp, rt_ns_plan_t *ns, int sync_fd, int console_fd, int *code,
            rt_error_t *err)
{
  *code = 1;
  if (rt_sync_expect (sync_fd, RT_SYNC_CGROUP_DONE, NULL, err) < 0)
    return -1;
  if (rt_ns_join (ns, 1u << RT_NS_PID, err) < 0)
    return -1;
  if (rt_json_bool (process, "terminal", false) && rt_terminal_setup (console_fd, process, err) < 0)
    return -1;
  if (console_fd >= 0)
    close (console_fd);
  return rt_process_finish (process, seccomp, false, sync_fd, -1, code, err);
}

int
rt_cmd_exec (int argc, char **argv)
{
  static const struct option opts[] = {
    { "detach", no_argument, NULL, 'd' },      { "tty", no_argument, NULL, 't' },
    { "console-socket", required_argument, NULL, 'c' }, { "env", required_argument, NULL, 'e' },
    { "cwd", required_argument, NULL, 'w' },   { "user", required_argument, NULL, 'u' },
    { "process", required_argument, NULL, 'p' }, { "pid-file", required_argument, NULL, 'P' },
    { "no-new-privs", no_argument, NULL, 'N' }, { "cap", required_argument, NULL, 'C' },
    { "preserve-fds", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 },
  };
  exec_opts_t o = { 0 };
  rt_error_t err = { 0 };
  rt_state_t *st = NULL;
  rt_spec_t *spec = NULL;
  rt_cgroup_t *cg = NULL;
  cleanup_json json_t *process = NULL;
  cleanup_json json_t *env = json_array ();
  rt_ns_plan_t ns;
  int fds[2] = { -1, -1 }, console_fd = -1, c, code = 1;
  rt_status_t s;
  pid_t pid = -1;

  rt_ns_plan_init (&ns);
  o.env = env;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+dtc:e:w:u:p:", opts, NULL)) != -1)
    switch (c)
      {
      case 'd':
        o.detach = true;
        break;
      case 't':
        o.tty = true;
        break;
      case 'c':
        o.console_socket = optarg;
        break;
      case 'e':
        json_array_append_new (env, json_string (optarg));
        break;
      case 'w':
        o.cwd = optarg;
        break;
      case 'u':
        o.user = optarg;
        break;
      case 'p':
        o.process_file = optarg;
        break;
      case 'P':
        o.pid_file = optarg;
        break;
      case 'N':
      case 'C':
      case 'F':
        break;
      default:
        return 1;
      }
  if (optind >= argc)
    {
      fprintf (stderr, "tscompose-runtime: exec: usage: exec [OPTIONS] ID COMMAND [ARG...]\n");
      return 1;
    }
  if (rt_state_load (argv[optind], &st, &err) < 0)
    return rt_cmd_fail (&err, 1);
  s = rt_state_status (st);
  if (s != RT_STATUS_RUNNING && s != RT_STATUS_CREATED)
    {
      rt_fail (&err, 0, "cannot exec in a %s container", rt_status_name (s));
      goto fail;
    }
  if (rt_spec_load (st->bundle, &spec, &err) < 0)
    goto fail;
  process = build_process (spec->process, &o, argc - optind - 1, argv + optind + 1, &err);
  if (process == NULL)
    goto fail;
  if (rt_json_bool (process, "terminal", false))
    {
      if (o.console_socket == NULL)
        {
          rt_fail (&err, 0, "exec: --tty needs --console-socket");
          goto fail;
        }
      console_fd = rt_console_socket_connect (o.console_socket, &err);
      if (console_fd < 0)
        goto fail;
    }
  if (rt_ns_plan_from_pid (st->pid, &ns, &err) < 0)
    goto fail;
  if (st->cgroup_path && rt_cgroup_open (st->cgroup_path, &cg, &err) < 0)
    goto fail;
  if (rt_sync_pair (fds, &err) < 0)
    goto fail;
  if (ns.join_fd[RT_NS_PID] >= 0 && setns (ns.join_fd[RT_NS_PID], CLONE_NEWPID) < 0)
    {
      rt_fail (&err, errno, "setns pid namespace of `%s`", st->id);
      goto fail;
    }
  pid = rt_clone (0);
  if (pid < 0)
    {
      rt_fail (&err, errno, "clone");
      goto fail;
    }
  if (pid == 0)
    {
      close (fds[0]);
      if (exec_child (process, rt_json_obj (spec->linux_, "seccomp"), &ns, fds[1], console_fd, &code, &err) < 0)
        rt_sync_send_error (fds[1], &err, code);
      _exit (code);
    }
  close (fds[1]);
  fds[1] = -1;
  if (cg && rt_cgroup_enter (cg, pid, &err) < 0)
    goto fail;
  if (rt_sync_send (fds[0], RT_SYNC_CGROUP_DONE, &err) < 0)
    goto fail;
  if (rt_sync_expect (fds[0], RT_SYNC_READY, &code, &err) < 0)
    goto fail;
  close (fds[0]);
  fds[0] = -1;
  if (o.pid_file && rt_write_pid_file (o.pid_file, pid, &err) < 0)
    goto fail;
  if (cg)
    rt_cgroup_free (cg);
  rt_state_free (st);
  rt_spec_free (spec);
  rt_ns_plan_close (&ns);
  if (o.detach)
    return 0;
  code = rt_wait_forward (pid, &err);
  return code < 0 ? rt_cmd_fail (&err, 1) : code;

fail:
  if (pid > 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  if (fds[0] >= 0)
    close (fds[0]);
  if (fds[1] >= 0)
    close (fds[1]);
  if (console_fd >= 0)
    close (console_fd);
  if (cg)
    rt_cgroup_free (cg);
  rt_ns_plan_close (&ns);
  rt_state_free (st);
  rt_spec_free (spec);
  return rt_cmd_fail (&err, code);
}
