/*
 * k230:mp4 Mp4Recorder — the one-object recorder (CanMV Mp4Container): a sensor bound to an
 * encoder, optional audio in + G.711, and a fragmented MP4 muxer (or a loop recording of
 * segments, mp4/segmenter.h), with the whole per-frame path on one C thread. JS calls start(),
 * then process() as often as it likes (it only waits for progress and reports errors), then
 * stop(). Registered by mod_mp4.c.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/audio.h"
#include "base/errors.h"
#include "hal/sensor.h"
#include "hal/venc.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/paths.h"
#include "kjs/vm.h"
#include "media/g711.h"
#include "mp4/muxer.h"
#include "mp4_internal.h"

/* ---- private struct ---- */

typedef struct recorder {
  /* configuration */
  char *path; /* the file, or a pattern of files (segments) */
  mp4_muxer_config mcfg;
  mp4_segment_config scfg;
  hal_venc_codec vcodec;
  uint32_t width, height, fps, bitrate, gop;
  int sensor_id;
  bool audio;
  mp4_codec acodec;
  uint32_t arate, achannels;
  /* running state */
  bool running;
  hal_handle sensor, venc, link, ain;
  mp4js_files files; /* written by the thread; .last and .js_path read under mu */
  int vtrack, atrack;
  pthread_t th;
  atomic_int quit;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t frames, audio_frames, bytes; /* under mu */
  int error;                            /* first error of the thread, under mu */
  char error_text[320];
  bool reported; /* process() threw `error` already: stop() then closes quietly */
  uint64_t seen; /* frames at the last process() */
  bool started_video;
  uint64_t dropped, late; /* camera frames lost or late (JS thread only; rec_count_losses) */
} recorder;

/* ---- class id ---- */

static JSClassID recorder_class_id;

/* ---- the recording thread ---- */

static void rec_fail(recorder *r, int rc, const char *what) {
  pthread_mutex_lock(&r->mu);
  if (!r->error) {
    r->error = rc;
    const char *detail = r->files.seg ? mp4_segmenter_last_error(r->files.seg) : "";
    snprintf(r->error_text, sizeof r->error_text, "%s: %s", what, *detail ? detail : err_str(rc));
  }
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static int rec_video(recorder *r, hal_venc_stream *st) {
  uint64_t bytes = 0;
  bool wrote_picture = false;
  for (uint32_t i = 0; i < st->pack_cnt; i++) {
    const hal_venc_pack *p = &st->pack[i];
    if (p->type == HAL_VENC_PACK_I) r->started_video = true;
    if (!r->started_video && p->type == HAL_VENC_PACK_P) continue; /* wait for an IDR */
    int rc = mp4_segmenter_write(r->files.seg, r->vtrack, p->data, p->len, (int64_t)p->pts_us,
                                 p->type == HAL_VENC_PACK_I   ? MP4_FRAME_KEYFRAME
                                 : p->type == HAL_VENC_PACK_P ? MP4_FRAME_DELTA
                                                              : 0);
    if (rc < 0) return rc;
    bytes += p->len;
    wrote_picture |= p->type != HAL_VENC_PACK_HEADER;
  }
  pthread_mutex_lock(&r->mu);
  r->bytes += bytes;
  if (wrote_picture) r->frames++;
  mp4js_files_update(&r->files); /* the JS thread reads the file name and counts from here */
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return 0;
}

static int rec_audio(recorder *r, hal_audio_frame *f) {
  size_t n = (size_t)f->samples_per_channel * f->channels;
  uint8_t buf[8192 * 2];
  if (n > sizeof buf) n = sizeof buf;
  if (r->acodec == MP4_CODEC_G711A) media_alaw_encode_buf(f->samples, buf, n);
  else media_ulaw_encode_buf(f->samples, buf, n);
  int rc = r->started_video ? mp4_segmenter_write(r->files.seg, r->atrack, buf, n, (int64_t)f->pts_us, 0) : 0;
  if (rc < 0) return rc;
  pthread_mutex_lock(&r->mu);
  if (r->started_video) r->audio_frames++;
  pthread_mutex_unlock(&r->mu);
  return 0;
}

static void *rec_thread(void *arg) {
  recorder *r = arg;
  while (!atomic_load(&r->quit)) {
    hal_venc_stream *st;
    int rc = hal_venc_get_stream(r->venc, &st, r->audio ? 10 : 100);
    if (rc == 0) {
      rc = rec_video(r, st);
      hal_venc_release_stream(r->venc, st);
      if (rc) {
        rec_fail(r, rc, "Mp4Recorder: writing video");
        break;
      }
    } else if (rc != ERR_ETIMEDOUT) {
      rec_fail(r, rc, "Mp4Recorder: encoder");
      break;
    }
    hal_audio_frame *af;
    while (r->audio && hal_audio_in_read(r->ain, &af, 0) == 0) {
      rc = rec_audio(r, af);
      hal_audio_in_release(r->ain, af);
      if (rc) {
        rec_fail(r, rc, "Mp4Recorder: writing audio");
        return NULL;
      }
    }
  }
  return NULL;
}

/* ---- start / stop ---- */

/* Frames that never reached the file (no sensor buffer, no encoder room) and frames the
 * simulated sensor made late: read while the pipeline runs, kept once it is gone. */
static void rec_count_losses(recorder *r) {
  hal_sensor_stats ss;
  hal_venc_status vs;
  if (r->sensor && hal_sensor_stats_get(r->sensor, &ss) == 0) r->late = ss.late, r->dropped = ss.dropped;
  if (r->venc && hal_venc_status_get(r->venc, &vs) == 0) r->dropped += vs.dropped_frames;
}

/* Teardown in the K230 order: sensor stop -> unbind -> encoder -> audio -> sensor close -> file.
 * Never calls into JS; returns the first error (of the recording or of closing the file). */
static int rec_stop(recorder *r) {
  if (!r->running) return 0;
  atomic_store(&r->quit, 1);
  if (r->th) pthread_join(r->th, NULL);
  r->th = 0;
  rec_count_losses(r);
  if (r->sensor) hal_sensor_stop(r->sensor);
  if (r->link) hal_unlink(r->link);
  if (r->venc) hal_venc_destroy(r->venc);
  if (r->ain) hal_audio_in_close(r->ain);
  if (r->sensor) hal_sensor_close(r->sensor);
  r->sensor = r->venc = r->link = r->ain = 0;
  char why[200];
  pthread_mutex_lock(&r->mu);
  int rc = mp4js_files_close(&r->files, why, sizeof why);
  r->running = false;
  if (rc && !r->error) {
    r->error = rc;
    snprintf(r->error_text, sizeof r->error_text, "Mp4Recorder.stop: closing the file: %s", *why ? why : err_str(rc));
  }
  rc = r->error;
  pthread_mutex_unlock(&r->mu);
  return rc;
}

static int rec_start(recorder *r, char *why, size_t why_len) {
  int rc;
  const char *step = "";
#define STEP(name, call) \
  do { \
    step = name; \
    if ((rc = (call))) goto fail; \
  } while (0)
  r->error = 0;
  r->error_text[0] = 0;
  r->reported = false;
  r->frames = r->audio_frames = r->bytes = r->seen = r->dropped = r->late = 0;
  r->started_video = false;
  atomic_store(&r->quit, 0);
  r->running = true;
  step = "adding the video track";
  if ((rc = mp4_segmenter_add_video(r->files.seg, r->vcodec == HAL_VENC_H265 ? MP4_CODEC_H265 : MP4_CODEC_H264,
                                    (int)r->width, (int)r->height)) < 0)
    goto fail;
  r->vtrack = rc;
  if (r->audio) {
    step = "adding the audio track";
    if ((rc = mp4_segmenter_add_audio(r->files.seg, r->acodec, (int)r->arate, (int)r->achannels)) < 0) goto fail;
    r->atrack = rc;
  }
  hal_sensor_config scfg = HAL_SENSOR_CONFIG_DEFAULT;
  scfg.dev = r->sensor_id;
  scfg.width = r->width > 1920 ? r->width : 1920;
  scfg.height = r->height > 1080 ? r->height : 1080;
  scfg.fps = r->fps;
  STEP("opening the sensor", hal_sensor_open(&scfg, &r->sensor));
  hal_sensor_chn_config ccfg = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  ccfg.width = r->width;
  ccfg.height = r->height;
  STEP("configuring the sensor", hal_sensor_chn_config_set(r->sensor, 0, &ccfg));
  hal_venc_config vcfg = HAL_VENC_CONFIG_DEFAULT;
  vcfg.codec = r->vcodec;
  vcfg.width = r->width;
  vcfg.height = r->height;
  vcfg.bitrate_kbps = r->bitrate;
  vcfg.gop = r->gop;
  vcfg.src_fps = vcfg.dst_fps = r->fps;
  STEP("creating the encoder", hal_venc_create(-1, &vcfg, &r->venc, NULL));
  hal_bind_info bi;
  STEP("binding the sensor", hal_sensor_bind_info(r->sensor, 0, 0, 0, &bi));
  hal_venc_status vs;
  STEP("binding the sensor", hal_venc_status_get(r->venc, &vs));
  hal_chn dst = {HAL_MOD_VENC, 0, (int)vs.chn};
  STEP("binding the sensor to the encoder", hal_link(&bi.src, &dst, &r->link));
  if (r->audio) {
    hal_audio_config acfg = HAL_AUDIO_CONFIG_DEFAULT;
    acfg.rate = r->arate;
    acfg.channels = r->achannels;
    acfg.samples_per_frame = r->arate / 25; /* 40 ms */
    STEP("opening audio in", hal_audio_in_open(&acfg, &r->ain));
  }
  STEP("starting the encoder", hal_venc_start(r->venc));
  STEP("starting the sensor", hal_sensor_run(r->sensor));
  step = "starting the recording thread";
  if ((rc = pthread_create(&r->th, NULL, rec_thread, r) ? ERR_ENOMEM : 0)) goto fail;
  return 0;
fail:
  snprintf(why, why_len, "%s: %s", step,
           *mp4_segmenter_last_error(r->files.seg) ? mp4_segmenter_last_error(r->files.seg) : err_str(rc));
  r->th = 0;
  rec_stop(r);
  return rc;
#undef STEP
}

/* ---- finalize ---- */

static void recorder_finalizer(JSRuntime *rt, JSValueConst val) {
  recorder *r = JS_GetOpaque(val, recorder_class_id);
  if (!r) return;
  rec_stop(r); /* a dropped recorder still leaves a playable file */
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r->path);
  free(r);
}

static const JSClassDef recorder_class = {"Mp4Recorder", .finalizer = recorder_finalizer};

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
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
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
  r->vcodec = vc == 1 ? HAL_VENC_H265 : HAL_VENC_H264;
  r->width = (uint32_t)w;
  r->height = (uint32_t)h;
  r->bitrate = (uint32_t)br;
  r->fps = (uint32_t)fps;
  r->gop = (uint32_t)gop;
  r->sensor_id = (int)sid;
  r->acodec = ac % 2 == 0 ? MP4_CODEC_G711A : MP4_CODEC_G711U;
  r->arate = (uint32_t)rate;
  r->achannels = (uint32_t)ch;
  r->mcfg.mode = (mp4_mode)mode;
  r->mcfg.fragment_us = (uint32_t)(frag * 1000);
  r->mcfg.first_fragment_us = (uint32_t)(first_frag * 1000);
  JSValue obj = kjs_class_new_instance(ctx, new_target, recorder_class_id);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, r);
  return obj;
fail:
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r->path);
  free(r);
  return JS_EXCEPTION;
}

static JSValue recorder_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (r->running) return kjs_throw(ctx, ERR_ESTATE, "Mp4Recorder.start: already recording");
  if (mp4js_files_open(ctx, "Mp4Recorder.start", r->path, &r->scfg, &r->mcfg, &r->files) < 0) return JS_EXCEPTION;
  char why[256];
  int rc = rec_start(r, why, sizeof why);
  if (rc) return kjs_throw(ctx, rc, "Mp4Recorder.start: %s", why);
  return JS_UNDEFINED;
}

static JSValue stats_obj(JSContext *ctx, recorder *r) {
  pthread_mutex_lock(&r->mu);
  uint64_t f = r->frames, a = r->audio_frames, b = r->bytes;
  mp4_segment_stats st = r->files.last;
  pthread_mutex_unlock(&r->mu);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "frames", JS_NewInt64(ctx, (int64_t)f));
  JS_SetPropertyStr(ctx, o, "audioFrames", JS_NewInt64(ctx, (int64_t)a));
  JS_SetPropertyStr(ctx, o, "bytes", JS_NewInt64(ctx, (int64_t)b));
  JS_SetPropertyStr(ctx, o, "fragments", JS_NewUint32(ctx, st.fragments));
  JS_SetPropertyStr(ctx, o, "files", JS_NewUint32(ctx, st.files));
  JS_SetPropertyStr(ctx, o, "deleted", JS_NewUint32(ctx, st.deleted));
  JS_SetPropertyStr(ctx, o, "recovered", JS_NewUint32(ctx, st.recovered));
  rec_count_losses(r);
  JS_SetPropertyStr(ctx, o, "dropped", JS_NewInt64(ctx, (int64_t)r->dropped));
  JS_SetPropertyStr(ctx, o, "late", JS_NewInt64(ctx, (int64_t)r->late));
  return o;
}

/* CanMV's Process(): here the thread does the work; this waits (up to timeoutMs) for the next
 * video frame to be written and returns how many have been, or throws the recording's error. */
static JSValue recorder_process(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Mp4Recorder.process";
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (!r->running) return kjs_throw(ctx, ERR_ESTATE, "%s: not recording (start() first)", fn);
  int64_t timeout = 1000;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "Mp4Recorder.process: timeoutMs", 0, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += (time_t)(timeout / 1000);
  dl.tv_nsec += (long)(timeout % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
  pthread_mutex_lock(&r->mu);
  while (!r->error && r->frames == r->seen)
    if (pthread_cond_timedwait(&r->cv, &r->mu, &dl)) break;
  int err = r->error;
  char text[320];
  snprintf(text, sizeof text, "%s", r->error_text);
  r->seen = r->frames;
  uint64_t frames = r->frames;
  if (err) r->reported = true;
  pthread_mutex_unlock(&r->mu);
  if (err) return kjs_throw(ctx, err, "%s", text);
  return JS_NewInt64(ctx, (int64_t)frames);
}

static JSValue recorder_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  recorder *r = JS_GetOpaque2(ctx, this_val, recorder_class_id);
  if (!r) return JS_EXCEPTION;
  if (!r->running) return stats_obj(ctx, r);
  int rc = rec_stop(r);
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
  pthread_mutex_lock(&r->mu);
  JSValue v = JS_NewString(ctx, r->files.js_path[0] ? r->files.js_path : r->path);
  pthread_mutex_unlock(&r->mu);
  return v;
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
