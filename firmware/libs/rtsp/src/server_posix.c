// Socket adapter: non-blocking TCP (IPv4/IPv6) and per-track UDP, on an abstract event loop.
// Media arrives in batches (rtsp_conn_io.sendv/udp_sendv) and leaves through sock.h in the
// system calls the platform has: on Linux one gathered write per batch on TCP and one per frame
// on UDP; on RT-Smart one send() per frame on TCP and per datagram on UDP. What TCP does not take
// at once waits in the connection's output queue (outbuf.h).
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
#include "internal.h"
#include "outbuf.h"
#include "rtsp/server_posix.h"
#include "sock.h"
#include "udp_pair.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

typedef struct adapter adapter;

/* What a frame's send touches (fd, dead, events, the queue's off and len) lies in the first 64
 * bytes, the line the hub fetches ahead (hub.c): with 1000 readers each reader's lines are cold
 * by its turn, and `events` one line further cost a miss per reader per frame. */
typedef struct pconn {
  adapter *a;
  int fd;
  rtsp_conn *conn;
  bool dead;
  short events;
  rtsp_outbuf out;
  struct sockaddr_storage peer, local;
  socklen_t peer_len, local_len;
  int udp[RTSP_TRACKS][2]; /* rtp, rtcp fds; -1 when closed */
  struct pconn *next;
} pconn;

struct adapter {
  rtsp_server *srv;
  const rtsp_io_ops *ops;
  void *loop;
  int lfd;
  pconn *conns;
  int ndead;             /* shut down, waiting for sweep() to free them: no walk over every client for none */
  int depth;             /* > 0 while inside a core call on behalf of a socket */
  uint64_t resume_at;    /* µs; the listener is paused until then (out of descriptors), 0 = not */
  uint64_t backoff_us;   /* the next pause, doubling to 1 s while accept keeps failing */
  rtsp_sock_stage stage; /* datagrams staged for one send() where they cannot be gathered */
  rtsp_pool pconns;      /* packed, like the core's connections and sessions (pool.h) */
};

static void set_nonblock(int fd) {
  fd_nonblock(fd);
  fd_cloexec(fd);
}

static uint64_t a_now(void *user) {
  adapter *a = user;
  return a->ops->now_us(a->loop);
}

static void udp_close_track(pconn *p, int t) {
  for (int k = 0; k < 2; k++) {
    if (p->udp[t][k] < 0) continue;
    p->a->ops->unwatch_fd(p->a->loop, p->udp[t][k]);
    close(p->udp[t][k]);
    p->udp[t][k] = -1;
  }
}

static void pconn_shutdown(pconn *p) {
  if (p->fd >= 0) {
    p->a->ops->unwatch_fd(p->a->loop, p->fd);
    close(p->fd);
    p->fd = -1;
  }
  for (int t = 0; t < RTSP_TRACKS; t++) udp_close_track(p, t);
  if (!p->dead) p->a->ndead++;
  p->dead = true;
}

static void update_events(pconn *p) {
  if (p->fd < 0) return;
  short ev = POLLIN | (rtsp_outbuf_pending(&p->out) ? POLLOUT : 0);
  if (ev != p->events) {
    p->events = ev;
    p->a->ops->set_events(p->a->loop, p->fd, ev);
  }
}

/* ---- rtsp_conn_io ---- */

/* Straight to the socket while nothing is queued, else (and for what it does not take) queued. */
static int io_sendv(void *user, const rtsp_iov *iov, int n) {
  pconn *p = user;
  if (p->dead || p->fd < 0) return ERR_ECLOSED;
  int r = rtsp_outbuf_sendv(&p->out, p->fd, iov, n, false);
  if (r) return r;
  update_events(p);
  return 0;
}

static int io_send(void *user, const void *buf, size_t len) {
  rtsp_iov v = {buf, len};
  return io_sendv(user, &v, 1);
}

static size_t io_backlog(void *user) {
  pconn *p = user;
  return rtsp_outbuf_pending(&p->out);
}

static void on_udp(void *loop, int fd, int revents, void *user);

static int io_udp_open(void *user, int track, int crtp, int crtcp, int sp[2]) {
  pconn *p = user;
  if (p->dead || track < 0 || track >= RTSP_TRACKS) return ERR_EINVAL;
  udp_close_track(p, track);
  int fds[2];
  int r = rtsp_udp_pair_bind(&p->local, p->local_len, fds, sp);
  if (r) return r;
  int cports[2] = {crtp, crtcp};
  for (int k = 0; k < 2; k++) {
    struct sockaddr_storage ra = p->peer;
    if (ra.ss_family == AF_INET6) ((struct sockaddr_in6 *)&ra)->sin6_port = htons((uint16_t)cports[k]);
    else ((struct sockaddr_in *)&ra)->sin_port = htons((uint16_t)cports[k]);
    set_nonblock(fds[k]);
    /* connected: send() goes to the client's port and only its packets come back */
    if (connect(fds[k], (struct sockaddr *)&ra, p->peer_len) < 0 ||
        p->a->ops->watch_fd(p->a->loop, fds[k], POLLIN, on_udp, p) < 0) {
      for (int j = 0; j < 2; j++) {
        if (j < k) p->a->ops->unwatch_fd(p->a->loop, fds[j]);
        close(fds[j]);
      }
      return ERR_EIO;
    }
    p->udp[track][k] = fds[k];
  }
  return 0;
}

static int io_udp_send(void *user, int track, bool rtcp, const void *hdr, size_t hlen, const void *pl, size_t plen) {
  pconn *p = user;
  int fd = p->udp[track][rtcp ? 1 : 0];
  if (fd < 0) return 0;
  rtsp_iov iov[2] = {{hdr, hlen}, {pl, plen}};
  return rtsp_sock_send_dgrams(fd, iov, 1, &p->a->stage);
}

/* A frame's packets on one track. */
static int io_udp_sendv(void *user, int track, const rtsp_iov *iov, int npkts) {
  pconn *p = user;
  int fd = p->udp[track][0];
  if (fd < 0) return 0;
  return rtsp_sock_send_dgrams(fd, iov, npkts, &p->a->stage);
}

static void io_udp_close(void *user, int track) {
  pconn *p = user;
  if (track >= 0 && track < RTSP_TRACKS) udp_close_track(p, track);
}

static void io_close(void *user) {
  pconn *p = user;
  if (p->fd >= 0 && rtsp_outbuf_pending(&p->out)) rtsp_outbuf_flush(&p->out, p->fd); /* last reply, best effort */
  pconn_shutdown(p);
}

static const rtsp_conn_io posix_io = {io_send,      io_backlog, io_udp_open, io_udp_send,
                                      io_udp_close, io_close,   io_sendv,    io_udp_sendv};

/* ---- sweeping dead connections ---- */

static void sweep(void *user) {
  adapter *a = user;
  if (a->resume_at && a->lfd >= 0 && a->ops->now_us(a->loop) >= a->resume_at) {
    a->resume_at = 0;
    a->ops->set_events(a->loop, a->lfd, POLLIN);
  }
  if (a->depth || !a->ndead) return;
  for (pconn **pp = &a->conns; *pp && a->ndead;) {
    pconn *p = *pp;
    if (p->dead) {
      a->ndead--;
      *pp = p->next;
      if (p->conn) rtsp_conn_free(p->conn);
      rtsp_outbuf_free(&p->out);
      rtsp_pool_free(&a->pconns, p);
    } else {
      pp = &p->next;
    }
  }
}

static void adapter_free(void *user) {
  adapter *a = user;
  if (a->lfd >= 0) {
    a->ops->unwatch_fd(a->loop, a->lfd);
    close(a->lfd);
  }
  while (a->conns) { /* the core has freed every rtsp_conn already */
    pconn *p = a->conns;
    a->conns = p->next;
    pconn_shutdown(p);
    rtsp_outbuf_free(&p->out);
    rtsp_pool_free(&a->pconns, p);
  }
  free(a->stage.buf);
  free(a);
}

static void maybe_tick(adapter *a) {
  if (a->ops->now_us(a->loop) - a->srv->last_tick >= 200000) rtsp_server_tick(a->srv);
  else sweep(a);
}

/* ---- callbacks ---- */

static void on_udp(void *loop, int fd, int revents, void *user) {
  pconn *p = user;
  uint8_t buf[2048];
  for (int i = 0; i < 16; i++) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) break; /* EAGAIN, or ICMP errors reported on connected sockets: ignore */
    if (p->dead || !p->conn) continue;
    for (int t = 0; t < RTSP_TRACKS; t++)
      if (p->udp[t][1] == fd) {
        p->a->depth++;
        rtsp_conn_feed_rtcp(p->conn, t, buf, (size_t)n);
        p->a->depth--;
      }
    /* RTP towards us (NAT hole punching) is discarded */
  }
  maybe_tick(p->a);
}

static void on_client(void *loop, int fd, int revents, void *user) {
  pconn *p = user;
  adapter *a = p->a;
  if (p->dead) return;
  a->depth++;
  if (revents & POLLOUT) {
    if (rtsp_outbuf_flush(&p->out, p->fd) < 0) {
      rtsp_conn_close(p->conn);
    } else if (rtsp_outbuf_pending(&p->out) < a->srv->cfg.send_backlog_max / 2) {
      rtsp_conn_writable(p->conn);
    }
  }
  if (!p->dead && (revents & (POLLIN | POLLHUP | POLLERR))) {
    uint8_t buf[8192];
    for (int i = 0; i < 8 && !p->dead; i++) {
      ssize_t n = recv(p->fd, buf, sizeof buf, 0);
      if (n == 0) { /* orderly shutdown (also a half-closed peer): the conversation is over */
        rtsp_conn_close(p->conn);
        break;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) rtsp_conn_close(p->conn);
        break;
      }
      if (rtsp_conn_feed(p->conn, buf, (size_t)n) < 0) break;
    }
  }
  if (!p->dead) update_events(p);
  a->depth--;
  maybe_tick(a);
}

static void fmt_addr(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t cap) {
  char host[INET6_ADDRSTRLEN + 1], serv[8];
  if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    snprintf(out, cap, "?");
    return;
  }
  snprintf(out, cap, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static void on_listen(void *loop, int fd, int revents, void *user) {
  adapter *a = user;
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int cfd = accept(a->lfd, (struct sockaddr *)&peer, &pl);
    if (cfd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        /* the kernel takes the descriptor before it looks at the queue: EMFILE with nobody
         * waiting is no reason to close anyone */
        struct pollfd pf = {a->lfd, POLLIN, 0};
        if (poll(&pf, 1, 0) <= 0) break;
        if (rtsp_server_evict_silent(a->srv)) continue; /* its descriptor is free now */
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* The listener stays readable while the backlog waits: stop watching it for a while
         * (sweep resumes it) instead of waking for nothing at once, again and again. */
        a->backoff_us = a->backoff_us ? (a->backoff_us < 500000 ? a->backoff_us * 2 : 1000000) : 50000;
        a->resume_at = a->ops->now_us(a->loop) + a->backoff_us;
        a->ops->set_events(a->loop, a->lfd, 0);
        a->srv->st.accept_pauses++;
      }
      break; /* EAGAIN: the next connection wakes us */
    }
    a->backoff_us = 0;
    set_nonblock(cfd);
    int one = 1;
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pconn *p = rtsp_pool_alloc(&a->pconns);
    if (!p) {
      close(cfd);
      continue;
    }
    p->a = a;
    p->fd = cfd;
    /* the core stops pulling media at send_backlog_max, so only replies and one batch of
     * frames land here beyond it */
    p->out.hard = a->srv->cfg.send_backlog_max + a->srv->cfg.queue_max_bytes + 65536;
    p->peer = peer;
    p->peer_len = pl;
    p->local_len = sizeof p->local;
    getsockname(cfd, (struct sockaddr *)&p->local, &p->local_len);
    for (int t = 0; t < RTSP_TRACKS; t++) p->udp[t][0] = p->udp[t][1] = -1;
    char ps[64];
    fmt_addr(&peer, pl, ps, sizeof ps);
    if (rtsp_conn_new(a->srv, &posix_io, p, ps, &p->conn) < 0) {
      static const char busy[] = "RTSP/1.0 503 Service Unavailable\r\n\r\n";
      ssize_t ignored = send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL);
      (void)ignored;
      close(cfd);
      rtsp_pool_free(&a->pconns, p);
      continue;
    }
    p->events = POLLIN;
    if (a->ops->watch_fd(a->loop, cfd, POLLIN, on_client, p) < 0) {
      rtsp_conn_free(p->conn);
      close(cfd);
      rtsp_pool_free(&a->pconns, p);
      continue;
    }
    p->next = a->conns;
    a->conns = p;
    /* What the client sent with its handshake is read now, so that a real client is not taken
     * for a silent one (and replaced) by the next connection accepted in this batch. */
    on_client(loop, cfd, POLLIN, p);
  }
  maybe_tick(a);
}

int rtsp_server_listen(rtsp_server *s, const rtsp_io_ops *ops, void *loop) {
  if (!s || !ops || !ops->watch_fd || !ops->unwatch_fd || !ops->set_events || !ops->now_us) return ERR_EINVAL;
  if (s->adapter) return ERR_EBUSY;
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  char port[8];
  snprintf(port, sizeof port, "%d", s->cfg.port);
  if (getaddrinfo(s->host[0] ? s->host : NULL, port, &hints, &res) != 0 || !res) return ERR_EINVAL;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return ERR_EIO;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
    int e = errno;
    freeaddrinfo(res);
    close(fd);
    return e == EADDRINUSE ? ERR_EBUSY : ERR_EIO;
  }
  freeaddrinfo(res);
  /* Room in the accept queue for a burst of as many clients as the server takes: a full queue
   * drops SYNs, and a dropped SYN costs its client a 1 s retransmission (lwIP caps it at 255). */
  if (listen(fd, s->cfg.max_clients > 64 ? s->cfg.max_clients : 64) < 0) {
    close(fd);
    return ERR_EIO;
  }
  set_nonblock(fd);
  struct sockaddr_storage la;
  socklen_t ll = sizeof la;
  if (getsockname(fd, (struct sockaddr *)&la, &ll) == 0)
    s->bound_port = ntohs(la.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&la)->sin6_port
                                                   : ((struct sockaddr_in *)&la)->sin_port);
  adapter *a = calloc(1, sizeof *a);
  if (!a) {
    close(fd);
    return ERR_ENOMEM;
  }
  a->srv = s;
  a->ops = ops;
  a->loop = loop;
  a->lfd = fd;
  rtsp_pool_init(&a->pconns, sizeof(pconn));
  if (ops->watch_fd(loop, fd, POLLIN, on_listen, a) < 0) {
    close(fd);
    free(a);
    return ERR_ENOMEM;
  }
  s->adapter = a;
  s->adapter_sweep = sweep;
  s->adapter_free = adapter_free;
  s->clock = a_now;
  s->clock_user = a;
  return 0;
}
