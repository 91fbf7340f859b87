/* `create`: the parent side of making a container. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroups.h"
#include "container.h"
#include "sync.h"
#include "utils.h"

static void
child_main (rt_init_args_t *args, int parent_fd)
{
  rt_error_t err = { 0 };
  int code = 1;

  close (parent_fd);
  if (rt_container_init (args, &code, &err) < 0)
    rt_sync_send_error (args->sync_fd, &err, code);
  _exit (code);
}

int
rt_container_create (const rt_create_opts_t *opts, pid_t *pidp, int *exit_code, rt_error_t *err)
{
  rt_init_args_t args = { .sync_fd = -1, .state_dirfd = -1, .console_fd = -1 };
  cleanup_free char *cg_path = NULL;
  rt_cgroup_t *cg = NULL;
  rt_state_t st = { 0 };
  int fds[2] = { -1, -1 };
  bool dir_made = false;
  pid_t pid = -1;
  int ret = -1;

  *exit_code = 1;
  rt_ns_plan_init (&args.ns);
  if (rt_validate_id (opts->id, err) < 0)
    return -1;
  if (rt_spec_load (opts->bundle ? opts->bundle : ".", &args.spec, err) < 0)
    return -1;
  if (args.spec->process == NULL)
    {
      rt_fail (err, 0, "config.json: process is required");
      goto out;
    }
  if (rt_json_bool (args.spec->process, "terminal", false))
    {
      if (opts->console_socket == NULL)
        {
          rt_fail (err, 0, "process.terminal needs --console-socket");
          goto out;
        }
      args.console_fd = rt_console_socket_connect (opts->console_socket, err);
      if (args.console_fd < 0)
        goto out;
    }
  if (rt_ns_plan_from_spec (args.spec->linux_, &args.ns, err) < 0)
    goto out;

  args.state_dirfd = rt_state_create_dir (opts->id, err);
  if (args.state_dirfd < 0)
    goto out;
  dir_made = true;
  /* 0622 whatever the umask: the init may write it after setuid */
  if (mknodat (args.state_dirfd, RT_EXEC_FIFO, S_IFIFO | 0622, 0) < 0
      || fchmodat (args.state_dirfd, RT_EXEC_FIFO, 0622, 0) < 0)
    {
      rt_fail (err, errno, "mkfifo `%s/%s/%s`", rt_state_root, opts->id, RT_EXEC_FIFO);
      goto out;
    }

  cg_path = rt_cgroup_path_for (opts->id, rt_json_str (args.spec->linux_, "cgroupsPath"));
  {
    cleanup_json json_t *resources = rt_devices_cgroup_resources (args.spec);
    if (rt_cgroup_create (cg_path, resources, &cg, err) < 0)
      goto out;
  }

  if (rt_sync_pair (fds, err) < 0)
    goto out;
  args.sync_fd = fds[1];
  if (args.ns.join_fd[RT_NS_PID] >= 0 && setns (args.ns.join_fd[RT_NS_PID], CLONE_NEWPID) < 0)
    {
      rt_fail (err, errno, "setns pid namespace");
      goto out;
    }

  pid = rt_clone (args.ns.clone_flags);
  if (pid < 0)
    {
      rt_fail (err, errno, "clone");
      goto out;
    }
  if (pid == 0)
    child_main (&args, fds[0]);
  close (fds[1]);
  fds[1] = -1;

  if (rt_cgroup_enter (cg, pid, err) < 0)
    goto out;
  if (rt_sync_send (fds[0], RT_SYNC_CGROUP_DONE, err) < 0)
    goto out;
  if (rt_sync_expect (fds[0], RT_SYNC_READY, exit_code, err) < 0)
    goto out;

  st.id = (char *) opts->id;
  st.pid = pid;
  if (rt_proc_start_time (pid, &st.start_time, NULL) < 0)
    {
      rt_fail (err, errno, "read start time of pid %d", pid);
      goto out;
    }
  st.bundle = args.spec->bundle;
  st.rootfs = args.spec->rootfs;
  st.cgroup_path = cg_path;
  st.created = rt_now_rfc3339 ();
  st.annotations = rt_json_obj (args.spec->root, "annotations");
  ret = rt_state_write (args.state_dirfd, &st, err);
  free (st.created);
  if (ret < 0)
    goto out;
  if (opts->pid_file && rt_write_pid_file (opts->pid_file, pid, err) < 0)
    {
      ret = -1;
      goto out;
    }
  *pidp = pid;
  *exit_code = 0;
  ret = 0;

out:
  if (ret < 0)
    {
      rt_error_t e2;
      if (pid > 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
        }
      if (cg && rt_cgroup_destroy (cg, &e2) < 0)
        rt_warn ("%s", e2.msg);
      if (dir_made && rt_state_remove (opts->id, &e2) < 0)
        rt_warn ("%s", e2.msg);
    }
  if (cg)
    rt_cgroup_free (cg);
  if (fds[0] >= 0)
    close (fds[0]);
  if (fds[1] >= 0)
    close (fds[1]);
  if (args.state_dirfd >= 0)
    close (args.state_dirfd);
  if (args.console_fd >= 0)
    close (args.console_fd);
  rt_ns_plan_close (&args.ns);
  rt_spec_free (args.spec);
  return ret;
}

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "pid-file", required_argument, NULL, 'p' },
  { "console-socket", required_argument, NULL, 'c' },
  { "detach", no_argument, NULL, 'd' },
  { "no-pivot", no_argument, NULL, 'P' },
  { "no-new-keyring", no_argument, NULL, 'K' },
  { "preserve-fds", required_argument, NULL, 'F' },
  { "keep", no_argument, NULL, 'k' },
  { NULL, 0, NULL, 0 },
};

/* Shared by create and run: parse the flags into opts; -1 on bad usage. */
int rt_parse_create_flags (int argc, char **argv, rt_create_opts_t *opts, bool *detach);

int
rt_parse_create_flags (int argc, char **argv, rt_create_opts_t *opts, bool *detach)
{
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+b:d", create_options, NULL)) != -1)
    switch (c)
      {
      case 'b':
        opts->bundle = optarg;
        break;
      case 'p':
        opts->pid_file = optarg;
        break;
      case 'c':
        opts->console_socket = optarg;
        break;
      case 'd':
        *detach = true;
        break;
      case 'P':
      case 'K':
      case 'F':
      case 'k':
        break;
      default:
        return -1;
      }
  if (optind != argc - 1)
    {
      fprintf (stderr, "tscompose-runtime: %s: expected exactly one container id\n", argv[0]);
      return -1;
    }
  opts->id = argv[optind];
  return 0;
}

int
rt_cmd_create (int argc, char **argv)
{
  rt_create_opts_t opts = { 0 };
  rt_error_t err = { 0 };
  bool detach = true;
  int code;
  pid_t pid;

  if (rt_parse_create_flags (argc, argv, &opts, &detach) < 0)
    return 1;
  if (rt_container_create (&opts, &pid, &code, &err) < 0)
    return rt_cmd_fail (&err, code);
  return 0;
}
