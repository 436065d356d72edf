/*
 * k230:media Decoder and Frame — video decoder channels and the frames they (and Sensor.snapshot)
 * lend to JS: a Frame's `data` is HAL memory, given back by release(), at the latest by GC.
 * Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "media_internal.h"

/* ---- class ids ---- */

JSClassID decoder_class_id, frame_class_id;

/* ---- lent frames ---- */

static void frame_returned(JSRuntime *rt, void *opaque) {
  lent_frame *lf = opaque;
  media_state *ms = media_state_rt(rt);
  for (lent_frame **p = &ms->frames; *p; p = &(*p)->next)
    if (*p == lf) {
      *p = lf->next;
      break;
    }
  if (lf->gen == ms->gen) hal_frame_release(lf->f);
  free(lf);
}

/* ---- close / finalize ---- */

static void dec_close(media_state *ms, media_dec *d) {
  if (!d->h) return;
  media_unbind_touching(ms, HAL_MOD_VDEC, 0, d->chn);
  hal_vdec_destroy(d->h);
  media_disown(ms, d->h);
  d->h = 0;
}

static void decoder_finalizer(JSRuntime *rt, JSValueConst val) {
  media_dec *d = JS_GetOpaque(val, decoder_class_id);
  if (!d) return;
  dec_close(media_state_rt(rt), d);
  free(d);
}

static void frame_finalizer(JSRuntime *rt, JSValueConst val) {
  frame_obj *fo = JS_GetOpaque(val, frame_class_id);
  if (!fo) return;
  JS_FreeValueRT(rt, fo->buf);
  free(fo);
}

/* ---- gc_mark ---- */

static void frame_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  frame_obj *fo = JS_GetOpaque(val, frame_class_id);
  if (fo) JS_MarkValue(rt, fo->buf, mark);
}

/* ---- class defs ---- */

static const JSClassDef decoder_class = {"Decoder", .finalizer = decoder_finalizer};
static const JSClassDef frame_class = {"Frame", .finalizer = frame_finalizer, .gc_mark = frame_mark};

/* ---- shared helpers ---- */

/* Wrap a HAL frame into a Frame object whose `data` is lent (released with the buffer). */
JSValue media_frame_wrap(JSContext *ctx, hal_frame *f) {
  lent_frame *lf = calloc(1, sizeof *lf);
  frame_obj *fo = calloc(1, sizeof *fo);
  if (!lf || !fo) {
    free(lf);
    free(fo);
    hal_frame_release(f);
    return JS_ThrowOutOfMemory(ctx);
  }
  media_state *ms = media_state_of(ctx);
  *lf = (lent_frame){f, ms->gen, ctx, JS_UNDEFINED, ms->frames};
  ms->frames = lf;
  JSValue buf = kjs_lend_buffer(ctx, f->data[0], f->size, JS_UNDEFINED, frame_returned, lf);
  if (JS_IsException(buf)) {
    ms->frames = lf->next;
    hal_frame_release(f);
    free(lf);
    free(fo);
    return buf;
  }
  lf->buf = buf;
  fo->buf = buf;
  fo->width = f->width;
  fo->height = f->height;
  fo->format = f->format;
  memcpy(fo->stride, f->stride, sizeof fo->stride);
  fo->seq = f->seq;
  fo->pts_us = f->pts_us;
  fo->size = f->size;
  fo->plane1 = f->data[1] ? (size_t)(f->data[1] - f->data[0]) : 0;
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, frame_class_id, fo);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, buf);
    free(fo);
  }
  return obj;
}

/* ---- Decoder ---- */

static media_dec *dec_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_dec *d = JS_GetOpaque2(ctx, this_val, decoder_class_id);
  if (d && !d->h) {
    media_closed(ctx, fn, "decoder");
    return NULL;
  }
  return d;
}

static JSValue decoder_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Decoder";
  static const char *const codecs[] = {"h264", "h265", NULL};
  static const char *const modes[] = {"stream", "frame", NULL};
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "codec", JS_DupValue(ctx, argc > 0 ? argv[0] : JS_UNDEFINED));
  int codec, mode;
  int r = kjs_opt_enum(ctx, o, fn, "codec", codecs, -1, &codec);
  JS_FreeValue(ctx, o);
  if (r < 0) return JS_EXCEPTION;
  if (codec < 0) return JS_ThrowTypeError(ctx, "%s: codec (\"h264\" or \"h265\") is required", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  int64_t chn, mw, mh, inb, outb;
  hal_vdec_config cfg = HAL_VDEC_CONFIG_DEFAULT;
  if (kjs_check_options(ctx, opts, fn,
                        KJS_OPTIONS("mode", "chn", "maxWidth", "maxHeight", "inBufCount", "outBufCount")) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "mode", modes, 0, &mode) < 0 ||
      kjs_opt_int(ctx, opts, fn, "chn", -1, -1, HAL_VDEC_MAX_CHN - 1, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxWidth", cfg.max_width, 64, 8192, &mw) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxHeight", cfg.max_height, 64, 8192, &mh) < 0 ||
      kjs_opt_int(ctx, opts, fn, "inBufCount", cfg.in_buf_cnt, 1, 64, &inb) < 0 ||
      kjs_opt_int(ctx, opts, fn, "outBufCount", cfg.out_buf_cnt, 1, 64, &outb) < 0)
    return JS_EXCEPTION;
  cfg.codec = (hal_vdec_codec)codec;
  cfg.mode = (hal_vdec_mode)mode;
  cfg.max_width = (uint32_t)mw;
  cfg.max_height = (uint32_t)mh;
  cfg.in_buf_cnt = (uint32_t)inb;
  cfg.out_buf_cnt = (uint32_t)outb;
  media_dec *d = calloc(1, sizeof *d);
  if (!d) return JS_ThrowOutOfMemory(ctx);
  media_state *ms = media_state_of(ctx);
  int rc = hal_vdec_create((int)chn, &cfg, &d->h, &d->chn);
  if (!rc && (rc = media_own(ms, d->h))) hal_vdec_destroy(d->h);
  if (rc) {
    free(d);
    return kjs_throw(ctx, rc, "%s: cannot create a %s decoder: %s", fn, codecs[codec], err_str(rc));
  }
  d->codec = cfg.codec;
  JSValue obj = media_new_obj(ctx, new_target, decoder_class_id, d);
  if (JS_IsException(obj)) {
    dec_close(ms, d);
    free(d);
  }
  return obj;
}

static JSValue decoder_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = dec_of(ctx, this_val, "Decoder.start");
  if (!d) return JS_EXCEPTION;
  int rc = hal_vdec_start(d->h);
  if (rc) return media_fail(ctx, rc, "Decoder.start");
  d->eos = false;
  return JS_UNDEFINED;
}

static JSValue decoder_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Decoder.decode";
  media_dec *d = dec_of(ctx, this_val, fn);
  if (!d) return JS_EXCEPTION;
  const uint8_t *data;
  size_t len;
  int64_t pts = 0, timeout = 10000;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(data[, ptsUs]) needs data", fn);
  if (kjs_get_bytes(ctx, argv[0], "Decoder.decode: data", &data, &len) < 0) return JS_EXCEPTION;
  if (argc > 1 && !JS_IsUndefined(argv[1]) &&
      kjs_get_int(ctx, argv[1], "Decoder.decode: ptsUs", 0, INT64_C(1) << 53, &pts) < 0)
    return JS_EXCEPTION;
  if (argc > 2 && !JS_IsUndefined(argv[2]) &&
      kjs_get_int(ctx, argv[2], "Decoder.decode: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  /* The bytes are copied into an input block before the call returns. */
  int rc = hal_vdec_send_stream(d->h, data, len, (uint64_t)pts, 0, (int)timeout);
  if (rc == ERR_ESTATE) return kjs_throw(ctx, rc, "%s: the decoder is not started (or was ended)", fn);
  return rc ? media_fail(ctx, rc, fn) : JS_UNDEFINED;
}

/* Send end of stream and wait (bounded) until everything before it was decoded. */
static int dec_finish(media_dec *d, int timeout_ms) {
  if (!d->eos) {
    int rc = hal_vdec_send_stream(d->h, NULL, 0, 0, 1, timeout_ms);
    if (rc && rc != ERR_ESTATE) return rc;
    d->eos = true;
  }
  for (int waited = 0; waited < timeout_ms; waited += 5) {
    hal_vdec_status st;
    if (hal_vdec_status_get(d->h, &st) != 0 || st.end_of_stream) return 0;
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  return ERR_ETIMEDOUT;
}

/* magic 0 endOfStream (flush, keep frames for getFrame), 1 stop */
static JSValue decoder_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic ? "Decoder.stop" : "Decoder.endOfStream";
  media_dec *d = dec_of(ctx, this_val, fn);
  if (!d) return JS_EXCEPTION;
  if (magic == 0) {
    int rc = d->eos ? 0 : hal_vdec_send_stream(d->h, NULL, 0, 0, 1, 10000);
    if (rc && rc != ERR_ESTATE) return media_fail(ctx, rc, fn);
    d->eos = true;
    return JS_UNDEFINED;
  }
  /* Bound to a display, the frames drain by themselves: wait for them (CanMV stop()). */
  hal_vdec_status st;
  hal_vdec_status_get(d->h, &st);
  bool bound = false;
  for (media_link *l = media_state_of(ctx)->links; l; l = l->next)
    bound |= media_chn_eq(&l->src, HAL_MOD_VDEC, 0, d->chn);
  if (bound) dec_finish(d, 10000);
  int rc = hal_vdec_stop(d->h);
  return rc && rc != ERR_ESTATE ? media_fail(ctx, rc, fn) : JS_UNDEFINED;
}

static JSValue decoder_get_frame(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Decoder.getFrame";
  media_dec *d = dec_of(ctx, this_val, fn);
  if (!d) return JS_EXCEPTION;
  int64_t timeout = 1000;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "Decoder.getFrame: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  hal_frame *f;
  int rc = hal_vdec_get_frame(d->h, &f, (int)timeout);
  if (rc == ERR_ETIMEDOUT || rc == ERR_ESTATE) return JS_NULL;
  if (rc) return media_fail(ctx, rc, fn);
  return media_frame_wrap(ctx, f);
}

static JSValue decoder_status(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = dec_of(ctx, this_val, "Decoder.status");
  if (!d) return JS_EXCEPTION;
  hal_vdec_status st;
  int rc = hal_vdec_status_get(d->h, &st);
  if (rc) return media_fail(ctx, rc, "Decoder.status");
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "chn", JS_NewUint32(ctx, st.chn));
  JS_SetPropertyStr(ctx, o, "bytesIn", JS_NewInt64(ctx, (int64_t)st.bytes_in));
  JS_SetPropertyStr(ctx, o, "chunksIn", JS_NewInt64(ctx, (int64_t)st.chunks_in));
  JS_SetPropertyStr(ctx, o, "framesDecoded", JS_NewInt64(ctx, (int64_t)st.frames_decoded));
  JS_SetPropertyStr(ctx, o, "errors", JS_NewInt64(ctx, (int64_t)st.errors));
  JS_SetPropertyStr(ctx, o, "width", JS_NewUint32(ctx, st.width));
  JS_SetPropertyStr(ctx, o, "height", JS_NewUint32(ctx, st.height));
  JS_SetPropertyStr(ctx, o, "endOfStream", JS_NewBool(ctx, st.end_of_stream));
  return o;
}

static JSValue decoder_bind_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Decoder.bindInfo";
  media_dec *d = dec_of(ctx, this_val, fn);
  if (!d) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t x, y, w, h;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("x", "y", "width", "height")) < 0 ||
      kjs_opt_int(ctx, opts, fn, "x", 0, 0, 4096, &x) < 0 || kjs_opt_int(ctx, opts, fn, "y", 0, 0, 4096, &y) < 0 ||
      kjs_opt_int(ctx, opts, fn, "width", 1920, 16, 8192, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", 1080, 16, 8192, &h) < 0)
    return JS_EXCEPTION;
  hal_bind_info b;
  int rc = hal_vdec_bind_info(d->h, (int)x, (int)y, (uint32_t)w, (uint32_t)h, &b);
  return rc ? media_fail(ctx, rc, fn) : media_bind_info_to_js(ctx, &b);
}

static JSValue decoder_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = JS_GetOpaque2(ctx, this_val, decoder_class_id);
  if (!d) return JS_EXCEPTION;
  dec_close(media_state_of(ctx), d);
  return JS_UNDEFINED;
}

/* magic 0 chn, 1 closed */
static JSValue decoder_get(JSContext *ctx, JSValueConst this_val, int magic) {
  media_dec *d = JS_GetOpaque2(ctx, this_val, decoder_class_id);
  if (!d) return JS_EXCEPTION;
  return magic == 0 ? JS_NewInt32(ctx, d->chn) : JS_NewBool(ctx, !d->h);
}

/* ---- Frame ---- */

/* magic 0 width, 1 height, 2 format, 3 ptsUs, 4 seq, 5 data, 6 strides, 7 released, 8 uvOffset */
static JSValue frame_get(JSContext *ctx, JSValueConst this_val, int magic) {
  frame_obj *fo = JS_GetOpaque2(ctx, this_val, frame_class_id);
  if (!fo) return JS_EXCEPTION;
  size_t len;
  switch (magic) {
    case 0: return JS_NewUint32(ctx, fo->width);
    case 1: return JS_NewUint32(ctx, fo->height);
    case 2: return JS_NewString(ctx, hal_pixfmt_name(fo->format));
    case 3: return JS_NewInt64(ctx, (int64_t)fo->pts_us);
    case 4: return JS_NewUint32(ctx, fo->seq);
    case 5: return JS_DupValue(ctx, fo->buf);
    case 6: {
      JSValue a = JS_NewArray(ctx);
      int n = fo->format == HAL_PIXFMT_NV12 ? 2 : 1;
      for (int i = 0; i < n; i++) JS_SetPropertyUint32(ctx, a, (uint32_t)i, JS_NewUint32(ctx, fo->stride[i]));
      return a;
    }
    case 7: return JS_NewBool(ctx, media_buf_ptr(ctx, fo->buf, &len) == NULL && fo->size);
    default: return JS_NewInt64(ctx, (int64_t)fo->plane1);
  }
}

static JSValue frame_release(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  frame_obj *fo = JS_GetOpaque2(ctx, this_val, frame_class_id);
  if (!fo) return JS_EXCEPTION;
  kjs_lend_revoke(ctx, fo->buf);
  return JS_UNDEFINED;
}

/* ---- function lists ---- */

static const JSCFunctionListEntry decoder_proto_funcs[] = {
    JS_CFUNC_DEF("start", 0, decoder_start),
    JS_CFUNC_DEF("decode", 1, decoder_decode),
    JS_CFUNC_MAGIC_DEF("endOfStream", 0, decoder_stop, 0),
    JS_CFUNC_MAGIC_DEF("stop", 0, decoder_stop, 1),
    JS_CFUNC_DEF("getFrame", 1, decoder_get_frame),
    JS_CFUNC_DEF("status", 0, decoder_status),
    JS_CFUNC_DEF("bindInfo", 1, decoder_bind_info),
    JS_CFUNC_DEF("close", 0, decoder_close_js),
    JS_CGETSET_MAGIC_DEF("chn", decoder_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("closed", decoder_get, NULL, 1),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Decoder", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry frame_proto_funcs[] = {
    JS_CGETSET_MAGIC_DEF("width", frame_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("height", frame_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("format", frame_get, NULL, 2),
    JS_CGETSET_MAGIC_DEF("ptsUs", frame_get, NULL, 3),
    JS_CGETSET_MAGIC_DEF("seq", frame_get, NULL, 4),
    JS_CGETSET_MAGIC_DEF("data", frame_get, NULL, 5),
    JS_CGETSET_MAGIC_DEF("strides", frame_get, NULL, 6),
    JS_CGETSET_MAGIC_DEF("released", frame_get, NULL, 7),
    JS_CGETSET_MAGIC_DEF("uvOffset", frame_get, NULL, 8),
    JS_CFUNC_DEF("release", 0, frame_release),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Frame", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

JSValue media_decoder_class(JSContext *ctx) {
  JSValue decoder = kjs_class_create(ctx, &decoder_class_id, &decoder_class, decoder_ctor, 1, decoder_proto_funcs,
                                     COUNT(decoder_proto_funcs));
  kjs_class_create(ctx, &frame_class_id, &frame_class, NULL, 1, frame_proto_funcs, COUNT(frame_proto_funcs));
  return decoder;
}
