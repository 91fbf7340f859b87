/* Container state on disk, the status machine, and the `state` verb. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroups.h"
#include "spec.h"
#include "state.h"
#include "utils.h"

const char *rt_state_root = RT_DEFAULT_ROOT;

static int
not_found (rt_error_t *err, const char *id)
{
  rt_fail (err, 0, "container `%s` does not exist", id);
  err->status = ENOENT;
  return -1;
}

static const char *const status_names[] = {
  [RT_STATUS_CREATING] = "creating", [RT_STATUS_CREATED] = "created", [RT_STATUS_RUNNING] = "running",
  [RT_STATUS_PAUSED] = "paused",     [RT_STATUS_STOPPED] = "stopped",
};

const char *
rt_status_name (rt_status_t s)
{
  return status_names[s];
}

int
rt_validate_id (const char *id, rt_error_t *err)
{
  const char *p;
  if (id == NULL || *id == '\0')
    return rt_fail (err, 0, "container id cannot be empty");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return rt_fail (err, 0, "invalid container id `%s`", id);
  for (p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("_+-.", *p)))
      return rt_fail (err, 0, "invalid container id `%s`", id);
  return 0;
}

char *
rt_state_dir (const char *id)
{
  char *r;
  xasprintf (&r, "%s/%s", rt_state_root, id);
  return r;
}

int
rt_state_create_dir (const char *id, rt_error_t *err)
{
  cleanup_free char *dir = rt_state_dir (id);
  int fd;

  if (mkdir (rt_state_root, 0711) < 0 && errno != EEXIST)
    {
      if (errno != ENOENT || rt_mkdir_p (rt_state_root, 0711, err) < 0)
        return rt_fail (err, errno, "mkdir `%s`", rt_state_root);
    }
  if (mkdir (dir, 0711) < 0)
    {
      if (errno == EEXIST)
        return rt_fail (err, 0, "container with id `%s` already exists", id);
      return rt_fail (err, errno, "mkdir `%s`", dir);
    }
  fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", dir);
  return fd;
}

int
rt_state_open_dir (const char *id, rt_error_t *err)
{
  cleanup_free char *dir = rt_state_dir (id);
  int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return not_found (err, id);
  if (fd < 0)
    return rt_fail (err, errno, "open `%s`", dir);
  return fd;
}

int
rt_state_write (int dirfd, const rt_state_t *st, rt_error_t *err)
{
  cleanup_json json_t *j = json_object ();
  cleanup_free char *text = NULL;

  json_object_set_new (j, "id", json_string (st->id));
  json_object_set_new (j, "pid", json_integer (st->pid));
  json_object_set_new (j, "start_time", json_integer ((json_int_t) st->start_time));
  json_object_set_new (j, "bundle", json_string (st->bundle));
  json_object_set_new (j, "rootfs", json_string (st->rootfs));
  if (st->cgroup_path)
    json_object_set_new (j, "cgroup_path", json_string (st->cgroup_path));
  json_object_set_new (j, "created", json_string (st->created));
  json_object_set_new (j, "annotations", st->annotations ? json_incref (st->annotations) : json_object ());
  if (st->ns_paths)
    json_object_set (j, "namespace_paths", st->ns_paths);
  text = json_dumps (j, JSON_COMPACT);
  if (text == NULL)
    return rt_fail (err, ENOMEM, "serialize state");
  return rt_write_file_atomic_at (dirfd, RT_STATE_FILE, text, strlen (text), err);
}

int
rt_state_load (const char *id, rt_state_t **out, rt_error_t *err)
{
  cleanup_close int dfd = -1;
  cleanup_free char *text = NULL;
  cleanup_json json_t *j = NULL;
  json_error_t jerr;
  rt_state_t *st;

  if (rt_validate_id (id, err) < 0)
    return -1;
  dfd = rt_state_open_dir (id, err);
  if (dfd < 0)
    return -1;
  if (rt_read_file_at (dfd, RT_STATE_FILE, &text, NULL, err) < 0)
    {
      if (err->status == ENOENT)
        return not_found (err, id);
      return -1;
    }
  j = json_loads (text, 0, &jerr);
  if (j == NULL)
    return rt_fail (err, 0, "parse state of `%s`: %s", id, jerr.text);
  st = xmalloc0 (sizeof (*st));
  st->id = xstrdup (id);
  st->pid = (pid_t) json_integer_value (json_object_get (j, "pid"));
  st->start_time = (unsigned long long) json_integer_value (json_object_get (j, "start_time"));
  st->bundle = xstrdup (rt_json_str (j, "bundle"));
  st->rootfs = xstrdup (rt_json_str (j, "rootfs"));
  st->cgroup_path = xstrdup (rt_json_str (j, "cgroup_path"));
  st->created = xstrdup (rt_json_str (j, "created"));
  st->annotations = json_incref (rt_json_obj (j, "annotations"));
  st->ns_paths = json_incref (rt_json_obj (j, "namespace_paths"));
  *out = st;
  return 0;
}

void
rt_state_free (rt_state_t *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->cgroup_path);
  free (st->created);
  json_decref (st->annotations);
  json_decref (st->ns_paths);
  free (st);
}

int
rt_state_remove (const char *id, rt_error_t *err)
{
  cleanup_close int rfd = open (rt_state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return errno == ENOENT ? 0 : rt_fail (err, errno, "open `%s`", rt_state_root);
  return rt_rm_rf_at (rfd, id, err);
}

bool
rt_state_pid_alive (const rt_state_t *st)
{
  unsigned long long start;
  char s = 0;

  if (st->pid <= 0)
    return false;
  if (rt_proc_start_time (st->pid, &start, &s) < 0)
    return false;
  return start == st->start_time && s != 'Z' && s != 'X';
}

rt_status_t
rt_state_status (const rt_state_t *st)
{
  cleanup_free char *fifo = NULL;
  rt_cgroup_t *cg = NULL;
  rt_error_t err;
  bool frozen = false;

  if (!rt_state_pid_alive (st))
    return RT_STATUS_STOPPED;
  xasprintf (&fifo, "%s/%s/%s", rt_state_root, st->id, RT_EXEC_FIFO);
  if (access (fifo, F_OK) == 0)
    return RT_STATUS_CREATED;
  if (st->cgroup_path && rt_cgroup_open (st->cgroup_path, &cg, &err) == 0)
    {
      if (rt_cgroup_is_frozen (cg, &frozen, &err) < 0)
        frozen = false;
      rt_cgroup_free (cg);
    }
  return frozen ? RT_STATUS_PAUSED : RT_STATUS_RUNNING;
}

json_t *
rt_state_to_oci (const rt_state_t *st, rt_status_t status)
{
  json_t *j = json_object ();
  json_object_set_new (j, "ociVersion", json_string (RT_OCI_VERSION));
  json_object_set_new (j, "id", json_string (st->id));
  json_object_set_new (j, "pid", json_integer (status == RT_STATUS_STOPPED ? 0 : st->pid));
  json_object_set_new (j, "status", json_string (rt_status_name (status)));
  json_object_set_new (j, "bundle", json_string (st->bundle));
  json_object_set_new (j, "rootfs", json_string (st->rootfs));
  json_object_set_new (j, "created", json_string (st->created));
  json_object_set_new (j, "annotations", st->annotations ? json_incref (st->annotations) : json_object ());
  return j;
}
