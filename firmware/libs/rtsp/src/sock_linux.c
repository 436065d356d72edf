// Socket writes on Linux (sock.h): one sendmsg per batch on TCP (send when it is one piece), one
// sendmmsg per frame on UDP, so system calls scale with frames, not packets, and payloads are
// never copied in user space.
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sendmmsg */
#endif
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base/errors.h"
#include "sock.h"

#define SENDV_CHUNK 256 /* iovecs per sendmsg (IOV_MAX is at least 1024 on Linux, 16 by POSIX) */
#define DGRAM_CHUNK 32  /* datagrams per sendmmsg */

int rtsp_sock_sendv(int fd, const rtsp_iov *iov, int n, size_t *sent) {
  struct iovec v[SENDV_CHUNK];
  size_t done = 0;
  int i = 0;
  size_t skip = 0; /* bytes of iov[i] already written */
  *sent = 0;
  while (i < n) {
    int m = 0;
    size_t want = 0;
    for (int j = i; j < n && m < SENDV_CHUNK; j++, m++) {
      size_t o = j == i ? skip : 0;
      v[m].iov_base = (uint8_t *)iov[j].base + o;
      v[m].iov_len = iov[j].len - o;
      want += v[m].iov_len;
    }
    ssize_t w;
    if (m == 1) { /* the common case (one frame per reader per call): no msghdr to copy in */
      w = send(fd, v[0].iov_base, v[0].iov_len, MSG_NOSIGNAL);
    } else {
      struct msghdr mh;
      memset(&mh, 0, sizeof mh);
      mh.msg_iov = v;
      mh.msg_iovlen = (size_t)m;
      w = sendmsg(fd, &mh, MSG_NOSIGNAL);
    }
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return ERR_EIO;
    }
    done += (size_t)w;
    size_t left = (size_t)w; /* advance past the written pieces */
    while (i < n && left >= iov[i].len - skip) {
      left -= iov[i].len - skip;
      skip = 0;
      i++;
    }
    skip += left;
    if ((size_t)w < want) break; /* the socket buffer is full */
  }
  *sent = done;
  return 0;
}

int rtsp_sock_send_dgrams(int fd, const rtsp_iov *iov, int npkts, rtsp_sock_stage *st) {
  (void)st;
  struct mmsghdr mm[DGRAM_CHUNK];
  struct iovec v[2 * DGRAM_CHUNK];
  for (int i = 0; i < npkts;) {
    int m = npkts - i < DGRAM_CHUNK ? npkts - i : DGRAM_CHUNK;
    memset(mm, 0, sizeof(mm[0]) * (size_t)m);
    for (int j = 0; j < m; j++) {
      for (int k = 0; k < 2; k++) {
        v[2 * j + k].iov_base = (void *)iov[2 * (i + j) + k].base;
        v[2 * j + k].iov_len = iov[2 * (i + j) + k].len;
      }
      mm[j].msg_hdr.msg_iov = &v[2 * j];
      mm[j].msg_hdr.msg_iovlen = 2;
    }
    int r = sendmmsg(fd, mm, (unsigned)m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return ERR_EAGAIN;
      r = 1; /* ECONNREFUSED (client not listening yet) and friends lose that packet: UDP is lossy */
    }
    i += r > 0 ? r : 1;
  }
  return 0;
}
