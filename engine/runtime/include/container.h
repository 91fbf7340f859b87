/* Container lifecycle shared by the verbs (create.c, start.c, delete.c,
 * run.c, exec.c) and the verb entry points dispatched from main.c. */
#ifndef TSC_CONTAINER_H
#define TSC_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "linux.h"
#include "spec.h"
#include "state.h"

typedef struct rt_create_opts
{
  const char *id;
  const char *bundle;
  const char *pid_file;
  const char *console_socket;
  bool foreground; /* `run` without -d: the terminal may stay ours */
} rt_create_opts_t;

/* Everything the init process needs, resolved before clone. */
typedef struct rt_init_args
{
  rt_spec_t *spec;
  rt_ns_plan_t ns;
  int sync_fd;     /* child end */
  int state_dirfd; /* holds exec.fifo */
  int console_fd;  /* connected --console-socket or -1 */
} rt_init_args_t;

/* container.c: runs in the cloned child; returns only on failure. */
int rt_container_init (rt_init_args_t *args, int *exit_code, rt_error_t *err);

/* create.c: clone the init, put it in its cgroup, wait for READY, write the
 * state. On failure everything made is undone; *exit_code tells how to exit. */
int rt_container_create (const rt_create_opts_t *opts, pid_t *pid, int *exit_code, rt_error_t *err);
/* start.c: release a created container's init (exec.fifo). */
int rt_container_start (const char *id, rt_error_t *err);
/* delete.c: kill (when `force` or created), destroy cgroup, remove state. */
int rt_container_delete (const char *id, bool force, rt_error_t *err);
/* signals.c: forward our signals to `pid` until it exits; its exit code. */
int rt_wait_forward (pid_t pid, rt_error_t *err);

/* Verbs: argc/argv start at the verb; return the process exit code. */
int rt_cmd_create (int argc, char **argv);
int rt_cmd_start (int argc, char **argv);
int rt_cmd_run (int argc, char **argv);
int rt_cmd_state (int argc, char **argv);
int rt_cmd_kill (int argc, char **argv);
int rt_cmd_delete (int argc, char **argv);
int rt_cmd_exec (int argc, char **argv);
int rt_cmd_ps (int argc, char **argv);
int rt_cmd_pause (int argc, char **argv);
int rt_cmd_resume (int argc, char **argv);
int rt_cmd_list (int argc, char **argv);

/* Print err and return 1 (or `code`), for verbs. */
int rt_cmd_fail (const rt_error_t *err, int code);

#endif
