/*
 * mp4/muxer.h — write H.264 / H.265 video and G.711 audio to MP4 (ISO/IEC 14496-12, -15).
 *
 * The file is always written as fragments while recording (ISO/IEC 14496-12 §8.8): ftyp + moov
 * (with mvex) at the first fragment, then moof+mdat pairs. Each fragment is committed in two
 * phases: its moof is written typed `free` (readers skip it) followed by the mdat, then, after a
 * barrier, the 4-byte type is patched to `moof` and a second barrier follows. A recording cut by
 * power loss or a crash therefore plays up to its last committed fragment, and no reader ever sees
 * a fragment whose media bytes are missing (ffmpeg decodes a cut file without a single error).
 * Memory stays flat: one fragment of samples is buffered.
 *
 * At close the mode decides the final layout:
 *   MP4_MODE_FRAGMENTED  stays fragmented (nothing more is written).
 *   MP4_MODE_INDEXED     a full moov with sample tables is appended and, in one 8-byte write,
 *                        a box reserved before the initial moov becomes an mdat spanning the
 *                        initial moov and all fragments: a classic indexed file (ftyp, mdat,
 *                        moov), media data not copied, playable in full if cut at any moment.
 *   MP4_MODE_FASTSTART   as INDEXED, then moov is moved to the front (the media data is copied
 *                        once, in place).
 *
 * Memory: while recording, one fragment per track is buffered (flat however long the recording:
 * bench/mp4 measures the same RSS at 10 s and 600 s). INDEXED and FASTSTART also keep the sample
 * index in the sample tables' own form, 4 bytes per sample (the stsz entries, written into the
 * moov at close from where they are) plus a few per keyframe and per fragment: 1080p30 video with
 * 40 ms G.711 frames is 3300 samples a minute, ~13 KB a minute, ~0.8 MB for an hour.
 * FRAGMENTED needs nothing at close.
 *
 * Timestamps are microseconds. Video dts == pts (no B-frames); video pts must increase. The
 * timeline starts at the first video keyframe (or first audio sample without video); audio
 * written before that is dropped. The first video sample must be a keyframe (ERR_ESTATE).
 *
 * Video data is Annex-B. Parameter sets come in-band or in a separate header-only write (the
 * encoder's HEADER pack); they are kept out of the samples and go to avcC / hvcC.
 */
#ifndef MP4_MUXER_H
#define MP4_MUXER_H

#include <stddef.h>
#include <stdint.h>

#include "media/annexb.h"
#include "mp4/io.h"
#include "mp4/mp4.h"

typedef enum mp4_mode { MP4_MODE_FRAGMENTED = 0, MP4_MODE_INDEXED = 1, MP4_MODE_FASTSTART = 2 } mp4_mode;

typedef enum mp4_sync_policy {
  MP4_SYNC_NONE = 0,  /* leave it to the OS */
  MP4_SYNC_FLUSH = 1, /* io->flush after each phase: 2 per fragment */
  MP4_SYNC_FSYNC = 2, /* io->flush + io->sync after each phase: 2 fsyncs per fragment (the data,
                         then the 4-byte commit), so the committed fragment is durable */
} mp4_sync_policy;

typedef struct mp4_muxer_config {
  mp4_mode mode;
  uint32_t fragment_us;      /* start a new fragment at the first keyframe after this long */
  uint32_t max_fragment_us;  /* ... or after this long even without a keyframe (0 = never) */
  size_t max_fragment_bytes; /* ... or before the buffered media would exceed this */
  mp4_sync_policy sync;
  int max_tracks; /* up to 4 */
  /* The first fragment is cut early, so that a recording cut short still plays: at the second
     keyframe or once it spans this long, whichever comes first. The default, 0, cuts it right
     after the first picture: the file plays as soon as anything was recorded, however slowly
     the encoder runs. The fragments after it are timed from the start as usual. */
  uint32_t first_fragment_us;
} mp4_muxer_config;

#define MP4_MUXER_CONFIG_DEFAULT \
  { \
    .mode = MP4_MODE_FRAGMENTED, .fragment_us = 1000000, .max_fragment_us = 10000000, .max_fragment_bytes = 8u << 20, \
    .sync = MP4_SYNC_FSYNC, .max_tracks = 4, .first_fragment_us = 0 \
  }

typedef struct mp4_muxer mp4_muxer;

/* The muxer keeps a copy of *io and uses it until close; closing the io stays the caller's job. */
int mp4_muxer_open(mp4_muxer **out, const mp4_muxer_config *cfg, const mp4_io *io);
/* The next file of a segmented recording: a muxer with prev's configuration, the same tracks
 * (same ids) and prev's parameter sets, so its first keyframe needs no header write. prev is
 * left as it is. */
int mp4_muxer_open_next(mp4_muxer **out, const mp4_muxer *prev, const mp4_io *io);
/* Track ids start at 1. Tracks are added before the first write. */
int mp4_muxer_add_video(mp4_muxer *m, mp4_codec codec, int width, int height);
int mp4_muxer_add_audio(mp4_muxer *m, mp4_codec codec, int sample_rate, int channels);
/* data is copied. flags: MP4_FRAME_KEYFRAME or MP4_FRAME_DELTA when the caller knows (both is
   ERR_EINVAL), 0 to let the NAL types decide. 0 or a negative code; after an I/O error
   (ERR_ENOSPC / ERR_EIO) every later call returns it and the file ends at the last complete
   fragment. */
int mp4_muxer_write(mp4_muxer *m, int track, const uint8_t *data, size_t size, int64_t pts_us, unsigned flags);
/* As mp4_muxer_write, for video data whose start codes the caller's splitter has already found:
   `nals` (media/annexb.h; media/au.h's reader gives each unit its table) says where they are, so
   the NALs are copied without searching the bytes again. The file is byte for byte the one
   mp4_muxer_write makes of the same data. The table must list every start code of data; one
   that is out of order or out of bounds, or an entry that is not 00 00 01 (bytes changed since),
   is not used: the data is searched as by mp4_muxer_write. NULL or count 0: searched. */
int mp4_muxer_write_nals(mp4_muxer *m, int track, const uint8_t *data, size_t size, const media_nal_table *nals,
                         int64_t pts_us, unsigned flags);
/* Writes the last fragment, finalizes per mode, frees m. Returns the first error seen. */
int mp4_muxer_close(mp4_muxer *m);
/* Text of the last error ("" if none). Valid until the next call on m. */
const char *mp4_muxer_last_error(const mp4_muxer *m);
/* Fragments written so far. */
uint32_t mp4_muxer_fragments(const mp4_muxer *m);

#endif
