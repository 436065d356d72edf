/* Internal: the demuxer's per-track sample index, shared with the muxer's finalize step. */
#ifndef MP4_DEMUX_INTERNAL_H
#define MP4_DEMUX_INTERNAL_H

#include "mp4/demuxer.h"

typedef struct mp4_dsample {
  uint64_t offset;
  uint32_t size;
  uint32_t duration;
  int64_t dts;
  int32_t cts; /* composition offset */
  uint8_t sync;
} mp4_dsample;

/* Samples of the track with this id (NULL if none). */
const mp4_dsample *mp4_demuxer_samples(const mp4_demuxer *d, int track_id, uint32_t *n);

#endif
