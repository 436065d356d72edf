#include "rtsp/wbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"

void rtsp_wbuf_init(rtsp_wbuf *w, char *p, size_t cap) {
  w->p = p;
  w->cap = cap;
  w->len = 0;
  w->err = cap ? 0 : ERR_ELIMIT;
  if (cap) p[0] = 0;
}

void rtsp_wbuf_put(rtsp_wbuf *w, const void *data, size_t len) {
  if (w->err) return;
  if (len >= w->cap - w->len) {
    w->err = ERR_ELIMIT;
    return;
  }
  memcpy(w->p + w->len, data, len);
  w->len += len;
  w->p[w->len] = 0;
}

void rtsp_wbuf_puts(rtsp_wbuf *w, const char *s) { rtsp_wbuf_put(w, s, strlen(s)); }

void rtsp_wbuf_printf(rtsp_wbuf *w, const char *fmt, ...) {
  if (w->err) return;
  va_list ap;
  va_start(ap, fmt);
  size_t room = w->cap - w->len;
  int n = vsnprintf(w->p + w->len, room, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= room) {
    w->err = ERR_ELIMIT;
    w->p[w->len] = 0;
    return;
  }
  w->len += (size_t)n;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void rtsp_wbuf_base64(rtsp_wbuf *w, const uint8_t *d, size_t len) {
  char q[4];
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)d[i] << 16;
    if (i + 1 < len) v |= (uint32_t)d[i + 1] << 8;
    if (i + 2 < len) v |= d[i + 2];
    q[0] = b64[(v >> 18) & 63];
    q[1] = b64[(v >> 12) & 63];
    q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
    q[3] = i + 2 < len ? b64[v & 63] : '=';
    rtsp_wbuf_put(w, q, 4);
  }
}

static int b64val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int rtsp_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap) {
  while (inlen && in[inlen - 1] == '=') inlen--;
  if (inlen % 4 == 1) return ERR_EBADDATA;
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < inlen; i++) {
    int v = b64val(in[i]);
    if (v < 0) return ERR_EBADDATA;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap) return ERR_ELIMIT;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  return (int)n;
}
