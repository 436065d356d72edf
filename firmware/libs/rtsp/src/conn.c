// One RTSP connection: byte framing (requests and §10.12 interleaved frames), the method state
// machine of RFC 2326 §A.1 (Init -> Ready -> Playing), replies.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/errors.h"
#include "internal.h"
#include "rtsp/auth.h"
#include "rtsp/range.h"
#include "rtsp/rtcp.h"
#include "rtsp/rtpinfo.h"
#include "rtsp/sdp.h"
#include "rtsp/session.h"
#include "rtsp/transport.h"
#include "rtsp/wbuf.h"

#define PUBLIC_METHODS "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
#define IN_CHUNK 4096

/* "ip:port" or "[ip]:port" -> "ip" */
static void addr_of(const char *peer, char *out, size_t cap) {
  const char *b = peer, *e = strrchr(peer, ':');
  if (*b == '[') {
    b++;
    e = strchr(b, ']');
  }
  size_t n = e && e > b ? (size_t)(e - b) : strlen(b);
  if (n >= cap) n = cap - 1;
  memcpy(out, b, n);
  out[n] = 0;
}

rtsp_addr_state *rtsp_addr_find(rtsp_server *s, const char *addr, bool create) {
  rtsp_addr_state *lru = &s->addrs[0];
  for (int i = 0; i < RTSP_ADDR_SLOTS; i++) {
    rtsp_addr_state *a = &s->addrs[i];
    if (a->addr[0] && !strcmp(a->addr, addr)) return a;
    if (a->last_us < lru->last_us) lru = a;
  }
  if (!create) return NULL;
  memset(lru, 0, sizeof *lru);
  snprintf(lru->addr, sizeof lru->addr, "%s", addr);
  return lru;
}

/* The oldest connection from `addr` (NULL: any) that has sent nothing since it was accepted:
 * what a newcomer may replace. A real client speaks at once (and the adapter reads what it sent
 * as it accepts it), so the silent are the ones holding a slot for nothing. */
static rtsp_conn *oldest_silent(rtsp_server *s, const char *addr) {
  rtsp_conn *idle = NULL;
  for (rtsp_conn *o = s->conns; o; o = o->next) {
    if (o->closed || o->requests || o->in_len || o->hold_until || (addr && strcmp(o->addr, addr))) continue;
    if (!idle || o->last_request < idle->last_request) idle = o;
  }
  return idle;
}

static bool evict(rtsp_server *s, rtsp_conn *c) {
  if (!c) return false;
  s->st.conns_evicted++; /* a silent socket must not lock a real client out */
  rtsp_conn_close(c);    /* freed by its adapter's next sweep */
  return true;
}

bool rtsp_server_evict_silent(rtsp_server *s) { return evict(s, oldest_silent(s, NULL)); }

/* An address's wrong answers, forgotten RTSP_AUTH_BLOCK_S after the last one: a user who
 * mistypes now and then is never slowed for good. */
static int addr_fails(const rtsp_addr_state *a, uint64_t now) {
  return a && now - a->last_us < (uint64_t)RTSP_AUTH_BLOCK_S * 1000000 ? a->fails : 0;
}

/* The delay before the next answer after n wrong ones (issue 13): none for the first few. */
static uint64_t auth_delay_us(int n) {
  if (n <= RTSP_AUTH_FREE) return 0;
  int k = n - RTSP_AUTH_FREE - 1;
  uint64_t ms = (uint64_t)RTSP_AUTH_DELAY_MS << (k < 16 ? k : 16);
  return (ms < RTSP_AUTH_DELAY_MAX_MS ? ms : RTSP_AUTH_DELAY_MAX_MS) * 1000;
}

int rtsp_conn_new(rtsp_server *s, const rtsp_conn_io *io, void *user, const char *peer, rtsp_conn **out) {
  if (!s || !io || !io->send || !out) return ERR_EINVAL;
  *out = NULL;
  uint64_t now = rtsp_now(s);
  char addr[64];
  addr_of(peer ? peer : "", addr, sizeof addr);
  rtsp_addr_state *as = rtsp_addr_find(s, addr, false);
  if (as && as->blocked_until > now) {
    s->st.auth_blocked++;
    s->st.conns_refused++;
    return ERR_ELIMIT;
  }
  int same = 0, live = 0;
  for (rtsp_conn *o = s->conns; o; o = o->next) {
    if (o->closed) continue;
    live++;
    if (!strcmp(o->addr, addr)) same++;
  }
  /* at a cap, a silent connection makes room (from the same address for the per-address cap) */
  if (same >= s->cfg.max_clients_per_addr) {
    if (!evict(s, oldest_silent(s, addr))) {
      s->st.conns_refused++;
      return ERR_ELIMIT;
    }
    live--;
  }
  if (live >= s->cfg.max_clients && !evict(s, oldest_silent(s, NULL))) {
    s->st.conns_refused++;
    return ERR_ELIMIT;
  }
  rtsp_conn *c = rtsp_pool_alloc(&s->conn_pool);
  if (!c) return ERR_ENOMEM;
  c->srv = s;
  c->io = io;
  c->user = user;
  c->id = s->next_conn_id++;
  snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "");
  snprintf(c->nonce, sizeof c->nonce, "%016llx%016llx", (unsigned long long)rtsp_rand64(s),
           (unsigned long long)rtsp_rand64(s));
  c->last_activity = c->last_request = now;
  snprintf(c->addr, sizeof c->addr, "%s", addr);
  /* an address that keeps guessing waits on every connection, not only on the one it guessed on */
  if (auth_delay_us(addr_fails(as, now))) c->hold_until = now + auth_delay_us(addr_fails(as, now));
  c->next = s->conns;
  s->conns = c;
  s->nconns++;
  s->st.conns_total++;
  rtsp_emit(s, RTSP_EV_CONNECT, c, NULL);
  *out = c;
  return 0;
}

void rtsp_conn_close(rtsp_conn *c) {
  if (c->closed) return;
  c->closed = true;
  if (c->io->close) c->io->close(c->user);
}

bool rtsp_conn_is_closed(const rtsp_conn *c) { return c->closed; }
uint64_t rtsp_conn_id(const rtsp_conn *c) { return c->id; }
uint64_t rtsp_conn_drops(const rtsp_conn *c) {
  uint64_t d = c->drops_done;
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) d += ss->drops;
  return d;
}

static void sess_stop(rtsp_sess *ss, bool notify) {
  if (ss->state != SESS_PLAYING) return;
  rtsp_mount_remove_reader(ss->mount, ss);
  ss->state = SESS_READY;
  if (notify) rtsp_emit(ss->conn->srv, RTSP_EV_STOP, ss->conn, ss->mount->name);
}

void rtsp_sess_free(rtsp_sess *ss, bool notify) {
  rtsp_conn *c = ss->conn;
  sess_stop(ss, notify);
  for (int t = 0; t < RTSP_TRACKS; t++)
    if (ss->tr[t].setup && ss->tr[t].lower == RTSP_LOWER_UDP && c->io->udp_close) c->io->udp_close(c->user, t);
  for (rtsp_sess **pp = &c->sessions; *pp; pp = &(*pp)->next) {
    if (*pp == ss) {
      *pp = ss->next;
      break;
    }
  }
  c->nsessions--;
  c->srv->st.sessions--;
  c->drops_done += ss->drops;
  rtsp_sess_queue_clear(ss);
  rtsp_pool_free(&c->srv->sess_pool, ss);
}

void rtsp_conn_free(rtsp_conn *c) {
  if (!c) return;
  rtsp_server *s = c->srv;
  while (c->sessions) rtsp_sess_free(c->sessions, true);
  for (rtsp_conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  }
  s->nconns--;
  rtsp_emit(s, RTSP_EV_DISCONNECT, c, NULL);
  free(c->in);
  rtsp_pool_free(&s->conn_pool, c);
}

void rtsp_conn_writable(rtsp_conn *c) { rtsp_conn_pump(c); }

/* ---- replies ---- */

typedef struct reply {
  rtsp_wbuf w;
  int status;
} reply;

static void reply_begin(rtsp_conn *c, reply *r, int status, const rtsp_request *req) {
  rtsp_wbuf_init(&r->w, c->srv->reply, sizeof c->srv->reply);
  r->status = status;
  rtsp_wbuf_printf(&r->w, "RTSP/1.0 %d %s\r\n", status, rtsp_status_text(status));
  if (req && req->cseq >= 0) rtsp_wbuf_printf(&r->w, "CSeq: %ld\r\n", req->cseq);
  rtsp_wbuf_puts(&r->w, "Server: k230js\r\n");
}

static int reply_end(rtsp_conn *c, reply *r, const char *ctype, const char *body, size_t blen) {
  if (body) {
    rtsp_wbuf_printf(&r->w, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", ctype, blen);
    rtsp_wbuf_put(&r->w, body, blen);
  } else {
    rtsp_wbuf_puts(&r->w, "\r\n");
  }
  if (r->w.err) { /* cannot happen with sane limits; answer something valid */
    reply_begin(c, r, 500, NULL);
    rtsp_wbuf_puts(&r->w, "\r\n");
  }
  return c->io->send(c->user, r->w.p, r->w.len);
}

static int simple(rtsp_conn *c, const rtsp_request *req, int status) {
  reply r;
  reply_begin(c, &r, status, req);
  return reply_end(c, &r, NULL, NULL, 0);
}

/* ---- URL handling ---- */

typedef struct target {
  rtsp_mount *mount;
  int track;      /* -1 aggregate */
  char base[512]; /* URL without trailing '/' or track suffix */
} target;

/* Maps "rtsp://host:port/name[/trackID=N]" (or "/name...") to a mount. 0, or the status. */
static int resolve(rtsp_conn *c, const char *uri, target *t) {
  memset(t, 0, sizeof *t);
  t->track = -1;
  size_t ul = strlen(uri);
  if (ul >= sizeof t->base) return 414;
  const char *path = uri;
  if (!strncasecmp(uri, "rtsp://", 7)) {
    path = strchr(uri + 7, '/');
    if (!path) return 404;
  } else if (uri[0] != '/') {
    return 400;
  }
  char p[256];
  size_t pl = strcspn(path, "?#");
  while (pl && path[0] == '/') path++, pl--;
  while (pl && path[pl - 1] == '/') pl--;
  if (pl >= sizeof p) return 414;
  memcpy(p, path, pl);
  p[pl] = 0;
  if (strchr(p, '%') || strstr(p, "..")) return 404;
  memcpy(t->base, uri, ul + 1);
  size_t bl = strcspn(t->base, "?#");
  t->base[bl] = 0;
  while (bl && t->base[bl - 1] == '/') t->base[--bl] = 0;
  rtsp_mount *m = rtsp_server_find_mount(c->srv, p);
  if (!m) {
    char *slash = strrchr(p, '/');
    if (!slash || strncmp(slash + 1, "trackID=", 8) != 0) return 404;
    const char *d = slash + 9;
    if ((d[0] != '0' && d[0] != '1') || d[1]) return 404;
    t->track = d[0] - '0';
    *slash = 0;
    m = rtsp_server_find_mount(c->srv, p);
    if (!m) return 404;
    if (t->track == 0 ? m->cfg.video == RTSP_VIDEO_NONE : m->cfg.audio == RTSP_AUDIO_NONE) return 404;
    char *bs = strrchr(t->base, '/');
    if (bs) *bs = 0;
  }
  t->mount = m;
  return 0;
}

/* ---- auth ---- */

/* 0 if allowed (user copied out), else the reply was sent and the status is returned. */
static int check_auth(rtsp_conn *c, const rtsp_request *req, char user[RTSP_AUTH_FIELD_MAX], int *send_err) {
  rtsp_server *s = c->srv;
  user[0] = 0;
  if (s->cfg.auth == RTSP_AUTH_NONE) return 0;
  const char *v = rtsp_request_header(req, "Authorization");
  rtsp_auth_header h;
  bool ok = v && rtsp_request_header_count(req, "Authorization") == 1 && rtsp_auth_parse(v, &h) == 0 &&
            rtsp_auth_verify(&h, s->cfg.auth, s->user, s->pass, s->realm, c->nonce, req->method) &&
            (h.scheme != RTSP_AUTH_DIGEST || strcmp(h.uri, req->uri) == 0);
  uint64_t now = rtsp_now(s);
  if (ok) {
    memcpy(user, h.username, sizeof h.username);
    c->auth_fails = 0;
    rtsp_addr_state *a = rtsp_addr_find(s, c->addr, false);
    if (a) a->fails = 0;
    return 0;
  }
  if (v) { /* a wrong answer (none at all is the normal first challenge) */
    s->st.auth_failures++;
    rtsp_addr_state *a = rtsp_addr_find(s, c->addr, true);
    a->fails = addr_fails(a, now) + 1;
    a->last_us = now;
    int n = ++c->auth_fails > a->fails ? c->auth_fails : a->fails;
    if (a->fails >= RTSP_AUTH_BLOCK_AFTER) {
      a->blocked_until = now + (uint64_t)RTSP_AUTH_BLOCK_S * 1000000;
      s->st.auth_blocked++;
      reply r;
      reply_begin(c, &r, 403, req);
      rtsp_wbuf_puts(&r.w, "Connection: close\r\n");
      reply_end(c, &r, NULL, NULL, 0);
      *send_err = ERR_ELIMIT; /* closes the connection */
      return 403;
    }
    if (auth_delay_us(n)) c->hold_until = now + auth_delay_us(n);
  }
  // RFC 2326 §12.44 / RFC 2617 §1.2: 401 with a challenge.
  reply r;
  reply_begin(c, &r, 401, req);
  char ch[256];
  if (rtsp_auth_challenge(s->cfg.auth, s->realm, c->nonce, ch, sizeof ch) > 0)
    rtsp_wbuf_printf(&r.w, "WWW-Authenticate: %s\r\n", ch);
  *send_err = reply_end(c, &r, NULL, NULL, 0);
  return 401;
}

/* ---- sessions ---- */

/* A session id is honoured only on the connection (and credentials) that created it. */
static rtsp_sess *find_session(rtsp_conn *c, const rtsp_request *req, const char *user, int *status) {
  const char *v = rtsp_request_header(req, "Session");
  if (!v) {
    *status = 454;
    return NULL;
  }
  rtsp_session_hdr sh;
  if (rtsp_request_header_count(req, "Session") != 1 || rtsp_session_parse(v, &sh) < 0) {
    *status = 454;
    return NULL;
  }
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next)
    if (!strcmp(ss->id, sh.id) && !strcmp(ss->user, user)) return ss;
  *status = 454;
  return NULL;
}

static void put_session(rtsp_conn *c, reply *r, rtsp_sess *ss) {
  rtsp_wbuf_printf(&r->w, "Session: %s;timeout=%d\r\n", ss->id, c->srv->cfg.session_timeout_s);
}

static bool channel_in_use(rtsp_conn *c, int ch) {
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next)
    for (int t = 0; t < RTSP_TRACKS; t++)
      if (ss->tr[t].setup && ss->tr[t].lower == RTSP_LOWER_TCP && (ss->tr[t].ch[0] == ch || ss->tr[t].ch[1] == ch))
        return true;
  return false;
}

/* ---- methods ---- */

static int do_options(rtsp_conn *c, const rtsp_request *req) {
  reply r;
  reply_begin(c, &r, 200, req);
  rtsp_wbuf_puts(&r.w, "Public: " PUBLIC_METHODS "\r\n");
  return reply_end(c, &r, NULL, NULL, 0);
}

static int do_describe(rtsp_conn *c, const rtsp_request *req) {
  target t;
  int st = resolve(c, req->uri, &t);
  if (st) return simple(c, req, st);
  if (t.track >= 0) return simple(c, req, 404);
  rtsp_mount *m = t.mount;
  char sdp[4096];
  sdp_params p = {m->cfg.video, m->cfg.audio, NULL, NULL, NULL, 0, 0, 0, rtsp_rand64(c->srv) >> 2, "0.0.0.0"};
  sdp_params_set_ps(&p, &m->media.ps);
  int n = sdp_write(&p, sdp, sizeof sdp);
  if (n < 0) return simple(c, req, 500);
  reply r;
  reply_begin(c, &r, 200, req);
  rtsp_wbuf_printf(&r.w, "Content-Base: %s/\r\n", t.base);
  return reply_end(c, &r, "application/sdp", sdp, (size_t)n);
}

static int do_setup(rtsp_conn *c, const rtsp_request *req, const char *user) {
  rtsp_server *s = c->srv;
  target t;
  int st = resolve(c, req->uri, &t);
  if (st) return simple(c, req, st);
  rtsp_mount *m = t.mount;
  int track = t.track;
  if (track < 0) { /* aggregate URL: fine when the mount has a single track */
    if (m->cfg.video != RTSP_VIDEO_NONE && m->cfg.audio != RTSP_AUDIO_NONE) return simple(c, req, 459);
    track = m->cfg.video != RTSP_VIDEO_NONE ? 0 : 1;
  }
  rtsp_sess *ss = NULL;
  if (rtsp_request_header(req, "Session")) {
    ss = find_session(c, req, user, &st);
    if (!ss) return simple(c, req, st);
    if (ss->mount != m) return simple(c, req, 459);
    if (ss->state == SESS_PLAYING) return simple(c, req, 455);
    if (ss->tr[track].setup) return simple(c, req, 455); /* SETUP twice for one track */
  } else if (c->nsessions >= s->cfg.max_sessions_per_conn) {
    return simple(c, req, 453);
  }
  const char *tv = rtsp_request_header(req, "Transport");
  if (!tv || rtsp_request_header_count(req, "Transport") != 1) return simple(c, req, 461);
  rtsp_transport tr[4];
  int nt = rtsp_transport_parse(tv, tr, 4);
  if (nt < 0) return simple(c, req, 461);
  /* the first acceptable one: RTP/AVP unicast, UDP with sane client ports or TCP interleaved */
  rtsp_transport *pick = NULL;
  for (int i = 0; i < nt && !pick; i++) {
    rtsp_transport *x = &tr[i];
    if (!x->rtp_avp || x->multicast || x->has_destination || x->record) continue;
    if (x->lower == RTSP_LOWER_UDP) {
      if (!c->io->udp_open || x->client_port[0] <= 0 || x->client_port[1] <= 0 || x->client_port[0] > 65535 ||
          x->client_port[1] > 65535 || x->client_port[1] != x->client_port[0] + 1)
        continue;
      pick = x;
    } else {
      if (x->interleaved[0] < 0) { /* choose a free pair */
        for (int ch = 0; ch < 254; ch += 2)
          if (!channel_in_use(c, ch) && !channel_in_use(c, ch + 1)) {
            x->interleaved[0] = ch;
            x->interleaved[1] = ch + 1;
            break;
          }
        if (x->interleaved[0] < 0) continue;
      }
      if (x->interleaved[1] != x->interleaved[0] + 1 || x->interleaved[1] > 255 ||
          channel_in_use(c, x->interleaved[0]) || channel_in_use(c, x->interleaved[1]))
        continue;
      pick = x;
    }
  }
  if (!pick) return simple(c, req, 461);
  bool created = false;
  if (!ss) {
    ss = rtsp_pool_alloc(&s->sess_pool);
    if (!ss) return simple(c, req, 503);
    rtsp_sess_queue_init(ss, s->cfg.queue_max_frames);
    snprintf(ss->id, sizeof ss->id, "%016llx", (unsigned long long)rtsp_rand64(s));
    ss->conn = c;
    ss->mount = m;
    snprintf(ss->user, sizeof ss->user, "%s", user);
    ss->next = c->sessions;
    c->sessions = ss;
    c->nsessions++;
    s->st.sessions++;
    created = true;
  }
  rtsp_track_state *ts = &ss->tr[track];
  memset(ts, 0, sizeof *ts);
  ts->lower = pick->lower;
  ts->seq = (uint16_t)rtsp_rand64(s);
  if (pick->lower == RTSP_LOWER_UDP) {
    int sp[2] = {-1, -1};
    if (c->io->udp_open(c->user, track, pick->client_port[0], pick->client_port[1], sp) < 0) {
      if (created) rtsp_sess_free(ss, false);
      return simple(c, req, 503);
    }
    ts->client_port[0] = pick->client_port[0];
    ts->client_port[1] = pick->client_port[1];
    ts->server_port[0] = sp[0];
    ts->server_port[1] = sp[1];
  } else {
    ts->ch[0] = pick->interleaved[0];
    ts->ch[1] = pick->interleaved[1];
  }
  ts->setup = true;
  ss->state = SESS_READY;
  rtsp_transport out = *pick;
  out.has_ssrc = true;
  out.ssrc = m->media.pk[track].ssrc;
  out.server_port[0] = ts->lower == RTSP_LOWER_UDP ? ts->server_port[0] : -1;
  out.server_port[1] = ts->lower == RTSP_LOWER_UDP ? ts->server_port[1] : -1;
  if (ts->lower == RTSP_LOWER_TCP) out.client_port[0] = out.client_port[1] = -1;
  char tbuf[256];
  if (rtsp_transport_format(&out, tbuf, sizeof tbuf) < 0) return simple(c, req, 500);
  reply r;
  reply_begin(c, &r, 200, req);
  rtsp_wbuf_printf(&r.w, "Transport: %s\r\n", tbuf);
  put_session(c, &r, ss);
  return reply_end(c, &r, NULL, NULL, 0);
}

static int do_play(rtsp_conn *c, const rtsp_request *req, const char *user) {
  int st;
  rtsp_sess *ss = find_session(c, req, user, &st);
  if (!ss) return simple(c, req, st);
  if (ss->state == SESS_INIT) return simple(c, req, 455);
  const char *rv = rtsp_request_header(req, "Range");
  if (rv) {
    rtsp_range rg;
    if (rtsp_request_header_count(req, "Range") != 1 || rtsp_range_parse(rv, &rg) < 0) return simple(c, req, 457);
  }
  target t;
  st = resolve(c, req->uri, &t);
  if (st) return simple(c, req, st);
  if (t.mount != ss->mount) return simple(c, req, 459);
  uint64_t now = rtsp_now(c->srv);
  // RFC 2326 §12.33: seq and rtptime of the first packet each track will carry.
  rtsp_rtpinfo info[RTSP_TRACKS];
  int ni = 0;
  for (int k = 0; k < RTSP_TRACKS; k++) {
    if (!ss->tr[k].setup) continue;
    rtsp_rtpinfo *e = &info[ni++];
    memset(e, 0, sizeof *e);
    snprintf(e->url, sizeof e->url, "%s/trackID=%d", t.base, k);
    e->has_seq = e->has_rtptime = true;
    e->seq = ss->tr[k].seq;
    e->rtptime = rtsp_mount_rtp_now(ss->mount, k, now);
  }
  char ibuf[1200];
  if (rtsp_rtpinfo_format(info, ni, ibuf, sizeof ibuf) < 0) return simple(c, req, 500);
  if (ss->state != SESS_PLAYING && rtsp_mount_reserve_reader(ss->mount) < 0) return simple(c, req, 503);
  reply r;
  reply_begin(c, &r, 200, req);
  put_session(c, &r, ss);
  rtsp_wbuf_puts(&r.w, "Range: npt=0.000-\r\n");
  rtsp_wbuf_printf(&r.w, "RTP-Info: %s\r\n", ibuf);
  int e = reply_end(c, &r, NULL, NULL, 0);
  if (ss->state != SESS_PLAYING) {
    ss->state = SESS_PLAYING;
    ss->last_sr_us = now;
    rtsp_mount_add_reader(ss->mount, ss);
    rtsp_emit(c->srv, RTSP_EV_PLAY, c, ss->mount->name);
  }
  return e;
}

static int do_pause(rtsp_conn *c, const rtsp_request *req, const char *user) {
  int st;
  rtsp_sess *ss = find_session(c, req, user, &st);
  if (!ss && c->linger_until) return simple(c, req, 200); /* ended by BYE: already paused for good */
  if (!ss) return simple(c, req, st);
  if (ss->state == SESS_INIT) return simple(c, req, 455);
  sess_stop(ss, true);
  reply r;
  reply_begin(c, &r, 200, req);
  put_session(c, &r, ss);
  return reply_end(c, &r, NULL, NULL, 0);
}

static int do_teardown(rtsp_conn *c, const rtsp_request *req, const char *user) {
  int st;
  rtsp_sess *ss = find_session(c, req, user, &st);
  if (!ss && c->linger_until) {
    /* the mount went away and ended this connection's sessions: the client's TEARDOWN after
     * our BYE is the normal end, not an error; hang up once it is answered */
    simple(c, req, 200);
    return ERR_ECLOSED;
  }
  if (!ss) return simple(c, req, st);
  rtsp_sess_free(ss, true);
  return simple(c, req, 200);
}

static int do_parameter(rtsp_conn *c, const rtsp_request *req, const char *user, bool set) {
  /* keepalive; a Session header, when given, must be ours */
  if (rtsp_request_header(req, "Session")) {
    int st;
    rtsp_sess *ss = find_session(c, req, user, &st);
    if (!ss) return simple(c, req, st);
  }
  if (set && req->body_len) return simple(c, req, 451);
  return simple(c, req, 200);
}

/* Handles one complete request; returns a negative code when the connection must close. */
static int handle(rtsp_conn *c, const rtsp_request *req) {
  if (req->cseq < 0) return simple(c, req, 400) < 0 ? ERR_EIO : 0; /* §12.17: CSeq is mandatory */
  const char *m = req->method;
  const char *req_opt = rtsp_request_header(req, "Require");
  if (req_opt) { /* §12.32: we support no option tags */
    reply r;
    reply_begin(c, &r, 551, req);
    rtsp_wbuf_printf(&r.w, "Unsupported: %.200s\r\n", req_opt);
    return reply_end(c, &r, NULL, NULL, 0);
  }
  if (!strcmp(m, "OPTIONS")) return do_options(c, req);
  bool known = !strcmp(m, "DESCRIBE") || !strcmp(m, "SETUP") || !strcmp(m, "PLAY") || !strcmp(m, "PAUSE") ||
               !strcmp(m, "TEARDOWN") || !strcmp(m, "GET_PARAMETER") || !strcmp(m, "SET_PARAMETER");
  if (!known) {
    if (!strcmp(m, "ANNOUNCE") || !strcmp(m, "RECORD") || !strcmp(m, "REDIRECT")) {
      reply r;
      reply_begin(c, &r, 405, req);
      rtsp_wbuf_puts(&r.w, "Allow: " PUBLIC_METHODS "\r\n");
      return reply_end(c, &r, NULL, NULL, 0);
    }
    return simple(c, req, 501);
  }
  char user[RTSP_AUTH_FIELD_MAX];
  int send_err = 0;
  if (check_auth(c, req, user, &send_err)) return send_err;
  if (!strcmp(m, "DESCRIBE")) return do_describe(c, req);
  if (!strcmp(m, "SETUP")) return do_setup(c, req, user);
  if (!strcmp(m, "PLAY")) return do_play(c, req, user);
  if (!strcmp(m, "PAUSE")) return do_pause(c, req, user);
  if (!strcmp(m, "TEARDOWN")) return do_teardown(c, req, user);
  return do_parameter(c, req, user, !strcmp(m, "SET_PARAMETER"));
}

/* An interleaved frame from the client: RTCP receiver reports on an odd channel we assigned.
 * Anything else (before SETUP, unknown channel, RTP towards us) is consumed and ignored. */
static void on_interleaved(rtsp_conn *c, int ch, const uint8_t *d, size_t n) {
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next)
    for (int t = 0; t < RTSP_TRACKS; t++)
      if (ss->tr[t].setup && ss->tr[t].lower == RTSP_LOWER_TCP && ss->tr[t].ch[1] == ch) {
        rtsp_conn_feed_rtcp(c, t, d, n);
        return;
      }
}

void rtsp_conn_feed_rtcp(rtsp_conn *c, int track, const uint8_t *buf, size_t len) {
  if (c->closed || track < 0 || track >= RTSP_TRACKS) return;
  rtcp_rr_block rr[8];
  int n = rtcp_parse_reports(buf, len, rr, 8);
  if (n < 0) return;
  c->last_activity = rtsp_now(c->srv); /* RFC 2326 §12.37: RTCP counts as liveness */
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next)
    for (int i = 0; i < n; i++)
      if (ss->tr[track].setup && rr[i].ssrc == ss->mount->media.pk[track].ssrc) {
        ss->tr[track].last_rr_lost = (uint32_t)rr[i].cumulative_lost;
        ss->tr[track].last_rr_jitter = rr[i].jitter;
      }
}

static int grow_in(rtsp_conn *c, size_t need) {
  const rtsp_limits *l = &c->srv->cfg.limits;
  size_t max = l->max_header_bytes + l->max_body + RTSP_RTCP_SMALL + 4;
  if (need > max) return ERR_ELIMIT;
  if (need <= c->in_cap) return 0;
  size_t cap = c->in_cap ? c->in_cap : IN_CHUNK;
  while (cap < need) cap *= 2;
  if (cap > max) cap = max;
  uint8_t *p = realloc(c->in, cap);
  if (!p) return ERR_ENOMEM;
  c->in = p;
  c->in_cap = cap;
  return 0;
}

/* Parses what is buffered. Returns 0, or a negative code to close. */
static int process(rtsp_conn *c) {
  rtsp_server *s = c->srv;
  size_t pos = 0;
  int ret = 0;
  while (pos < c->in_len && !c->closed && !c->hold_until) {
    const uint8_t *p = c->in + pos;
    size_t n = c->in_len - pos;
    if (c->skip) {
      size_t k = n < c->skip ? n : c->skip;
      c->skip -= k;
      pos += k;
      continue;
    }
    if (p[0] == '\r' || p[0] == '\n') { /* stray line ends between messages */
      pos++;
      continue;
    }
    if (p[0] == '$') {
      // RFC 2326 §10.12
      if (n < 4) break;
      size_t flen = (size_t)p[2] << 8 | p[3];
      if (flen > RTSP_RTCP_SMALL) {
        c->skip = flen;
        pos += 4;
        continue;
      }
      int ch;
      const uint8_t *d;
      size_t dn;
      int used = rtsp_interleaved_parse(p, n, &ch, &d, &dn);
      if (used == 0) break;
      on_interleaved(c, ch, d, dn);
      pos += (size_t)used;
      continue;
    }
    rtsp_request req;
    int status = 0;
    int used = rtsp_request_parse(p, n, &s->cfg.limits, s->scratch, sizeof s->scratch, &req, &status);
    if (used == 0) break;
    if (used < 0) {
      /* malformed: reply without echoing anything from the request, then close */
      reply r;
      reply_begin(c, &r, status ? status : 400, NULL);
      rtsp_wbuf_puts(&r.w, "Connection: close\r\n");
      reply_end(c, &r, NULL, NULL, 0);
      ret = ERR_EBADDATA;
      break;
    }
    pos += (size_t)used;
    c->last_activity = c->last_request = rtsp_now(s);
    c->requests++;
    if (handle(c, &req) < 0) {
      ret = ERR_EIO;
      break;
    }
  }
  if (pos) {
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
  }
  c->partial_since = c->in_len && !c->hold_until ? (c->partial_since ? c->partial_since : rtsp_now(s)) : 0;
  return ret;
}

void rtsp_conn_resume(rtsp_conn *c) {
  c->hold_until = 0;
  if (c->closed || !c->in_len) return;
  if (process(c) < 0 || c->closed) rtsp_conn_close(c);
}

int rtsp_conn_feed(rtsp_conn *c, const uint8_t *buf, size_t len) {
  if (c->closed) return ERR_ECLOSED;
  while (len) {
    size_t room = c->in_cap - c->in_len;
    if (!room) {
      int r = grow_in(c, c->in_len + (len < IN_CHUNK ? len : IN_CHUNK));
      if (r < 0) {
        /* a request larger than every limit: 400 and close */
        reply rp;
        reply_begin(c, &rp, r == ERR_ELIMIT ? 400 : 503, NULL);
        reply_end(c, &rp, NULL, NULL, 0);
        rtsp_conn_close(c);
        return ERR_ECLOSED;
      }
      continue;
    }
    size_t k = len < room ? len : room;
    memcpy(c->in + c->in_len, buf, k);
    c->in_len += k;
    buf += k;
    len -= k;
    if (process(c) < 0 || c->closed) {
      rtsp_conn_close(c);
      return ERR_ECLOSED;
    }
  }
  return 0;
}
