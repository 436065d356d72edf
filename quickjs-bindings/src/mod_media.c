/*
 * k230:media — camera, video encoder and decoder, display, bindings and buffers on the HAL
 * (hal/sensor.h, venc.h, vdec.h, display.h, vb.h): Sensor, Encoder, Decoder, Display,
 * MediaManager, and `encoder.pipeTo(target)`, which runs the per-frame path in C. One encoder
 * fans out to any number of pipes: each stream is handed to every pipe's sink in turn on the
 * loop thread, and a failing sink breaks only its own pipe.
 * Types and docs: js-lib/types/k230-media.d.ts.
 *
 * Memory crossing into JS is lent (kjs/lend.h): encoder packs and frames are ArrayBuffers over
 * HAL memory, given back by releaseStream()/release(), at the latest by GC. A soft reset
 * (kjs_media_reset) releases whatever the app leaked; lent buffers of an older reset
 * generation never touch the HAL again.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/display.h"
#include "hal/errors.h"
#include "hal/sensor.h"
#include "hal/vb.h"
#include "hal/vdec.h"
#include "hal/venc.h"
#include "kjs/args.h"
#include "kjs/console.h"
#include "kjs/errors.h"
#include "kjs/lend.h"
#include "kjs/loop.h"
#include "kjs/media.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/sink.h"
#include "kjs/vm.h"

/* ---- private structs ---- */

/* A link made through this module (MediaManager.link or Display.bindLayer). */
typedef struct media_link {
  hal_handle h; /* 0 once unbound */
  hal_chn src, dst;
  int refs; /* the list + a Link object */
  struct media_link *next;
} media_link;

typedef struct media_sensor {
  hal_handle h; /* 0 once closed */
  int dev;
  uint32_t width, height, fps;
  hal_sensor_chn_config chn[HAL_SENSOR_MAX_CHN];
  bool chn_on[HAL_SENSOR_MAX_CHN];
} media_sensor;

typedef struct media_enc media_enc;

/* One encoder -> target path. Lives while attached to its encoder or referenced by its Pipe. */
typedef struct media_pipe {
  int refs;      /* the encoder's list while attached + the Pipe object */
  bool attached; /* in the encoder's list: the sink is called */
  bool synced;   /* a stream that opens a picture sequence (HEADER first, or JPEG) came */
  int pending_rc; /* the sink failed in this drain; broken once the stream is given back */
  kjs_media_sink sink;
  JSValue target;   /* counted while attached, marked by the encoder */
  JSValue on_error; /* counted while attached, marked by the encoder */
  uint64_t frames, bytes, errors;
  int last_error;
  struct media_pipe *next;
} media_pipe;

/* A stream lent to JS: released to the HAL when the stream object and every pack buffer are
 * gone (or at releaseStream()). */
typedef struct lent_stream {
  media_enc *e;
  hal_venc_stream *st;
  uint32_t gen;
  int refs;
  bool dead; /* the encoder went away: nothing to give back */
  JSValue bufs[HAL_VENC_PACK_MAX]; /* not counted; cleared when each buffer returns */
  struct pack_ref {
    struct lent_stream *ls;
    int idx;
  } pack[HAL_VENC_PACK_MAX];
  uint32_t npacks;
  struct lent_stream *next;
} lent_stream;

struct media_enc {
  int refs; /* the Encoder object + each lent stream */
  hal_handle h;
  int chn;
  uint32_t id;
  uint32_t width, height;
  hal_venc_codec codec;
  JSContext *ctx;
  kjs_loop *loop;
  lent_stream *streams;
  /* pipes (loop thread, except the two atomics read by the encoder thread) */
  atomic_int piped, post_pending; /* piped: number of attached pipes */
  media_pipe *pipes;
  uint64_t delivered; /* streams fetched (by getStream or a drain) since the channel was made */
  struct media_enc *next;
};

typedef struct stream_obj {
  lent_stream *ls; /* NULL once released */
} stream_obj;

typedef struct pipe_obj {
  JSValue enc_obj; /* counted, marked */
  media_pipe *p;   /* counted */
} pipe_obj;

typedef struct media_dec {
  hal_handle h;
  int chn;
  hal_vdec_codec codec;
  bool eos;
} media_dec;

typedef struct lent_frame {
  hal_frame *f;
  uint32_t gen;
  JSContext *ctx;
  JSValue buf; /* not counted */
  struct lent_frame *next;
} lent_frame;

typedef struct frame_obj {
  JSValue buf; /* counted */
  uint32_t width, height, stride[3], seq;
  hal_pixfmt format;
  uint64_t pts_us;
  size_t size, plane1; /* offset of the second plane in buf */
} frame_obj;

typedef struct link_obj {
  media_link *l;
} link_obj;

typedef struct pool_obj {
  hal_handle h;
} pool_obj;

typedef struct block_obj {
  hal_handle h;
  JSValue buf; /* counted */
  uint32_t gen;
} block_obj;

typedef struct file_obj {
  FILE *f;
} file_obj;

/* A pipe target that counts and drops (benchmarks, tests): the C path with no consumer cost. */
typedef struct null_sink {
  uint64_t frames, bytes;
} null_sink;

/* ---- module state (one VM at a time uses the media blocks) ---- */

static uint32_t g_gen = 1; /* bumped by every reset */
static media_link *g_links;
static media_enc *g_encs;
static uint32_t g_next_enc_id = 1;
static lent_frame *g_frames;
static hal_handle g_disp;

/* ---- class ids ---- */

static JSClassID sensor_class_id, encoder_class_id, stream_class_id, pipe_class_id, decoder_class_id,
    frame_class_id, link_class_id, pool_class_id, block_class_id, file_class_id, null_sink_class_id;

/* ---- links ---- */

static void link_unref(media_link *l) {
  if (--l->refs > 0) return;
  free(l);
}

static void link_unbind(media_link *l) {
  if (!l->h) return;
  hal_unlink(l->h);
  l->h = 0;
  for (media_link **p = &g_links; *p; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      link_unref(l);
      break;
    }
}

static bool chn_eq(const hal_chn *a, hal_mod mod, int dev, int chn) {
  return a->mod == mod && a->dev == dev && (chn < 0 || a->chn == chn);
}

/* Unbind every link touching (mod, dev, chn) (chn -1 = any) so the object can close. */
static void unbind_touching(hal_mod mod, int dev, int chn) {
  for (media_link *l = g_links, *next; l; l = next) {
    next = l->next;
    if (chn_eq(&l->src, mod, dev, chn) || chn_eq(&l->dst, mod, dev, chn)) link_unbind(l);
  }
}

static int media_link_make(const hal_chn *src, const hal_chn *dst, media_link **out) {
  media_link *l = calloc(1, sizeof *l);
  if (!l) return HAL_ENOMEM;
  int rc = hal_link(src, dst, &l->h);
  if (rc) {
    free(l);
    return rc;
  }
  l->src = *src;
  l->dst = *dst;
  l->refs = 1;
  l->next = g_links;
  g_links = l;
  *out = l;
  return 0;
}

/* ---- lent frames ---- */

static void frame_returned(JSRuntime *rt, void *opaque) {
  lent_frame *lf = opaque;
  for (lent_frame **p = &g_frames; *p; p = &(*p)->next)
    if (*p == lf) {
      *p = lf->next;
      break;
    }
  if (lf->gen == g_gen) hal_frame_release(lf->f);
  free(lf);
}

/* ---- encoder lifetime ---- */

static void enc_unref(media_enc *e) {
  if (--e->refs > 0) return;
  for (media_enc **p = &g_encs; *p; p = &(*p)->next)
    if (*p == e) {
      *p = e->next;
      break;
    }
  free(e);
}

static media_enc *enc_find(uint32_t id) {
  for (media_enc *e = g_encs; e; e = e->next)
    if (e->id == id) return e;
  return NULL;
}

static void ls_unref(lent_stream *ls) {
  if (--ls->refs > 0) return;
  media_enc *e = ls->e;
  if (!ls->dead && ls->gen == g_gen && e->h) hal_venc_release_stream(e->h, ls->st);
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
static void enc_revoke_streams(media_enc *e) {
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
static void report_pipe_error(JSContext *ctx, JSValue fn, int rc) {
  kjs_throw(ctx, rc, "pipe: the target failed: %s", hal_strerror(rc));
  JSValue err = JS_GetException(ctx);
  if (JS_IsFunction(ctx, fn)) {
    kjs_vm_call(kjs_vm_from_context(ctx), fn, JS_UNDEFINED, 1, (JSValueConst *)&err);
  } else {
    kjs_console_printf(KJS_STDERR, "k230js: encoder pipe stopped: %s (%s)\n", hal_strerror(rc), hal_err_name(rc));
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
  if (p->sink.detach && (!rt || JS_IsLiveObject(rt, p->target))) p->sink.detach(p->sink.user);
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
  pipe_unref(p); /* the list's reference */
  if (rt) return;
  if (rc) report_pipe_error(e->ctx, fn, rc);
  else JS_FreeValue(e->ctx, fn);
}

static void enc_break_pipes(media_enc *e, JSRuntime *rt) {
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
  media_enc *e = enc_find((uint32_t)(uintptr_t)user);
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
      /* A pipe joins at a picture sequence start: a target cannot use P pictures before it. */
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
  enc_break_pipes(e, rt);
  if (!rt) enc_revoke_streams(e);
  else
    for (lent_stream *ls = e->streams; ls; ls = ls->next) ls->dead = true;
  if (e->h) {
    unbind_touching(HAL_MOD_VENC, 0, e->chn);
    hal_venc_destroy(e->h);
    e->h = 0;
  }
}

/* ---- close / finalize ---- */

static void sensor_close(media_sensor *s) {
  if (!s->h) return;
  unbind_touching(HAL_MOD_SENSOR, s->dev, -1);
  hal_sensor_close(s->h);
  s->h = 0;
}

static void sensor_finalizer(JSRuntime *rt, JSValueConst val) {
  media_sensor *s = JS_GetOpaque(val, sensor_class_id);
  if (!s) return;
  sensor_close(s);
  free(s);
}

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

static void dec_close(media_dec *d) {
  if (!d->h) return;
  unbind_touching(HAL_MOD_VDEC, 0, d->chn);
  hal_vdec_destroy(d->h);
  d->h = 0;
}

static void decoder_finalizer(JSRuntime *rt, JSValueConst val) {
  media_dec *d = JS_GetOpaque(val, decoder_class_id);
  if (!d) return;
  dec_close(d);
  free(d);
}

static void frame_finalizer(JSRuntime *rt, JSValueConst val) {
  frame_obj *fo = JS_GetOpaque(val, frame_class_id);
  if (!fo) return;
  JS_FreeValueRT(rt, fo->buf);
  free(fo);
}

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
  if (po->h) hal_vb_pool_destroy(po->h);
  free(po);
}

static void block_finalizer(JSRuntime *rt, JSValueConst val) {
  block_obj *bo = JS_GetOpaque(val, block_class_id);
  if (!bo) return;
  JS_FreeValueRT(rt, bo->buf);
  if (bo->h && bo->gen == g_gen) hal_vb_block_release(bo->h);
  free(bo);
}

static void file_finalizer(JSRuntime *rt, JSValueConst val) {
  file_obj *fo = JS_GetOpaque(val, file_class_id);
  if (!fo) return;
  if (fo->f) fclose(fo->f);
  free(fo);
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

static const JSClassDef sensor_class = {"Sensor", .finalizer = sensor_finalizer};
static const JSClassDef encoder_class = {"Encoder", .finalizer = encoder_finalizer, .gc_mark = encoder_mark};
static const JSClassDef stream_class = {"EncoderStream", .finalizer = stream_finalizer};
static const JSClassDef pipe_class = {"Pipe", .finalizer = pipe_finalizer, .gc_mark = pipe_mark};
static const JSClassDef decoder_class = {"Decoder", .finalizer = decoder_finalizer};
static const JSClassDef frame_class = {"Frame", .finalizer = frame_finalizer};
static const JSClassDef link_class = {"Link", .finalizer = link_finalizer};
static const JSClassDef pool_class = {"VBPool", .finalizer = pool_finalizer};
static const JSClassDef block_class = {"Buffer", .finalizer = block_finalizer};
static const JSClassDef file_class = {"MediaFile", .finalizer = file_finalizer};
static const JSClassDef null_sink_class = {"NullSink", .finalizer = null_sink_finalizer};

/* ---- helpers ---- */

static const char *const pixfmt_names[] = {"NV12", "RGB888", "RGB565", "GRAYSCALE", "ARGB8888", NULL};
static const char *const mod_names[] = {"sensor", "venc", "vdec", "display", NULL};

static JSValue fail(JSContext *ctx, int rc, const char *fn) {
  return kjs_throw(ctx, rc, "%s: %s", fn, hal_strerror(rc));
}

static JSValue closed(JSContext *ctx, const char *fn, const char *what) {
  return kjs_throw(ctx, HAL_ECLOSED, "%s: the %s is closed", fn, what);
}

static JSValue new_obj(JSContext *ctx, JSValueConst new_target, JSClassID id, void *opaque) {
  JSValue proto = JS_IsUndefined(new_target) ? JS_GetClassProto(ctx, id) : JS_GetPropertyStr(ctx, new_target, "prototype");
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, id);
  JS_FreeValue(ctx, proto);
  if (!JS_IsException(obj)) JS_SetOpaque(obj, opaque);
  return obj;
}

static JSValue chn_to_js(JSContext *ctx, const hal_chn *c) {
  JSValue o = JS_NewObject(ctx);
  int m = c->mod >= HAL_MOD_SENSOR && c->mod <= HAL_MOD_DISPLAY ? (int)c->mod - 1 : 0;
  JS_SetPropertyStr(ctx, o, "mod", JS_NewString(ctx, mod_names[m]));
  JS_SetPropertyStr(ctx, o, "dev", JS_NewInt32(ctx, c->dev));
  JS_SetPropertyStr(ctx, o, "chn", JS_NewInt32(ctx, c->chn));
  return o;
}

static int chn_from_js(JSContext *ctx, JSValueConst v, const char *fn, hal_chn *out) {
  media_enc *e = JS_GetOpaque(v, encoder_class_id);
  if (e) {
    if (!e->h) {
      closed(ctx, fn, "encoder");
      return -1;
    }
    *out = (hal_chn){HAL_MOD_VENC, 0, e->chn};
    return 0;
  }
  if (!JS_IsObject(v)) {
    JS_ThrowTypeError(ctx, "%s: a channel must be {mod, dev, chn} or an Encoder", fn);
    return -1;
  }
  int mod;
  int64_t dev, chn;
  if (kjs_opt_enum(ctx, v, fn, "mod", mod_names, -1, &mod) < 0 || kjs_opt_int(ctx, v, fn, "dev", 0, 0, 3, &dev) < 0 ||
      kjs_opt_int(ctx, v, fn, "chn", 0, 0, 7, &chn) < 0)
    return -1;
  if (mod < 0) {
    JS_ThrowTypeError(ctx, "%s: channel.mod is required (\"sensor\", \"venc\", \"vdec\" or \"display\")", fn);
    return -1;
  }
  *out = (hal_chn){(hal_mod)(mod + 1), (int)dev, (int)chn};
  return 0;
}

static JSValue bind_info_to_js(JSContext *ctx, const hal_bind_info *b) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "src", chn_to_js(ctx, &b->src));
  JSValue r = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, r, "x", JS_NewInt32(ctx, b->x));
  JS_SetPropertyStr(ctx, r, "y", JS_NewInt32(ctx, b->y));
  JS_SetPropertyStr(ctx, r, "width", JS_NewUint32(ctx, b->width));
  JS_SetPropertyStr(ctx, r, "height", JS_NewUint32(ctx, b->height));
  JS_SetPropertyStr(ctx, o, "rect", r);
  JS_SetPropertyStr(ctx, o, "pixFormat", JS_NewString(ctx, hal_pixfmt_name(b->format)));
  return o;
}

static int pixfmt_from(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, hal_pixfmt def,
                       hal_pixfmt *out) {
  int i;
  if (kjs_opt_enum(ctx, opts, fn, name, pixfmt_names, (int)def - 1, &i) < 0) return -1;
  *out = (hal_pixfmt)(i + 1);
  return 0;
}

/* Wrap a HAL frame into a Frame object whose `data` is lent (released with the buffer). */
static JSValue frame_wrap(JSContext *ctx, hal_frame *f) {
  lent_frame *lf = calloc(1, sizeof *lf);
  frame_obj *fo = calloc(1, sizeof *fo);
  if (!lf || !fo) {
    free(lf);
    free(fo);
    hal_frame_release(f);
    return JS_ThrowOutOfMemory(ctx);
  }
  *lf = (lent_frame){f, g_gen, ctx, JS_UNDEFINED, g_frames};
  g_frames = lf;
  JSValue buf = kjs_lend_buffer(ctx, f->data[0], f->size, JS_UNDEFINED, frame_returned, lf);
  if (JS_IsException(buf)) {
    g_frames = lf->next;
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
  JSValue obj = new_obj(ctx, JS_UNDEFINED, frame_class_id, fo);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, buf);
    free(fo);
  }
  return obj;
}

/* The bytes of a lent buffer, or NULL (no exception left pending) once it was released. */
static uint8_t *buf_ptr(JSContext *ctx, JSValueConst buf, size_t *len) {
  uint8_t *p = JS_GetArrayBuffer(ctx, len, buf);
  if (!p) JS_FreeValue(ctx, JS_GetException(ctx));
  return p;
}

/* ---- Sensor ---- */

static media_sensor *sensor_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  if (s && !s->h) {
    closed(ctx, fn, "sensor");
    return NULL;
  }
  return s;
}

static JSValue sensor_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Sensor";
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t id, w, h, fps;
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_int(ctx, opts, fn, "id", 0, 0, HAL_SENSOR_MAX_DEV - 1, &id) < 0 ||
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
  int rc = hal_sensor_open(&cfg, &s->h);
  if (rc) {
    free(s);
    return kjs_throw(ctx, rc, "%s: cannot open sensor %d (%ux%u@%u): %s", fn, cfg.dev, cfg.width, cfg.height,
                     cfg.fps, hal_strerror(rc));
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
  JSValue obj = new_obj(ctx, new_target, sensor_class_id, s);
  if (JS_IsException(obj)) {
    sensor_close(s);
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
    return kjs_throw(ctx, rc, "%s: channel %d cannot be %ux%u %s: %s", fn, chn, s->chn[chn].width,
                     s->chn[chn].height, hal_pixfmt_name(s->chn[chn].format), hal_strerror(rc));
  s->chn_on[chn] = true;
  return JS_UNDEFINED;
}

static JSValue sensor_set_framesize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.setFramesize";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {width, height, chn?} must be an object", fn);
  int64_t chn, w, h, bufs;
  if (opt_chn(ctx, opts, fn, &chn) < 0 || kjs_opt_int(ctx, opts, fn, "width", s->width, 1, 8192, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", s->height, 1, 8192, &h) < 0 ||
      kjs_opt_int(ctx, opts, fn, "bufCount", s->chn[chn].buf_cnt, 1, 32, &bufs) < 0)
    return JS_EXCEPTION;
  hal_sensor_chn_config old = s->chn[chn];
  s->chn[chn].width = (uint32_t)w;
  s->chn[chn].height = (uint32_t)h;
  s->chn[chn].buf_cnt = (uint32_t)bufs;
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
  int r1 = pixfmt_from(ctx, o, fn, "format", HAL_PIXFMT_NONE, &fmt);
  JS_FreeValue(ctx, o);
  if (r1 < 0) return JS_EXCEPTION;
  if (fmt == HAL_PIXFMT_NONE) return JS_ThrowTypeError(ctx, "%s: format is required", fn);
  if (opt_chn(ctx, argc > 1 ? argv[1] : JS_UNDEFINED, fn, &chn) < 0) return JS_EXCEPTION;
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
    if (rc == HAL_ESTATE) rc = 0;
  }
  return rc ? fail(ctx, rc, fns[magic]) : JS_UNDEFINED;
}

static JSValue sensor_snapshot(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.snapshot";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t chn, timeout;
  if (kjs_check_options(ctx, opts, fn) < 0 || opt_chn(ctx, opts, fn, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "timeoutMs", 1000, -1, 3600000, &timeout) < 0)
    return JS_EXCEPTION;
  hal_frame *f;
  int rc = hal_sensor_snapshot(s->h, (int)chn, (int)timeout, &f);
  if (rc) return fail(ctx, rc, fn);
  return frame_wrap(ctx, f);
}

static JSValue sensor_bind_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Sensor.bindInfo";
  media_sensor *s = sensor_of(ctx, this_val, fn);
  if (!s) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int64_t chn, x, y;
  if (kjs_check_options(ctx, opts, fn) < 0 || opt_chn(ctx, opts, fn, &chn) < 0 ||
      kjs_opt_int(ctx, opts, fn, "x", 0, 0, 4096, &x) < 0 || kjs_opt_int(ctx, opts, fn, "y", 0, 0, 4096, &y) < 0)
    return JS_EXCEPTION;
  hal_bind_info b;
  int rc = hal_sensor_bind_info(s->h, (int)chn, (int)x, (int)y, &b);
  if (rc) return fail(ctx, rc, fn);
  return bind_info_to_js(ctx, &b);
}

static JSValue sensor_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_sensor *s = sensor_of(ctx, this_val, "Sensor.stats");
  if (!s) return JS_EXCEPTION;
  hal_sensor_stats st;
  int rc = hal_sensor_stats_get(s->h, &st);
  if (rc) return fail(ctx, rc, "Sensor.stats");
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "frames", JS_NewInt64(ctx, (int64_t)st.frames));
  JS_SetPropertyStr(ctx, o, "dropped", JS_NewInt64(ctx, (int64_t)st.dropped));
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
  sensor_close(s);
  return JS_UNDEFINED;
}

static JSValue sensor_get_closed(JSContext *ctx, JSValueConst this_val) {
  media_sensor *s = JS_GetOpaque2(ctx, this_val, sensor_class_id);
  return s ? JS_NewBool(ctx, !s->h) : JS_EXCEPTION;
}

/* ---- Encoder ---- */

static media_enc *enc_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_enc *e = JS_GetOpaque2(ctx, this_val, encoder_class_id);
  if (e && !e->h) {
    closed(ctx, fn, "encoder");
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
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {codec, width, height, ...} must be an object", fn);
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
  int rc = hal_venc_create((int)chn, &cfg, &e->h, &e->chn);
  if (rc) {
    free(e);
    return kjs_throw(ctx, rc, "%s: cannot create a %s %ux%u encoder: %s", fn, codecs[codec], cfg.width, cfg.height,
                     hal_strerror(rc));
  }
  e->refs = 1;
  e->id = g_next_enc_id++;
  e->width = cfg.width;
  e->height = cfg.height;
  e->codec = cfg.codec;
  e->ctx = ctx;
  e->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  e->next = g_encs;
  g_encs = e;
  JSValue obj = new_obj(ctx, new_target, encoder_class_id, e);
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
  return rc ? fail(ctx, rc, fns[magic]) : JS_UNDEFINED;
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
  if (e->pipes) return kjs_throw(ctx, HAL_EBUSY, "%s: the encoder is piped; its streams go to the pipes", fn);
  hal_venc_stream *st;
  int rc = hal_venc_get_stream(e->h, &st, (int)timeout);
  if (rc == HAL_ETIMEDOUT || rc == HAL_ESTATE) return JS_NULL;
  if (rc) return fail(ctx, rc, fn);
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
  ls->gen = g_gen;
  ls->refs = 1;
  ls->next = e->streams;
  e->streams = ls;
  so->ls = ls;
  JSValue obj = new_obj(ctx, JS_UNDEFINED, stream_class_id, so);
  if (JS_IsException(obj)) {
    free(so);
    ls_unref(ls);
    return obj;
  }
  JSValue packs = JS_NewArray(ctx);
  for (uint32_t i = 0; i < st->pack_cnt; i++) {
    ls->pack[i].ls = ls;
    ls->pack[i].idx = (int)i;
    JSValue buf = kjs_lend_buffer(ctx, st->pack[i].data, st->pack[i].len, this_val, pack_returned, &ls->pack[i]);
    if (JS_IsException(buf)) {
      JS_FreeValue(ctx, packs);
      JS_FreeValue(ctx, obj);
      return buf;
    }
    ls->refs++;
    ls->bufs[i] = buf;
    ls->npacks = i + 1;
    JSValue p = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, p, "data", buf);
    JS_SetPropertyStr(ctx, p, "type", JS_NewString(ctx, pack_type_name(st->pack[i].type)));
    JS_SetPropertyStr(ctx, p, "ptsUs", JS_NewInt64(ctx, (int64_t)st->pack[i].pts_us));
    JS_SetPropertyUint32(ctx, packs, i, p);
  }
  JS_SetPropertyStr(ctx, obj, "packs", packs);
  JS_SetPropertyStr(ctx, obj, "seq", JS_NewUint32(ctx, st->seq));
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
  uint8_t *p = buf_ptr(ctx, fo->buf, &len);
  if (!p) return kjs_throw(ctx, HAL_ECLOSED, "%s: the frame was released", fn);
  hal_frame f = {.width = fo->width, .height = fo->height, .format = fo->format, .size = fo->size, .pts_us = fo->pts_us,
                 .seq = fo->seq};
  memcpy(f.stride, fo->stride, sizeof f.stride);
  f.data[0] = p;
  if (fo->plane1) f.data[1] = p + fo->plane1;
  int rc = hal_venc_send_frame(e->h, &f, (int)timeout);
  return rc ? fail(ctx, rc, fn) : JS_UNDEFINED;
}

static JSValue encoder_status(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_enc *e = enc_of(ctx, this_val, "Encoder.status");
  if (!e) return JS_EXCEPTION;
  hal_venc_status st;
  int rc = hal_venc_status_get(e->h, &st);
  if (rc) return fail(ctx, rc, "Encoder.status");
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
  if (e->streams) return kjs_throw(ctx, HAL_EBUSY, "%s: release the streams taken with getStream() first", fn);
  kjs_media_sink sink;
  if (argc < 1 || kjs_media_sink_of(ctx, argv[0], &sink) < 0) return JS_EXCEPTION;
  for (media_pipe *q = e->pipes; q; q = q->next)
    if (JS_VALUE_GET_PTR(q->target) == JS_VALUE_GET_PTR(argv[0]))
      return kjs_throw(ctx, HAL_EBUSY, "%s: the encoder is already piped into this target", fn);
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
  JSValue obj = new_obj(ctx, JS_UNDEFINED, pipe_class_id, po);
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
  JS_SetPropertyStr(ctx, o, "dst", chn_to_js(ctx, &c));
  return o;
}

/* ---- Pipe ---- */

static pipe_obj *pipe_of(JSContext *ctx, JSValueConst this_val) {
  return JS_GetOpaque2(ctx, this_val, pipe_class_id);
}

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

static int null_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  null_sink *n = JS_GetOpaque(target, null_sink_class_id);
  if (!n) return -1;
  *out = (kjs_media_sink){null_sink_video, null_sink_audio, NULL, n};
  return 0;
}

static JSValue null_sink_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  null_sink *n = calloc(1, sizeof *n);
  if (!n) return JS_ThrowOutOfMemory(ctx);
  JSValue obj = new_obj(ctx, new_target, null_sink_class_id, n);
  if (JS_IsException(obj)) free(n);
  return obj;
}

/* magic 0 frames, 1 bytes */
static JSValue null_sink_get(JSContext *ctx, JSValueConst this_val, int magic) {
  null_sink *n = JS_GetOpaque2(ctx, this_val, null_sink_class_id);
  if (!n) return JS_EXCEPTION;
  return JS_NewInt64(ctx, (int64_t)(magic ? n->bytes : n->frames));
}

/* ---- Decoder ---- */

static media_dec *dec_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  media_dec *d = JS_GetOpaque2(ctx, this_val, decoder_class_id);
  if (d && !d->h) {
    closed(ctx, fn, "decoder");
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
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_enum(ctx, opts, fn, "mode", modes, 0, &mode) < 0 ||
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
  int rc = hal_vdec_create((int)chn, &cfg, &d->h, &d->chn);
  if (rc) {
    free(d);
    return kjs_throw(ctx, rc, "%s: cannot create a %s decoder: %s", fn, codecs[codec], hal_strerror(rc));
  }
  d->codec = cfg.codec;
  JSValue obj = new_obj(ctx, new_target, decoder_class_id, d);
  if (JS_IsException(obj)) {
    dec_close(d);
    free(d);
  }
  return obj;
}

static JSValue decoder_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = dec_of(ctx, this_val, "Decoder.start");
  if (!d) return JS_EXCEPTION;
  int rc = hal_vdec_start(d->h);
  if (rc) return fail(ctx, rc, "Decoder.start");
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
  if (argc > 1 && !JS_IsUndefined(argv[1]) && kjs_get_int(ctx, argv[1], "Decoder.decode: ptsUs", 0, INT64_C(1) << 53, &pts) < 0)
    return JS_EXCEPTION;
  if (argc > 2 && !JS_IsUndefined(argv[2]) &&
      kjs_get_int(ctx, argv[2], "Decoder.decode: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  /* The bytes are copied into an input block before the call returns. */
  int rc = hal_vdec_send_stream(d->h, data, len, (uint64_t)pts, 0, (int)timeout);
  if (rc == HAL_ESTATE) return kjs_throw(ctx, rc, "%s: the decoder is not started (or was ended)", fn);
  return rc ? fail(ctx, rc, fn) : JS_UNDEFINED;
}

/* Send end of stream and wait (bounded) until everything before it was decoded. */
static int dec_finish(media_dec *d, int timeout_ms) {
  if (!d->eos) {
    int rc = hal_vdec_send_stream(d->h, NULL, 0, 0, 1, timeout_ms);
    if (rc && rc != HAL_ESTATE) return rc;
    d->eos = true;
  }
  for (int waited = 0; waited < timeout_ms; waited += 5) {
    hal_vdec_status st;
    if (hal_vdec_status_get(d->h, &st) != 0 || st.end_of_stream) return 0;
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  return HAL_ETIMEDOUT;
}

/* magic 0 endOfStream (flush, keep frames for getFrame), 1 stop */
static JSValue decoder_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic ? "Decoder.stop" : "Decoder.endOfStream";
  media_dec *d = dec_of(ctx, this_val, fn);
  if (!d) return JS_EXCEPTION;
  if (magic == 0) {
    int rc = d->eos ? 0 : hal_vdec_send_stream(d->h, NULL, 0, 0, 1, 10000);
    if (rc && rc != HAL_ESTATE) return fail(ctx, rc, fn);
    d->eos = true;
    return JS_UNDEFINED;
  }
  /* Bound to a display, the frames drain by themselves: wait for them (CanMV stop()). */
  hal_vdec_status st;
  hal_vdec_status_get(d->h, &st);
  bool bound = false;
  for (media_link *l = g_links; l; l = l->next) bound |= chn_eq(&l->src, HAL_MOD_VDEC, 0, d->chn);
  if (bound) dec_finish(d, 10000);
  int rc = hal_vdec_stop(d->h);
  return rc && rc != HAL_ESTATE ? fail(ctx, rc, fn) : JS_UNDEFINED;
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
  if (rc == HAL_ETIMEDOUT || rc == HAL_ESTATE) return JS_NULL;
  if (rc) return fail(ctx, rc, fn);
  return frame_wrap(ctx, f);
}

static JSValue decoder_status(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = dec_of(ctx, this_val, "Decoder.status");
  if (!d) return JS_EXCEPTION;
  hal_vdec_status st;
  int rc = hal_vdec_status_get(d->h, &st);
  if (rc) return fail(ctx, rc, "Decoder.status");
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
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_int(ctx, opts, fn, "x", 0, 0, 4096, &x) < 0 ||
      kjs_opt_int(ctx, opts, fn, "y", 0, 0, 4096, &y) < 0 ||
      kjs_opt_int(ctx, opts, fn, "width", 1920, 16, 8192, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", 1080, 16, 8192, &h) < 0)
    return JS_EXCEPTION;
  hal_bind_info b;
  int rc = hal_vdec_bind_info(d->h, (int)x, (int)y, (uint32_t)w, (uint32_t)h, &b);
  return rc ? fail(ctx, rc, fn) : bind_info_to_js(ctx, &b);
}

static JSValue decoder_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  media_dec *d = JS_GetOpaque2(ctx, this_val, decoder_class_id);
  if (!d) return JS_EXCEPTION;
  dec_close(d);
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
    case 7: return JS_NewBool(ctx, buf_ptr(ctx, fo->buf, &len) == NULL && fo->size);
    default: return JS_NewInt64(ctx, (int64_t)fo->plane1);
  }
}

static JSValue frame_release(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  frame_obj *fo = JS_GetOpaque2(ctx, this_val, frame_class_id);
  if (!fo) return JS_EXCEPTION;
  kjs_lend_revoke(ctx, fo->buf);
  return JS_UNDEFINED;
}

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
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_int(ctx, opts, fn, "width", 0, 0, 4096, &w) < 0 ||
      kjs_opt_int(ctx, opts, fn, "height", 0, 0, 4096, &h) < 0 || kjs_opt_int(ctx, opts, fn, "fps", 0, 0, 200, &fps) < 0 ||
      kjs_opt_int(ctx, opts, fn, "osdNum", 1, 0, 4, &osd) < 0 || kjs_opt_bool(ctx, opts, fn, "toIde", false, &to_ide) < 0)
    return JS_EXCEPTION;
  if (g_disp) return kjs_throw(ctx, HAL_EBUSY, "%s: the display is already initialised (Display.deinit() first)", fn);
  hal_display_config cfg = HAL_DISPLAY_CONFIG_DEFAULT;
  cfg.type = tvals[type];
  cfg.width = (uint32_t)w;
  cfg.height = (uint32_t)h;
  cfg.fps = (uint32_t)fps;
  cfg.osd_num = (uint32_t)osd;
  int rc = hal_display_init(&cfg, &g_disp);
  if (rc) {
    g_disp = 0;
    return kjs_throw(ctx, rc, "%s: cannot bring up %s %ux%u: %s", fn, types[type], cfg.width, cfg.height, hal_strerror(rc));
  }
  return JS_UNDEFINED;
}

static int disp_need(JSContext *ctx, const char *fn) {
  if (g_disp) return 0;
  kjs_throw(ctx, HAL_ESTATE, "%s: the display is not initialised (Display.init first)", fn);
  return -1;
}

static JSValue display_deinit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  if (!g_disp) return JS_UNDEFINED;
  unbind_touching(HAL_MOD_DISPLAY, 0, -1);
  int rc = hal_display_deinit(g_disp);
  g_disp = 0;
  return rc && rc != HAL_ECLOSED ? fail(ctx, rc, "Display.deinit") : JS_UNDEFINED;
}

static int layer_cfg_from(JSContext *ctx, JSValueConst opts, const char *fn, hal_display_layer_config *lc) {
  JSValue rect = JS_GetPropertyStr(ctx, opts, "rect");
  int64_t x, y, w, h, alpha;
  hal_pixfmt fmt;
  int r = kjs_check_options(ctx, rect, fn) < 0 || kjs_opt_int(ctx, rect, fn, "x", 0, -4096, 4096, &x) < 0 ||
          kjs_opt_int(ctx, rect, fn, "y", 0, -4096, 4096, &y) < 0 ||
          kjs_opt_int(ctx, rect, fn, "width", 0, 0, 8192, &w) < 0 ||
          kjs_opt_int(ctx, rect, fn, "height", 0, 0, 8192, &h) < 0;
  JS_FreeValue(ctx, rect);
  if (r || pixfmt_from(ctx, opts, fn, "pixFormat", lc->format, &fmt) < 0 ||
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
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {src, rect, pixFormat, layer} must be an object", fn);
  int layer;
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  hal_chn src;
  JSValue srcv = JS_GetPropertyStr(ctx, opts, "src");
  int r = chn_from_js(ctx, srcv, fn, &src);
  JS_FreeValue(ctx, srcv);
  if (r < 0 || layer_from(ctx, opts, fn, 0, &layer) < 0 || layer_cfg_from(ctx, opts, fn, &lc) < 0) return JS_EXCEPTION;
  int rc = hal_display_layer_set(g_disp, (hal_display_layer)layer, &lc);
  if (rc) return kjs_throw(ctx, rc, "%s: layer %s cannot show %s: %s", fn, layer_names[layer], hal_pixfmt_name(lc.format), hal_strerror(rc));
  unbind_touching(HAL_MOD_DISPLAY, 0, layer);
  hal_chn dst = {HAL_MOD_DISPLAY, 0, layer};
  media_link *l;
  rc = media_link_make(&src, &dst, &l);
  if (rc) return kjs_throw(ctx, rc, "%s: cannot bind %s %d/%d to layer %s: %s", fn, mod_names[src.mod - 1], src.dev, src.chn,
                           layer_names[layer], hal_strerror(rc));
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
  unbind_touching(HAL_MOD_DISPLAY, 0, layer);
  if (g_disp) hal_display_layer_disable(g_disp, (hal_display_layer)layer);
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
    if (!JS_IsObject(img)) return JS_ThrowTypeError(ctx, "%s: image must be a Frame or {width, height, format, data}", fn);
    int64_t w, h;
    hal_pixfmt fmt;
    if (kjs_opt_int(ctx, img, fn, "width", 0, 1, 8192, &w) < 0 || kjs_opt_int(ctx, img, fn, "height", 0, 1, 8192, &h) < 0 ||
        pixfmt_from(ctx, img, fn, "format", HAL_PIXFMT_ARGB8888, &fmt) < 0)
      return JS_EXCEPTION;
    JSValue dv = JS_GetPropertyStr(ctx, img, "data");
    int r = kjs_get_bytes(ctx, dv, "Display.showImage: image.data", &data, &len);
    JS_FreeValue(ctx, dv);
    if (r < 0) return JS_EXCEPTION;
    size_t need = hal_pixfmt_size(fmt, (uint32_t)w, (uint32_t)h);
    if (!need || len < need) return JS_ThrowRangeError(ctx, "%s: image.data has %zu bytes, %ux%u %s needs %zu", fn, len, (unsigned)w, (unsigned)h, hal_pixfmt_name(fmt), need);
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
  if (kjs_check_options(ctx, opts, fn) < 0 || layer_from(ctx, opts, fn, HAL_LAYER_OSD0, &layer) < 0 ||
      kjs_opt_int(ctx, opts, fn, "x", 0, -4096, 4096, &x) < 0 || kjs_opt_int(ctx, opts, fn, "y", 0, -4096, 4096, &y) < 0)
    return JS_EXCEPTION;
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  lc.x = (int)x;
  lc.y = (int)y;
  lc.width = f.width;
  lc.height = f.height;
  lc.format = f.format;
  int rc = hal_display_layer_set(g_disp, (hal_display_layer)layer, &lc);
  if (!rc) rc = hal_display_show(g_disp, (hal_display_layer)layer, &f);
  return rc ? kjs_throw(ctx, rc, "%s: layer %s: %s", fn, layer_names[layer], hal_strerror(rc)) : JS_UNDEFINED;
}

static JSValue display_writeback(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Display.writeback";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  hal_frame *f;
  int rc = hal_display_writeback(g_disp, &f);
  if (rc == HAL_EAGAIN) return JS_NULL;
  return rc ? fail(ctx, rc, fn) : frame_wrap(ctx, f);
}

static JSValue display_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  static const char fn[] = "Display.info";
  if (disp_need(ctx, fn) < 0) return JS_EXCEPTION;
  hal_display_info di;
  int rc = hal_display_info_get(g_disp, &di);
  if (rc) return fail(ctx, rc, fn);
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
  return JS_NewBool(ctx, g_disp != 0);
}

/* ---- MediaManager ---- */

static JSValue mm_noop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) { return JS_UNDEFINED; }

static JSValue mm_link(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "MediaManager.link";
  hal_chn src, dst;
  if (argc < 2) return JS_ThrowTypeError(ctx, "%s(src, dst) needs two channels", fn);
  if (chn_from_js(ctx, argv[0], fn, &src) < 0 || chn_from_js(ctx, argv[1], fn, &dst) < 0) return JS_EXCEPTION;
  link_obj *lo = calloc(1, sizeof *lo);
  if (!lo) return JS_ThrowOutOfMemory(ctx);
  int rc = media_link_make(&src, &dst, &lo->l);
  if (rc) {
    free(lo);
    return kjs_throw(ctx, rc, "%s: cannot bind %s %d/%d to %s %d/%d: %s", fn, src.mod ? mod_names[src.mod - 1] : "?", src.dev,
                     src.chn, dst.mod ? mod_names[dst.mod - 1] : "?", dst.dev, dst.chn, hal_strerror(rc));
  }
  lo->l->refs++;
  JSValue obj = new_obj(ctx, JS_UNDEFINED, link_class_id, lo);
  if (JS_IsException(obj)) {
    link_unbind(lo->l);
    link_unref(lo->l);
    free(lo);
  }
  return obj;
}

static JSValue link_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  link_obj *lo = JS_GetOpaque2(ctx, this_val, link_class_id);
  if (!lo) return JS_EXCEPTION;
  link_unbind(lo->l);
  return JS_UNDEFINED;
}

static JSValue link_get_closed(JSContext *ctx, JSValueConst this_val) {
  link_obj *lo = JS_GetOpaque2(ctx, this_val, link_class_id);
  return lo ? JS_NewBool(ctx, !lo->l->h) : JS_EXCEPTION;
}

static JSValue mm_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  if (argc < 1 || !JS_GetOpaque(argv[0], link_class_id)) return JS_ThrowTypeError(ctx, "MediaManager.unlink: expects a Link");
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

/* Revoke everything lent to JS, then release everything the app holds. */
static int media_reset(void) {
  for (media_enc *e = g_encs; e; e = e->next) {
    enc_break_pipes(e, NULL);
    enc_revoke_streams(e);
  }
  while (g_frames) {
    lent_frame *lf = g_frames;
    kjs_lend_revoke(lf->ctx, lf->buf); /* unlinks lf */
    if (g_frames == lf) g_frames = lf->next; /* already detached elsewhere: never */
  }
  for (media_link *l = g_links, *next; l; l = next) {
    next = l->next;
    l->h = 0;
    link_unref(l);
  }
  g_links = NULL;
  int n = hal_reset_all();
  for (media_enc *e = g_encs; e; e = e->next) e->h = 0;
  g_disp = 0;
  g_gen++;
  return n;
}

void kjs_media_reset(void) { media_reset(); }

static JSValue mm_reset(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return JS_NewInt32(ctx, media_reset());
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
  int rc = hal_vb_pool_create(&cfg, &po->h);
  if (rc) {
    free(po);
    return fail(ctx, rc, fn);
  }
  JSValue obj = new_obj(ctx, JS_UNDEFINED, pool_class_id, po);
  if (JS_IsException(obj)) {
    hal_vb_pool_destroy(po->h);
    free(po);
  }
  return obj;
}

static JSValue pool_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  pool_obj *po = JS_GetOpaque2(ctx, this_val, pool_class_id);
  if (!po) return JS_EXCEPTION;
  if (!po->h) return JS_UNDEFINED;
  int rc = hal_vb_pool_destroy(po->h);
  if (rc && rc != HAL_ECLOSED) return kjs_throw(ctx, rc, "VBPool.destroy: %s (destroy its buffers first)", hal_strerror(rc));
  po->h = 0;
  return JS_UNDEFINED;
}

static void block_returned(JSRuntime *rt, void *opaque) { (void)rt, (void)opaque; }

static JSValue pool_get(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "VBPool.get";
  pool_obj *po = JS_GetOpaque2(ctx, this_val, pool_class_id);
  if (!po) return JS_EXCEPTION;
  if (!po->h) return closed(ctx, fn, "pool");
  int64_t size = 0;
  if (argc > 0 && !JS_IsUndefined(argv[0]) && kjs_get_int(ctx, argv[0], "VBPool.get: size", 0, INT64_C(1) << 30, &size) < 0)
    return JS_EXCEPTION;
  block_obj *bo = calloc(1, sizeof *bo);
  if (!bo) return JS_ThrowOutOfMemory(ctx);
  int rc = hal_vb_block_get(po->h, (size_t)size, &bo->h);
  hal_vb_block_info bi;
  if (!rc) rc = hal_vb_block_info_get(bo->h, &bi);
  if (rc) {
    free(bo);
    return fail(ctx, rc, fn);
  }
  bo->gen = g_gen;
  bo->buf = kjs_lend_buffer(ctx, bi.virt, bi.size, JS_UNDEFINED, block_returned, NULL);
  JSValue obj = new_obj(ctx, JS_UNDEFINED, block_class_id, bo);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, bo->buf);
    hal_vb_block_release(bo->h);
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
  if (bo->gen == g_gen) hal_vb_block_release(bo->h);
  bo->h = 0;
  return JS_UNDEFINED;
}

/* ---- MediaFile: binary file reads for streaming apps (paths through kjs_path_map) ---- */

static JSValue open_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "openFile";
  const char *path = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (!path) return JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
  const char *mode = argc > 1 && JS_IsString(argv[1]) ? JS_ToCString(ctx, argv[1]) : NULL;
  const char *m = mode && strcmp(mode, "w") == 0 ? "wb" : mode && strcmp(mode, "a") == 0 ? "ab" : "rb";
  if (mode && strcmp(mode, "r") && strcmp(mode, "w") && strcmp(mode, "a")) {
    JS_FreeCString(ctx, path);
    JS_FreeCString(ctx, mode);
    return JS_ThrowRangeError(ctx, "%s: mode must be \"r\", \"w\" or \"a\"", fn);
  }
  JS_FreeCString(ctx, mode);
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  FILE *f = rc ? NULL : fopen(host, m);
  if (!f) {
    JSValue e = kjs_throw(ctx, rc ? rc : HAL_ENOENT, "%s: cannot open '%s'", fn, path);
    JS_FreeCString(ctx, path);
    return e;
  }
  JS_FreeCString(ctx, path);
  file_obj *fo = calloc(1, sizeof *fo);
  if (!fo) {
    fclose(f);
    return JS_ThrowOutOfMemory(ctx);
  }
  fo->f = f;
  JSValue obj = new_obj(ctx, JS_UNDEFINED, file_class_id, fo);
  if (JS_IsException(obj)) {
    fclose(f);
    free(fo);
  }
  return obj;
}

static JSValue file_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (!fo->f) return closed(ctx, "MediaFile.read", "file");
  int64_t n;
  if (argc < 1 || kjs_get_int(ctx, argv[0], "MediaFile.read: size", 1, 64 << 20, &n) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.read(size) needs a size") : JS_EXCEPTION;
  uint8_t *buf = malloc((size_t)n);
  if (!buf) return JS_ThrowOutOfMemory(ctx);
  size_t got = fread(buf, 1, (size_t)n, fo->f);
  JSValue r = got ? JS_NewArrayBufferCopy(ctx, buf, got) : JS_NULL;
  free(buf);
  return r;
}

static JSValue file_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (!fo->f) return closed(ctx, "MediaFile.write", "file");
  const uint8_t *data;
  size_t len;
  if (argc < 1 || kjs_get_bytes(ctx, argv[0], "MediaFile.write: data", &data, &len) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.write(data) needs data") : JS_EXCEPTION;
  if (fwrite(data, 1, len, fo->f) != len) return kjs_throw(ctx, HAL_EIO, "MediaFile.write: write failed");
  return JS_UNDEFINED;
}

static JSValue file_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (fo->f) fclose(fo->f);
  fo->f = NULL;
  return JS_UNDEFINED;
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
    JS_CFUNC_MAGIC_DEF("width", 1, sensor_get_prop, 0),
    JS_CFUNC_MAGIC_DEF("height", 1, sensor_get_prop, 1),
    JS_CFUNC_MAGIC_DEF("fps", 0, sensor_get_prop, 2),
    JS_CFUNC_MAGIC_DEF("id", 0, sensor_get_prop, 3),
    JS_CFUNC_DEF("close", 0, sensor_close_js),
    JS_CGETSET_DEF("closed", sensor_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Sensor", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry sensor_static[] = {
    JS_PROP_STRING_DEF("YUV420SP", "NV12", 0),   JS_PROP_STRING_DEF("NV12", "NV12", 0),
    JS_PROP_STRING_DEF("RGB888", "RGB888", 0),   JS_PROP_STRING_DEF("RGB565", "RGB565", 0),
    JS_PROP_STRING_DEF("GRAYSCALE", "GRAYSCALE", 0), JS_PROP_STRING_DEF("ARGB8888", "ARGB8888", 0),
    JS_PROP_INT32_DEF("CAM_CHN_ID_0", 0, 0),     JS_PROP_INT32_DEF("CAM_CHN_ID_1", 1, 0),
    JS_PROP_INT32_DEF("CAM_CHN_ID_2", 2, 0),
};

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
    JS_PROP_STRING_DEF("PAYLOAD_TYPE_H264", "h264", 0),   JS_PROP_STRING_DEF("PAYLOAD_TYPE_H265", "h265", 0),
    JS_PROP_STRING_DEF("PAYLOAD_TYPE_JPEG", "jpeg", 0),   JS_PROP_STRING_DEF("H264_PROFILE_BASELINE", "baseline", 0),
    JS_PROP_STRING_DEF("H264_PROFILE_MAIN", "main", 0),   JS_PROP_STRING_DEF("H264_PROFILE_HIGH", "high", 0),
    JS_PROP_STRING_DEF("H265_PROFILE_MAIN", "main", 0),   JS_PROP_STRING_DEF("STREAM_TYPE_HEADER", "header", 0),
    JS_PROP_STRING_DEF("STREAM_TYPE_I", "i", 0),          JS_PROP_STRING_DEF("STREAM_TYPE_P", "p", 0),
    JS_PROP_INT32_DEF("VENC_CHN_ID_0", 0, 0),             JS_PROP_INT32_DEF("VENC_CHN_ID_1", 1, 0),
    JS_PROP_INT32_DEF("VENC_CHN_ID_2", 2, 0),             JS_PROP_INT32_DEF("VENC_CHN_ID_3", 3, 0),
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

static const JSCFunctionListEntry file_proto_funcs[] = {
    JS_CFUNC_DEF("read", 1, file_read),
    JS_CFUNC_DEF("write", 1, file_write),
    JS_CFUNC_DEF("close", 0, file_close),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "MediaFile", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry module_funcs[] = {
    JS_CFUNC_DEF("openFile", 2, open_file),
    JS_PROP_INT32_DEF("STREAM_SIZE", 40960, 0),
};

/* ---- init ---- */

#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

static JSValue make_class(JSContext *ctx, JSClassID *id, const JSClassDef *def, JSCFunction *ctor,
                          const JSCFunctionListEntry *funcs, int nfuncs) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  JS_NewClassID(rt, id);
  if (!JS_IsRegisteredClass(rt, *id)) JS_NewClass(rt, *id, def);
  JSValue proto = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, proto, funcs, nfuncs);
  JS_SetClassProto(ctx, *id, JS_DupValue(ctx, proto));
  if (!ctor) {
    JS_FreeValue(ctx, proto);
    return JS_UNDEFINED;
  }
  JSValue cls = JS_NewCFunction2(ctx, ctor, def->class_name, 1, JS_CFUNC_constructor, 0);
  JS_SetConstructor(ctx, cls, proto);
  JS_FreeValue(ctx, proto);
  return cls;
}

static JSValue no_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return JS_ThrowTypeError(ctx, "this class has only static methods");
}

static int media_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue sensor = make_class(ctx, &sensor_class_id, &sensor_class, sensor_ctor, sensor_proto_funcs, COUNT(sensor_proto_funcs));
  JS_SetPropertyFunctionList(ctx, sensor, sensor_static, COUNT(sensor_static));
  JSValue encoder = make_class(ctx, &encoder_class_id, &encoder_class, encoder_ctor, encoder_proto_funcs, COUNT(encoder_proto_funcs));
  JS_SetPropertyFunctionList(ctx, encoder, encoder_static, COUNT(encoder_static));
  JSValue decoder = make_class(ctx, &decoder_class_id, &decoder_class, decoder_ctor, decoder_proto_funcs, COUNT(decoder_proto_funcs));
  make_class(ctx, &stream_class_id, &stream_class, NULL, stream_proto_funcs, COUNT(stream_proto_funcs));
  make_class(ctx, &pipe_class_id, &pipe_class, NULL, pipe_proto_funcs, COUNT(pipe_proto_funcs));
  make_class(ctx, &frame_class_id, &frame_class, NULL, frame_proto_funcs, COUNT(frame_proto_funcs));
  make_class(ctx, &link_class_id, &link_class, NULL, link_proto_funcs, COUNT(link_proto_funcs));
  make_class(ctx, &pool_class_id, &pool_class, NULL, pool_proto_funcs, COUNT(pool_proto_funcs));
  make_class(ctx, &block_class_id, &block_class, NULL, block_proto_funcs, COUNT(block_proto_funcs));
  make_class(ctx, &file_class_id, &file_class, NULL, file_proto_funcs, COUNT(file_proto_funcs));
  JSValue null_sink = make_class(ctx, &null_sink_class_id, &null_sink_class, null_sink_ctor, null_sink_proto_funcs,
                                 COUNT(null_sink_proto_funcs));

  JSValue display = JS_NewCFunction2(ctx, no_ctor, "Display", 0, JS_CFUNC_constructor, 0);
  JS_SetPropertyFunctionList(ctx, display, display_static, COUNT(display_static));
  JSValue mm = JS_NewCFunction2(ctx, no_ctor, "MediaManager", 0, JS_CFUNC_constructor, 0);
  JS_SetPropertyFunctionList(ctx, mm, mm_static, COUNT(mm_static));
  JSValue vbpool = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, vbpool, "create", JS_NewCFunction(ctx, pool_create, "create", 2));
  JS_SetPropertyStr(ctx, mm, "VBPool", vbpool);

  JS_SetModuleExport(ctx, m, "Sensor", sensor);
  JS_SetModuleExport(ctx, m, "Encoder", encoder);
  JS_SetModuleExport(ctx, m, "Decoder", decoder);
  JS_SetModuleExport(ctx, m, "Display", display);
  JS_SetModuleExport(ctx, m, "MediaManager", mm);
  JS_SetModuleExport(ctx, m, "NullSink", null_sink);
  return JS_SetModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
}

static void reset_at_exit(void) { media_reset(); }

JSModuleDef *kjs_mod_media_init(JSContext *ctx, const char *name) {
  static bool registered;
  if (!registered) {
    registered = true;
    atexit(reset_at_exit); /* process end: stop the HAL threads before the process unwinds */
    kjs_media_sink_register(null_sink_getter);
  }
  JSModuleDef *m = JS_NewCModule(ctx, name, media_module_init);
  if (!m) return NULL;
  const char *names[] = {"Sensor", "Encoder", "Decoder", "Display", "MediaManager", "NullSink"};
  for (int i = 0; i < COUNT(names); i++) JS_AddModuleExport(ctx, m, names[i]);
  JS_AddModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
  return m;
}
