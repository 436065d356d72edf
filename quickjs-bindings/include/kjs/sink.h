/*
 * kjs/sink.h — where encoded media goes when JS hands the per-frame path to C.
 *
 * `encoder.pipeTo(target)` (k230:media) asks the target's module for a kjs_media_sink and then
 * calls it from the loop thread for every stream the encoder produces, with no JS involved.
 * Targets: an RTSP session (k230:rtsp), an MP4 muxer track (k230:mp4), an Mp4Recorder.
 *
 * Ownership: `data` is lent for the duration of the call only (the sink copies what it keeps).
 * `user` belongs to the target; the target's JS object is kept alive by the pipe (the pipe
 * holds a reference to it), and `detach` is called once when the pipe is broken (pipe closed,
 * encoder closed, or target closed), after which no more calls are made.
 */
#ifndef KJS_SINK_H
#define KJS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

typedef struct kjs_media_sink {
  /* One encoded video picture in Annex-B. A HEADER pack (parameter sets alone) comes as its own
   * call with keyframe = false and header = true. Returns 0 or a negative HAL code; an error
   * breaks the pipe and is reported to JS (the pipe's error event). */
  int (*video)(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header);
  /* One chunk of encoded audio (G.711 bytes). NULL when the target takes no audio. */
  int (*audio)(void *user, const uint8_t *data, size_t len, uint64_t pts_us);
  /* The pipe is gone. May be NULL. */
  void (*detach)(void *user);
  void *user;
} kjs_media_sink;

/* A module that can be piped into registers a getter for its objects; kjs_media_sink_of() asks
 * each in turn. Returns 0 with *out filled, or -1 with a TypeError pending when `target` is
 * not something media can be piped into. */
typedef int kjs_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out);
int kjs_media_sink_register(kjs_sink_getter *getter);
int kjs_media_sink_of(JSContext *ctx, JSValueConst target, kjs_media_sink *out);

#endif
