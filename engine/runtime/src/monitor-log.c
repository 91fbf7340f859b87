/* tscompose-monitor: the container's output as a Docker json-file log.
 *
 * One line per entry:
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-23T10:11:12.123456789Z"}
 * Output is split at newlines (kept in "log"); a line longer than 16 KiB is
 * written as several entries, all but the last without the trailing "\n"
 * (Docker's partial messages), and so is what is left without a newline at
 * EOF.  Strings are escaped as Go's encoding/json does (control characters,
 * '"', '\\', '<', '>', '&', U+2028/9; invalid UTF-8 becomes U+FFFD).
 *
 * Rotation (Docker's max-size / max-file): when an entry would take the file
 * past max_size bytes, LOG.(N-2) -> LOG.(N-1), ..., LOG -> LOG.1 and a new
 * LOG is started, so at most max_files files exist (LOG included); with
 * max_files 1 the file is truncated instead.  max_size 0: no rotation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"

static int log_fd = -1;
static char log_path[4096];
static long long log_size, log_max_size;
static int log_max_files = 1;

/* Partial line of stdout [0] and stderr [1]. */
static char line_buf[2][MON_LOG_LINE_MAX];
static size_t line_len[2];

/* Worst case: every byte escaped as \u00XX (6 bytes). */
static char entry[MON_LOG_LINE_MAX * 6 + 128];

int
mon_log_open (const char *path, long long max_size, int max_files, rt_error_t *err)
{
  struct stat st;

  if (snprintf (log_path, sizeof log_path, "%s", path) >= (int) sizeof log_path)
    return rt_fail (err, ENAMETOOLONG, "log path `%s`", path);
  log_max_size = max_size;
  log_max_files = max_files < 1 ? 1 : max_files;
  log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0)
    return rt_fail (err, errno, "open log `%s`", path);
  log_size = fstat (log_fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

void
mon_log_close (void)
{
  if (log_fd >= 0)
    close (log_fd);
  log_fd = -1;
}

static void
rotate (void)
{
  char from[4200], to[4200];
  int i, fd;

  if (log_max_files <= 1)
    {
      if (ftruncate (log_fd, 0) == 0)
        log_size = 0;
      return;
    }
  for (i = log_max_files - 2; i >= 1; i--)
    {
      snprintf (from, sizeof from, "%s.%d", log_path, i);
      snprintf (to, sizeof to, "%s.%d", log_path, i + 1);
      if (rename (from, to) < 0 && errno != ENOENT)
        return;
    }
  snprintf (to, sizeof to, "%s.1", log_path);
  if (rename (log_path, to) < 0)
    return;
  fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return; /* keep writing to the renamed file rather than lose output */
  close (log_fd);
  log_fd = fd;
  log_size = 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 if invalid. */
static size_t
utf8_len (const unsigned char *p, size_t n)
{
  unsigned char c = p[0], lo = 0x80, hi = 0xBF;
  size_t len, i;

  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    {
      len = 3;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    }
  else if (c >= 0xF0 && c <= 0xF4)
    {
      len = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    }
  else
    return 0;
  if (n < len || p[1] < lo || p[1] > hi)
    return 0;
  for (i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

static size_t
json_escape (char *out, const char *in, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) in;
  size_t i = 0, o = 0;

  while (i < len)
    {
      unsigned char c = p[i];
      size_t l;

      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&')
        {
          out[o++] = (char) c;
          i++;
          continue;
        }
      if (c < 0x80)
        {
          out[o++] = '\\';
          switch (c)
            {
            case '"':
            case '\\':
              out[o++] = (char) c;
              break;
            case '\n':
              out[o++] = 'n';
              break;
            case '\r':
              out[o++] = 'r';
              break;
            case '\t':
              out[o++] = 't';
              break;
            default:
              out[o++] = 'u';
              out[o++] = '0';
              out[o++] = '0';
              out[o++] = hex[c >> 4];
              out[o++] = hex[c & 15];
            }
          i++;
          continue;
        }
      l = utf8_len (p + i, len - i);
      if (l == 0)
        {
          memcpy (out + o, "\\ufffd", 6);
          o += 6;
          i++;
        }
      else if (l == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))
        {
          memcpy (out + o, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
          o += 6;
          i += 3;
        }
      else
        {
          memcpy (out + o, p + i, l);
          o += l;
          i += l;
        }
    }
  return o;
}

static void
write_entry (int stream, const char *data, size_t len)
{
  char ts[64];
  size_t n = 0, off = 0;

  if (log_fd < 0)
    return;
  mon_timestamp (ts);
  memcpy (entry, "{\"log\":\"", 8);
  n = 8;
  n += json_escape (entry + n, data, len);
  n += (size_t) snprintf (entry + n, sizeof entry - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                          stream == MON_TAG_STDERR ? "stderr" : "stdout", ts);
  if (log_max_size > 0 && log_size > 0 && log_size + (long long) n > log_max_size)
    rotate ();
  while (off < n)
    {
      ssize_t w = write (log_fd, entry + off, n - off);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          break; /* disk full etc.: the entry is lost, the container goes on */
        }
      off += (size_t) w;
    }
  log_size += (long long) off;
}

void
mon_log_write (int stream, const char *buf, size_t len)
{
  int s = stream == MON_TAG_STDERR ? 1 : 0;

  while (len > 0)
    {
      const char *nl;
      size_t take;

      /* Whole lines straight from buf when nothing is pending. */
      if (line_len[s] == 0)
        {
          nl = memchr (buf, '\n', len < MON_LOG_LINE_MAX ? len : MON_LOG_LINE_MAX);
          if (nl != NULL)
            {
              take = (size_t) (nl - buf) + 1;
              write_entry (stream, buf, take);
              buf += take;
              len -= take;
              continue;
            }
          if (len >= MON_LOG_LINE_MAX)
            {
              write_entry (stream, buf, MON_LOG_LINE_MAX);
              buf += MON_LOG_LINE_MAX;
              len -= MON_LOG_LINE_MAX;
              continue;
            }
        }
      take = MON_LOG_LINE_MAX - line_len[s];
      if (take > len)
        take = len;
      nl = memchr (buf, '\n', take);
      if (nl != NULL)
        take = (size_t) (nl - buf) + 1;
      memcpy (line_buf[s] + line_len[s], buf, take);
      line_len[s] += take;
      buf += take;
      len -= take;
      if (nl != NULL || line_len[s] == MON_LOG_LINE_MAX)
        {
          write_entry (stream, line_buf[s], line_len[s]);
          line_len[s] = 0;
        }
    }
}

void
mon_log_flush (int stream)
{
  int s = stream == MON_TAG_STDERR ? 1 : 0;

  if (line_len[s] > 0)
    write_entry (stream, line_buf[s], line_len[s]);
  line_len[s] = 0;
}
