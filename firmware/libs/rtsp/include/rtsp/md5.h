/*
 * rtsp/md5.h — MD5 (RFC 1321), for Digest authentication (RFC 2617) only.
 */
#ifndef RTSP_MD5_H
#define RTSP_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtsp_md5 {
  uint32_t state[4];
  uint64_t count; /* bytes */
  uint8_t block[64];
} rtsp_md5;

void rtsp_md5_init(rtsp_md5 *m);
void rtsp_md5_update(rtsp_md5 *m, const void *data, size_t len);
void rtsp_md5_final(rtsp_md5 *m, uint8_t digest[16]);
/* Lower-case hex of MD5(data) into hex[33]. */
void rtsp_md5_hex(const void *data, size_t len, char hex[33]);

#endif
