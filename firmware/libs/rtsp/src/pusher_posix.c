// Socket adapter for the client core (pusher.c): one non-blocking TCP connection (IPv4 or IPv6)
// on an abstract event loop (rtsp_io_ops), with the server adapter's output queue (outbuf.h) so
// the core never blocks; when viewing over UDP, an RTP/RTCP port pair per track (udp_pair.h).
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fd.h"
#include "outbuf.h"
#include "rtsp/pusher.h"
#include "udp_pair.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define CONNECT_TIMEOUT_US 5000000
#define LINGER_US 1000000

struct rtsp_push_conn {
  rtsp_pusher *p;
  const rtsp_io_ops *ops;
  void *loop;
  int fd;
  bool connecting, closing, want_close;
  int err_no;
  uint64_t deadline; /* connect or close deadline */
  short events;
  rtsp_outbuf out;
  int udp[2][2]; /* viewing over UDP: [track][0 RTP, 1 RTCP], -1 when closed */
  void (*on_state)(void *user, rtsp_push_state st, int status, int code);
  void *on_user;
};

static void udp_shut(rtsp_push_conn *c) {
  for (int t = 0; t < 2; t++)
    for (int k = 0; k < 2; k++)
      if (c->udp[t][k] >= 0) {
        c->ops->unwatch_fd(c->loop, c->udp[t][k]);
        close(c->udp[t][k]);
        c->udp[t][k] = -1;
      }
}

static void shut(rtsp_push_conn *c) {
  udp_shut(c);
  if (c->fd < 0) return;
  c->ops->unwatch_fd(c->loop, c->fd);
  close(c->fd);
  c->fd = -1;
}

static void update_events(rtsp_push_conn *c) {
  if (c->fd < 0) return;
  short ev = c->connecting ? POLLOUT : (short)(POLLIN | (rtsp_outbuf_pending(&c->out) ? POLLOUT : 0));
  if (ev != c->events) {
    c->events = ev;
    c->ops->set_events(c->loop, c->fd, ev);
  }
}

static int flush_out(rtsp_push_conn *c) {
  int r = rtsp_outbuf_flush(&c->out, c->fd);
  if (r) c->err_no = c->out.err_no;
  return r;
}

static int a_sendv(void *user, const rtsp_iov *iov, int n) {
  rtsp_push_conn *c = user;
  if (c->fd < 0 || c->want_close) return ERR_ECLOSED;
  int r = rtsp_outbuf_sendv(&c->out, c->fd, iov, n, c->connecting);
  if (r == ERR_EIO) c->err_no = c->out.err_no;
  if (r) return r;
  update_events(c);
  return 0;
}

static size_t a_backlog(void *user) {
  rtsp_push_conn *c = user;
  return rtsp_outbuf_pending(&c->out);
}

/* RTP datagrams are counted, RTCP ones (sender reports) dropped. */
static void on_udp(void *loop, int fd, int revents, void *user) {
  (void)loop;
  (void)revents;
  rtsp_push_conn *c = user;
  uint8_t buf[2048];
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) return; /* EAGAIN, or an ICMP error from an earlier datagram: nothing to count */
    for (int t = 0; t < 2; t++)
      if (fd == c->udp[t][0]) rtsp_pusher_received(c->p, t, (size_t)n);
  }
}

/* The ports of `track` at this end's address of the RTSP connection, where the server sends. */
static int a_udp_open(void *user, int track, int *rtp_port) {
  rtsp_push_conn *c = user;
  if (track < 0 || track > 1 || c->fd < 0) return ERR_EINVAL;
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(c->fd, (struct sockaddr *)&local, &len) < 0) return ERR_EIO;
  int fds[2], ports[2];
  int r = rtsp_udp_pair_bind(&local, len, fds, ports);
  if (r) return r;
  for (int k = 0; k < 2; k++) {
    fd_nonblock(fds[k]);
    fd_cloexec(fds[k]);
    if (c->ops->watch_fd(c->loop, fds[k], POLLIN, on_udp, c) < 0) {
      if (k) c->ops->unwatch_fd(c->loop, fds[0]);
      close(fds[0]);
      close(fds[1]);
      return ERR_ENOMEM;
    }
  }
  c->udp[track][0] = fds[0];
  c->udp[track][1] = fds[1];
  *rtp_port = ports[0];
  return 0;
}

static void a_state(void *user, rtsp_push_state st, int status, int code) {
  rtsp_push_conn *c = user;
  if (st == RTSP_PUSH_FAILED) c->want_close = true; /* closed once the core call returns */
  if (c->on_state) c->on_state(c->on_user, st, status, code);
}

static void transport_error(rtsp_push_conn *c, const char *what, int e) {
  char msg[300];
  c->err_no = e;
  if (e) snprintf(msg, sizeof msg, "%s %s:%d: %s", what, rtsp_pusher_host(c->p), rtsp_pusher_port(c->p), strerror(e));
  else snprintf(msg, sizeof msg, "%s %s:%d", what, rtsp_pusher_host(c->p), rtsp_pusher_port(c->p));
  shut(c);
  rtsp_pusher_fail(c->p, 0, e == ETIMEDOUT ? ERR_ETIMEDOUT : ERR_EIO, msg);
}

static void after_core(rtsp_push_conn *c) {
  if (c->want_close) shut(c);
  else if (c->closing && !rtsp_outbuf_pending(&c->out) && !rtsp_pusher_busy(c->p)) shut(c);
  else update_events(c);
}

static void on_fd(void *loop, int fd, int revents, void *user) {
  (void)loop;
  (void)fd;
  rtsp_push_conn *c = user;
  if (c->fd < 0) return;
  if (c->connecting) {
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0) e = errno;
    if (!e && (revents & (POLLERR | POLLHUP)) && !(revents & POLLOUT)) e = ECONNREFUSED;
    if (e) {
      transport_error(c, "cannot connect to", e);
      return;
    }
    c->connecting = false;
    c->deadline = 0;
    update_events(c);
    rtsp_pusher_start(c->p); /* OPTIONS; queued bytes go out now */
    if (flush_out(c) < 0) transport_error(c, "connection lost to", c->err_no);
    if (c->fd >= 0) after_core(c);
    return;
  }
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    uint8_t buf[16384];
    for (int i = 0; i < 16 && c->fd >= 0; i++) {
      ssize_t n = recv(c->fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (c->closing) shut(c);
        else transport_error(c, "connection lost to", errno);
        return;
      }
      if (n == 0) {
        if (c->closing || rtsp_pusher_state(c->p) == RTSP_PUSH_CLOSED) shut(c);
        else transport_error(c, "the server closed the connection:", 0);
        return;
      }
      rtsp_pusher_feed(c->p, buf, (size_t)n);
      if (c->want_close) break;
    }
  }
  if (c->fd >= 0 && (revents & POLLOUT) && flush_out(c) < 0) {
    transport_error(c, "connection lost to", c->err_no);
    return;
  }
  if (c->fd >= 0) after_core(c);
}

int rtsp_push_connect(const rtsp_pusher_config *cfg_in, const rtsp_io_ops *ops, void *loop,
                      void (*on_state)(void *user, rtsp_push_state st, int status, int code), void *on_state_user,
                      rtsp_push_conn **out) {
  if (!cfg_in || !ops || !out) return ERR_EINVAL;
  *out = NULL;
  rtsp_push_conn *c = calloc(1, sizeof *c);
  if (!c) return ERR_ENOMEM;
  c->ops = ops;
  c->loop = loop;
  c->fd = -1;
  c->on_state = on_state;
  c->on_user = on_state_user;
  memset(c->udp, -1, sizeof c->udp);
  rtsp_pusher_config cfg = *cfg_in;
  cfg.sendv = a_sendv;
  cfg.backlog = a_backlog;
  cfg.on_state = a_state;
  cfg.udp_open = a_udp_open;
  cfg.user = c;
  int r = rtsp_pusher_new(&cfg, &c->p);
  if (r < 0) {
    free(c);
    return r;
  }
  const char *host = rtsp_pusher_host(c->p);
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = strcmp(host, "localhost") ? AI_NUMERICHOST : 0; /* no blocking DNS on the loop */
  char port[8];
  snprintf(port, sizeof port, "%d", rtsp_pusher_port(c->p));
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    rtsp_pusher_free(c->p);
    free(c);
    return ERR_EINVAL;
  }
  int fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(ai);
    rtsp_pusher_free(c->p);
    free(c);
    return ERR_EIO;
  }
  fd_nonblock(fd);
  fd_cloexec(fd);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  c->connecting = true;
  c->deadline = ops->now_us(loop) + CONNECT_TIMEOUT_US;
  int cr = connect(fd, ai->ai_addr, ai->ai_addrlen);
  int ce = errno;
  freeaddrinfo(ai);
  c->events = POLLOUT;
  if (ops->watch_fd(loop, fd, POLLOUT, on_fd, c) < 0) {
    close(fd);
    rtsp_pusher_free(c->p);
    free(c);
    return ERR_ENOMEM;
  }
  *out = c;
  /* A refused connect may be reported at once: the loop's POLLOUT (with POLLERR) reports it. */
  (void)cr;
  (void)ce;
  return 0;
}

rtsp_pusher *rtsp_push_conn_pusher(rtsp_push_conn *c) { return c->p; }
bool rtsp_push_conn_done(const rtsp_push_conn *c) { return c->fd < 0; }
int rtsp_push_conn_errno(const rtsp_push_conn *c) { return c->err_no; }

void rtsp_push_conn_tick(rtsp_push_conn *c) {
  if (c->fd < 0) return;
  uint64_t now = c->ops->now_us(c->loop);
  if (c->connecting) {
    if (now >= c->deadline) transport_error(c, "cannot connect to", ETIMEDOUT);
    return;
  }
  if (c->closing) {
    if (now >= c->deadline) shut(c);
    return;
  }
  rtsp_pusher_tick(c->p, now);
  if (c->fd >= 0) after_core(c);
}

void rtsp_push_conn_close(rtsp_push_conn *c, bool now) {
  if (c->fd < 0) return;
  if (now || c->connecting) {
    rtsp_pusher_teardown(c->p); /* nothing is sent while connecting: no session yet */
    shut(c);
    return;
  }
  c->closing = true;
  c->deadline = c->ops->now_us(c->loop) + LINGER_US;
  rtsp_pusher_teardown(c->p);
  if (c->fd >= 0) after_core(c);
}

void rtsp_push_conn_free(rtsp_push_conn *c) {
  if (!c) return;
  shut(c);
  rtsp_pusher_free(c->p);
  rtsp_outbuf_free(&c->out);
  free(c);
}
