/*
 * mp4/demuxer.h — read MP4 / MOV files, classic (moov sample tables) and fragmented (moof/trun),
 * as written by this muxer, FFmpeg (mp4, mov) and GStreamer (mp4mux, qtmux).
 *
 * At open the box tree is walked (depth-limited, each box bounded by its parent and the file) and
 * a sample index is built for every supported track; allocations are capped by the file size. A
 * file damaged or truncated part-way keeps everything before the damage: fragments and samples
 * whose bytes lie past the end are dropped, and mp4_demuxer_open still succeeds if any track
 * survives (mp4_demuxer_warning() says what was lost).
 */
#ifndef MP4_DEMUXER_H
#define MP4_DEMUXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp4/io.h"
#include "mp4/mp4.h"

typedef struct mp4_demuxer_config {
  bool annexb; /* video out as Annex-B with parameter sets before keyframes (default),
                           else as stored: 4-byte big-endian NAL lengths */
  size_t max_sample_size;
  size_t max_box_size; /* moov / moof read into memory up to this size */
  size_t read_ahead;   /* bytes of a track's consecutive samples read at once, at most (a buffer
                           per track holds them; 0: a frame at a time); a frame stored as-is is
                           handed out from there, not copied */
} mp4_demuxer_config;

#define MP4_DEMUXER_CONFIG_DEFAULT \
  { true, 16u << 20, 64u << 20, 256u << 10 }

typedef struct mp4_file_info {
  uint64_t duration_us; /* the longest track: where its samples end */
  int track_count;
  bool fragmented;
  bool times_clamped; /* times in the file were beyond 2^50 us (35 years) and were clamped there
                           (a damaged or crafted file); mp4_demuxer_warning() says so too */
} mp4_file_info;

typedef struct mp4_track_info {
  int track_id;
  mp4_track_kind kind;
  mp4_codec codec;
  uint32_t timescale;
  uint64_t duration_us; /* where its samples end (the header's if it has none) */
  uint32_t sample_count;
  int width, height;               /* video */
  int sample_rate, channels, bits; /* audio */
} mp4_track_info;

typedef struct mp4_frame {
  int track_id;
  mp4_codec codec;
  const uint8_t *data; /* owned by the demuxer (or the io's view), valid until the next
                          get_frame/seek/close; never written through */
  size_t size;
  int64_t pts_us, dts_us;
  bool keyframe;
  bool eof; /* no frame: the end of every track */
} mp4_frame;

typedef struct mp4_demuxer mp4_demuxer;

/* cfg may be NULL for the defaults. The demuxer keeps a copy of *io. ERR_EBADDATA / ERR_ETRUNC /
   ERR_ENOTSUP (no supported track) / ERR_ENOMEM / ERR_EIO. */
int mp4_demuxer_open(mp4_demuxer **out, const mp4_demuxer_config *cfg, const mp4_io *io);
void mp4_demuxer_close(mp4_demuxer *d);
int mp4_demuxer_file_info(const mp4_demuxer *d, mp4_file_info *info);
/* index 0 .. track_count-1; ERR_EINVAL out of range. */
int mp4_demuxer_track(const mp4_demuxer *d, int index, mp4_track_info *info);
/* Next frame in decode-time order across tracks. 0 with frame->eof at the end. ERR_ETRUNC when
   the file has shrunk since it was opened: the frame's bytes are gone (read() ended early), or the
   io's view_check() says so (then at every later call too). */
int mp4_demuxer_get_frame(mp4_demuxer *d, mp4_frame *frame);
/* Positions every track at its last keyframe at or before time_us (the first one if none).
   ERR_ETRUNC once the io's view_check() says the file shrank. */
int mp4_demuxer_seek(mp4_demuxer *d, int64_t time_us);
/* What was skipped as damaged or unsupported while opening ("" if nothing). */
const char *mp4_demuxer_warning(const mp4_demuxer *d);

#endif
