/* Parent <-> child protocol over a SOCK_SEQPACKET socketpair: one small
 * fixed message per step, so an error raised inside the new namespaces
 * reaches the caller with its errno, text and exit code intact. */
#ifndef TSC_SYNC_H
#define TSC_SYNC_H

#include "error.h"

enum rt_sync_type
{
  RT_SYNC_CGROUP_DONE = 1, /* parent -> child: you are in the cgroup, go on */
  RT_SYNC_READY,           /* child -> parent: set up, waiting for start / exec */
  RT_SYNC_ERROR,           /* child -> parent: failed, see error_value/message */
};

typedef struct rt_sync_msg
{
  int type;
  int error_value; /* errno */
  int exit_code;   /* suggested exit code for the caller (127, 126, 1) */
  char message[1024];
} rt_sync_msg_t;

int rt_sync_pair (int fds[2], rt_error_t *err);
int rt_sync_send (int fd, int type, rt_error_t *err);
/* Forward a failure: the message of `what`, with `exit_code`. */
int rt_sync_send_error (int fd, const rt_error_t *what, int exit_code);
/* Receive one message; a peer that died gives an error naming `peer`. */
int rt_sync_recv (int fd, rt_sync_msg_t *msg, const char *peer, rt_error_t *err);
/* Receive one message and require `type`; an RT_SYNC_ERROR is turned into
 * `err` and its exit code stored in *exit_code. */
int rt_sync_expect (int fd, int type, int *exit_code, rt_error_t *err);

#endif
