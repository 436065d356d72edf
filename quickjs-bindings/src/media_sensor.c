/*
 * k230:media Sensor — the camera: frame size and pixel format per channel, run/stop, snapshots
 * (lent frames), bind info and statistics. Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "media_internal.h"

/* ---- class ids ---- */

JSClassID sensor_class_id;

/* ---- close / finalize ---- */

static void sensor_close(media_state *ms, media_sensor *s) {
  if (!s->h) return;
  media_unbind_touching(ms, HAL_MOD_SENSOR, s->dev, -1);
  hal_sensor_close(s->h);
  media_disown(ms, s->h);
  s->h = 0;
}

static void sensor_finalizer(JSRuntime *rt, JSValueConst val) {
  media_sensor *s = JS_GetOpaque(val, sensor_class_id);
  if (!s) return;
  sensor_close(media_state_rt(rt), s);
  free(s);
}

/* ---- class defs ---- */

static const JSClassDef sensor_class = {"Sensor", .finalizer = sensor_finalizer};

/* ---- Sensor ---- */

static media_sensor *sensor_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  if (s && !s->h) {
    media_closed(ctx, fn, "sensor");
    return NULL;
  }
  return s;
}

static JSValue sensor_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Sensor";
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t id, w, h, fps;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("id", "width", "height", "fps")) < 0 ||
      kjs_opt_int(ctx, opts, fn, "id", 0, 0, HAL_SENSOR_MAX_DEV - 1, &id) < 0 ||
      kjs_opt_int(ctx, opts, fn, "width", 1920, 64, 4096, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", 1080, 64, 4096, &h) < 0 ||
      kjs_opt_int(ctx, opts, fn, "fps", 30, 1, 60, &fps) < 0)
    return JS_EXCEPTION;
  hal_sensor_config cfg = HAL_SENSOR_CONFIG_DEFAULT;
  cfg.dev = (int)id;
  cfg.width = (uint32_t)w;
  cfg.height = (uint32_t)h;
  cfg.fps = (uint32_t)fps;
  media_sensor *s = calloc(1, sizeof *s);
  if (!s) return JS_ThrowOutOfMemory(ctx);
  media_state *ms = media_state_of(ctx);
  int rc = hal_sensor_open(&cfg, &s->h);
  if (!rc && (rc = media_own(ms, s->h))) hal_sensor_close(s->h);
  if (rc) {
    free(s);
    return kjs_throw(ctx, rc, "%s: cannot open sensor %d (%ux%u@%u): %s", fn, cfg.dev, cfg.width, cfg.height, cfg.fps,
                     err_str(rc));
  }
  s->dev = cfg.dev;
  s->width = cfg.width;
  s->height = cfg.height;
  s->fps = cfg.fps;
  for (int i = 0; i < HAL_SENSOR_MAX_CHN; i++) {
    s->chn[i] = (hal_sensor_chn_config)HAL_SENSOR_CHN_CONFIG_DEFAULT;
    s->chn[i].width = cfg.width;
    s->chn[i].height = cfg.height;
  }
  JSValue obj = media_new_obj(ctx, new_target, sensor_class_id, s);
  if (JS_IsException(obj)) {
    sensor_close(ms, s);
    free(s);
  }
  return obj;
}

static int opt_chn(JSContext *ctx, JSValueConst opts, const char *fn, int64_t *chn) {
  return kjs_opt_int(ctx, opts, fn, "chn", 0, 0, HAL_SENSOR_MAX_CHN - 1, chn);
}

static JSValue sensor_apply(JSContext *ctx, media_sensor *s, int chn, const char *fn) {
  int rc = hal_sensor_chn_config_set(s->h, chn, &s->chn[chn]);
  if (rc)
    return kjs_throw(ctx, rc, "%s: channel %d cannot be %ux%u %s: %s", fn, chn, s->chn[chn].width, s->chn[chn].height,
                     hal_pixfmt_name(s->chn[chn].format), err_str(rc));
  s->chn_on[chn] = true;
  return JS_UNDEFINED;
}

static JSValue sensor_set_framesize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.setFramesize";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {width, height, chn?} must be an object", fn);
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("width", "height", "chn", "bufCount", "alignment")) < 0)
    return JS_EXCEPTION;
  int64_t chn, w, h, bufs, align;
  if (opt_chn(ctx, opts, fn, &chn) < 0 || kjs_opt_int(ctx, opts, fn, "width", s->width, 1, 8192, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", s->height, 1, 8192, &h) < 0 ||
      kjs_opt_int(ctx, opts, fn, "bufCount", s->chn[chn].buf_cnt, 1, 32, &bufs) < 0 ||
      kjs_opt_int(ctx, opts, fn, "alignment", HAL_SENSOR_ALIGN_AUTO, 0, 12, &align) < 0)
    return JS_EXCEPTION;
  hal_sensor_chn_config old = s->chn[chn];
  s->chn[chn].width = (uint32_t)w;
  s->chn[chn].height = (uint32_t)h;
  s->chn[chn].buf_cnt = (uint32_t)bufs;
  s->chn[chn].alignment = (int)align;
  JSValue r = sensor_apply(ctx, s, (int)chn, fn);
  if (JS_IsException(r)) s->chn[chn] = old;
  return r;
}

static JSValue sensor_set_pixformat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.setPixformat";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "format", JS_DupValue(ctx, argc > 0 ? argv[0] : JS_UNDEFINED));
  hal_pixfmt fmt;
  int64_t chn;
  int r1 = media_pixfmt_from(ctx, o, fn, "format", HAL_PIXFMT_NONE, &fmt);
  JS_FreeValue(ctx, o);
  if (r1 < 0) return JS_EXCEPTION;
  if (fmt == HAL_PIXFMT_NONE) return JS_ThrowTypeError(ctx, "%s: format is required", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("chn")) < 0 || opt_chn(ctx, opts, fn, &chn) < 0) return JS_EXCEPTION;
  hal_pixfmt old = s->chn[chn].format;
  s->chn[chn].format = fmt;
  JSValue r = sensor_apply(ctx, s, (int)chn, fn);
  if (JS_IsException(r)) s->chn[chn].format = old;
  return r;
}

/* magic 0 run, 1 stop, 2 reset */
static JSValue sensor_run_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  static const char *const fns[] = {"Sensor.run", "Sensor.stop", "Sensor.reset"};
  media_sensor *s = sensor_of(ctx, this_val, fns[magic]);
  if (!s) return JS_EXCEPTION;
  int rc = 0;
  if (magic == 0) {
    if (!s->chn_on[0] && !s->chn_on[1] && !s->chn_on[2]) {
      JSValue r = sensor_apply(ctx, s, 0, fns[0]);
      if (JS_IsException(r)) return r;
    }
    rc = hal_sensor_run(s->h);
  } else {
    rc = hal_sensor_stop(s->h);
    if (rc == ERR_ESTATE) rc = 0;
  }
  return rc ? media_fail(ctx, rc, fns[magic]) : JS_UNDEFINED;
}

static JSValue sensor_snapshot(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.snapshot";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t chn, timeout;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("chn", "timeoutMs")) < 0 || opt_chn(ctx, opts, fn, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "timeoutMs", 1000, -1, 3600000, &timeout) < 0)
    return JS_EXCEPTION;
  hal_frame *f;
  int rc = hal_sensor_snapshot(s->h, (int)chn, (int)timeout, &f);
  if (rc == ERR_ESTATE) return kjs_throw(ctx, rc, "%s: the sensor is not running (run() first)", fn);
  if (rc == ERR_EINVAL && !s->chn_on[chn])
    return kjs_throw(ctx, rc, "%s: channel %d is not configured (setFramesize({chn: %d, ...}) before run())", fn,
                     (int)chn, (int)chn);
  if (rc) return media_fail(ctx, rc, fn);
  return media_frame_wrap(ctx, f);
}

static JSValue sensor_bind_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.bindInfo";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t chn, x, y;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("chn", "x", "y")) < 0 || opt_chn(ctx, opts, fn, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "x", 0, 0, 4096, &x) < 0 || kjs_opt_int(ctx, opts, fn, "y", 0, 0, 4096, &y) < 0)
    return JS_EXCEPTION;
  hal_bind_info b;
  int rc = hal_sensor_bind_info(s->h, (int)chn, (int)x, (int)y, &b);
  if (rc) return media_fail(ctx, rc, fn);
  return media_bind_info_to_js(ctx, &b);
}

static JSValue sensor_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_sensor *s = sensor_of(ctx, this_val, "Sensor.stats");
  if (!s) return JS_EXCEPTION;
  hal_sensor_stats st;
  int rc = hal_sensor_stats_get(s->h, &st);
  if (rc) return media_fail(ctx, rc, "Sensor.stats");
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "frames", JS_NewInt64(ctx, (int64_t)st.frames));
  JS_SetPropertyStr(ctx, o, "dropped", JS_NewInt64(ctx, (int64_t)st.dropped));
  JS_SetPropertyStr(ctx, o, "late", JS_NewInt64(ctx, (int64_t)st.late));
  return o;
}

static JSValue sensor_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_sensor *s = sensor_of(ctx, this_val, "Sensor.info");
  if (!s) return JS_EXCEPTION;
  hal_sensor_info in;
  int rc = hal_sensor_info_get(s->h, &in);
  if (rc) return media_fail(ctx, rc, "Sensor.info");
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "name", JS_NewString(ctx, in.name));
  JS_SetPropertyStr(ctx, o, "width", JS_NewUint32(ctx, in.width));
  JS_SetPropertyStr(ctx, o, "height", JS_NewUint32(ctx, in.height));
  JS_SetPropertyStr(ctx, o, "fps", JS_NewUint32(ctx, in.fps));
  return o;
}

/* magic 0 width, 1 height, 2 fps, 3 id */
static JSValue sensor_get_prop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  if (!s) return JS_EXCEPTION;
  int64_t chn = 0;
  if (magic < 2 && argc > 0 && kjs_get_int(ctx, argv[0], "Sensor.width/height: chn", 0, 2, &chn) < 0)
    return JS_EXCEPTION;
  switch (magic) {
    case 0: return JS_NewUint32(ctx, s->chn[chn].width);
    case 1: return JS_NewUint32(ctx, s->chn[chn].height);
    case 2: return JS_NewUint32(ctx, s->fps);
    default: return JS_NewInt32(ctx, s->dev);
  }
}

static JSValue sensor_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  if (!s) return JS_EXCEPTION;
  sensor_close(media_state_of(ctx), s);
  return JS_UNDEFINED;
}

static JSValue sensor_get_closed(JSContext *ctx, JSValueConst this_val) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  return s ? JS_NewBool(ctx, !s->h) : JS_EXCEPTION;
}

/* ---- function lists ---- */

static const JSCFunctionListEntry sensor_proto_funcs[] = {
    JS_CFUNC_DEF("setFramesize", 1, sensor_set_framesize),
    JS_CFUNC_DEF("setPixformat", 2, sensor_set_pixformat),
    JS_CFUNC_MAGIC_DEF("run", 0, sensor_run_stop, 0),
    JS_CFUNC_MAGIC_DEF("stop", 0, sensor_run_stop, 1),
    JS_CFUNC_MAGIC_DEF("reset", 0, sensor_run_stop, 2),
    JS_CFUNC_DEF("snapshot", 1, sensor_snapshot),
    JS_CFUNC_DEF("bindInfo", 1, sensor_bind_info),
    JS_CFUNC_DEF("stats", 0, sensor_stats),
    JS_CFUNC_DEF("info", 0, sensor_info),
    JS_CFUNC_MAGIC_DEF("width", 1, sensor_get_prop, 0),
    JS_CFUNC_MAGIC_DEF("height", 1, sensor_get_prop, 1),
    JS_CFUNC_MAGIC_DEF("fps", 0, sensor_get_prop, 2),
    JS_CFUNC_MAGIC_DEF("id", 0, sensor_get_prop, 3),
    JS_CFUNC_DEF("close", 0, sensor_close_js),
    JS_CGETSET_DEF("closed", sensor_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Sensor", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry sensor_static[] = {
    JS_PROP_STRING_DEF("YUV420SP", "NV12", 0),       JS_PROP_STRING_DEF("NV12", "NV12", 0),
    JS_PROP_STRING_DEF("RGB888", "RGB888", 0),       JS_PROP_STRING_DEF("RGB565", "RGB565", 0),
    JS_PROP_STRING_DEF("GRAYSCALE", "GRAYSCALE", 0), JS_PROP_STRING_DEF("ARGB8888", "ARGB8888", 0),
    JS_PROP_INT32_DEF("CAM_CHN_ID_0", 0, 0),         JS_PROP_INT32_DEF("CAM_CHN_ID_1", 1, 0),
    JS_PROP_INT32_DEF("CAM_CHN_ID_2", 2, 0),
};

/* ---- init ---- */

JSValue media_sensor_class(JSContext *ctx) {
  JSValue sensor = kjs_class_create(ctx, &sensor_class_id, &sensor_class, sensor_ctor, 1, sensor_proto_funcs,
                                    COUNT(sensor_proto_funcs));
  JS_SetPropertyFunctionList(ctx, sensor, sensor_static, COUNT(sensor_static));
  return sensor;
}
