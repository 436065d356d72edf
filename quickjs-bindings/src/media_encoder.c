/*
 * k230:media Encoder — video encoder channels, lent EncoderStream packs, and encoder.pipeTo(target):
 * each stream is handed to every Pipe's sink in turn on the loop thread, and a failing sink
 * breaks only its own pipe. NullSink is a pipe target that counts and drops.
 * Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "media_internal.h"

/* ---- class ids ---- */

JSClassID encoder_class_id, stream_class_id, pipe_class_id, null_sink_class_id;

/* ---- encoder lifetime ---- */

static void enc_unref(media_enc *e) {
  if (--e->refs > 0) return;
  for (media_enc **p = &e->ms->encs; *p; p = &(*p)->next)
    if (*p == e) {
      *p = e->next;
      break;
    }
  free(e);
}

static media_enc *enc_find(media_state *ms, uint32_t id) {
  for (media_enc *e = ms->encs; e; e = e->next)
    if (e->id == id) return e;
  return NULL;
}

static void ls_unref(lent_stream *ls) {
  if (--ls->refs > 0) return;
  media_enc *e = ls->e;
  if (!ls->dead && ls->gen == e->ms->gen && e->h) hal_venc_release_stream(e->h, ls->st);
  for (lent_stream **p = &e->streams; *p; p = &(*p)->next)
    if (*p == ls) {
      *p = ls->next;
      break;
    }
  free(ls);
  enc_unref(e);
}

static void pack_returned(JSRuntime *rt, void *opaque) {
  struct pack_ref *pr = opaque;
  lent_stream *ls = pr->ls;
  ls->bufs[pr->idx] = JS_UNDEFINED;
  ls_unref(ls);
}

/* Detach every pack buffer still lent (they point into encoder memory about to go). */
void media_enc_revoke_streams(media_enc *e) {
  for (lent_stream *ls = e->streams, *next; ls; ls = next) {
    next = ls->next;
    ls->dead = true;
    ls->refs++; /* keep ls while its buffers return */
    for (uint32_t i = 0; i < ls->npacks; i++)
      if (!JS_IsUndefined(ls->bufs[i])) kjs_lend_revoke(e->ctx, ls->bufs[i]);
    ls_unref(ls);
  }
}

static void pipe_unref(media_pipe *p) {
  if (--p->refs > 0) return;
  free(p);
}

/* Calls the pipe's error listener (taken over: `fn` is freed) with a coded Error. Runs JS. */
static void report_pipe_error(JSContext *ctx, JSValue fn, int rc, const char *target) {
  kjs_throw(ctx, rc, "pipe: the target (%s) failed: %s", target, err_str(rc));
  JSValue err = JS_GetException(ctx);
  if (JS_IsFunction(ctx, fn)) {
    kjs_vm_call(kjs_vm_from_context(ctx), fn, JS_UNDEFINED, 1, (JSValueConst *)&err);
  } else {
    kjs_console_printf(KJS_STDERR, "k230js: encoder pipe to %s stopped: %s (%s)\n", target, err_str(rc), err_name(rc));
  }
  JS_FreeValue(ctx, err);
  JS_FreeValue(ctx, fn);
}

/* Detach one pipe from its encoder. `rt` is non-NULL from a finalizer: no JS may run and the
 * target may be being freed in the same GC cycle. With rc != 0 (and no rt) the pipe's error
 * listener runs last, after the encoder's state is consistent again. */
static void pipe_break(media_enc *e, media_pipe *p, int rc, JSRuntime *rt) {
  if (!p->attached) return;
  p->attached = false;
  p->pending_rc = 0;
  for (media_pipe **pp = &e->pipes; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  p->next = NULL;
  atomic_fetch_sub(&e->piped, 1);
  if (p->sink.detach && (!rt || kjs_class_is_live(rt, p->target))) p->sink.detach(p->sink.user);
  JSValue fn = p->on_error;
  p->on_error = JS_UNDEFINED;
  if (rt) {
    JS_FreeValueRT(rt, p->target);
    JS_FreeValueRT(rt, fn);
  } else {
    JS_FreeValue(e->ctx, p->target);
  }
  p->target = JS_UNDEFINED;
  kjs_loop_unref(e->loop);
  if (rc) p->last_error = rc;
  const char *target = p->sink.name;
  pipe_unref(p); /* the list's reference */
  if (rt) return;
  if (rc) report_pipe_error(e->ctx, fn, rc, target);
  else JS_FreeValue(e->ctx, fn);
}

void media_enc_break_pipes(media_enc *e, JSRuntime *rt) {
  while (e->pipes) pipe_break(e, e->pipes, 0, rt);
}

/* Break the pipes whose sink failed. Error listeners may close pipes or the encoder: rescan. */
static void enc_break_failed(media_enc *e) {
  for (;;) {
    media_pipe *p = e->pipes;
    while (p && !p->pending_rc) p = p->next;
    if (!p) return;
    pipe_break(e, p, p->pending_rc, NULL);
  }
}

static void enc_drain(kjs_loop *loop, void *user);

static void enc_post_drain(media_enc *e) {
  if (!atomic_exchange(&e->post_pending, 1)) kjs_loop_post(e->loop, enc_drain, (void *)(uintptr_t)e->id);
}

/* Streams handed out per loop turn, so timers and sockets (an RTSP client) get their turn. */
#define DRAIN_BUDGET 8

/* Loop thread: hand every ready stream to each pipe's sink in turn. */
static void enc_drain(kjs_loop *loop, void *user) {
  media_enc *e = enc_find(media_state_loop(loop), (uint32_t)(uintptr_t)user);
  if (!e) return;
  atomic_store(&e->post_pending, 0);
  e->refs++; /* an error listener may drop the last reference to the encoder */
  hal_venc_stream *st;
  int n = 0;
  while (e->pipes && e->h && n < DRAIN_BUDGET && hal_venc_get_stream(e->h, &st, 0) == 0) {
    n++;
    e->delivered++;
    bool opens = st->pack_cnt > 0 && (st->pack[0].type == HAL_VENC_PACK_HEADER || e->codec == HAL_VENC_JPEG);
    bool failed = false;
    for (media_pipe *p = e->pipes; p; p = p->next) {
      if (p->pending_rc) continue;
      /* A pipe joins at a picture sequence start: a target cannot use P pictures before it.
       * The only keyframe wait on a pipe: targets rely on it (kjs/sink.h). */
      if (!p->synced && !opens) continue;
      p->synced = true;
      int rc = 0;
      uint64_t bytes = 0;
      for (uint32_t i = 0; i < st->pack_cnt && rc == 0; i++) {
        const hal_venc_pack *k = &st->pack[i];
        rc = p->sink.video(p->sink.user, k->data, k->len, k->pts_us, k->type == HAL_VENC_PACK_I,
                           k->type == HAL_VENC_PACK_HEADER);
        if (rc == 0) bytes += k->len;
      }
      p->bytes += bytes;
      if (rc) {
        p->errors++;
        p->pending_rc = rc;
        failed = true;
      } else {
        p->frames++;
      }
    }
    hal_venc_release_stream(e->h, st);
    if (failed) enc_break_failed(e);
  }
  if (n == DRAIN_BUDGET && e->pipes && e->h) enc_post_drain(e);
  enc_unref(e);
}

/* Encoder thread. */
static void enc_on_stream(void *user, int chn) {
  media_enc *e = user;
  if (!atomic_load(&e->piped)) return;
  enc_post_drain(e);
}

/* Stop and destroy the channel; rt non-NULL from a finalizer. */
static void enc_close(media_enc *e, JSRuntime *rt) {
  media_enc_break_pipes(e, rt);
  if (!rt) media_enc_revoke_streams(e);
  else
    for (lent_stream *ls = e->streams; ls; ls = ls->next) ls->dead = true;
  if (e->h) {
    media_unbind_touching(e->ms, HAL_MOD_VENC, 0, e->chn);
    hal_venc_destroy(e->h);
    media_disown(e->ms, e->h);
    e->h = 0;
  }
}

/* ---- close / finalize ---- */

static void encoder_finalizer(JSRuntime *rt, JSValueConst val) {
  media_enc *e = JS_GetOpaque(val, encoder_class_id);
  if (!e) return;
  enc_close(e, rt);
  enc_unref(e);
}

static void stream_finalizer(JSRuntime *rt, JSValueConst val) {
  stream_obj *so = JS_GetOpaque(val, stream_class_id);
  if (!so) return;
  if (so->ls) ls_unref(so->ls);
  free(so);
}

static void pipe_finalizer(JSRuntime *rt, JSValueConst val) {
  pipe_obj *po = JS_GetOpaque(val, pipe_class_id);
  if (!po) return;
  JS_FreeValueRT(rt, po->enc_obj);
  pipe_unref(po->p);
  free(po);
}

static void null_sink_finalizer(JSRuntime *rt, JSValueConst val) { free(JS_GetOpaque(val, null_sink_class_id)); }

/* ---- gc_mark ---- */

static void encoder_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  media_enc *e = JS_GetOpaque(val, encoder_class_id);
  if (!e) return;
  for (media_pipe *p = e->pipes; p; p = p->next) {
    JS_MarkValue(rt, p->target, mark);
    JS_MarkValue(rt, p->on_error, mark);
  }
}

static void pipe_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  pipe_obj *po = JS_GetOpaque(val, pipe_class_id);
  if (po) JS_MarkValue(rt, po->enc_obj, mark);
}

/* ---- class defs ---- */

static const JSClassDef encoder_class = {"Encoder", .finalizer = encoder_finalizer, .gc_mark = encoder_mark};
static const JSClassDef stream_class = {"EncoderStream", .finalizer = stream_finalizer};
static const JSClassDef pipe_class = {"Pipe", .finalizer = pipe_finalizer, .gc_mark = pipe_mark};
static const JSClassDef null_sink_class = {"NullSink", .finalizer = null_sink_finalizer};

/* ---- Encoder ---- */

static media_enc *enc_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_enc *e = JS_GetOpaque2(ctx, this_val, encoder_class_id);
  if (e && !e->h) {
    media_closed(ctx, fn, "encoder");
    return NULL;
  }
  return e;
}

static JSValue encoder_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Encoder";
  static const char *const codecs[] = {"h264", "h265", "jpeg", NULL};
  static const char *const profiles[] = {"default", "baseline", "main", "high", NULL};
  static const char *const rcs[] = {"cbr", "vbr", "fixqp", NULL};
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts))
    return JS_ThrowTypeError(ctx, "%s: options {codec, width, height, ...} must be an object", fn);
  if (kjs_check_options(ctx, opts, fn,
                        KJS_OPTIONS("codec", "profile", "rc", "chn", "width", "height", "bitrate", "gop", "fps",
                                    "srcFps", "bufCount", "quality", "qp")) < 0)
    return JS_EXCEPTION;
  int codec, profile, rc_mode;
  int64_t chn, w, h, bitrate, gop, fps, src_fps, bufs, quality, qp;
  hal_venc_config cfg = HAL_VENC_CONFIG_DEFAULT;
  if (kjs_opt_enum(ctx, opts, fn, "codec", codecs, 0, &codec) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "profile", profiles, 0, &profile) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "rc", rcs, 0, &rc_mode) < 0 ||
      kjs_opt_int(ctx, opts, fn, "chn", -1, -1, HAL_VENC_MAX_CHN - 1, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "width", -1, 1, 8192, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", -1, 1, 8192, &h) < 0 ||
      kjs_opt_int(ctx, opts, fn, "bitrate", 4000, 8, 200000, &bitrate) < 0 ||
      kjs_opt_int(ctx, opts, fn, "gop", 30, 1, 10000, &gop) < 0 ||
      kjs_opt_int(ctx, opts, fn, "fps", 30, 1, 240, &fps) < 0 ||
      kjs_opt_int(ctx, opts, fn, "srcFps", fps, 1, 240, &src_fps) < 0 ||
      kjs_opt_int(ctx, opts, fn, "bufCount", 6, 1, 64, &bufs) < 0 ||
      kjs_opt_int(ctx, opts, fn, "quality", 45, 1, 99, &quality) < 0 ||
      kjs_opt_int(ctx, opts, fn, "qp", 25, 0, 51, &qp) < 0)
    return JS_EXCEPTION;
  if (w < 0 || h < 0) return JS_ThrowTypeError(ctx, "%s: options.width and options.height are required", fn);
  cfg.codec = (hal_venc_codec)codec;
  if (profile == 0) cfg.profile = HAL_VENC_PROFILE_DEFAULT;
  else if (codec == 1) cfg.profile = profile == 2 ? HAL_VENC_PROFILE_H265_MAIN : (hal_venc_profile)-1;
  else cfg.profile = (hal_venc_profile)(HAL_VENC_PROFILE_H264_BASELINE + profile - 1);
  if ((int)cfg.profile < 0) return JS_ThrowRangeError(ctx, "%s: options.profile: H.265 has only \"main\"", fn);
  cfg.rc = (hal_venc_rc)(rc_mode + 1);
  cfg.width = (uint32_t)w;
  cfg.height = (uint32_t)h;
  cfg.bitrate_kbps = (uint32_t)bitrate;
  cfg.gop = (uint32_t)gop;
  cfg.src_fps = (uint32_t)src_fps;
  cfg.dst_fps = (uint32_t)fps;
  cfg.stream_buf_cnt = (uint32_t)bufs;
  cfg.jpeg_quality = (uint32_t)quality;
  cfg.i_qp = cfg.p_qp = (uint32_t)qp;
  media_enc *e = calloc(1, sizeof *e);
  if (!e) return JS_ThrowOutOfMemory(ctx);
  cfg.on_stream = enc_on_stream;
  cfg.user = e;
  media_state *ms = media_state_of(ctx);
  int rc = hal_venc_create((int)chn, &cfg, &e->h, &e->chn);
  if (!rc && (rc = media_own(ms, e->h))) hal_venc_destroy(e->h);
  if (rc) {
    free(e);
    const char *why = hal_venc_config_why(&cfg);
    return kjs_throw(ctx, rc, "%s: cannot create a %s %ux%u encoder: %s%s%s", fn, codecs[codec], cfg.width, cfg.height,
                     err_str(rc), why ? ": " : "", why ? why : "");
  }
  e->refs = 1;
  e->ms = ms;
  e->id = ms->next_enc_id++;
  e->width = cfg.width;
  e->height = cfg.height;
  e->codec = cfg.codec;
  e->ctx = ctx;
  e->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  e->next = ms->encs;
  ms->encs = e;
  JSValue obj = media_new_obj(ctx, new_target, encoder_class_id, e);
  if (JS_IsException(obj)) {
    enc_close(e, NULL);
    enc_unref(e);
  }
  return obj;
}

/* magic 0 start, 1 stop, 2 requestIdr */
static JSValue encoder_simple(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  static const char *const fns[] = {"Encoder.start", "Encoder.stop", "Encoder.requestIdr"};
  media_enc *e = enc_of(ctx, this_val, fns[magic]);
  if (!e) return JS_EXCEPTION;
  int rc = magic == 0 ? hal_venc_start(e->h) : magic == 1 ? hal_venc_stop(e->h) : hal_venc_request_idr(e->h);
  return rc ? media_fail(ctx, rc, fns[magic]) : JS_UNDEFINED;
}

static const char *pack_type_name(hal_venc_pack_type t) {
  return t == HAL_VENC_PACK_HEADER ? "header" : t == HAL_VENC_PACK_I ? "i" : "p";
}

static JSValue encoder_get_stream(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Encoder.getStream";
  media_enc *e = enc_of(ctx, this_val, fn);
  if (!e) return JS_EXCEPTION;
  int64_t timeout = -1;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "Encoder.getStream: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  if (e->pipes) return kjs_throw(ctx, ERR_EBUSY, "%s: the encoder is piped; its streams go to the pipes", fn);
  hal_venc_stream *st;
  int rc = hal_venc_get_stream(e->h, &st, (int)timeout);
  if (rc == ERR_ETIMEDOUT || rc == ERR_ESTATE) return JS_NULL;
  if (rc) return media_fail(ctx, rc, fn);
  e->delivered++;
  lent_stream *ls = calloc(1, sizeof *ls);
  stream_obj *so = calloc(1, sizeof *so);
  if (!ls || !so) {
    free(ls);
    free(so);
    hal_venc_release_stream(e->h, st);
    return JS_ThrowOutOfMemory(ctx);
  }
  ls->e = e;
  e->refs++;
  ls->st = st;
  ls->gen = e->ms->gen;
  ls->refs = 1;
  ls->next = e->streams;
  e->streams = ls;
  so->ls = ls;
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, stream_class_id, so);
  if (JS_IsException(obj)) {
    free(so);
    ls_unref(ls);
    return obj;
  }
  /* Runs for every frame a JS consumer takes: the names are interned once per call, and the
   * properties defined as own data (no walk up the prototype chain for a setter, as a set does). */
  JSAtom a_data = JS_NewAtom(ctx, "data"), a_type = JS_NewAtom(ctx, "type"), a_pts = JS_NewAtom(ctx, "ptsUs");
  JSValue pv[HAL_VENC_PACK_MAX];
  uint32_t np = 0;
  JSValue ret = obj;
  for (; np < st->pack_cnt; np++) {
    uint32_t i = np;
    ls->pack[i].ls = ls;
    ls->pack[i].idx = (int)i;
    JSValue buf = kjs_lend_buffer(ctx, st->pack[i].data, st->pack[i].len, this_val, pack_returned, &ls->pack[i]);
    if (JS_IsException(buf)) {
      ret = buf;
      break;
    }
    ls->refs++;
    ls->bufs[i] = buf;
    ls->npacks = i + 1;
    JSValue p = pv[i] = JS_NewObject(ctx);
    if (JS_IsException(p) || JS_DefinePropertyValue(ctx, p, a_data, buf, JS_PROP_C_W_E) < 0 ||
        JS_DefinePropertyValue(ctx, p, a_type, JS_NewString(ctx, pack_type_name(st->pack[i].type)), JS_PROP_C_W_E) <
            0 ||
        JS_DefinePropertyValue(ctx, p, a_pts, JS_NewInt64(ctx, (int64_t)st->pack[i].pts_us), JS_PROP_C_W_E) < 0) {
      if (JS_IsException(p)) JS_FreeValue(ctx, buf);
      np++; /* p (or the exception) is freed with the others */
      ret = JS_EXCEPTION;
      break;
    }
  }
  JS_FreeAtom(ctx, a_data);
  JS_FreeAtom(ctx, a_type);
  JS_FreeAtom(ctx, a_pts);
  if (JS_IsException(ret)) {
    for (uint32_t i = 0; i < np; i++) JS_FreeValue(ctx, pv[i]);
    JS_FreeValue(ctx, obj);
    return ret;
  }
  JSValue packs = JS_NewArrayFrom(ctx, (int)np, pv); /* takes the pack objects */
  if (JS_IsException(packs) || JS_DefinePropertyValueStr(ctx, obj, "packs", packs, JS_PROP_C_W_E) < 0 ||
      JS_DefinePropertyValueStr(ctx, obj, "seq", JS_NewUint32(ctx, st->seq), JS_PROP_C_W_E) < 0) {
    JS_FreeValue(ctx, obj);
    return JS_EXCEPTION;
  }
  return obj;
}

static void stream_release(stream_obj *so) {
  lent_stream *ls = so->ls;
  if (!ls) return;
  so->ls = NULL;
  ls->refs++;
  for (uint32_t i = 0; i < ls->npacks; i++)
    if (!JS_IsUndefined(ls->bufs[i])) kjs_lend_revoke(ls->e->ctx, ls->bufs[i]);
  ls_unref(ls); /* the stream object's reference */
  ls_unref(ls);
}

static JSValue encoder_release_stream(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Encoder.releaseStream";
  media_enc *e = JS_GetOpaque2(ctx, this_val, encoder_class_id);
  if (!e) return JS_EXCEPTION;
  stream_obj *so = argc > 0 ? JS_GetOpaque(argv[0], stream_class_id) : NULL;
  if (!so) return JS_ThrowTypeError(ctx, "%s: stream must be a value returned by getStream()", fn);
  if (so->ls && so->ls->e != e) return JS_ThrowTypeError(ctx, "%s: the stream belongs to another encoder", fn);
  stream_release(so);
  return JS_UNDEFINED;
}

static JSValue stream_release_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  stream_obj *so = JS_GetOpaque2(ctx, this_val, stream_class_id);
  if (!so) return JS_EXCEPTION;
  stream_release(so);
  return JS_UNDEFINED;
}

static JSValue encoder_send_frame(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Encoder.sendFrame";
  media_enc *e = enc_of(ctx, this_val, fn);
  if (!e) return JS_EXCEPTION;
  frame_obj *fo = argc > 0 ? JS_GetOpaque(argv[0], frame_class_id) : NULL;
  if (!fo) return JS_ThrowTypeError(ctx, "%s: frame must be a Frame (from snapshot() or getFrame())", fn);
  int64_t timeout = 1000;
  if (argc > 1 && !JS_IsUndefined(argv[1]) &&
      kjs_get_int(ctx, argv[1], "Encoder.sendFrame: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  size_t len;
  uint8_t *p = media_buf_ptr(ctx, fo->buf, &len);
  if (!p) return kjs_throw(ctx, ERR_ECLOSED, "%s: the frame was released", fn);
  hal_frame f = {.width = fo->width,
                 .height = fo->height,
                 .format = fo->format,
                 .size = fo->size,
                 .pts_us = fo->pts_us,
                 .seq = fo->seq};
  memcpy(f.stride, fo->stride, sizeof f.stride);
  f.data[0] = p;
  if (fo->plane1) f.data[1] = p + fo->plane1;
  int rc = hal_venc_send_frame(e->h, &f, (int)timeout);
  return rc ? media_fail(ctx, rc, fn) : JS_UNDEFINED;
}

static JSValue encoder_status(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_enc *e = enc_of(ctx, this_val, "Encoder.status");
  if (!e) return JS_EXCEPTION;
  hal_venc_status st;
  int rc = hal_venc_status_get(e->h, &st);
  if (rc) return media_fail(ctx, rc, "Encoder.status");
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "chn", JS_NewUint32(ctx, st.chn));
  JS_SetPropertyStr(ctx, o, "readyStreams", JS_NewUint32(ctx, st.ready_streams));
  JS_SetPropertyStr(ctx, o, "outstandingStreams", JS_NewUint32(ctx, st.outstanding_streams));
  JS_SetPropertyStr(ctx, o, "framesIn", JS_NewInt64(ctx, (int64_t)st.frames_in));
  JS_SetPropertyStr(ctx, o, "streamsOut", JS_NewInt64(ctx, (int64_t)st.streams_out));
  JS_SetPropertyStr(ctx, o, "droppedFrames", JS_NewInt64(ctx, (int64_t)st.dropped_frames));
  JS_SetPropertyStr(ctx, o, "bytesOut", JS_NewInt64(ctx, (int64_t)st.bytes_out));
  JS_SetPropertyStr(ctx, o, "running", JS_NewBool(ctx, st.running));
  return o;
}

static JSValue encoder_pipe_to(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Encoder.pipeTo";
  media_enc *e = enc_of(ctx, this_val, fn);
  if (!e) return JS_EXCEPTION;
  if (e->streams) return kjs_throw(ctx, ERR_EBUSY, "%s: release the streams taken with getStream() first", fn);
  kjs_media_sink sink;
  if (argc < 1 || kjs_media_sink_of(ctx, argv[0], fn, &sink) < 0) return JS_EXCEPTION;
  for (media_pipe *q = e->pipes; q; q = q->next)
    if (JS_VALUE_GET_PTR(q->target) == JS_VALUE_GET_PTR(argv[0]))
      return kjs_throw(ctx, ERR_EBUSY, "%s: the encoder is already piped into this target", fn);
  pipe_obj *po = calloc(1, sizeof *po);
  media_pipe *p = calloc(1, sizeof *p);
  if (!po || !p) {
    free(po);
    free(p);
    return JS_ThrowOutOfMemory(ctx);
  }
  p->refs = 1; /* the Pipe object */
  p->target = JS_UNDEFINED;
  p->on_error = JS_UNDEFINED;
  po->p = p;
  po->enc_obj = JS_DupValue(ctx, this_val);
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, pipe_class_id, po);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, po->enc_obj);
    free(po);
    free(p);
    return obj;
  }
  p->sink = sink;
  p->target = JS_DupValue(ctx, argv[0]);
  p->attached = true;
  p->refs++;
  media_pipe **tail = &e->pipes; /* in order: sinks are called in the order they were piped */
  while (*tail) tail = &(*tail)->next;
  *tail = p;
  kjs_loop_ref(e->loop);
  atomic_fetch_add(&e->piped, 1);
  /* Joining a running encoder: ask for an IDR so the new target starts without waiting a GOP. */
  if (e->delivered) hal_venc_request_idr(e->h);
  /* Streams already waiting raise no new event: drain them now. */
  enc_post_drain(e);
  return obj;
}

static JSValue encoder_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_enc *e = JS_GetOpaque2(ctx, this_val, encoder_class_id);
  if (!e) return JS_EXCEPTION;
  enc_close(e, NULL);
  return JS_UNDEFINED;
}

/* magic 0 chn, 1 closed, 2 width, 3 height, 4 codec */
static JSValue encoder_get(JSContext *ctx, JSValueConst this_val, int magic) {
  static const char *const codecs[] = {"h264", "h265", "jpeg"};
  media_enc *e = JS_GetOpaque2(ctx, this_val, encoder_class_id);
  if (!e) return JS_EXCEPTION;
  switch (magic) {
    case 0: return JS_NewInt32(ctx, e->chn);
    case 1: return JS_NewBool(ctx, !e->h);
    case 2: return JS_NewUint32(ctx, e->width);
    case 3: return JS_NewUint32(ctx, e->height);
    default: return JS_NewString(ctx, codecs[e->codec]);
  }
}

static JSValue encoder_bind_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_enc *e = enc_of(ctx, this_val, "Encoder.bindInfo");
  if (!e) return JS_EXCEPTION;
  JSValue o = JS_NewObject(ctx);
  hal_chn c = {HAL_MOD_VENC, 0, e->chn};
  JS_SetPropertyStr(ctx, o, "dst", media_chn_to_js(ctx, &c));
  return o;
}

/* ---- Pipe ---- */

static pipe_obj *pipe_of(JSContext *ctx, JSValueConst this_val) { return JS_GetOpaque2(ctx, this_val, pipe_class_id); }

static JSValue pipe_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  pipe_obj *po = pipe_of(ctx, this_val);
  if (!po) return JS_EXCEPTION;
  media_enc *e = JS_GetOpaque(po->enc_obj, encoder_class_id);
  if (e && po->p->attached) pipe_break(e, po->p, 0, NULL);
  return JS_UNDEFINED;
}

static JSValue pipe_get_stats(JSContext *ctx, JSValueConst this_val) {
  pipe_obj *po = pipe_of(ctx, this_val);
  if (!po) return JS_EXCEPTION;
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "frames", JS_NewInt64(ctx, (int64_t)po->p->frames));
  JS_SetPropertyStr(ctx, o, "bytes", JS_NewInt64(ctx, (int64_t)po->p->bytes));
  JS_SetPropertyStr(ctx, o, "errors", JS_NewInt64(ctx, (int64_t)po->p->errors));
  return o;
}

static JSValue pipe_get_closed(JSContext *ctx, JSValueConst this_val) {
  pipe_obj *po = pipe_of(ctx, this_val);
  if (!po) return JS_EXCEPTION;
  return JS_NewBool(ctx, !po->p->attached);
}

static JSValue pipe_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  pipe_obj *po = pipe_of(ctx, this_val);
  if (!po) return JS_EXCEPTION;
  const char *ev = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
  bool ok = ev && strcmp(ev, "error") == 0;
  JS_FreeCString(ctx, ev);
  if (!ok) return JS_ThrowTypeError(ctx, "Pipe.on: the only event is \"error\"");
  if (argc < 2 || !JS_IsFunction(ctx, argv[1])) return JS_ThrowTypeError(ctx, "Pipe.on: listener must be a function");
  if (po->p->attached) {
    JS_FreeValue(ctx, po->p->on_error);
    po->p->on_error = JS_DupValue(ctx, argv[1]);
  }
  return JS_DupValue(ctx, this_val);
}

/* ---- NullSink ---- */

static int null_sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header) {
  null_sink *n = user;
  n->bytes += len;
  if (!header) n->frames++;
  return 0;
}

static int null_sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  ((null_sink *)user)->bytes += len;
  return 0;
}

int media_null_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  null_sink *n = JS_GetOpaque(target, null_sink_class_id);
  if (!n) return -1;
  *out = (kjs_media_sink){null_sink_video, null_sink_audio, NULL, n};
  return 0;
}

static JSValue null_sink_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  null_sink *n = calloc(1, sizeof *n);
  if (!n) return JS_ThrowOutOfMemory(ctx);
  JSValue obj = media_new_obj(ctx, new_target, null_sink_class_id, n);
  if (JS_IsException(obj)) free(n);
  return obj;
}

/* magic 0 frames, 1 bytes */
static JSValue null_sink_get(JSContext *ctx, JSValueConst this_val, int magic) {
  null_sink *n = JS_GetOpaque2(ctx, this_val, null_sink_class_id);
  if (!n) return JS_EXCEPTION;
  return JS_NewInt64(ctx, (int64_t)(magic ? n->bytes : n->frames));
}

/* ---- function lists ---- */

static const JSCFunctionListEntry encoder_proto_funcs[] = {
    JS_CFUNC_MAGIC_DEF("start", 0, encoder_simple, 0),
    JS_CFUNC_MAGIC_DEF("stop", 0, encoder_simple, 1),
    JS_CFUNC_MAGIC_DEF("requestIdr", 0, encoder_simple, 2),
    JS_CFUNC_DEF("getStream", 1, encoder_get_stream),
    JS_CFUNC_DEF("releaseStream", 1, encoder_release_stream),
    JS_CFUNC_DEF("sendFrame", 2, encoder_send_frame),
    JS_CFUNC_DEF("status", 0, encoder_status),
    JS_CFUNC_DEF("pipeTo", 1, encoder_pipe_to),
    JS_CFUNC_DEF("bindInfo", 0, encoder_bind_info),
    JS_CFUNC_DEF("close", 0, encoder_close_js),
    JS_CGETSET_MAGIC_DEF("chn", encoder_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("closed", encoder_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("width", encoder_get, NULL, 2),
    JS_CGETSET_MAGIC_DEF("height", encoder_get, NULL, 3),
    JS_CGETSET_MAGIC_DEF("codec", encoder_get, NULL, 4),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Encoder", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry encoder_static[] = {
    JS_PROP_STRING_DEF("PAYLOAD_TYPE_H264", "h264", 0), JS_PROP_STRING_DEF("PAYLOAD_TYPE_H265", "h265", 0),
    JS_PROP_STRING_DEF("PAYLOAD_TYPE_JPEG", "jpeg", 0), JS_PROP_STRING_DEF("H264_PROFILE_BASELINE", "baseline", 0),
    JS_PROP_STRING_DEF("H264_PROFILE_MAIN", "main", 0), JS_PROP_STRING_DEF("H264_PROFILE_HIGH", "high", 0),
    JS_PROP_STRING_DEF("H265_PROFILE_MAIN", "main", 0), JS_PROP_STRING_DEF("STREAM_TYPE_HEADER", "header", 0),
    JS_PROP_STRING_DEF("STREAM_TYPE_I", "i", 0),        JS_PROP_STRING_DEF("STREAM_TYPE_P", "p", 0),
    JS_PROP_INT32_DEF("VENC_CHN_ID_0", 0, 0),           JS_PROP_INT32_DEF("VENC_CHN_ID_1", 1, 0),
    JS_PROP_INT32_DEF("VENC_CHN_ID_2", 2, 0),           JS_PROP_INT32_DEF("VENC_CHN_ID_3", 3, 0),
};

static const JSCFunctionListEntry stream_proto_funcs[] = {
    JS_CFUNC_DEF("release", 0, stream_release_js),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "EncoderStream", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry null_sink_proto_funcs[] = {
    JS_CGETSET_MAGIC_DEF("frames", null_sink_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("bytes", null_sink_get, NULL, 1),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "NullSink", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry pipe_proto_funcs[] = {
    JS_CFUNC_DEF("close", 0, pipe_close),
    JS_CFUNC_DEF("on", 2, pipe_on),
    JS_CGETSET_DEF("stats", pipe_get_stats, NULL),
    JS_CGETSET_DEF("closed", pipe_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Pipe", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

JSValue media_encoder_class(JSContext *ctx) {
  JSValue encoder = kjs_class_create(ctx, &encoder_class_id, &encoder_class, encoder_ctor, 1, encoder_proto_funcs,
                                     COUNT(encoder_proto_funcs));
  JS_SetPropertyFunctionList(ctx, encoder, encoder_static, COUNT(encoder_static));
  kjs_class_create(ctx, &stream_class_id, &stream_class, NULL, 1, stream_proto_funcs, COUNT(stream_proto_funcs));
  kjs_class_create(ctx, &pipe_class_id, &pipe_class, NULL, 1, pipe_proto_funcs, COUNT(pipe_proto_funcs));
  return encoder;
}

JSValue media_null_sink_class(JSContext *ctx) {
  return kjs_class_create(ctx, &null_sink_class_id, &null_sink_class, null_sink_ctor, 1, null_sink_proto_funcs,
                          COUNT(null_sink_proto_funcs));
}
