/* Internal: box writers shared by the muxer's init segment, fragments and final moov. */
#ifndef MP4_BOXES_H
#define MP4_BOXES_H

#include <stdbool.h>

#include "buf.h"
#include "media/params.h"
#include "mp4/mp4.h"

/* index.c — one track's sample index for the final moov, compact: the sample tables' own form.
   The sizes are the stsz entries themselves (big-endian), in blocks allocated whole and never
   moved, which the moov references instead of copying (mp4_buf_gap_add); the rest (stts runs,
   stss numbers, one chunk per committed fragment run) is per keyframe or per fragment. */
#define MP4_INDEX_BLOCK 4096 /* samples per block of sizes: 16 KiB */

typedef struct mp4_index {
  uint32_t n;        /* samples */
  uint8_t **sizes;   /* n 4-byte big-endian stsz entries, MP4_INDEX_BLOCK per block */
  uint32_t *stts;    /* nstts (sample_count, sample_delta) pairs */
  uint32_t *sync;    /* nsync 1-based sample numbers (video) */
  uint64_t *chunk;   /* nchunks file offsets */
  uint32_t *chunk_n; /* samples per chunk */
  uint32_t nblocks, nstts, nsync, nchunks;
  uint32_t cap_blocks, cap_stts, cap_sync, cap_chunks, cap_chunk_n;
  uint64_t duration;   /* track timescale */
  int64_t chunk_shift; /* added to every chunk offset when written (faststart moves the data) */
} mp4_index;

/* Appends a run of n samples stored back to back at `offset`. sync NULL: not recorded (audio,
   whose samples are all sync: it gets no stss). first_dts: the run's start on the track timeline,
   used for the track's first run only. 0, ERR_ENOMEM, ERR_ELIMIT. */
int mp4_index_add_run(mp4_index *x, uint64_t offset, const uint32_t *size, const uint32_t *dur, const uint8_t *sync,
                      uint32_t n, uint64_t first_dts);
void mp4_index_free(mp4_index *x);

typedef struct mp4_trak_desc {
  int id;
  mp4_track_kind kind;
  mp4_codec codec;
  uint32_t timescale;
  int width, height, sample_rate, channels;
  const media_ps_cache *ps; /* video */
  uint64_t duration;        /* track timescale */
  const mp4_index *index;   /* NULL: empty tables (fragmented init segment) */
} mp4_trak_desc;

/* box_movie.c — ISO/IEC 14496-12 §4.3 ftyp, §8.2 moov/mvhd, §8.3 trak/tkhd, §8.4 mdia */
void mp4_write_ftyp(mp4_buf *b, bool fragmented, const mp4_trak_desc *t, int n);
void mp4_write_moov(mp4_buf *b, const mp4_trak_desc *t, int n, uint64_t duration_ms, bool fragmented);
/* box_stbl.c — §8.5 stsd, §8.6 stts/stss, §8.7 stsc/stsz/stco */
void mp4_write_stbl(mp4_buf *b, const mp4_trak_desc *t);
/* box_entry.c — ISO/IEC 14496-15 avc1/avcC (§5.4), hvc1/hvcC (§8.4), QuickTime alaw/ulaw */
void mp4_write_sample_entry(mp4_buf *b, const mp4_trak_desc *t);
/* box_fragment.c — §8.8 mvex/trex, moof/mfhd/traf/tfhd/tfdt/trun */
void mp4_write_mvex(mp4_buf *b, const mp4_trak_desc *t, int n);
typedef struct mp4_frag_track {
  int id;
  uint64_t base_dts;
  uint32_t n;
  const uint32_t *size, *duration;
  const uint8_t *sync;
  bool video;
  uint32_t data_start; /* offset of its bytes inside the mdat payload */
} mp4_frag_track;
/* Writes moof with data offsets relative to the moof start (default-base-is-moof). */
void mp4_write_moof(mp4_buf *b, uint32_t seq, const mp4_frag_track *t, int n);

#endif
