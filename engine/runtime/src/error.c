/* Error values and how they are printed (stderr, plus --log FILE).
 * Self-contained: tscompose-monitor links this file too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"

static int log_fd = -1;
static int log_json;

int
rt_fail (rt_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  size_t n;

  if (err == NULL)
    return -1;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof (err->msg), fmt, ap);
  va_end (ap);
  err->status = errnum;
  n = strlen (err->msg);
  if (errnum != 0 && n < sizeof (err->msg) - 1)
    snprintf (err->msg + n, sizeof (err->msg) - n, ": %s", strerror (errnum));
  return -1;
}

int
rt_log_open (const char *path, int json, rt_error_t *err)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return rt_fail (err, errno, "open log file `%s`", path);
  if (log_fd >= 0)
    close (log_fd);
  log_fd = fd;
  log_json = json;
  return 0;
}

int
rt_log_fd (void)
{
  return log_fd;
}

/* JSON string escaping for the log line, enough for our messages. */
static void
json_escape (char *out, size_t size, const char *in)
{
  size_t o = 0;
  for (; *in && o + 7 < size; in++)
    {
      unsigned char c = (unsigned char) *in;
      if (c == '"' || c == '\\')
        {
          out[o++] = '\\';
          out[o++] = c;
        }
      else if (c < 0x20)
        o += snprintf (out + o, size - o, "\\u%04x", c);
      else
        out[o++] = c;
    }
  out[o] = '\0';
}

static void
log_line (const char *level, const char *msg)
{
  char when[64], esc[2200], line[2400];
  struct timespec ts;
  struct tm tm;
  int n;

  if (log_fd < 0)
    return;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (when, sizeof (when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (log_json)
    {
      json_escape (esc, sizeof (esc), msg);
      n = snprintf (line, sizeof (line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, esc, when);
    }
  else
    n = snprintf (line, sizeof (line), "%s %s: %s\n", when, level, msg);
  if (n > 0)
    {
      ssize_t r = write (log_fd, line, (size_t) n < sizeof (line) ? (size_t) n : sizeof (line) - 1);
      (void) r;
    }
}

void
rt_print_error (const rt_error_t *err)
{
  fprintf (stderr, "tscompose-runtime: %s\n", err->msg);
  log_line ("error", err->msg);
}

void
rt_warn (const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof (msg), fmt, ap);
  va_end (ap);
  fprintf (stderr, "tscompose-runtime: warning: %s\n", msg);
  log_line ("warning", msg);
}
