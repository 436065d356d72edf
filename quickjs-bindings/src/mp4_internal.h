/*
 * Internal to k230:mp4: what mod_mp4.c (Mp4Muxer, Mp4Demuxer) and mod_mp4_recorder.c
 * (Mp4Recorder) share — both write through a segmenter (mp4/segmenter.h), which without
 * segment options is one plain file.
 */
#ifndef KJS_MP4_INTERNAL_H
#define KJS_MP4_INTERNAL_H

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
/* After a write or a close: refreshes js_path (the board path of the file being written). */
void mp4js_files_update(mp4js_files *f);
/* {index, files, deleted, recovered} of the recording so far. */
JSValue mp4js_files_stats(JSContext *ctx, mp4js_files *f);

/* mod_mp4_recorder.c */
JSValue kjs_mp4_recorder_class(JSContext *ctx);

#endif
