/* process.rlimits: [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }].
 *
 * Raising a hard limit needs CAP_SYS_RESOURCE (and RLIMIT_NOFILE can never go
 * above fs.nr_open). When setrlimit refuses with EPERM, the limit is lowered
 * to the current hard limit and applied again, with a warning on stderr: a
 * host that withholds the capability must not stop containers from starting.
 *
 * Values are unsigned 64-bit in the spec. RLIM_INFINITY is 2^64-1, which
 * jansson only parses as a real (it rejects integers above INT64_MAX), so a
 * real >= 2^64-1 and the integer -1 both mean "unlimited". */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "security.h"

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
rlimit_from_name (const char *name)
{
  size_t i;

  for (i = 0; i < sizeof (rlimit_table) / sizeof (rlimit_table[0]); i++)
    if (strcmp (rlimit_table[i].name, name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

static int
get_limit (json_t *entry, const char *type, const char *key, rlim_t *out, rt_error_t *err)
{
  json_t *v = json_object_get (entry, key);

  if (json_is_integer (v))
    {
      json_int_t i = json_integer_value (v);
      if (i == -1)
        *out = RLIM_INFINITY;
      else if (i < 0)
        return rt_fail (err, 0, "rlimit `%s`: `%s` must not be negative", type, key);
      else
        *out = (rlim_t) i;
      return 0;
    }
  if (json_is_real (v))
    {
      double d = json_real_value (v);
      if (d < 0 || isnan (d))
        return rt_fail (err, 0, "rlimit `%s`: `%s` must not be negative", type, key);
      *out = d >= 18446744073709551615.0 ? RLIM_INFINITY : (rlim_t) d;
      return 0;
    }
  return rt_fail (err, 0, "rlimit `%s`: `%s` must be a number", type, key);
}

static void
fmt_limit (char *buf, size_t len, rlim_t v)
{
  if (v == RLIM_INFINITY)
    snprintf (buf, len, "unlimited");
  else
    snprintf (buf, len, "%llu", (unsigned long long) v);
}

static int
apply_one (json_t *entry, size_t idx, rt_error_t *err)
{
  struct rlimit want, cur;
  const char *type;
  int resource;

  if (!json_is_object (entry))
    return rt_fail (err, 0, "rlimits[%zu]: must be an object", idx);
  type = json_string_value (json_object_get (entry, "type"));
  if (type == NULL)
    return rt_fail (err, 0, "rlimits[%zu]: `type` must be a string", idx);
  resource = rlimit_from_name (type);
  if (resource < 0)
    return rt_fail (err, 0, "rlimit: unknown type `%s`", type);
  if (get_limit (entry, type, "hard", &want.rlim_max, err) < 0 || get_limit (entry, type, "soft", &want.rlim_cur, err) < 0)
    return -1;
  if (want.rlim_cur > want.rlim_max)
    return rt_fail (err, 0, "rlimit `%s`: soft limit is above the hard limit", type);

  if (setrlimit (resource, &want) == 0)
    return 0;
  if (errno != EPERM)
    return rt_fail (err, errno, "setrlimit `%s`", type);

  /* Not allowed to raise the hard limit: keep what we may. */
  if (getrlimit (resource, &cur) < 0)
    return rt_fail (err, errno, "getrlimit `%s`", type);
  {
    struct rlimit lowered = want;
    char wh[32], ws[32], lh[32], ls[32];

    if (lowered.rlim_max > cur.rlim_max)
      lowered.rlim_max = cur.rlim_max;
    if (lowered.rlim_cur > lowered.rlim_max)
      lowered.rlim_cur = lowered.rlim_max;
    if (setrlimit (resource, &lowered) < 0)
      return rt_fail (err, errno, "setrlimit `%s`", type);
    fmt_limit (wh, sizeof (wh), want.rlim_max);
    fmt_limit (ws, sizeof (ws), want.rlim_cur);
    fmt_limit (lh, sizeof (lh), lowered.rlim_max);
    fmt_limit (ls, sizeof (ls), lowered.rlim_cur);
    rt_warn ("setrlimit `%s`: soft %s hard %s not permitted (the hard limit cannot be raised above %s); "
             "lowered to soft %s hard %s",
             type, ws, wh, lh, ls, lh);
  }
  return 0;
}

int
rt_apply_rlimits (json_t *process, rt_error_t *err)
{
  json_t *list, *entry;
  size_t i;

  list = process ? json_object_get (process, "rlimits") : NULL;
  if (list == NULL || json_is_null (list))
    return 0;
  if (!json_is_array (list))
    return rt_fail (err, 0, "rlimits: must be an array");
  json_array_foreach (list, i, entry)
    if (apply_one (entry, i, err) < 0)
      return -1;
  return 0;
}
