/* linux.sysctl: { "net.ipv4.ip_forward": "1" } written to
 * /proc/sys/net/ipv4/ip_forward. Call after /proc is mounted in the
 * container's namespaces. Keys are dotted names: a `/`, a `..` segment or an
 * empty segment is refused, so a key cannot leave /proc/sys. Which keys are
 * namespaced (safe to set) is the engine's decision, as in Docker. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "security.h"

static int
sysctl_path (const char *key, char *path, size_t len, rt_error_t *err)
{
  size_t klen = strlen (key), i;
  int n;

  if (klen == 0)
    return rt_fail (err, 0, "sysctl: empty key");
  if (strchr (key, '/') != NULL)
    return rt_fail (err, 0, "sysctl `%s`: invalid key (`/` is not allowed)", key);
  if (strstr (key, "..") != NULL || key[0] == '.' || key[klen - 1] == '.')
    return rt_fail (err, 0, "sysctl `%s`: invalid key (empty or `..` segment)", key);

  n = snprintf (path, len, "/proc/sys/%s", key);
  if (n < 0 || (size_t) n >= len)
    return rt_fail (err, ENAMETOOLONG, "sysctl `%s`", key);
  for (i = strlen ("/proc/sys/"); path[i]; i++)
    if (path[i] == '.')
      path[i] = '/';
  return 0;
}

static int
write_sysctl (const char *key, const char *value, rt_error_t *err)
{
  cleanup_close int fd = -1;
  char path[PATH_MAX];
  size_t len = strlen (value), off = 0;

  if (sysctl_path (key, path, sizeof (path), err) < 0)
    return -1;
  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return rt_fail (err, errno, "sysctl `%s`: open `%s`", key, path);
  while (off < len)
    {
      ssize_t n = write (fd, value + off, len - off);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return rt_fail (err, errno, "sysctl `%s`: write `%s` to `%s`", key, value, path);
        }
      if (n == 0)
        return rt_fail (err, EIO, "sysctl `%s`: write `%s` to `%s`", key, value, path);
      off += n;
    }
  return 0;
}

int
rt_apply_sysctls (json_t *sysctl, rt_error_t *err)
{
  const char *key;
  json_t *value;

  if (sysctl == NULL || json_is_null (sysctl))
    return 0;
  if (!json_is_object (sysctl))
    return rt_fail (err, 0, "sysctl: must be an object of strings");
  json_object_foreach (sysctl, key, value)
    {
      const char *s = json_string_value (value);
      if (s == NULL)
        return rt_fail (err, 0, "sysctl `%s`: value must be a string", key);
      if (write_sysctl (key, s, err) < 0)
        return -1;
    }
  return 0;
}
