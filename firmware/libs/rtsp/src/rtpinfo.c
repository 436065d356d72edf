// RTP-Info header, RFC 2326 §12.33.
#include "rtsp/rtpinfo.h"

#include <string.h>

#include "base/errors.h"
#include "rtsp/wbuf.h"
#include "util.h"

static int parse_entry(const char *s, const char *end, rtsp_rtpinfo *e) {
  memset(e, 0, sizeof *e);
  bool has_url = false;
  while (s < end) {
    const char *semi = memchr(s, ';', (size_t)(end - s));
    const char *pe = semi ? semi : end;
    const char *a = s, *b = pe;
    rtsp_trim(&a, &b);
    const char *eq = memchr(a, '=', (size_t)(b - a));
    if (!eq) return ERR_EBADDATA;
    size_t klen = (size_t)(eq - a);
    const char *v = eq + 1;
    long x;
    if (rtsp_ieq(a, klen, "url")) {
      size_t n = (size_t)(b - v);
      if (n == 0 || n >= sizeof e->url || has_url) return ERR_EBADDATA;
      memcpy(e->url, v, n);
      e->url[n] = 0;
      has_url = true;
    } else if (rtsp_ieq(a, klen, "seq")) {
      if (rtsp_parse_ulong(&v, b, 65535, &x) < 0 || v != b || e->has_seq) return ERR_EBADDATA;
      e->seq = (uint16_t)x;
      e->has_seq = true;
    } else if (rtsp_ieq(a, klen, "rtptime")) {
      if (rtsp_parse_ulong(&v, b, 4294967295L, &x) < 0 || v != b || e->has_rtptime) return ERR_EBADDATA;
      e->rtptime = (uint32_t)x;
      e->has_rtptime = true;
    }
    s = semi ? semi + 1 : end;
  }
  return has_url ? 0 : ERR_EBADDATA;
}

int rtsp_rtpinfo_parse(const char *value, rtsp_rtpinfo *out, int max) {
  if (!value || max <= 0) return ERR_EINVAL;
  const char *s = value, *end = value + strlen(value);
  int n = 0;
  while (s < end && n < max) {
    /* a comma inside a URL is legal; entries start with "url=" after the comma */
    const char *c = s;
    for (;;) {
      c = memchr(c, ',', (size_t)(end - c));
      if (!c) break;
      const char *q = c + 1;
      while (q < end && rtsp_is_ws(*q)) q++;
      if (end - q >= 4 && strncasecmp(q, "url=", 4) == 0) break;
      c++;
    }
    const char *pe = c ? c : end;
    if (parse_entry(s, pe, &out[n]) < 0) return ERR_EBADDATA;
    n++;
    s = c ? c + 1 : end;
  }
  return n ? n : ERR_EBADDATA;
}

int rtsp_rtpinfo_format(const rtsp_rtpinfo *e, int n, char *out, size_t cap) {
  rtsp_wbuf w;
  rtsp_wbuf_init(&w, out, cap);
  for (int i = 0; i < n; i++) {
    rtsp_wbuf_printf(&w, "%surl=%s", i ? "," : "", e[i].url);
    if (e[i].has_seq) rtsp_wbuf_printf(&w, ";seq=%u", (unsigned)e[i].seq);
    if (e[i].has_rtptime) rtsp_wbuf_printf(&w, ";rtptime=%lu", (unsigned long)e[i].rtptime);
  }
  return w.err ? w.err : (int)w.len;
}
