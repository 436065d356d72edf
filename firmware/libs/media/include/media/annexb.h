/*
 * media/annexb.h — walk the NAL units of an H.264 / H.265 Annex-B byte stream
 * (ITU-T H.264 Annex B, ITU-T H.265 Annex B).
 *
 * Nothing here allocates or copies: every media_nal points into the caller's buffer and is valid
 * as long as that buffer is.
 */
#ifndef MEDIA_ANNEXB_H
#define MEDIA_ANNEXB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum media_codec { MEDIA_CODEC_H264 = 1, MEDIA_CODEC_H265 = 2 } media_codec;
typedef struct media_nal {
  const uint8_t *data;
  size_t size;
  int type;
} media_nal; /* data excludes the start code */
/* Iterates NAL units of an Annex-B buffer (3- or 4-byte start codes). *pos starts at 0. Returns 1 with *nal filled, 0 at the end. */
int media_annexb_next(media_codec codec, const uint8_t *buf, size_t len, size_t *pos, media_nal *nal);
int media_nal_type(media_codec codec, const uint8_t *nal, size_t size); /* -1 if size too small */
bool media_nal_is_idr(media_codec codec, int type);                     /* H.264 5; H.265 16..21 (IRAP) */
bool media_nal_is_param_set(media_codec codec, int type); /* H.264 SPS 7/PPS 8; H.265 VPS 32/SPS 33/PPS 34 */
bool media_nal_is_vcl(media_codec codec, int type);

/* Offset of the first 00 00 01 at or after `from`, or `len` if there is none. */
size_t media_annexb_find_start(const uint8_t *buf, size_t len, size_t from);

/* Copies buf[from..) to dst up to the next 00 00 01, at most `cap` bytes: the search and the copy
   in one pass over the bytes. Returns where it stopped: a start code, len, or from + cap when
   dst is full (then a start code there or not). dst receives the returned offset - from bytes. */
size_t media_annexb_copy_to_start(uint8_t *dst, size_t cap, const uint8_t *buf, size_t len, size_t from);

/* Where the start codes of an Annex-B buffer are, as a splitter that has just searched it found
   them: the offset of every 00 00 01 in the buffer, in order, exactly those media_annexb_find_start
   finds from 0, each search going on 3 bytes after the one before. A consumer given the table
   (the MP4 muxer) takes the NAL spans from it instead of searching the bytes again. count 0: not
   known (search). */
typedef struct media_nal_table {
  const uint32_t *starts;
  size_t count;
} media_nal_table;

/* Whether a table can stand for the search of buf: not empty, in order, in bounds, and every entry
   00 00 01 (so bytes changed since it was made show, unless they made a new start code). */
bool media_nal_table_fits(const media_nal_table *t, const uint8_t *buf, size_t len);
/* As media_annexb_next, the NALs taken from a table that fits buf (no search): the same NALs in
   the same order. *pos (an entry index) starts at 0. */
int media_nal_table_next(media_codec codec, const media_nal_table *t, const uint8_t *buf, size_t len, size_t *pos,
                         media_nal *nal);

/* Bytes of the NAL header: 1 for H.264, 2 for H.265. */
static inline size_t media_nal_header_size(media_codec codec) { return codec == MEDIA_CODEC_H265 ? 2 : 1; }

/* NAL unit type numbers used across the libraries. */
enum {
  MEDIA_H264_NAL_SLICE = 1,
  MEDIA_H264_NAL_IDR = 5,
  MEDIA_H264_NAL_SEI = 6,
  MEDIA_H264_NAL_SPS = 7,
  MEDIA_H264_NAL_PPS = 8,
  MEDIA_H264_NAL_AUD = 9,
  MEDIA_H265_NAL_VPS = 32,
  MEDIA_H265_NAL_SPS = 33,
  MEDIA_H265_NAL_PPS = 34,
  MEDIA_H265_NAL_AUD = 35,
  MEDIA_H265_NAL_SEI_PREFIX = 39,
};

#endif
