/*
 * Table-driven tests of the RTSP header parsers and the request parser. Every row is also a
 * seed of the rtsp_request fuzz corpus: `test_rtsp_headers --write-corpus DIR` writes them, and
 * the normal run checks that each seed is checked in (so table and corpus cannot drift apart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "rtsp/auth.h"
#include "rtsp/md5.h"
#include "rtsp/message.h"
#include "rtsp/range.h"
#include "rtsp/rtpinfo.h"
#include "rtsp/session.h"
#include "rtsp/transport.h"
#include "rtsp/wbuf.h"

typedef struct row {
  const char *header; /* "Transport", "Session", ... */
  const char *value;
  int ok;       /* 1 parses, 0 rejected */
  long a, b, c; /* expectations, meaning per header (see the check functions) */
} row;

static const row rows[] = {
    /* Transport: a = lower (0 udp, 1 tcp), b = first port (client or interleaved), c = count */
    {"Transport", "RTP/AVP;unicast;client_port=5000-5001", 1, 0, 5000, 1},
    {"Transport", "RTP/AVP/UDP;unicast;client_port=5002", 1, 0, 5002, 1},
    {"Transport", "RTP/AVP/TCP;unicast;interleaved=0-1", 1, 1, 0, 1},
    {"Transport", "RTP/AVP/TCP;interleaved=254-255;mode=\"PLAY\"", 1, 1, 254, 1},
    {"Transport", "RTP/AVP;multicast;ttl=1,RTP/AVP;unicast;client_port=6000-6001", 1, 0, -1, 2},
    {"Transport", "RTP/AVP;unicast;client_port=0-1", 1, 0, 0, 1},
    {"Transport", "RTP/AVP;unicast;client_port=70000-70001", 0, 0, 0, 0},
    {"Transport", "RTP/AVP/TCP;interleaved=255-256", 0, 0, 0, 0},
    {"Transport", "RTP/AVP;unicast;client_port=-1", 0, 0, 0, 0},
    {"Transport", "RTP/AVP;unicast;client_port=abc", 0, 0, 0, 0},
    {"Transport", "RTP/AVP;unicast;ssrc=XYZ", 0, 0, 0, 0},
    {"Transport", "", 0, 0, 0, 0},
    {"Transport", "RAW/RAW/UDP;unicast;client_port=5000-5001", 1, 0, 5000, 1},
    /* Session: a = timeout */
    {"Session", "12345678", 1, -1, 0, 0},
    {"Session", "abcdef;timeout=60", 1, 60, 0, 0},
    {"Session", "abc$-_.+ ; timeout=5", 1, 5, 0, 0},
    {"Session", "", 0, 0, 0, 0},
    {"Session", "abc;timeout=x", 0, 0, 0, 0},
    {"Session", "abc def", 0, 0, 0, 0},
    {"Session", "0123456789012345678901234567890123456789012345678901234567890123456789", 0, 0, 0, 0},
    /* Range: a = start ms, b = end ms or -1, c = start_now */
    {"Range", "npt=0-", 1, 0, -1, 0},
    {"Range", "npt=now-", 1, 0, -1, 1},
    {"Range", "npt=1.5-10", 1, 1500, 10000, 0},
    {"Range", "npt=00:01:02.25-", 1, 62250, -1, 0},
    {"Range", "npt=-5", 1, 0, 5000, 0},
    {"Range", "npt=10-5", 0, 0, 0, 0},
    {"Range", "npt=99999999999-", 0, 0, 0, 0},
    {"Range", "clock=19961108T142300Z-19961108T143520Z", 0, 0, 0, 0},
    {"Range", "npt=1:2-", 0, 0, 0, 0},
    {"Range", "bogus", 0, 0, 0, 0},
    /* RTP-Info: a = count, b = seq, c = rtptime of the first entry */
    {"RTP-Info", "url=rtsp://h/x/trackID=0;seq=100;rtptime=9000", 1, 1, 100, 9000},
    {"RTP-Info", "url=rtsp://h/x/trackID=0;seq=1;rtptime=2,url=rtsp://h/x/trackID=1;seq=3;rtptime=4", 1, 2, 1, 2},
    {"RTP-Info", "url=rtsp://h/a,b;seq=7", 1, 1, 7, -1},
    {"RTP-Info", "seq=1", 0, 0, 0, 0},
    {"RTP-Info", "url=x;seq=70000", 0, 0, 0, 0},
    /* Authorization: a = scheme */
    {"Authorization", "Basic dXNlcjpwYXNz", 1, RTSP_AUTH_BASIC, 0, 0},
    {"Authorization",
     "Digest username=\"user\", realm=\"k230js\", nonce=\"abc\", uri=\"rtsp://h/x\", "
     "response=\"0123456789abcdef0123456789abcdef\"",
     1, RTSP_AUTH_DIGEST, 0, 0},
    {"Authorization", "Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"r\"", 0,
     0, 0, 0},
    {"Authorization", "Digest username=\"a\"", 0, 0, 0, 0},
    {"Authorization", "Digest username=\"unterminated", 0, 0, 0, 0},
    {"Authorization", "Basic !!!!", 0, 0, 0, 0},
    {"Authorization", "Basic dXNlcg==", 0, 0, 0, 0},
    {"Authorization", "Bearer xyz", 0, 0, 0, 0},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

static void check_row(const row *r) {
  int ok;
  if (!strcmp(r->header, "Transport")) {
    rtsp_transport t[4];
    int n = rtsp_transport_parse(r->value, t, 4);
    ok = n > 0;
    if (ok && r->ok) {
      CHECK_EQ_INT(n, r->c);
      rtsp_transport *last = &t[n - 1];
      CHECK_EQ_INT(last->lower, r->a);
      if (r->b >= 0) CHECK_EQ_INT(last->lower ? last->interleaved[0] : last->client_port[0], r->b);
      char out[256];
      CHECK(rtsp_transport_format(last, out, sizeof out) > 0);
    }
  } else if (!strcmp(r->header, "Session")) {
    rtsp_session_hdr s;
    ok = rtsp_session_parse(r->value, &s) == 0;
    if (ok && r->ok) CHECK_EQ_INT(s.timeout, r->a);
  } else if (!strcmp(r->header, "Range")) {
    rtsp_range g;
    ok = rtsp_range_parse(r->value, &g) == 0;
    if (ok && r->ok) {
      CHECK_EQ_INT((long)(g.start * 1000 + 0.5), r->a);
      CHECK_EQ_INT(g.has_end ? (long)(g.end * 1000 + 0.5) : -1, r->b);
      CHECK_EQ_INT(g.start_now, r->c);
    }
  } else if (!strcmp(r->header, "RTP-Info")) {
    rtsp_rtpinfo e[4];
    int n = rtsp_rtpinfo_parse(r->value, e, 4);
    ok = n > 0;
    if (ok && r->ok) {
      CHECK_EQ_INT(n, r->a);
      CHECK_EQ_INT(e[0].seq, r->b);
      CHECK_EQ_INT(e[0].has_rtptime ? (long)e[0].rtptime : -1, r->c);
      char out[1200];
      CHECK(rtsp_rtpinfo_format(e, n, out, sizeof out) > 0);
    }
  } else {
    rtsp_auth_header h;
    ok = rtsp_auth_parse(r->value, &h) == 0;
    if (ok && r->ok) CHECK_EQ_INT(h.scheme, r->a);
  }
  if (ok != r->ok) fprintf(stderr, "row %s: %s\n", r->header, r->value);
  CHECK_EQ_INT(ok, r->ok);
}

/* The seed request for a row: a SETUP (or PLAY) carrying the header. */
static int seed_request(const row *r, char *out, size_t cap) {
  const char *m = !strcmp(r->header, "Transport")       ? "SETUP rtsp://127.0.0.1/live/trackID=0"
                  : !strcmp(r->header, "Authorization") ? "DESCRIBE rtsp://127.0.0.1/live"
                                                        : "PLAY rtsp://127.0.0.1/live";
  return snprintf(out, cap, "%s RTSP/1.0\r\nCSeq: 2\r\n%s: %s\r\n\r\n", m, r->header, r->value);
}

static void test_corpus(const char *dir, int write) {
  int missing = 0;
  for (int i = 0; i < NROWS; i++) {
    char path[512], req[1024];
    snprintf(path, sizeof path, "%s/hdr_%02d_%s", dir, i, rows[i].header);
    int n = seed_request(&rows[i], req, sizeof req);
    if (write) {
      FILE *f = fopen(path, "wb");
      if (!f) continue;
      fwrite(req, 1, (size_t)n, f);
      fclose(f);
      continue;
    }
    FILE *f = fopen(path, "rb");
    char got[1024];
    size_t k = f ? fread(got, 1, sizeof got, f) : 0;
    if (f) fclose(f);
    if (k != (size_t)n || memcmp(got, req, k) != 0) missing++;
  }
  if (!write) CHECK_EQ_INT(missing, 0); /* regenerate with --write-corpus */
}

static int parse(const char *s, rtsp_request *req, int *status) {
  static char scratch[16384];
  rtsp_limits lim = RTSP_LIMITS_DEFAULT;
  return rtsp_request_parse((const uint8_t *)s, strlen(s), &lim, scratch, sizeof scratch, req, status);
}

static void test_request_parser(void) {
  rtsp_request req;
  int st;
  const char *ok = "OPTIONS * RTSP/1.0\r\nCSeq: 7\r\nUser-Agent: x\r\n\r\n";
  CHECK_EQ_INT(parse(ok, &req, &st), (int)strlen(ok));
  CHECK_EQ_STR(req.method, "OPTIONS");
  CHECK_EQ_STR(req.uri, "*");
  CHECK_EQ_INT(req.cseq, 7);
  CHECK_EQ_STR(rtsp_request_header(&req, "user-agent"), "x");
  const char *lf = "OPTIONS * RTSP/1.0\nCSeq: 1\n\n";
  CHECK_EQ_INT(parse(lf, &req, &st), (int)strlen(lf));
  CHECK_EQ_INT(parse("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n", &req, &st), 0); /* incomplete */
  const char *body = "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nab";
  CHECK_EQ_INT(parse(body, &req, &st), 0); /* body not complete */
  const char *body2 = "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nabcdeXX";
  CHECK_EQ_INT(parse(body2, &req, &st), (int)strlen(body2) - 2);
  CHECK_EQ_INT(req.body_len, 5);
  struct {
    const char *in;
    int status;
  } bad[] = {
      {" OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400},
      {"OPTIONS  * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400},
      {"OPTIONS * HTTP/1.1\r\nCSeq: 1\r\n\r\n", 400},
      {"OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n", 505},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: -1\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: abc\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999999\r\n\r\n", 413},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n folded\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nNoColon\r\n\r\n", 400},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\rX: y\r\n\r\n", 400},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    st = 0;
    int r = parse(bad[i].in, &req, &st);
    if (r >= 0 || st != bad[i].status) fprintf(stderr, "bad[%zu] -> %d/%d\n", i, r, st);
    CHECK(r < 0);
    CHECK_EQ_INT(st, bad[i].status);
  }
  /* NUL bytes anywhere in the header block */
  static const char nul[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\0\r\n\r\n";
  static char scratch[16384];
  rtsp_limits lim = RTSP_LIMITS_DEFAULT;
  CHECK(rtsp_request_parse((const uint8_t *)nul, sizeof nul - 1, &lim, scratch, sizeof scratch, &req, &st) < 0);
  /* huge header / too many headers */
  char *big = malloc(20000);
  strcpy(big, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ");
  memset(big + strlen(big), 'a', 9000);
  big[strlen("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ") + 9000] = 0;
  CHECK(parse(big, &req, &st) < 0);
  strcpy(big, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n");
  for (int i = 0; i < 100; i++) strcat(big, "A: b\r\n");
  strcat(big, "\r\n");
  CHECK(parse(big, &req, &st) < 0);
  free(big);
  /* interleaved frames */
  int ch;
  const uint8_t *d;
  size_t dn;
  const uint8_t fr[] = {'$', 1, 0, 3, 'a', 'b', 'c', 'X'};
  CHECK_EQ_INT(rtsp_interleaved_parse(fr, 3, &ch, &d, &dn), 0);
  CHECK_EQ_INT(rtsp_interleaved_parse(fr, 6, &ch, &d, &dn), 0);
  CHECK_EQ_INT(rtsp_interleaved_parse(fr, sizeof fr, &ch, &d, &dn), 7);
  CHECK_EQ_INT(ch, 1);
  CHECK_EQ_INT(dn, 3);
}

static void test_md5_auth(void) {
  /* RFC 1321 §A.5 test suite */
  struct {
    const char *in, *hex;
  } v[] = {{"", "d41d8cd98f00b204e9800998ecf8427e"},
           {"a", "0cc175b9c0f1b6a831c399e269772661"},
           {"abc", "900150983cd24fb0d6963f7d28e17f72"},
           {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
           {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char hex[33];
    rtsp_md5_hex(v[i].in, strlen(v[i].in), hex);
    CHECK_EQ_STR(hex, v[i].hex);
  }
  /* RFC 2617 §3.5 example (HTTP, qop=auth) */
  char resp[33];
  rtsp_digest_response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
                       "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth", resp);
  CHECK_EQ_STR(resp, "6629fae49393a05397450978507c4ef1");
  /* verify round trip, and mismatches */
  char hdr[512];
  rtsp_digest_response("u", "r", "p", "DESCRIBE", "rtsp://h/x", "n1", NULL, NULL, NULL, resp);
  snprintf(hdr, sizeof hdr, "Digest username=\"u\", realm=\"r\", nonce=\"n1\", uri=\"rtsp://h/x\", response=\"%s\"",
           resp);
  rtsp_auth_header h;
  CHECK_EQ_INT(rtsp_auth_parse(hdr, &h), 0);
  CHECK(rtsp_auth_verify(&h, RTSP_AUTH_DIGEST, "u", "p", "r", "n1", "DESCRIBE"));
  CHECK(!rtsp_auth_verify(&h, RTSP_AUTH_DIGEST, "u", "p", "r", "n2", "DESCRIBE"));
  CHECK(!rtsp_auth_verify(&h, RTSP_AUTH_DIGEST, "u", "q", "r", "n1", "DESCRIBE"));
  CHECK(!rtsp_auth_verify(&h, RTSP_AUTH_DIGEST, "u", "p", "r", "n1", "PLAY"));
  CHECK(!rtsp_auth_verify(&h, RTSP_AUTH_BASIC, "u", "p", "r", "n1", "DESCRIBE"));
  CHECK_EQ_INT(rtsp_auth_parse("Basic dXNlcjpwYXNz", &h), 0);
  CHECK_EQ_STR(h.username, "user");
  CHECK_EQ_STR(h.password, "pass");
  CHECK(rtsp_auth_verify(&h, RTSP_AUTH_BASIC, "user", "pass", "r", "", "X"));
  CHECK(!rtsp_auth_verify(&h, RTSP_AUTH_BASIC, "user", "pasS", "r", "", "X"));
  /* base64 */
  char b[64];
  rtsp_wbuf w;
  rtsp_wbuf_init(&w, b, sizeof b);
  rtsp_wbuf_base64(&w, (const uint8_t *)"user:pass", 9);
  CHECK_EQ_STR(b, "dXNlcjpwYXNz");
  uint8_t dec[16];
  CHECK_EQ_INT(rtsp_base64_decode("dXNlcjpwYXNz", 12, dec, sizeof dec), 9);
  CHECK_EQ_INT(rtsp_base64_decode("dXN", 3, dec, 1), ERR_ELIMIT);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write-corpus")) {
    test_corpus(argv[2], 1);
    return 0;
  }
  for (int i = 0; i < NROWS; i++) check_row(&rows[i]);
  test_corpus(RTSP_CORPUS_DIR, 0);
  test_request_parser();
  test_md5_auth();
  return CHECK_DONE();
}
