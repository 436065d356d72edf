/*
 * k230:media — camera, video encoder and decoder, display, bindings and buffers on the HAL
 * (hal/sensor.h, venc.h, vdec.h, display.h, vb.h): Sensor, Encoder, Decoder, Display,
 * MediaManager, Player (an MP4 on display + audio out), AnnexBReader (access units of a raw
 * stream, split in C), and `encoder.pipeTo(target)`, which runs the per-frame path in C. One encoder
 * fans out to any number of pipes: each stream is handed to every pipe's sink in turn on the
 * loop thread, and a failing sink breaks only its own pipe.
 * Types and docs: js-lib/types/k230-media.d.ts.
 *
 * Memory crossing into JS is lent (kjs/lend.h): encoder packs and frames are ArrayBuffers over
 * HAL memory, given back by releaseStream()/release(), at the latest by GC. The state is the
 * runtime's (kjs/media.h): a reset releases whatever this runtime's app leaked and nothing of
 * another runtime; lent buffers of an older reset generation never touch the HAL again.
 */
#include <pthread.h>
#include <stdlib.h>

#include "media_internal.h"

/* The classes live in media_*.c (media_internal.h); this file assembles the module. */

/* ---- function lists ---- */

static const JSCFunctionListEntry module_funcs[] = {
    JS_CFUNC_DEF("openFile", 2, media_open_file),
    JS_CFUNC_DEF("removeFile", 1, media_remove_file),
    JS_PROP_INT32_DEF("STREAM_SIZE", 40960, 0),
};

/* ---- init ---- */

JSValue media_no_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return JS_ThrowTypeError(ctx, "this class has only static methods");
}

static int media_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue sensor = media_sensor_class(ctx);
  JSValue encoder = media_encoder_class(ctx);
  JSValue decoder = media_decoder_class(ctx);
  media_file_class(ctx);
  JSValue null_sink = media_null_sink_class(ctx);
  JSValue display = media_display_class(ctx);
  JSValue mm = media_manager_class(ctx);
  JSValue player = media_player_class(ctx);
  JSValue annexb = media_annexb_class(ctx);

  JS_SetModuleExport(ctx, m, "Sensor", sensor);
  JS_SetModuleExport(ctx, m, "Encoder", encoder);
  JS_SetModuleExport(ctx, m, "Decoder", decoder);
  JS_SetModuleExport(ctx, m, "Display", display);
  JS_SetModuleExport(ctx, m, "MediaManager", mm);
  JS_SetModuleExport(ctx, m, "NullSink", null_sink);
  JS_SetModuleExport(ctx, m, "Player", player);
  JS_SetModuleExport(ctx, m, "AnnexBReader", annexb);
  return JS_SetModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
}

/* The process's part, once whichever runtime comes first: the HAL is the process's. */
static void reset_at_exit(void) { hal_reset_all(); }

static void init_process(void) {
  atexit(reset_at_exit); /* process end: stop the HAL threads before the process unwinds */
  kjs_media_sink_register("NullSink", media_null_sink_getter);
}

JSModuleDef *kjs_mod_media_init(JSContext *ctx, const char *name) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_process);
  JSModuleDef *m = JS_NewCModule(ctx, name, media_module_init);
  if (!m) return NULL;
  const char *names[] = {"Sensor",       "Encoder",  "Decoder", "Display",
                         "MediaManager", "NullSink", "Player",  "AnnexBReader"};
  for (int i = 0; i < COUNT(names); i++) JS_AddModuleExport(ctx, m, names[i]);
  JS_AddModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
  return m;
}
