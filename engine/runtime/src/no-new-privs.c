/* process.noNewPrivileges: PR_SET_NO_NEW_PRIVS, so execve can never grant
 * privileges (setuid bits, file capabilities). It cannot be unset: false or
 * absent leaves the flag as inherited. */
#include <errno.h>
#include <sys/prctl.h>

#include "security.h"

int
rt_apply_no_new_privs (json_t *process, rt_error_t *err)
{
  json_t *v = process ? json_object_get (process, "noNewPrivileges") : NULL;

  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_boolean (v))
    return rt_fail (err, 0, "noNewPrivileges: must be a boolean");
  if (!json_is_true (v))
    return 0;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return rt_fail (err, errno, "prctl `PR_SET_NO_NEW_PRIVS`");
  return 0;
}
