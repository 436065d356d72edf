/*
 * k230:rtsp RtspServer — an RTSP server on firmware/libs/rtsp plugged into the runtime's loop:
 * listening socket, clients, events, stats, and the sessions it owns until close(). Types and
 * docs: js-lib/types/k230-rtsp.d.ts.
 */
#include "rtsp_internal.h"

static const char *const event_names[] = {"connect", "disconnect", "play", "stop", NULL};

/* ---- class ids ---- */

JSClassID rtsp_server_class_id;

/* ---- close / finalize ---- */

/* Closes sockets and timers and lets go of the sessions; no JS runs (safe from a finalizer). */
static void server_close(js_server *jv, JSRuntime *rt) {
  if (!jv->s) return;
  rtsp_server *s = jv->s;
  jv->s = NULL; /* on_event ignores what the teardown reports */
  while (jv->sessions) rtsp_session_unlink(jv->sessions, rt);
  rtsp_server_close(s); /* unwatches and closes every fd */
  if (jv->tick_timer) kjs_loop_timer_cancel(jv->io.loop, jv->tick_timer);
  if (jv->event_timer) kjs_loop_timer_cancel(jv->io.loop, jv->event_timer);
  jv->tick_timer = jv->event_timer = 0;
  jv->nevents = 0;
}

static void server_finalizer(JSRuntime *rt, JSValueConst val) {
  js_server *jv = JS_GetOpaque(val, rtsp_server_class_id);
  if (!jv) return;
  server_close(jv, rt);
  kjs_events_free(rt, &jv->listeners);
  free(jv->events);
  rtsp_js_loop_free(&jv->io);
  free(jv);
}

static void server_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_server *jv = JS_GetOpaque(val, rtsp_server_class_id);
  if (!jv) return;
  kjs_events_mark(rt, &jv->listeners, mark_func);
  for (js_session *js = jv->sessions; js; js = js->next) JS_MarkValue(rt, js->obj, mark_func);
}

/* ---- class def ---- */

const JSClassDef rtsp_server_class = {"RtspServer", .finalizer = server_finalizer, .gc_mark = server_gc_mark};

/* ---- events and ticks ---- */

static void dispatch_events(kjs_loop *loop, uint64_t id, void *user);

static void on_core_event(void *user, const rtsp_event *ev) {
  js_server *jv = user;
  if (!jv->s) return; /* closing */
  int type = ev->type == RTSP_EV_CONNECT      ? EV_CONNECT
             : ev->type == RTSP_EV_DISCONNECT ? EV_DISCONNECT
             : ev->type == RTSP_EV_PLAY       ? EV_PLAY
                                              : EV_STOP;
  if (!jv->listeners.counts[type]) return; /* nobody listens: nothing to queue */
  if (jv->nevents == jv->cap_events) {
    if (jv->cap_events >= 4096) return; /* a flood nobody drains: drop, never grow unbounded */
    int cap = jv->cap_events ? jv->cap_events * 2 : 16;
    pending_event *n = realloc(jv->events, (size_t)cap * sizeof *n);
    if (!n) return;
    jv->events = n;
    jv->cap_events = cap;
  }
  pending_event *p = &jv->events[jv->nevents++];
  p->type = type;
  p->conn_id = ev->conn_id;
  snprintf(p->peer, sizeof p->peer, "%s", ev->peer ? ev->peer : "");
  snprintf(p->mount, sizeof p->mount, "%s", ev->mount ? ev->mount : "");
  if (!jv->event_timer) jv->event_timer = kjs_loop_timer_start(jv->io.loop, 0, dispatch_events, jv);
}

static void dispatch_events(kjs_loop *loop, uint64_t id, void *user) {
  js_server *jv = user;
  JSContext *ctx = jv->ctx;
  kjs_vm *vm = kjs_vm_from_context(ctx);
  jv->event_timer = 0;
  int n = jv->nevents;
  pending_event *evs = malloc((size_t)(n ? n : 1) * sizeof *evs);
  if (!evs) return;
  memcpy(evs, jv->events, (size_t)n * sizeof *evs);
  jv->nevents = 0;
  JSValue self = JS_DupValue(ctx, jv->self);
  for (int i = 0; i < n && !kjs_vm_stopping(vm); i++) {
    /* A listener may close the server: what is still queued is then dropped. */
    if (!jv->s && evs[i].type != EV_DISCONNECT && evs[i].type != EV_STOP) continue;
    JSValue ev = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, ev, "type", JS_NewString(ctx, event_names[evs[i].type]));
    JS_SetPropertyStr(ctx, ev, "id", JS_NewInt64(ctx, (int64_t)evs[i].conn_id));
    JS_SetPropertyStr(ctx, ev, "peer", JS_NewString(ctx, evs[i].peer));
    if (evs[i].mount[0]) JS_SetPropertyStr(ctx, ev, "session", JS_NewString(ctx, evs[i].mount));
    kjs_events_emit(ctx, &jv->listeners, evs[i].type, self, ev);
    JS_FreeValue(ctx, ev);
  }
  JS_FreeValue(ctx, self);
  free(evs);
}

/* The socket adapter has no timers: idle/slowloris/half-open timeouts and RTCP sender reports
 * need a tick even when no socket is active. */
static void on_tick(kjs_loop *loop, uint64_t id, void *user) {
  js_server *jv = user;
  jv->tick_timer = 0;
  if (!jv->s) return;
  rtsp_server_tick(jv->s);
  jv->tick_timer = kjs_loop_timer_start(jv->io.loop, RTSP_JS_TICK_MS, on_tick, jv);
}

/* ---- helpers ---- */

static js_server *server_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (jv && !jv->s) {
    kjs_throw(ctx, ERR_ECLOSED, "%s: the server is closed", fn);
    return NULL;
  }
  return jv;
}

int rtsp_js_opt_string(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, const char *def, char *out,
                       size_t cap, bool *present) {
  JSValue v = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, name) : JS_UNDEFINED;
  if (JS_IsException(v)) return -1;
  if (present) *present = !JS_IsUndefined(v);
  if (JS_IsUndefined(v)) {
    snprintf(out, cap, "%s", def ? def : "");
    return 0;
  }
  const char *s = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
  JS_FreeValue(ctx, v);
  if (!s) {
    JS_ThrowTypeError(ctx, "%s: %s must be a string", fn, name);
    return -1;
  }
  size_t n = strlen(s);
  if (n >= cap) {
    JS_FreeCString(ctx, s);
    JS_ThrowRangeError(ctx, "%s: %s is too long (at most %zu characters)", fn, name, cap - 1);
    return -1;
  }
  memcpy(out, s, n + 1);
  JS_FreeCString(ctx, s);
  return 0;
}

/* ---- RtspServer ---- */

JSValue rtsp_server_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new RtspServer";
  static const char *const schemes[] = {"digest", "basic", NULL};
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (kjs_check_options(ctx, opts, fn,
                        KJS_OPTIONS("port", "host", "mtu", "sessionTimeoutS", "requestTimeoutS", "maxClients",
                                    "requestDeadlineS", "maxClientsPerAddress", "clientQueueBytes", "auth")) < 0)
    return JS_EXCEPTION;
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  int64_t port, mtu, timeout_s, req_timeout_s, max_clients, queue_bytes, deadline_s, per_addr;
  char host[64], user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX], realm[RTSP_AUTH_FIELD_MAX];
  if (kjs_opt_int(ctx, opts, fn, "port", 8554, 0, 65535, &port) < 0 ||
      rtsp_js_opt_string(ctx, opts, fn, "host", "0.0.0.0", host, sizeof host, NULL) < 0 ||
      kjs_opt_int(ctx, opts, fn, "mtu", (int64_t)cfg.mtu, 576, 9000, &mtu) < 0 ||
      kjs_opt_int(ctx, opts, fn, "sessionTimeoutS", cfg.session_timeout_s, 1, 3600, &timeout_s) < 0 ||
      kjs_opt_int(ctx, opts, fn, "requestTimeoutS", cfg.request_timeout_s, 1, 3600, &req_timeout_s) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxClients", cfg.max_clients, 1, 1024, &max_clients) < 0 ||
      kjs_opt_int(ctx, opts, fn, "requestDeadlineS", cfg.request_deadline_s, 1, 3600, &deadline_s) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxClientsPerAddress", cfg.max_clients_per_addr, 1, 1024, &per_addr) < 0 ||
      kjs_opt_int(ctx, opts, fn, "clientQueueBytes", (int64_t)cfg.queue_max_bytes, 65536, 256 << 20, &queue_bytes) < 0)
    return JS_EXCEPTION;
  JSValue auth = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, "auth") : JS_UNDEFINED;
  if (JS_IsException(auth)) return JS_EXCEPTION;
  if (!JS_IsUndefined(auth)) {
    int scheme;
    bool has_user, has_pass;
    if (!JS_IsObject(auth)) {
      JS_FreeValue(ctx, auth);
      return JS_ThrowTypeError(ctx, "%s: options.auth must be an object {user, password, scheme?}", fn);
    }
    int bad = kjs_check_options(ctx, auth, "new RtspServer: options.auth",
                                KJS_OPTIONS("user", "password", "realm", "scheme")) < 0 ||
              rtsp_js_opt_string(ctx, auth, fn, "user", NULL, user, sizeof user, &has_user) < 0 ||
              rtsp_js_opt_string(ctx, auth, fn, "password", NULL, pass, sizeof pass, &has_pass) < 0 ||
              rtsp_js_opt_string(ctx, auth, fn, "realm", "k230js", realm, sizeof realm, NULL) < 0 ||
              kjs_opt_enum(ctx, auth, fn, "scheme", schemes, 0, &scheme) < 0;
    JS_FreeValue(ctx, auth);
    if (bad) return JS_EXCEPTION;
    if (!has_user || !has_pass || !user[0])
      return JS_ThrowTypeError(ctx, "%s: options.auth needs a non-empty user and a password", fn);
    if (strchr(realm, '"')) return JS_ThrowTypeError(ctx, "%s: options.auth.realm must not contain '\"'", fn);
    cfg.auth = scheme == 0 ? RTSP_AUTH_DIGEST : RTSP_AUTH_BASIC;
    cfg.username = user;
    cfg.password = pass;
    cfg.realm = realm;
  }
  cfg.host = host;
  cfg.port = (int)port;
  cfg.mtu = (size_t)mtu;
  cfg.session_timeout_s = (int)timeout_s;
  cfg.request_timeout_s = (int)req_timeout_s;
  cfg.max_clients = (int)max_clients;
  cfg.request_deadline_s = (int)deadline_s;
  cfg.max_clients_per_addr = (int)per_addr;
  cfg.queue_max_bytes = (size_t)queue_bytes;
  cfg.on_event = on_core_event;

  js_server *jv = calloc(1, sizeof *jv);
  if (!jv) return JS_ThrowOutOfMemory(ctx);
  jv->ctx = ctx;
  rtsp_js_loop_init(&jv->io, kjs_vm_loop(kjs_vm_from_context(ctx)));
  snprintf(jv->host, sizeof jv->host, "%s", host);
  if (kjs_events_init(ctx, &jv->listeners, event_names) < 0) goto fail;
  cfg.user = jv;
  JSValue obj = JS_UNDEFINED;
  int rc = rtsp_server_new(&cfg, &jv->s);
  if (rc < 0) {
    kjs_throw(ctx, rc, "%s: invalid configuration", fn);
    goto fail;
  }
  rc = rtsp_server_listen(jv->s, &rtsp_js_loop_ops, &jv->io);
  if (rc < 0) {
    if (rc == ERR_EBUSY) kjs_throw(ctx, rc, "%s: %s port %d is already in use", fn, host, (int)port);
    else if (rc == ERR_EINVAL) kjs_throw(ctx, rc, "%s: host '%s' is not a numeric IPv4 or IPv6 address", fn, host);
    else kjs_throw(ctx, rc, "%s: cannot listen on %s port %d: %s", fn, host, (int)port, err_str(rc));
    goto fail;
  }
  obj = kjs_class_new_instance(ctx, new_target, rtsp_server_class_id);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, jv);
  jv->self = obj;
  jv->tick_timer = kjs_loop_timer_start(jv->io.loop, RTSP_JS_TICK_MS, on_tick, jv);
  return obj;
fail:
  if (jv->s) {
    rtsp_server *s = jv->s;
    jv->s = NULL;
    rtsp_server_close(s);
  }
  kjs_events_free(JS_GetRuntime(ctx), &jv->listeners);
  rtsp_js_loop_free(&jv->io);
  free(jv);
  return JS_EXCEPTION;
}

static JSValue server_create_session(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "RtspServer.createSession";
  js_server *jv = server_of(ctx, this_val, fn);
  if (!jv) return JS_EXCEPTION;
  if (argc < 1 || !JS_IsString(argv[0])) return JS_ThrowTypeError(ctx, "%s: name must be a string", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  rtsp_mount_config mc;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("video", "audio")) < 0 ||
      rtsp_js_opt_codecs(ctx, opts, fn, &mc.video, &mc.audio) < 0)
    return JS_EXCEPTION;
  if (mc.video == RTSP_VIDEO_NONE && mc.audio == RTSP_AUDIO_NONE)
    return JS_ThrowTypeError(ctx, "%s: a session needs video or audio", fn);
  const char *name = JS_ToCString(ctx, argv[0]);
  if (!name) return JS_EXCEPTION;
  JSValue obj = rtsp_session_new(ctx, this_val, jv, name, &mc, fn);
  JS_FreeCString(ctx, name);
  return obj;
}

static JSValue server_url(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "RtspServer.url";
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (!jv) return JS_EXCEPTION;
  const char *name = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (argc > 0 && !JS_IsUndefined(argv[0]) && !name) return JS_ThrowTypeError(ctx, "%s: name must be a string", fn);
  char url[256];
  int n;
  if (jv->s) {
    n = rtsp_js_url(jv->s, name ? name : "", url, sizeof url);
  } else {
    n = ERR_ECLOSED;
  }
  if (name) JS_FreeCString(ctx, name);
  if (n == ERR_ECLOSED) return kjs_throw(ctx, n, "%s: the server is closed", fn);
  if (n < 0) return JS_ThrowRangeError(ctx, "%s: name is too long", fn);
  return JS_NewString(ctx, url);
}

static JSValue server_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (!jv) return JS_EXCEPTION;
  return kjs_events_on(ctx, &jv->listeners, this_val, argc, argv, magic ? "RtspServer.off" : "RtspServer.on", magic);
}

static JSValue server_get_client_count(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (!jv) return JS_EXCEPTION;
  if (!jv->s) return JS_NewInt32(ctx, 0);
  rtsp_stats st;
  rtsp_server_stats(jv->s, &st);
  return JS_NewInt32(ctx, st.conns);
}

static JSValue server_get_port(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (!jv) return JS_EXCEPTION;
  return jv->s ? JS_NewInt32(ctx, rtsp_server_port(jv->s)) : JS_NewInt32(ctx, 0);
}

static JSValue server_get_host(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  return jv ? JS_NewString(ctx, jv->host) : JS_EXCEPTION;
}

static JSValue server_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  return jv ? JS_NewBool(ctx, jv->s == NULL) : JS_EXCEPTION;
}
static JSValue server_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_server *jv = server_of(ctx, this_val, "RtspServer.stats");
  if (!jv) return JS_EXCEPTION;
  rtsp_stats st;
  rtsp_server_stats(jv->s, &st);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "clients", JS_NewInt32(ctx, st.conns));
  JS_SetPropertyStr(ctx, o, "sessions", JS_NewInt32(ctx, st.sessions));
  JS_SetPropertyStr(ctx, o, "playing", JS_NewInt32(ctx, st.playing));
  JS_SetPropertyStr(ctx, o, "bytesSent", JS_NewInt64(ctx, (int64_t)st.bytes_sent));
  JS_SetPropertyStr(ctx, o, "packetsSent", JS_NewInt64(ctx, (int64_t)st.packets_sent));
  JS_SetPropertyStr(ctx, o, "drops", JS_NewInt64(ctx, (int64_t)st.drops));
  JS_SetPropertyStr(ctx, o, "framesIn", JS_NewInt64(ctx, (int64_t)st.frames_in));
  JS_SetPropertyStr(ctx, o, "connectionsTotal", JS_NewInt64(ctx, (int64_t)st.conns_total));
  JS_SetPropertyStr(ctx, o, "connectionsRefused", JS_NewInt64(ctx, (int64_t)st.conns_refused));
  JS_SetPropertyStr(ctx, o, "connectionsEvicted", JS_NewInt64(ctx, (int64_t)st.conns_evicted));
  JS_SetPropertyStr(ctx, o, "authFailures", JS_NewInt64(ctx, (int64_t)st.auth_failures));
  JS_SetPropertyStr(ctx, o, "authBlocked", JS_NewInt64(ctx, (int64_t)st.auth_blocked));
  JS_SetPropertyStr(ctx, o, "acceptPauses", JS_NewInt64(ctx, (int64_t)st.accept_pauses));
  JSValue per = JS_NewObject(ctx);
  for (js_session *js = jv->sessions; js; js = js->next)
    JS_SetPropertyStr(ctx, per, js->name, rtsp_mount_stats_to_js(ctx, js));
  JS_SetPropertyStr(ctx, o, "perSession", per);
  return o;
}

static JSValue server_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, rtsp_server_class_id);
  if (!jv) return JS_EXCEPTION;
  server_close(jv, JS_GetRuntime(ctx));
  return JS_UNDEFINED;
}

/* ---- function list ---- */

const JSCFunctionListEntry rtsp_server_proto_funcs[] = {
    JS_CFUNC_DEF("createSession", 2, server_create_session),
    JS_CFUNC_DEF("url", 1, server_url),
    JS_CFUNC_MAGIC_DEF("on", 2, server_on, 0),
    JS_CFUNC_MAGIC_DEF("off", 2, server_on, 1),
    JS_CFUNC_DEF("stats", 0, server_stats),
    JS_CFUNC_DEF("close", 0, server_close_js),
    JS_CGETSET_DEF("clientCount", server_get_client_count, NULL),
    JS_CGETSET_DEF("port", server_get_port, NULL),
    JS_CGETSET_DEF("host", server_get_host, NULL),
    JS_CGETSET_DEF("closed", server_get_closed, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "RtspServer", JS_PROP_CONFIGURABLE),
};
const int rtsp_server_proto_count = sizeof rtsp_server_proto_funcs / sizeof rtsp_server_proto_funcs[0];
