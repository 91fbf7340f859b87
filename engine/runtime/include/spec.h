/* The OCI configuration of a bundle (config.json), loaded once with jansson
 * and walked with the helpers here; everything else receives json_t nodes. */
#ifndef TSC_SPEC_H
#define TSC_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include "error.h"

typedef struct rt_spec
{
  json_t *root;     /* config.json */
  json_t *process;  /* root.process (may be NULL) */
  json_t *linux_;   /* root.linux (may be NULL) */
  char *bundle;     /* absolute bundle dir */
  char *rootfs;     /* absolute root.path */
  bool rootfs_ro;   /* root.readonly */
} rt_spec_t;

int rt_spec_load (const char *bundle, rt_spec_t **out, rt_error_t *err);
void rt_spec_free (rt_spec_t *spec);

/* Lookups that tolerate missing or mistyped nodes. */
const char *rt_json_str (json_t *obj, const char *key);
json_t *rt_json_obj (json_t *obj, const char *key);
json_t *rt_json_arr (json_t *obj, const char *key);
bool rt_json_bool (json_t *obj, const char *key, bool dflt);
/* Dotted lookup, e.g. rt_json_path (root, "linux.resources"). */
json_t *rt_json_path (json_t *obj, const char *path);
/* NULL-terminated copy of a JSON array of strings (one allocation). */
char **rt_json_strv (json_t *arr);

#endif
