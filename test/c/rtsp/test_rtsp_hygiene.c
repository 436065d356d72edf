/*
 * Connection hygiene (issue 13 item 1) on the sans-I/O core with a fake clock: a silent
 * connection is closed at the request deadline, a newcomer at max_clients or at the per-address
 * cap replaces the oldest connection that has sent nothing, as one waiting for a descriptor
 * does, and failed authentication: free tries, then exponential delays (on the
 * connection and on every new one from the address), then a block (403, refused at accept),
 * with counters.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "internal.h" /* rtsp_server_evict_silent */
#include "rtsp/server.h"

static uint64_t now_us = 1000000;
static uint64_t clk(void *u) { return now_us; }

typedef struct peer {
  rtsp_conn *c;
  int closed;
  char out[8192];
  size_t len;
} peer;

static int p_send(void *u, const void *b, size_t n) {
  peer *p = u;
  if (p->len + n < sizeof p->out) {
    memcpy(p->out + p->len, b, n);
    p->len += n;
    p->out[p->len] = 0;
  }
  return 0;
}
static void p_close(void *u) { ((peer *)u)->closed = 1; }
static const rtsp_conn_io io = {p_send, NULL, NULL, NULL, NULL, p_close};

static rtsp_server *mk(rtsp_auth_mode auth, int max_clients, int per_addr) {
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  cfg.now_us = clk;
  cfg.auth = auth;
  cfg.username = "user";
  cfg.password = "pass";
  cfg.max_clients = max_clients;
  cfg.max_clients_per_addr = per_addr;
  rtsp_server *s;
  CHECK_EQ_INT(rtsp_server_new(&cfg, &s), 0);
  rtsp_server_add_mount(s, "live", &(rtsp_mount_config){RTSP_VIDEO_H264, RTSP_AUDIO_NONE}, NULL);
  return s;
}

static int open_peer(rtsp_server *s, peer *p, const char *addr) {
  memset(p, 0, sizeof *p);
  now_us += 1000; /* accept order is age order */
  return rtsp_conn_new(s, &io, p, addr, &p->c);
}

static int status_of(peer *p, size_t from) {
  int st = 0;
  const char *r = strstr(p->out + from, "RTSP/1.0 ");
  if (r) sscanf(r + 9, "%d", &st);
  return st;
}

static int req(peer *p, const char *text) {
  size_t from = p->len;
  rtsp_conn_feed(p->c, (const uint8_t *)text, strlen(text));
  return status_of(p, from);
}

static void free_closed(rtsp_server *s, peer *ps, int n) {
  for (int i = 0; i < n; i++)
    if (ps[i].c && ps[i].closed) {
      rtsp_conn_free(ps[i].c);
      ps[i].c = NULL;
    }
}

/* The peer completes a request: it is no longer silent. */
static void speak(peer *p) { CHECK_EQ_INT(req(p, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"), 200); }

static void test_deadline_and_eviction(void) {
  rtsp_server *s = mk(RTSP_AUTH_NONE, 4, 2);
  peer p[6];
  CHECK_EQ_INT(open_peer(s, &p[0], "10.0.0.1:1"), 0);
  CHECK_EQ_INT(open_peer(s, &p[1], "10.0.0.1:2"), 0);
  speak(&p[1]);
  /* at the per-address cap, the address's oldest silent connection makes room */
  CHECK_EQ_INT(open_peer(s, &p[2], "10.0.0.1:3"), 0);
  CHECK(p[0].closed && !p[1].closed);
  speak(&p[2]);
  /* and refused when all of them spoke */
  CHECK_EQ_INT(open_peer(s, &p[0], "10.0.0.1:4"), ERR_ELIMIT);
  free_closed(s, p, 3);
  CHECK_EQ_INT(open_peer(s, &p[3], "10.0.0.3:1"), 0);
  CHECK_EQ_INT(open_peer(s, &p[4], "10.0.0.4:1"), 0);
  /* at max_clients, the oldest silent one of any address; not one that spoke */
  CHECK_EQ_INT(open_peer(s, &p[5], "10.0.0.5:1"), 0);
  CHECK(p[3].closed && !p[1].closed && !p[2].closed && !p[4].closed);
  free_closed(s, p, 6);
  /* the request deadline (5 s) closes what stays silent, and what spoke once and then not */
  now_us += 4000000;
  rtsp_server_tick(s);
  CHECK(!p[1].closed && !p[2].closed && !p[4].closed && !p[5].closed);
  now_us += 1500000;
  rtsp_server_tick(s);
  CHECK(p[1].closed && p[2].closed && p[4].closed && p[5].closed);
  rtsp_stats st;
  rtsp_server_stats(s, &st);
  CHECK_EQ_INT(st.conns_evicted, 6);
  CHECK_EQ_INT(st.conns_refused, 1);
  free_closed(s, p, 6);
  rtsp_server_close(s);
}

/* Out of descriptors, the socket adapter asks the core to close a silent connection. */
static void test_evict_for_descriptor(void) {
  rtsp_server *s = mk(RTSP_AUTH_NONE, 64, 64);
  peer p[3];
  CHECK_EQ_INT(open_peer(s, &p[0], "10.0.0.1:1"), 0);
  CHECK_EQ_INT(open_peer(s, &p[1], "10.0.0.2:1"), 0);
  speak(&p[1]);
  CHECK_EQ_INT(open_peer(s, &p[2], "10.0.0.3:1"), 0);
  CHECK_EQ_INT(rtsp_conn_feed(p[2].c, (const uint8_t *)"OPTIONS * RTSP/1.0\r\n", 20), 0); /* half a request */
  CHECK(rtsp_server_evict_silent(s));
  CHECK(p[0].closed && !p[1].closed && !p[2].closed);
  CHECK(!rtsp_server_evict_silent(s)); /* p[1] spoke, p[2] is speaking */
  free_closed(s, p, 3);
  rtsp_conn_free(p[1].c);
  rtsp_conn_free(p[2].c);
  rtsp_server_close(s);
}

static void test_auth_throttle(void) {
  rtsp_server *s = mk(RTSP_AUTH_BASIC, 64, 64);
  peer p;
  CHECK_EQ_INT(open_peer(s, &p, "10.0.0.9:1"), 0);
  const char *bad =
      "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic dXNlcjp3cm9uZw==\r\n\r\n"; /* user:wrong */
  for (int i = 0; i < RTSP_AUTH_FREE; i++) CHECK_EQ_INT(req(&p, bad), 401);                          /* free tries */
  CHECK_EQ_INT(req(&p, bad), 401); /* the 4th: answered, and the next request waits 100 ms */
  CHECK_EQ_INT(req(&p, bad), 0);   /* held */
  now_us += 50000;
  rtsp_server_tick(s);
  CHECK_EQ_INT(status_of(&p, p.len), 0);
  size_t mark = p.len;
  now_us += 60000;
  rtsp_server_tick(s); /* 110 ms: the held request is answered, the next wait is 200 ms */
  CHECK_EQ_INT(status_of(&p, mark), 401);
  for (int i = 0; i < 2 * RTSP_AUTH_BLOCK_AFTER && !p.closed; i++) {
    mark = p.len;
    req(&p, bad);
    now_us += RTSP_AUTH_DELAY_MAX_MS * 1000 + 1;
    rtsp_server_tick(s);
  }
  CHECK(p.closed); /* the 10th: 403 and close */
  CHECK(strstr(p.out, "RTSP/1.0 403") != NULL);
  rtsp_conn_free(p.c);
  peer q;
  CHECK_EQ_INT(open_peer(s, &q, "10.0.0.9:2"), ERR_ELIMIT); /* blocked at accept */
  CHECK_EQ_INT(open_peer(s, &q, "10.0.0.8:1"), 0);          /* others are not */
  CHECK_EQ_INT(req(&q, "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"), 200);
  rtsp_stats st;
  rtsp_server_stats(s, &st);
  CHECK_EQ_INT(st.auth_failures, RTSP_AUTH_BLOCK_AFTER);
  CHECK_EQ_INT(st.auth_blocked, 2);
  now_us += (uint64_t)RTSP_AUTH_BLOCK_S * 1000000 + 1;
  peer r;
  CHECK_EQ_INT(open_peer(s, &r, "10.0.0.9:3"), 0); /* the block is temporary */
  CHECK_EQ_INT(req(&r, bad), 401);                 /* and the address's failures are forgotten */
  rtsp_conn_free(r.c);
  rtsp_conn_free(q.c);
  rtsp_server_close(s);
}

/* A guesser that opens a new connection for every guess is slowed all the same. */
static void test_auth_per_address(void) {
  rtsp_server *s = mk(RTSP_AUTH_BASIC, 64, 64);
  const char *bad = "DESCRIBE rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic dXNlcjp3cm9uZw==\r\n\r\n";
  peer p;
  for (int i = 0; i <= RTSP_AUTH_FREE; i++) { /* the free tries and the first slowed one: answered */
    CHECK_EQ_INT(open_peer(s, &p, "10.0.0.7:1"), 0);
    CHECK_EQ_INT(req(&p, bad), 401);
    rtsp_conn_free(p.c);
  }
  CHECK_EQ_INT(open_peer(s, &p, "10.0.0.7:2"), 0);
  CHECK_EQ_INT(req(&p, bad), 0); /* a fresh connection waits RTSP_AUTH_DELAY_MS too */
  now_us += RTSP_AUTH_DELAY_MS * 1000 + 1;
  rtsp_server_tick(s);
  CHECK_EQ_INT(status_of(&p, 0), 401);
  rtsp_conn_free(p.c);
  peer q; /* another address is not slowed */
  CHECK_EQ_INT(open_peer(s, &q, "10.0.0.8:1"), 0);
  CHECK_EQ_INT(req(&q, bad), 401);
  rtsp_conn_free(q.c);
  rtsp_stats st;
  rtsp_server_stats(s, &st);
  CHECK_EQ_INT(st.auth_failures, RTSP_AUTH_FREE + 3);
  rtsp_server_close(s);
}

int main(void) {
  test_deadline_and_eviction();
  test_evict_for_descriptor();
  test_auth_throttle();
  test_auth_per_address();
  return CHECK_DONE();
}
