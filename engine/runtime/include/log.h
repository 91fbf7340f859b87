/* Where errors and warnings go besides stderr: runc's --log FILE and
 * --log-format text|json (the json lines are what containerd reads). */
#ifndef TSC_LOG_H
#define TSC_LOG_H

#include "error.h"

/* Open `path` for appending; `json` selects the JSON line format. */
int rt_log_open (const char *path, int json, rt_error_t *err);
/* The fd of the log file, or -1 (children close it before exec). */
int rt_log_fd (void);

#endif
