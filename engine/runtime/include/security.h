/* Process security settings applied in the container's init process (or an
 * exec'd process) just before execve, in this order:
 *   rt_apply_rlimits, rt_apply_oom_score_adj (privileged, early)
 *   setgroups/setgid/setuid with PR_SET_KEEPCAPS  (process.c)
 *   rt_apply_capabilities   (bounding, then effective/permitted/inheritable, ambient)
 *   rt_apply_no_new_privs
 *   rt_apply_seccomp        (last: the filter must still allow execve; but when
 *                            noNewPrivileges is false it needs CAP_SYS_ADMIN, so
 *                            it is loaded before the user and capabilities change)
 * Each takes the OCI `process` object or the `linux.seccomp` object (may be NULL). */
#ifndef TSC_SECURITY_H
#define TSC_SECURITY_H

#include <jansson.h>
#include "error.h"

/* process.rlimits. A limit the host forbids raising (hard limit above ours
 * without CAP_SYS_RESOURCE) is lowered to what is allowed, with a warning on
 * stderr; it never fails the container. */
int rt_apply_rlimits (json_t *process, rt_error_t *err);
int rt_apply_oom_score_adj (json_t *process, rt_error_t *err);
/* linux.sysctl, written under /proc/sys (call after /proc is mounted). */
int rt_apply_sysctls (json_t *sysctl, rt_error_t *err);
/* Call before changing uid so capabilities survive setuid. */
int rt_capabilities_keep (rt_error_t *err);
int rt_apply_capabilities (json_t *process, rt_error_t *err);
int rt_apply_no_new_privs (json_t *process, rt_error_t *err);
/* linux.seccomp via libseccomp (defaultAction, architectures, syscalls with
 * names/action/errnoRet/args, flags). NULL or absent: nothing. */
int rt_apply_seccomp (json_t *seccomp, rt_error_t *err);

#endif
