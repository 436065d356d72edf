/*
 * media/au.h — split an Annex-B elementary stream into access units (ITU-T H.264 §7.4.1.2.3,
 * ITU-T H.265 §7.4.2.4.4).
 *
 * An access unit ends where the next one begins: at an AUD/SPS/PPS/SEI (H.264 also 14..18;
 * H.265 VPS/SPS/PPS/AUD/prefix SEI, 41..44, 48..55) or at a slice starting a new picture
 * (first_mb_in_slice == 0 / first_slice_segment_in_pic_flag == 1) once the current unit already
 * holds a slice. So every unit is known one NAL late; the end of the stream delivers the last.
 * Bytes before the first start code (but its zero_byte) and trailing zeros at the end of the
 * stream are dropped; everything else is delivered, so the units concatenate back to the input.
 *
 * Two front ends share the scanner:
 *   - the splitter is pushed chunks of any size (media_au_feed) and calls on_au per unit; the
 *     bytes are copied into its buffer (one buffer of max_au_size + 8, allocated at open);
 *   - the reader is pulled (media_au_next) and hands out units in place: over a caller's buffer
 *     (no copy at all), or over a buffer its read() callback fills directly (the read is the only
 *     copy; the buffer grows from read_size up to max_au_size as units need).
 * A unit larger than max_au_size is dropped: the splitter's feed and the reader's next return
 * ERR_ELIMIT, and splitting resumes at the next access-unit start.
 */
#ifndef MEDIA_AU_H
#define MEDIA_AU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/annexb.h"

typedef struct media_au {
  const uint8_t *data; /* Annex-B, starting with a start code; valid only during the callback */
  size_t size;
  bool keyframe;   /* holds an IDR (H.264) / IRAP (H.265) slice */
  bool has_vcl;    /* false for a trailing unit holding only non-picture NALs */
  uint64_t index;  /* 0, 1, 2 ... */
  uint64_t offset; /* of data[0] in the stream */
  /* The reader's units: the start codes it found in data (media/annexb.h), valid as data is;
     none (count 0) from the push splitter, or after the reader ran out of memory for them. */
  media_nal_table nals;
} media_au;

typedef void (*media_au_fn)(void *user, const media_au *au);

typedef struct media_au_config {
  media_codec codec;
  size_t max_au_size; /* bytes; K230 VDEC input blocks are 1920x1088 */
  media_au_fn on_au;
  void *user;
} media_au_config;

#define MEDIA_AU_CONFIG_DEFAULT \
  { MEDIA_CODEC_H264, 1920 * 1088, NULL, NULL }

typedef struct media_au_splitter media_au_splitter;

/* 0, ERR_EINVAL (no callback, codec or size), ERR_ENOMEM. */
int media_au_open(media_au_splitter **out, const media_au_config *cfg);
void media_au_close(media_au_splitter *s);
/* Consumes all of `data`, calling on_au for each completed unit. 0, or ERR_ELIMIT if a unit was
   dropped for being too large (the rest of the chunk was still consumed). */
int media_au_feed(media_au_splitter *s, const uint8_t *data, size_t len);
/* End of stream: delivers the pending unit, then the splitter is empty and may be fed again. */
int media_au_flush(media_au_splitter *s);
/* Units dropped for exceeding max_au_size so far. */
uint64_t media_au_dropped(const media_au_splitter *s);

/* ---- the reader ---- */

/* Bytes read, 0 at the end, or a negative HAL code. */
typedef int64_t (*media_read_fn)(void *user, void *buf, size_t size);

#define MEDIA_AU_READ_SIZE (256u << 10)

typedef struct media_au_reader_config {
  media_codec codec;
  size_t max_au_size;
  /* The source: read(user, ...) until it returns 0, or else the `size` bytes at `data`, which
     must stay unchanged and alive until the reader is closed. */
  media_read_fn read;
  void *user;
  const uint8_t *data;
  size_t size;
  size_t read_size; /* bytes asked of each read (0: MEDIA_AU_READ_SIZE) */
} media_au_reader_config;

#define MEDIA_AU_READER_CONFIG_DEFAULT \
  { MEDIA_CODEC_H264, 1920 * 1088, NULL, NULL, NULL, 0, 0 }

typedef struct media_au_reader media_au_reader;

/* 0, ERR_EINVAL, ERR_ENOMEM. */
int media_au_reader_open(media_au_reader **out, const media_au_reader_config *cfg);
void media_au_reader_close(media_au_reader *r);
/* The next unit: 1 with *au filled (au->data valid until the next call or close), 0 at the end
   of the stream, or a negative code: ERR_ELIMIT for a unit dropped as too large (the next call
   goes on after it), the read callback's error, ERR_ENOMEM. */
int media_au_next(media_au_reader *r, media_au *au);
uint64_t media_au_reader_dropped(const media_au_reader *r);

#endif
