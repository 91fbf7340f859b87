/* Per-container state kept under --root/<id>/: state.json (written
 * atomically) and exec.fifo while the container is `created`. */
#ifndef TSC_STATE_H
#define TSC_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

#define RT_DEFAULT_ROOT "/run/tscompose-runtime"
#define RT_EXEC_FIFO "exec.fifo"
#define RT_STATE_FILE "state.json"
#define RT_OCI_VERSION "1.0.2"

typedef enum rt_status
{
  RT_STATUS_CREATING,
  RT_STATUS_CREATED,
  RT_STATUS_RUNNING,
  RT_STATUS_PAUSED,
  RT_STATUS_STOPPED,
} rt_status_t;

typedef struct rt_state
{
  char *id;
  pid_t pid;
  unsigned long long start_time; /* /proc/PID/stat field 22 */
  char *bundle;
  char *rootfs;
  char *cgroup_path;
  char *created;      /* RFC 3339 */
  json_t *annotations; /* object (owned) */
  json_t *ns_paths;    /* namespaces joined by path: type -> path (owned) */
} rt_state_t;

/* --root, set once by main. */
extern const char *rt_state_root;

int rt_validate_id (const char *id, rt_error_t *err);
/* "<root>/<id>" (caller frees). */
char *rt_state_dir (const char *id);
/* Create the root (0711) and the container dir; fails with EEXIST when the
 * id is taken. Returns an O_PATH|O_DIRECTORY fd of the container dir. */
int rt_state_create_dir (const char *id, rt_error_t *err);
int rt_state_open_dir (const char *id, rt_error_t *err);
int rt_state_write (int dirfd, const rt_state_t *st, rt_error_t *err);
/* Load state.json of `id`; ENOENT -> "container `id` does not exist". */
int rt_state_load (const char *id, rt_state_t **out, rt_error_t *err);
void rt_state_free (rt_state_t *st);
int rt_state_remove (const char *id, rt_error_t *err);

/* created / running / paused / stopped, from the pid, its start time, the
 * exec fifo and the freezer. */
rt_status_t rt_state_status (const rt_state_t *st);
const char *rt_status_name (rt_status_t s);
/* True when st->pid still names the container's init (not a reused pid). */
bool rt_state_pid_alive (const rt_state_t *st);
/* The OCI state object (for `state` and hooks). */
json_t *rt_state_to_oci (const rt_state_t *st, rt_status_t status);

#endif
