/*
 * rtsp/server_posix.h — the socket adapter: a non-blocking TCP listener (IPv4 or IPv6) and,
 * per UDP track, a connected RTP/RTCP socket pair towards the client, driven by any event loop
 * through rtsp_io_ops (the runtime's kjs_loop_* functions fit with a one-line shim; the socket
 * tests bring a poll() loop of their own, test/c/rtsp/poll_driver.h).
 *
 * The loop has no timers here: call rtsp_server_tick() every 100-500 ms (producers calling
 * rtsp_mount_send_*() also tick), so timeouts fire even for silent peers.
 */
#ifndef RTSP_SERVER_POSIX_H
#define RTSP_SERVER_POSIX_H

#include <stdint.h>

#include "rtsp/server.h"

typedef struct rtsp_io_ops {
  int (*watch_fd)(void *loop, int fd, short events, void (*cb)(void *loop, int fd, int revents, void *user),
                  void *user);
  void (*set_events)(void *loop, int fd, short events);
  void (*unwatch_fd)(void *loop, int fd);
  uint64_t (*now_us)(void *loop);
} rtsp_io_ops;

/* Binds cfg.host:cfg.port (port 0 = any; see rtsp_server_port()), listens and starts accepting.
 * The server's clock becomes ops->now_us. 0, ERR_EINVAL (bad host), ERR_EBUSY (address in
 * use), ERR_EIO, ERR_ENOMEM. rtsp_server_close() closes every socket. */
int rtsp_server_listen(rtsp_server *s, const rtsp_io_ops *ops, void *loop);

#endif
