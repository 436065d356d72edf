/*
 * k230:rtsp RtspSession — one mount of a server, fed by sendVideo/sendAudio from JS or, from C, by
 * encoder.pipeTo(session) and audioIn.pipeTo(session) through kjs/sink.h. Types and docs:
 * js-lib/types/k230-rtsp.d.ts.
 */
#include "rtsp_internal.h"

/* ---- class ids ---- */

JSClassID rtsp_session_class_id;

/* ---- close / finalize ---- */

/* Off the server's list; the server's reference to the object goes last (it may free js). */
void rtsp_session_unlink(js_session *js, JSRuntime *rt) {
  if (!js->srv) return;
  for (js_session **pp = &js->srv->sessions; *pp; pp = &(*pp)->next) {
    if (*pp == js) {
      *pp = js->next;
      break;
    }
  }
  js->srv = NULL;
  js->m = NULL;
  JSValue obj = js->obj;
  js->obj = JS_UNDEFINED;
  JS_FreeValueRT(rt, obj);
}

static void session_close(js_session *js, JSRuntime *rt) {
  if (!js->srv) return;
  if (js->srv->s && js->m) rtsp_server_remove_mount(js->srv->s, js->m);
  rtsp_session_unlink(js, rt);
}

static void session_finalizer(JSRuntime *rt, JSValueConst val) {
  js_session *js = JS_GetOpaque(val, rtsp_session_class_id);
  if (!js) return;
  /* Only a garbage cycle (server and session unreachable) finalizes a linked session: the
   * server's reference is to this very object, so it is not freed again. The server may
   * already be finalized in this cycle; it unlinked js then. */
  js->obj = JS_UNDEFINED;
  session_close(js, rt);
  JS_FreeValueRT(rt, js->server);
  free(js);
}

static void session_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_session *js = JS_GetOpaque(val, rtsp_session_class_id);
  if (js) JS_MarkValue(rt, js->server, mark_func);
}

/* ---- class def ---- */

const JSClassDef rtsp_session_class = {"RtspSession", .finalizer = session_finalizer, .gc_mark = session_gc_mark};

/* ---- helpers ---- */

static js_session *session_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_session *js = JS_GetOpaque2(ctx, this_val, rtsp_session_class_id);
  if (js && !js->srv) {
    kjs_throw(ctx, ERR_ECLOSED, "%s: the session is closed", fn);
    return NULL;
  }
  return js;
}

JSValue rtsp_mount_stats_to_js(JSContext *ctx, const js_session *js) {
  rtsp_mount_stats ms;
  rtsp_mount_get_stats(js->m, &ms);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "readers", JS_NewInt32(ctx, ms.readers));
  JS_SetPropertyStr(ctx, o, "framesIn", JS_NewInt64(ctx, (int64_t)ms.frames_in));
  JS_SetPropertyStr(ctx, o, "drops", JS_NewInt64(ctx, (int64_t)ms.drops));
  return o;
}

/* server.createSession(): the mount and the object, owned by the server until close(). */
JSValue rtsp_session_new(JSContext *ctx, JSValueConst server, js_server *jv, const char *name,
                         const rtsp_mount_config *mc, const char *fn) {
  js_session *js = calloc(1, sizeof *js);
  if (!js) return JS_ThrowOutOfMemory(ctx);
  int rc = strlen(name) < sizeof js->name ? rtsp_server_add_mount(jv->s, name, mc, &js->m) : ERR_EINVAL;
  if (rc < 0) {
    free(js);
    return rc == ERR_EBUSY    ? kjs_throw(ctx, rc, "%s: a session named '%s' exists already", fn, name)
           : rc == ERR_EINVAL ? JS_ThrowRangeError(ctx,
                                                   "%s: name '%s' must be 1-63 characters of A-Z a-z 0-9 . _ - / "
                                                   "without a leading or trailing '/' or '..'",
                                                   fn, name)
                              : kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  }
  snprintf(js->name, sizeof js->name, "%s", name);
  JSValue obj = kjs_class_new_instance(ctx, JS_UNDEFINED, rtsp_session_class_id);
  if (JS_IsException(obj)) {
    rtsp_server_remove_mount(jv->s, js->m);
    free(js);
    return obj;
  }
  js->srv = jv;
  js->video = mc->video;
  js->audio = mc->audio;
  js->server = JS_DupValue(ctx, server);
  js->obj = JS_DupValue(ctx, obj);
  js->next = jv->sessions;
  jv->sessions = js;
  JS_SetOpaque(obj, js);
  return obj;
}

/* ---- RtspSession ---- */

/* magic 0: video, 1: audio */
static JSValue session_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *fn = magic ? "RtspSession.sendAudio" : "RtspSession.sendVideo";
  js_session *js = session_of(ctx, this_val, fn);
  if (!js) return JS_EXCEPTION;
  if (argc < 2) return JS_ThrowTypeError(ctx, "%s(data, ptsUs) needs 2 arguments", fn);
  int64_t pts;
  const uint8_t *data;
  size_t len;
  if (kjs_get_int(ctx, argv[1], magic ? "RtspSession.sendAudio: ptsUs" : "RtspSession.sendVideo: ptsUs", 0,
                  INT64_C(1) << 53, &pts) < 0 ||
      kjs_get_bytes(ctx, argv[0], magic ? "RtspSession.sendAudio: data" : "RtspSession.sendVideo: data", &data, &len) <
          0)
    return JS_EXCEPTION;
  if (magic && js->audio == RTSP_AUDIO_NONE)
    return kjs_throw(ctx, ERR_ENOTSUP, "%s: session '%s' was created without audio", fn, js->name);
  if (!magic && js->video == RTSP_VIDEO_NONE)
    return kjs_throw(ctx, ERR_ENOTSUP, "%s: session '%s' was created without video", fn, js->name);
  if (!len) return JS_UNDEFINED;
  int rc = magic ? rtsp_mount_send_audio(js->m, data, len, (uint64_t)pts)
                 : rtsp_mount_send_video(js->m, data, len, (uint64_t)pts);
  if (rc < 0) return kjs_throw(ctx, rc, "%s: %s", fn, rc == ERR_EINVAL ? "not a valid frame" : err_str(rc));
  return JS_UNDEFINED;
}

static JSValue session_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_session *js = JS_GetOpaque2(ctx, this_val, rtsp_session_class_id);
  if (!js) return JS_EXCEPTION;
  session_close(js, JS_GetRuntime(ctx)); /* this_val still holds the object */
  return JS_UNDEFINED;
}

static JSValue session_get_name(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, rtsp_session_class_id);
  return js ? JS_NewString(ctx, js->name) : JS_EXCEPTION;
}

static JSValue session_get_url(JSContext *ctx, JSValueConst this_val) {
  js_session *js = session_of(ctx, this_val, "RtspSession.url");
  if (!js) return JS_EXCEPTION;
  char url[256];
  if (rtsp_js_url(js->srv->s, js->name, url, sizeof url) < 0) return JS_ThrowRangeError(ctx, "url too long");
  return JS_NewString(ctx, url);
}

static JSValue session_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, rtsp_session_class_id);
  return js ? JS_NewBool(ctx, js->srv == NULL) : JS_EXCEPTION;
}

static JSValue session_get_server(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, rtsp_session_class_id);
  return js ? JS_DupValue(ctx, js->server) : JS_EXCEPTION;
}

static JSValue session_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_session *js = session_of(ctx, this_val, "RtspSession.stats");
  return js ? rtsp_mount_stats_to_js(ctx, js) : JS_EXCEPTION;
}

/* ---- kjs/sink.h target ---- */

static int sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header) {
  js_session *js = user;
  if (!js->srv || !js->m) return ERR_ECLOSED;
  if (js->video == RTSP_VIDEO_NONE) return ERR_ENOTSUP;
  if (!len) return 0;
  rtp_au_kind kind = header ? RTP_AU_HEADER : keyframe ? RTP_AU_KEY : RTP_AU_DELTA;
  return rtsp_mount_send_au(js->m, annexb, len, kjs_sink_clock_map(&js->clock, 0, pts_us, 0), kind);
}

static int sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  js_session *js = user;
  if (!js->srv || !js->m) return ERR_ECLOSED;
  if (js->audio == RTSP_AUDIO_NONE) return 0; /* a session without audio ignores the encoder's audio */
  if (!len) return 0;
  uint64_t dur = (uint64_t)len * 1000000u / 8000; /* G.711: one byte per 8 kHz sample */
  return rtsp_mount_send_audio(js->m, data, len, kjs_sink_clock_map(&js->clock, 1, pts_us, dur));
}

int rtsp_session_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  js_session *js = JS_GetOpaque(target, rtsp_session_class_id);
  if (!js) return -1;
  /* A closed session still yields a sink: its first call returns ERR_ECLOSED and the pipe
   * reports that, which names the real problem. */
  *out = (kjs_media_sink){sink_video, sink_audio, NULL, js};
  return 0;
}

/* ---- function list ---- */

const JSCFunctionListEntry rtsp_session_proto_funcs[] = {
    JS_CFUNC_MAGIC_DEF("sendVideo", 2, session_send, 0),
    JS_CFUNC_MAGIC_DEF("sendAudio", 2, session_send, 1),
    JS_CFUNC_DEF("stats", 0, session_stats),
    JS_CFUNC_DEF("close", 0, session_close_js),
    JS_CGETSET_DEF("name", session_get_name, NULL),
    JS_CGETSET_DEF("url", session_get_url, NULL),
    JS_CGETSET_DEF("closed", session_get_closed, NULL),
    JS_CGETSET_DEF("server", session_get_server, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "RtspSession", JS_PROP_CONFIGURABLE),
};
const int rtsp_session_proto_count = sizeof rtsp_session_proto_funcs / sizeof rtsp_session_proto_funcs[0];

JSValue rtsp_session_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return JS_ThrowTypeError(ctx, "RtspSession: use server.createSession(name, options)");
}
