/* Annex-B start-code scanning and NAL classification. */
#include "media/annexb.h"

#include <string.h>

size_t media_annexb_find_start(const uint8_t *buf, size_t len, size_t from) {
  size_t i = from;
  while (i + 3 <= len) {
    /* memchr for the 01 is much faster than a byte loop on long slices. */
    const uint8_t *one = memchr(buf + i + 2, 1, len - i - 2);
    if (!one) return len;
    size_t k = (size_t)(one - buf);
    if (buf[k - 1] == 0 && buf[k - 2] == 0) return k - 2;
    i = k - 1;
  }
  return len;
}

int media_annexb_next(media_codec codec, const uint8_t *buf, size_t len, size_t *pos, media_nal *nal) {
  if (!buf || !pos || !nal) return 0;
  size_t p = *pos;
  while (p < len) {
    size_t sc = media_annexb_find_start(buf, len, p);
    if (sc >= len) {
      *pos = len;
      return 0;
    }
    size_t start = sc + 3;
    size_t next = media_annexb_find_start(buf, len, start);
    size_t end = next;
    /* Zero bytes before the next start code are its zero_byte or trailing_zero_8bits, never NAL data
       (a NAL's last byte is the non-zero rbsp_stop_one_bit byte or cabac_zero_words' 0x0000 03). */
    while (end > start && buf[end - 1] == 0) end--;
    p = next;
    if (end > start) {
      nal->data = buf + start;
      nal->size = end - start;
      nal->type = media_nal_type(codec, nal->data, nal->size);
      *pos = next;
      return 1;
    }
  }
  *pos = len;
  return 0;
}

int media_nal_type(media_codec codec, const uint8_t *nal, size_t size) {
  if (!nal) return -1;
  if (codec == MEDIA_CODEC_H265) return size >= 2 ? (nal[0] >> 1) & 0x3f : -1;
  return size >= 1 ? nal[0] & 0x1f : -1;
}

bool media_nal_is_idr(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= 16 && type <= 21;
  return type == MEDIA_H264_NAL_IDR;
}

bool media_nal_is_param_set(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= MEDIA_H265_NAL_VPS && type <= MEDIA_H265_NAL_PPS;
  return type == MEDIA_H264_NAL_SPS || type == MEDIA_H264_NAL_PPS;
}

bool media_nal_is_vcl(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= 0 && type <= 31;
  return type >= 1 && type <= 5;
}
