// Socket writes on RT-Smart (sock.h). Its kernel has no sendmsg, sendmmsg or writev
// (canmv-k230/rtsmart@123aadc kernel/rt-thread/components/lwp/lwp_syscall.c:4538, func_table),
// so every piece of a TCP batch leaves in its own send() (the hub's pieces are whole frames in
// wire form) and a datagram in one send(), from where it lies when its pieces are adjacent.
// send() rather than sendto(): RT-Smart's sys_sendto copies every datagram into a kernel
// allocation first (lwp_syscall.c:3139), sys_send hands it to lwIP as it is (lwp_syscall.c:3199).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/errors.h"
#include "sock.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

int rtsp_sock_sendv(int fd, const rtsp_iov *iov, int n, size_t *sent) {
  *sent = 0;
  for (int i = 0; i < n; i++) {
    const uint8_t *b = iov[i].base;
    size_t left = iov[i].len;
    while (left) {
      ssize_t w = send(fd, b, left, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return ERR_EIO;
      }
      *sent += (size_t)w;
      b += w;
      left -= (size_t)w;
      if (left) return 0; /* the socket buffer is full */
    }
  }
  return 0;
}

int rtsp_sock_send_dgrams(int fd, const rtsp_iov *iov, int npkts, rtsp_sock_stage *st) {
  for (int i = 0; i < npkts; i++) {
    const rtsp_iov *h = &iov[2 * i], *p = &iov[2 * i + 1];
    const void *buf = h->base;
    size_t len = h->len + p->len;
    if (p->len && h->len && (const uint8_t *)h->base + h->len != p->base) {
      if (len > st->cap) {
        uint8_t *b = realloc(st->buf, len);
        if (!b) return ERR_ENOMEM;
        st->buf = b;
        st->cap = len;
      }
      memcpy(st->buf, h->base, h->len);
      memcpy(st->buf + h->len, p->base, p->len);
      buf = st->buf;
    } else if (!h->len) {
      buf = p->base;
    }
    while (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return ERR_EAGAIN;
      break; /* ECONNREFUSED (client not listening yet) and friends lose that packet: UDP is lossy */
    }
  }
  return 0;
}
