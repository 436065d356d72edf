/*
 * mp4/segmenter.h — loop recording, as dashcams and NVRs do: one MP4 file after another, each
 * started at a keyframe once the previous one spans a duration or holds a size, named from a
 * pattern, with the oldest files deleted to keep at most N of them, or X bytes free on the card.
 * Each file is a complete recording of its own (the muxer's mode, fragmented by default; its
 * timeline starts at 0; it carries the parameter sets). Without limits it writes one file, as a
 * plain muxer does.
 *
 * Pattern: a path whose file name may hold
 *   {index}     the file's number, counting on from the highest already in the directory (a
 *               restarted recorder never reuses a name); {index:N} zero-pads it to N digits
 *   {time}      local time when the file was started, YYYYMMDD-HHMMSS
 * e.g. "/sdcard/dashcam/cam-{index:5}-{time}.mp4". Segmenting (a duration or a size) and the
 * retention policy need {index}: the files of the pattern are ordered by it, oldest first; only
 * those are ever deleted, never the one being written. The directory of a pattern with {index}
 * is created when missing (its parent must exist).
 *
 * A full card with a retention policy is not the end: the oldest file goes, the fragment in
 * flight is lost (the file being written ends at its last complete fragment) and the next
 * keyframe starts a new file (stats.recovered counts it). Without a policy, or with nothing left
 * to delete, the write fails with ERR_ENOSPC as a muxer's does.
 *
 * Threading: one thread at a time (the caller's).
 */
#ifndef MP4_SEGMENTER_H
#define MP4_SEGMENTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp4/fs.h"
#include "mp4/muxer.h"

typedef struct mp4_segment_config {
  uint64_t max_duration_us; /* a new file at the first keyframe once one spans this long (0: never) */
  uint64_t max_bytes;       /* ... or once it holds this many bytes (0: never) */
  uint32_t keep_files;      /* at most this many files of the pattern, the current one too (0: all) */
  uint64_t min_free_bytes;  /* delete the oldest while the card has less free (0: no check); checked
                               at every fragment, so it must exceed what one fragment writes */
} mp4_segment_config;

#define MP4_SEGMENT_CONFIG_DEFAULT \
  { 0, 0, 0, 0 }

typedef struct mp4_segment_stats {
  uint32_t index;     /* of the file being written (0 for a pattern without {index}) */
  uint32_t files;     /* files started */
  uint32_t deleted;   /* files the retention policy deleted */
  uint32_t fragments; /* fragments written, every file */
  uint32_t recovered; /* times a full card was made room on (a fragment in flight lost each time) */
} mp4_segment_stats;

typedef struct mp4_segmenter mp4_segmenter;

/* NULL when `pattern` is usable (with `segmented`: a duration, size or retention limit is set),
 * else why not, in a sentence naming the pattern's problem. */
const char *mp4_segment_pattern_problem(const char *pattern, bool segmented);

/* Creates the first file at once (so a missing directory fails here). ERR_EINVAL for an unusable
 * pattern (mp4_segment_pattern_problem), else the file system's or the muxer's error. */
int mp4_segmenter_open(mp4_segmenter **out, const char *pattern, const mp4_segment_config *scfg,
                       const mp4_muxer_config *mcfg, const mp4_fs *fs);
/* As mp4_muxer_add_video / _add_audio: before the first write; every file gets the tracks. */
int mp4_segmenter_add_video(mp4_segmenter *s, mp4_codec codec, int width, int height);
int mp4_segmenter_add_audio(mp4_segmenter *s, mp4_codec codec, int sample_rate, int channels);
/* As mp4_muxer_write, cutting to a new file at a keyframe when one is due. */
int mp4_segmenter_write(mp4_segmenter *s, int track, const uint8_t *data, size_t size, int64_t pts_us, unsigned flags);
/* As mp4_muxer_write_nals: the caller's NAL table serves the keyframe check and the muxer. */
int mp4_segmenter_write_nals(mp4_segmenter *s, int track, const uint8_t *data, size_t size, const media_nal_table *nals,
                             int64_t pts_us, unsigned flags);
/* Finishes the current file and frees s. Returns the first error seen, with its text in `why`
 * (may be NULL). */
int mp4_segmenter_close(mp4_segmenter *s, char *why, size_t why_len);
/* The file being written (the last one once writing failed). */
const char *mp4_segmenter_path(const mp4_segmenter *s);
const char *mp4_segmenter_last_error(const mp4_segmenter *s);
void mp4_segmenter_stats(const mp4_segmenter *s, mp4_segment_stats *out);

#endif
