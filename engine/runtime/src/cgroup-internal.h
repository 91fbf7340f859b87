/* Shared between cgroup.c (the public lifecycle) and the two backends,
 * cgroup-v1.c and cgroup-v2.c. Each backend is a table of function pointers,
 * as crun's libcrun_cgroup_manager; cgroup.c picks one and drives it.
 *
 * Every backend works below a mount root passed in (cg->root): normally
 * /sys/fs/cgroup, or $TSCOMPOSE_CGROUP_ROOT, or a temp dir of plain files in
 * the unit tests. Backends never create files, only write existing ones, so a
 * fake root must hold the interface files the kernel would have created. */
#ifndef TSC_CGROUP_INTERNAL_H
#define TSC_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "cgroups.h"
#include "error.h"

#define RT_CGROUP_DEFAULT_ROOT "/sys/fs/cgroup"
#define RT_CGROUP_ROOT_ENV "TSCOMPOSE_CGROUP_ROOT"

/* Bounds of the waits (milliseconds). */
#define RT_CGROUP_FREEZE_TIMEOUT_MS 5000
#define RT_CGROUP_DESTROY_TIMEOUT_MS 2000

struct rt_cgroup_manager
{
  int version;
  /* Find the hierarchies under cg->root and fill cg->priv. */
  int (*init) (rt_cgroup_t *cg, rt_error_t *err);
  /* Make the directories (and set cg->created_leaf when the leaf is new). */
  int (*create) (rt_cgroup_t *cg, rt_error_t *err);
  /* Fail with ENOENT when the cgroup does not exist. */
  int (*check_exists) (rt_cgroup_t *cg, rt_error_t *err);
  int (*apply) (rt_cgroup_t *cg, json_t *resources, rt_error_t *err);
  int (*enter) (rt_cgroup_t *cg, pid_t pid, rt_error_t *err);
  /* Freeze or thaw, waiting until the kernel reports the new state. */
  int (*freeze) (rt_cgroup_t *cg, bool frozen, rt_error_t *err);
  int (*is_frozen) (rt_cgroup_t *cg, bool *frozen, rt_error_t *err);
  int (*oom_killed) (rt_cgroup_t *cg, bool *killed, rt_error_t *err);
  /* The directory whose cgroup.procs (and sub-cgroups') list every process of
   * the container; NULL when there is none. */
  const char *(*procs_dir) (rt_cgroup_t *cg);
  /* Kill every process at once when the kernel can (v2 cgroup.kill).
   * Returns 1 when done, 0 when not supported (the caller freezes and kills
   * pid by pid), negative on error. */
  int (*kill_all) (rt_cgroup_t *cg, rt_error_t *err);
  /* rmdir the leaf (and any sub-cgroups) in every hierarchy; ENOENT is fine,
   * EBUSY is returned as is so the caller can retry. */
  int (*remove) (rt_cgroup_t *cg, rt_error_t *err);
  void (*free_priv) (rt_cgroup_t *cg);
};

struct rt_cgroup
{
  const struct rt_cgroup_manager *manager;
  char *root; /* mount root, e.g. "/sys/fs/cgroup" */
  char *path; /* normalised container path, e.g. "/tscompose/abc" */
  bool created_leaf;
  void *priv;
};

extern const struct rt_cgroup_manager rt_cgroup_manager_v1;
extern const struct rt_cgroup_manager rt_cgroup_manager_v2;

/* $TSCOMPOSE_CGROUP_ROOT or /sys/fs/cgroup. */
const char *rt_cgroup_root (void);
/* 2 when `root` is a cgroup2 mount (or a fake root holding
 * cgroup.controllers), else 1. */
int rt_cgroup_version_at (const char *root);
const struct rt_cgroup_manager *rt_cgroup_manager_for (int version);

/* The public create/open with the backend and mount root given. */
int rt_cgroup_create_at (const struct rt_cgroup_manager *manager, const char *root, const char *path,
                         json_t *resources, rt_cgroup_t **out, rt_error_t *err);
int rt_cgroup_open_at (const struct rt_cgroup_manager *manager, const char *root, const char *path,
                       rt_cgroup_t **out, rt_error_t *err);

/* Helpers (cgroup.c). Allocation failures abort, as crun's xmalloc. */
char *rt_cg_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Write `value` to `dir`/`file` (which must exist). */
int rt_cg_write (const char *dir, const char *file, const char *value, rt_error_t *err);
int rt_cg_writef (rt_error_t *err, const char *dir, const char *file, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Read `dir`/`file` into a malloc'd NUL-terminated string. */
int rt_cg_read (const char *dir, const char *file, char **out, rt_error_t *err);
/* Find "key N" in a flat-keyed file (memory.events, memory.oom_control,
 * cgroup.events). Returns 1 found, 0 absent, negative on error. */
int rt_cg_read_key (const char *dir, const char *file, const char *key, int64_t *value, rt_error_t *err);
/* Pids in `dir`/cgroup.procs, and in its sub-cgroups when `recurse`.
 * A missing dir reads as empty. */
int rt_cg_read_pids (const char *dir, bool recurse, pid_t **pids, size_t *n, rt_error_t *err);
/* mkdir each component of `path` below `base` (EEXIST is fine). When
 * `on_dir` is given it is called for each component, top-down, after it
 * exists. *created_leaf tells whether the last component was new. */
int rt_cg_mkdir_p (const char *base, const char *path, bool *created_leaf,
                   int (*on_dir) (const char *parent, const char *dir, void *data, rt_error_t *err), void *data,
                   rt_error_t *err);
/* rmdir `dir` after its sub-directories, bottom-up; ENOENT is fine. */
int rt_cg_rmdir_tree (const char *dir, rt_error_t *err);
void rt_cg_prune_default_parent (const char *leaf);
int rt_cg_hugepage_limit (json_t *entry, size_t i, const char **size, int64_t *limit, rt_error_t *err);
#define RT_CGROUP_DEFAULT_PREFIX "tscompose"
bool rt_cg_file_exists (const char *dir, const char *file);
void rt_cg_sleep_ms (unsigned ms);
/* Milliseconds on CLOCK_MONOTONIC. */
int64_t rt_cg_now_ms (void);

/* linux.resources accessors. `where` names the object for messages, e.g.
 * "linux.resources.memory". Return 1 present, 0 absent (or JSON null),
 * negative on a value of the wrong type. */
int rt_cg_json_int (json_t *obj, const char *key, const char *where, int64_t *out, rt_error_t *err);
int rt_cg_json_bool (json_t *obj, const char *key, const char *where, bool *out, rt_error_t *err);
int rt_cg_json_string (json_t *obj, const char *key, const char *where, const char **out, rt_error_t *err);
/* An object member that is an object (1), absent/null (0), or an error. */
int rt_cg_json_object (json_t *obj, const char *key, const char *where, json_t **out, rt_error_t *err);
int rt_cg_json_array (json_t *obj, const char *key, const char *where, json_t **out, rt_error_t *err);

/* cpu.shares (2..262144) to cpu.weight (1..10000), the quadratic fit on a
 * log scale used by crun >= 1.23 and opencontainers/cgroups: 2 -> 1,
 * 1024 -> 100, 262144 -> 10000. 0 stays 0 (unset). */
uint64_t rt_cg_shares_to_weight (uint64_t shares);
/* blkio.weight (10..1000) to io.weight (1..10000), as runc. */
uint64_t rt_cg_blkio_weight_to_io_weight (uint64_t weight);

/* One device throttle or weight entry: "major:minor". */
int rt_cg_json_device (json_t *entry, const char *where, int64_t *major, int64_t *minor, rt_error_t *err);

#endif
