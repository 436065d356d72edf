// Session header, RFC 2326 §12.37; session-id alphabet §3.4.
#include "rtsp/session.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "util.h"

static bool id_char(char c) {
  /* §3.4: session-id = 1*( ALPHA | DIGIT | safe ), safe = "$" | "-" | "_" | "." | "+" */
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '-' ||
         c == '_' || c == '.' || c == '+';
}

int rtsp_session_parse(const char *value, rtsp_session_hdr *out) {
  if (!value) return ERR_EINVAL;
  const char *p = value, *end = value + strlen(value);
  while (p < end && rtsp_is_ws(*p)) p++;
  const char *id = p;
  while (p < end && id_char(*p)) p++;
  size_t n = (size_t)(p - id);
  if (n == 0 || n > RTSP_SESSION_ID_MAX) return ERR_EBADDATA;
  memcpy(out->id, id, n);
  out->id[n] = 0;
  out->timeout = -1;
  while (p < end && rtsp_is_ws(*p)) p++;
  while (p < end) {
    if (*p != ';') return ERR_EBADDATA;
    p++;
    while (p < end && rtsp_is_ws(*p)) p++;
    const char *k = p;
    while (p < end && *p != '=' && *p != ';') p++;
    const char *ke = p;
    rtsp_trim(&k, &ke);
    if (p < end && *p == '=') {
      p++;
      while (p < end && rtsp_is_ws(*p)) p++;
      if (rtsp_ieq(k, (size_t)(ke - k), "timeout")) {
        long t;
        if (rtsp_parse_ulong(&p, end, 86400 * 365L, &t) < 0) return ERR_EBADDATA;
        out->timeout = (int)t;
      } else {
        while (p < end && *p != ';') p++;
      }
    }
    while (p < end && rtsp_is_ws(*p)) p++;
  }
  return 0;
}

int rtsp_session_format(const rtsp_session_hdr *s, char *out, size_t cap) {
  int n = s->timeout >= 0 ? snprintf(out, cap, "%s;timeout=%d", s->id, s->timeout) : snprintf(out, cap, "%s", s->id);
  return n < 0 || (size_t)n >= cap ? ERR_ELIMIT : n;
}
