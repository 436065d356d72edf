/* Private: the TCP output queue of the POSIX adapters (server_posix.c, pusher_posix.c). Bytes
 * go straight to the socket while nothing is queued (gathered where sock.h can) and whatever
 * the socket does not take now is copied here, to leave when it is writable again. */
#ifndef RTSP_OUTBUF_H
#define RTSP_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtsp/server.h"

typedef struct rtsp_outbuf {
  uint8_t *buf;
  size_t off, len, cap; /* queued: buf[off .. len) */
  size_t hard;          /* most bytes ever queued; 0 = no limit */
  int err_no;           /* errno of the write that broke the connection */
} rtsp_outbuf;

/* Writes the pieces, or queues them (hold: the socket is not connected yet, queue only).
 * 0, ERR_EIO (the connection is broken), ERR_ELIMIT (over `hard`) or ERR_ENOMEM. */
int rtsp_outbuf_sendv(rtsp_outbuf *o, int fd, const rtsp_iov *iov, int n, bool hold);
/* Writes what is queued as far as the socket takes it. 0 or ERR_EIO. */
int rtsp_outbuf_flush(rtsp_outbuf *o, int fd);
static inline size_t rtsp_outbuf_pending(const rtsp_outbuf *o) { return o->len - o->off; }
void rtsp_outbuf_free(rtsp_outbuf *o);

#endif
