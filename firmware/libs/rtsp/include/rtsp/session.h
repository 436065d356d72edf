/*
 * rtsp/session.h — the Session header (RFC 2326 §12.37): `id[;timeout=seconds]`.
 */
#ifndef RTSP_SESSION_H
#define RTSP_SESSION_H

#include <stddef.h>

#define RTSP_SESSION_ID_MAX 64

typedef struct rtsp_session_hdr {
  char id[RTSP_SESSION_ID_MAX + 1];
  int timeout; /* seconds, -1 when absent */
} rtsp_session_hdr;

/* 0 or ERR_EBADDATA (empty id, id > 64 chars or outside RFC 2326 §3.4's alphabet, bad timeout). */
int rtsp_session_parse(const char *value, rtsp_session_hdr *out);
/* Returns the length or ERR_ELIMIT. */
int rtsp_session_format(const rtsp_session_hdr *s, char *out, size_t cap);

#endif
