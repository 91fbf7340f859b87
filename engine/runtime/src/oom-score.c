/* process.oomScoreAdj, written to /proc/self/oom_score_adj (-1000..1000).
 *
 * Going below the inherited minimum (usually 0) needs CAP_SYS_RESOURCE. A
 * host that withholds it gets a warning and the current value is kept, the
 * same policy as rlimits: host limits never stop a container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "security.h"

#define OOM_SCORE_ADJ_PATH "/proc/self/oom_score_adj"

int
rt_apply_oom_score_adj (json_t *process, rt_error_t *err)
{
  cleanup_close int fd = -1;
  json_t *v;
  json_int_t adj;
  char buf[32];
  int len;
  ssize_t n;

  v = process ? json_object_get (process, "oomScoreAdj") : NULL;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_integer (v))
    return rt_fail (err, 0, "oomScoreAdj: must be an integer");
  adj = json_integer_value (v);
  if (adj < -1000 || adj > 1000)
    return rt_fail (err, 0, "oomScoreAdj: %lld is outside -1000..1000", (long long) adj);

  fd = open (OOM_SCORE_ADJ_PATH, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", OOM_SCORE_ADJ_PATH);
  len = snprintf (buf, sizeof (buf), "%lld", (long long) adj);
  n = write (fd, buf, len);
  if (n < 0 && (errno == EACCES || errno == EPERM) && adj < 0)
    {
      rt_warn ("write `%s` (%lld): %s; lowering it needs CAP_SYS_RESOURCE, kept the current value", OOM_SCORE_ADJ_PATH,
               (long long) adj, strerror (errno));
      return 0;
    }
  if (n < 0)
    return rt_fail (err, errno, "write `%s` (%lld)", OOM_SCORE_ADJ_PATH, (long long) adj);
  if (n != len)
    return rt_fail (err, EIO, "write `%s` (%lld): short write", OOM_SCORE_ADJ_PATH, (long long) adj);
  return 0;
}
