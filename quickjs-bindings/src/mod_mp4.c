/*
 * k230:mp4 — MP4 recording and playback on firmware/libs/mp4: Mp4Muxer (the kd_mp4 muxer
 * sequence, optionally loop recording into segments) and Mp4Demuxer (file info, tracks, timed
 * frames, seek, iteration). Types and docs: js-lib/types/k230-mp4.d.ts.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/lend.h"
#include "kjs/record.h"
#include "kjs/media.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/sink.h"
#include "kjs/vm.h"
#include "mp4/demuxer.h"
#include "mp4/muxer.h"
#include "mp4_internal.h"

/* ---- private structs ---- */

typedef struct js_muxer {
  mp4js_writer w; /* w.files.seg NULL once closed */
  int reported;   /* the error writeFrame or a pipe already reported, so close() does not repeat it */
} js_muxer;

typedef struct js_demuxer {
  mp4_demuxer *d; /* NULL once closed */
  mp4_io io;
  char *path;
  /* The ArrayBuffer lent for the last frame (not owned: it owns a reference to us), revoked
   * before the demuxer reuses the memory. JS_UNDEFINED when none is out. */
  JSValue lent;
  kjs_record_names frame_fields; /* the frame objects' fields: getFrame runs for every frame */
} js_demuxer;

/* ---- class ids ---- */

static JSClassID muxer_class_id;
static JSClassID demuxer_class_id;

/* ---- close / finalize ---- */

static void muxer_finalizer(JSRuntime *rt, JSValueConst val) {
  js_muxer *jm = JS_GetOpaque(val, muxer_class_id);
  if (!jm) return;
  /* A recorder dropped without close() still gets a playable file. */
  mp4js_writer_free(&jm->w);
  free(jm);
}

static void demuxer_revoke(JSContext *ctx, js_demuxer *jd) {
  if (!JS_IsUndefined(jd->lent)) kjs_lend_revoke(ctx, jd->lent); /* clears jd->lent */
}

static void demuxer_close(JSContext *ctx, js_demuxer *jd) {
  demuxer_revoke(ctx, jd);
  if (!jd->d) return;
  mp4_demuxer_close(jd->d);
  jd->d = NULL;
  mp4_io_file_close(&jd->io);
}

/* Whatever of it was made: the constructor's failures and the finalizer. No frame buffer can be
 * out (each keeps the object alive). */
static void demuxer_free(JSRuntime *rt, js_demuxer *jd) {
  if (jd->d) mp4_demuxer_close(jd->d);
  mp4_io_file_close(&jd->io); /* nothing when it was not opened, or closed already */
  free(jd->path);
  kjs_record_names_free(rt, &jd->frame_fields);
  free(jd);
}

static void demuxer_finalizer(JSRuntime *rt, JSValueConst val) {
  js_demuxer *jd = JS_GetOpaque(val, demuxer_class_id);
  if (jd) demuxer_free(rt, jd);
}

/* ---- class defs ---- */

static const JSClassDef muxer_class = {"Mp4Muxer", .finalizer = muxer_finalizer};
static const JSClassDef demuxer_class = {"Mp4Demuxer", .finalizer = demuxer_finalizer};

/* ---- shared helpers ---- */

static JSValue throw_mp4(JSContext *ctx, int rc, const char *fn, const char *detail) {
  return kjs_throw(ctx, rc, "%s: %s", fn, detail && *detail ? detail : err_str(rc));
}

static int open_file(JSContext *ctx, const char *fn, JSValueConst path_val, const char *mode, mp4_io *io,
                     char **path_out) {
  const char *path = JS_IsString(path_val) ? JS_ToCString(ctx, path_val) : NULL;
  if (!path) {
    JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
    return -1;
  }
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  if (rc == 0) rc = mp4_io_file_open(io, host, mode);
  if (rc != 0) {
    kjs_throw(ctx, rc, "%s: cannot open '%s': %s", fn, path, err_str(rc));
    JS_FreeCString(ctx, path);
    return -1;
  }
  *path_out = strdup(path);
  JS_FreeCString(ctx, path);
  return 0;
}

static js_muxer *muxer_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (jm && !jm->w.files.seg) {
    kjs_throw(ctx, ERR_ECLOSED, "%s: the muxer is closed", fn);
    return NULL;
  }
  return jm;
}

static js_demuxer *demuxer_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_demuxer *jd = JS_GetOpaque2(ctx, this_val, demuxer_class_id);
  if (jd && !jd->d) {
    kjs_throw(ctx, ERR_ECLOSED, "%s: the demuxer is closed", fn);
    return NULL;
  }
  return jd;
}

/* ---- Mp4Muxer ---- */

static JSValue muxer_new(JSContext *ctx, JSValueConst new_target, const char *fn, const char *path,
                         const mp4_segment_config *sc, const mp4_muxer_config *mc) {
  js_muxer *jm = calloc(1, sizeof *jm);
  if (!jm) return JS_ThrowOutOfMemory(ctx);
  if (mp4js_writer_open(ctx, fn, path, sc, mc, &jm->w) < 0) {
    free(jm);
    return JS_EXCEPTION;
  }
  JSValue obj = kjs_class_new_instance(ctx, new_target, muxer_class_id);
  if (JS_IsException(obj)) {
    mp4js_writer_free(&jm->w);
    free(jm);
    return obj;
  }
  JS_SetOpaque(obj, jm);
  return obj;
}

static JSValue muxer_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Mp4Muxer";
  static const char *const modes[] = {"fragmented", "indexed", "faststart", NULL};
  static const char *const syncs[] = {"none", "flush", "fsync", NULL};
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  if (kjs_check_options(
          ctx, opts, fn,
          KJS_OPTIONS("fragmented", "mode", "sync", "fragmentMs", "maxFragmentMs", "firstFragmentMs", "segment")) < 0)
    return JS_EXCEPTION;
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  int mode, sync;
  int64_t frag_ms, max_frag_ms, first_frag_ms;
  bool fragmented;
  if (kjs_opt_bool(ctx, opts, fn, "fragmented", true, &fragmented) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "mode", modes, fragmented ? MP4_MODE_FRAGMENTED : MP4_MODE_INDEXED, &mode) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "sync", syncs, MP4_SYNC_FSYNC, &sync) < 0 ||
      kjs_opt_int(ctx, opts, fn, "fragmentMs", cfg.fragment_us / 1000, 1, 3600000, &frag_ms) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxFragmentMs", cfg.max_fragment_us / 1000, 0, 3600000, &max_frag_ms) < 0 ||
      kjs_opt_int(ctx, opts, fn, "firstFragmentMs", cfg.first_fragment_us / 1000, 0, 3600000, &first_frag_ms) < 0)
    return JS_EXCEPTION;
  cfg.mode = (mp4_mode)mode;
  cfg.sync = (mp4_sync_policy)sync;
  cfg.fragment_us = (uint32_t)(frag_ms * 1000);
  cfg.max_fragment_us = (uint32_t)(max_frag_ms * 1000);
  cfg.first_fragment_us = (uint32_t)(first_frag_ms * 1000);

  mp4_segment_config sc;
  if (mp4js_segment_options(ctx, opts, fn, &sc) < 0) return JS_EXCEPTION;
  JSValueConst path_val = argc > 0 ? argv[0] : JS_UNDEFINED;
  const char *path = JS_IsString(path_val) ? JS_ToCString(ctx, path_val) : NULL;
  if (!path) return JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
  JSValue obj = muxer_new(ctx, new_target, fn, path, &sc, &cfg);
  JS_FreeCString(ctx, path);
  return obj;
}

JSValue mp4js_muxer_new(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                        const mp4_muxer_config *mc) {
  return muxer_new(ctx, JS_UNDEFINED, fn, path, sc, mc);
}

mp4js_writer *mp4js_muxer_writer(JSValueConst obj) {
  js_muxer *jm = JS_GetOpaque(obj, muxer_class_id);
  return jm ? &jm->w : NULL;
}

static JSValue muxer_get_fragments(JSContext *ctx, JSValueConst this_val) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (!jm) return JS_EXCEPTION;
  mp4_segment_stats st;
  mp4js_writer_read(&jm->w, NULL, &st, NULL, 0);
  return JS_NewUint32(ctx, st.fragments);
}

static JSValue muxer_get_path(JSContext *ctx, JSValueConst this_val) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (!jm) return JS_EXCEPTION;
  char path[sizeof jm->w.path];
  mp4js_writer_read(&jm->w, NULL, NULL, path, sizeof path);
  return JS_NewString(ctx, path);
}

static JSValue muxer_get_segments(JSContext *ctx, JSValueConst this_val) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (!jm) return JS_EXCEPTION;
  mp4_segment_stats st;
  mp4js_writer_read(&jm->w, NULL, &st, NULL, 0);
  return mp4js_segment_stats_to_js(ctx, &st);
}

static JSValue muxer_get_dropped(JSContext *ctx, JSValueConst this_val) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (!jm) return JS_EXCEPTION;
  mp4js_writer_stats st;
  mp4js_writer_read(&jm->w, &st, NULL, NULL, 0);
  return JS_NewInt64(ctx, (int64_t)st.dropped);
}

static JSValue muxer_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  return jm ? JS_NewBool(ctx, jm->w.files.seg == NULL) : JS_EXCEPTION;
}

/* magic: MP4_TRACK_VIDEO or MP4_TRACK_AUDIO */
static JSValue muxer_add_track(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic == MP4_TRACK_VIDEO ? "Mp4Muxer.addVideoTrack" : "Mp4Muxer.addAudioTrack";
  js_muxer *jm = muxer_of(ctx, this_val, fn);
  if (!jm) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options must be an object", fn);
  if (kjs_check_options(ctx, opts, fn,
                        magic == MP4_TRACK_VIDEO ? KJS_OPTIONS("codec", "width", "height")
                                                 : KJS_OPTIONS("codec", "sampleRate", "channels")) < 0)
    return JS_EXCEPTION;
  int rc;
  char why[320] = "";
  if (magic == MP4_TRACK_VIDEO) {
    static const char *const codecs[] = {"h264", "h265", NULL};
    int codec;
    int64_t w, h;
    if (kjs_opt_enum(ctx, opts, fn, "codec", codecs, 0, &codec) < 0 ||
        kjs_opt_int(ctx, opts, fn, "width", -1, 16, 8192, &w) < 0 ||
        kjs_opt_int(ctx, opts, fn, "height", -1, 16, 8192, &h) < 0)
      return JS_EXCEPTION;
    if (w < 0 || h < 0) return JS_ThrowTypeError(ctx, "%s: options.width and options.height are required", fn);
    rc = mp4js_writer_add_track(&jm->w, MP4_TRACK_VIDEO, codec == 0 ? MP4_CODEC_H264 : MP4_CODEC_H265, (int)w, (int)h,
                                why, sizeof why);
  } else {
    static const char *const codecs[] = {"alaw", "ulaw", "g711a", "g711u", NULL};
    int codec;
    int64_t rate, channels;
    if (kjs_opt_enum(ctx, opts, fn, "codec", codecs, 1, &codec) < 0 ||
        kjs_opt_int(ctx, opts, fn, "sampleRate", 8000, 8000, 192000, &rate) < 0 ||
        kjs_opt_int(ctx, opts, fn, "channels", 1, 1, 8, &channels) < 0)
      return JS_EXCEPTION;
    rc = mp4js_writer_add_track(&jm->w, MP4_TRACK_AUDIO, (codec % 2 == 0) ? MP4_CODEC_G711A : MP4_CODEC_G711U,
                                (int)rate, (int)channels, why, sizeof why);
  }
  if (rc < 0) return throw_mp4(ctx, rc, fn, why);
  return JS_NewInt32(ctx, rc);
}

static JSValue muxer_write_frame(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Mp4Muxer.writeFrame";
  js_muxer *jm = muxer_of(ctx, this_val, fn);
  if (!jm) return JS_EXCEPTION;
  if (argc < 3) return JS_ThrowTypeError(ctx, "%s(track, data, ptsUs[, options]) needs 3 arguments", fn);
  int64_t track, pts;
  JSValueConst opts = argc > 3 ? argv[3] : JS_UNDEFINED;
  if (kjs_get_int(ctx, argv[0], "Mp4Muxer.writeFrame: track", 1, 64, &track) < 0 ||
      kjs_get_int(ctx, argv[2], "Mp4Muxer.writeFrame: ptsUs", 0, INT64_C(1) << 53, &pts) < 0 ||
      kjs_check_options(ctx, opts, fn, KJS_OPTIONS("keyframe")) < 0)
    return JS_EXCEPTION;
  /* options.keyframe is recorded as given; without it the NAL types decide (mp4/mp4.h). */
  unsigned flags = 0;
  JSValue kv = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, "keyframe") : JS_UNDEFINED;
  bool given = !JS_IsUndefined(kv);
  JS_FreeValue(ctx, kv);
  if (given) {
    bool keyframe;
    if (kjs_opt_bool(ctx, opts, fn, "keyframe", false, &keyframe) < 0) return JS_EXCEPTION;
    flags = keyframe ? MP4_FRAME_KEYFRAME : MP4_FRAME_DELTA;
  }
  const uint8_t *data;
  size_t len;
  if (kjs_get_bytes(ctx, argv[1], "Mp4Muxer.writeFrame: data", &data, &len) < 0) return JS_EXCEPTION;
  char why[320];
  /* An AnnexBReader's unit of a file comes with the start codes its splitter found. */
  const media_nal_table *nals = kjs_media_annexb_nals(ctx, data, len);
  int rc = mp4js_writer_write(&jm->w, (int)track, data, len, nals, pts, flags, why, sizeof why);
  if (rc < 0) {
    jm->reported = rc;
    return throw_mp4(ctx, rc, fn, why);
  }
  return JS_UNDEFINED;
}

/* 0 when closed already or the error was reported (by writeFrame or a pipe's error event). */
static int muxer_close(js_muxer *jm, char *why, size_t why_len) {
  if (why_len) why[0] = 0;
  if (!jm->w.files.seg) return 0;
  int rc = mp4js_writer_close(&jm->w, why, why_len);
  return rc == jm->reported ? 0 : rc;
}

static JSValue muxer_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_muxer *jm = JS_GetOpaque2(ctx, this_val, muxer_class_id);
  if (!jm) return JS_EXCEPTION;
  char detail[600];
  int rc = muxer_close(jm, detail, sizeof detail);
  return rc ? throw_mp4(ctx, rc, "Mp4Muxer.close", detail) : JS_UNDEFINED;
}

/* ---- kjs/sink.h target: encoder.pipeTo(muxer) and audioIn.pipeTo(muxer) write its first video
 * and audio tracks, through the writer's queue and thread ---- */

static int muxer_sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe,
                            bool header) {
  js_muxer *jm = user;
  if (!jm->w.files.seg) return ERR_ECLOSED;
  if (!jm->w.video_track) return ERR_ENOTSUP;
  /* The pipe starts at a picture sequence (kjs/sink.h) and its flags are the encoder's. */
  int rc = mp4js_writer_queue(&jm->w, jm->w.video_track, annexb, len, (int64_t)pts_us,
                              header     ? 0
                              : keyframe ? MP4_FRAME_KEYFRAME
                                         : MP4_FRAME_DELTA,
                              header);
  if (rc < 0) jm->reported = rc; /* the pipe's error event reports it: close() does not again */
  return rc;
}

static int muxer_sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  js_muxer *jm = user;
  if (!jm->w.files.seg) return ERR_ECLOSED;
  if (!jm->w.audio_track) return 0;
  int rc = mp4js_writer_queue(&jm->w, jm->w.audio_track, data, len, (int64_t)pts_us, 0, false);
  if (rc < 0) jm->reported = rc;
  return rc;
}

static int muxer_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  js_muxer *jm = JS_GetOpaque(target, muxer_class_id);
  if (!jm) return -1;
  *out = (kjs_media_sink){muxer_sink_video, muxer_sink_audio, NULL, jm};
  return 0;
}

/* ---- Mp4Demuxer ---- */

static JSValue demuxer_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Mp4Demuxer";
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  bool annexb;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("annexb")) < 0 ||
      kjs_opt_bool(ctx, opts, fn, "annexb", true, &annexb) < 0)
    return JS_EXCEPTION;
  cfg.annexb = annexb;
  static const char *const frame_fields[] = {"trackId", "codec", "data", "ptsUs", "dtsUs", "keyframe", "eof"};
  js_demuxer *jd = calloc(1, sizeof *jd);
  if (!jd) return JS_ThrowOutOfMemory(ctx);
  jd->lent = JS_UNDEFINED;
  JSValue obj = JS_EXCEPTION;
  if (kjs_record_names_init(ctx, &jd->frame_fields, frame_fields, (int)(sizeof frame_fields / sizeof *frame_fields)) ==
          0 &&
      /* Mapped where the system maps files (frames lent in place, no read() copy), else read. */
      open_file(ctx, fn, argc > 0 ? argv[0] : JS_UNDEFINED, "m", &jd->io, &jd->path) == 0) {
    int rc = mp4_demuxer_open(&jd->d, &cfg, &jd->io);
    if (rc) kjs_throw(ctx, rc, "%s: '%s' is not a readable MP4 file: %s", fn, jd->path, err_str(rc));
    else obj = kjs_class_new_instance(ctx, new_target, demuxer_class_id);
  }
  if (JS_IsException(obj)) {
    demuxer_free(JS_GetRuntime(ctx), jd);
    return obj;
  }
  JS_SetOpaque(obj, jd);
  return obj;
}

static JSValue track_to_js(JSContext *ctx, const mp4_track_info *t) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "trackId", JS_NewInt32(ctx, t->track_id));
  JS_SetPropertyStr(ctx, o, "kind", JS_NewString(ctx, t->kind == MP4_TRACK_VIDEO ? "video" : "audio"));
  JS_SetPropertyStr(ctx, o, "codec", JS_NewString(ctx, mp4_codec_name(t->codec)));
  JS_SetPropertyStr(ctx, o, "timescale", JS_NewUint32(ctx, t->timescale));
  JS_SetPropertyStr(ctx, o, "durationUs", JS_NewInt64(ctx, (int64_t)t->duration_us));
  JS_SetPropertyStr(ctx, o, "frameCount", JS_NewUint32(ctx, t->sample_count));
  if (t->kind == MP4_TRACK_VIDEO) {
    JS_SetPropertyStr(ctx, o, "width", JS_NewInt32(ctx, t->width));
    JS_SetPropertyStr(ctx, o, "height", JS_NewInt32(ctx, t->height));
  } else {
    JS_SetPropertyStr(ctx, o, "sampleRate", JS_NewInt32(ctx, t->sample_rate));
    JS_SetPropertyStr(ctx, o, "channels", JS_NewInt32(ctx, t->channels));
    JS_SetPropertyStr(ctx, o, "bitsPerSample", JS_NewInt32(ctx, t->bits));
  }
  return o;
}

static JSValue demuxer_file_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_demuxer *jd = demuxer_of(ctx, this_val, "Mp4Demuxer.fileInfo");
  if (!jd) return JS_EXCEPTION;
  mp4_file_info fi;
  mp4_demuxer_file_info(jd->d, &fi);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "durationUs", JS_NewInt64(ctx, (int64_t)fi.duration_us));
  JS_SetPropertyStr(ctx, o, "trackCount", JS_NewInt32(ctx, fi.track_count));
  JS_SetPropertyStr(ctx, o, "fragmented", JS_NewBool(ctx, fi.fragmented));
  JS_SetPropertyStr(ctx, o, "timesClamped", JS_NewBool(ctx, fi.times_clamped));
  return o;
}

static JSValue demuxer_track_by_index(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Mp4Demuxer.trackByIndex";
  js_demuxer *jd = demuxer_of(ctx, this_val, fn);
  if (!jd) return JS_EXCEPTION;
  mp4_file_info fi;
  mp4_demuxer_file_info(jd->d, &fi);
  int64_t i;
  if (argc < 1 || kjs_get_int(ctx, argv[0], "Mp4Demuxer.trackByIndex: index", 0, fi.track_count - 1, &i) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "%s(index) needs an index", fn) : JS_EXCEPTION;
  mp4_track_info t;
  mp4_demuxer_track(jd->d, (int)i, &t);
  return track_to_js(ctx, &t);
}

static JSValue demuxer_get_tracks(JSContext *ctx, JSValueConst this_val) {
  js_demuxer *jd = demuxer_of(ctx, this_val, "Mp4Demuxer.tracks");
  if (!jd) return JS_EXCEPTION;
  mp4_file_info fi;
  mp4_demuxer_file_info(jd->d, &fi);
  JSValue arr = JS_NewArray(ctx);
  for (int i = 0; i < fi.track_count; i++) {
    mp4_track_info t;
    mp4_demuxer_track(jd->d, i, &t);
    JS_SetPropertyUint32(ctx, arr, (uint32_t)i, track_to_js(ctx, &t));
  }
  return arr;
}

static JSValue demuxer_get_warning(JSContext *ctx, JSValueConst this_val) {
  js_demuxer *jd = demuxer_of(ctx, this_val, "Mp4Demuxer.warning");
  return jd ? JS_NewString(ctx, mp4_demuxer_warning(jd->d)) : JS_EXCEPTION;
}

/* ERR_ETRUNC after open: the file lost bytes its index points at. */
static JSValue demuxer_fail(JSContext *ctx, js_demuxer *jd, int rc, const char *fn) {
  if (rc == ERR_ETRUNC)
    return kjs_throw(ctx, rc, "%s: '%s' shrank while it was open: its frames past the new end are gone", fn, jd->path);
  return throw_mp4(ctx, rc, fn, NULL);
}

static void frame_returned(JSRuntime *rt, void *opaque) {
  js_demuxer *jd = opaque;
  jd->lent = JS_UNDEFINED;
}

/* The next frame as {trackId, codec, data, ptsUs, dtsUs, keyframe, eof}; *eof says which. */
static JSValue demuxer_frame(JSContext *ctx, JSValueConst this_val, bool *eof) {
  static const char fn[] = "Mp4Demuxer.getFrame";
  js_demuxer *jd = demuxer_of(ctx, this_val, fn);
  if (!jd) return JS_EXCEPTION;
  demuxer_revoke(ctx, jd);
  mp4_frame f;
  int rc = mp4_demuxer_get_frame(jd->d, &f);
  if (rc < 0) return demuxer_fail(ctx, jd, rc, fn);
  size_t size = f.eof ? 0 : f.size;
  JSValue data = kjs_lend_buffer(ctx, f.eof ? NULL : f.data, size, this_val, frame_returned, jd);
  if (JS_IsException(data)) return data;
  /* Not dup'd: the buffer owns a reference to us, not the other way round. An empty frame lends
   * nothing (its loan already returned). */
  if (size > 0) jd->lent = data;
  *eof = f.eof;
  JSValue values[] = {JS_NewInt32(ctx, f.eof ? 0 : f.track_id),
                      JS_NewString(ctx, mp4_codec_name(f.eof ? MP4_CODEC_NONE : f.codec)),
                      data,
                      JS_NewInt64(ctx, f.eof ? 0 : f.pts_us),
                      JS_NewInt64(ctx, f.eof ? 0 : f.dts_us),
                      JS_NewBool(ctx, !f.eof && f.keyframe),
                      JS_NewBool(ctx, f.eof)};
  return kjs_record_new(ctx, &jd->frame_fields, values);
}

static JSValue demuxer_get_frame(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  bool eof;
  return demuxer_frame(ctx, this_val, &eof);
}

static JSValue demuxer_seek(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Mp4Demuxer.seek";
  js_demuxer *jd = demuxer_of(ctx, this_val, fn);
  if (!jd) return JS_EXCEPTION;
  int64_t t;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(timeUs) needs a time", fn);
  if (kjs_get_int(ctx, argv[0], "Mp4Demuxer.seek: timeUs", 0, INT64_C(1) << 53, &t) < 0) return JS_EXCEPTION;
  demuxer_revoke(ctx, jd);
  int rc = mp4_demuxer_seek(jd->d, t);
  if (rc < 0) return demuxer_fail(ctx, jd, rc, fn);
  return JS_UNDEFINED;
}

static JSValue demuxer_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_demuxer *jd = JS_GetOpaque2(ctx, this_val, demuxer_class_id);
  if (!jd) return JS_EXCEPTION;
  demuxer_close(ctx, jd);
  return JS_UNDEFINED;
}

static JSValue demuxer_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_demuxer *jd = JS_GetOpaque2(ctx, this_val, demuxer_class_id);
  return jd ? JS_NewBool(ctx, jd->d == NULL) : JS_EXCEPTION;
}

/* for (const frame of demuxer): the demuxer is its own iterator, ending at eof. */
static JSValue demuxer_iterator(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return JS_DupValue(ctx, this_val);
}

static JSValue demuxer_next(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int *pdone,
                            int magic) {
  bool eof = false;
  JSValue f = demuxer_frame(ctx, this_val, &eof);
  if (JS_IsException(f)) return f;
  *pdone = eof;
  if (*pdone) {
    JS_FreeValue(ctx, f);
    return JS_UNDEFINED;
  }
  return f;
}

/* ---- function lists ---- */

static const JSCFunctionListEntry muxer_proto_funcs[] = {
    JS_CFUNC_MAGIC_DEF("addVideoTrack", 1, muxer_add_track, MP4_TRACK_VIDEO),
    JS_CFUNC_MAGIC_DEF("addAudioTrack", 1, muxer_add_track, MP4_TRACK_AUDIO),
    JS_CFUNC_DEF("writeFrame", 3, muxer_write_frame),
    JS_CFUNC_DEF("close", 0, muxer_close_js),
    JS_CGETSET_DEF("fragments", muxer_get_fragments, NULL),
    JS_CGETSET_DEF("path", muxer_get_path, NULL),
    JS_CGETSET_DEF("segments", muxer_get_segments, NULL),
    JS_CGETSET_DEF("dropped", muxer_get_dropped, NULL),
    JS_CGETSET_DEF("closed", muxer_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Mp4Muxer", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry demuxer_proto_funcs[] = {
    JS_CFUNC_DEF("fileInfo", 0, demuxer_file_info),
    JS_CFUNC_DEF("trackByIndex", 1, demuxer_track_by_index),
    JS_CFUNC_DEF("getFrame", 0, demuxer_get_frame),
    JS_CFUNC_DEF("seek", 1, demuxer_seek),
    JS_CFUNC_DEF("close", 0, demuxer_close_js),
    JS_CGETSET_DEF("tracks", demuxer_get_tracks, NULL),
    JS_CGETSET_DEF("warning", demuxer_get_warning, NULL),
    JS_CGETSET_DEF("closed", demuxer_get_closed, NULL),
    JS_CFUNC_DEF("[Symbol.iterator]", 0, demuxer_iterator),
    JS_ITERATOR_NEXT_DEF("next", 0, demuxer_next, 0),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Mp4Demuxer", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

static int mp4_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue muxer = kjs_class_create(ctx, &muxer_class_id, &muxer_class, muxer_ctor, 1, muxer_proto_funcs,
                                   sizeof muxer_proto_funcs / sizeof muxer_proto_funcs[0]);
  JSValue demuxer = kjs_class_create(ctx, &demuxer_class_id, &demuxer_class, demuxer_ctor, 1, demuxer_proto_funcs,
                                     sizeof demuxer_proto_funcs / sizeof demuxer_proto_funcs[0]);
  JS_SetModuleExport(ctx, m, "Mp4Muxer", muxer);
  JS_SetModuleExport(ctx, m, "Mp4Demuxer", demuxer);
  JS_SetModuleExport(ctx, m, "Mp4Recorder", kjs_mp4_recorder_class(ctx));
  kjs_media_sink_register("Mp4Muxer", muxer_sink_getter);
  return 0;
}

JSModuleDef *kjs_mod_mp4_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, mp4_module_init);
  if (!m) return NULL;
  JS_AddModuleExport(ctx, m, "Mp4Muxer");
  JS_AddModuleExport(ctx, m, "Mp4Demuxer");
  JS_AddModuleExport(ctx, m, "Mp4Recorder");
  return m;
}
