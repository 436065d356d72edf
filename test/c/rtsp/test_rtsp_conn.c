/*
 * The sans-I/O core driven directly: full sessions, the stream hub (drops and keyframe resume),
 * auth and session binding, timeouts with a fake clock, and every bad-input class of
 * media-anchors.md §3.4. Each case must end in a 4xx/5xx reply or a closed connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "rtsp/auth.h"
#include "rtsp/server.h"

static uint64_t fake_now = 1000000;
static uint64_t clock_fn(void *u) { return fake_now; }

typedef struct peer {
  char *out;
  size_t len, cap;
  size_t backlog; /* simulated unsent bytes */
  bool stalled;   /* everything sent stays in the backlog */
  bool closed;
  int udp_pkts[2], udp_rtcp;
  int udp_open_calls;
  int sendv_calls, udp_sendv_calls, udp_sendv_pkts;
  rtsp_conn *c;
} peer;

static int p_send(void *u, const void *b, size_t n) {
  peer *p = u;
  if (p->stalled) {
    p->backlog += n;
    return 0;
  }
  if (p->len + n + 1 > p->cap) {
    p->cap = (p->len + n + 1) * 2;
    p->out = realloc(p->out, p->cap);
  }
  memcpy(p->out + p->len, b, n);
  p->len += n;
  p->out[p->len] = 0;
  return 0;
}
static size_t p_backlog(void *u) { return ((peer *)u)->backlog; }
static int p_udp_open(void *u, int track, int a, int b, int sp[2]) {
  ((peer *)u)->udp_open_calls++;
  sp[0] = 7000 + track * 2;
  sp[1] = sp[0] + 1;
  return 0;
}
static int p_udp_send(void *u, int track, bool rtcp, const void *h, size_t hl, const void *pl, size_t pn) {
  peer *p = u;
  if (rtcp) p->udp_rtcp++;
  else p->udp_pkts[track]++;
  return 0;
}
static void p_close(void *u) { ((peer *)u)->closed = true; }
static const rtsp_conn_io io = {p_send, p_backlog, p_udp_open, p_udp_send, NULL, p_close};

/* The batched forms: one call per batch, the same bytes as the per-piece forms. */
static int p_sendv(void *u, const rtsp_iov *v, int n) {
  ((peer *)u)->sendv_calls++;
  for (int i = 0; i < n; i++) {
    int r = p_send(u, v[i].base, v[i].len);
    if (r) return r;
  }
  return 0;
}
static int p_udp_sendv(void *u, int track, const rtsp_iov *v, int npkts) {
  peer *p = u;
  p->udp_sendv_calls++;
  p->udp_sendv_pkts += npkts;
  for (int i = 0; i < npkts; i++) {
    CHECK_EQ_INT(v[2 * i].len, 12);
    p->udp_pkts[track]++;
  }
  return 0;
}
static const rtsp_conn_io io_batched = {p_send, p_backlog, p_udp_open, p_udp_send, NULL, p_close, p_sendv, p_udp_sendv};

static rtsp_server *srv;
static rtsp_mount *mount;
static int queue_frames = 8; /* mk_server's queue_max_frames */

static void mk_server(rtsp_auth_mode auth) {
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  cfg.now_us = clock_fn;
  cfg.auth = auth;
  cfg.username = "user";
  cfg.password = "pass";
  cfg.queue_max_frames = queue_frames;
  cfg.send_backlog_max = 1000;
  CHECK_EQ_INT(rtsp_server_new(&cfg, &srv), 0);
  rtsp_mount_config mc = {RTSP_VIDEO_H264, RTSP_AUDIO_PCMU};
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "live", &mc, &mount), 0);
}

static void connect_peer(peer *p) {
  memset(p, 0, sizeof *p);
  CHECK_EQ_INT(rtsp_conn_new(srv, &io, p, "127.0.0.1:1", &p->c), 0);
}

static void drop_peer(peer *p) {
  rtsp_conn_free(p->c);
  free(p->out);
  memset(p, 0, sizeof *p);
}

/* Sends a request, returns the status of the last reply (0 if none, -1 if closed w/o reply). */
static int req(peer *p, const char *s) {
  size_t before = p->len;
  rtsp_conn_feed(p->c, (const uint8_t *)s, strlen(s));
  const char *r = p->out ? p->out + before : NULL, *last = NULL;
  while (r && (r = strstr(r, "RTSP/1.0 ")) != NULL) last = r++;
  if (!last) return p->closed ? -1 : 0;
  return atoi(last + 9);
}

static void session_id(peer *p, char *id) {
  const char *s = NULL, *r = p->out;
  while ((r = strstr(r, "Session: ")) != NULL) s = r++;
  id[0] = 0;
  if (s) sscanf(s + 9, "%16[0-9a-f]", id);
}

static const uint8_t sps[] = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x40};
static const uint8_t pps[] = {0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
static const uint8_t idr[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0x44};
static const uint8_t pfr[] = {0, 0, 0, 1, 0x41, 0x9a, 0x02, 0x03};

static int count_interleaved(const char *out, size_t len, int ch) {
  int n = 0;
  for (size_t i = 0; i + 4 <= len;) {
    if (out[i] == '$') {
      size_t fl = (size_t)(uint8_t)out[i + 2] << 8 | (uint8_t)out[i + 3];
      if ((uint8_t)out[i + 1] == ch) n++;
      i += 4 + fl;
    } else {
      i++;
    }
  }
  return n;
}

static void play_tcp(peer *p, char *id) {
  CHECK_EQ_INT(req(p, "DESCRIBE rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 2\r\n\r\n"), 200);
  CHECK_EQ_INT(req(p,
                   "SETUP rtsp://127.0.0.1:8554/live/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"),
               200);
  session_id(p, id);
  CHECK(strlen(id) == 16);
  char b[256];
  snprintf(b, sizeof b, "PLAY rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nCSeq: 4\r\nSession: %s\r\nRange: npt=0-\r\n\r\n",
           id);
  CHECK_EQ_INT(req(p, b), 200);
}

/* The mount's parameter sets, then two TCP readers playing it. */
static void play_two(peer *a, peer *b) {
  rtsp_mount_send_video(mount, sps, sizeof sps, 0);
  rtsp_mount_send_video(mount, pps, sizeof pps, 0);
  char id[20];
  connect_peer(a);
  connect_peer(b);
  play_tcp(a, id);
  play_tcp(b, id);
}

static void test_flow(void) {
  mk_server(RTSP_AUTH_NONE);
  rtsp_mount_send_video(mount, sps, sizeof sps, 0); /* HEADER pack alone: cached */
  rtsp_mount_send_video(mount, pps, sizeof pps, 0);
  peer p;
  connect_peer(&p);
  CHECK_EQ_INT(req(&p, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"), 200);
  CHECK(strstr(p.out, "GET_PARAMETER") != NULL);
  char id[20];
  play_tcp(&p, id);
  CHECK(strstr(p.out, "sprop-parameter-sets=Z0LAHtlA,aM48gA==") != NULL);
  CHECK(strstr(p.out, "profile-level-id=42C01E") != NULL);
  CHECK(strstr(p.out, "Content-Base: rtsp://127.0.0.1:8554/live/\r\n") != NULL);
  CHECK(strstr(p.out, "RTP-Info: url=rtsp://127.0.0.1:8554/live/trackID=0;seq=") != NULL);
  CHECK(strstr(p.out, "Session: ") && strstr(p.out, ";timeout=60"));
  size_t mark = p.len;
  rtsp_mount_send_video(mount, pfr, sizeof pfr, 33333); /* before a keyframe: skipped */
  CHECK_EQ_INT(p.len, mark);
  rtsp_mount_send_video(mount, idr, sizeof idr, 66666);
  CHECK_EQ_INT(count_interleaved(p.out + mark, p.len - mark, 0), 3); /* SPS, PPS, IDR */
  CHECK_EQ_INT(rtsp_conn_drops(p.c), 0); /* what came before its first keyframe is no loss */
  rtsp_mount_send_video(mount, pfr, sizeof pfr, 100000);
  CHECK_EQ_INT(count_interleaved(p.out + mark, p.len - mark, 0), 4);
  fake_now += 6000000;
  rtsp_server_tick(srv); /* RTCP SR on channel 1 */
  CHECK_EQ_INT(count_interleaved(p.out + mark, p.len - mark, 1), 1);
  /* client RTCP RR over interleaved channel 1 counts as activity; RTP on ch 0 towards us ignored */
  uint8_t rr[] = {'$', 1, 0, 8, 0x80, 201, 0, 1, 0, 0, 0, 9};
  CHECK_EQ_INT(rtsp_conn_feed(p.c, rr, sizeof rr), 0);
  char b[256];
  snprintf(b, sizeof b, "GET_PARAMETER rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&p, b), 200);
  snprintf(b, sizeof b, "PAUSE rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 6\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&p, b), 200);
  mark = p.len;
  rtsp_mount_send_video(mount, idr, sizeof idr, 133333);
  CHECK_EQ_INT(p.len, mark); /* paused */
  snprintf(b, sizeof b, "PLAY rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 7\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&p, b), 200);
  snprintf(b, sizeof b, "TEARDOWN rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 8\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&p, b), 200);
  CHECK_EQ_INT(req(&p, b), 454); /* gone */
  rtsp_stats st;
  rtsp_server_stats(srv, &st);
  CHECK_EQ_INT(st.sessions, 0);
  CHECK_EQ_INT(st.playing, 0);
  CHECK(!p.closed);
  /* UDP with audio too; both tracks in one session (binary RTP above: restart the text log) */
  p.len = 0;
  p.out[0] = 0;
  CHECK_EQ_INT(req(&p,
                   "SETUP rtsp://127.0.0.1:8554/live/trackID=0 RTSP/1.0\r\nCSeq: 9\r\n"
                   "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"),
               200);
  CHECK(strstr(p.out, "server_port=7000-7001") != NULL);
  session_id(&p, id);
  snprintf(b, sizeof b,
           "SETUP rtsp://127.0.0.1:8554/live/trackID=1 RTSP/1.0\r\nCSeq: 10\r\nSession: %s\r\n"
           "Transport: RTP/AVP;unicast;client_port=5002-5003\r\n\r\n",
           id);
  CHECK_EQ_INT(req(&p, b), 200);
  CHECK_EQ_INT(req(&p, b), 455); /* SETUP twice for one track */
  snprintf(b, sizeof b, "PLAY rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 11\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&p, b), 200);
  CHECK(strstr(p.out, "trackID=1;seq=") != NULL);
  rtsp_mount_send_video(mount, idr, sizeof idr, 200000);
  uint8_t pcm[160];
  memset(pcm, 0xff, sizeof pcm);
  rtsp_mount_send_audio(mount, pcm, sizeof pcm, 200000);
  CHECK_EQ_INT(p.udp_pkts[0], 3);
  CHECK_EQ_INT(p.udp_pkts[1], 1);
  drop_peer(&p);
  rtsp_server_close(srv);
}

static void test_hub_slow_reader(void) {
  mk_server(RTSP_AUTH_NONE);
  peer fast, slow;
  play_two(&fast, &slow);
  slow.stalled = true;
  slow.backlog = 5000; /* above send_backlog_max: the core stops pulling */
  int frames = 60;
  for (int i = 0; i < frames; i++) {
    const uint8_t *f = i % 30 == 0 ? idr : pfr;
    CHECK_EQ_INT(rtsp_mount_send_video(mount, f, i % 30 == 0 ? sizeof idr : sizeof pfr, (uint64_t)i * 33333), 0);
  }
  /* the fast reader got every frame: 2 IDR (3 pkts each) + 58 P */
  CHECK_EQ_INT(count_interleaved(fast.out, fast.len, 0), 2 * 3 + 58);
  CHECK_EQ_INT(rtsp_conn_drops(fast.c), 0);
  /* the slow one: queue of 8 frames, then drops until it resumes at a keyframe */
  CHECK(rtsp_conn_drops(slow.c) >= (uint64_t)(frames - 8 - 1));
  rtsp_mount_stats ms;
  rtsp_mount_get_stats(mount, &ms);
  CHECK_EQ_INT(ms.readers, 2);
  /* unblock it: it drains its queue, then drops P-frames until the next IDR */
  slow.stalled = false;
  slow.backlog = 0;
  rtsp_conn_writable(slow.c);
  size_t mark = slow.len;
  rtsp_mount_send_video(mount, pfr, sizeof pfr, 61 * 33333);
  CHECK_EQ_INT(slow.len, mark); /* still waiting for a keyframe */
  rtsp_mount_send_video(mount, idr, sizeof idr, 62 * 33333);
  CHECK_EQ_INT(count_interleaved(slow.out + mark, slow.len - mark, 0), 3);
  drop_peer(&fast);
  drop_peer(&slow);
  rtsp_server_close(srv);
}

/* RTP timestamps and sequence numbers of the interleaved packets on channel 0 (at most max). */
static int rtp_packets(const char *out, size_t len, uint32_t *ts, int *seq, int max) {
  int n = 0;
  const uint8_t *b = (const uint8_t *)out;
  for (size_t i = 0; i + 16 <= len && n < max;) {
    size_t fl = (size_t)b[i + 2] << 8 | b[i + 3];
    if (b[i] != '$' || i + 4 + fl > len) break;
    if (b[i + 1] == 0) {
      seq[n] = b[i + 6] << 8 | b[i + 7];
      ts[n++] = (uint32_t)b[i + 8] << 24 | (uint32_t)b[i + 9] << 16 | (uint32_t)b[i + 10] << 8 | b[i + 11];
    }
    i += 4 + fl;
  }
  return n;
}

/* A reader that falls behind queues more frames than the session holds inline: the ring grows
 * while its head is mid-way (the queued frames wrap around its end), and once the reader
 * catches up it gets every frame, in order, one sequence number after the other, none dropped. */
static void test_hub_queue_grows(void) {
  queue_frames = 64;
  mk_server(RTSP_AUTH_NONE);
  queue_frames = 8;
  peer fast, slow;
  play_two(&fast, &slow);
  static uint8_t fr[600]; /* one RTP packet each; two of them pass send_backlog_max (1000) */
  memset(fr, 0x22, sizeof fr);
  memcpy(fr, idr, 5);
  enum { QUEUED = 6, MORE = 40 };
  size_t mark_fast = fast.len;
  slow.backlog = 5000; /* behind: nothing leaves */
  int frame = 0;
  for (; frame < QUEUED; frame++) {
    fr[4] = frame == 0 ? 0x65 : 0x41;
    CHECK_EQ_INT(rtsp_mount_send_video(mount, fr, sizeof fr, (uint64_t)frame * 33333), 0);
  }
  /* room for a little: two frames leave (into the void: the peer is stalled), the ring's head
   * moves on with four still queued */
  slow.stalled = true;
  slow.backlog = 0;
  rtsp_conn_writable(slow.c);
  size_t mark = slow.len;
  for (; frame < QUEUED + MORE; frame++) {
    fr[4] = 0x41;
    CHECK_EQ_INT(rtsp_mount_send_video(mount, fr, sizeof fr, (uint64_t)frame * 33333), 0);
  }
  CHECK_EQ_INT(slow.len, mark);
  CHECK_EQ_INT(rtsp_conn_drops(slow.c), 0);
  slow.stalled = false;
  slow.backlog = 0;
  rtsp_conn_writable(slow.c);
  CHECK_EQ_INT(rtsp_conn_drops(slow.c), 0);
  enum { N = QUEUED + MORE };
  uint32_t ts[N + 3], fts[N + 3];
  int seq[N + 3], fseq[N + 3];
  int n = rtp_packets(slow.out + mark, slow.len - mark, ts, seq, N + 3);
  int fn = rtp_packets(fast.out + mark_fast, fast.len - mark_fast, fts, fseq, N + 3);
  CHECK_EQ_INT(fn, N + 2); /* SPS and PPS go before the keyframe */
  CHECK_EQ_INT(n, N - 2);  /* all but the two frames that left while it was stalled */
  for (int i = 0; i < n && fn == N + 2; i++) {
    CHECK_EQ_INT(ts[i], fts[i + 4]); /* the same frame as the fast reader's, in order */
    if (i) CHECK_EQ_INT(seq[i], (seq[i - 1] + 1) & 0xffff);
  }
  CHECK(fts[4] != fts[3]); /* the packets compared are frames 2.. (frame 0 was 3 packets) */
  drop_peer(&fast);
  drop_peer(&slow);
  rtsp_server_close(srv);
}

static int pause_tcp(peer *p, const char *id) {
  char b[256];
  snprintf(b, sizeof b, "PAUSE rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nCSeq: 5\r\nSession: %s\r\n\r\n", id);
  return req(p, b);
}

/* Readers leave from the middle of the mount's reader array (the last one takes the slot), the
 * moved one leaves next, one comes back: every reader still playing gets every frame, once, and
 * those that left get none. */
static void test_hub_readers_leave(void) {
  mk_server(RTSP_AUTH_NONE);
  rtsp_mount_send_video(mount, sps, sizeof sps, 0);
  rtsp_mount_send_video(mount, pps, sizeof pps, 0);
  enum { N = 5 };
  peer p[N];
  char id[N][20];
  for (int i = 0; i < N; i++) {
    connect_peer(&p[i]);
    play_tcp(&p[i], id[i]);
  }
  CHECK_EQ_INT(pause_tcp(&p[1], id[1]), 200); /* the last reader (4) moves into its slot */
  CHECK_EQ_INT(pause_tcp(&p[4], id[4]), 200); /* ... and leaves from there */
  CHECK_EQ_INT(pause_tcp(&p[4], id[4]), 200); /* paused twice: nothing more to remove */
  rtsp_mount_stats ms;
  rtsp_mount_get_stats(mount, &ms);
  CHECK_EQ_INT(ms.readers, N - 2);
  size_t mark[N];
  for (int i = 0; i < N; i++) mark[i] = p[i].len;
  for (int i = 0; i < 30; i++) {
    const uint8_t *f = i == 0 ? idr : pfr;
    CHECK_EQ_INT(rtsp_mount_send_video(mount, f, i == 0 ? sizeof idr : sizeof pfr, (uint64_t)i * 33333), 0);
  }
  for (int i = 0; i < N; i++)
    CHECK_EQ_INT(count_interleaved(p[i].out + mark[i], p[i].len - mark[i], 0), i == 1 || i == 4 ? 0 : 3 + 29);
  char b[256]; /* reader 1 plays again: back in the array, from the next keyframe */
  snprintf(b, sizeof b, "PLAY rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nCSeq: 6\r\nSession: %s\r\n\r\n", id[1]);
  CHECK_EQ_INT(req(&p[1], b), 200);
  rtsp_mount_get_stats(mount, &ms);
  CHECK_EQ_INT(ms.readers, N - 1);
  for (int i = 0; i < N; i++) mark[i] = p[i].len;
  CHECK_EQ_INT(rtsp_mount_send_video(mount, idr, sizeof idr, 30 * 33333), 0);
  for (int i = 0; i < N; i++)
    CHECK_EQ_INT(count_interleaved(p[i].out + mark[i], p[i].len - mark[i], 0), i == 4 ? 0 : 3);
  for (int i = 0; i < N; i++) drop_peer(&p[i]);
  rtsp_mount_get_stats(mount, &ms);
  CHECK_EQ_INT(ms.readers, 0);
  rtsp_server_close(srv);
}

/* A frame leaves in one sendv()/udp_sendv() call per reader, with the same packets as the
 * per-piece path apart from each reader's own sequence numbers. */
static void test_batched_io(void) {
  mk_server(RTSP_AUTH_NONE);
  rtsp_mount_send_video(mount, sps, sizeof sps, 0);
  rtsp_mount_send_video(mount, pps, sizeof pps, 0);
  peer a, b;
  char id[20];
  connect_peer(&a);
  memset(&b, 0, sizeof b);
  CHECK_EQ_INT(rtsp_conn_new(srv, &io_batched, &b, "127.0.0.1:2", &b.c), 0);
  play_tcp(&a, id);
  play_tcp(&b, id);
  size_t ma = a.len, mb = b.len;
  static uint8_t big[4 + 20000]; /* an IDR of ~15 FU-A packets at MTU 1400 */
  memset(big, 0x11, sizeof big);
  memcpy(big, idr, 5);
  CHECK_EQ_INT(rtsp_mount_send_video(mount, big, sizeof big, 0), 0);
  CHECK_EQ_INT(rtsp_mount_send_video(mount, pfr, sizeof pfr, 33333), 0);
  CHECK_EQ_INT(b.sendv_calls, 2);
  CHECK_EQ_INT(a.len - ma, b.len - mb);
  int npk = count_interleaved(b.out + mb, b.len - mb, 0);
  CHECK(npk >= 17);
  CHECK_EQ_INT(count_interleaved(a.out + ma, a.len - ma, 0), npk);
  /* walk both streams: same prefixes and payloads; b's sequence numbers go up by one */
  const uint8_t *pa = (const uint8_t *)a.out + ma, *pb = (const uint8_t *)b.out + mb;
  size_t left = b.len - mb;
  int prev = -1;
  while (left >= 16) {
    size_t fl = (size_t)pb[2] << 8 | pb[3];
    CHECK(pb[0] == '$' && fl + 4 <= left);
    CHECK(memcmp(pa, pb, 6) == 0);
    CHECK(memcmp(pa + 8, pb + 8, fl - 4) == 0);
    int seq = pb[6] << 8 | pb[7];
    if (prev >= 0) CHECK_EQ_INT(seq, (prev + 1) & 0xffff);
    prev = seq;
    pa += 4 + fl;
    pb += 4 + fl;
    left -= 4 + fl;
  }
  CHECK_EQ_INT(left, 0);
  /* a backlogged reader stops pulling, then sends what is queued in one batch */
  b.backlog = 5000;
  mb = b.len;
  CHECK_EQ_INT(rtsp_mount_send_video(mount, pfr, sizeof pfr, 66666), 0);
  CHECK_EQ_INT(rtsp_mount_send_video(mount, pfr, sizeof pfr, 99999), 0);
  CHECK_EQ_INT(b.len, mb);
  b.backlog = 0;
  rtsp_conn_writable(b.c);
  CHECK_EQ_INT(b.sendv_calls, 3);
  CHECK_EQ_INT(count_interleaved(b.out + mb, b.len - mb, 0), 2);
  drop_peer(&a);
  drop_peer(&b);
  /* UDP: one call per frame */
  connect_peer(&a);
  rtsp_conn_free(a.c);
  CHECK_EQ_INT(rtsp_conn_new(srv, &io_batched, &a, "127.0.0.1:3", &a.c), 0);
  CHECK_EQ_INT(req(&a,
                   "SETUP rtsp://127.0.0.1:8554/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n"
                   "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"),
               200);
  session_id(&a, id);
  char r[256];
  snprintf(r, sizeof r, "PLAY rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 2\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&a, r), 200);
  CHECK_EQ_INT(rtsp_mount_send_video(mount, big, sizeof big, 133333), 0);
  CHECK_EQ_INT(a.udp_sendv_calls, 1);
  CHECK_EQ_INT(a.udp_sendv_pkts, npk - 1); /* SPS, PPS and the IDR (npk had the P-frame too) */
  CHECK_EQ_INT(a.udp_pkts[0], a.udp_sendv_pkts);
  drop_peer(&a);
  rtsp_server_close(srv);
}

static void test_auth_and_binding(void) {
  mk_server(RTSP_AUTH_DIGEST);
  peer a, b;
  connect_peer(&a);
  connect_peer(&b);
  CHECK_EQ_INT(req(&a, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"), 200);
  CHECK_EQ_INT(req(&a, "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 2\r\n\r\n"), 401);
  const char *wa = strstr(a.out, "nonce=\"");
  CHECK(wa != NULL);
  char nonce[64] = "";
  if (wa) sscanf(wa + 7, "%63[0-9a-f]", nonce);
  char resp[33], r[1024];
  rtsp_digest_response("user", "k230js", "pass", "DESCRIBE", "rtsp://h/live", nonce, NULL, NULL, NULL, resp);
  snprintf(r, sizeof r,
           "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Digest username=\"user\", "
           "realm=\"k230js\", nonce=\"%s\", uri=\"rtsp://h/live\", response=\"%s\"\r\n\r\n",
           nonce, resp);
  CHECK_EQ_INT(req(&a, r), 200);
  /* same credentials, another connection: its nonce differs -> 401 */
  CHECK_EQ_INT(req(&b, r), 401);
  /* wrong uri in the digest vs the request line */
  snprintf(r, sizeof r,
           "DESCRIBE rtsp://h/other RTSP/1.0\r\nCSeq: 4\r\nAuthorization: Digest username=\"user\", "
           "realm=\"k230js\", nonce=\"%s\", uri=\"rtsp://h/live\", response=\"%s\"\r\n\r\n",
           nonce, resp);
  CHECK_EQ_INT(req(&a, r), 401);
  /* NUL inside Authorization: rejected by the parser, connection closed */
  static const char nul[] =
      "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 5\r\nAuthorization: Digest username=\"us\0er\"\r\n\r\n";
  rtsp_conn_feed(b.c, (const uint8_t *)nul, sizeof nul - 1);
  CHECK(b.closed);
  drop_peer(&b);
  /* session bound to conn a: SETUP on a, PLAY with that id from c (authenticated) -> 454 */
  rtsp_digest_response("user", "k230js", "pass", "SETUP", "rtsp://h/live/trackID=0", nonce, NULL, NULL, NULL, resp);
  snprintf(r, sizeof r,
           "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 6\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n"
           "Authorization: Digest username=\"user\", realm=\"k230js\", nonce=\"%s\", uri=\"rtsp://h/live/trackID=0\", "
           "response=\"%s\"\r\n\r\n",
           nonce, resp);
  CHECK_EQ_INT(req(&a, r), 200);
  char id[20];
  session_id(&a, id);
  peer c;
  connect_peer(&c);
  req(&c, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  CHECK_EQ_INT(req(&c, "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 2\r\n\r\n"), 401);
  wa = strstr(c.out, "nonce=\"");
  char nonce2[64] = "";
  if (wa) sscanf(wa + 7, "%63[0-9a-f]", nonce2);
  rtsp_digest_response("user", "k230js", "pass", "PLAY", "rtsp://h/live", nonce2, NULL, NULL, NULL, resp);
  snprintf(r, sizeof r,
           "PLAY rtsp://h/live RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\nAuthorization: Digest username=\"user\", "
           "realm=\"k230js\", nonce=\"%s\", uri=\"rtsp://h/live\", response=\"%s\"\r\n\r\n",
           id, nonce2, resp);
  CHECK_EQ_INT(req(&c, r), 454);
  /* unauthenticated replay of the id on a new connection */
  peer d;
  connect_peer(&d);
  snprintf(r, sizeof r, "TEARDOWN rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nSession: %s\r\n\r\n", id);
  CHECK_EQ_INT(req(&d, r), 401);
  rtsp_stats st;
  rtsp_server_stats(srv, &st);
  CHECK_EQ_INT(st.sessions, 1); /* the victim's session is intact */
  drop_peer(&a);
  drop_peer(&c);
  drop_peer(&d);
  rtsp_server_close(srv);

  /* Basic */
  mk_server(RTSP_AUTH_BASIC);
  connect_peer(&a);
  CHECK_EQ_INT(req(&a, "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"), 200);
  CHECK_EQ_INT(req(&a, "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 2\r\nAuthorization: Basic dXNlcjp3cm9uZw==\r\n\r\n"),
               401);
  CHECK(strstr(a.out, "WWW-Authenticate: Basic realm=\"k230js\"") != NULL);
  drop_peer(&a);
  rtsp_server_close(srv);
}

/* One bad input on a fresh connection: a 4xx/5xx reply or a close, never a 2xx. */
static void bad(const char *name, const void *data, size_t n, int want) {
  peer p;
  connect_peer(&p);
  rtsp_conn_feed(p.c, data, n);
  const char *r = p.out ? strstr(p.out, "RTSP/1.0 ") : NULL;
  int status = r ? atoi(r + 9) : (p.closed ? -1 : 0);
  bool ok = want ? status == want : (status >= 400 || p.closed);
  if (!ok) fprintf(stderr, "bad input '%s': status %d closed %d\n", name, status, p.closed);
  CHECK(ok);
  drop_peer(&p);
}
#define BAD(name, lit, want) bad(name, lit, sizeof(lit) - 1, want)

static void test_bad_inputs(void) {
  mk_server(RTSP_AUTH_NONE);
  BAD("leading space", " OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400);
  BAD("leading tab", "\tOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400);
  BAD("no version", "OPTIONS *\r\nCSeq: 1\r\n\r\n", 400);
  BAD("garbage", "\x01\x02\x03\x04 hello\r\n\r\n", 400);
  BAD("missing cseq", "OPTIONS * RTSP/1.0\r\n\r\n", 400);
  BAD("nul in request line", "OPT\0IONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400);
  BAD("nul in cseq", "OPTIONS * RTSP/1.0\r\nCSeq: 1\0\r\n\r\n", 400);
  BAD("dup cseq", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n", 400);
  BAD("neg content-length", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n", 400);
  BAD("huge content-length", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 4294967296\r\n\r\n", 400);
  BAD("big content-length", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 20000\r\n\r\n", 413);
  BAD("dup content-length", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1\r\nContent-Length: 9\r\n\r\nx",
      400);
  BAD("version", "OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n", 505);
  BAD("unknown method", "FOO * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 501);
  BAD("announce", "ANNOUNCE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\n\r\n", 405);
  BAD("require", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: implicit-play\r\n\r\n", 551);
  BAD("play without setup", "PLAY rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\n\r\n", 454);
  BAD("pause without setup", "PAUSE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nSession: 1234\r\n\r\n", 454);
  BAD("teardown without setup", "TEARDOWN rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nSession: 1234\r\n\r\n", 454);
  BAD("setup no transport", "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n\r\n", 461);
  BAD("client_port 0",
      "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=0-1\r\n\r\n", 461);
  BAD("odd/even mismatch",
      "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=5000-5003\r\n\r\n",
      461);
  BAD("port > 65535",
      "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=65536-65537\r\n\r\n",
      461);
  BAD("interleaved 255-256",
      "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;interleaved=255-256\r\n\r\n", 461);
  BAD("multicast", "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;multicast\r\n\r\n", 461);
  BAD("unknown lower", "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/SCTP;unicast\r\n\r\n",
      461);
  BAD("destination",
      "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: "
      "RTP/AVP;unicast;destination=10.0.0.1;client_port=5000-5001\r\n\r\n",
      461);
  BAD("no such mount", "DESCRIBE rtsp://h/nope RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404);
  BAD("dotdot", "DESCRIBE rtsp://h/../live RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404);
  BAD("percent", "DESCRIBE rtsp://h/l%69ve RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404);
  BAD("bad track", "SETUP rtsp://h/live/trackID=7 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP\r\n\r\n", 404);
  BAD("clock range", "PLAY rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nSession: x\r\nRange: clock=19961108T142300Z-\r\n\r\n",
      454);
  BAD("set_parameter body", "SET_PARAMETER rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\nx=1", 451);
  {
    /* CR-only line ends never complete a request: the request timeout closes the connection */
    peer q;
    connect_peer(&q);
    req(&q, "OPTIONS * RTSP/1.0\rCSeq: 1\r\r");
    fake_now += 11 * 1000000ull;
    rtsp_server_tick(srv);
    CHECK(q.closed);
    drop_peer(&q);
  }
  char *big = malloc(40000);
  strcpy(big, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ");
  size_t bl = strlen(big);
  memset(big + bl, 'a', 30000);
  bad("huge header", big, bl + 30000, 400);
  strcpy(big, "OPTIONS ");
  memset(big + 8, 'a', 30000);
  bad("huge request line", big, 30008, 400);
  strcpy(big, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n");
  for (int i = 0; i < 1000; i++) strcat(big, "A: b\r\n");
  strcat(big, "\r\n");
  bad("1000 headers", big, strlen(big), 400);
  free(big);

  /* interleaved frames before SETUP, zero length, unknown channels, then a valid request */
  peer p;
  connect_peer(&p);
  uint8_t fr[] = {'$', 0, 0, 0, '$', 9, 0, 2, 1, 2, '$', 255, 0, 1, 7};
  CHECK_EQ_INT(rtsp_conn_feed(p.c, fr, sizeof fr), 0);
  CHECK_EQ_INT(req(&p, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"), 200);
  /* length 0xFFFF with short data, then the rest arrives: skipped without buffering */
  uint8_t big_fr[4 + 100] = {'$', 0, 0xff, 0xff};
  CHECK_EQ_INT(rtsp_conn_feed(p.c, big_fr, sizeof big_fr), 0);
  uint8_t *rest = calloc(1, 0xffff - 100);
  CHECK_EQ_INT(rtsp_conn_feed(p.c, rest, 0xffff - 100), 0);
  free(rest);
  CHECK_EQ_INT(req(&p, "OPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n"), 200);
  /* '$' in the middle of a header: it is just a byte of the header */
  CHECK_EQ_INT(req(&p, "OPTIONS * RTSP/1.0\r\nCSeq: 3\r\nX: a$b\r\n\r\n"), 200);
  /* pipelined requests in one segment */
  size_t mark = p.len;
  req(&p, "OPTIONS * RTSP/1.0\r\nCSeq: 4\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 5\r\n\r\n");
  CHECK(strstr(p.out + mark, "CSeq: 4") && strstr(p.out + mark, "CSeq: 5"));
  /* one request split byte by byte (slowloris-style delivery, but completing) */
  const char *s = "OPTIONS * RTSP/1.0\r\nCSeq: 6\r\n\r\n";
  mark = p.len;
  for (const char *c = s; *c; c++) rtsp_conn_feed(p.c, (const uint8_t *)c, 1);
  CHECK(strstr(p.out + mark, "CSeq: 6") != NULL);
  /* body never sent: the request timeout closes it */
  req(&p, "SET_PARAMETER * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 100\r\n\r\nabc");
  CHECK(!p.closed);
  fake_now += 11 * 1000000ull;
  rtsp_server_tick(srv);
  CHECK(p.closed);
  drop_peer(&p);

  /* SETUP/TEARDOWN cycles and the per-connection session cap */
  connect_peer(&p);
  for (int i = 0; i < 200; i++) {
    CHECK_EQ_INT(req(&p, "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP\r\n\r\n"), 200);
    char id[20], r[256];
    session_id(&p, id);
    snprintf(r, sizeof r, "TEARDOWN rtsp://h/live RTSP/1.0\r\nCSeq: 2\r\nSession: %s\r\n\r\n", id);
    CHECK_EQ_INT(req(&p, r), 200);
    p.len = 0;
  }
  for (int i = 0; i < 4; i++)
    CHECK_EQ_INT(req(&p, "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP\r\n\r\n"), 200);
  CHECK_EQ_INT(req(&p, "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP\r\n\r\n"), 453);
  /* interleaved channel conflicts */
  drop_peer(&p);
  connect_peer(&p);
  CHECK_EQ_INT(
      req(&p, "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;interleaved=4-5\r\n\r\n"),
      200);
  CHECK_EQ_INT(
      req(&p, "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;interleaved=4-5\r\n\r\n"),
      461);
  /* idle session timeout */
  fake_now += 61 * 1000000ull;
  rtsp_server_tick(srv);
  CHECK(p.closed);
  drop_peer(&p);
  /* connection cap */
  rtsp_stats st;
  rtsp_server_stats(srv, &st);
  CHECK_EQ_INT(st.conns, 0);
  CHECK_EQ_INT(st.sessions, 0);
  rtsp_server_close(srv);
}

static void test_remove_mount(void) {
  mk_server(RTSP_AUTH_NONE);
  peer p;
  char id[20];
  connect_peer(&p);
  play_tcp(&p, id);
  rtsp_mount_send_video(mount, idr, sizeof idr, 0);
  size_t mark = p.len;
  rtsp_server_remove_mount(srv, mount);
  CHECK_EQ_INT(count_interleaved(p.out + mark, p.len - mark, 1), 1); /* BYE */
  CHECK(!p.closed);                                                  /* the client gets a moment to act on the BYE */
  fake_now += 1000000;
  rtsp_server_tick(srv);
  CHECK(!p.closed);
  fake_now += 1500000;
  rtsp_server_tick(srv);
  CHECK(p.closed);
  drop_peer(&p);
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "../x", &(rtsp_mount_config){RTSP_VIDEO_H264, 0}, NULL), ERR_EINVAL);
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "a", &(rtsp_mount_config){0, 0}, NULL), ERR_EINVAL);
  rtsp_server_close(srv);
}

int main(void) {
  test_flow();
  test_hub_slow_reader();
  test_hub_readers_leave();
  test_hub_queue_grows();
  test_batched_io();
  test_auth_and_binding();
  test_bad_inputs();
  test_remove_mount();
  return CHECK_DONE();
}
