/*
 * Table-driven tests of the response parser (rtsp_response_parse, which the pusher reads its
 * server's replies with) and of the pusher's handshake on top of it. Every row is also a seed
 * of the rtsp_response fuzz corpus: `test_rtsp_response --write-corpus DIR` writes them, and the
 * normal run checks that each seed is checked in (so table and corpus cannot drift apart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "rtsp/message.h"
#include "rtsp/pusher.h"

typedef struct row {
  const char *in;
  int ret;            /* > 0: consumed == strlen(in) - ret_short; 0 incomplete; < 0 the error */
  int status;         /* when parsed */
  long cseq;          /* when parsed */
  const char *header; /* a header to look up, or NULL */
  const char *value;  /* its expected value */
} row;

#define OK 1
static const row rows[] = {
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, ANNOUNCE, RECORD\r\n\r\n", OK, 200, 1, "public",
     "OPTIONS, ANNOUNCE, RECORD"},
    {"RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 7a3b;timeout=60\r\n"
     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n",
     OK, 200, 4, "Session", "7a3b;timeout=60"},
    {"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n"
     "WWW-Authenticate: Basic realm=\"r\"\r\n\r\n",
     OK, 401, 2, "WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\""},
    {"RTSP/1.0 404 Not Found\r\nCSeq: 3\r\n\r\n", OK, 404, 3, NULL, NULL},
    {"RTSP/1.0 200 OK\nCSeq: 5\n\n", OK, 200, 5, NULL, NULL},                                /* bare LF */
    {"RTSP/1.0 200\r\nCSeq: 5\r\n\r\n", OK, 200, 5, NULL, NULL},                             /* no reason */
    {"RTSP/1.0 200 OK\r\nCSeq: 6\r\nContent-Length: 4\r\n\r\nabcd", OK, 200, 6, NULL, NULL}, /* body */
    {"RTSP/1.0 200 OK\r\nCSeq: 6\r\nContent-Length: 4\r\n\r\nab", 0, 0, 0, NULL, NULL},      /* body pending */
    {"RTSP/1.0 200 OK\r\nCSeq: 7\r\n", 0, 0, 0, NULL, NULL},                                 /* headers pending */
    {"RTSP/1.0 200 OK\r\n\r\n", OK, 200, -1, NULL, NULL},                                    /* no CSeq */
    {"HTTP/1.1 200 OK\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/2.0 200 OK\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 20 OK\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 2000 OK\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 099 Low\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 abc OK\r\nCSeq: 1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: x\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nNoColon\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\n folded\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n", ERR_ELIMIT, 0, 0, NULL, NULL},
    {"RTSP/1.0 200 OK\r\nCSeq: 1\rX: y\r\n\r\n", ERR_EBADDATA, 0, 0, NULL, NULL},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

static int parse(const char *in, rtsp_response *r) {
  static char scratch[16384];
  rtsp_limits lim = RTSP_LIMITS_DEFAULT;
  return rtsp_response_parse((const uint8_t *)in, strlen(in), &lim, scratch, sizeof scratch, r);
}

static void check_row(int i, const row *w) {
  rtsp_response r;
  int n = parse(w->in, &r);
  if (w->ret == OK ? n != (int)strlen(w->in) : n != w->ret) fprintf(stderr, "row %d: %d\n", i, n);
  if (w->ret != OK) {
    CHECK_EQ_INT(n, w->ret);
    return;
  }
  CHECK_EQ_INT(n, (int)strlen(w->in));
  CHECK_EQ_INT(r.status, w->status);
  CHECK_EQ_INT(r.cseq, w->cseq);
  if (w->header) CHECK_EQ_STR(rtsp_header_find(r.headers, r.nheaders, w->header), w->value);
}

static void test_corpus(const char *dir, int write) {
  int missing = 0;
  for (int i = 0; i < NROWS; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/resp_%02d", dir, i);
    size_t n = strlen(rows[i].in);
    if (write) {
      FILE *f = fopen(path, "wb");
      if (!f) continue;
      fwrite(rows[i].in, 1, n, f);
      fclose(f);
      continue;
    }
    FILE *f = fopen(path, "rb");
    char got[1024];
    size_t k = f ? fread(got, 1, sizeof got, f) : 0;
    if (f) fclose(f);
    if (k != n || memcmp(got, rows[i].in, k) != 0) missing++;
  }
  if (!write) CHECK_EQ_INT(missing, 0); /* regenerate with --write-corpus */
}

/* ---- the pusher's handshake on the parser ---- */

typedef struct sink {
  char out[65536];
  size_t len;
  int state, status, code;
} sink;

static int s_sendv(void *u, const rtsp_iov *v, int n) {
  sink *s = u;
  for (int i = 0; i < n; i++) {
    if (s->len + v[i].len >= sizeof s->out) return ERR_ENOMEM;
    memcpy(s->out + s->len, v[i].base, v[i].len);
    s->len += v[i].len;
  }
  s->out[s->len] = 0;
  return 0;
}

static void s_state(void *u, rtsp_push_state st, int status, int code) {
  sink *s = u;
  s->state = st;
  s->status = status;
  s->code = code;
}

static rtsp_pusher *mk_pusher(sink *s, const char *url) {
  memset(s, 0, sizeof *s);
  rtsp_pusher_config cfg = {0};
  cfg.url = url;
  cfg.video = RTSP_VIDEO_H264;
  cfg.sendv = s_sendv;
  cfg.on_state = s_state;
  cfg.user = s;
  rtsp_pusher *p;
  CHECK_EQ_INT(rtsp_pusher_new(&cfg, &p), 0);
  CHECK_EQ_INT(rtsp_pusher_start(p), 0);
  return p;
}

static int feed(rtsp_pusher *p, const char *s) { return rtsp_pusher_feed(p, (const uint8_t *)s, strlen(s)); }

/* The reply to the last request, byte by byte across feeds. */
static void test_handshake(void) {
  sink s;
  rtsp_pusher *p = mk_pusher(&s, "rtsp://u:pw@127.0.0.1:8554/pub");
  CHECK(strstr(s.out, "OPTIONS rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nCSeq: 1\r\n") != NULL);
  const char *r1 = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, ANNOUNCE, SETUP, RECORD, GET_PARAMETER\r\n\r\n";
  for (const char *c = r1; *c; c++) CHECK_EQ_INT(rtsp_pusher_feed(p, (const uint8_t *)c, 1), 0);
  CHECK(strstr(s.out, "ANNOUNCE rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nCSeq: 2\r\n") != NULL);
  /* a 401 is answered once with Digest credentials */
  s.len = 0;
  CHECK_EQ_INT(feed(p,
                    "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
                    "WWW-Authenticate: Digest realm=\"k\", nonce=\"abc\", qop=\"auth\"\r\n\r\n"),
               0);
  CHECK(strstr(s.out, "Authorization: Digest username=\"u\", realm=\"k\", nonce=\"abc\"") != NULL);
  CHECK(strstr(s.out, "qop=auth, nc=00000001") != NULL);
  /* an RTCP frame from the server between replies is skipped */
  static const uint8_t rtcp[] = {'$', 1, 0, 4, 0x81, 0xc9, 0, 0};
  CHECK_EQ_INT(rtsp_pusher_feed(p, rtcp, sizeof rtcp), 0);
  CHECK_EQ_INT(feed(p, "RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n"), 0);
  CHECK(strstr(s.out, "SETUP rtsp://127.0.0.1:8554/pub/trackID=0 RTSP/1.0") != NULL);
  CHECK(strstr(s.out, "interleaved=0-1;mode=record") != NULL);
  CHECK_EQ_INT(feed(p,
                    "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 12ab;timeout=30\r\n"
                    "Transport: RTP/AVP/TCP;unicast;interleaved=4-5;mode=record\r\n\r\n"),
               0);
  CHECK(strstr(s.out, "RECORD rtsp://127.0.0.1:8554/pub RTSP/1.0") != NULL);
  CHECK(strstr(s.out, "Session: 12ab\r\n") != NULL);
  CHECK_EQ_INT(feed(p, "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 12ab\r\n\r\n"), 0);
  CHECK_EQ_INT(s.state, RTSP_PUSH_RECORDING);
  /* media leaves on the channel the server chose */
  static const uint8_t idr[] = {0, 0,    0,    1,    0x67, 0x42, 0, 0x1e, 0x40, 0,    0,    0,
                                1, 0x68, 0xce, 0x38, 0,    0,    0, 1,    0x65, 0x88, 0x84, 0x21};
  s.len = 0;
  CHECK_EQ_INT(rtsp_pusher_send_video(p, idr, sizeof idr, 0), 0);
  CHECK(s.len > 4 && s.out[0] == '$' && s.out[1] == 4);
  rtsp_pusher_stats st;
  rtsp_pusher_get_stats(p, &st);
  CHECK_EQ_INT(st.frames_sent, 1);
  CHECK_EQ_INT(st.packets_sent, 3); /* SPS, PPS, IDR */
  CHECK_EQ_INT(st.bytes_sent, s.len);
  rtsp_pusher_free(p);

  /* a malformed reply fails the pusher with ERR_EBADDATA; a non-2xx one with the status */
  p = mk_pusher(&s, "rtsp://127.0.0.1/x");
  CHECK(feed(p, "RTSP/1.0 2x0 OK\r\nCSeq: 1\r\n\r\n") < 0);
  CHECK_EQ_INT(s.state, RTSP_PUSH_FAILED);
  CHECK_EQ_INT(s.code, ERR_EBADDATA);
  rtsp_pusher_free(p);
  p = mk_pusher(&s, "rtsp://127.0.0.1/x");
  CHECK(feed(p, "RTSP/1.0 454 Session Not Found\r\nCSeq: 1\r\n\r\n") < 0);
  CHECK_EQ_INT(s.state, RTSP_PUSH_FAILED);
  CHECK_EQ_INT(s.status, 454);
  CHECK(strstr(rtsp_pusher_error(p), "OPTIONS rtsp://127.0.0.1:554/x: RTSP/1.0 454 Session Not Found") != NULL);
  rtsp_pusher_free(p);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write-corpus")) {
    test_corpus(argv[2], 1);
    return 0;
  }
  for (int i = 0; i < NROWS; i++) check_row(i, &rows[i]);
  test_corpus(RTSP_RESPONSE_CORPUS_DIR, 0);
  test_handshake();
  return CHECK_DONE();
}
