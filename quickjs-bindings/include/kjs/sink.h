/*
 * kjs/sink.h — where encoded media goes when JS hands the per-frame path to C.
 *
 * `encoder.pipeTo(target)` (k230:media) and `audioIn.pipeTo(target)` (k230:audio) ask the
 * target's module for a kjs_media_sink and then call it from the loop thread for every stream
 * the source produces, with no JS involved. Targets: an RTSP session or pusher (k230:rtsp), an
 * MP4 muxer (k230:mp4), a NullSink (k230:media).
 *
 * Sinks run on the loop thread and must not block: a target that writes to storage copies the
 * frame to a thread of its own (Mp4Muxer's writer), so a slow card stalls neither the source's
 * other pipes nor the app.
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
   * call with keyframe = false and header = true; a target trusts both flags (no rescan). A
   * pipe starts at a picture sequence (the encoder's HEADER first): the only keyframe wait, a
   * target has none of its own for its first picture. Returns 0 or a negative HAL code; an error
   * breaks the pipe and is reported to JS (the pipe's error event). */
  int (*video)(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header);
  /* One chunk of encoded audio (G.711 bytes, 8 kHz mono: len samples). NULL when the target
   * takes no audio. */
  int (*audio)(void *user, const uint8_t *data, size_t len, uint64_t pts_us);
  /* The pipe is gone. May be NULL. */
  void (*detach)(void *user);
  void *user;
  /* The target's class ("RtspSession"), for errors; set by kjs_media_sink_of() from the
   * registration, so a getter leaves it alone. */
  const char *name;
} kjs_media_sink;

/* A module that can be piped into registers a getter for the objects of its class `name` (a
 * static string); kjs_media_sink_of() asks each in turn. A getter returns 0 with *out filled, or
 * -1 when `target` is not its class. Registering the same getter again is a no-op. */
typedef int kjs_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out);
int kjs_media_sink_register(const char *name, kjs_sink_getter *getter);
/* Returns 0 with *out filled (out->name included), or -1 with a TypeError pending, from `fn`
 * ("Encoder.pipeTo"), that lists the registered classes when `target` is none of them. */
int kjs_media_sink_of(JSContext *ctx, JSValueConst target, const char *fn, kjs_media_sink *out);

/* Live sources stamp their own clocks (a sensor counts frames from its start, a microphone
 * samples from its open). A target that carries both puts each track on the loop's monotonic
 * clock at its first frame: pts - first pts + the time that frame was captured (its arrival,
 * less its duration). Track 0 video, 1 audio. */
typedef struct kjs_sink_clock {
  bool set[2];
  uint64_t first_pts[2], first_us[2];
} kjs_sink_clock;
uint64_t kjs_sink_clock_map(kjs_sink_clock *c, int track, uint64_t pts_us, uint64_t dur_us);

#endif
