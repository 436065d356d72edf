/*
 * rtsp/range.h — the Range header (RFC 2326 §12.29), NPT only (§3.6).
 *
 * A live server ignores the start but still validates it; clock= and smpte= ranges are parsed
 * as unsupported (a reply of 457 Invalid Range is the caller's choice).
 */
#ifndef RTSP_RANGE_H
#define RTSP_RANGE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rtsp_range {
  bool start_now; /* npt=now- */
  double start;   /* seconds, >= 0 */
  bool has_end;
  double end;
} rtsp_range;

/* 0, ERR_EBADDATA (malformed or absurd: > 10^9 s, end < start), ERR_ENOTSUP (clock=/smpte=). */
int rtsp_range_parse(const char *value, rtsp_range *out);
int rtsp_range_format(const rtsp_range *r, char *out, size_t cap);

#endif
