/*
 * rtsp/rtpinfo.h — the RTP-Info header (RFC 2326 §12.33): `url=..;seq=N;rtptime=T[, ...]`.
 */
#ifndef RTSP_RTPINFO_H
#define RTSP_RTPINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTSP_RTPINFO_URL_MAX 544

typedef struct rtsp_rtpinfo {
  char url[RTSP_RTPINFO_URL_MAX];
  bool has_seq, has_rtptime;
  uint16_t seq;
  uint32_t rtptime;
} rtsp_rtpinfo;

/* Parses up to `max` entries; returns the count or ERR_EBADDATA. */
int rtsp_rtpinfo_parse(const char *value, rtsp_rtpinfo *out, int max);
/* Formats n entries comma-separated; returns the length or ERR_ELIMIT. */
int rtsp_rtpinfo_format(const rtsp_rtpinfo *e, int n, char *out, size_t cap);

#endif
