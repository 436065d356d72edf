/*
 * The simulator's FFmpeg codecs (venc_ffmpeg.c, vdec_ffmpeg.c, sensor_src_ffmpeg.c) live in a
 * module loaded on first use. FFmpeg drags in ~130 shared libraries; mapping and relocating them
 * made every process start take ~0.5 s and 30 MB before a line of JS ran, while most runs (tools,
 * tests, non-media apps) never touch a codec. These trampolines keep the backend interface of
 * internal.h; the module resolves the HAL internals it uses (frame_ref, counters) against the
 * executable, which exports them.
 *
 * Search order: $K230JS_SIM_CODECS, then libk230js-sim-ffmpeg.so next to the executable, then
 * the build directory it was built in.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef K230JS_SIM_FFMPEG_MODULE
#define K230JS_SIM_FFMPEG_MODULE "libk230js-sim-ffmpeg.so"
#endif
#define MODULE_NAME "libk230js-sim-ffmpeg.so"

static struct {
  int (*sensor_src_open)(const char *, sensor_src **);
  int (*sensor_src_next)(sensor_src *);
  int (*sensor_src_render)(sensor_src *, hal_frame *);
  void (*sensor_src_close)(sensor_src *);
  int (*venc_codec_open)(const hal_venc_config *, venc_codec **);
  int (*venc_codec_send)(venc_codec *, const hal_frame *, uint64_t, int);
  int (*venc_codec_receive)(venc_codec *, venc_au *);
  void (*venc_codec_au_free)(venc_codec *, venc_au *);
  void (*venc_codec_close)(venc_codec *);
  int (*vdec_codec_open)(hal_vdec_codec, vdec_codec **);
  int (*vdec_codec_send)(vdec_codec *, const uint8_t *, size_t, uint64_t, vdec_emit_fn, void *);
  void (*vdec_codec_close)(vdec_codec *);
} fn;
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *try_open(const char *path, char *why, size_t why_size) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h && why[0] == 0) snprintf(why, why_size, "%s", dlerror());
  return h;
}

static void load(void) {
  char why[512] = "", path[PATH_MAX];
  void *h = NULL;
  const char *env = getenv("K230JS_SIM_CODECS");
  if (env && *env) h = try_open(env, why, sizeof why);
  if (!h) {
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof MODULE_NAME - 1);
    if (n > 0) {
      path[n] = 0;
      char *slash = strrchr(path, '/');
      if (slash) {
        strcpy(slash + 1, MODULE_NAME);
        h = try_open(path, why, sizeof why);
      }
    }
  }
  if (!h) h = try_open(K230JS_SIM_FFMPEG_MODULE, why, sizeof why);
  if (!h) {
    fprintf(stderr, "k230js: the simulator's codecs are unavailable (%s); set K230JS_SIM_CODECS to %s\n", why,
            MODULE_NAME);
    return;
  }
#define BIND(name) \
  do { \
    *(void **)&fn.name = dlsym(h, #name); \
    if (!fn.name) { \
      fprintf(stderr, "k230js: %s lacks %s\n", MODULE_NAME, #name); \
      return; \
    } \
  } while (0)
  BIND(sensor_src_open);
  BIND(sensor_src_next);
  BIND(sensor_src_render);
  BIND(sensor_src_close);
  BIND(venc_codec_open);
  BIND(venc_codec_send);
  BIND(venc_codec_receive);
  BIND(venc_codec_au_free);
  BIND(venc_codec_close);
  BIND(vdec_codec_open);
  BIND(vdec_codec_send);
  BIND(vdec_codec_close);
#undef BIND
  loaded = true; /* the module stays loaded for the life of the process */
}

static bool ready(void) {
  pthread_once(&once, load);
  return loaded;
}

/* Objects only exist after a successful open, so only the open calls need to check. */
int sensor_src_open(const char *spec, sensor_src **out) {
  return ready() ? fn.sensor_src_open(spec, out) : ERR_ENOTSUP;
}
int sensor_src_next(sensor_src *s) { return fn.sensor_src_next(s); }
int sensor_src_render(sensor_src *s, hal_frame *dst) { return fn.sensor_src_render(s, dst); }
void sensor_src_close(sensor_src *s) {
  if (s) fn.sensor_src_close(s);
}
int venc_codec_open(const hal_venc_config *cfg, venc_codec **out) {
  return ready() ? fn.venc_codec_open(cfg, out) : ERR_ENOTSUP;
}
int venc_codec_send(venc_codec *c, const hal_frame *f, uint64_t pts_us, int force_idr) {
  return fn.venc_codec_send(c, f, pts_us, force_idr);
}
int venc_codec_receive(venc_codec *c, venc_au *au) { return fn.venc_codec_receive(c, au); }
void venc_codec_au_free(venc_codec *c, venc_au *au) { fn.venc_codec_au_free(c, au); }
void venc_codec_close(venc_codec *c) {
  if (c) fn.venc_codec_close(c);
}
int vdec_codec_open(hal_vdec_codec codec, vdec_codec **out) {
  return ready() ? fn.vdec_codec_open(codec, out) : ERR_ENOTSUP;
}
int vdec_codec_send(vdec_codec *c, const uint8_t *data, size_t len, uint64_t pts_us, vdec_emit_fn emit, void *arg) {
  return fn.vdec_codec_send(c, data, len, pts_us, emit, arg);
}
void vdec_codec_close(vdec_codec *c) {
  if (c) fn.vdec_codec_close(c);
}
