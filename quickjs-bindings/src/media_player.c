/*
 * k230:media Player — CanMV's media.player: an MP4 (H.264/H.265 + G.711) played on the display
 * and the speaker by one object. The engine (player.c) does the per-frame work on C threads;
 * this file is its JS face: load/start/pause/resume/seek/stop, "position" events from a loop
 * timer and "eos"/"error" posted from the engine. A playing Player keeps the app running.
 * Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "kjs/events.h"
#include "media_internal.h"
#include "player.h"

/* ---- private struct ---- */

enum { EV_EOS, EV_ERROR, EV_POSITION, EV_COUNT };
static const char *const event_names[] = {"eos", "error", "position", NULL};
static const char *const state_names[] = {"loaded", "playing", "paused", "ended"};

typedef struct js_player {
  player *p;   /* NULL before load() and after close() */
  uint32_t id; /* the engine's events find their Player by id in ms->players */
  media_state *ms;
  JSContext *ctx;
  kjs_loop *loop;
  JSValue self; /* not owned */
  kjs_events listeners;
  char *path;
  /* options */
  int display_type;
  hal_display_layer layer;
  bool audio;
  bool to_ide; /* the display it brings up goes to the preview on the link */
  uint32_t position_ms;
  /* start() .. the end or stop(): holds a reference on the loop */
  bool playing;
  bool own_display; /* the Player brought the display up: it takes it down at stop() */
  uint64_t pos_timer;
  struct js_player *next;
} js_player;

/* ---- class id ---- */

static JSClassID player_class_id;

/* ---- close / finalize ---- */

static void player_unlist(js_player *jp) {
  for (js_player **pp = &jp->ms->players; *pp; pp = &(*pp)->next)
    if (*pp == jp) {
      *pp = jp->next;
      break;
    }
}

/* Stops playback and releases what it holds; never runs JS. */
static void jp_stop(js_player *jp) {
  if (jp->p) player_stop(jp->p);
  if (jp->pos_timer) kjs_loop_timer_cancel(jp->loop, jp->pos_timer);
  jp->pos_timer = 0;
  if (jp->playing) kjs_loop_unref(jp->loop);
  jp->playing = false;
  if (jp->own_display) media_display_down(jp->ms);
  jp->own_display = false;
}

void media_players_stop(media_state *ms) {
  for (js_player *jp = ms->players; jp; jp = jp->next) jp_stop(jp);
}

static void player_finalizer(JSRuntime *rt, JSValueConst val) {
  js_player *jp = JS_GetOpaque(val, player_class_id);
  if (!jp) return;
  jp_stop(jp);
  player_close(jp->p);
  player_unlist(jp);
  kjs_events_free(rt, &jp->listeners);
  free(jp->path);
  free(jp);
}

/* ---- gc_mark ---- */

static void player_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_player *jp = JS_GetOpaque(val, player_class_id);
  if (jp) kjs_events_mark(rt, &jp->listeners, mark_func);
}

/* ---- JSClassDef ---- */

static const JSClassDef player_class = {"Player", .finalizer = player_finalizer, .gc_mark = player_gc_mark};

/* ---- helpers ---- */

static js_player *jp_of(JSContext *ctx, JSValueConst this_val, const char *fn, bool loaded) {
  js_player *jp = JS_GetOpaque2(ctx, this_val, player_class_id);
  if (jp && loaded && !jp->p) {
    kjs_throw(ctx, ERR_ESTATE, "%s: nothing is loaded (load(path) first)", fn);
    return NULL;
  }
  return jp;
}

static JSValue info_obj(JSContext *ctx, const player_info *in) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "duration", JS_NewFloat64(ctx, (double)in->duration_us / 1e6));
  if (in->has_video) {
    JSValue v = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, v, "codec", JS_NewString(ctx, mp4_codec_name(in->vcodec)));
    JS_SetPropertyStr(ctx, v, "width", JS_NewInt32(ctx, in->width));
    JS_SetPropertyStr(ctx, v, "height", JS_NewInt32(ctx, in->height));
    JS_SetPropertyStr(ctx, o, "video", v);
  } else {
    JS_SetPropertyStr(ctx, o, "video", JS_NULL);
  }
  if (in->has_audio) {
    JSValue a = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, a, "codec", JS_NewString(ctx, mp4_codec_name(in->acodec)));
    JS_SetPropertyStr(ctx, a, "sampleRate", JS_NewInt32(ctx, in->rate));
    JS_SetPropertyStr(ctx, a, "channels", JS_NewInt32(ctx, in->channels));
    JS_SetPropertyStr(ctx, o, "audio", a);
  } else {
    JS_SetPropertyStr(ctx, o, "audio", JS_NULL);
  }
  JS_SetPropertyStr(ctx, o, "warning", JS_NewString(ctx, in->warning));
  return o;
}

static void emit_position(js_player *jp) {
  JSContext *ctx = jp->ctx;
  if (!jp->listeners.counts[EV_POSITION] || !jp->p) return;
  JSValue ev = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, ev, "type", JS_NewString(ctx, "position"));
  JS_SetPropertyStr(ctx, ev, "position", JS_NewFloat64(ctx, (double)player_position_us(jp->p) / 1e6));
  JSValue self = JS_DupValue(ctx, jp->self);
  kjs_events_emit(ctx, &jp->listeners, EV_POSITION, self, ev);
  JS_FreeValue(ctx, self);
  JS_FreeValue(ctx, ev);
}

static void on_pos_timer(kjs_loop *loop, uint64_t id, void *user) {
  js_player *jp = user;
  jp->pos_timer = 0;
  if (!jp->playing) return;
  jp->pos_timer = kjs_loop_timer_start(loop, jp->position_ms, on_pos_timer, jp);
  emit_position(jp);
}

/* Loop thread: the engine reached the end (or failed). user = id << 1 | player_event. */
static void on_engine_event(kjs_loop *loop, void *user) {
  uint32_t id = (uint32_t)((uintptr_t)user >> 1);
  player_event ev = (player_event)((uintptr_t)user & 1);
  js_player *jp = media_state_loop(loop)->players;
  while (jp && jp->id != id) jp = jp->next;
  if (!jp || !jp->playing || !jp->p) return;
  JSContext *ctx = jp->ctx;
  player_stats st;
  player_stats_get(jp->p, &st);
  if (st.state != PLAYER_ENDED) return; /* a seek restarted it meanwhile */
  emit_position(jp);
  /* The threads idle with the last picture on screen until stop(), or a seek plays again. */
  if (jp->pos_timer) kjs_loop_timer_cancel(loop, jp->pos_timer);
  jp->pos_timer = 0;
  jp->playing = false;
  kjs_loop_unref(loop);
  JSValue evo;
  if (ev == PLAYER_EV_ERROR) {
    kjs_throw(ctx, st.error, "Player: %s", st.error_text);
    evo = JS_GetException(ctx);
  } else {
    evo = JS_NewObject(ctx);
  }
  JS_SetPropertyStr(ctx, evo, "type", JS_NewString(ctx, event_names[ev == PLAYER_EV_ERROR ? EV_ERROR : EV_EOS]));
  JS_SetPropertyStr(ctx, evo, "position", JS_NewFloat64(ctx, (double)player_position_us(jp->p) / 1e6));
  JSValue self = JS_DupValue(ctx, jp->self);
  kjs_events_emit(ctx, &jp->listeners, ev == PLAYER_EV_ERROR ? EV_ERROR : EV_EOS, self, evo);
  JS_FreeValue(ctx, self);
  JS_FreeValue(ctx, evo);
}

/* Engine thread: hands the event to the loop. The Player outlives the engine's threads. */
static void engine_event(void *user, player_event ev) {
  js_player *jp = user;
  kjs_loop_post(jp->loop, on_engine_event, (void *)(uintptr_t)(jp->id << 1 | (uint32_t)ev));
}

static void begin_playing(js_player *jp) {
  if (jp->playing) return;
  jp->playing = true;
  kjs_loop_ref(jp->loop);
  jp->pos_timer = kjs_loop_timer_start(jp->loop, jp->position_ms, on_pos_timer, jp);
}

/* ---- constructor ---- */

static JSValue player_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new Player";
  static const char *const types[] = {"VIRT", "ST7701", "LT9611", NULL};
  static const char *const layers[] = {"video1", "video2", "video3", NULL};
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  int type, layer;
  bool to_ide, audio;
  int64_t pos_ms;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("display", "toIde", "layer", "audio", "positionIntervalMs")) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "display", types, 0, &type) < 0 ||
      kjs_opt_bool(ctx, opts, fn, "toIde", false, &to_ide) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "layer", layers, 0, &layer) < 0 ||
      kjs_opt_bool(ctx, opts, fn, "audio", true, &audio) < 0 ||
      kjs_opt_int(ctx, opts, fn, "positionIntervalMs", 1000, 20, 3600000, &pos_ms) < 0)
    return JS_EXCEPTION;
  js_player *jp = calloc(1, sizeof *jp);
  if (!jp) return JS_ThrowOutOfMemory(ctx);
  static const hal_display_type tvals[] = {HAL_DISPLAY_VIRT, HAL_DISPLAY_ST7701, HAL_DISPLAY_LT9611};
  jp->display_type = tvals[type];
  jp->layer = (hal_display_layer)(HAL_LAYER_VIDEO1 + layer);
  jp->audio = audio;
  jp->to_ide = to_ide;
  jp->position_ms = (uint32_t)pos_ms;
  jp->ctx = ctx;
  jp->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  jp->ms = media_state_of(ctx);
  jp->id = jp->ms->next_player_id++;
  if (kjs_events_init(ctx, &jp->listeners, event_names) < 0) {
    kjs_events_free(JS_GetRuntime(ctx), &jp->listeners);
    free(jp);
    return JS_EXCEPTION;
  }
  JSValue obj = media_new_obj(ctx, new_target, player_class_id, jp);
  if (JS_IsException(obj)) {
    kjs_events_free(JS_GetRuntime(ctx), &jp->listeners);
    free(jp);
    return obj;
  }
  jp->self = obj;
  jp->next = jp->ms->players;
  jp->ms->players = jp;
  return obj;
}

/* ---- methods ---- */

static JSValue player_load(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Player.load";
  js_player *jp = jp_of(ctx, this_val, fn, false);
  if (!jp) return JS_EXCEPTION;
  const char *path = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (!path) return JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
  char host[PATH_MAX], why[256] = "";
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  player *p = NULL;
  if (!rc) rc = player_open(&p, host, why, sizeof why);
  if (rc) {
    JSValue e = kjs_throw(ctx, rc, "%s: '%s': %s", fn, path, why[0] ? why : err_str(rc));
    JS_FreeCString(ctx, path);
    return e;
  }
  jp_stop(jp);
  player_close(jp->p);
  jp->p = p;
  free(jp->path);
  jp->path = strdup(path);
  JS_FreeCString(ctx, path);
  return info_obj(ctx, player_get_info(p));
}

static JSValue player_start_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Player.start";
  js_player *jp = jp_of(ctx, this_val, fn, true);
  if (!jp) return JS_EXCEPTION;
  player_stats st;
  player_stats_get(jp->p, &st);
  if (st.state != PLAYER_LOADED) return kjs_throw(ctx, ERR_ESTATE, "%s: already started (stop() first)", fn);
  const player_info *in = player_get_info(jp->p);
  if (in->has_video && !jp->ms->disp) {
    /* CanMV's Player brings the display up itself: the virtual one at the video's size. */
    hal_display_config dc = HAL_DISPLAY_CONFIG_DEFAULT;
    dc.type = (hal_display_type)jp->display_type;
    if (dc.type == HAL_DISPLAY_VIRT) {
      dc.width = (uint32_t)(in->width + 7) / 8 * 8;
      dc.height = (uint32_t)in->height;
    }
    int rc = media_display_up(jp->ms, &dc, jp->to_ide);
    if (rc) return kjs_throw(ctx, rc, "%s: cannot bring up the display: %s", fn, err_str(rc));
    jp->own_display = true;
  }
  if (jp->ms->disp) media_unbind_touching(jp->ms, HAL_MOD_DISPLAY, 0, jp->layer);
  player_config cfg = {jp->ms->disp, jp->layer, jp->audio, engine_event, jp};
  char why[256] = "";
  int rc = player_start(jp->p, &cfg, why, sizeof why);
  if (rc) {
    jp_stop(jp);
    return kjs_throw(ctx, rc, "%s: %s", fn, why[0] ? why : err_str(rc));
  }
  begin_playing(jp);
  return JS_UNDEFINED;
}

/* magic 0 pause, 1 resume */
static JSValue player_pause_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic ? "Player.resume" : "Player.pause";
  js_player *jp = jp_of(ctx, this_val, fn, true);
  if (!jp) return JS_EXCEPTION;
  int rc = magic ? player_resume(jp->p) : player_pause(jp->p);
  return rc ? kjs_throw(ctx, rc, "%s: not started (start() first)", fn) : JS_UNDEFINED;
}

static JSValue player_seek_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "Player.seek";
  js_player *jp = jp_of(ctx, this_val, fn, true);
  if (!jp) return JS_EXCEPTION;
  double s;
  if (argc < 1 || !JS_IsNumber(argv[0])) return JS_ThrowTypeError(ctx, "%s: seconds must be a number", fn);
  JS_ToFloat64(ctx, &s, argv[0]);
  double dur = (double)player_get_info(jp->p)->duration_us / 1e6;
  if (!(s >= 0 && s <= dur))
    return JS_ThrowRangeError(ctx, "%s: seconds must be from 0 to the duration %.3f, got %g", fn, dur, s);
  player_seek(jp->p, (int64_t)(s * 1e6 + 0.5));
  player_stats st;
  player_stats_get(jp->p, &st);
  if (st.state != PLAYER_LOADED) begin_playing(jp); /* after the end, a seek plays again */
  return JS_UNDEFINED;
}

/* magic 0 stop, 1 close */
static JSValue player_stop_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  js_player *jp = jp_of(ctx, this_val, magic ? "Player.close" : "Player.stop", false);
  if (!jp) return JS_EXCEPTION;
  jp_stop(jp);
  if (magic) {
    player_close(jp->p);
    jp->p = NULL;
  }
  return JS_UNDEFINED;
}

static JSValue player_stats_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_player *jp = jp_of(ctx, this_val, "Player.stats", true);
  if (!jp) return JS_EXCEPTION;
  player_stats st;
  player_stats_get(jp->p, &st);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "state", JS_NewString(ctx, state_names[st.state]));
  JS_SetPropertyStr(ctx, o, "framesDecoded", JS_NewInt64(ctx, (int64_t)st.frames_decoded));
  JS_SetPropertyStr(ctx, o, "framesShown", JS_NewInt64(ctx, (int64_t)st.frames_shown));
  JS_SetPropertyStr(ctx, o, "framesDropped", JS_NewInt64(ctx, (int64_t)st.frames_dropped));
  JS_SetPropertyStr(ctx, o, "decodeErrors", JS_NewInt64(ctx, (int64_t)st.decode_errors));
  JS_SetPropertyStr(ctx, o, "audioSamples", JS_NewInt64(ctx, (int64_t)st.audio_samples));
  JS_SetPropertyStr(ctx, o, "clock", JS_NewString(ctx, st.audio_clock ? "audio" : "system"));
  JS_SetPropertyStr(ctx, o, "lastShown",
                    st.last_shown_us < 0 ? JS_NULL : JS_NewFloat64(ctx, (double)st.last_shown_us / 1e6));
  return o;
}

static JSValue player_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  js_player *jp = jp_of(ctx, this_val, "Player.on", false);
  if (!jp) return JS_EXCEPTION;
  return kjs_events_on(ctx, &jp->listeners, this_val, argc, argv, magic ? "Player.off" : "Player.on", magic);
}

/* ---- getters ---- */

/* magic 0 position, 1 duration, 2 state, 3 info, 4 path */
static JSValue player_get(JSContext *ctx, JSValueConst this_val, int magic) {
  js_player *jp = jp_of(ctx, this_val, "Player", false);
  if (!jp) return JS_EXCEPTION;
  if (!jp->p)
    return magic == 2 ? JS_NewString(ctx, "idle") : magic == 0 || magic == 1 ? JS_NewFloat64(ctx, 0) : JS_NULL;
  player_stats st;
  switch (magic) {
    case 0: return JS_NewFloat64(ctx, (double)player_position_us(jp->p) / 1e6);
    case 1: return JS_NewFloat64(ctx, (double)player_get_info(jp->p)->duration_us / 1e6);
    case 2: player_stats_get(jp->p, &st); return JS_NewString(ctx, state_names[st.state]);
    case 3: return info_obj(ctx, player_get_info(jp->p));
    default: return JS_NewString(ctx, jp->path);
  }
}

/* ---- function lists ---- */

static const JSCFunctionListEntry player_proto_funcs[] = {
    JS_CFUNC_DEF("load", 1, player_load),
    JS_CFUNC_DEF("start", 0, player_start_js),
    JS_CFUNC_MAGIC_DEF("pause", 0, player_pause_js, 0),
    JS_CFUNC_MAGIC_DEF("resume", 0, player_pause_js, 1),
    JS_CFUNC_DEF("seek", 1, player_seek_js),
    JS_CFUNC_MAGIC_DEF("stop", 0, player_stop_js, 0),
    JS_CFUNC_MAGIC_DEF("close", 0, player_stop_js, 1),
    JS_CFUNC_DEF("stats", 0, player_stats_js),
    JS_CFUNC_MAGIC_DEF("on", 2, player_on, 0),
    JS_CFUNC_MAGIC_DEF("off", 2, player_on, 1),
    JS_CGETSET_MAGIC_DEF("position", player_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("duration", player_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("state", player_get, NULL, 2),
    JS_CGETSET_MAGIC_DEF("info", player_get, NULL, 3),
    JS_CGETSET_MAGIC_DEF("path", player_get, NULL, 4),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "Player", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

JSValue media_player_class(JSContext *ctx) {
  return kjs_class_create(ctx, &player_class_id, &player_class, player_ctor, 1, player_proto_funcs,
                          COUNT(player_proto_funcs));
}
