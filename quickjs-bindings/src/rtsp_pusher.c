/*
 * k230:rtsp RtspPusher — publishing to another RTSP server (rtsp/pusher.h: ANNOUNCE, SETUP
 * mode=record, RECORD, interleaved RTP) from sendVideo/sendAudio or a pipe (kjs/sink.h) — and
 * RtspProbe, the same client viewing a session (DESCRIBE, SETUP, PLAY over TCP or UDP) to count
 * the RTP that arrives. Types and docs: js-lib/types/k230-rtsp.d.ts.
 */
#include <errno.h>

#include "rtsp_internal.h"

/* ---- private struct ---- */

typedef struct js_pusher {
  JSContext *ctx;
  rtsp_js_loop io;
  rtsp_push_conn *c; /* NULL before connect() and once the socket is gone */
  rtsp_pusher_config cfg;
  char url[512], user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX];
  int video, audio;
  int state; /* rtsp_push_state as last reported */
  int fail_status, fail_code, fail_errno;
  char fail_msg[768];
  rtsp_pusher_stats last;           /* kept when the connection is freed */
  JSValue promise, resolve, reject; /* connect()'s; JS_UNDEFINED when none */
  bool settled;
  uint64_t tick_timer, settle_timer;
  kjs_sink_clock clock; /* piped live media on one clock */
} js_pusher;

/* ---- class ids ---- */

JSClassID rtsp_pusher_class_id, rtsp_probe_class_id;

/* The client behind an RtspPusher or an RtspProbe (the probe's methods are a subset). */
static js_pusher *client_of(JSContext *ctx, JSValueConst v) {
  js_pusher *jp = JS_GetOpaque(v, rtsp_probe_class_id);
  return jp ? jp : JS_GetOpaque2(ctx, v, rtsp_pusher_class_id);
}

static js_pusher *client_of_rt(JSValueConst v) {
  js_pusher *jp = JS_GetOpaque(v, rtsp_probe_class_id);
  return jp ? jp : JS_GetOpaque(v, rtsp_pusher_class_id);
}

static const char *errno_code(int e) {
  switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EPIPE: return "EPIPE";
    default: return NULL;
  }
}

/* The Error a failed pusher reports: .code (HAL name or the socket's errno name), .status. */
static JSValue pusher_error(JSContext *ctx, js_pusher *jp, const char *fn) {
  JSValue e = JS_NewError(ctx);
  char msg[900];
  snprintf(msg, sizeof msg, "%s: %s", fn, jp->fail_msg[0] ? jp->fail_msg : "the pusher failed");
  JS_SetPropertyStr(ctx, e, "message", JS_NewString(ctx, msg));
  const char *code = errno_code(jp->fail_errno);
  JS_SetPropertyStr(ctx, e, "code", JS_NewString(ctx, code ? code : err_name(jp->fail_code ? jp->fail_code : ERR_EIO)));
  if (jp->fail_status) JS_SetPropertyStr(ctx, e, "status", JS_NewInt32(ctx, jp->fail_status));
  return e;
}

static void pusher_drop_promise(JSContext *ctx, js_pusher *jp) {
  JS_FreeValue(ctx, jp->resolve);
  JS_FreeValue(ctx, jp->reject);
  jp->resolve = jp->reject = JS_UNDEFINED;
}

static void pusher_settle(kjs_loop *loop, uint64_t id, void *user) {
  js_pusher *jp = user;
  JSContext *ctx = jp->ctx;
  jp->settle_timer = 0;
  if (jp->settled || JS_IsUndefined(jp->resolve)) return;
  if (jp->state == RTSP_PUSH_HANDSHAKE || jp->state == RTSP_PUSH_IDLE) return;
  jp->settled = true;
  JSValue fnv, arg;
  if (jp->state == RTSP_PUSH_RECORDING) {
    fnv = JS_DupValue(ctx, jp->resolve);
    arg = JS_UNDEFINED;
  } else {
    fnv = JS_DupValue(ctx, jp->reject);
    if (jp->state == RTSP_PUSH_CLOSED && !jp->fail_msg[0]) {
      snprintf(jp->fail_msg, sizeof jp->fail_msg, "closed before the server accepted %s",
               jp->cfg.play ? "PLAY" : "RECORD");
      jp->fail_code = ERR_ECLOSED;
    }
    arg = pusher_error(ctx, jp, jp->cfg.play ? "RtspProbe.play" : "RtspPusher.connect");
  }
  pusher_drop_promise(ctx, jp);
  JSValue r = JS_Call(ctx, fnv, JS_UNDEFINED, 1, (JSValueConst *)&arg);
  JS_FreeValue(ctx, r);
  JS_FreeValue(ctx, fnv);
  JS_FreeValue(ctx, arg);
  kjs_vm_run_jobs(kjs_vm_from_context(ctx));
}

static void pusher_on_state(void *user, rtsp_push_state st, int status, int code) {
  js_pusher *jp = user;
  jp->state = st;
  if (st == RTSP_PUSH_FAILED) {
    jp->fail_status = status;
    jp->fail_code = code;
    if (jp->c) {
      jp->fail_errno = rtsp_push_conn_errno(jp->c);
      snprintf(jp->fail_msg, sizeof jp->fail_msg, "%s", rtsp_pusher_error(rtsp_push_conn_pusher(jp->c)));
    }
  }
  /* settled from a timer, never inside a core call */
  if (!jp->settled && !JS_IsUndefined(jp->resolve) && !jp->settle_timer)
    jp->settle_timer = kjs_loop_timer_start(jp->io.loop, 0, pusher_settle, jp);
}

static void pusher_release(js_pusher *jp) {
  if (!jp->c) return;
  rtsp_pusher_get_stats(rtsp_push_conn_pusher(jp->c), &jp->last);
  rtsp_push_conn_free(jp->c);
  jp->c = NULL;
}

static void pusher_tick(kjs_loop *loop, uint64_t id, void *user) {
  js_pusher *jp = user;
  jp->tick_timer = 0;
  if (!jp->c) return;
  rtsp_push_conn_tick(jp->c);
  if (rtsp_push_conn_done(jp->c)) {
    if (jp->c && jp->state == RTSP_PUSH_HANDSHAKE) pusher_on_state(jp, RTSP_PUSH_FAILED, 0, ERR_EIO);
    pusher_release(jp); /* the loop may end now */
    return;
  }
  jp->tick_timer = kjs_loop_timer_start(jp->io.loop, RTSP_JS_TICK_MS, pusher_tick, jp);
}

static void pusher_finalizer(JSRuntime *rt, JSValueConst val) {
  js_pusher *jp = client_of_rt(val);
  if (!jp) return;
  if (jp->c) rtsp_push_conn_free(jp->c);
  if (jp->tick_timer) kjs_loop_timer_cancel(jp->io.loop, jp->tick_timer);
  if (jp->settle_timer) kjs_loop_timer_cancel(jp->io.loop, jp->settle_timer);
  rtsp_js_loop_free(&jp->io);
  JS_FreeValueRT(rt, jp->promise);
  JS_FreeValueRT(rt, jp->resolve);
  JS_FreeValueRT(rt, jp->reject);
  free(jp);
}

static void pusher_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_pusher *jp = client_of_rt(val);
  if (!jp) return;
  JS_MarkValue(rt, jp->promise, mark_func);
  JS_MarkValue(rt, jp->resolve, mark_func);
  JS_MarkValue(rt, jp->reject, mark_func);
}

const JSClassDef rtsp_pusher_class = {"RtspPusher", .finalizer = pusher_finalizer, .gc_mark = pusher_gc_mark};
const JSClassDef rtsp_probe_class = {"RtspProbe", .finalizer = pusher_finalizer, .gc_mark = pusher_gc_mark};

/* new RtspPusher(url, {video, audio, auth, mtu}), or (play) new RtspProbe(url, {transport, auth}) */
static JSValue client_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv, bool play) {
  const char *fn = play ? "new RtspProbe" : "new RtspPusher";
  static const char *const transports[] = {"tcp", "udp", NULL};
  if (argc < 1 || !JS_IsString(argv[0])) return JS_ThrowTypeError(ctx, "%s: url must be a string", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  rtsp_video_codec v = RTSP_VIDEO_NONE;
  rtsp_audio_codec a = RTSP_AUDIO_NONE;
  int64_t mtu = 1400;
  int udp = 0;
  if (kjs_check_options(ctx, opts, fn,
                        play ? KJS_OPTIONS("transport", "auth") : KJS_OPTIONS("video", "audio", "mtu", "auth")) < 0 ||
      (play ? kjs_opt_enum(ctx, opts, fn, "transport", transports, 0, &udp) < 0
            : rtsp_js_opt_codecs(ctx, opts, fn, &v, &a) < 0 ||
                  kjs_opt_int(ctx, opts, fn, "mtu", 1400, 576, 9000, &mtu) < 0))
    return JS_EXCEPTION;
  js_pusher *jp = calloc(1, sizeof *jp);
  if (!jp) return JS_ThrowOutOfMemory(ctx);
  jp->promise = jp->resolve = jp->reject = JS_UNDEFINED;
  JSValue auth = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, "auth") : JS_UNDEFINED;
  if (JS_IsException(auth)) goto fail;
  if (!JS_IsUndefined(auth)) {
    bool hu = false, hp = false;
    int bad = !JS_IsObject(auth) ||
              kjs_check_options(ctx, auth, play ? "new RtspProbe: options.auth" : "new RtspPusher: options.auth",
                                KJS_OPTIONS("user", "password")) < 0 ||
              rtsp_js_opt_string(ctx, auth, fn, "user", NULL, jp->user, sizeof jp->user, &hu) < 0 ||
              rtsp_js_opt_string(ctx, auth, fn, "password", NULL, jp->pass, sizeof jp->pass, &hp) < 0;
    bool obj = JS_IsObject(auth);
    JS_FreeValue(ctx, auth);
    if (!obj) {
      JS_ThrowTypeError(ctx, "%s: options.auth must be an object {user, password}", fn);
      goto fail;
    }
    if (bad) goto fail;
    if (!hu || !hp || !jp->user[0]) {
      JS_ThrowTypeError(ctx, "%s: options.auth needs a non-empty user and a password", fn);
      goto fail;
    }
  }
  const char *url = JS_ToCString(ctx, argv[0]);
  if (!url) goto fail;
  snprintf(jp->url, sizeof jp->url, "%s", url);
  bool too_long = strlen(url) >= sizeof jp->url;
  JS_FreeCString(ctx, url);
  jp->video = v;
  jp->audio = a;
  if (!play && jp->video == RTSP_VIDEO_NONE && jp->audio == RTSP_AUDIO_NONE) {
    JS_ThrowTypeError(ctx, "%s: a pusher needs video or audio", fn);
    goto fail;
  }
  char host[256];
  int port;
  if (too_long || rtsp_url_split(jp->url, host, sizeof host, &port, NULL, 0, NULL, 0) < 0) {
    JS_ThrowTypeError(ctx, "%s: '%s' is not an rtsp://host[:port]/path URL", fn, jp->url);
    goto fail;
  }
  jp->cfg = (rtsp_pusher_config){0};
  jp->cfg.url = jp->url;
  jp->cfg.video = (rtsp_video_codec)jp->video;
  jp->cfg.audio = (rtsp_audio_codec)jp->audio;
  jp->cfg.username = jp->user[0] ? jp->user : NULL;
  jp->cfg.password = jp->user[0] ? jp->pass : NULL;
  jp->cfg.mtu = (size_t)mtu;
  jp->cfg.play = play;
  jp->cfg.udp = udp == 1;
  jp->ctx = ctx;
  rtsp_js_loop_init(&jp->io, kjs_vm_loop(kjs_vm_from_context(ctx)));
  JSValue obj = kjs_class_new_instance(ctx, new_target, play ? rtsp_probe_class_id : rtsp_pusher_class_id);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, jp);
  return obj;
fail:
  free(jp);
  return JS_EXCEPTION;
}

JSValue rtsp_pusher_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return client_new(ctx, new_target, argc, argv, false);
}

JSValue rtsp_probe_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return client_new(ctx, new_target, argc, argv, true);
}

/* RtspPusher.connect() and RtspProbe.play() */
static JSValue pusher_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_pusher *jp = client_of(ctx, this_val);
  if (!jp) return JS_EXCEPTION;
  if (!JS_IsUndefined(jp->promise)) return JS_DupValue(ctx, jp->promise); /* one connection per pusher */
  JSValue funcs[2];
  JSValue promise = JS_NewPromiseCapability(ctx, funcs);
  if (JS_IsException(promise)) return promise;
  jp->promise = JS_DupValue(ctx, promise);
  jp->resolve = funcs[0];
  jp->reject = funcs[1];
  jp->state = RTSP_PUSH_HANDSHAKE;
  int rc = rtsp_push_connect(&jp->cfg, &rtsp_js_loop_ops, &jp->io, pusher_on_state, jp, &jp->c);
  if (rc < 0) {
    jp->c = NULL;
    jp->state = RTSP_PUSH_FAILED;
    jp->fail_code = rc;
    snprintf(jp->fail_msg, sizeof jp->fail_msg, "cannot connect to %s: %s", jp->url,
             rc == ERR_EINVAL ? "the host must be a numeric IPv4/IPv6 address or localhost" : err_str(rc));
    jp->settle_timer = kjs_loop_timer_start(jp->io.loop, 0, pusher_settle, jp);
    return promise;
  }
  jp->tick_timer = kjs_loop_timer_start(jp->io.loop, RTSP_JS_TICK_MS, pusher_tick, jp);
  return promise;
}

static js_pusher *pusher_live(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, rtsp_pusher_class_id);
  if (!jp) return NULL;
  if (jp->state == RTSP_PUSH_FAILED) {
    JS_Throw(ctx, pusher_error(ctx, jp, fn));
    return NULL;
  }
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) {
    kjs_throw(ctx, jp->state == RTSP_PUSH_CLOSED ? ERR_ECLOSED : ERR_ESTATE, "%s: %s", fn,
              jp->state == RTSP_PUSH_CLOSED ? "the pusher is closed" : "call connect() first");
    return NULL;
  }
  return jp;
}

static JSValue pusher_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic ? "RtspPusher.sendAudio" : "RtspPusher.sendVideo";
  js_pusher *jp = pusher_live(ctx, this_val, fn);
  if (!jp) return JS_EXCEPTION;
  if (argc < 2) return JS_ThrowTypeError(ctx, "%s(data, ptsUs) needs 2 arguments", fn);
  int64_t pts;
  const uint8_t *data;
  size_t len;
  if (kjs_get_int(ctx, argv[1], magic ? "RtspPusher.sendAudio: ptsUs" : "RtspPusher.sendVideo: ptsUs", 0,
                  INT64_C(1) << 53, &pts) < 0 ||
      kjs_get_bytes(ctx, argv[0], magic ? "RtspPusher.sendAudio: data" : "RtspPusher.sendVideo: data", &data, &len) < 0)
    return JS_EXCEPTION;
  if (magic && jp->audio == RTSP_AUDIO_NONE)
    return kjs_throw(ctx, ERR_ENOTSUP, "%s: the pusher was created without audio", fn);
  if (!magic && jp->video == RTSP_VIDEO_NONE)
    return kjs_throw(ctx, ERR_ENOTSUP, "%s: the pusher was created without video", fn);
  if (!len) return JS_UNDEFINED;
  rtsp_pusher *p = rtsp_push_conn_pusher(jp->c);
  int rc =
      magic ? rtsp_pusher_send_audio(p, data, len, (uint64_t)pts) : rtsp_pusher_send_video(p, data, len, (uint64_t)pts);
  if (rc < 0 && jp->state == RTSP_PUSH_FAILED) return JS_Throw(ctx, pusher_error(ctx, jp, fn));
  if (rc < 0) return kjs_throw(ctx, rc, "%s: %s", fn, rc == ERR_EINVAL ? "not a valid frame" : err_str(rc));
  return JS_UNDEFINED;
}

static JSValue pusher_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_pusher *jp = client_of(ctx, this_val);
  if (!jp) return JS_EXCEPTION;
  if (jp->c) rtsp_push_conn_close(jp->c, false); /* TEARDOWN, then the socket closes (tick) */
  else if (jp->state != RTSP_PUSH_FAILED) jp->state = RTSP_PUSH_CLOSED;
  return JS_UNDEFINED;
}

static const char *const push_state_names[] = {"idle", "connecting", "recording", "failed", "closed"};

static const char *state_name(const js_pusher *jp) {
  if (jp->state == RTSP_PUSH_RECORDING && jp->cfg.play) return "playing";
  return push_state_names[jp->state >= 0 && jp->state <= 4 ? jp->state : 0];
}

static JSValue pusher_get_state(JSContext *ctx, JSValueConst this_val) {
  js_pusher *jp = client_of(ctx, this_val);
  return jp ? JS_NewString(ctx, state_name(jp)) : JS_EXCEPTION;
}

static JSValue pusher_get_url(JSContext *ctx, JSValueConst this_val) {
  js_pusher *jp = client_of(ctx, this_val);
  return jp ? JS_NewString(ctx, jp->url) : JS_EXCEPTION;
}

static JSValue pusher_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_pusher *jp = client_of(ctx, this_val);
  if (!jp) return JS_EXCEPTION;
  rtsp_pusher_stats st = jp->last;
  if (jp->c) rtsp_pusher_get_stats(rtsp_push_conn_pusher(jp->c), &st);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "state", JS_NewString(ctx, state_name(jp)));
  if (jp->cfg.play) {
    JS_SetPropertyStr(ctx, o, "packetsReceived", JS_NewInt64(ctx, (int64_t)st.packets_received));
    JS_SetPropertyStr(ctx, o, "bytesReceived", JS_NewInt64(ctx, (int64_t)st.bytes_received));
    return o;
  }
  JS_SetPropertyStr(ctx, o, "framesSent", JS_NewInt64(ctx, (int64_t)st.frames_sent));
  JS_SetPropertyStr(ctx, o, "framesDropped", JS_NewInt64(ctx, (int64_t)st.frames_dropped));
  JS_SetPropertyStr(ctx, o, "packetsSent", JS_NewInt64(ctx, (int64_t)st.packets_sent));
  JS_SetPropertyStr(ctx, o, "bytesSent", JS_NewInt64(ctx, (int64_t)st.bytes_sent));
  return o;
}

static int pusher_sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe,
                             bool header) {
  js_pusher *jp = user;
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) return ERR_ECLOSED;
  if (jp->state == RTSP_PUSH_FAILED) return jp->fail_code ? jp->fail_code : ERR_EIO;
  if (jp->video == RTSP_VIDEO_NONE) return ERR_ENOTSUP;
  if (!len) return 0;
  rtp_au_kind kind = header ? RTP_AU_HEADER : keyframe ? RTP_AU_KEY : RTP_AU_DELTA;
  return rtsp_pusher_send_au(rtsp_push_conn_pusher(jp->c), annexb, len, kjs_sink_clock_map(&jp->clock, 0, pts_us, 0),
                             kind);
}

static int pusher_sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  js_pusher *jp = user;
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) return ERR_ECLOSED;
  if (jp->state == RTSP_PUSH_FAILED) return jp->fail_code ? jp->fail_code : ERR_EIO;
  if (jp->audio == RTSP_AUDIO_NONE) return 0;
  if (!len) return 0;
  uint64_t dur = (uint64_t)len * 1000000u / 8000; /* G.711: one byte per 8 kHz sample */
  return rtsp_pusher_send_audio(rtsp_push_conn_pusher(jp->c), data, len,
                                kjs_sink_clock_map(&jp->clock, 1, pts_us, dur));
}

int rtsp_pusher_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  js_pusher *jp = JS_GetOpaque(target, rtsp_pusher_class_id);
  if (!jp) return -1;
  /* Frames before RECORD is accepted (or before connect()) update the parameter-set cache and
   * are dropped: a pipe may start before the connection does. */
  *out = (kjs_media_sink){pusher_sink_video, pusher_sink_audio, NULL, jp};
  return 0;
}

/* ---- function list ---- */

const JSCFunctionListEntry rtsp_pusher_proto_funcs[] = {
    JS_CFUNC_DEF("connect", 0, pusher_connect),
    JS_CFUNC_MAGIC_DEF("sendVideo", 2, pusher_send, 0),
    JS_CFUNC_MAGIC_DEF("sendAudio", 2, pusher_send, 1),
    JS_CFUNC_DEF("stats", 0, pusher_stats),
    JS_CFUNC_DEF("close", 0, pusher_close_js),
    JS_CGETSET_DEF("state", pusher_get_state, NULL),
    JS_CGETSET_DEF("url", pusher_get_url, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "RtspPusher", JS_PROP_CONFIGURABLE),
};
const int rtsp_pusher_proto_count = sizeof rtsp_pusher_proto_funcs / sizeof rtsp_pusher_proto_funcs[0];

const JSCFunctionListEntry rtsp_probe_proto_funcs[] = {
    JS_CFUNC_DEF("play", 0, pusher_connect),
    JS_CFUNC_DEF("stats", 0, pusher_stats),
    JS_CFUNC_DEF("close", 0, pusher_close_js),
    JS_CGETSET_DEF("state", pusher_get_state, NULL),
    JS_CGETSET_DEF("url", pusher_get_url, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "RtspProbe", JS_PROP_CONFIGURABLE),
};
const int rtsp_probe_proto_count = sizeof rtsp_probe_proto_funcs / sizeof rtsp_probe_proto_funcs[0];
