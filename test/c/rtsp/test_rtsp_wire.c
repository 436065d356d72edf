/*
 * What the POSIX adapter puts on the wire, recorded for comparison between the system-call sets
 * (src/sock.h): a TCP-interleaved and a UDP reader of one mount get ~100 H.264 access units (up
 * to 60 KB, so FU-A fragments and batches of many packets) and G.711 chunks. The TCP reader
 * stays silent for the first half behind small socket buffers, so the server writes partially,
 * queues, and stops pulling frames; nothing is dropped. The test checks the streams (every packet, in sequence, every
 * access unit) and writes the media bytes to <its name>.bin in the working directory; the
 * ctest test_rtsp_wire_same compares the two sets' files byte for byte. RTCP (wall-clock
 * timestamps) is left out; the server's random SSRCs and bases are pinned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "internal.h" /* the server's random generator, pinned so two runs match */
#include "poll_driver.h"
#include "rtsp/server.h"
#include "rtsp/server_posix.h"

#define NVIDEO 100
#define NAUDIO 150
#define SILENT_UNTIL 50 /* the TCP reader reads nothing before this many video frames */

typedef struct buf {
  uint8_t *p;
  size_t len, cap;
} buf;

static void buf_put(buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

static uint32_t lcg = 12345;
static uint8_t next_byte(void) {
  lcg = lcg * 1103515245u + 12345u;
  return (uint8_t)(lcg >> 16);
}

static rtsp_poll_loop *loop;

static void pump(int rounds) {
  for (int i = 0; i < rounds; i++) rtsp_poll_run_once(loop, 0);
}

/* Sends a request and pumps the loop until its whole reply (headers) is in. */
static void request(int fd, const char *req, char *reply, size_t cap) {
  CHECK_EQ_INT(send(fd, req, strlen(req), 0), (long)strlen(req));
  size_t got = 0;
  reply[0] = 0;
  for (int i = 0; i < 2000 && !strstr(reply, "\r\n\r\n"); i++) {
    rtsp_poll_run_once(loop, 5);
    ssize_t n = recv(fd, reply + got, cap - 1 - got, MSG_DONTWAIT);
    if (n > 0) got += (size_t)n;
    reply[got] = 0;
  }
  CHECK(strstr(reply, "RTSP/1.0 200") == reply);
  const char *cl = strstr(reply, "Content-Length: ");
  if (cl) { /* DESCRIBE: the body follows */
    size_t want = (size_t)(strstr(reply, "\r\n\r\n") - reply) + 4 + (size_t)atoi(cl + 16);
    for (int i = 0; i < 2000 && got < want; i++) {
      rtsp_poll_run_once(loop, 5);
      ssize_t n = recv(fd, reply + got, cap - 1 - got, MSG_DONTWAIT);
      if (n > 0) got += (size_t)n;
    }
    reply[got] = 0;
  }
}

static void session_of(const char *reply, char *out, size_t cap) {
  const char *s = strstr(reply, "Session: ");
  CHECK(s != NULL);
  size_t n = s ? strcspn(s + 9, ";\r") : 0;
  snprintf(out, cap, "%.*s", (int)n, s ? s + 9 : "");
}

static int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096; /* the server's writes stop short while this reader is silent */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  connect(fd, (struct sockaddr *)&a, sizeof a); /* EINPROGRESS: the loop accepts it */
  for (int i = 0; i < 200; i++) {
    rtsp_poll_run_once(loop, 5);
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, 0) == 1) break;
  }
  return fd;
}

/* The server's end of a TCP connection of this process, given ours. */
static int server_end(int fd) {
  struct sockaddr_in mine, theirs, a, b;
  socklen_t l = sizeof mine;
  getsockname(fd, (struct sockaddr *)&mine, &l);
  l = sizeof theirs;
  getpeername(fd, (struct sockaddr *)&theirs, &l);
  for (int s = 3; s < 1024; s++) {
    socklen_t la = sizeof a, lb = sizeof b;
    if (s == fd || getsockname(s, (struct sockaddr *)&a, &la) != 0 || getpeername(s, (struct sockaddr *)&b, &lb) != 0)
      continue;
    if (a.sin_port == theirs.sin_port && b.sin_port == mine.sin_port) return s;
  }
  return -1;
}

static int udp_bind(int *port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  *port = ntohs(a.sin_port);
  return fd;
}

/* The media of the interleaved TCP stream: RTP on channels 0 and 2, RTCP (1, 3) dropped. */
typedef struct tcp_reader {
  buf raw, media;
  size_t pos;
  int markers, audio;
} tcp_reader;

static void tcp_read(int fd, tcp_reader *r) {
  uint8_t tmp[65536];
  ssize_t n;
  while ((n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT)) > 0) buf_put(&r->raw, tmp, (size_t)n);
  while (r->raw.len - r->pos >= 4) {
    const uint8_t *f = r->raw.p + r->pos;
    CHECK_EQ_INT(f[0], '$');
    size_t len = (size_t)f[2] << 8 | f[3];
    if (r->raw.len - r->pos < 4 + len) break;
    if (f[1] == 0 || f[1] == 2) {
      buf_put(&r->media, f, 4 + len);
      if (f[1] == 0 && (f[5] & 0x80)) r->markers++;
      if (f[1] == 2) r->audio++;
    }
    r->pos += 4 + len;
  }
}

/* UDP datagrams, each behind its 2-byte length. */
static int udp_read(int fd, buf *out) {
  uint8_t tmp[2048];
  int markers = 0;
  ssize_t n;
  while ((n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT)) > 0) {
    uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    buf_put(out, len, 2);
    buf_put(out, tmp, (size_t)n);
    if (tmp[1] & 0x80) markers++;
  }
  return markers;
}

/* Every RTP packet of a stream follows the previous one: sequence + 1, same SSRC. */
static void check_sequence(const uint8_t *p, size_t len, bool interleaved, int channel) {
  int seen = 0;
  uint16_t seq = 0;
  uint32_t ssrc = 0;
  for (size_t i = 0; i < len;) {
    size_t n = interleaved ? (size_t)p[i + 2] << 8 | p[i + 3] : (size_t)p[i] << 8 | p[i + 1];
    const uint8_t *rtp = p + i + (interleaved ? 4 : 2);
    if (!interleaved || p[i + 1] == channel) {
      uint16_t s = (uint16_t)(rtp[2] << 8 | rtp[3]);
      uint32_t c = (uint32_t)rtp[8] << 24 | rtp[9] << 16 | rtp[10] << 8 | rtp[11];
      CHECK_EQ_INT(rtp[0], 0x80);
      if (seen++) {
        CHECK_EQ_INT(s, (uint16_t)(seq + 1));
        CHECK_EQ_INT(c, ssrc);
      }
      seq = s;
      ssrc = c;
    }
    i += n + (interleaved ? 4 : 2);
  }
  CHECK(seen > 0);
}

/* One H.264 access unit: SPS + PPS + IDR every 25 frames, else a P slice; sizes 100 B to 60 KB. */
static size_t make_au(int i, uint8_t *au) {
  static const uint8_t sps[] = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8};
  static const uint8_t pps[] = {0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
  size_t n = 0;
  bool idr = i % 25 == 0;
  if (idr) {
    memcpy(au, sps, sizeof sps);
    memcpy(au + sizeof sps, pps, sizeof pps);
    n = sizeof sps + sizeof pps;
  }
  size_t slice = idr ? 60000 : 100 + (size_t)(i * 7919 % 20000);
  au[n++] = 0, au[n++] = 0, au[n++] = 0, au[n++] = 1;
  au[n++] = idr ? 0x65 : 0x41;
  au[n++] = 0x88; /* first_mb_in_slice 0 */
  for (size_t k = 0; k < slice; k++) {
    uint8_t b = next_byte();
    au[n++] = b ? b : 1; /* no start-code emulation */
  }
  return n;
}

int main(int argc, char **argv) {
  (void)argc;
  loop = rtsp_poll_new();
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  rtsp_server *srv;
  CHECK_EQ_INT(rtsp_server_new(&cfg, &srv), 0);
  srv->rng = 0x0123456789abcdefull;
  rtsp_mount *m;
  rtsp_mount_config mc = {RTSP_VIDEO_H264, RTSP_AUDIO_PCMA};
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "wire", &mc, &m), 0);
  CHECK_EQ_INT(rtsp_server_listen(srv, &rtsp_poll_ops, loop), 0);
  int port = rtsp_server_port(srv);
  char url[128], req[1024], reply[8192], sess[64];
  snprintf(url, sizeof url, "rtsp://127.0.0.1:%d/wire", port);

  int t = tcp_connect(port);
  snprintf(req, sizeof req, "DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", url);
  request(t, req, reply, sizeof reply);
  snprintf(req, sizeof req,
           "SETUP %s/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n", url);
  request(t, req, reply, sizeof reply);
  session_of(reply, sess, sizeof sess);
  snprintf(
      req, sizeof req,
      "SETUP %s/trackID=1 RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n\r\n",
      url, sess);
  request(t, req, reply, sizeof reply);
  snprintf(req, sizeof req, "PLAY %s RTSP/1.0\r\nCSeq: 4\r\nSession: %s\r\n\r\n", url, sess);
  request(t, req, reply, sizeof reply);
  /* a small send buffer on the server's end too, or loopback takes a silent reader's whole share */
  int se = server_end(t), small = 8192;
  CHECK(se >= 0);
  if (se >= 0) CHECK_EQ_INT(setsockopt(se, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);

  int uc = tcp_connect(port), up[2], uv[2];
  uv[0] = udp_bind(&up[0]);
  uv[1] = udp_bind(&up[1]);
  snprintf(req, sizeof req,
           "SETUP %s/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=%d-%d\r\n\r\n", url, up[0],
           up[0] + 1);
  request(uc, req, reply, sizeof reply);
  session_of(reply, sess, sizeof sess);
  snprintf(
      req, sizeof req,
      "SETUP %s/trackID=1 RTSP/1.0\r\nCSeq: 2\r\nSession: %s\r\nTransport: RTP/AVP;unicast;client_port=%d-%d\r\n\r\n",
      url, sess, up[1], up[1] + 1);
  request(uc, req, reply, sizeof reply);
  snprintf(req, sizeof req, "PLAY %s RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\n\r\n", url, sess);
  request(uc, req, reply, sizeof reply);

  tcp_reader tr = {0};
  buf udpv = {0}, udpa = {0};
  int umarkers = 0;
  uint8_t *au = malloc(70000), g711[160];
  for (int i = 0, a = 0; i < NVIDEO; i++) {
    uint64_t pts = (uint64_t)i * 40000;
    size_t n = make_au(i, au);
    CHECK_EQ_INT(rtsp_mount_send_video(m, au, n, pts), 0);
    for (; a < NAUDIO && (uint64_t)a * 20000 <= pts; a++) {
      for (size_t k = 0; k < sizeof g711; k++) g711[k] = next_byte();
      CHECK_EQ_INT(rtsp_mount_send_audio(m, g711, sizeof g711, (uint64_t)a * 20000), 0);
    }
    pump(4);
    umarkers += udp_read(uv[0], &udpv);
    udp_read(uv[1], &udpa);
    if (i >= SILENT_UNTIL) tcp_read(t, &tr);
  }
  for (int i = 0; i < 5000 && (tr.markers < NVIDEO || tr.audio < NAUDIO); i++) {
    rtsp_poll_run_once(loop, 2);
    tcp_read(t, &tr);
  }
  pump(4);
  umarkers += udp_read(uv[0], &udpv);
  udp_read(uv[1], &udpa);

  /* every access unit and audio chunk, nothing dropped, in sequence */
  CHECK_EQ_INT(tr.markers, NVIDEO);
  CHECK_EQ_INT(tr.audio, NAUDIO);
  CHECK_EQ_INT(umarkers, NVIDEO);
  rtsp_stats st;
  rtsp_server_stats(srv, &st);
  CHECK_EQ_INT(st.drops, 0);
  check_sequence(tr.media.p, tr.media.len, true, 0);
  check_sequence(tr.media.p, tr.media.len, true, 2);
  check_sequence(udpv.p, udpv.len, false, 0);
  check_sequence(udpa.p, udpa.len, false, 0);
  CHECK(tr.media.len > 1000000);
  CHECK(udpv.len > 1000000);

  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  char path[256];
  snprintf(path, sizeof path, "%s.bin", name);
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    fwrite(tr.media.p, 1, tr.media.len, f);
    fwrite(udpv.p, 1, udpv.len, f);
    fwrite(udpa.p, 1, udpa.len, f);
    fclose(f);
  }
  printf("%s: %zu TCP media bytes, %zu + %zu UDP bytes\n", path, tr.media.len, udpv.len, udpa.len);

  free(au);
  free(tr.raw.p);
  free(tr.media.p);
  free(udpv.p);
  free(udpa.p);
  close(t);
  close(uc);
  close(uv[0]);
  close(uv[1]);
  rtsp_server_close(srv);
  rtsp_poll_free(loop);
  return check_failures ? 1 : 0;
}
