/* The socket writes of the POSIX adapters (server_posix.c, pusher_posix.c through outbuf.c) in
 * the system calls the platform has. One implementation per system-call set, chosen at link
 * time (docs/board.md, "System calls"); both put the same bytes on the wire and neither copies
 * a payload:
 *   sock_linux.c    gathered writes: sendmsg on TCP, sendmmsg on UDP
 *   sock_rtsmart.c  RT-Smart has neither (nor writev): one send() per piece. The hub's pieces
 *                   are whole frames already in wire form (interleave headers in place), so
 *                   that is one send() per frame; a datagram whose header and payload pieces
 *                   are adjacent in memory (the hub's always are) leaves in one send() too.
 * Sockets are non-blocking; SIGPIPE is not raised. */
#ifndef RTSP_SOCK_H
#define RTSP_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "rtsp/server.h"

/* Writes the pieces of a TCP stream from where they lie, as far as the socket takes them now:
 * *sent = bytes written (fewer than the total once the socket buffer is full). Returns 0 or
 * ERR_EIO (the connection is broken; errno says why). */
int rtsp_sock_sendv(int fd, const rtsp_iov *iov, int n, size_t *sent);

/* Scratch for a datagram whose two pieces lie apart and must be joined to leave in one send();
 * grown on demand, owned by the caller (free(buf)). */
typedef struct rtsp_sock_stage {
  uint8_t *buf;
  size_t cap;
} rtsp_sock_stage;

/* Sends npkts datagrams on a connected UDP socket, packet i being iov[2i] then iov[2i+1] (either
 * may be empty). Returns 0, ERR_EAGAIN when the socket buffer is full (the rest are not sent:
 * UDP loses them) or ERR_ENOMEM. Other errors (ECONNREFUSED before the client listens) lose only
 * that packet. */
int rtsp_sock_send_dgrams(int fd, const rtsp_iov *iov, int npkts, rtsp_sock_stage *st);

#endif
