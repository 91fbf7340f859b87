/* Namespaces: a table from OCI names to clone flags, joining by path. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "linux.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  const char *oci; /* linux.namespaces[].type */
  const char *proc; /* /proc/PID/ns/<proc> */
  unsigned long flag;
} ns_table[RT_NS_COUNT] = {
  [RT_NS_USER] = { "user", "user", CLONE_NEWUSER },   [RT_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [RT_NS_NET] = { "network", "net", CLONE_NEWNET },   [RT_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [RT_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },       [RT_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [RT_NS_TIME] = { "time", "time", CLONE_NEWTIME },   [RT_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
};

const char *
rt_ns_proc_name (int ns)
{
  return ns_table[ns].proc;
}

void
rt_ns_plan_init (rt_ns_plan_t *plan)
{
  int i;
  memset (plan, 0, sizeof (*plan));
  for (i = 0; i < RT_NS_COUNT; i++)
    plan->join_fd[i] = -1;
}

void
rt_ns_plan_close (rt_ns_plan_t *plan)
{
  int i;
  for (i = 0; i < RT_NS_COUNT; i++)
    if (plan->join_fd[i] >= 0)
      {
        close (plan->join_fd[i]);
        plan->join_fd[i] = -1;
      }
}

int
rt_ns_plan_from_spec (json_t *linux_, rt_ns_plan_t *plan, rt_error_t *err)
{
  json_t *list = rt_json_arr (linux_, "namespaces"), *ns;
  size_t i;
  int k;

  rt_ns_plan_init (plan);
  json_array_foreach (list, i, ns)
    {
      const char *type = rt_json_str (ns, "type");
      const char *path = rt_json_str (ns, "path");

      for (k = 0; k < RT_NS_COUNT; k++)
        if (type && strcmp (type, ns_table[k].oci) == 0)
          break;
      if (k == RT_NS_COUNT)
        return rt_fail (err, 0, "unknown namespace type `%s`", type ? type : "(null)");
      if (k == RT_NS_USER && path == NULL)
        return rt_fail (err, EOPNOTSUPP, "new user namespace");
      if (path && *path)
        {
          if (plan->join_fd[k] >= 0)
            close (plan->join_fd[k]);
          plan->join_fd[k] = open (path, O_RDONLY | O_CLOEXEC);
          if (plan->join_fd[k] < 0)
            return rt_fail (err, errno, "open %s namespace `%s`", ns_table[k].oci, path);
        }
      else if (k == RT_NS_CGROUP)
        plan->new_cgroupns = true;
      else
        plan->clone_flags |= ns_table[k].flag;
    }
  return 0;
}

int
rt_ns_plan_from_pid (pid_t pid, rt_ns_plan_t *plan, rt_error_t *err)
{
  char path[64], self[64];
  struct stat a, b;
  int k;

  rt_ns_plan_init (plan);
  for (k = 0; k < RT_NS_COUNT; k++)
    {
      snprintf (path, sizeof (path), "/proc/%d/ns/%s", pid, ns_table[k].proc);
      snprintf (self, sizeof (self), "/proc/self/ns/%s", ns_table[k].proc);
      if (stat (path, &a) < 0)
        {
          if (errno == ENOENT && k == RT_NS_TIME)
            continue;
          return rt_fail (err, errno, "stat `%s`", path);
        }
      if (stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue;
      plan->join_fd[k] = open (path, O_RDONLY | O_CLOEXEC);
      if (plan->join_fd[k] < 0)
        return rt_fail (err, errno, "open `%s`", path);
    }
  return 0;
}

int
rt_ns_join (rt_ns_plan_t *plan, unsigned skip_mask, rt_error_t *err)
{
  int k;
  for (k = 0; k < RT_NS_COUNT; k++)
    {
      if (plan->join_fd[k] < 0 || (skip_mask & (1u << k)))
        continue;
      if (setns (plan->join_fd[k], (int) ns_table[k].flag) < 0)
        return rt_fail (err, errno, "setns %s namespace", ns_table[k].oci);
      close (plan->join_fd[k]);
      plan->join_fd[k] = -1;
    }
  return 0;
}

pid_t
rt_clone (unsigned long flags)
{
  return (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}
