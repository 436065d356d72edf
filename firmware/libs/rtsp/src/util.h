/* Private string helpers shared by the header parsers. */
#ifndef RTSP_UTIL_H
#define RTSP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static inline bool rtsp_ieq(const char *a, size_t alen, const char *lit) {
  size_t n = strlen(lit);
  return alen == n && strncasecmp(a, lit, n) == 0;
}

static inline bool rtsp_is_ws(char c) { return c == ' ' || c == '\t'; }

static inline void rtsp_trim(const char **a, const char **b) {
  while (*a < *b && rtsp_is_ws(**a)) (*a)++;
  while (*b > *a && rtsp_is_ws((*b)[-1])) (*b)--;
}

static inline int rtsp_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decimal digits at *p (at least one, at most up to `max`); advances *p. 0 or -1. */
static inline int rtsp_parse_ulong(const char **p, const char *end, long max, long *out) {
  const char *s = *p;
  long v = 0;
  if (s >= end || *s < '0' || *s > '9') return -1;
  while (s < end && *s >= '0' && *s <= '9') {
    v = v * 10 + (*s - '0');
    if (v > max) return -1;
    s++;
  }
  *p = s;
  *out = v;
  return 0;
}

#endif
