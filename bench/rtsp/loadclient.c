/* bench/rtsp load client: N RTSP viewers over TCP interleaved (RFC 2326 §10.12) in one epoll
   loop, for bench/rtsp/run.mjs (the Node client cannot receive 1000 x 4 Mb/s here).

     rtsp_loadclient <url> [--viewers N] [--stalled N] [--join burst|paced:MS] [--transport tcp|udp]
                     [--duration-s S] [--max-s S] [--frames PATH]

   Each viewer runs DESCRIBE, SETUP (the first video track; interleaved, or UDP to a port pair of
   its own), PLAY, then reads: RTP
   packets and payload octets, frames (distinct timestamps), sequence gaps (RFC 3550 §A.1: a
   jump of n counts n-1 missing), timestamps going backwards, and the server's RTCP sender
   reports (§6.4.1: the packets and payload octets it sent to this viewer; the last one rides
   with the BYE, §6.6). A stalled viewer stops reading after PLAY and keeps its socket open.
   Joins: all at once (burst) or one every MS ms (paced); stalled viewers are spread among them.

   A viewer ends at BYE, when the server closes, on an error, or after --duration-s of playing
   (counted from the moment every viewer is playing); --max-s bounds the whole run.

   Output (stdout): "ALLPLAYING <t_us> <playing> <failed>" once every viewer has its first RTP
   packet (stalled ones: their PLAY reply) or failed, then one JSON object per viewer and a
   "SUMMARY {...}" line. On SIGUSR1 it prints "MARK <t_us> <bytes> <viewers> <min> <max>": the
   bytes every reading viewer received since the previous mark (or the start), how many reading
   viewers are playing, and the least and most one of them received: what a server delivered
   over a measured window, counted per viewer. Times are CLOCK_MONOTONIC in µs. --frames writes, per frame per viewer,
   {u32 viewer, u32 rtp timestamp, u64 µs} (little-endian): when the recv() holding the frame's
   first byte returned (UDP: its first datagram). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtsp/message.h"
#include "rtsp/rtpinfo.h"
#include "rtsp/session.h"
#include "rtsp/transport.h"

enum { ST_IDLE, ST_CONNECTING, ST_DESCRIBE, ST_SETUP, ST_PLAY, ST_PLAYING, ST_DONE };
static const char *const state_names[] = {"idle", "connecting", "DESCRIBE", "SETUP", "PLAY", "playing", "done"};

#define TEXT_MAX 16384
#define KEEP_RTP 76 /* header, 15 CSRCs, extension header */
#define KEEP_RTCP 2048
#define HANDSHAKE_US 20000000ull

typedef struct frame_time {
  uint32_t viewer, ts;
  uint64_t us;
} frame_time;

typedef struct viewer {
  int idx, fd, state;
  bool stalled;
  const char *error;
  int error_status; /* the RTSP status that failed it, 0 otherwise */
  int fail_state;
  uint64_t t_start, t_connected, t_play_sent, t_play_reply, t_first_rtp, t_last_rtp, t_end;
  /* the handshake */
  char text[TEXT_MAX];
  size_t tlen;
  int cseq;
  char base[512], control[600], session[RTSP_SESSION_ID_MAX + 1];
  int ch_rtp, ch_rtcp;
  int udp[2]; /* RTP, RTCP sockets (UDP transport), -1 otherwise */
  int udp_port;
  bool has_info;
  uint16_t info_seq;
  uint32_t info_rtptime;
  /* the interleaved stream */
  uint8_t hdr[4];
  int hn;
  size_t left; /* bytes of the current packet still to come */
  int ch;
  uint8_t pkt[KEEP_RTCP];
  size_t plen, pkeep, psize;
  uint64_t t_dollar; /* when the recv() with this packet's '$' returned */
  /* counts */
  uint64_t packets, octets, frames, gaps, ts_back, bytes, rtcp, other;
  bool have_seq, have_ts;
  uint16_t last_seq;
  uint32_t first_ts, last_ts;
  bool has_sr, bye;
  uint32_t sr_packets, sr_octets;
  frame_time *ft;
  size_t nft, capft;
} viewer;

static viewer *vs;
static int nviewers, nstalled, ntotal;
static int epfd;
static struct sockaddr_storage addr;
static socklen_t addr_len;
static char url[512];
static bool record_frames, use_udp;

/* epoll data: viewer index * 4 + which socket */
enum { FD_TCP = 0, FD_RTP = 1, FD_RTCP = 2 };
static uint64_t tag(const viewer *v, int kind) { return (uint64_t)v->idx * 4 + (uint64_t)kind; }

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void close_all(viewer *v) {
  v->state = ST_DONE;
  v->t_end = now_us();
  int *fds[3] = {&v->fd, &v->udp[0], &v->udp[1]};
  for (int i = 0; i < 3; i++)
    if (*fds[i] >= 0) {
      close(*fds[i]);
      *fds[i] = -1;
    }
}

static void fail(viewer *v, const char *why, int status) {
  if (v->state == ST_DONE) return;
  v->error = why;
  v->error_status = status;
  v->fail_state = v->state;
  close_all(v);
}

static void finish(viewer *v) {
  if (v->state != ST_DONE) close_all(v);
}

static int send_request(viewer *v, const char *method, const char *uri, const char *extra) {
  char req[2048];
  int n = snprintf(req, sizeof req, "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: k230js-loadclient\r\n%s%s%s\r\n", method,
                   uri, ++v->cseq, v->session[0] ? "Session: " : "", v->session, v->session[0] ? "\r\n" : "");
  if (n < 0 || (size_t)n >= sizeof req) return -1;
  if (extra) {
    n -= 2; /* before the blank line */
    int m = snprintf(req + n, sizeof req - (size_t)n, "%s\r\n", extra);
    if (m < 0 || (size_t)(n + m) >= sizeof req) return -1;
    n += m;
  }
  /* requests are small and the socket buffer is empty when they go: all or an error */
  ssize_t w = send(v->fd, req, (size_t)n, MSG_NOSIGNAL);
  return w == n ? 0 : -1;
}

static void start(viewer *v) {
  v->t_start = now_us();
  v->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (v->fd < 0) {
    fail(v, "socket", 0);
    return;
  }
  int one = 1;
  setsockopt(v->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  v->state = ST_CONNECTING;
  if (connect(v->fd, (struct sockaddr *)&addr, addr_len) < 0 && errno != EINPROGRESS) {
    fail(v, "connect", 0);
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = tag(v, FD_TCP)};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, v->fd, &ev) < 0) fail(v, "epoll_ctl", 0);
}

/* RFC 3550 §11: RTP on an even port, RTCP on the next; both watched from the start. */
static int open_udp(viewer *v) {
  for (int attempt = 0; attempt < 64; attempt++) {
    int a = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_storage la;
    memset(&la, 0, sizeof la);
    la.ss_family = addr.ss_family;
    socklen_t ll = addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (a < 0 || bind(a, (struct sockaddr *)&la, ll) < 0 || getsockname(a, (struct sockaddr *)&la, &ll) < 0) {
      if (a >= 0) close(a);
      return -1;
    }
    in_port_t *pp =
        addr.ss_family == AF_INET6 ? &((struct sockaddr_in6 *)&la)->sin6_port : &((struct sockaddr_in *)&la)->sin_port;
    int port = ntohs(*pp);
    int b = -1;
    if (port % 2 == 0 && port < 65535) {
      b = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      *pp = htons((uint16_t)(port + 1));
      if (b >= 0 && bind(b, (struct sockaddr *)&la, ll) < 0) {
        close(b);
        b = -1;
      }
    }
    if (b < 0) {
      close(a);
      continue;
    }
    int rcv = 1 << 20; /* a frame's datagrams arrive back to back */
    setsockopt(a, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    v->udp[0] = a;
    v->udp[1] = b;
    v->udp_port = port;
    for (int k = 0; k < 2; k++) {
      struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(v, k ? FD_RTCP : FD_RTP)};
      if (epoll_ctl(epfd, EPOLL_CTL_ADD, v->udp[k], &ev) < 0) return -1;
    }
    return 0;
  }
  return -1;
}

/* The first video m= section's a=control, resolved against Content-Base. */
static bool pick_track(viewer *v, const char *sdp, size_t len) {
  char buf[8192];
  if (len >= sizeof buf) len = sizeof buf - 1;
  memcpy(buf, sdp, len);
  buf[len] = 0;
  bool in_video = false;
  for (char *line = strtok(buf, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    if (!strncmp(line, "m=", 2)) in_video = !strncmp(line, "m=video", 7);
    else if (in_video && !strncmp(line, "a=control:", 10)) {
      const char *c = line + 10;
      if (!strncasecmp(c, "rtsp://", 7)) snprintf(v->control, sizeof v->control, "%s", c);
      else
        snprintf(v->control, sizeof v->control, "%s%s%s", v->base, v->base[strlen(v->base) - 1] == '/' ? "" : "/", c);
      return true;
    }
  }
  return false;
}

static void on_frame(viewer *v, uint32_t ts) {
  v->frames++;
  if (!record_frames) return;
  if (v->nft == v->capft) {
    size_t cap = v->capft ? v->capft * 2 : 1024;
    frame_time *n = realloc(v->ft, cap * sizeof *n);
    if (!n) return;
    v->ft = n;
    v->capft = cap;
  }
  v->ft[v->nft++] = (frame_time){(uint32_t)v->idx, ts, v->t_dollar};
}

static void on_rtp(viewer *v, const uint8_t *p, size_t keep, size_t size) {
  if (keep < 12 || (p[0] >> 6) != 2) {
    v->other++;
    return;
  }
  size_t head = 12 + 4u * (p[0] & 15);
  if (p[0] & 0x10) head += keep >= head + 4 ? 4 + 4u * ((size_t)p[head + 2] << 8 | p[head + 3]) : 4;
  uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
  uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
  v->packets++;
  v->octets += size > head ? size - head : 0;
  if (v->have_seq) {
    uint16_t d = (uint16_t)(seq - v->last_seq);
    if (d == 0 || d >= 0x8000) v->other++; /* duplicate or backwards: TCP does not reorder */
    else v->gaps += d - 1u;
  }
  v->have_seq = true;
  v->last_seq = seq;
  if (!v->have_ts) {
    v->first_ts = ts;
    v->have_ts = true;
    v->t_first_rtp = v->t_dollar;
    on_frame(v, ts);
  } else if (ts != v->last_ts) {
    if ((int32_t)(ts - v->last_ts) < 0) v->ts_back++;
    on_frame(v, ts);
  }
  v->last_ts = ts;
  v->t_last_rtp = v->t_dollar;
}

/* RFC 3550 §6.4.1 SR (its sender's counts), §6.6 BYE, in a compound packet. */
static void on_rtcp(viewer *v, const uint8_t *p, size_t len) {
  v->rtcp++;
  size_t pos = 0;
  while (pos + 4 <= len) {
    size_t plen = 4 + 4u * ((size_t)p[pos + 2] << 8 | p[pos + 3]);
    if (pos + plen > len) break;
    if (p[pos + 1] == 200 && plen >= 28) {
      const uint8_t *s = p + pos + 20;
      v->sr_packets = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
      v->sr_octets = (uint32_t)s[4] << 24 | (uint32_t)s[5] << 16 | (uint32_t)s[6] << 8 | s[7];
      v->has_sr = true;
    } else if (p[pos + 1] == 203) {
      v->bye = true;
    }
    pos += plen;
  }
}

/* The interleaved stream after PLAY: '$', channel, length, then the packet, across recv()s. */
static void feed_binary(viewer *v, const uint8_t *b, size_t n, uint64_t t) {
  v->bytes += n;
  while (n) {
    if (!v->left) {
      if (v->hn == 0 && b[0] != '$') { /* an RTSP message between frames: not expected here */
        fail(v, "unexpected RTSP message while playing", 0);
        return;
      }
      if (v->hn == 0) v->t_dollar = t;
      while (v->hn < 4 && n) {
        v->hdr[v->hn++] = *b++;
        n--;
      }
      if (v->hn < 4) return;
      v->hn = 0;
      v->ch = v->hdr[1];
      v->psize = v->left = (size_t)v->hdr[2] << 8 | v->hdr[3];
      v->pkeep = v->ch == v->ch_rtp ? KEEP_RTP : KEEP_RTCP;
      v->plen = 0;
      if (!v->left) continue;
    }
    size_t k = n < v->left ? n : v->left;
    if (v->plen < v->pkeep) {
      size_t c = v->pkeep - v->plen < k ? v->pkeep - v->plen : k;
      memcpy(v->pkt + v->plen, b, c);
      v->plen += c;
    }
    b += k;
    n -= k;
    v->left -= k;
    if (v->left) return;
    if (v->ch == v->ch_rtp) on_rtp(v, v->pkt, v->plen, v->psize);
    else if (v->ch == v->ch_rtcp) on_rtcp(v, v->pkt, v->plen);
    else v->other++;
    if (v->bye) {
      finish(v);
      return;
    }
  }
}

/* One response of the handshake; the next request, or PLAYING. */
static void on_response(viewer *v, const rtsp_response *r, uint64_t t) {
  if (r->status != 200) {
    fail(v, state_names[v->state], r->status);
    return;
  }
  const rtsp_header *h = r->headers;
  int nh = r->nheaders;
  if (v->state == ST_DESCRIBE) {
    const char *cb = rtsp_header_find(h, nh, "Content-Base");
    snprintf(v->base, sizeof v->base, "%s", cb ? cb : url);
    if (!pick_track(v, (const char *)r->body, r->body_len)) {
      fail(v, "no video track in the SDP", 0);
      return;
    }
    v->state = ST_SETUP;
    char tr[128];
    if (use_udp) {
      if (open_udp(v) < 0) {
        fail(v, "no UDP port pair", 0);
        return;
      }
      snprintf(tr, sizeof tr, "Transport: RTP/AVP;unicast;client_port=%d-%d\r\n", v->udp_port, v->udp_port + 1);
    } else {
      snprintf(tr, sizeof tr, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
    }
    if (send_request(v, "SETUP", v->control, tr) < 0) fail(v, "send SETUP", 0);
  } else if (v->state == ST_SETUP) {
    const char *sv = rtsp_header_find(h, nh, "Session"), *tv = rtsp_header_find(h, nh, "Transport");
    rtsp_session_hdr sh;
    rtsp_transport tr;
    if (!sv || rtsp_session_parse(sv, &sh) < 0 || !tv || rtsp_transport_parse(tv, &tr, 1) < 1 ||
        (!use_udp && tr.interleaved[0] < 0)) {
      fail(v, "SETUP reply without Session or the Transport asked for", 0);
      return;
    }
    snprintf(v->session, sizeof v->session, "%s", sh.id);
    v->ch_rtp = tr.interleaved[0];
    v->ch_rtcp = tr.interleaved[1];
    v->state = ST_PLAY;
    char *b = v->base;
    size_t bl = strlen(b);
    if (bl > 1 && b[bl - 1] == '/') b[bl - 1] = 0; /* the aggregate URL */
    v->t_play_sent = now_us();
    /* no Range: a live viewer joins where the stream is (gst-rtsp-server seeks a shared media, for
     * every viewer, to the Range a PLAY names) */
    if (send_request(v, "PLAY", v->base, NULL) < 0) fail(v, "send PLAY", 0);
  } else if (v->state == ST_PLAY) {
    v->t_play_reply = t;
    const char *iv = rtsp_header_find(h, nh, "RTP-Info");
    rtsp_rtpinfo info[2];
    if (iv && rtsp_rtpinfo_parse(iv, info, 2) >= 1 && info[0].has_rtptime) {
      v->has_info = true;
      v->info_seq = info[0].seq;
      v->info_rtptime = info[0].rtptime;
    }
    v->state = ST_PLAYING;
    if (v->stalled) { /* never read again */
      epoll_ctl(epfd, EPOLL_CTL_DEL, v->fd, NULL);
      for (int k = 0; k < 2; k++)
        if (v->udp[k] >= 0) epoll_ctl(epfd, EPOLL_CTL_DEL, v->udp[k], NULL);
    }
  }
}

static volatile sig_atomic_t mark_wanted;
static void on_usr1(int sig) {
  (void)sig;
  mark_wanted = 1;
}

/* Bytes received since the previous mark, per reading viewer (stalled ones read nothing). */
static void print_mark(uint64_t t) {
  static uint64_t *prev;
  if (!prev) prev = calloc((size_t)ntotal, sizeof *prev);
  if (!prev) return;
  uint64_t total = 0, lo = UINT64_MAX, hi = 0;
  int n = 0;
  for (int i = 0; i < ntotal; i++) {
    viewer *v = &vs[i];
    if (v->stalled) continue;
    uint64_t d = v->bytes - prev[i];
    prev[i] = v->bytes;
    total += d;
    if (v->state != ST_PLAYING) continue;
    n++;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  printf("MARK %llu %llu %d %llu %llu\n", (unsigned long long)t, (unsigned long long)total, n,
         (unsigned long long)(n ? lo : 0), (unsigned long long)hi);
  fflush(stdout);
}

static uint8_t rbuf[256 * 1024];

static void on_readable(viewer *v) {
  ssize_t n = recv(v->fd, rbuf, sizeof rbuf, 0);
  uint64_t t = now_us();
  if (n == 0) {
    if (v->state == ST_PLAYING) finish(v); /* the server hung up: the end (counts say if early) */
    else fail(v, "closed by the server", 0);
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(v, strerror(errno), 0);
    return;
  }
  if (v->state == ST_PLAYING) {
    feed_binary(v, rbuf, (size_t)n, t);
    return;
  }
  /* the handshake's text: appended as far as the buffer takes it, parsed, and whatever follows
   * the PLAY reply (media may share its recv()) goes on to the interleaved parser */
  static const rtsp_limits lim = {8192, 2048, 64, 8192};
  static char scratch[TEXT_MAX + 1];
  size_t used_in = 0;
  while (v->state != ST_DONE && v->state != ST_PLAYING) {
    size_t k = (size_t)n - used_in < sizeof v->text - v->tlen ? (size_t)n - used_in : sizeof v->text - v->tlen;
    memcpy(v->text + v->tlen, rbuf + used_in, k);
    v->tlen += k;
    used_in += k;
    rtsp_response r;
    int used;
    if (v->text[0] == '$') { /* media may come ahead of the PLAY reply (gst-rtsp-server sends it so) */
      used = v->tlen >= 4 ? 4 + ((uint8_t)v->text[2] << 8 | (uint8_t)v->text[3]) : 0;
      if (used > (int)v->tlen) used = 0;
      if (used && v->state == ST_PLAY) feed_binary(v, (const uint8_t *)v->text, (size_t)used, t);
    } else {
      used = rtsp_response_parse((const uint8_t *)v->text, v->tlen, &lim, scratch, sizeof scratch, &r);
      if (used > 0) on_response(v, &r, t);
    }
    if (used == 0) {
      if (v->tlen == sizeof v->text) fail(v, "reply too large", 0);
      if (used_in == (size_t)n) return;
      continue;
    }
    if (used < 0) {
      fail(v, "malformed reply", 0);
      return;
    }
    memmove(v->text, v->text + used, v->tlen - (size_t)used);
    v->tlen -= (size_t)used;
    if (!v->tlen && used_in == (size_t)n) return;
  }
  if (v->state == ST_PLAYING && !v->stalled) { /* media right behind the PLAY reply */
    size_t k = v->tlen;
    v->tlen = 0;
    if (k) feed_binary(v, (const uint8_t *)v->text, k, t);
    if (v->state == ST_PLAYING && used_in < (size_t)n) feed_binary(v, rbuf + used_in, (size_t)n - used_in, t);
  }
}

#define DGRAMS 64
static uint8_t dbuf[DGRAMS][2048];

/* RTP or RTCP datagrams, a batch per call. Before PLAY's reply they are counted all the same. */
static void on_datagrams(viewer *v, int kind) {
  struct mmsghdr mm[DGRAMS];
  struct iovec iov[DGRAMS];
  for (int i = 0; i < DGRAMS; i++) {
    iov[i] = (struct iovec){dbuf[i], sizeof dbuf[i]};
    mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
  }
  int n = recvmmsg(kind == FD_RTP ? v->udp[0] : v->udp[1], mm, DGRAMS, MSG_DONTWAIT, NULL);
  uint64_t t = now_us();
  for (int i = 0; i < n && v->state != ST_DONE; i++) {
    size_t len = mm[i].msg_len;
    v->bytes += len;
    v->t_dollar = t;
    if (kind == FD_RTP) on_rtp(v, dbuf[i], len < KEEP_RTP ? len : KEEP_RTP, len);
    else on_rtcp(v, dbuf[i], len);
    if (v->bye) finish(v);
  }
}

static void on_event(viewer *v, int kind, uint32_t events) {
  if (kind != FD_TCP) {
    on_datagrams(v, kind);
    return;
  }
  if (v->state == ST_CONNECTING) {
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(v->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
      fail(v, "connect", 0);
      return;
    }
    v->t_connected = now_us();
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(v, FD_TCP)};
    epoll_ctl(epfd, EPOLL_CTL_MOD, v->fd, &ev);
    v->state = ST_DESCRIBE;
    if (send_request(v, "DESCRIBE", url, "Accept: application/sdp\r\n") < 0) fail(v, "send DESCRIBE", 0);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(v);
}

static int resolve(const char *u) {
  if (strncmp(u, "rtsp://", 7) != 0) return -1;
  char host[256], port[16] = "554";
  const char *h = u + 7, *end = h + strcspn(h, "/");
  const char *colon = NULL;
  if (*h == '[') {
    const char *rb = memchr(h, ']', (size_t)(end - h));
    if (!rb) return -1;
    snprintf(host, sizeof host, "%.*s", (int)(rb - h - 1), h + 1);
    colon = rb[1] == ':' ? rb + 1 : NULL;
  } else {
    colon = memchr(h, ':', (size_t)(end - h));
    snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - h), h);
  }
  if (colon) snprintf(port, sizeof port, "%.*s", (int)(end - colon - 1), colon + 1);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV}, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
  memcpy(&addr, res->ai_addr, res->ai_addrlen);
  addr_len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static void print_viewer(const viewer *v) {
  printf("{\"viewer\":%d,\"stalled\":%s,\"error\":", v->idx, v->stalled ? "true" : "false");
  if (v->error)
    printf("\"%s\",\"errorStatus\":%d,\"failedIn\":\"%s\"", v->error, v->error_status, state_names[v->fail_state]);
  else printf("null");
  printf(
      ",\"start\":%llu,\"connected\":%llu,\"playSent\":%llu,\"playReply\":%llu,\"firstRtp\":%llu,\"lastRtp\":%llu,"
      "\"end\":%llu",
      (unsigned long long)v->t_start, (unsigned long long)v->t_connected, (unsigned long long)v->t_play_sent,
      (unsigned long long)v->t_play_reply, (unsigned long long)v->t_first_rtp, (unsigned long long)v->t_last_rtp,
      (unsigned long long)v->t_end);
  if (v->has_info) printf(",\"infoSeq\":%u,\"infoRtptime\":%u", v->info_seq, v->info_rtptime);
  printf(
      ",\"packets\":%llu,\"octets\":%llu,\"frames\":%llu,\"gaps\":%llu,\"tsBackwards\":%llu,\"bytes\":%llu,"
      "\"rtcp\":%llu,\"other\":%llu",
      (unsigned long long)v->packets, (unsigned long long)v->octets, (unsigned long long)v->frames,
      (unsigned long long)v->gaps, (unsigned long long)v->ts_back, (unsigned long long)v->bytes,
      (unsigned long long)v->rtcp, (unsigned long long)v->other);
  if (v->have_ts) printf(",\"firstTs\":%u,\"lastTs\":%u", v->first_ts, v->last_ts);
  if (v->has_sr) printf(",\"srPackets\":%u,\"srOctets\":%u", v->sr_packets, v->sr_octets);
  printf(",\"bye\":%s}\n", v->bye ? "true" : "false");
}

static void usage(void) {
  fprintf(stderr,
          "usage: rtsp_loadclient <rtsp-url> [--viewers N] [--stalled N] [--join burst|paced:MS] "
          "[--transport tcp|udp] [--duration-s S] [--max-s S] [--frames PATH]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *frames_path = NULL;
  double duration_s = 0, max_s = 300;
  int pace_ms = 0;
  nviewers = 1;
  if (argc < 2) usage();
  snprintf(url, sizeof url, "%s", argv[1]);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!val) usage();
    i++;
    if (!strcmp(a, "--viewers")) nviewers = atoi(val);
    else if (!strcmp(a, "--stalled")) nstalled = atoi(val);
    else if (!strcmp(a, "--join")) {
      if (!strcmp(val, "burst")) pace_ms = 0;
      else if (!strncmp(val, "paced:", 6)) pace_ms = atoi(val + 6);
      else usage();
    } else if (!strcmp(a, "--duration-s")) duration_s = atof(val);
    else if (!strcmp(a, "--max-s")) max_s = atof(val);
    else if (!strcmp(a, "--frames")) frames_path = val;
    else if (!strcmp(a, "--transport")) {
      if (strcmp(val, "tcp") && strcmp(val, "udp")) usage();
      use_udp = !strcmp(val, "udp");
    } else usage();
  }
  if (nviewers < 0 || nstalled < 0 || nviewers + nstalled < 1 || pace_ms < 0) usage();
  if (resolve(url) < 0) {
    fprintf(stderr, "rtsp_loadclient: %s: not an rtsp://<numeric host>:<port>/ URL\n", url);
    return 2;
  }
  record_frames = frames_path != NULL;
  struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: epoll_wait returns at once */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  /* a descriptor per viewer, and then some */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  ntotal = nviewers + nstalled;
  vs = calloc((size_t)ntotal, sizeof *vs);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!vs || epfd < 0) return 1;
  /* stalled viewers spread evenly among the others */
  for (int i = 0; i < ntotal; i++) {
    vs[i].idx = i;
    vs[i].fd = vs[i].udp[0] = vs[i].udp[1] = -1;
    vs[i].stalled = nstalled && (long)(i + 1) * nstalled / ntotal != (long)i * nstalled / ntotal;
  }
  uint64_t t0 = now_us(), all_playing = 0, last_scan = 0;
  int started = 0;
  struct epoll_event evs[1024];
  for (;;) {
    uint64_t t = now_us();
    if (mark_wanted) {
      mark_wanted = 0;
      print_mark(t);
    }
    while (started < ntotal && (pace_ms == 0 || t >= t0 + (uint64_t)started * (uint64_t)pace_ms * 1000u))
      start(&vs[started++]);
    /* the roll call: every 20 ms is enough, and keeps 1000 viewers cheap */
    if (t - last_scan < 20000 && started == ntotal) goto poll;
    last_scan = t;
    int live = 0, waiting = 0, playing = 0, failed = 0;
    for (int i = 0; i < ntotal; i++) {
      viewer *v = &vs[i];
      if (v->state != ST_DONE && v->state != ST_IDLE && v->state < ST_PLAYING && t > v->t_start + HANDSHAKE_US)
        fail(v, "handshake timeout", 0);
      if (v->state == ST_DONE && v->error) failed++;
      if (v->state == ST_IDLE || (v->state < ST_PLAYING && v->state != ST_DONE) ||
          (v->state == ST_PLAYING && !v->stalled && !v->have_ts))
        waiting++;
      else if (v->state == ST_PLAYING || (v->state == ST_DONE && !v->error)) playing++;
      if (v->state != ST_DONE && (!v->stalled || v->state < ST_PLAYING)) live++;
    }
    if (!all_playing && !waiting) {
      all_playing = t;
      printf("ALLPLAYING %llu %d %d\n", (unsigned long long)t, playing, failed);
      fflush(stdout);
    }
    bool over = (all_playing && duration_s > 0 && t - all_playing >= (uint64_t)(duration_s * 1e6)) ||
                t - t0 >= (uint64_t)(max_s * 1e6);
    if ((!live && started == ntotal) || over) break;
  poll:;
    int wait = 20;
    if (started < ntotal && pace_ms) {
      uint64_t due = t0 + (uint64_t)started * (uint64_t)pace_ms * 1000u;
      wait = due > t ? (int)((due - t) / 1000) : 0;
      if (wait > 20) wait = 20;
    }
    int n = epoll_wait(epfd, evs, 1024, wait);
    for (int i = 0; i < n; i++) {
      viewer *v = &vs[evs[i].data.u64 / 4];
      if (v->state != ST_DONE) on_event(v, (int)(evs[i].data.u64 % 4), evs[i].events);
    }
  }
  bool timed_out = !all_playing;
  for (int i = 0; i < ntotal; i++) {
    viewer *v = &vs[i];
    if (v->state == ST_PLAYING) finish(v);
    else if (v->state != ST_DONE) fail(v, state_names[v->state], 0);
  }
  for (int i = 0; i < ntotal; i++) print_viewer(&vs[i]);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf(
      "SUMMARY "
      "{\"transport\":\"%s\",\"viewers\":%d,\"stalled\":%d,\"joinPaceMs\":%d,\"start\":%llu,\"allPlaying\":%llu,"
      "\"end\":%llu,"
      "\"cpuS\":%.3f,\"timedOut\":%s}\n",
      use_udp ? "udp" : "tcp", nviewers, nstalled, pace_ms, (unsigned long long)t0, (unsigned long long)all_playing,
      (unsigned long long)now_us(),
      (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
      timed_out ? "true" : "false");
  if (frames_path) {
    FILE *f = fopen(frames_path, "wb");
    if (!f) {
      fprintf(stderr, "rtsp_loadclient: cannot write %s: %s\n", frames_path, strerror(errno));
      return 1;
    }
    for (int i = 0; i < ntotal; i++)
      if (vs[i].nft && fwrite(vs[i].ft, sizeof(frame_time), vs[i].nft, f) != vs[i].nft) {
        fprintf(stderr, "rtsp_loadclient: cannot write %s: %s\n", frames_path, strerror(errno));
        fclose(f);
        return 1;
      }
    fclose(f);
  }
  for (int i = 0; i < ntotal; i++) free(vs[i].ft);
  free(vs);
  close(epfd);
  return 0;
}
