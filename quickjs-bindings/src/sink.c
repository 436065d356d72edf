/* The registry of pipe targets (kjs/sink.h). Getters are registered once per process. */
#include "kjs/sink.h"

#include <stdio.h>

#include "hal/clock.h"
#include "base/errors.h"

enum { MAX_TARGETS = 8 };
static struct {
  const char *name;
  kjs_sink_getter *get;
} targets[MAX_TARGETS];
static int ntargets;

int kjs_media_sink_register(const char *name, kjs_sink_getter *getter) {
  for (int i = 0; i < ntargets; i++)
    if (targets[i].get == getter) return 0;
  if (ntargets == MAX_TARGETS) return ERR_ELIMIT;
  targets[ntargets].name = name;
  targets[ntargets++].get = getter;
  return 0;
}

int kjs_media_sink_of(JSContext *ctx, JSValueConst target, const char *fn, kjs_media_sink *out) {
  for (int i = 0; i < ntargets; i++) {
    if (targets[i].get(ctx, target, out) == 0) {
      out->name = targets[i].name;
      return 0;
    }
  }
  /* The classes of the modules the app imported: the only ones it can have made. */
  char list[MAX_TARGETS * 24] = "";
  size_t at = 0;
  for (int i = 0; i < ntargets && at < sizeof list; i++)
    at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", targets[i].name);
  JS_ThrowTypeError(ctx, "%s: the target must be one of: %s", fn,
                    ntargets ? list : "(no module with pipe targets imported)");
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
