// TCP output queue shared by the server's and the pusher's socket adapters (outbuf.h).
#include "outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/errors.h"
#include "base/grow.h"
#include "sock.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

int rtsp_outbuf_flush(rtsp_outbuf *o, int fd) {
  while (o->off < o->len) {
    size_t want = o->len - o->off;
    ssize_t n = send(fd, o->buf + o->off, want, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      o->err_no = errno;
      return ERR_EIO;
    }
    o->off += (size_t)n;
    if ((size_t)n < want) break; /* the socket buffer is full: POLLOUT says when to go on */
  }
  if (o->off == o->len) o->off = o->len = 0;
  return 0;
}

/* Room for len more queued bytes. */
static int reserve(rtsp_outbuf *o, size_t len) {
  if (o->off > 0 && o->off >= o->len / 2) {
    memmove(o->buf, o->buf + o->off, o->len - o->off);
    o->len -= o->off;
    o->off = 0;
  }
  if (o->hard && o->len + len > o->hard) return ERR_ELIMIT;
  uint8_t *b = base_grow(o->buf, &o->cap, o->len + len, 1, 16384);
  if (!b) return ERR_ENOMEM;
  o->buf = b;
  return 0;
}

int rtsp_outbuf_sendv(rtsp_outbuf *o, int fd, const rtsp_iov *iov, int n, bool hold) {
  size_t total = 0, done = 0;
  for (int i = 0; i < n; i++) total += iov[i].len;
  if (!hold && o->len == o->off) { /* nothing queued: straight to the socket */
    int r = rtsp_sock_sendv(fd, iov, n, &done);
    if (r < 0) {
      o->err_no = errno;
      return r;
    }
    if (done == total) return 0;
  }
  int r = reserve(o, total - done);
  if (r) return r;
  for (int i = 0; i < n; i++) {
    if (done >= iov[i].len) {
      done -= iov[i].len;
      continue;
    }
    memcpy(o->buf + o->len, (const uint8_t *)iov[i].base + done, iov[i].len - done);
    o->len += iov[i].len - done;
    done = 0;
  }
  return 0;
}

void rtsp_outbuf_free(rtsp_outbuf *o) {
  free(o->buf);
  memset(o, 0, sizeof *o);
}
