// RTSP client core, sans I/O. Publishing: OPTIONS, ANNOUNCE, SETUP (mode=record), RECORD, then
// interleaved RTP (RFC 2326 §10.1, §10.3, §10.4, §10.11, §10.12, §10.7). Viewing: OPTIONS,
// DESCRIBE, SETUP (interleaved or UDP), PLAY, counting the RTP that arrives (§10.2, §10.5).
#include "rtsp/pusher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/errors.h"
#include "rtsp/auth.h"
#include "rtsp/message.h"
#include "rtsp/rtp_media.h"
#include "rtsp/sdp.h"
#include "rtsp/session.h"
#include "rtsp/transport.h"
#include "rtsp/wbuf.h"
#include "util.h"

#define PUSH_IN_MAX 65536
#define PUSH_URL_MAX 512
#define PUSH_MSG_MAX 8192

enum {
  REQ_NONE,
  REQ_OPTIONS,
  REQ_ANNOUNCE,
  REQ_SETUP,
  REQ_RECORD,
  REQ_KEEPALIVE,
  REQ_TEARDOWN,
  REQ_DESCRIBE,
  REQ_PLAY
};
static const char *const req_names[] = {"",         "OPTIONS",  "ANNOUNCE", "SETUP", "RECORD", "GET_PARAMETER",
                                        "TEARDOWN", "DESCRIBE", "PLAY"};

struct rtsp_pusher {
  rtsp_pusher_config cfg;
  char url[PUSH_URL_MAX]; /* without credentials */
  char host[256];
  int port;
  char user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX];
  rtsp_push_state state;
  char err[768];
  /* request in flight */
  int req, req_track;
  long cseq;
  bool auth_retried;
  /* auth (RFC 2617) */
  rtsp_auth_mode auth;
  char realm[RTSP_AUTH_FIELD_MAX], nonce[RTSP_AUTH_FIELD_MAX], opaque[RTSP_AUTH_FIELD_MAX];
  bool qop_auth;
  unsigned nc;
  char session[RTSP_SESSION_ID_MAX + 1];
  int timeout_s;
  uint64_t last_req_us;
  bool keepalive_ok; /* GET_PARAMETER is listed in Public */
  /* tracks: 0 video, 1 audio */
  char ctl[2][PUSH_URL_MAX + 64]; /* each track's URL for SETUP; empty: no such track */
  int ch[2];
  rtp_media media;
  bool need_key;
  rtp_pktbuf pb;
  uint8_t in[PUSH_IN_MAX];
  size_t in_len;
  char scratch[PUSH_MSG_MAX + 1]; /* the response parser's copy of a header block */
  rtsp_pusher_stats st;
};

static uint64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t rand64(void) {
  static uint64_t x;
  if (!x) {
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&x, sizeof x, 1, f) != 1) x = 0;
    if (f) fclose(f);
    x ^= mono_us() ^ (uint64_t)(uintptr_t)&x;
    if (!x) x = 0x9E3779B97F4A7C15ull;
  }
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd(void *u) {
  (void)u;
  return rand64();
}

/* RFC 2326 §3.2: rtsp_URL = "rtsp://" host [ ":" port ] [ abs_path ]; userinfo as in RFC 3986. */
int rtsp_url_split(const char *url, char *host, size_t hcap, int *port, char *user, size_t ucap, char *pass,
                   size_t pcap) {
  if (!url || strncasecmp(url, "rtsp://", 7) != 0) return ERR_EINVAL;
  const char *a = url + 7;
  const char *end = a + strcspn(a, "/?#");
  const char *at = NULL;
  for (const char *q = a; q < end; q++)
    if (*q == '@') at = q;
  if (user) user[0] = 0;
  if (pass) pass[0] = 0;
  if (at) {
    const char *colon = memchr(a, ':', (size_t)(at - a));
    const char *ue = colon ? colon : at;
    if (user && (size_t)(ue - a) < ucap) {
      memcpy(user, a, (size_t)(ue - a));
      user[ue - a] = 0;
    }
    if (colon && pass && (size_t)(at - colon - 1) < pcap) {
      memcpy(pass, colon + 1, (size_t)(at - colon - 1));
      pass[at - colon - 1] = 0;
    }
    a = at + 1;
  }
  const char *he, *pp;
  if (*a == '[') {
    he = memchr(a, ']', (size_t)(end - a));
    if (!he) return ERR_EINVAL;
    a++;
    pp = he + 1;
  } else {
    he = memchr(a, ':', (size_t)(end - a));
    if (!he) he = end;
    pp = he;
  }
  if (he == a || (size_t)(he - a) >= hcap) return ERR_EINVAL;
  memcpy(host, a, (size_t)(he - a));
  host[he - a] = 0;
  *port = 554; /* §3.2 default */
  if (pp < end) {
    if (*pp != ':') return ERR_EINVAL;
    pp++;
    long v;
    if (rtsp_parse_ulong(&pp, end, 65535, &v) < 0 || pp != end || v < 1) return ERR_EINVAL;
    *port = (int)v;
  }
  return 0;
}

int rtsp_pusher_new(const rtsp_pusher_config *cfg, rtsp_pusher **out) {
  if (!cfg || !out || !cfg->url || !cfg->sendv) return ERR_EINVAL;
  *out = NULL;
  if (!cfg->play && (cfg->video < RTSP_VIDEO_NONE || cfg->video > RTSP_VIDEO_H265 || cfg->audio < RTSP_AUDIO_NONE ||
                     cfg->audio > RTSP_AUDIO_PCMA || (cfg->video == RTSP_VIDEO_NONE && cfg->audio == RTSP_AUDIO_NONE)))
    return ERR_EINVAL;
  if (cfg->play && cfg->udp && !cfg->udp_open) return ERR_EINVAL;
  size_t mtu = cfg->mtu ? cfg->mtu : RTP_MTU_DEFAULT;
  if (mtu < RTP_MTU_MIN || mtu > RTP_MTU_MAX) return ERR_EINVAL;
  rtsp_pusher *p = calloc(1, sizeof *p);
  if (!p) return ERR_ENOMEM;
  p->cfg = *cfg;
  if (!p->cfg.max_backlog) p->cfg.max_backlog = 4u << 20;
  if (rtsp_url_split(cfg->url, p->host, sizeof p->host, &p->port, p->user, sizeof p->user, p->pass, sizeof p->pass) <
      0) {
    free(p);
    return ERR_EINVAL;
  }
  /* the request URL without userinfo: rtsp://host:port/path */
  const char *rest = cfg->url + 7;
  rest += strcspn(rest, "/?#");
  bool v6 = strchr(p->host, ':') != NULL;
  int n = snprintf(p->url, sizeof p->url, v6 ? "rtsp://[%s]:%d%s" : "rtsp://%s:%d%s", p->host, p->port, rest);
  if (n < 0 || (size_t)n >= sizeof p->url || strpbrk(p->url, " \r\n")) {
    free(p);
    return ERR_EINVAL;
  }
  while (n > 8 && p->url[n - 1] == '/') p->url[--n] = 0;
  if (!cfg->play) /* the tracks of the SDP we announce (sdp.c's a=control, RFC 2326 §C.1.1) */
    for (int t = 0; t < 2; t++)
      if (t == 0 ? cfg->video != RTSP_VIDEO_NONE : cfg->audio != RTSP_AUDIO_NONE)
        snprintf(p->ctl[t], sizeof p->ctl[t], "%s/trackID=%d", p->url, t);
  if (cfg->username) snprintf(p->user, sizeof p->user, "%s", cfg->username);
  if (cfg->password) snprintf(p->pass, sizeof p->pass, "%s", cfg->password);
  p->cfg.url = p->url;
  if (cfg->play) { /* a viewer sends no media */
    p->cfg.video = RTSP_VIDEO_NONE;
    p->cfg.audio = RTSP_AUDIO_NONE;
  }
  rtp_media_init(&p->media, (int)p->cfg.video, rtsp_audio_pt(p->cfg.audio), mtu, rnd, NULL);
  p->ch[0] = p->ch[1] = -1;
  p->need_key = true;
  p->timeout_s = 60; /* §12.37 default */
  rtp_pktbuf_init_interleaved(&p->pb);
  *out = p;
  return 0;
}

void rtsp_pusher_free(rtsp_pusher *p) {
  if (!p) return;
  rtp_pktbuf_free(&p->pb);
  free(p);
}

rtsp_push_state rtsp_pusher_state(const rtsp_pusher *p) { return p->state; }
bool rtsp_pusher_busy(const rtsp_pusher *p) { return p->req != REQ_NONE; }
const char *rtsp_pusher_error(const rtsp_pusher *p) { return p->err; }
void rtsp_pusher_get_stats(const rtsp_pusher *p, rtsp_pusher_stats *out) { *out = p->st; }
const char *rtsp_pusher_host(const rtsp_pusher *p) { return p->host; }
int rtsp_pusher_port(const rtsp_pusher *p) { return p->port; }

static void set_state(rtsp_pusher *p, rtsp_push_state st, int status, int code) {
  if (p->state == st) return;
  p->state = st;
  if (p->cfg.on_state) p->cfg.on_state(p->cfg.user, st, status, code);
}

void rtsp_pusher_fail(rtsp_pusher *p, int status, int code, const char *what) {
  if (p->state == RTSP_PUSH_FAILED || p->state == RTSP_PUSH_CLOSED) return;
  snprintf(p->err, sizeof p->err, "%s", what);
  set_state(p, RTSP_PUSH_FAILED, status, code);
}

static int send_bytes(rtsp_pusher *p, const void *buf, size_t len) {
  rtsp_iov v = {buf, len};
  int r = p->cfg.sendv(p->cfg.user, &v, 1);
  if (r < 0) rtsp_pusher_fail(p, 0, r, "the connection to the server failed");
  return r;
}

/* Authorization for a request (RFC 2617 §2 Basic, §3.2.2 Digest). */
static void put_auth(rtsp_pusher *p, rtsp_wbuf *w, const char *method, const char *uri) {
  if (p->auth == RTSP_AUTH_BASIC) {
    char up[2 * RTSP_AUTH_FIELD_MAX + 2];
    int n = snprintf(up, sizeof up, "%s:%s", p->user, p->pass);
    rtsp_wbuf_puts(w, "Authorization: Basic ");
    rtsp_wbuf_base64(w, (const uint8_t *)up, n > 0 ? (size_t)n : 0);
    rtsp_wbuf_puts(w, "\r\n");
  } else if (p->auth == RTSP_AUTH_DIGEST) {
    char hex[33], nc[9] = "", cnonce[17] = "";
    if (p->qop_auth) {
      snprintf(nc, sizeof nc, "%08x", ++p->nc);
      snprintf(cnonce, sizeof cnonce, "%016llx", (unsigned long long)rand64());
    }
    rtsp_digest_response(p->user, p->realm, p->pass, method, uri, p->nonce, nc, cnonce, p->qop_auth ? "auth" : "", hex);
    rtsp_wbuf_printf(w,
                     "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\"",
                     p->user, p->realm, p->nonce, uri, hex);
    if (p->qop_auth) rtsp_wbuf_printf(w, ", qop=auth, nc=%s, cnonce=\"%s\"", nc, cnonce);
    if (p->opaque[0]) rtsp_wbuf_printf(w, ", opaque=\"%s\"", p->opaque);
    rtsp_wbuf_puts(w, "\r\n");
  }
}

static int send_request(rtsp_pusher *p, int req, int track) {
  char sdp[2048], msg[PUSH_MSG_MAX];
  const char *method = req_names[req];
  const char *uri = req == REQ_SETUP ? p->ctl[track] : p->url;
  int sdp_len = 0, udp_port = 0;
  if (req == REQ_SETUP && p->cfg.play && p->cfg.udp) {
    int r = p->cfg.udp_open(p->cfg.user, track, &udp_port);
    if (r < 0) {
      char what[PUSH_URL_MAX + 128];
      snprintf(what, sizeof what, "SETUP %s: cannot open UDP ports: %s", uri, err_str(r));
      rtsp_pusher_fail(p, 0, r, what);
      return r;
    }
  }
  if (req == REQ_ANNOUNCE) {
    sdp_params sp;
    memset(&sp, 0, sizeof sp);
    sp.video = p->cfg.video;
    sp.audio = p->cfg.audio;
    sdp_params_set_ps(&sp, &p->media.ps);
    sp.session_id = rand64() >> 1;
    sp.origin_addr = "127.0.0.1";
    sdp_len = sdp_write(&sp, sdp, sizeof sdp);
    if (sdp_len < 0) return sdp_len;
  }
  rtsp_wbuf w;
  rtsp_wbuf_init(&w, msg, sizeof msg);
  /* §6.1 Request-Line, §12.17 CSeq */
  rtsp_wbuf_printf(&w, "%s %s RTSP/1.0\r\nCSeq: %ld\r\nUser-Agent: k230js\r\n", method, uri, ++p->cseq);
  put_auth(p, &w, method, uri);
  if (p->session[0] && req != REQ_SETUP) rtsp_wbuf_printf(&w, "Session: %s\r\n", p->session);
  if (req == REQ_SETUP) {
    if (p->session[0]) rtsp_wbuf_printf(&w, "Session: %s\r\n", p->session); /* §10.4: aggregate */
    int ch = track * 2;
    if (!p->cfg.play)
      rtsp_wbuf_printf(&w, "Transport: RTP/AVP/TCP;unicast;interleaved=%d-%d;mode=record\r\n", ch, ch + 1);
    else if (p->cfg.udp)
      rtsp_wbuf_printf(&w, "Transport: RTP/AVP;unicast;client_port=%d-%d\r\n", udp_port, udp_port + 1);
    else rtsp_wbuf_printf(&w, "Transport: RTP/AVP/TCP;unicast;interleaved=%d-%d\r\n", ch, ch + 1);
  } else if (req == REQ_RECORD || req == REQ_PLAY) {
    rtsp_wbuf_puts(&w, "Range: npt=0.000-\r\n"); /* §10.11, §10.5 */
  } else if (req == REQ_DESCRIBE) {
    rtsp_wbuf_puts(&w, "Accept: application/sdp\r\n"); /* §10.2 */
  } else if (req == REQ_ANNOUNCE) {
    rtsp_wbuf_printf(&w, "Content-Type: application/sdp\r\nContent-Length: %d\r\n", sdp_len); /* §10.3 */
  }
  rtsp_wbuf_puts(&w, "\r\n");
  if (req == REQ_ANNOUNCE) rtsp_wbuf_put(&w, sdp, (size_t)sdp_len);
  if (w.err) return w.err;
  p->req = req;
  p->req_track = track;
  p->last_req_us = mono_us();
  return send_bytes(p, msg, w.len);
}

int rtsp_pusher_start(rtsp_pusher *p) {
  if (p->state != RTSP_PUSH_IDLE) return ERR_ESTATE;
  p->state = RTSP_PUSH_HANDSHAKE;
  return send_request(p, REQ_OPTIONS, 0);
}

/* WWW-Authenticate (RFC 2617 §1.2, §3.2.1): picks Digest over Basic. */
static bool take_challenge(rtsp_pusher *p, const char *v) {
  while (*v == ' ') v++;
  if (!strncasecmp(v, "Basic", 5) && (!v[5] || v[5] == ' ')) {
    if (p->auth != RTSP_AUTH_DIGEST) p->auth = RTSP_AUTH_BASIC;
    return true;
  }
  if (strncasecmp(v, "Digest", 6) != 0 || (v[6] && v[6] != ' ')) return false;
  char realm[RTSP_AUTH_FIELD_MAX] = "", nonce[RTSP_AUTH_FIELD_MAX] = "", opaque[RTSP_AUTH_FIELD_MAX] = "";
  bool qop = false;
  const char *s = v + 6, *end = s + strlen(s);
  while (s < end) {
    while (s < end && (rtsp_is_ws(*s) || *s == ',')) s++;
    const char *k = s;
    while (s < end && *s != '=' && *s != ',') s++;
    const char *ke = s;
    rtsp_trim(&k, &ke);
    if (s >= end || *s != '=') break;
    s++;
    while (s < end && rtsp_is_ws(*s)) s++;
    const char *val, *ve;
    if (*s == '"') {
      val = ++s;
      while (s < end && *s != '"') s++;
      ve = s;
      if (s < end) s++;
    } else {
      val = s;
      while (s < end && *s != ',') s++;
      ve = s;
      rtsp_trim(&val, &ve);
    }
    size_t kl = (size_t)(ke - k), vl = (size_t)(ve - val);
    char *dst = rtsp_ieq(k, kl, "realm")    ? realm
                : rtsp_ieq(k, kl, "nonce")  ? nonce
                : rtsp_ieq(k, kl, "opaque") ? opaque
                                            : NULL;
    if (dst && vl < RTSP_AUTH_FIELD_MAX) {
      memcpy(dst, val, vl);
      dst[vl] = 0;
    }
    if (rtsp_ieq(k, kl, "qop")) { /* a list like "auth,auth-int" */
      for (const char *q = val; q + 4 <= ve; q++)
        if (!strncasecmp(q, "auth", 4) && (q + 4 == ve || q[4] == ',' || q[4] == ' ')) qop = true;
    }
    if (rtsp_ieq(k, kl, "algorithm") && !rtsp_ieq(val, vl, "MD5")) return false;
  }
  if (!nonce[0] || strchr(realm, '"') || strchr(nonce, '"')) return false;
  p->auth = RTSP_AUTH_DIGEST;
  memcpy(p->realm, realm, sizeof realm);
  memcpy(p->nonce, nonce, sizeof nonce);
  memcpy(p->opaque, opaque, sizeof opaque);
  p->qop_auth = qop;
  p->nc = 0;
  return true;
}

static void fail_status(rtsp_pusher *p, const rtsp_response *r, int req) {
  const char *uri = req == REQ_SETUP ? p->ctl[p->req_track] : p->url;
  char msg[700];
  snprintf(msg, sizeof msg, "%s %s: RTSP/1.0 %d %.63s", req_names[req], uri, r->status,
           r->reason[0] ? r->reason : rtsp_status_text(r->status));
  rtsp_pusher_fail(p, r->status, r->status == 401 ? ERR_EINVAL : ERR_EIO, msg);
}

static int next_setup_track(const rtsp_pusher *p, int after) {
  for (int t = after + 1; t < 2; t++)
    if (p->ctl[t][0]) return t;
  return -1;
}

/* Viewing: the first video and the first audio media of the DESCRIBE reply (RFC 4566 §5.14) and
 * their control URLs (RFC 2326 §C.1.1: absolute, or relative to Content-Base, else to the
 * request URL; a media without a=control is the aggregate URL itself). */
static bool take_sdp(rtsp_pusher *p, const rtsp_response *r) {
  const char *cb = rtsp_header_find(r->headers, r->nheaders, "Content-Base");
  const char *base = cb && cb[0] ? cb : p->url;
  size_t bl = strlen(base);
  const char *s = (const char *)r->body, *end = s ? s + r->body_len : NULL;
  int cur = -1;
  while (s && s < end) {
    const char *e = memchr(s, '\n', (size_t)(end - s));
    if (!e) e = end;
    const char *le = e > s && e[-1] == '\r' ? e - 1 : e;
    size_t n = (size_t)(le - s);
    if (n > 8 && !strncmp(s, "m=", 2)) {
      cur = !strncmp(s + 2, "video ", 6) ? 0 : !strncmp(s + 2, "audio ", 6) ? 1 : -1;
      if (cur >= 0 && p->ctl[cur][0]) cur = -1; /* only the first of each kind */
      if (cur >= 0) snprintf(p->ctl[cur], sizeof p->ctl[cur], "%s", base);
    } else if (cur >= 0 && n > 10 && !strncmp(s, "a=control:", 10)) {
      const char *c = s + 10;
      int cn = (int)(n - 10);
      if (cn >= 7 && !strncasecmp(c, "rtsp://", 7)) snprintf(p->ctl[cur], sizeof p->ctl[cur], "%.*s", cn, c);
      else if (!(cn == 1 && *c == '*'))
        snprintf(p->ctl[cur], sizeof p->ctl[cur], "%s%s%.*s", base, bl && base[bl - 1] == '/' ? "" : "/", cn, c);
    }
    s = e + 1;
  }
  return p->ctl[0][0] || p->ctl[1][0];
}

static void on_response(rtsp_pusher *p, const rtsp_response *r) {
  int req = p->req;
  if (req == REQ_NONE || r->cseq != p->cseq) return; /* §12.17: not ours (or a late keep-alive) */
  p->req = REQ_NONE;
  if (req == REQ_TEARDOWN || req == REQ_KEEPALIVE) return;
  if (r->status == 401 && !p->auth_retried && p->user[0]) { /* RFC 2326 §D.2, RFC 2617 */
    bool ok = false;
    for (int i = 0; i < r->nheaders; i++)
      if (!strcasecmp(r->headers[i].name, "WWW-Authenticate")) ok |= take_challenge(p, r->headers[i].value);
    if (ok) {
      p->auth_retried = true;
      send_request(p, req, p->req_track);
      return;
    }
  }
  if (r->status < 200 || r->status > 299) {
    fail_status(p, r, req);
    return;
  }
  p->auth_retried = false;
  switch (req) {
    case REQ_OPTIONS: {
      const char *pub = rtsp_header_find(r->headers, r->nheaders, "Public");
      if (pub && strstr(pub, "GET_PARAMETER")) p->keepalive_ok = true;
      send_request(p, p->cfg.play ? REQ_DESCRIBE : REQ_ANNOUNCE, 0);
      break;
    }
    case REQ_DESCRIBE:
      if (!take_sdp(p, r)) {
        rtsp_pusher_fail(p, r->status, ERR_EBADDATA, "DESCRIBE: the server's SDP has no video or audio media");
        return;
      }
      send_request(p, REQ_SETUP, next_setup_track(p, -1));
      break;
    case REQ_ANNOUNCE: send_request(p, REQ_SETUP, next_setup_track(p, -1)); break;
    case REQ_SETUP: {
      const char *sess = rtsp_header_find(r->headers, r->nheaders, "Session");
      const char *trans = rtsp_header_find(r->headers, r->nheaders, "Transport");
      rtsp_session_hdr sh;
      if (sess) { /* §12.37: id [;timeout=n] */
        if (rtsp_session_parse(sess, &sh) < 0) {
          rtsp_pusher_fail(p, r->status, ERR_EBADDATA, "SETUP: the server's Session header is malformed");
          return;
        }
        memcpy(p->session, sh.id, sizeof p->session);
        if (sh.timeout > 0) p->timeout_s = sh.timeout;
      }
      int ch = p->cfg.play && p->cfg.udp ? -1 : p->req_track * 2;
      rtsp_transport tr[4];
      if (ch >= 0 && trans && rtsp_transport_parse(trans, tr, 4) >= 1 && tr[0].interleaved[0] >= 0)
        ch = tr[0].interleaved[0]; /* §12.39: the server may choose other channels */
      p->ch[p->req_track] = ch;
      if (!p->session[0]) {
        rtsp_pusher_fail(p, r->status, ERR_EBADDATA, "SETUP: the server's reply has no Session header");
        return;
      }
      int next = next_setup_track(p, p->req_track);
      send_request(p, next >= 0 ? REQ_SETUP : p->cfg.play ? REQ_PLAY : REQ_RECORD, next >= 0 ? next : 0);
      break;
    }
    case REQ_PLAY:
    case REQ_RECORD: set_state(p, RTSP_PUSH_RECORDING, r->status, 0); break;
    default: break;
  }
}

int rtsp_pusher_feed(rtsp_pusher *p, const uint8_t *buf, size_t len) {
  if (p->state == RTSP_PUSH_FAILED) return ERR_ESTATE;
  while (len) {
    size_t n = sizeof p->in - p->in_len;
    if (n > len) n = len;
    memcpy(p->in + p->in_len, buf, n);
    p->in_len += n;
    buf += n;
    len -= n;
    size_t off = 0;
    while (off < p->in_len && p->state != RTSP_PUSH_FAILED) {
      uint8_t *b = p->in + off;
      size_t avail = p->in_len - off;
      if (b[0] == '$') { /* §10.12: RTP when viewing; else RTCP (receiver reports), skipped */
        if (avail < 4) break;
        size_t flen = 4 + ((size_t)b[2] << 8 | b[3]);
        if (avail < flen) {
          if (flen > sizeof p->in) { /* cannot hold it: drop what we have and resync later */
            off = p->in_len;
          }
          break;
        }
        if (p->cfg.play && (b[1] == p->ch[0] || b[1] == p->ch[1])) {
          p->st.packets_received++;
          p->st.bytes_received += flen - 4;
        }
        off += flen;
        continue;
      }
      if (b[0] == '\r' || b[0] == '\n') {
        off++;
        continue;
      }
      static const rtsp_limits lim = {PUSH_MSG_MAX, 2048, RTSP_MAX_HEADERS, PUSH_IN_MAX / 2};
      rtsp_response r;
      int n = rtsp_response_parse(b, avail, &lim, p->scratch, sizeof p->scratch, &r);
      if (n == ERR_ELIMIT) {
        rtsp_pusher_fail(p, 0, ERR_ELIMIT, "the server's reply is too large");
        return ERR_ELIMIT;
      }
      if (n < 0) {
        rtsp_pusher_fail(p, 0, ERR_EBADDATA, "the server sent something that is not an RTSP/1.0 reply");
        return ERR_EBADDATA;
      }
      if (!n) break;
      off += (size_t)n;
      on_response(p, &r);
    }
    memmove(p->in, p->in + off, p->in_len - off);
    p->in_len -= off;
  }
  return p->state == RTSP_PUSH_FAILED ? ERR_ESTATE : 0;
}

/* ---- media ---- */

/* Sends the packets in p->pb, already behind their interleave headers, on `track` (§10.12). */
static int flush_packets(rtsp_pusher *p, int track) {
  rtp_pktbuf *b = &p->pb;
  for (int i = 0; i < b->n; i++) b->data[b->off[i] + 1] = (uint8_t)p->ch[track];
  p->st.packets_sent += (uint64_t)b->n;
  p->st.bytes_sent += b->len;
  rtsp_iov v = {b->data, b->len};
  int r = p->cfg.sendv(p->cfg.user, &v, 1);
  if (r < 0) rtsp_pusher_fail(p, 0, r, "the connection to the server failed");
  return r;
}

static bool congested(const rtsp_pusher *p) {
  return p->cfg.backlog && p->cfg.backlog(p->cfg.user) > p->cfg.max_backlog;
}

/* Media before RECORD (or past the backlog) is dropped through the keyframe gate, so what
 * follows starts at a keyframe. */
static bool admit(rtsp_pusher *p, bool video, bool key) {
  bool recording = p->state == RTSP_PUSH_RECORDING;
  bool need = p->need_key;
  bool ok = rtsp_key_gate(&p->need_key, video, key, recording && !congested(p));
  if (!recording) p->need_key = need || video; /* nothing was sent: still waiting */
  if (!ok) p->st.frames_dropped++;
  return ok;
}

int rtsp_pusher_send_au(rtsp_pusher *p, const uint8_t *buf, size_t len, uint64_t pts_us, rtp_au_kind kind) {
  if (!p || (!buf && len)) return ERR_EINVAL;
  if (p->cfg.video == RTSP_VIDEO_NONE) return ERR_ENOTSUP;
  if (p->state == RTSP_PUSH_FAILED || p->state == RTSP_PUSH_CLOSED) return ERR_ESTATE;
  rtp_pktbuf_reset(&p->pb);
  bool key;
  /* packetized even when dropped: the parameter sets must reach the cache (and the ANNOUNCE) */
  int n = rtp_media_video(&p->media, buf, len, pts_us, kind, &p->pb, &key);
  int r = n < 0 ? n : 0;
  if (n > 0 && admit(p, true, key)) {
    r = flush_packets(p, 0);
    if (!r) p->st.frames_sent++;
  }
  rtp_pktbuf_reset(&p->pb);
  return r;
}

int rtsp_pusher_send_video(rtsp_pusher *p, const uint8_t *buf, size_t len, uint64_t pts_us) {
  return rtsp_pusher_send_au(p, buf, len, pts_us, RTP_AU_UNKNOWN);
}

int rtsp_pusher_send_audio(rtsp_pusher *p, const uint8_t *buf, size_t len, uint64_t pts_us) {
  if (!p || !buf || !len) return ERR_EINVAL;
  if (p->cfg.audio == RTSP_AUDIO_NONE) return ERR_ENOTSUP;
  if (p->state == RTSP_PUSH_FAILED || p->state == RTSP_PUSH_CLOSED) return ERR_ESTATE;
  if (!admit(p, false, true)) return 0;
  rtp_pktbuf_reset(&p->pb);
  int r = rtp_media_audio(&p->media, buf, len, pts_us, &p->pb);
  if (r >= 0) r = flush_packets(p, 1);
  rtp_pktbuf_reset(&p->pb);
  if (!r) p->st.frames_sent++;
  return r;
}

void rtsp_pusher_received(rtsp_pusher *p, int track, size_t len) {
  if (!p->cfg.play || track < 0 || track > 1 || !p->ctl[track][0]) return;
  p->st.packets_received++;
  p->st.bytes_received += len;
}

void rtsp_pusher_tick(rtsp_pusher *p, uint64_t now_us) {
  (void)now_us;
  if (p->state != RTSP_PUSH_RECORDING || p->req != REQ_NONE) return;
  uint64_t now = mono_us();
  /* §12.37: the session lives while the client sends requests within the timeout */
  if (now - p->last_req_us < (uint64_t)p->timeout_s * 500000) return;
  /* GET_PARAMETER when the server lists it (§10.8), else OPTIONS (§10.1); the reply is ignored */
  if (p->keepalive_ok) {
    send_request(p, REQ_KEEPALIVE, 0);
  } else if (send_request(p, REQ_OPTIONS, 0) >= 0) {
    p->req = REQ_KEEPALIVE;
  }
}

int rtsp_pusher_teardown(rtsp_pusher *p) {
  int r = 0;
  if ((p->state == RTSP_PUSH_RECORDING || p->state == RTSP_PUSH_HANDSHAKE) && p->session[0])
    r = send_request(p, REQ_TEARDOWN, 0); /* §10.7 */
  if (p->state != RTSP_PUSH_FAILED) set_state(p, RTSP_PUSH_CLOSED, 0, 0);
  return r < 0 ? r : 0;
}
