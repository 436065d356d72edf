// Range header, RFC 2326 §12.29 with Normal Play Time, §3.6.
#include "rtsp/range.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "util.h"

#define NPT_MAX 1e9

/* npt-time = "now" | npt-sec | npt-hhmmss (§3.6). Fractions up to 9 digits. */
static int parse_npt_time(const char **pp, const char *end, bool *now, double *out) {
  const char *p = *pp;
  if (end - p >= 3 && strncasecmp(p, "now", 3) == 0) {
    *now = true;
    *out = 0;
    *pp = p + 3;
    return 0;
  }
  long parts[3];
  int n = 0;
  for (;;) {
    if (rtsp_parse_ulong(&p, end, 1000000000L, &parts[n]) < 0) return ERR_EBADDATA;
    n++;
    if (p < end && *p == ':' && n < 3) {
      p++;
      continue;
    }
    break;
  }
  if (n == 2) return ERR_EBADDATA;
  double v = n == 3 ? (double)parts[0] * 3600 + (double)parts[1] * 60 + (double)parts[2] : (double)parts[0];
  if (n == 3 && (parts[1] > 59 || parts[2] > 59)) return ERR_EBADDATA;
  if (p < end && *p == '.') {
    p++;
    double scale = 0.1;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (++digits > 9) return ERR_EBADDATA;
      v += (*p - '0') * scale;
      scale /= 10;
      p++;
    }
  }
  if (v > NPT_MAX) return ERR_EBADDATA;
  *now = false;
  *out = v;
  *pp = p;
  return 0;
}

int rtsp_range_parse(const char *value, rtsp_range *out) {
  if (!value) return ERR_EINVAL;
  const char *p = value, *end = value + strlen(value);
  memset(out, 0, sizeof *out);
  while (p < end && rtsp_is_ws(*p)) p++;
  /* a trailing ";time=" parameter is allowed and ignored */
  const char *semi = memchr(p, ';', (size_t)(end - p));
  if (semi) end = semi;
  while (end > p && rtsp_is_ws(end[-1])) end--;
  if (end - p >= 6 && (strncasecmp(p, "clock=", 6) == 0 || strncasecmp(p, "smpte", 5) == 0)) return ERR_ENOTSUP;
  if (end - p < 4 || strncasecmp(p, "npt=", 4) != 0) return ERR_EBADDATA;
  p += 4;
  if (p < end && *p == '-') {
    out->start = 0; /* "-end" form */
  } else if (parse_npt_time(&p, end, &out->start_now, &out->start) < 0) {
    return ERR_EBADDATA;
  }
  if (p >= end || *p != '-') return ERR_EBADDATA;
  p++;
  if (p < end) {
    bool now;
    if (parse_npt_time(&p, end, &now, &out->end) < 0 || now) return ERR_EBADDATA;
    out->has_end = true;
    if (!out->start_now && out->end < out->start) return ERR_EBADDATA;
  }
  return p == end ? 0 : ERR_EBADDATA;
}

int rtsp_range_format(const rtsp_range *r, char *out, size_t cap) {
  int n;
  if (r->start_now) n = snprintf(out, cap, "npt=now-");
  else if (r->has_end) n = snprintf(out, cap, "npt=%.3f-%.3f", r->start, r->end);
  else n = snprintf(out, cap, "npt=%.3f-", r->start);
  return n < 0 || (size_t)n >= cap ? ERR_ELIMIT : n;
}
