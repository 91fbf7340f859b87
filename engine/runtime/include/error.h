/* Errors of the runtime, crun-style: functions that can fail take
 * `rt_error_t *err`, return a negative value on failure and fill `err` with
 * the errno and a message naming the syscall and the object, e.g.
 * "mount `proc` on `/proc`: Operation not permitted". */
#ifndef TSC_ERROR_H
#define TSC_ERROR_H

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct rt_error
{
  int status;     /* errno, 0 when not from a syscall */
  char msg[1024]; /* full message, strerror appended when status != 0 */
} rt_error_t;

/* Fill err (errnum may be 0) and return -1. */
int rt_fail (rt_error_t *err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Print "tscompose-runtime: <msg>" (or a warning) to stderr. */
void rt_print_error (const rt_error_t *err);
void rt_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static inline void
rt_cleanup_freep (void *p)
{
  free (*(void **) p);
}
static inline void
rt_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
#define cleanup_free __attribute__ ((cleanup (rt_cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (rt_cleanup_closep)))

#endif
