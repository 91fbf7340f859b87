/* process.capabilities: the five capability sets of the container process.
 *
 * Order matters and follows the kernel's rules:
 *   1. bounding:  PR_CAPBSET_DROP every capability not listed (needs
 *      CAP_SETPCAP in the effective set, so it comes first);
 *   2. effective/permitted/inheritable: one raw capset(2) with
 *      _LINUX_CAPABILITY_VERSION_3 (no libcap);
 *   3. ambient:   cleared, then each listed one raised (it must already be in
 *      permitted and inheritable).
 * A capability the runtime itself does not hold (for example CAP_SYS_RESOURCE
 * on a host that withholds it) cannot be granted: it is left out of the
 * effective/permitted/inheritable sets with a warning, like rlimits, instead of
 * failing the container. An unknown name is an error; a known name newer than
 * the running kernel (above /proc/sys/kernel/cap_last_cap) is skipped with a
 * warning. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
  "CAP_CHOWN",           "CAP_DAC_OVERRIDE",     "CAP_DAC_READ_SEARCH",  "CAP_FOWNER",
  "CAP_FSETID",          "CAP_KILL",             "CAP_SETGID",           "CAP_SETUID",
  "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE",  "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",       "CAP_NET_RAW",          "CAP_IPC_LOCK",         "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",        "CAP_SYS_CHROOT",       "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",        "CAP_SYS_BOOT",         "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",         "CAP_SYS_TTY_CONFIG",   "CAP_MKNOD",
  "CAP_LEASE",           "CAP_AUDIT_WRITE",      "CAP_AUDIT_CONTROL",    "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",        "CAP_SYSLOG",           "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",       "CAP_PERFMON",          "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES ((int) (sizeof (cap_names) / sizeof (cap_names[0])))

/* The five sets, in the order they are read from the spec. */
enum
{
  SET_BOUNDING,
  SET_EFFECTIVE,
  SET_PERMITTED,
  SET_INHERITABLE,
  SET_AMBIENT,
  N_SETS
};
static const char *const set_keys[N_SETS] = { "bounding", "effective", "permitted", "inheritable", "ambient" };

static int
cap_last_cap (rt_error_t *err)
{
  static int cached = -1;
  const char *path = "/proc/sys/kernel/cap_last_cap";
  cleanup_close int fd = -1;
  char buf[32];
  ssize_t n;
  int last;

  if (cached >= 0)
    return cached;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      /* No /proc (not mounted yet): fall back to probing the bounding set,
       * where PR_CAPBSET_READ fails with EINVAL past the last capability. */
      if (errno != ENOENT)
        return rt_fail (err, errno, "open `%s`", path);
      for (last = 0; last < 63 && prctl (PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0; last++)
        ;
      return cached = last;
    }
  n = read (fd, buf, sizeof (buf) - 1);
  if (n < 0)
    return rt_fail (err, errno, "read `%s`", path);
  buf[n] = '\0';
  if (sscanf (buf, "%d", &last) != 1 || last < 0 || last > 63)
    return rt_fail (err, 0, "read `%s`: unexpected content `%s`", path, buf);
  return cached = last;
}

static int
cap_from_name (const char *name)
{
  int i;

  for (i = 0; i < N_CAP_NAMES; i++)
    if (strcmp (cap_names[i], name) == 0)
      return i;
  return -1;
}

static const char *
cap_name (int cap)
{
  return cap < N_CAP_NAMES ? cap_names[cap] : "CAP_?";
}

/* Parse process.capabilities.<key> into a mask. Absent or null: empty. */
static int
parse_set (json_t *caps, const char *key, int last, uint64_t *mask, rt_error_t *err)
{
  json_t *list = json_object_get (caps, key);
  json_t *item;
  size_t i;

  *mask = 0;
  if (list == NULL || json_is_null (list))
    return 0;
  if (!json_is_array (list))
    return rt_fail (err, 0, "capabilities: `%s` must be an array of names", key);

  json_array_foreach (list, i, item)
    {
      const char *name = json_string_value (item);
      int cap;

      if (name == NULL)
        return rt_fail (err, 0, "capabilities: `%s`[%zu] must be a string", key, i);
      cap = cap_from_name (name);
      if (cap < 0)
        return rt_fail (err, 0, "capabilities: unknown capability `%s` in `%s`", name, key);
      if (cap > last)
        {
          rt_warn ("capabilities: `%s` is not supported by this kernel (last is `%s`); ignored", name,
                   cap_name (last));
          continue;
        }
      *mask |= UINT64_C (1) << cap;
    }
  return 0;
}

static int
capget_self (uint64_t *eff, uint64_t *prm, uint64_t *inh, rt_error_t *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];

  memset (data, 0, sizeof (data));
  if (syscall (SYS_capget, &hdr, data) < 0)
    return rt_fail (err, errno, "capget");
  *eff = data[0].effective | ((uint64_t) data[1].effective << 32);
  *prm = data[0].permitted | ((uint64_t) data[1].permitted << 32);
  *inh = data[0].inheritable | ((uint64_t) data[1].inheritable << 32);
  return 0;
}

static void
warn_missing (uint64_t wanted, uint64_t allowed, const char *set, const char *why)
{
  uint64_t missing = wanted & ~allowed;
  int cap;

  for (cap = 0; cap < 64; cap++)
    if (missing & (UINT64_C (1) << cap))
      rt_warn ("capabilities: cannot grant `%s` in the %s set (%s); left out", cap_name (cap), set, why);
}

int
rt_capabilities_keep (rt_error_t *err)
{
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return rt_fail (err, errno, "prctl `PR_SET_KEEPCAPS`");
  return 0;
}

int
rt_apply_capabilities (json_t *process, rt_error_t *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  uint64_t want[N_SETS], cur_eff = 0, cur_prm = 0, cur_inh = 0, bounding = 0;
  json_t *caps;
  int last, cap, i;

  caps = process ? json_object_get (process, "capabilities") : NULL;
  if (caps == NULL || json_is_null (caps))
    return 0; /* keep what the runtime has, as runc does */
  if (!json_is_object (caps))
    return rt_fail (err, 0, "capabilities: must be an object");

  last = cap_last_cap (err);
  if (last < 0)
    return -1;
  for (i = 0; i < N_SETS; i++)
    if (parse_set (caps, set_keys[i], last, &want[i], err) < 0)
      return -1;

  if (want[SET_EFFECTIVE] & ~want[SET_PERMITTED])
    {
      for (cap = 0; cap <= last; cap++)
        if ((want[SET_EFFECTIVE] & ~want[SET_PERMITTED]) & (UINT64_C (1) << cap))
          return rt_fail (err, 0, "capabilities: `%s` is in the effective set but not in the permitted set",
                          cap_name (cap));
    }

  if (capget_self (&cur_eff, &cur_prm, &cur_inh, err) < 0)
    return -1;

  /* After setuid with PR_SET_KEEPCAPS the kernel empties the effective set
   * but keeps the permitted one: make them effective again, since dropping
   * from the bounding set needs CAP_SETPCAP effective. */
  if (cur_eff != cur_prm)
    {
      memset (data, 0, sizeof (data));
      data[0].effective = data[0].permitted = (uint32_t) cur_prm;
      data[1].effective = data[1].permitted = (uint32_t) (cur_prm >> 32);
      data[0].inheritable = (uint32_t) cur_inh;
      data[1].inheritable = (uint32_t) (cur_inh >> 32);
      if (syscall (SYS_capset, &hdr, data) < 0)
        return rt_fail (err, errno, "capset (raise effective to permitted %#llx)", (unsigned long long) cur_prm);
      cur_eff = cur_prm;
    }

  /* 1. Bounding set. */
  for (cap = 0; cap <= last; cap++)
    {
      int r = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);

      if (r < 0)
        {
          if (errno == EINVAL)
            continue; /* unknown to this kernel despite cap_last_cap */
          return rt_fail (err, errno, "prctl `PR_CAPBSET_READ` `%s`", cap_name (cap));
        }
      if (want[SET_BOUNDING] & (UINT64_C (1) << cap))
        {
          if (r)
            bounding |= UINT64_C (1) << cap;
          continue;
        }
      if (r && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return rt_fail (err, errno, "prctl `PR_CAPBSET_DROP` `%s`", cap_name (cap));
    }
  /* Asking to keep in the bounding set what is already gone is harmless:
   * the set can only shrink. Say so, since the process will lack it. */
  warn_missing (want[SET_BOUNDING], bounding, "bounding", "not in the runtime's bounding set");

  /* 2. Effective, permitted, inheritable. What the runtime does not hold
   * cannot be gained: the kernel would answer EPERM for the whole call. */
  warn_missing (want[SET_PERMITTED], cur_prm, "permitted", "the runtime does not hold it");
  want[SET_PERMITTED] &= cur_prm;
  want[SET_EFFECTIVE] &= want[SET_PERMITTED];
  /* new inheritable must lie within old inheritable | bounding (with
   * CAP_SETPCAP) or old inheritable | old permitted (without). */
  {
    uint64_t allowed = cur_inh | ((cur_eff & (UINT64_C (1) << CAP_SETPCAP)) ? bounding : (cur_prm & bounding));
    warn_missing (want[SET_INHERITABLE], allowed, "inheritable", "not in the bounding set");
    want[SET_INHERITABLE] &= allowed;
  }

  memset (data, 0, sizeof (data));
  data[0].effective = (uint32_t) want[SET_EFFECTIVE];
  data[1].effective = (uint32_t) (want[SET_EFFECTIVE] >> 32);
  data[0].permitted = (uint32_t) want[SET_PERMITTED];
  data[1].permitted = (uint32_t) (want[SET_PERMITTED] >> 32);
  data[0].inheritable = (uint32_t) want[SET_INHERITABLE];
  data[1].inheritable = (uint32_t) (want[SET_INHERITABLE] >> 32);
  if (syscall (SYS_capset, &hdr, data) < 0)
    return rt_fail (err, errno, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
                    (unsigned long long) want[SET_EFFECTIVE], (unsigned long long) want[SET_PERMITTED],
                    (unsigned long long) want[SET_INHERITABLE]);

  /* 3. Ambient: start from nothing, raise each listed one. A capability not
   * in both permitted and inheritable cannot be ambient: warn, as runc does. */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      if (errno == EINVAL && want[SET_AMBIENT] == 0)
        return 0; /* kernel without ambient capabilities, none wanted */
      return rt_fail (err, errno, "prctl `PR_CAP_AMBIENT_CLEAR_ALL`");
    }
  for (cap = 0; cap <= last; cap++)
    {
      if (!(want[SET_AMBIENT] & (UINT64_C (1) << cap)))
        continue;
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        {
          if (errno == EPERM)
            {
              rt_warn ("capabilities: cannot raise ambient `%s`: it must also be permitted and inheritable", cap_name (cap));
              continue;
            }
          return rt_fail (err, errno, "prctl `PR_CAP_AMBIENT_RAISE` `%s`", cap_name (cap));
        }
    }
  return 0;
}
