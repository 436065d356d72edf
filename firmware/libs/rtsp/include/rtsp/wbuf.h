/*
 * rtsp/wbuf.h — a bounded text/byte writer with a sticky error.
 *
 * The caller owns the memory. Every append after an overflow is a no-op and `err` stays
 * ERR_ELIMIT, so a message is built without checking each step and checked once at the end.
 */
#ifndef RTSP_WBUF_H
#define RTSP_WBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtsp_wbuf {
  char *p;
  size_t cap; /* bytes at p; text output keeps one byte for the terminating NUL */
  size_t len;
  int err; /* 0 or ERR_ELIMIT */
} rtsp_wbuf;

void rtsp_wbuf_init(rtsp_wbuf *w, char *p, size_t cap);
void rtsp_wbuf_put(rtsp_wbuf *w, const void *data, size_t len);
void rtsp_wbuf_puts(rtsp_wbuf *w, const char *s);
void rtsp_wbuf_printf(rtsp_wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends base64 (RFC 4648 §4) of data. */
void rtsp_wbuf_base64(rtsp_wbuf *w, const uint8_t *data, size_t len);

/* RFC 4648 §4 decoding; padding optional, whitespace rejected. Returns the decoded length or a
 * negative code (ERR_EBADDATA, ERR_ELIMIT when out is too small). */
int rtsp_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap);

#endif
