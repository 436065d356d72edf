/*
 * k230:media MediaManager — links between channels (Link), VB pools and their buffers (VBPool,
 * Buffer), block statistics and the reset (resetAll, and a soft reset through kjs/media.h) that
 * revokes everything the runtime lent to JS and releases everything it holds.
 * Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "kjs/preview.h"
#include "media_internal.h"

/* ---- class ids ---- */

JSClassID link_class_id, pool_class_id, block_class_id;

/* ---- links ---- */

static void link_unref(media_link *l) {
  if (--l->refs > 0) return;
  free(l);
}

static void link_unbind(media_state *ms, media_link *l) {
  if (!l->h) return;
  hal_unlink(l->h);
  media_disown(ms, l->h);
  l->h = 0;
  for (media_link **p = &ms->links; *p; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      link_unref(l);
      break;
    }
}

bool media_chn_eq(const hal_chn *a, hal_mod mod, int dev, int chn) {
  return a->mod == mod && a->dev == dev && (chn < 0 || a->chn == chn);
}

/* Unbind every link touching (mod, dev, chn) (chn -1 = any) so the object can close. */
void media_unbind_touching(media_state *ms, hal_mod mod, int dev, int chn) {
  for (media_link *l = ms->links, *next; l; l = next) {
    next = l->next;
    if (media_chn_eq(&l->src, mod, dev, chn) || media_chn_eq(&l->dst, mod, dev, chn)) link_unbind(ms, l);
  }
}

int media_link_make(media_state *ms, const hal_chn *src, const hal_chn *dst, media_link **out) {
  media_link *l = calloc(1, sizeof *l);
  if (!l) return ERR_ENOMEM;
  int rc = hal_link(src, dst, &l->h);
  if (!rc && (rc = media_own(ms, l->h))) hal_unlink(l->h);
  if (rc) {
    free(l);
    return rc;
  }
  l->src = *src;
  l->dst = *dst;
  l->refs = 1;
  l->next = ms->links;
  ms->links = l;
  *out = l;
  return 0;
}

/* ---- close / finalize ---- */

static void link_finalizer(JSRuntime *rt, JSValueConst val) {
  link_obj *lo = JS_GetOpaque(val, link_class_id);
  if (!lo) return;
  /* Dropping a Link does not unbind: with reference counting, `MediaManager.link(a, b)` without
   * keeping the result would otherwise unbind at once. destroy(), closing either end, or a soft
   * reset unbinds. */
  link_unref(lo->l);
  free(lo);
}

static void pool_finalizer(JSRuntime *rt, JSValueConst val) {
  pool_obj *po = JS_GetOpaque(val, pool_class_id);
  if (!po) return;
  if (po->h) {
    hal_vb_pool_destroy(po->h);
    media_disown(media_state_rt(rt), po->h);
  }
  free(po);
}

static void block_finalizer(JSRuntime *rt, JSValueConst val) {
  block_obj *bo = JS_GetOpaque(val, block_class_id);
  if (!bo) return;
  JS_FreeValueRT(rt, bo->buf);
  media_state *ms = media_state_rt(rt);
  if (bo->h && bo->gen == ms->gen) {
    hal_vb_block_release(bo->h);
    media_disown(ms, bo->h);
  }
  free(bo);
}

/* ---- gc_mark ---- */

static void block_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  block_obj *bo = JS_GetOpaque(val, block_class_id);
  if (bo) JS_MarkValue(rt, bo->buf, mark);
}

/* ---- class defs ---- */

static const JSClassDef link_class = {"Link", .finalizer = link_finalizer};
static const JSClassDef pool_class = {"VBPool", .finalizer = pool_finalizer};
static const JSClassDef block_class = {"Buffer", .finalizer = block_finalizer, .gc_mark = block_mark};

/* ---- MediaManager ---- */

static JSValue mm_noop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) { return JS_UNDEFINED; }

static JSValue mm_link(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "MediaManager.link";
  hal_chn src, dst;
  if (argc < 2) return JS_ThrowTypeError(ctx, "%s(src, dst) needs two channels", fn);
  if (media_chn_from_js(ctx, argv[0], fn, &src) < 0 || media_chn_from_js(ctx, argv[1], fn, &dst) < 0)
    return JS_EXCEPTION;
  link_obj *lo = calloc(1, sizeof *lo);
  if (!lo) return JS_ThrowOutOfMemory(ctx);
  media_state *ms = media_state_of(ctx);
  int rc = media_link_make(ms, &src, &dst, &lo->l);
  if (rc) {
    free(lo);
    return kjs_throw(ctx, rc, "%s: cannot bind %s %d/%d to %s %d/%d: %s%s", fn,
                     src.mod ? media_mod_names[src.mod - 1] : "?", src.dev, src.chn,
                     dst.mod ? media_mod_names[dst.mod - 1] : "?", dst.dev, dst.chn, err_str(rc),
                     rc == ERR_EINVAL && dst.mod == HAL_MOD_VENC
                         ? " (an encoder takes NV12 pictures of its own size; a camera channel with alignment 12)"
                         : "");
  }
  lo->l->refs++;
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, link_class_id, lo);
  if (JS_IsException(obj)) {
    link_unbind(ms, lo->l);
    link_unref(lo->l);
    free(lo);
  }
  return obj;
}

static JSValue link_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  link_obj *lo = JS_GetOpaque2(ctx, this_val, link_class_id);
  if (!lo) return JS_EXCEPTION;
  link_unbind(media_state_of(ctx), lo->l);
  return JS_UNDEFINED;
}

static JSValue link_get_closed(JSContext *ctx, JSValueConst this_val) {
  link_obj *lo = JS_GetOpaque2(ctx, this_val, link_class_id);
  return lo ? JS_NewBool(ctx, !lo->l->h) : JS_EXCEPTION;
}

static JSValue mm_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  if (argc < 1 || !JS_GetOpaque(argv[0], link_class_id))
    return JS_ThrowTypeError(ctx, "MediaManager.unlink: expects a Link");
  return link_destroy(ctx, argv[0], 0, NULL);
}

static JSValue mm_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  hal_registry_stats r;
  hal_copy_stats c;
  hal_registry_stats_get(&r);
  hal_copy_stats_get(&c);
  JSValue o = JS_NewObject(ctx);
#define PUT(name, v) JS_SetPropertyStr(ctx, o, name, JS_NewInt64(ctx, (int64_t)(v)))
  PUT("pools", r.pools);
  PUT("blocks", r.blocks);
  PUT("links", r.links);
  PUT("sensors", r.sensors);
  PUT("encoders", r.vencs);
  PUT("decoders", r.vdecs);
  PUT("displays", r.displays);
  PUT("audioIns", r.audio_ins);
  PUT("audioOuts", r.audio_outs);
  PUT("frames", r.frames);
  PUT("total", r.total);
  PUT("streamBytesCopied", c.stream_bytes_copied);
  PUT("frameBytesCopied", c.frame_bytes_copied);
  PUT("convertBytes", c.convert_bytes);
#undef PUT
  return o;
}

/* Revoke everything this runtime lent to JS, then release what it holds (kjs/media.h). */
int media_reset(media_state *ms) {
  media_players_stop(ms); /* their threads stop before their channels go */
  for (media_enc *e = ms->encs; e; e = e->next) {
    media_enc_break_pipes(e, NULL);
    media_enc_revoke_streams(e);
  }
  while (ms->frames) {
    lent_frame *lf = ms->frames;
    kjs_lend_revoke(lf->ctx, lf->buf);           /* unlinks lf */
    if (ms->frames == lf) ms->frames = lf->next; /* already detached elsewhere: never */
  }
  for (media_link *l = ms->links, *next; l; l = next) {
    next = l->next;
    l->h = 0; /* unbound with the rest of what it owns */
    link_unref(l);
  }
  ms->links = NULL;
  if (ms->disp) kjs_preview_display(0, false); /* the preview stops taking its pictures first */
  int n = hal_reset_handles(ms->owned, ms->nowned);
  ms->nowned = 0;
  /* The last runtime out ends the HAL's run: what no runtime accounts for goes too. */
  if (media_state_alone()) n += hal_reset_all();
  for (media_enc *e = ms->encs; e; e = e->next) e->h = 0;
  ms->disp = 0;
  ms->gen++;
  return n;
}

static JSValue mm_reset(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return JS_NewInt32(ctx, media_reset(media_state_of(ctx)));
}

/* ---- VBPool / Buffer ---- */

static JSValue pool_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "VBPool.create";
  int64_t size, cnt = 4;
  if (argc < 1 || kjs_get_int(ctx, argv[0], "VBPool.create: blkSize", 1, INT64_C(1) << 30, &size) < 0 ||
      (argc > 1 && kjs_get_int(ctx, argv[1], "VBPool.create: blkCnt", 1, HAL_VB_MAX_BLOCKS, &cnt) < 0))
    return argc < 1 ? JS_ThrowTypeError(ctx, "%s(blkSize, blkCnt) needs a size", fn) : JS_EXCEPTION;
  hal_vb_pool_config cfg = {.blk_size = (size_t)size, .blk_cnt = (uint32_t)cnt};
  pool_obj *po = calloc(1, sizeof *po);
  if (!po) return JS_ThrowOutOfMemory(ctx);
  media_state *ms = media_state_of(ctx);
  int rc = hal_vb_pool_create(&cfg, &po->h);
  if (!rc && (rc = media_own(ms, po->h))) hal_vb_pool_destroy(po->h);
  if (rc) {
    free(po);
    return media_fail(ctx, rc, fn);
  }
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, pool_class_id, po);
  if (JS_IsException(obj)) {
    hal_vb_pool_destroy(po->h);
    media_disown(ms, po->h);
    free(po);
  }
  return obj;
}

static JSValue pool_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  pool_obj *po = JS_GetOpaque2(ctx, this_val, pool_class_id);
  if (!po) return JS_EXCEPTION;
  if (!po->h) return JS_UNDEFINED;
  int rc = hal_vb_pool_destroy(po->h);
  if (rc && rc != ERR_ECLOSED) return kjs_throw(ctx, rc, "VBPool.destroy: %s (destroy its buffers first)", err_str(rc));
  media_disown(media_state_of(ctx), po->h);
  po->h = 0;
  return JS_UNDEFINED;
}

static void block_returned(JSRuntime *rt, void *opaque) { (void)rt, (void)opaque; }

static JSValue pool_get(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "VBPool.get";
  pool_obj *po = JS_GetOpaque2(ctx, this_val, pool_class_id);
  if (!po) return JS_EXCEPTION;
  if (!po->h) return media_closed(ctx, fn, "pool");
  int64_t size = 0;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "VBPool.get: size", 0, INT64_C(1) << 30, &size) < 0)
    return JS_EXCEPTION;
  block_obj *bo = calloc(1, sizeof *bo);
  if (!bo) return JS_ThrowOutOfMemory(ctx);
  media_state *ms = media_state_of(ctx);
  int rc = hal_vb_block_get(po->h, (size_t)size, &bo->h);
  hal_vb_block_info bi;
  if (!rc) rc = hal_vb_block_info_get(bo->h, &bi);
  if (!rc && (rc = media_own(ms, bo->h))) hal_vb_block_release(bo->h);
  if (rc) {
    free(bo);
    return media_fail(ctx, rc, fn);
  }
  bo->gen = ms->gen;
  bo->buf = kjs_lend_buffer(ctx, bi.virt, bi.size, JS_UNDEFINED, block_returned, NULL);
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, block_class_id, bo);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, bo->buf);
    hal_vb_block_release(bo->h);
    media_disown(ms, bo->h);
    free(bo);
    return obj;
  }
  JS_SetPropertyStr(ctx, obj, "size", JS_NewInt64(ctx, (int64_t)bi.size));
  JS_SetPropertyStr(ctx, obj, "physAddr", JS_NewInt64(ctx, (int64_t)bi.phys));
  JS_SetPropertyStr(ctx, obj, "handle", JS_NewUint32(ctx, bo->h));
  return obj;
}

static JSValue block_get_data(JSContext *ctx, JSValueConst this_val) {
  block_obj *bo = JS_GetOpaque2(ctx, this_val, block_class_id);
  return bo ? JS_DupValue(ctx, bo->buf) : JS_EXCEPTION;
}

static JSValue block_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  block_obj *bo = JS_GetOpaque2(ctx, this_val, block_class_id);
  if (!bo) return JS_EXCEPTION;
  if (!bo->h) return JS_UNDEFINED;
  kjs_lend_revoke(ctx, bo->buf);
  media_state *ms = media_state_of(ctx);
  if (bo->gen == ms->gen) {
    hal_vb_block_release(bo->h);
    media_disown(ms, bo->h);
  }
  bo->h = 0;
  return JS_UNDEFINED;
}

/* ---- function lists ---- */

static const JSCFunctionListEntry mm_static[] = {
    JS_CFUNC_DEF("init", 0, mm_noop),
    JS_CFUNC_DEF("deinit", 0, mm_noop),
    JS_CFUNC_DEF("link", 2, mm_link),
    JS_CFUNC_DEF("unlink", 1, mm_unlink),
    JS_CFUNC_DEF("stats", 0, mm_stats),
    JS_CFUNC_DEF("resetAll", 0, mm_reset),
    JS_PROP_STRING_DEF("CAMERA_MOD_ID", "sensor", 0),
    JS_PROP_STRING_DEF("VIDEO_ENCODE_MOD_ID", "venc", 0),
    JS_PROP_STRING_DEF("VIDEO_DECODE_MOD_ID", "vdec", 0),
    JS_PROP_STRING_DEF("DISPLAY_MOD_ID", "display", 0),
    JS_PROP_INT32_DEF("VENC_DEV_ID", 0, 0),
    JS_PROP_INT32_DEF("VDEC_DEV_ID", 0, 0),
};

static const JSCFunctionListEntry link_proto_funcs[] = {
    JS_CFUNC_DEF("destroy", 0, link_destroy),
    JS_CFUNC_DEF("close", 0, link_destroy),
    JS_CGETSET_DEF("closed", link_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Link", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry pool_proto_funcs[] = {
    JS_CFUNC_DEF("get", 1, pool_get),
    JS_CFUNC_DEF("destroy", 0, pool_destroy),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "VBPool", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry block_proto_funcs[] = {
    JS_CGETSET_DEF("data", block_get_data, NULL),
    JS_CFUNC_DEF("destroy", 0, block_destroy),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Buffer", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

JSValue media_manager_class(JSContext *ctx) {
  kjs_class_create(ctx, &link_class_id, &link_class, NULL, 1, link_proto_funcs, COUNT(link_proto_funcs));
  kjs_class_create(ctx, &pool_class_id, &pool_class, NULL, 1, pool_proto_funcs, COUNT(pool_proto_funcs));
  kjs_class_create(ctx, &block_class_id, &block_class, NULL, 1, block_proto_funcs, COUNT(block_proto_funcs));
  JSValue mm = JS_NewCFunction2(ctx, media_no_ctor, "MediaManager", 0, JS_CFUNC_constructor, 0);
  JS_SetPropertyFunctionList(ctx, mm, mm_static, COUNT(mm_static));
  JSValue vbpool = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, vbpool, "create", JS_NewCFunction(ctx, pool_create, "create", 2));
  JS_SetPropertyStr(ctx, mm, "VBPool", vbpool);
  return mm;
}
