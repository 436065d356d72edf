// Transport header, RFC 2326 §12.39.
#include "rtsp/transport.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/errors.h"
#include "rtsp/wbuf.h"
#include "util.h"

/* "a" or "a-b" with 0 <= a,b <= max; a single value fills [1] with a+1. */
static int parse_range(const char *s, size_t n, int out[2], long max) {
  const char *end = s + n;
  long a, b;
  const char *p = s;
  if (rtsp_parse_ulong(&p, end, max, &a) < 0) return ERR_EBADDATA;
  if (p == end) {
    out[0] = (int)a;
    out[1] = (int)a + 1;
    return 0;
  }
  if (*p != '-') return ERR_EBADDATA;
  p++;
  if (rtsp_parse_ulong(&p, end, max, &b) < 0 || p != end) return ERR_EBADDATA;
  out[0] = (int)a;
  out[1] = (int)b;
  return 0;
}

static int parse_one(const char *s, size_t n, rtsp_transport *t) {
  memset(t, 0, sizeof *t);
  t->client_port[0] = t->client_port[1] = -1;
  t->server_port[0] = t->server_port[1] = -1;
  t->interleaved[0] = t->interleaved[1] = -1;
  const char *end = s + n;
  int idx = 0;
  while (s < end) {
    const char *semi = memchr(s, ';', (size_t)(end - s));
    const char *pe = semi ? semi : end;
    const char *a = s, *b = pe;
    rtsp_trim(&a, &b);
    size_t len = (size_t)(b - a);
    const char *eq = memchr(a, '=', len);
    size_t klen = eq ? (size_t)(eq - a) : len;
    const char *v = eq ? eq + 1 : b;
    size_t vlen = (size_t)(b - v);
    if (idx == 0) {
      /* transport-protocol/profile[/lower-transport] */
      if (rtsp_ieq(a, len, "RTP/AVP") || rtsp_ieq(a, len, "RTP/AVP/UDP")) {
        t->rtp_avp = true;
        t->lower = RTSP_LOWER_UDP;
      } else if (rtsp_ieq(a, len, "RTP/AVP/TCP")) {
        t->rtp_avp = true;
        t->lower = RTSP_LOWER_TCP;
      } else if (len == 0) {
        return ERR_EBADDATA;
      }
    } else if (len == 0) {
      /* empty parameter: tolerated */
    } else if (rtsp_ieq(a, klen, "unicast") && !eq) {
      t->multicast = false;
    } else if (rtsp_ieq(a, klen, "multicast") && !eq) {
      t->multicast = true;
    } else if (rtsp_ieq(a, klen, "client_port") && eq) {
      if (parse_range(v, vlen, t->client_port, 65535) < 0) return ERR_EBADDATA;
    } else if (rtsp_ieq(a, klen, "server_port") && eq) {
      if (parse_range(v, vlen, t->server_port, 65535) < 0) return ERR_EBADDATA;
    } else if (rtsp_ieq(a, klen, "interleaved") && eq) {
      if (parse_range(v, vlen, t->interleaved, 255) < 0) return ERR_EBADDATA;
    } else if (rtsp_ieq(a, klen, "ssrc") && eq) {
      if (vlen == 0 || vlen > 8) return ERR_EBADDATA;
      uint32_t x = 0;
      for (size_t i = 0; i < vlen; i++) {
        int d = rtsp_hexval(v[i]);
        if (d < 0) return ERR_EBADDATA;
        x = x << 4 | (uint32_t)d;
      }
      t->has_ssrc = true;
      t->ssrc = x;
    } else if (rtsp_ieq(a, klen, "mode") && eq) {
      if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') v++, vlen -= 2;
      t->record = rtsp_ieq(v, vlen, "record");
    } else if (rtsp_ieq(a, klen, "destination")) {
      t->has_destination = true;
    }
    /* ttl, layers, append, source...: irrelevant for a unicast server */
    idx++;
    s = semi ? semi + 1 : end;
  }
  return idx > 0 ? 0 : ERR_EBADDATA;
}

int rtsp_transport_parse(const char *value, rtsp_transport *out, int max) {
  if (!value || max <= 0) return ERR_EINVAL;
  const char *s = value, *end = value + strlen(value);
  int n = 0;
  while (s < end) {
    /* commas cannot occur inside a spec we understand, except in quoted mode values */
    const char *c = s;
    bool q = false;
    while (c < end && (q || *c != ',')) {
      if (*c == '"') q = !q;
      c++;
    }
    if (n >= max) return n;
    if (parse_one(s, (size_t)(c - s), &out[n]) < 0) return ERR_EBADDATA;
    n++;
    s = c < end ? c + 1 : end;
  }
  return n ? n : ERR_EBADDATA;
}

int rtsp_transport_format(const rtsp_transport *t, char *out, size_t cap) {
  rtsp_wbuf w;
  rtsp_wbuf_init(&w, out, cap);
  rtsp_wbuf_puts(&w, t->lower == RTSP_LOWER_TCP ? "RTP/AVP/TCP" : "RTP/AVP");
  rtsp_wbuf_puts(&w, t->multicast ? ";multicast" : ";unicast");
  if (t->client_port[0] >= 0) rtsp_wbuf_printf(&w, ";client_port=%d-%d", t->client_port[0], t->client_port[1]);
  if (t->server_port[0] >= 0) rtsp_wbuf_printf(&w, ";server_port=%d-%d", t->server_port[0], t->server_port[1]);
  if (t->interleaved[0] >= 0) rtsp_wbuf_printf(&w, ";interleaved=%d-%d", t->interleaved[0], t->interleaved[1]);
  if (t->has_ssrc) rtsp_wbuf_printf(&w, ";ssrc=%08X", (unsigned)t->ssrc);
  if (t->record) rtsp_wbuf_puts(&w, ";mode=record");
  return w.err ? w.err : (int)w.len;
}
