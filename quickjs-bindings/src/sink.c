/* The registry of pipe targets (kjs/sink.h). Getters are registered once per process. */
#include "kjs/sink.h"

#include "hal/clock.h"
#include "base/errors.h"

enum { MAX_GETTERS = 8 };
static kjs_sink_getter *getters[MAX_GETTERS];
static int ngetters;

int kjs_media_sink_register(kjs_sink_getter *getter) {
  for (int i = 0; i < ngetters; i++)
    if (getters[i] == getter) return 0;
  if (ngetters == MAX_GETTERS) return ERR_ELIMIT;
  getters[ngetters++] = getter;
  return 0;
}

int kjs_media_sink_of(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  for (int i = 0; i < ngetters; i++) {
    int r = getters[i](ctx, target, out);
    if (r == 0) return 0;
  }
  JS_ThrowTypeError(ctx, "pipeTo: the target must be an RtspSession, an RtspPusher, an Mp4Muxer or a NullSink");
  return -1;
}

uint64_t kjs_sink_clock_map(kjs_sink_clock *c, int track, uint64_t pts_us, uint64_t dur_us) {
  if (!c->set[track]) {
    uint64_t now = hal_clock_us();
    c->set[track] = true;
    c->first_pts[track] = pts_us;
    c->first_us[track] = now > dur_us ? now - dur_us : 0;
  }
  return c->first_us[track] + (pts_us - c->first_pts[track]);
}
