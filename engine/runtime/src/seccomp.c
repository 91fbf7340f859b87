/* linux.seccomp through libseccomp:
 *   { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *     "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 *     "flags": ["SECCOMP_FILTER_FLAG_LOG"],
 *     "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ALLOW",
 *                    "errnoRet": 1, "args": [{ "index": 0, "value": 8, "valueTwo": 0,
 *                                              "op": "SCMP_CMP_EQ" }] }] }
 * The engine resolves Docker's profile (archMap, includes/excludes by
 * capability, architecture and kernel) before it reaches us.
 *
 * Semantics follow runc and crun:
 *  - errnoRet (and defaultErrnoRet) only for ERRNO and TRACE, EPERM when absent;
 *  - a rule whose action equals the default action is redundant and skipped;
 *  - a syscall name libseccomp does not know (newer than it) is skipped;
 *  - args on distinct indexes form one rule (AND); when an index repeats, each
 *    condition becomes its own rule (OR), as libseccomp cannot AND them;
 *  - libseccomp's automatic PR_SET_NO_NEW_PRIVS is turned off: that flag is
 *    process.noNewPrivileges' business. Without it, loading a filter needs
 *    CAP_SYS_ADMIN, so the caller must load before dropping capabilities when
 *    noNewPrivileges is false (runc and crun do the same).
 * SCMP_ACT_NOTIFY (and listenerPath) is refused: we have no seccomp agent. */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>

#include "security.h"

static void
release_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}
#define cleanup_seccomp __attribute__ ((cleanup (release_ctx)))

static const struct
{
  const char *name;
  uint32_t action;
} action_table[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static const struct
{
  const char *name;
  enum scmp_compare op;
} op_table[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static bool
action_takes_errno (const char *name)
{
  return strcmp (name, "SCMP_ACT_ERRNO") == 0 || strcmp (name, "SCMP_ACT_TRACE") == 0;
}

/* `errno_key` names where the errno came from, for messages. */
static int
parse_action (const char *name, json_t *errno_ret, const char *errno_key, uint32_t *action, rt_error_t *err)
{
  json_int_t e = EPERM;
  size_t i;

  if (name == NULL)
    return rt_fail (err, 0, "seccomp: missing action");
  if (errno_ret != NULL && !json_is_null (errno_ret))
    {
      if (!action_takes_errno (name))
        return rt_fail (err, 0, "seccomp: `%s` given for action `%s` (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)",
                        errno_key, name);
      if (!json_is_integer (errno_ret) || json_integer_value (errno_ret) < 0
          || json_integer_value (errno_ret) > 0xffff)
        return rt_fail (err, 0, "seccomp: `%s` for action `%s` must be an integer in 0..65535", errno_key, name);
      e = json_integer_value (errno_ret);
    }
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    {
      *action = SCMP_ACT_ERRNO ((uint32_t) e);
      return 0;
    }
  if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    {
      *action = SCMP_ACT_TRACE ((uint32_t) e);
      return 0;
    }
  if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    return rt_fail (err, 0, "seccomp: action `SCMP_ACT_NOTIFY` is not supported (no seccomp notify agent)");
  for (i = 0; i < sizeof (action_table) / sizeof (action_table[0]); i++)
    if (strcmp (action_table[i].name, name) == 0)
      {
        *action = action_table[i].action;
        return 0;
      }
  return rt_fail (err, 0, "seccomp: unknown action `%s`", name);
}

static int
parse_u64 (json_t *v, const char *what, const char *sysname, uint64_t *out, rt_error_t *err)
{
  if (v == NULL || json_is_null (v))
    {
      *out = 0;
      return 0;
    }
  if (json_is_integer (v))
    {
      /* jansson holds int64: a negative value stands for its two's complement. */
      *out = (uint64_t) json_integer_value (v);
      return 0;
    }
  if (json_is_real (v) && json_real_value (v) >= 0 && json_real_value (v) < 18446744073709551616.0)
    {
      *out = (uint64_t) json_real_value (v);
      return 0;
    }
  return rt_fail (err, 0, "seccomp: `%s` of an argument of `%s` must be an unsigned integer", what, sysname);
}

/* Fill cmp[] from a rule's args; *repeated tells whether an index repeats. */
static int
parse_args (json_t *args, const char *sysname, struct scmp_arg_cmp *cmp, unsigned *n, bool *repeated,
            rt_error_t *err)
{
  unsigned seen = 0;
  json_t *a;
  size_t i, j;

  *n = 0;
  *repeated = false;
  if (args == NULL || json_is_null (args))
    return 0;
  if (!json_is_array (args))
    return rt_fail (err, 0, "seccomp: `args` of `%s` must be an array", sysname);
  if (json_array_size (args) > 6)
    return rt_fail (err, 0, "seccomp: `%s` has %zu argument conditions, at most 6 are supported", sysname,
                    json_array_size (args));

  json_array_foreach (args, i, a)
    {
      json_t *idx = json_object_get (a, "index");
      const char *op = json_string_value (json_object_get (a, "op"));
      json_int_t index;
      bool found = false;

      if (!json_is_integer (idx) || (index = json_integer_value (idx)) < 0 || index > 5)
        return rt_fail (err, 0, "seccomp: `index` of an argument of `%s` must be 0..5", sysname);
      if (op == NULL)
        return rt_fail (err, 0, "seccomp: missing `op` in an argument of `%s`", sysname);
      for (j = 0; j < sizeof (op_table) / sizeof (op_table[0]); j++)
        if (strcmp (op_table[j].name, op) == 0)
          {
            cmp[i].op = op_table[j].op;
            found = true;
          }
      if (!found)
        return rt_fail (err, 0, "seccomp: unknown operator `%s` for `%s`", op, sysname);
      cmp[i].arg = (unsigned) index;
      if (parse_u64 (json_object_get (a, "value"), "value", sysname, &cmp[i].datum_a, err) < 0
          || parse_u64 (json_object_get (a, "valueTwo"), "valueTwo", sysname, &cmp[i].datum_b, err) < 0)
        return -1;
      if (seen & (1u << index))
        *repeated = true;
      seen |= 1u << index;
    }
  *n = json_array_size (args);
  return 0;
}

static int
add_architectures (scmp_filter_ctx ctx, json_t *arches, rt_error_t *err)
{
  json_t *item;
  size_t i;

  if (arches == NULL || json_is_null (arches))
    return 0;
  if (!json_is_array (arches))
    return rt_fail (err, 0, "seccomp: `architectures` must be an array");
  json_array_foreach (arches, i, item)
    {
      const char *name = json_string_value (item), *p;
      char lower[32];
      uint32_t token;
      size_t k;
      int ret;

      if (name == NULL)
        return rt_fail (err, 0, "seccomp: `architectures`[%zu] must be a string", i);
      p = strncmp (name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
      for (k = 0; p[k] && k < sizeof (lower) - 1; k++)
        lower[k] = tolower ((unsigned char) p[k]);
      lower[k] = '\0';
      token = seccomp_arch_resolve_name (lower);
      if (token == 0)
        return rt_fail (err, 0, "seccomp: unknown architecture `%s`", name);
      ret = seccomp_arch_add (ctx, token);
      if (ret < 0 && ret != -EEXIST)
        return rt_fail (err, -ret, "seccomp_arch_add `%s`", name);
    }
  return 0;
}

static int
set_flags (scmp_filter_ctx ctx, json_t *flags, rt_error_t *err)
{
  json_t *item;
  size_t i;

  if (flags == NULL || json_is_null (flags))
    return 0;
  if (!json_is_array (flags))
    return rt_fail (err, 0, "seccomp: `flags` must be an array");
  json_array_foreach (flags, i, item)
    {
      const char *name = json_string_value (item);
      enum scmp_filter_attr attr;
      int ret;

      if (name == NULL)
        return rt_fail (err, 0, "seccomp: `flags`[%zu] must be a string", i);
      if (strcmp (name, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
        attr = SCMP_FLTATR_CTL_TSYNC;
      else if (strcmp (name, "SECCOMP_FILTER_FLAG_LOG") == 0)
        attr = SCMP_FLTATR_CTL_LOG;
      else if (strcmp (name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        attr = SCMP_FLTATR_CTL_SSB;
      else if (strcmp (name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        {
          /* Only meaningful with a notify listener, which we refuse anyway. */
          rt_warn ("seccomp: flag `%s` has no effect without SCMP_ACT_NOTIFY; ignored", name);
          continue;
        }
      else
        return rt_fail (err, 0, "seccomp: unknown flag `%s`", name);
      ret = seccomp_attr_set (ctx, attr, 1);
      if (ret < 0)
        return rt_fail (err, -ret, "seccomp_attr_set `%s`", name);
    }
  return 0;
}

static int
add_rule (scmp_filter_ctx ctx, json_t *rule, size_t idx, uint32_t default_action, rt_error_t *err)
{
  struct scmp_arg_cmp cmp[6];
  const char *action_name;
  json_t *names, *name_item;
  uint32_t action;
  unsigned n_args;
  bool repeated;
  size_t i;

  if (!json_is_object (rule))
    return rt_fail (err, 0, "seccomp: `syscalls`[%zu] must be an object", idx);
  action_name = json_string_value (json_object_get (rule, "action"));
  if (action_name == NULL)
    return rt_fail (err, 0, "seccomp: `syscalls`[%zu] has no `action`", idx);
  if (parse_action (action_name, json_object_get (rule, "errnoRet"), "errnoRet", &action, err) < 0)
    return -1;
  names = json_object_get (rule, "names");
  if (!json_is_array (names))
    return rt_fail (err, 0, "seccomp: `syscalls`[%zu] needs a `names` array", idx);
  if (action == default_action)
    return 0;

  json_array_foreach (names, i, name_item)
    {
      const char *name = json_string_value (name_item);
      int nr, ret = 0;
      unsigned k;

      if (name == NULL)
        return rt_fail (err, 0, "seccomp: `syscalls`[%zu].names[%zu] must be a string", idx, i);
      nr = seccomp_syscall_resolve_name (name);
      if (nr == __NR_SCMP_ERROR)
        continue; /* newer than libseccomp: skipped, as runc does */
      if (parse_args (json_object_get (rule, "args"), name, cmp, &n_args, &repeated, err) < 0)
        return -1;

      if (!repeated)
        ret = seccomp_rule_add_array (ctx, action, nr, n_args, cmp);
      else
        for (k = 0; k < n_args && ret >= 0; k++)
          ret = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[k]);
      if (ret < 0)
        return rt_fail (err, -ret, "seccomp_rule_add `%s` (%s)", name, action_name);
    }
  return 0;
}

int
rt_apply_seccomp (json_t *seccomp, rt_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  const char *default_name;
  uint32_t default_action;
  json_t *syscalls, *rule, *listener;
  size_t i;
  int ret;

  if (seccomp == NULL || json_is_null (seccomp))
    return 0;
  if (!json_is_object (seccomp))
    return rt_fail (err, 0, "seccomp: must be an object");

  listener = json_object_get (seccomp, "listenerPath");
  if (json_string_value (listener) != NULL && json_string_value (listener)[0] != '\0')
    return rt_fail (err, 0, "seccomp: `listenerPath` is not supported (no seccomp notify agent)");

  default_name = json_string_value (json_object_get (seccomp, "defaultAction"));
  if (default_name == NULL)
    return rt_fail (err, 0, "seccomp: missing `defaultAction`");
  if (parse_action (default_name, json_object_get (seccomp, "defaultErrnoRet"), "defaultErrnoRet", &default_action,
                    err)
      < 0)
    return -1;

  if (prctl (PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
    return rt_fail (err, errno, "prctl `PR_GET_SECCOMP` (kernel without seccomp?)");

  ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return rt_fail (err, 0, "seccomp_init (default action `%s`) failed", default_name);
  /* Real errnos from seccomp_load and friends, for useful messages. */
  (void) seccomp_attr_set (ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
  ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (ret < 0)
    return rt_fail (err, -ret, "seccomp_attr_set `SCMP_FLTATR_CTL_NNP`");

  if (add_architectures (ctx, json_object_get (seccomp, "architectures"), err) < 0
      || set_flags (ctx, json_object_get (seccomp, "flags"), err) < 0)
    return -1;

  syscalls = json_object_get (seccomp, "syscalls");
  if (syscalls != NULL && !json_is_null (syscalls) && !json_is_array (syscalls))
    return rt_fail (err, 0, "seccomp: `syscalls` must be an array");
  json_array_foreach (syscalls, i, rule)
    if (add_rule (ctx, rule, i, default_action, err) < 0)
      return -1;

  ret = seccomp_load (ctx);
  if (ret < 0)
    {
      if (ret == -EACCES && prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0)
        return rt_fail (err, -ret,
                        "seccomp_load: without noNewPrivileges the filter needs CAP_SYS_ADMIN; load it before "
                        "dropping capabilities");
      return rt_fail (err, -ret, "seccomp_load");
    }
  return 0;
}
