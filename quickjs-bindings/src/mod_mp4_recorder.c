/*
 * k230:mp4 Mp4Recorder — the one-object recorder (CanMV Mp4Container), made of the public pieces
 * an app would use by hand: a Sensor linked to an Encoder piped into an Mp4Muxer (loop recording
 * into segments with options.segment), and optionally an AudioIn piped into the same muxer
 * (G.711). The per-frame path is the pipes' (kjs/sink.h): no JS per frame, the muxer's writer
 * thread does the writing and the fsyncs (mp4_internal.h), so a slow card never stalls the loop.
 * JS calls start(), then process() as often as it likes (it turns the event loop until the next
 * picture is written, and reports errors), then stop(). Registered by mod_mp4.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "hal/clock.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/loop.h"
#include "kjs/paths.h"
#include "kjs/vm.h"
#include "mp4/muxer.h"
#include "mp4_internal.h"

/* ---- private struct ---- */

typedef struct recorder {
  /* configuration */
  char *path; /* the file, or a pattern of files (segments) */
  mp4_muxer_config mcfg;
  mp4_segment_config scfg;
  int vcodec; /* 0 h264, 1 h265 */
  uint32_t width, height, fps, bitrate, gop;
  int sensor_id;
  bool audio;
  int law; /* 0 A-law, 1 µ-law */
  uint32_t arate, achannels;
  /* the pieces (counted, marked; JS_UNDEFINED when none) */
  JSValue pieces; /* {Sensor, Encoder, MediaManager, AudioIn}: the exports of k230:media and k230:audio */
  JSValue sensor, encoder, link, ain, muxer, pipe;
  /* running state */
  bool running;
  bool reported;   /* process() threw `error` already: stop() then closes quietly */
  bool in_process; /* process() is turning the loop */
  /* A recording, like the old private one, does not keep the app running: the loop reference
   * each pipe holds is given back while it runs (weak[0] video, weak[1] audio), and taken again
   * when the pipe goes (its break gives back its own). */
  kjs_loop *loop;
  bool weak[2];
  uint64_t seen; /* frames at the last process() */
  /* kept once the pieces are gone (stop) */
  mp4js_writer_stats written;
  mp4_segment_stats segments;
  char file[512];
  uint64_t sensor_dropped, encoder_dropped, late; /* camera losses, as last read */
  int error;                                      /* first error of the recording */
  char error_text[400];
} recorder;

/* ---- class id ---- */

static JSClassID recorder_class_id;

/* ---- the pieces ---- */

/* The media classes come from their modules' own exports, as an app's `import` gets them: a
 * module of two re-export lines, evaluated once per runtime and kept on the prototype. */
static JSValue media_pieces(JSContext *ctx) {
  static const char src[] =
      "export { Sensor, Encoder, MediaManager } from \"k230:media\";\n"
      "export { AudioIn } from \"k230:audio\";\n";
  JSValue proto = JS_GetClassProto(ctx, recorder_class_id);
  JSValue sym = JS_NewSymbol(ctx, "k230js.Mp4Recorder.pieces", true);
  JSAtom key = JS_ValueToAtom(ctx, sym);
  JSValue ns = JS_GetProperty(ctx, proto, key);
  if (JS_IsUndefined(ns)) {
    JSValue mod = JS_Eval(ctx, src, sizeof src - 1, "<Mp4Recorder>", JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    if (!JS_IsException(mod)) {
      JSModuleDef *m = JS_VALUE_GET_PTR(mod);
      JSValue done = JS_ResolveModule(ctx, mod) < 0 ? JS_EXCEPTION : JS_EvalFunction(ctx, JS_DupValue(ctx, mod));
      if (!JS_IsException(done) && JS_PromiseState(ctx, done) == JS_PROMISE_REJECTED) {
        JS_Throw(ctx, JS_PromiseResult(ctx, done));
        JS_FreeValue(ctx, done);
        done = JS_EXCEPTION;
      }
      ns = JS_IsException(done) ? JS_EXCEPTION : JS_GetModuleNamespace(ctx, m);
      JS_FreeValue(ctx, done);
      JS_FreeValue(ctx, mod);
    } else {
      ns = JS_EXCEPTION;
    }
    if (!JS_IsException(ns)) JS_DefinePropertyValue(ctx, proto, key, JS_DupValue(ctx, ns), 0);
  }
  JS_FreeAtom(ctx, key);
  JS_FreeValue(ctx, sym);
  JS_FreeValue(ctx, proto);
  return ns;
}

static JSValue call(JSContext *ctx, JSValueConst obj, const char *method, int argc, JSValueConst *argv) {
  JSValue f = JS_GetPropertyStr(ctx, obj, method);
  if (JS_IsException(f)) return f;
  JSValue r = JS_Call(ctx, f, obj, argc, argv);
  JS_FreeValue(ctx, f);
  return r;
}

/* new pieces[cls](opts); takes opts. */
static JSValue construct(JSContext *ctx, recorder *r, const char *cls, JSValue opts) {
  JSValue c = JS_GetPropertyStr(ctx, r->pieces, cls);
  JSValue obj = JS_IsException(c) ? c : JS_CallConstructor(ctx, c, 1, (JSValueConst *)&opts);
  JS_FreeValue(ctx, c);
  JS_FreeValue(ctx, opts);
  return obj;
}

/* Teardown calls: a piece closed already (or never made) is no error. */
static void call_quiet(JSContext *ctx, JSValueConst obj, const char *method) {
  if (JS_IsUndefined(obj)) return;
  JSValue v = call(ctx, obj, method, 0, NULL);
  if (JS_IsException(v)) JS_FreeValue(ctx, JS_GetException(ctx));
  JS_FreeValue(ctx, v);
}

static int64_t int_prop(JSContext *ctx, JSValueConst obj, const char *name) {
  JSValue v = JS_GetPropertyStr(ctx, obj, name);
  int64_t n = 0;
  if (JS_ToInt64(ctx, &n, v) < 0) JS_FreeValue(ctx, JS_GetException(ctx));
  JS_FreeValue(ctx, v);
  return n;
}

static JSValue opts_of(JSContext *ctx, const char *const *names, const int64_t *values, int n) {
  JSValue o = JS_NewObject(ctx);
  for (int i = 0; i < n; i++) JS_SetPropertyStr(ctx, o, names[i], JS_NewInt64(ctx, values[i]));
  return o;
}

/* A pipe of the recorder will give back its loop reference (weak): take it again first. */
static void rec_unweak(recorder *r, int which) {
  if (!r->weak[which]) return;
  r->weak[which] = false;
  kjs_loop_ref(r->loop);
}

/* The error listener of the recorder's pipes (magic 0 video, 1 audio; data: the recorder). The
 * pipe broke and gave back its loop reference; the error is the writer's, process()'s to report
 * (a pipe without a listener would print it). */
static JSValue rec_pipe_broke(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                              JSValueConst *data) {
  recorder *r = JS_GetOpaque(data[0], recorder_class_id);
  if (r) rec_unweak(r, magic);
  return JS_UNDEFINED;
}

/* ---- losses and errors ---- */

/* Camera frames that never reached the file (no sensor buffer, no encoder room, a full writer
 * queue) and those the simulated sensor made late: read while the pieces run, kept after. */
static void rec_count_losses(JSContext *ctx, recorder *r) {
  if (!JS_IsUndefined(r->sensor)) {
    JSValue st = call(ctx, r->sensor, "stats", 0, NULL);
    if (JS_IsException(st)) {
      JS_FreeValue(ctx, JS_GetException(ctx));
    } else {
      r->sensor_dropped = (uint64_t)int_prop(ctx, st, "dropped");
      r->late = (uint64_t)int_prop(ctx, st, "late");
    }
    JS_FreeValue(ctx, st);
  }
  if (!JS_IsUndefined(r->encoder)) {
    JSValue st = call(ctx, r->encoder, "status", 0, NULL);
    if (JS_IsException(st)) JS_FreeValue(ctx, JS_GetException(ctx));
    else r->encoder_dropped = (uint64_t)int_prop(ctx, st, "droppedFrames");
    JS_FreeValue(ctx, st);
  }
}

/* The counters of the running writer into r (kept after stop). */
static void rec_read_writer(recorder *r) {
  mp4js_writer *w = JS_IsUndefined(r->muxer) ? NULL : mp4js_muxer_writer(r->muxer);
  if (w) mp4js_writer_read(w, &r->written, &r->segments, r->file, sizeof r->file);
}

static void rec_fail(recorder *r, int rc, const char *fmt, const char *detail) {
  if (r->error) return;
  r->error = rc;
  snprintf(r->error_text, sizeof r->error_text, fmt, detail && *detail ? detail : err_str(rc));
}

/* ---- start / stop ---- */

static void rec_free_pieces(JSContext *ctx, recorder *r) {
  JSValue *v[] = {&r->pipe, &r->link, &r->encoder, &r->ain, &r->sensor, &r->muxer};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    JS_FreeValue(ctx, *v[i]);
    *v[i] = JS_UNDEFINED;
  }
}

/* Teardown in the K230 order: the pipe, sensor stop -> unbind -> encoder -> audio -> sensor
 * close -> file (the writer writes what is queued first). Returns the recording's first error. */
static int rec_stop(JSContext *ctx, recorder *r) {
  rec_unweak(r, 0);
  rec_unweak(r, 1);
  call_quiet(ctx, r->pipe, "close");
  call_quiet(ctx, r->sensor, "stop");
  call_quiet(ctx, r->link, "destroy");
  rec_count_losses(ctx, r);
  call_quiet(ctx, r->encoder, "close");
  call_quiet(ctx, r->ain, "close");
  call_quiet(ctx, r->sensor, "close");
  mp4js_writer *w = JS_IsUndefined(r->muxer) ? NULL : mp4js_muxer_writer(r->muxer);
  if (w) {
    char why[320];
    int rc = mp4js_writer_close(w, why, sizeof why);
    rec_read_writer(r);
    if (rc) rec_fail(r, rc, "Mp4Recorder: writing the file: %s", why);
  }
  rec_free_pieces(ctx, r);
  r->running = false;
  return r->error;
}

/* A piece failed to start: its Error, named after the recorder and the step, with its code. */
static JSValue start_failed(JSContext *ctx, recorder *r, const char *step) {
  JSValue e = JS_GetException(ctx);
  if (JS_IsError(e)) {
    JSValue m = JS_GetPropertyStr(ctx, e, "message");
    const char *text = JS_ToCString(ctx, m);
    char buf[600];
    snprintf(buf, sizeof buf, "Mp4Recorder.start: %s: %s", step, text ? text : "");
    JS_FreeCString(ctx, text);
    JS_FreeValue(ctx, m);
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, buf), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
  }
  rec_stop(ctx, r);
  r->error = 0;
  return JS_Throw(ctx, e);
}

static void rec_clear(recorder *r) {
  r->pieces = r->sensor = r->encoder = r->link = r->ain = r->muxer = r->pipe = JS_UNDEFINED;
}

static JSValue rec_start(JSContext *ctx, recorder *r, JSValueConst this_val) {
  r->error = 0;
  r->error_text[0] = 0;
  r->reported = false;
  r->seen = r->sensor_dropped = r->encoder_dropped = r->late = 0;
  memset(&r->written, 0, sizeof r->written);
  memset(&r->segments, 0, sizeof r->segments);
  r->file[0] = 0;
  r->muxer = mp4js_muxer_new(ctx, "Mp4Recorder.start", r->path, &r->scfg, &r->mcfg);
  if (JS_IsException(r->muxer)) {
    r->muxer = JS_UNDEFINED;
    return JS_EXCEPTION;
  }
  r->running = true;
  mp4js_writer *w = mp4js_muxer_writer(r->muxer);
  w->wake = kjs_vm_loop(kjs_vm_from_context(ctx)); /* process() waits on the loop */
  char why[320];
  int rc = mp4js_writer_add_track(w, MP4_TRACK_VIDEO, r->vcodec ? MP4_CODEC_H265 : MP4_CODEC_H264, (int)r->width,
                                  (int)r->height, why, sizeof why);
  if (rc > 0 && r->audio)
    rc = mp4js_writer_add_track(w, MP4_TRACK_AUDIO, r->law ? MP4_CODEC_G711U : MP4_CODEC_G711A, (int)r->arate,
                                (int)r->achannels, why, sizeof why);
  if (rc < 0) {
    kjs_throw(ctx, rc, "%s", *why ? why : err_str(rc));
    return start_failed(ctx, r, "adding the tracks");
  }
  static const char *const sensor_opts[] = {"id", "width", "height", "fps"};
  int64_t sv[] = {r->sensor_id, r->width > 1920 ? r->width : 1920, r->height > 1080 ? r->height : 1080, r->fps};
  r->sensor = construct(ctx, r, "Sensor", opts_of(ctx, sensor_opts, sv, 4));
  if (JS_IsException(r->sensor)) {
    r->sensor = JS_UNDEFINED;
    return start_failed(ctx, r, "opening the sensor");
  }
  static const char *const size_opts[] = {"width", "height"};
  int64_t size[] = {r->width, r->height};
  JSValue o = opts_of(ctx, size_opts, size, 2);
  JSValue v = call(ctx, r->sensor, "setFramesize", 1, (JSValueConst *)&o);
  JS_FreeValue(ctx, o);
  if (JS_IsException(v)) return start_failed(ctx, r, "configuring the sensor");
  JS_FreeValue(ctx, v);
  static const char *const enc_opts[] = {"width", "height", "bitrate", "gop", "fps"};
  int64_t ev[] = {r->width, r->height, r->bitrate, r->gop, r->fps};
  o = opts_of(ctx, enc_opts, ev, 5);
  JS_SetPropertyStr(ctx, o, "codec", JS_NewString(ctx, r->vcodec ? "h265" : "h264"));
  r->encoder = construct(ctx, r, "Encoder", o);
  if (JS_IsException(r->encoder)) {
    r->encoder = JS_UNDEFINED;
    return start_failed(ctx, r, "creating the encoder");
  }
  JSValue bi = call(ctx, r->sensor, "bindInfo", 0, NULL);
  JSValue mm = JS_IsException(bi) ? JS_EXCEPTION : JS_GetPropertyStr(ctx, r->pieces, "MediaManager");
  JSValue link = JS_EXCEPTION;
  if (!JS_IsException(mm)) {
    JSValue args[2] = {JS_GetPropertyStr(ctx, bi, "src"), JS_DupValue(ctx, r->encoder)};
    link = call(ctx, mm, "link", 2, args);
    JS_FreeValue(ctx, args[0]);
    JS_FreeValue(ctx, args[1]);
  }
  JS_FreeValue(ctx, mm);
  JS_FreeValue(ctx, bi);
  if (JS_IsException(link)) return start_failed(ctx, r, "binding the sensor to the encoder");
  r->link = link;
  r->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  JSValue on_error = JS_NewCFunctionData(ctx, rec_pipe_broke, 1, 1, 1, &this_val);
  if (r->audio) {
    static const char *const audio_opts[] = {"rate", "channels", "samplesPerFrame"};
    int64_t av[] = {r->arate, r->achannels, r->arate / 25}; /* 40 ms */
    r->ain = construct(ctx, r, "AudioIn", opts_of(ctx, audio_opts, av, 3));
    if (JS_IsException(r->ain)) {
      r->ain = JS_UNDEFINED;
      JS_FreeValue(ctx, on_error);
      return start_failed(ctx, r, "opening audio in");
    }
    o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "codec", JS_NewString(ctx, r->law ? "ulaw" : "alaw"));
    JS_SetPropertyStr(ctx, o, "onError", JS_DupValue(ctx, on_error));
    JSValue args[2] = {r->muxer, o};
    v = call(ctx, r->ain, "pipeTo", 2, args);
    JS_FreeValue(ctx, o);
    if (JS_IsException(v)) {
      JS_FreeValue(ctx, on_error);
      return start_failed(ctx, r, "piping audio in");
    }
    JS_FreeValue(ctx, v);
    kjs_loop_unref(r->loop);
    r->weak[1] = true;
  }
  JS_FreeValue(ctx, on_error);
  on_error = JS_NewCFunctionData(ctx, rec_pipe_broke, 1, 0, 1, &this_val);
  r->pipe = call(ctx, r->encoder, "pipeTo", 1, (JSValueConst *)&r->muxer);
  if (JS_IsException(r->pipe)) {
    r->pipe = JS_UNDEFINED;
    JS_FreeValue(ctx, on_error);
    return start_failed(ctx, r, "piping the encoder");
  }
  kjs_loop_unref(r->loop);
  r->weak[0] = true;
  JSValue args[2] = {JS_NewString(ctx, "error"), on_error};
  v = call(ctx, r->pipe, "on", 2, args);
  JS_FreeValue(ctx, args[0]);
  JS_FreeValue(ctx, on_error);
  if (JS_IsException(v)) return start_failed(ctx, r, "piping the encoder");
  JS_FreeValue(ctx, v);
  v = call(ctx, r->encoder, "start", 0, NULL);
  if (JS_IsException(v)) return start_failed(ctx, r, "starting the encoder");
  JS_FreeValue(ctx, v);
  v = call(ctx, r->sensor, "run", 0, NULL);
  if (JS_IsException(v)) return start_failed(ctx, r, "starting the sensor");
  JS_FreeValue(ctx, v);
  return JS_UNDEFINED;
}

/* ---- finalize / gc_mark ---- */

static void recorder_finalizer(JSRuntime *rt, JSValueConst val) {
  recorder *r = JS_GetOpaque(val, recorder_class_id);
  if (!r) return;
  /* No JS here: each piece's own finalizer stops it, and the muxer's still closes the file, so a
   * dropped recorder leaves a playable file. Its pipes give back their loop references then. */
  rec_unweak(r, 0);
  rec_unweak(r, 1);
  JSValue *v[] = {&r->pipe, &r->link, &r->encoder, &r->ain, &r->sensor, &r->muxer, &r->pieces};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) JS_FreeValueRT(rt, *v[i]);
  free(r->path);
  free(r);
}

static void recorder_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  recorder *r = JS_GetOpaque(val, recorder_class_id);
  if (!r) return;
  JSValue v[] = {r->pipe, r->link, r->encoder, r->ain, r->sensor, r->muxer, r->pieces};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) JS_MarkValue(rt, v[i], mark);
}

static const JSClassDef recorder_class = {"Mp4Recorder", .finalizer = recorder_finalizer, .gc_mark = recorder_mark};

/* ---- methods ---- */

static JSValue recorder_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Mp4Recorder";
  static const char *const vcodecs[] = {"h264", "h265", NULL};
  static const char *const acodecs[] = {"alaw", "ulaw", "g711a", "g711u", NULL};
  static const char *const modes[] = {"fragmented", "indexed", "faststart", NULL};
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {file, video, audio?} must be an object", fn);
  if (kjs_check_options(
          ctx, opts, fn,
          KJS_OPTIONS("file", "video", "audio", "sensorId", "mode", "fragmentMs", "firstFragmentMs", "segment")) < 0)
    return JS_EXCEPTION;
  JSValue filev = JS_GetPropertyStr(ctx, opts, "file");
  const char *file = JS_IsString(filev) ? JS_ToCString(ctx, filev) : NULL;
  JS_FreeValue(ctx, filev);
  if (!file) return JS_ThrowTypeError(ctx, "%s: options.file must be a string", fn);
  mp4_segment_config sc;
  const char *problem = NULL;
  char host[PATH_MAX];
  int rc = 0;
  if (mp4js_segment_options(ctx, opts, fn, &sc) < 0 ||
      (problem = mp4_segment_pattern_problem(
           file, sc.max_duration_us || sc.max_bytes || sc.keep_files || sc.min_free_bytes)) ||
      (rc = kjs_path_map(kjs_vm_from_context(ctx), file, host, sizeof host))) {
    if (problem) kjs_throw(ctx, ERR_EINVAL, "%s: options.file '%s': %s", fn, file, problem);
    else if (rc) kjs_throw(ctx, rc, "%s: options.file '%s': %s", fn, file, err_str(rc));
    JS_FreeCString(ctx, file);
    return JS_EXCEPTION;
  }
  recorder *r = calloc(1, sizeof *r);
  if (!r) {
    JS_FreeCString(ctx, file);
    return JS_ThrowOutOfMemory(ctx);
  }
  r->path = strdup(file);
  r->scfg = sc;
  JS_FreeCString(ctx, file);
  rec_clear(r);
  JSValue video = JS_GetPropertyStr(ctx, opts, "video");
  JSValue audio = JS_GetPropertyStr(ctx, opts, "audio");
  int vc, ac = 1, mode;
  int64_t w, h, br, fps, gop, sid, rate = 8000, ch = 1, frag, first_frag;
  r->mcfg = (mp4_muxer_config)MP4_MUXER_CONFIG_DEFAULT;
  bool bad =
      kjs_check_options(ctx, video, "new Mp4Recorder: options.video",
                        KJS_OPTIONS("codec", "width", "height", "bitrate", "fps", "gop")) < 0 ||
      kjs_opt_enum(ctx, video, "new Mp4Recorder: video", "codec", vcodecs, 0, &vc) < 0 ||
      kjs_opt_int(ctx, video, "new Mp4Recorder: video", "width", 1280, 128, 4096, &w) < 0 ||
      kjs_opt_int(ctx, video, "new Mp4Recorder: video", "height", 720, 64, 4096, &h) < 0 ||
      kjs_opt_int(ctx, video, "new Mp4Recorder: video", "bitrate", 4000, 8, 200000, &br) < 0 ||
      kjs_opt_int(ctx, video, "new Mp4Recorder: video", "fps", 30, 1, 60, &fps) < 0 ||
      kjs_opt_int(ctx, video, "new Mp4Recorder: video", "gop", fps, 1, 10000, &gop) < 0 ||
      kjs_opt_int(ctx, opts, fn, "sensorId", 0, 0, 2, &sid) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "mode", modes, 0, &mode) < 0 ||
      kjs_opt_int(ctx, opts, fn, "fragmentMs", 1000, 1, 3600000, &frag) < 0 ||
      kjs_opt_int(ctx, opts, fn, "firstFragmentMs", r->mcfg.first_fragment_us / 1000, 0, 3600000, &first_frag) < 0 ||
      kjs_check_options(ctx, JS_IsNull(audio) ? JS_UNDEFINED : audio, "new Mp4Recorder: options.audio",
                        KJS_OPTIONS("codec", "sampleRate", "channels")) < 0 ||
      (JS_IsObject(audio) &&
       (kjs_opt_enum(ctx, audio, "new Mp4Recorder: audio", "codec", acodecs, 1, &ac) < 0 ||
        kjs_opt_int(ctx, audio, "new Mp4Recorder: audio", "sampleRate", 8000, 8000, 48000, &rate) < 0 ||
        kjs_opt_int(ctx, audio, "new Mp4Recorder: audio", "channels", 1, 1, 2, &ch) < 0));
  r->audio = JS_IsObject(audio);
  JS_FreeValue(ctx, video);
  JS_FreeValue(ctx, audio);
  if (bad) goto fail;
  if (w % 2 || h % 2) {
    JS_ThrowRangeError(ctx, "%s: video.width and video.height must be even, got %dx%d", fn, (int)w, (int)h);
    goto fail;
  }
  if (r->audio && (rate != 8000 || ch != 1)) { /* what AudioIn.pipeTo encodes */
    JS_ThrowRangeError(ctx, "%s: audio is G.711 at 8000 Hz mono, got %d Hz with %d channels", fn, (int)rate, (int)ch);
    goto fail;
  }
  r->vcodec = vc;
  r->width = (uint32_t)w;
  r->height = (uint32_t)h;
  r->bitrate = (uint32_t)br;
  r->fps = (uint32_t)fps;
  r->gop = (uint32_t)gop;
  r->sensor_id = (int)sid;
  r->law = ac % 2;
  r->arate = (uint32_t)rate;
  r->achannels = (uint32_t)ch;
  r->mcfg.mode = (mp4_mode)mode;
  r->mcfg.fragment_us = (uint32_t)(frag * 1000);
  r->mcfg.first_fragment_us = (uint32_t)(first_frag * 1000);
  JSValue obj = kjs_class_new_instance(ctx, new_target, recorder_class_id);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, r);
  r->pieces = media_pieces(ctx);
  if (JS_IsException(r->pieces)) {
    JS_FreeValue(ctx, obj); /* the finalizer frees r */
    return JS_EXCEPTION;
  }
  return obj;
fail:
  free(r->path);
  free(r);
  return JS_EXCEPTION;
}

static JSValue recorder_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (r->running) return kjs_throw(ctx, ERR_ESTATE, "Mp4Recorder.start: already recording");
  return rec_start(ctx, r, this_val);
}

static JSValue stats_obj(JSContext *ctx, recorder *r) {
  if (r->running) {
    rec_read_writer(r);
    rec_count_losses(ctx, r);
  }
  uint64_t dropped = r->sensor_dropped + r->encoder_dropped + r->written.dropped;
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "frames", JS_NewInt64(ctx, (int64_t)r->written.frames));
  JS_SetPropertyStr(ctx, o, "audioFrames", JS_NewInt64(ctx, (int64_t)r->written.audio_frames));
  JS_SetPropertyStr(ctx, o, "bytes", JS_NewInt64(ctx, (int64_t)r->written.bytes));
  JS_SetPropertyStr(ctx, o, "fragments", JS_NewUint32(ctx, r->segments.fragments));
  JS_SetPropertyStr(ctx, o, "files", JS_NewUint32(ctx, r->segments.files));
  JS_SetPropertyStr(ctx, o, "deleted", JS_NewUint32(ctx, r->segments.deleted));
  JS_SetPropertyStr(ctx, o, "recovered", JS_NewUint32(ctx, r->segments.recovered));
  JS_SetPropertyStr(ctx, o, "dropped", JS_NewInt64(ctx, (int64_t)dropped));
  JS_SetPropertyStr(ctx, o, "late", JS_NewInt64(ctx, (int64_t)r->late));
  return o;
}

/* CanMV's Process(): the pipes and the writer do the work; this turns the event loop (so the
 * pipes run, and the app's timers and sockets with them) until the next picture is in the file or
 * timeoutMs passed, and returns how many are, or throws the recording's error. */
static JSValue recorder_process(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Mp4Recorder.process";
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (!r->running) return kjs_throw(ctx, ERR_ESTATE, "%s: not recording (start() first)", fn);
  if (r->in_process) return kjs_throw(ctx, ERR_ESTATE, "%s: called from a callback process() runs", fn);
  int64_t timeout = 1000;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "Mp4Recorder.process: timeoutMs", 0, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  kjs_vm *vm = kjs_vm_from_context(ctx);
  kjs_loop *loop = kjs_vm_loop(vm);
  mp4js_writer *w = mp4js_muxer_writer(r->muxer);
  uint64_t end = hal_clock_us() + (uint64_t)timeout * 1000;
  char why[320];
  int err;
  r->in_process = true;
  for (;;) {
    rec_read_writer(r);
    if ((err = mp4js_writer_error(w, why, sizeof why)) || r->written.frames != r->seen) break;
    uint64_t now = hal_clock_us();
    if (now >= end || kjs_vm_stopping(vm) || kjs_vm_interrupt_pending(vm)) break; /* Ctrl-C: JS's to take */
    kjs_loop_run_once(loop, (int)((end - now + 999) / 1000));
    if (!r->running) break; /* a callback stopped the recording */
  }
  r->in_process = false;
  if (kjs_vm_stopping(vm)) {
    /* A callback it ran stopped the app (exit(), an uncaught error): unwind, as exit() does, or
     * a `for (;;) process()` loop would spin. */
    JSValue e = JS_NewError(ctx);
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, "exit"), JS_PROP_CONFIGURABLE);
    JS_SetUncatchableError(ctx, e);
    return JS_Throw(ctx, e);
  }
  if (!r->running) return kjs_throw(ctx, ERR_ESTATE, "%s: the recording was stopped", fn);
  r->seen = r->written.frames;
  if (err) {
    rec_fail(r, err, "Mp4Recorder: writing the file: %s", why);
    r->reported = true;
    return kjs_throw(ctx, r->error, "%s", r->error_text);
  }
  return JS_NewInt64(ctx, (int64_t)r->written.frames);
}

static JSValue recorder_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (!r->running) return stats_obj(ctx, r);
  int rc = rec_stop(ctx, r);
  /* An error process() already threw is not thrown again: the app's `finally { stop() }` must
   * not die of what its catch already handled. */
  if (rc && !r->reported) return kjs_throw(ctx, rc, "%s", r->error_text);
  return stats_obj(ctx, r);
}

static JSValue recorder_get_stats(JSContext *ctx, JSValueConst this_val) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  return r ? stats_obj(ctx, r) : JS_EXCEPTION;
}

/* magic 0 recording, 1 file (being written, else the last one, else the option) */
static JSValue recorder_get(JSContext *ctx, JSValueConst this_val, int magic) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (magic == 0) return JS_NewBool(ctx, r->running);
  if (r->running) rec_read_writer(r);
  return JS_NewString(ctx, r->file[0] ? r->file : r->path);
}

static const JSCFunctionListEntry recorder_proto_funcs[] = {
    JS_CFUNC_DEF("start", 0, recorder_start),
    JS_CFUNC_DEF("process", 1, recorder_process),
    JS_CFUNC_DEF("stop", 0, recorder_stop),
    JS_CFUNC_DEF("close", 0, recorder_stop),
    JS_CGETSET_DEF("stats", recorder_get_stats, NULL),
    JS_CGETSET_MAGIC_DEF("recording", recorder_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("file", recorder_get, NULL, 1),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Mp4Recorder", JS_PROP_CONFIGURABLE),
};

JSValue kjs_mp4_recorder_class(JSContext *ctx) {
  return kjs_class_create(ctx, &recorder_class_id, &recorder_class, recorder_ctor, 1, recorder_proto_funcs,
                          sizeof recorder_proto_funcs / sizeof recorder_proto_funcs[0]);
}
