/*
 * Internal to k230:mp4: what mod_mp4.c (Mp4Muxer, Mp4Demuxer), mp4_files.c, mp4_writer.c and
 * mod_mp4_recorder.c (Mp4Recorder, made of an Mp4Muxer and the public media pieces) share.
 * Everything is written through a segmenter (mp4/segmenter.h), which without segment options
 * is one plain file, behind a writer (its lock and its thread).
 */
#ifndef KJS_MP4_INTERNAL_H
#define KJS_MP4_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "kjs/loop.h"
#include "mp4/segmenter.h"
#include "quickjs.h"

/* One recording's files as JS sees them: its segmenter and the board path of its directory. */
typedef struct mp4js_files {
  mp4_segmenter *seg;     /* NULL once closed */
  char js_dir[256];       /* "/sdcard/rec" for "/sdcard/rec/cam-{index}.mp4"; "" without a '/' */
  char js_path[512];      /* the file being written (kept after close) */
  mp4_segment_stats last; /* kept at close */
} mp4js_files;

/* Reads options.segment ({durationMs, maxMB, keepFiles, minFreeMB}, all optional) of `opts`.
 * Returns 0, or -1 with a TypeError/RangeError pending. */
int mp4js_segment_options(JSContext *ctx, JSValueConst opts, const char *fn, mp4_segment_config *out);

/* Checks `path` (a file, or a pattern with {index}/{time}) and opens its segmenter on the host's
 * file system. Returns 0, or -1 with an Error pending that names the path. */
int mp4js_files_open(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                     const mp4_muxer_config *mc, mp4js_files *out);
/* Finishes the current file; returns the segmenter's result (0 when already closed), with its
 * error text in `why` (may be NULL). */
int mp4js_files_close(mp4js_files *f, char *why, size_t why_len);
/* After a write or a close: refreshes `last` and, once a new file was started, js_path (the board
 * path of the file being written). Returns whether js_path changed. */
bool mp4js_files_update(mp4js_files *f);
/* {index, files, deleted, recovered} of a recording. */
JSValue mp4js_segment_stats_to_js(JSContext *ctx, const mp4_segment_stats *st);

/* ---- the writer (mp4_writer.c) ----
 * A recording's files behind a lock, written from the JS thread (writeFrame) or by a thread of
 * their own for what pipes hand over: a pipe's frames (mp4js_writer_queue, on the loop thread)
 * are copied into a bounded queue and written by the writer's thread, so a slow write or fsync
 * on the card never stalls the loop thread (the encoder's other pipes, RTSP clients, timers,
 * Mp4Recorder.process). A full queue drops the frame (counted in `dropped`), and the video then
 * waits for the next keyframe. The thread starts at the first queued frame. Queued frames are
 * written in batches: parameter sets, a keyframe and the picture after it (they end fragments and
 * files) at once, any other frame within MP4JS_WRITER_NAP_MS, and what the writer publishes
 * (stats, segments, path) lags by as much. writeFrame and close write everything queued first. */
enum { MP4JS_WRITER_NAP_MS = 50 };
typedef struct mp4js_writer_stats {
  uint64_t frames;       /* video pictures written (parameter-set packs not counted) */
  uint64_t audio_frames; /* audio chunks written once the first picture was (none before it) */
  uint64_t bytes;        /* video bytes written, parameter-set packs included */
  uint64_t dropped;      /* frames the full queue dropped, and the pictures after them */
} mp4js_writer_stats;

typedef struct mp4js_item mp4js_item;

typedef struct mp4js_writer {
  mp4js_files files;            /* under file_mu; files.seg NULL once closed (set by the JS thread only) */
  int video_track, audio_track; /* first of each kind (0 = none): where pipes write */
  kjs_loop *wake;               /* woken once what was queued is written, at least every
                                   MP4JS_WRITER_NAP_MS while the writer writes (NULL: none); set
                                   before the first frame is queued */
  /* private (mp4_writer.c): mu guards the queue and what is published after each write, and is
   * never held over a write; file_mu guards the segmenter and is held over each write */
  bool open, thread, quit, resync, after_key, busy, video_started;
  int asleep;   /* the thread's state (mp4_writer.c: awake, napping, idle) */
  int draining; /* writeFrame calls waiting for the queue to be written */
  pthread_t th;
  pthread_mutex_t mu, file_mu;
  pthread_cond_t cv;      /* the thread waits here for frames (CLOCK_MONOTONIC) */
  pthread_cond_t drained; /* writeFrame waits here for the queue to be written */
  mp4js_item *head, *tail;
  int queued;
  size_t queued_bytes;
  int err; /* the thread's first write error: sticky */
  char err_text[320];
  mp4js_writer_stats st;
  mp4_segment_stats seg; /* the files' stats and path as of the last write */
  char path[512];
} mp4js_writer;

/* Opens the files (mp4js_files_open). 0, or -1 with an Error pending. */
int mp4js_writer_open(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                      const mp4_muxer_config *mc, mp4js_writer *w);
/* Adds a track (a, b: width and height, or sample rate and channels): its id, or a negative code
 * with the reason in `why`. */
int mp4js_writer_add_track(mp4js_writer *w, mp4_track_kind kind, mp4_codec codec, int a, int b, char *why,
                           size_t why_len);
/* Writes now, after whatever is queued: 0 or a negative code with the reason in `why`. `nals`:
 * the start codes of data when known (mp4_muxer_write_nals), else NULL. */
int mp4js_writer_write(mp4js_writer *w, int track, const uint8_t *data, size_t len, const media_nal_table *nals,
                       int64_t pts_us, unsigned flags, char *why, size_t why_len);
/* Copies the frame into the queue (`header`: a parameter-set pack). 0 (queued or dropped), or the
 * writer's first error (ERR_ECLOSED once closed). */
int mp4js_writer_queue(mp4js_writer *w, int track, const uint8_t *data, size_t len, int64_t pts_us, unsigned flags,
                       bool header);
/* Writes what is queued, stops the thread and closes the files: the first error (the thread's,
 * else the closing's), with its text in `why` (may be NULL). 0 when closed already. */
int mp4js_writer_close(mp4js_writer *w, char *why, size_t why_len);
/* Closes (if open) and frees what the writer holds; safe from a finalizer. */
void mp4js_writer_free(mp4js_writer *w);
/* The thread's first write error (0 while none), with its text. */
int mp4js_writer_error(mp4js_writer *w, char *why, size_t why_len);
/* Counters, the segments' stats and the board path of the file being written (each may be NULL/0). */
void mp4js_writer_read(mp4js_writer *w, mp4js_writer_stats *st, mp4_segment_stats *seg, char *path, size_t path_len);

/* ---- Mp4Muxer as the recorder's piece (mod_mp4.c) ---- */

/* A new Mp4Muxer object on `path`, errors reported from `fn`; JS_EXCEPTION with an Error pending. */
JSValue mp4js_muxer_new(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                        const mp4_muxer_config *mc);
/* The writer of an Mp4Muxer object (NULL if `obj` is none). */
mp4js_writer *mp4js_muxer_writer(JSValueConst obj);

/* mod_mp4_recorder.c */
JSValue kjs_mp4_recorder_class(JSContext *ctx);

#endif
