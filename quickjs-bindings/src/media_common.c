/*
 * k230:media — the per-runtime state (kjs/media.h) and the helpers every class shares: errors,
 * channel and bind-info conversions, pixel formats, lent-buffer access. Declared in
 * media_internal.h.
 */

#include "media_internal.h"
#include "base/grow.h"
#include "vm_internal.h"

/* ---- per-runtime state ---- */

/* Runtimes with a media state: the one process-wide fact, the HAL's users (kjs/media.h). */
static atomic_int live_states;

kjs_media_state *kjs_media_state_new(void) {
  media_state *ms = calloc(1, sizeof *ms);
  if (!ms) return NULL;
  ms->gen = 1;
  ms->next_enc_id = ms->next_player_id = ms->next_audio_pipe_id = 1;
  atomic_fetch_add(&live_states, 1);
  return ms;
}

int kjs_media_state_free(kjs_media_state *ms) {
  if (!ms) return 0;
  int n = media_reset(ms);
  atomic_fetch_sub(&live_states, 1);
  free(ms->owned);
  free(ms);
  return n;
}

bool media_state_alone(void) { return atomic_load(&live_states) == 1; }

media_state *media_state_of(JSContext *ctx) { return kjs_vm_media(kjs_vm_from_context(ctx)); }
media_state *media_state_rt(JSRuntime *rt) { return kjs_vm_media(JS_GetRuntimeOpaque(rt)); }
media_state *media_state_loop(kjs_loop *loop) { return kjs_vm_media(kjs_loop_owner(loop)); }

int media_own(media_state *ms, hal_handle h) {
  hal_handle *o = base_grow(ms->owned, &ms->capowned, ms->nowned + 1, sizeof *o, 16);
  if (!o) return ERR_ENOMEM;
  ms->owned = o;
  ms->owned[ms->nowned++] = h;
  return 0;
}

void media_disown(media_state *ms, hal_handle h) {
  for (size_t i = ms->nowned; i-- > 0;)
    if (ms->owned[i] == h) {
      ms->owned[i] = ms->owned[--ms->nowned];
      return;
    }
}

int kjs_media_own(JSRuntime *rt, hal_handle h) { return media_own(media_state_rt(rt), h); }
void kjs_media_disown(JSRuntime *rt, hal_handle h) { media_disown(media_state_rt(rt), h); }

/* ---- shared helpers ---- */

static const char *const pixfmt_names[] = {"NV12", "RGB888", "RGB565", "GRAYSCALE", "ARGB8888", NULL};
const char *const media_mod_names[] = {"sensor", "venc", "vdec", "display", NULL};

JSValue media_fail(JSContext *ctx, int rc, const char *fn) { return kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)); }

JSValue media_closed(JSContext *ctx, const char *fn, const char *what) {
  return kjs_throw(ctx, ERR_ECLOSED, "%s: the %s is closed", fn, what);
}

JSValue media_new_obj(JSContext *ctx, JSValueConst new_target, JSClassID id, void *opaque) {
  JSValue obj = kjs_class_new_instance(ctx, new_target, id);
  if (!JS_IsException(obj)) JS_SetOpaque(obj, opaque);
  return obj;
}

JSValue media_chn_to_js(JSContext *ctx, const hal_chn *c) {
  JSValue o = JS_NewObject(ctx);
  int m = c->mod >= HAL_MOD_SENSOR && c->mod <= HAL_MOD_DISPLAY ? (int)c->mod - 1 : 0;
  JS_SetPropertyStr(ctx, o, "mod", JS_NewString(ctx, media_mod_names[m]));
  JS_SetPropertyStr(ctx, o, "dev", JS_NewInt32(ctx, c->dev));
  JS_SetPropertyStr(ctx, o, "chn", JS_NewInt32(ctx, c->chn));
  return o;
}

int media_chn_from_js(JSContext *ctx, JSValueConst v, const char *fn, hal_chn *out) {
  media_enc *e = JS_GetOpaque(v, encoder_class_id);
  if (e) {
    if (!e->h) {
      media_closed(ctx, fn, "encoder");
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
  if (kjs_opt_enum(ctx, v, fn, "mod", media_mod_names, -1, &mod) < 0 ||
      kjs_opt_int(ctx, v, fn, "dev", 0, 0, 3, &dev) < 0 || kjs_opt_int(ctx, v, fn, "chn", 0, 0, 7, &chn) < 0)
    return -1;
  if (mod < 0) {
    JS_ThrowTypeError(ctx, "%s: channel.mod is required (\"sensor\", \"venc\", \"vdec\" or \"display\")", fn);
    return -1;
  }
  *out = (hal_chn){(hal_mod)(mod + 1), (int)dev, (int)chn};
  return 0;
}

JSValue media_bind_info_to_js(JSContext *ctx, const hal_bind_info *b) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "src", media_chn_to_js(ctx, &b->src));
  JSValue r = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, r, "x", JS_NewInt32(ctx, b->x));
  JS_SetPropertyStr(ctx, r, "y", JS_NewInt32(ctx, b->y));
  JS_SetPropertyStr(ctx, r, "width", JS_NewUint32(ctx, b->width));
  JS_SetPropertyStr(ctx, r, "height", JS_NewUint32(ctx, b->height));
  JS_SetPropertyStr(ctx, o, "rect", r);
  JS_SetPropertyStr(ctx, o, "pixFormat", JS_NewString(ctx, hal_pixfmt_name(b->format)));
  return o;
}

int media_pixfmt_from(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, hal_pixfmt def,
                      hal_pixfmt *out) {
  int i;
  if (kjs_opt_enum(ctx, opts, fn, name, pixfmt_names, (int)def - 1, &i) < 0) return -1;
  *out = (hal_pixfmt)(i + 1);
  return 0;
}

/* The bytes of a lent buffer, or NULL (no exception left pending) once it was released. */
uint8_t *media_buf_ptr(JSContext *ctx, JSValueConst buf, size_t *len) {
  uint8_t *p = JS_GetArrayBuffer(ctx, len, buf);
  if (!p) JS_FreeValue(ctx, JS_GetException(ctx));
  return p;
}
