/*
 * media/au.h — split an Annex-B elementary stream fed in arbitrary chunks into access units
 * (ITU-T H.264 §7.4.1.2.3, ITU-T H.265 §7.4.2.4.4).
 *
 * An access unit ends where the next one begins: at an AUD/SPS/PPS/SEI (H.264 also 14..18;
 * H.265 VPS/SPS/PPS/AUD/prefix SEI, 41..44, 48..55) or at a slice starting a new picture
 * (first_mb_in_slice == 0 / first_slice_segment_in_pic_flag == 1) once the current unit already
 * holds a slice. So every unit is delivered one NAL late; media_au_flush() delivers the last.
 *
 * Memory is one buffer of max_au_size (+ a few bytes), allocated at open. An access unit larger
 * than that is dropped, media_au_feed() returns ERR_ELIMIT, and splitting resumes at the next
 * access-unit start.
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
  bool keyframe;       /* holds an IDR (H.264) / IRAP (H.265) slice */
  bool has_vcl;        /* false for a trailing unit holding only non-picture NALs */
  uint64_t index;      /* 0, 1, 2 ... */
} media_au;

typedef void (*media_au_fn)(void *user, const media_au *au);

typedef struct media_au_config {
  media_codec codec;
  size_t max_au_size;  /* bytes; K230 VDEC input blocks are 1920x1088 */
  media_au_fn on_au;
  void *user;
} media_au_config;

#define MEDIA_AU_CONFIG_DEFAULT {MEDIA_CODEC_H264, 1920 * 1088, NULL, NULL}

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

#endif
