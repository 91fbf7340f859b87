/* Small helpers shared by the runtime: files, paths, numbers, processes. */
#ifndef TSC_UTILS_H
#define TSC_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>
#include "error.h"

#define UNLIKELY(x) __builtin_expect (!!(x), 0)
#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

static inline void
rt_cleanup_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}
static inline void
rt_cleanup_jsonp (json_t **j)
{
  json_decref (*j);
}
#define cleanup_file __attribute__ ((cleanup (rt_cleanup_fclosep)))
#define cleanup_json __attribute__ ((cleanup (rt_cleanup_jsonp)))

/* Allocations that cannot fail (abort on OOM). */
void *xmalloc0 (size_t size);
char *xstrdup (const char *s);
int xasprintf (char **out, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Read a whole file (NUL-terminated); `len` may be NULL. */
int rt_read_file (const char *path, char **out, size_t *len, rt_error_t *err);
int rt_read_file_at (int dirfd, const char *path, char **out, size_t *len, rt_error_t *err);
/* Write `len` bytes to `path`, creating or truncating it. */
int rt_write_file (const char *path, const void *data, size_t len, rt_error_t *err);
/* temp file + fsync + rename, in the directory `dirfd`. */
int rt_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, rt_error_t *err);
int rt_write_all (int fd, const void *data, size_t len);
/* mkdir -p with `mode` for the created directories. */
int rt_mkdir_p (const char *path, mode_t mode, rt_error_t *err);
/* Remove a directory tree (no symlink following, stays on one device). */
int rt_rm_rf_at (int dirfd, const char *name, rt_error_t *err);
/* Create the file (or directory) `path` if missing, parents included. */
int rt_ensure_file (const char *path, bool dir, mode_t mode, rt_error_t *err);

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), and its state letter; -1 with errno when gone. */
int rt_proc_start_time (pid_t pid, unsigned long long *start, char *state);

/* Signal by name ("TERM", "SIGKILL", "9"); -1 when unknown. */
int rt_signal_parse (const char *name);

/* Convert a wait status to an exit code: code, or 128+signal. */
int rt_wait_status_to_code (int status);

/* Close every fd >= `from` but the ones listed (the list must be sorted). */
void rt_mark_cloexec_from (int from);

/* Absolute path of `path` relative to `base` (or cwd when NULL). */
char *rt_abspath (const char *base, const char *path);

/* Current time as an RFC 3339 string with nanoseconds. */
char *rt_now_rfc3339 (void);

/* Write `pid` to `path` atomically (pid files are read by other programs). */
int rt_write_pid_file (const char *path, pid_t pid, rt_error_t *err);

#endif
