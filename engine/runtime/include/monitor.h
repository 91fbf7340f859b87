/* tscompose-monitor: shared declarations (see src/monitor.c for the command
 * line and the state directory it keeps).
 *
 * Attach protocol (STATE_DIR/attach.sock, unix stream socket)
 * ----------------------------------------------------------
 * Any number of clients (up to MON_MAX_CLIENTS) may connect at any time.
 *
 * monitor -> client: a sequence of frames
 *     +--------+----------------------------+-------------------+
 *     | tag 1B | length 4B, big-endian      | payload (length)  |
 *     +--------+----------------------------+-------------------+
 *   tag 1  stdout bytes (with --terminal: everything the pty prints)
 *   tag 2  stderr bytes
 *   tag 3  exit: payload is the exit.json document; the monitor closes
 *          the connection after it
 *   Output is live only: a client gets what the container writes after it
 *   connected (past output is in the json-file log).  A client that does
 *   not read and falls MON_CLIENT_BUF bytes behind is disconnected.
 *
 * client -> monitor: raw bytes, no framing, written to the container's
 *   stdin (the pipe with --stdin, the pty master with --terminal; ignored
 *   otherwise).  When a client shuts down its writing side and the monitor
 *   was started with --stdin-once, the container's stdin is closed (EOF).
 */
#ifndef TSC_MONITOR_H
#define TSC_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define MON_TAG_STDOUT 1
#define MON_TAG_STDERR 2
#define MON_TAG_EXIT 3

#define MON_MAX_CLIENTS 16
#define MON_CLIENT_BUF (32 * 1024)
#define MON_READ_CHUNK (8 * 1024)

/* Docker splits log lines longer than this into partial entries. */
#define MON_LOG_LINE_MAX (16 * 1024)

/* ---- monitor-log.c: Docker json-file writer ---- */
int mon_log_open (const char *path, long long max_size, int max_files, rt_error_t *err);
/* Feed bytes read from stream (MON_TAG_STDOUT / MON_TAG_STDERR). */
void mon_log_write (int stream, const char *buf, size_t len);
/* Flush what is left of a partial line of every stream (at EOF / exit). */
void mon_log_flush (int stream);
void mon_log_close (void);

/* ---- monitor-attach.c: attach server ---- */
/* Listen on path (input from clients goes to mon_stdin_write). */
int mon_attach_listen (const char *path, rt_error_t *err);
/* Fill pfds (at most max) with what the attach server polls; returns the count. */
struct pollfd;
int mon_attach_pollfds (struct pollfd *pfds, int max);
/* Handle the poll results of the pfds filled by the last mon_attach_pollfds. */
void mon_attach_handle (struct pollfd *pfds, int n);
/* Send a frame to every client. */
void mon_attach_broadcast (int tag, const char *buf, size_t len);
/* Send the exit frame, flush (bounded) and close everything. */
void mon_attach_close (const char *exit_json, size_t len);

/* ---- monitor-stdio.c: container stdin, used by the attach server ---- */
/* Queue input for the container; returns bytes accepted.  Without a stdin
 * (or once it is closed) input is accepted and dropped. */
size_t mon_stdin_write (const char *buf, size_t len);
/* Bytes mon_stdin_write can take now (0: buffer full, stop reading clients). */
size_t mon_stdin_space (void);
/* Client ended its input (for --stdin-once). */
void mon_stdin_eof (void);

/* ---- monitor-stdio.c ---- */
/* fd: our end of the container's stdin (-1: none); owned: a pipe we may
 * close (not the pty master); once: close it on a client's input EOF. */
void mon_stdin_set (int fd, int owned, int once);
/* fd to poll for POLLOUT while input is queued, else -1. */
int mon_stdin_pending_fd (void);
void mon_stdin_flush (void);
/* The --console-socket to give the runtime: a listening unix socket at path. */
int mon_console_listen (const char *path, rt_error_t *err);
/* Accept the runtime's connection on the console socket, take the pty master. */
int mon_console_recv (int listen_fd, int *master, rt_error_t *err);
/* STATE_DIR/ctl FIFO: lines "resize ROWS COLS" resize the pty. */
int mon_ctl_open (const char *path, rt_error_t *err);
/* The same lines from an inherited fd (made non-blocking and close-on-exec). */
int mon_ctl_adopt (int fd, rt_error_t *err);
int mon_ctl_fd (void);
/* Apply the lines waiting; -1 (and the fd closed, mon_ctl_fd () -1) once the
 * writer has closed its end. */
int mon_ctl_handle (int master);

/* ---- monitor-status.c: state files ---- */
/* "2026-11-23T10:11:12.123456789Z" (31 bytes with the NUL, in a 64-byte buffer) for the current time. */
void mon_timestamp (char out[64]);
/* Write path atomically (tmp + fsync + rename + fsync of the directory). */
int mon_write_atomic (const char *path, const char *data, size_t len, rt_error_t *err);
int mon_write_pidfile (const char *path, pid_t pid, rt_error_t *err);
int mon_read_pidfile (const char *path, pid_t *pid, rt_error_t *err);
/* exit.json contents for a wait status; returns its length. */
size_t mon_format_exit (char *out, size_t size, int wstatus, const char *cgroup_path);
int mon_oom_killed (const char *cgroup_path);

#endif
