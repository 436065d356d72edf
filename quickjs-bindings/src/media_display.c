/*
 * k230:media Display — the board's one display (static methods): init/deinit, layer binding,
 * showImage, writeback and panel info. Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "kjs/preview.h"
#include "media_internal.h"

/* ---- Display (one per board: static methods) ---- */

static const char *const layer_names[] = {"video1", "video2", "video3", "osd0", "osd1", "osd2", "osd3", NULL};

static int layer_from(JSContext *ctx, JSValueConst opts, const char *fn, int def, int *out) {
  return kjs_opt_enum(ctx, opts, fn, "layer", layer_names, def, out);
}

static JSValue display_init(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.init";
  static const char *const types[] = {"VIRT", "ST7701", "LT9611", NULL};
  static const hal_display_type tvals[] = {HAL_DISPLAY_VIRT, HAL_DISPLAY_ST7701, HAL_DISPLAY_LT9611};
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "type", JS_DupValue(ctx, argc > 0 ? argv[0] : JS_UNDEFINED));
  int type;
  int r = kjs_opt_enum(ctx, o, fn, "type", types, 0, &type);
  JS_FreeValue(ctx, o);
  if (r < 0) return JS_EXCEPTION;
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  int64_t w, h, fps, osd;
  bool to_ide;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("width", "height", "fps", "osdNum", "toIde")) < 0 ||
      kjs_opt_int(ctx, opts, fn, "width", 0, 0, 4096, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", 0, 0, 4096, &h) < 0 ||
      kjs_opt_int(ctx, opts, fn, "fps", 0, 0, 200, &fps) < 0 ||
      kjs_opt_int(ctx, opts, fn, "osdNum", 1, 0, 4, &osd) < 0 ||
      kjs_opt_bool(ctx, opts, fn, "toIde", false, &to_ide) < 0)
    return JS_EXCEPTION;
  media_state *ms = media_state_of(ctx);
  if (ms->disp) return kjs_throw(ctx, ERR_EBUSY, "%s: the display is already initialised (Display.deinit() first)", fn);
  hal_display_config cfg = HAL_DISPLAY_CONFIG_DEFAULT;
  cfg.type = tvals[type];
  cfg.width = (uint32_t)w;
  cfg.height = (uint32_t)h;
  cfg.fps = (uint32_t)fps;
  cfg.osd_num = (uint32_t)osd;
  int rc = media_display_up(ms, &cfg, to_ide);
  if (rc)
    return kjs_throw(ctx, rc, "%s: cannot bring up %s %ux%u: %s", fn, types[type], cfg.width, cfg.height, err_str(rc));
  return JS_UNDEFINED;
}

int media_display_up(media_state *ms, const hal_display_config *cfg, bool to_ide) {
  int rc = hal_display_init(cfg, &ms->disp);
  if (!rc && (rc = media_own(ms, ms->disp))) hal_display_deinit(ms->disp);
  if (rc) {
    ms->disp = 0;
    return rc;
  }
  kjs_preview_display(ms->disp, to_ide); /* the IDE's frame buffer: the preview on the link */
  return 0;
}

int media_display_down(media_state *ms) {
  if (!ms->disp) return 0;
  media_unbind_touching(ms, HAL_MOD_DISPLAY, 0, -1);
  kjs_preview_display(0, false); /* first: the preview stops taking its pictures */
  int rc = hal_display_deinit(ms->disp);
  media_disown(ms, ms->disp);
  ms->disp = 0;
  return rc;
}

static int disp_need(JSContext *ctx, const char *fn) {
  if (media_state_of(ctx)->disp) return 0;
  kjs_throw(ctx, ERR_ESTATE, "%s: the display is not initialised (Display.init first)", fn);
  return -1;
}

static JSValue display_deinit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  int rc = media_display_down(media_state_of(ctx));
  return rc && rc != ERR_ECLOSED ? media_fail(ctx, rc, "Display.deinit") : JS_UNDEFINED;
}

static int layer_cfg_from(JSContext *ctx, JSValueConst opts, const char *fn, hal_display_layer_config *lc) {
  JSValue rect = JS_GetPropertyStr(ctx, opts, "rect");
  int64_t x, y, w, h, alpha;
  hal_pixfmt fmt;
  int r =
      kjs_check_options(ctx, rect, "Display.bindLayer: options.rect", KJS_OPTIONS("x", "y", "width", "height")) < 0 ||
      kjs_opt_int(ctx, rect, fn, "x", 0, -4096, 4096, &x) < 0 ||
      kjs_opt_int(ctx, rect, fn, "y", 0, -4096, 4096, &y) < 0 ||
      kjs_opt_int(ctx, rect, fn, "width", 0, 0, 8192, &w) < 0 ||
      kjs_opt_int(ctx, rect, fn, "height", 0, 0, 8192, &h) < 0;
  JS_FreeValue(ctx, rect);
  if (r || media_pixfmt_from(ctx, opts, fn, "pixFormat", lc->format, &fmt) < 0 ||
      kjs_opt_int(ctx, opts, fn, "alpha", 255, 0, 255, &alpha) < 0)
    return -1;
  lc->x = (int)x;
  lc->y = (int)y;
  lc->width = (uint32_t)w;
  lc->height = (uint32_t)h;
  lc->format = fmt;
  lc->alpha = (uint8_t)alpha;
  return 0;
}

static JSValue display_bind_layer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.bindLayer";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts))
    return JS_ThrowTypeError(ctx, "%s: options {src, rect, pixFormat, layer} must be an object", fn);
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("src", "rect", "pixFormat", "layer", "alpha")) < 0)
    return JS_EXCEPTION;
  int layer;
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  hal_chn src;
  JSValue srcv = JS_GetPropertyStr(ctx, opts, "src");
  int r = media_chn_from_js(ctx, srcv, fn, &src);
  JS_FreeValue(ctx, srcv);
  if (r < 0 || layer_from(ctx, opts, fn, 0, &layer) < 0 || layer_cfg_from(ctx, opts, fn, &lc) < 0) return JS_EXCEPTION;
  int rc = hal_display_layer_set(media_state_of(ctx)->disp, (hal_display_layer)layer, &lc);
  if (rc)
    return kjs_throw(ctx, rc, "%s: layer %s cannot show %s: %s", fn, layer_names[layer], hal_pixfmt_name(lc.format),
                     err_str(rc));
  media_unbind_touching(media_state_of(ctx), HAL_MOD_DISPLAY, 0, layer);
  hal_chn dst = {HAL_MOD_DISPLAY, 0, layer};
  media_link *l;
  rc = media_link_make(media_state_of(ctx), &src, &dst, &l);
  if (rc)
    return kjs_throw(ctx, rc, "%s: cannot bind %s %d/%d to layer %s: %s", fn, media_mod_names[src.mod - 1], src.dev,
                     src.chn, layer_names[layer], err_str(rc));
  return JS_UNDEFINED;
}

static JSValue display_unbind_layer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.unbindLayer";
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "layer", JS_DupValue(ctx, argc > 0 ? argv[0] : JS_UNDEFINED));
  int layer;
  int r = layer_from(ctx, o, fn, 0, &layer);
  JS_FreeValue(ctx, o);
  if (r < 0) return JS_EXCEPTION;
  media_state *ms = media_state_of(ctx);
  media_unbind_touching(ms, HAL_MOD_DISPLAY, 0, layer);
  if (ms->disp) hal_display_layer_disable(ms->disp, (hal_display_layer)layer);
  return JS_UNDEFINED;
}

static JSValue display_show_image(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.showImage";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  frame_obj *fo = argc > 0 ? JS_GetOpaque(argv[0], frame_class_id) : NULL;
  JSValueConst img = argc > 0 ? argv[0] : JS_UNDEFINED;
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  hal_frame f = {0};
  const uint8_t *data;
  size_t len;
  if (fo) {
    f.width = fo->width;
    f.height = fo->height;
    f.format = fo->format;
    memcpy(f.stride, fo->stride, sizeof f.stride);
    JSValue b = JS_DupValue(ctx, fo->buf);
    int r = kjs_get_bytes(ctx, b, "Display.showImage: frame", &data, &len);
    JS_FreeValue(ctx, b);
    if (r < 0) return JS_EXCEPTION;
    f.data[0] = (uint8_t *)data;
    if (fo->plane1) f.data[1] = (uint8_t *)data + fo->plane1;
    f.size = fo->size;
  } else {
    if (!JS_IsObject(img))
      return JS_ThrowTypeError(ctx, "%s: image must be a Frame or {width, height, format, data}", fn);
    if (kjs_check_options(ctx, img, "Display.showImage: image", KJS_OPTIONS("width", "height", "format", "data")) < 0)
      return JS_EXCEPTION;
    int64_t w, h;
    hal_pixfmt fmt;
    if (kjs_opt_int(ctx, img, fn, "width", 0, 1, 8192, &w) < 0 ||
        kjs_opt_int(ctx, img, fn, "height", 0, 1, 8192, &h) < 0 ||
        media_pixfmt_from(ctx, img, fn, "format", HAL_PIXFMT_ARGB8888, &fmt) < 0)
      return JS_EXCEPTION;
    JSValue dv = JS_GetPropertyStr(ctx, img, "data");
    int r = kjs_get_bytes(ctx, dv, "Display.showImage: image.data", &data, &len);
    JS_FreeValue(ctx, dv);
    if (r < 0) return JS_EXCEPTION;
    size_t need = hal_pixfmt_size(fmt, (uint32_t)w, (uint32_t)h);
    if (!need || len < need)
      return JS_ThrowRangeError(ctx, "%s: image.data has %zu bytes, %ux%u %s needs %zu", fn, len, (unsigned)w,
                                (unsigned)h, hal_pixfmt_name(fmt), need);
    f.width = (uint32_t)w;
    f.height = (uint32_t)h;
    f.format = fmt;
    f.size = need;
    f.data[0] = (uint8_t *)data;
    uint32_t bpp = fmt == HAL_PIXFMT_ARGB8888 ? 4 : fmt == HAL_PIXFMT_RGB888 ? 3 : fmt == HAL_PIXFMT_RGB565 ? 2 : 1;
    f.stride[0] = (uint32_t)w * bpp;
    if (fmt == HAL_PIXFMT_NV12) {
      f.stride[1] = (uint32_t)w;
      f.data[1] = (uint8_t *)data + (size_t)w * (size_t)h;
    }
  }
  int layer;
  int64_t x, y;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("layer", "x", "y")) < 0 ||
      layer_from(ctx, opts, fn, HAL_LAYER_OSD0, &layer) < 0 ||
      kjs_opt_int(ctx, opts, fn, "x", 0, -4096, 4096, &x) < 0 ||
      kjs_opt_int(ctx, opts, fn, "y", 0, -4096, 4096, &y) < 0)
    return JS_EXCEPTION;
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  lc.x = (int)x;
  lc.y = (int)y;
  lc.width = f.width;
  lc.height = f.height;
  lc.format = f.format;
  int rc = hal_display_layer_set(media_state_of(ctx)->disp, (hal_display_layer)layer, &lc);
  if (!rc) rc = hal_display_show(media_state_of(ctx)->disp, (hal_display_layer)layer, &f);
  return rc ? kjs_throw(ctx, rc, "%s: layer %s: %s", fn, layer_names[layer], err_str(rc)) : JS_UNDEFINED;
}

static JSValue display_writeback(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.writeback";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  hal_frame *f;
  int rc = hal_display_writeback(media_state_of(ctx)->disp, &f);
  if (rc == ERR_EAGAIN) return JS_NULL;
  return rc ? media_fail(ctx, rc, fn) : media_frame_wrap(ctx, f);
}

static JSValue display_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  static const char fn[] = "Display.info";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  hal_display_info di;
  int rc = hal_display_info_get(media_state_of(ctx)->disp, &di);
  if (rc) return media_fail(ctx, rc, fn);
  switch (magic) {
    case 1: return JS_NewUint32(ctx, di.width);
    case 2: return JS_NewUint32(ctx, di.height);
    case 3: return JS_NewUint32(ctx, di.fps);
  }
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "width", JS_NewUint32(ctx, di.width));
  JS_SetPropertyStr(ctx, o, "height", JS_NewUint32(ctx, di.height));
  JS_SetPropertyStr(ctx, o, "fps", JS_NewUint32(ctx, di.fps));
  JS_SetPropertyStr(ctx, o, "framesComposed", JS_NewInt64(ctx, (int64_t)di.frames_composed));
  return o;
}

static JSValue display_inited(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return JS_NewBool(ctx, media_state_of(ctx)->disp != 0);
}

/* ---- function lists ---- */

static const JSCFunctionListEntry display_static[] = {
    JS_CFUNC_DEF("init", 2, display_init),
    JS_CFUNC_DEF("deinit", 0, display_deinit),
    JS_CFUNC_DEF("inited", 0, display_inited),
    JS_CFUNC_DEF("bindLayer", 1, display_bind_layer),
    JS_CFUNC_DEF("unbindLayer", 1, display_unbind_layer),
    JS_CFUNC_DEF("showImage", 2, display_show_image),
    JS_CFUNC_DEF("writeback", 0, display_writeback),
    JS_CFUNC_MAGIC_DEF("info", 0, display_info, 0),
    JS_CFUNC_MAGIC_DEF("width", 0, display_info, 1),
    JS_CFUNC_MAGIC_DEF("height", 0, display_info, 2),
    JS_CFUNC_MAGIC_DEF("fps", 0, display_info, 3),
    JS_PROP_STRING_DEF("VIRT", "VIRT", 0),
    JS_PROP_STRING_DEF("ST7701", "ST7701", 0),
    JS_PROP_STRING_DEF("LT9611", "LT9611", 0),
    JS_PROP_STRING_DEF("LAYER_VIDEO1", "video1", 0),
    JS_PROP_STRING_DEF("LAYER_VIDEO2", "video2", 0),
    JS_PROP_STRING_DEF("LAYER_VIDEO3", "video3", 0),
    JS_PROP_STRING_DEF("LAYER_OSD0", "osd0", 0),
    JS_PROP_STRING_DEF("LAYER_OSD1", "osd1", 0),
    JS_PROP_STRING_DEF("LAYER_OSD2", "osd2", 0),
    JS_PROP_STRING_DEF("LAYER_OSD3", "osd3", 0),
};

/* ---- init ---- */

JSValue media_display_class(JSContext *ctx) {
  JSValue display = JS_NewCFunction2(ctx, media_no_ctor, "Display", 0, JS_CFUNC_constructor, 0);
  JS_SetPropertyFunctionList(ctx, display, display_static, COUNT(display_static));
  return display;
}
