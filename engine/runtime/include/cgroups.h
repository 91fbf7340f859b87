/* cgroups, one interface over two backends (cgroup-v1.c, cgroup-v2.c), chosen
 * by what is mounted at /sys/fs/cgroup (a cgroup2 mount there = v2; otherwise
 * v1, including the hybrid layout with a cgroup2 at /sys/fs/cgroup/unified).
 * `resources` is the OCI `linux.resources` object (may be NULL). */
#ifndef TSC_CGROUPS_H
#define TSC_CGROUPS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

typedef struct rt_cgroup rt_cgroup_t;

/* The cgroup path of a container: linux.cgroupsPath if set (absolute, or
 * relative to the root), else "/tscompose/<id>". Caller frees. */
char *rt_cgroup_path_for (const char *id, const char *cgroups_path);

/* Create the cgroup (every v1 controller hierarchy, or the v2 dir with the
 * needed controllers enabled in parents) and apply `resources`. */
int rt_cgroup_create (const char *path, json_t *resources, rt_cgroup_t **out, rt_error_t *err);
/* Open an existing container cgroup (for kill/delete/ps/pause). */
int rt_cgroup_open (const char *path, rt_cgroup_t **out, rt_error_t *err);
int rt_cgroup_enter (rt_cgroup_t *cg, pid_t pid, rt_error_t *err);
/* Re-apply limits (update). */
int rt_cgroup_apply (rt_cgroup_t *cg, json_t *resources, rt_error_t *err);
int rt_cgroup_freeze (rt_cgroup_t *cg, bool frozen, rt_error_t *err);
int rt_cgroup_is_frozen (rt_cgroup_t *cg, bool *frozen, rt_error_t *err);
/* Pids in the cgroup (malloc'd array). */
int rt_cgroup_pids (rt_cgroup_t *cg, pid_t **pids, size_t *n, rt_error_t *err);
/* True when the kernel OOM-killed a process of this cgroup. */
int rt_cgroup_oom_killed (rt_cgroup_t *cg, bool *killed, rt_error_t *err);
/* SIGKILL what is left, wait for it to go, remove the directories. */
int rt_cgroup_destroy (rt_cgroup_t *cg, rt_error_t *err);
void rt_cgroup_free (rt_cgroup_t *cg);
/* Which backend is in use: 1 or 2. */
int rt_cgroup_version (void);

#endif
