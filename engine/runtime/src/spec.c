/* Loading config.json and walking jansson nodes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "utils.h"

const char *
rt_json_str (json_t *obj, const char *key)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  return json_is_string (v) ? json_string_value (v) : NULL;
}

json_t *
rt_json_obj (json_t *obj, const char *key)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  return json_is_object (v) ? v : NULL;
}

json_t *
rt_json_arr (json_t *obj, const char *key)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  return json_is_array (v) ? v : NULL;
}

bool
rt_json_bool (json_t *obj, const char *key, bool dflt)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  return json_is_boolean (v) ? json_is_true (v) : dflt;
}

json_t *
rt_json_path (json_t *obj, const char *path)
{
  char key[128];
  while (obj && *path)
    {
      const char *dot = strchr (path, '.');
      size_t n = dot ? (size_t) (dot - path) : strlen (path);
      if (n >= sizeof (key))
        return NULL;
      memcpy (key, path, n);
      key[n] = '\0';
      obj = json_is_object (obj) ? json_object_get (obj, key) : NULL;
      path += n + (dot ? 1 : 0);
    }
  return obj;
}

char **
rt_json_strv (json_t *arr)
{
  size_t n = json_is_array (arr) ? json_array_size (arr) : 0, i, total = 0, k = 0;
  char **v;
  char *p;

  for (i = 0; i < n; i++)
    if (json_is_string (json_array_get (arr, i)))
      total += strlen (json_string_value (json_array_get (arr, i))) + 1;
  v = xmalloc0 ((n + 1) * sizeof (char *) + total);
  p = (char *) (v + n + 1);
  for (i = 0; i < n; i++)
    {
      json_t *s = json_array_get (arr, i);
      if (!json_is_string (s))
        continue;
      strcpy (p, json_string_value (s));
      v[k++] = p;
      p += strlen (p) + 1;
    }
  v[k] = NULL;
  return v;
}

int
rt_spec_load (const char *bundle, rt_spec_t **out, rt_error_t *err)
{
  cleanup_free char *path = NULL;
  json_error_t jerr;
  rt_spec_t *spec;
  json_t *root;
  const char *rootfs;

  spec = xmalloc0 (sizeof (*spec));
  spec->bundle = realpath (bundle, NULL);
  if (spec->bundle == NULL)
    {
      int e = errno;
      free (spec);
      return rt_fail (err, e, "open bundle `%s`", bundle);
    }
  xasprintf (&path, "%s/config.json", spec->bundle);
  root = json_load_file (path, 0, &jerr);
  if (root == NULL)
    {
      int e = access (path, R_OK) < 0 ? errno : 0;
      rt_spec_free (spec);
      if (e)
        return rt_fail (err, e, "open `%s`", path);
      return rt_fail (err, 0, "parse `%s`: %s (line %d)", path, jerr.text, jerr.line);
    }
  spec->root = root;
  if (!json_is_object (root))
    {
      rt_spec_free (spec);
      return rt_fail (err, 0, "parse `%s`: not a JSON object", path);
    }
  spec->process = rt_json_obj (root, "process");
  spec->linux_ = rt_json_obj (root, "linux");
  rootfs = rt_json_str (rt_json_obj (root, "root"), "path");
  if (rootfs == NULL)
    {
      rt_spec_free (spec);
      return rt_fail (err, 0, "`%s`: root.path is required", path);
    }
  spec->rootfs = rt_abspath (spec->bundle, rootfs);
  spec->rootfs_ro = rt_json_bool (rt_json_obj (root, "root"), "readonly", false);
  *out = spec;
  return 0;
}

void
rt_spec_free (rt_spec_t *spec)
{
  if (spec == NULL)
    return;
  json_decref (spec->root);
  free (spec->bundle);
  free (spec->rootfs);
  free (spec);
}
