/*
 * k230:rtsp — an RTSP server on firmware/libs/rtsp, plugged into the runtime's loop: RtspServer
 * (listening socket, clients, events, stats) and RtspSession (one mount fed by sendVideo /
 * sendAudio or, from C, by encoder.pipeTo() through kjs/sink.h).
 * Types and docs: js-lib/types/k230-rtsp.d.ts.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "hal/errors.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/events.h"
#include "kjs/loop.h"
#include "kjs/modules.h"
#include "kjs/net.h"
#include "kjs/sink.h"
#include "kjs/vm.h"
#include "rtsp/pusher.h"
#include "rtsp/server.h"
#include "rtsp/server_posix.h"

/* ---- private structs ---- */

enum { EV_CONNECT, EV_DISCONNECT, EV_PLAY, EV_STOP, EV_COUNT };
static const char *const event_names[] = {"connect", "disconnect", "play", "stop", NULL};

enum { TICK_MS = 200 };

typedef struct fd_slot {
  void (*cb)(void *loop, int fd, int revents, void *user);
  void *user;
} fd_slot;

typedef struct pending_event {
  int type;
  uint64_t conn_id;
  char peer[64];
  char mount[64];
} pending_event;

typedef struct js_session js_session;

typedef struct js_server {
  JSContext *ctx;
  kjs_loop *loop;
  rtsp_server *s; /* NULL once closed */
  JSValue self;   /* not owned: valid while the object lives (the finalizer cancels every use) */
  uint64_t tick_timer;
  uint64_t event_timer; /* a 0 ms timer dispatching queued events, 0 when none */
  kjs_events listeners;
  /* Events from the core are queued and delivered from a timer, never from inside a core call,
   * so a listener may call anything (even close()) safely. */
  pending_event *events;
  int nevents, cap_events;
  fd_slot *fds; /* indexed by fd: the adapter's callbacks behind our one loop callback */
  int cap_fds;
  js_session *sessions;
  char host[64];
} js_server;

struct js_session {
  js_server *srv;  /* NULL once the session or its server is closed (or the server is gone) */
  rtsp_mount *m;
  JSValue server;  /* owned: a session keeps its server object alive */
  char name[64];
  int video, audio; /* rtsp_video_codec / rtsp_audio_codec */
  js_session *next;
};

/* ---- class ids ---- */

static JSClassID server_class_id;
static JSClassID session_class_id;

/* ---- close / finalize ---- */

static void session_unlink(js_session *js) {
  if (!js->srv) return;
  for (js_session **pp = &js->srv->sessions; *pp; pp = &(*pp)->next) {
    if (*pp == js) {
      *pp = js->next;
      break;
    }
  }
  js->srv = NULL;
  js->m = NULL;
}

static void session_close(js_session *js) {
  if (!js->srv) return;
  if (js->srv->s && js->m) rtsp_server_remove_mount(js->srv->s, js->m);
  session_unlink(js);
}

/* Closes sockets and timers; no JS runs (safe from a finalizer). */
static void server_close(js_server *jv) {
  if (!jv->s) return;
  rtsp_server *s = jv->s;
  jv->s = NULL; /* on_event ignores what the teardown reports */
  while (jv->sessions) session_unlink(jv->sessions);
  rtsp_server_close(s); /* unwatches and closes every fd */
  if (jv->tick_timer) kjs_loop_timer_cancel(jv->loop, jv->tick_timer);
  if (jv->event_timer) kjs_loop_timer_cancel(jv->loop, jv->event_timer);
  jv->tick_timer = jv->event_timer = 0;
  jv->nevents = 0;
}

static void server_finalizer(JSRuntime *rt, JSValueConst val) {
  js_server *jv = JS_GetOpaque(val, server_class_id);
  if (!jv) return;
  server_close(jv);
  kjs_events_free(rt, &jv->listeners);
  free(jv->events);
  free(jv->fds);
  free(jv);
}

static void server_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_server *jv = JS_GetOpaque(val, server_class_id);
  if (!jv) return;
  kjs_events_mark(rt, &jv->listeners, mark_func);
}

static void session_finalizer(JSRuntime *rt, JSValueConst val) {
  js_session *js = JS_GetOpaque(val, session_class_id);
  if (!js) return;
  /* The server may already be finalized in this GC cycle; it cleared js->srv then. */
  session_close(js);
  JS_FreeValueRT(rt, js->server);
  free(js);
}

static void session_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_session *js = JS_GetOpaque(val, session_class_id);
  if (js) JS_MarkValue(rt, js->server, mark_func);
}

/* ---- class defs ---- */

static const JSClassDef server_class = {"RtspServer", .finalizer = server_finalizer, .gc_mark = server_gc_mark};
static const JSClassDef session_class = {"RtspSession", .finalizer = session_finalizer, .gc_mark = session_gc_mark};

/* ---- loop glue (rtsp_io_ops on kjs_loop) ---- */

static void fd_trampoline(kjs_loop *loop, int fd, int revents, void *user) {
  js_server *jv = user;
  if (fd < 0 || fd >= jv->cap_fds || !jv->fds[fd].cb) return;
  jv->fds[fd].cb(jv, fd, revents, jv->fds[fd].user);
}

static int io_watch(void *loop, int fd, short events, void (*cb)(void *, int, int, void *), void *user) {
  js_server *jv = loop;
  if (fd < 0) return HAL_EINVAL;
  if (fd >= jv->cap_fds) {
    int cap = jv->cap_fds ? jv->cap_fds : 64;
    while (cap <= fd) cap *= 2;
    fd_slot *n = realloc(jv->fds, (size_t)cap * sizeof *n);
    if (!n) return HAL_ENOMEM;
    memset(n + jv->cap_fds, 0, (size_t)(cap - jv->cap_fds) * sizeof *n);
    jv->fds = n;
    jv->cap_fds = cap;
  }
  jv->fds[fd] = (fd_slot){cb, user};
  /* Not KJS_FD_WEAK: an open server keeps the app running. */
  int rc = kjs_loop_fd_watch(jv->loop, fd, events, 0, fd_trampoline, jv);
  if (rc < 0) jv->fds[fd] = (fd_slot){NULL, NULL};
  return rc;
}

static void io_set_events(void *loop, int fd, short events) {
  js_server *jv = loop;
  kjs_loop_fd_set_events(jv->loop, fd, events);
}

static void io_unwatch(void *loop, int fd) {
  js_server *jv = loop;
  kjs_loop_fd_unwatch(jv->loop, fd);
  if (fd >= 0 && fd < jv->cap_fds) jv->fds[fd] = (fd_slot){NULL, NULL};
}

static uint64_t io_now(void *loop) { return hal_clock_us(); }

static const rtsp_io_ops loop_ops = {io_watch, io_set_events, io_unwatch, io_now};

/*
 * kjs_loop_run_once() dispatches from its pollfd array while callbacks run; an fd watched from a
 * callback (accept, UDP SETUP) that grows the loop's tables would move that array under it. We
 * grow the tables once, up front, to what this server can use (listener + per client one TCP and
 * two RTP/RTCP pairs), with placeholder fds that poll() ignores.
 */
static int reserve_loop_slots(kjs_loop *loop, int n) {
  enum { BASE = -0x40000000 };
  int i, rc = 0;
  for (i = 0; i < n && rc == 0; i++) rc = kjs_loop_fd_watch(loop, BASE - i, 0, KJS_FD_WEAK, fd_trampoline, NULL);
  while (i-- > 0) kjs_loop_fd_unwatch(loop, BASE - i);
  return rc;
}

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
  if (!jv->event_timer) jv->event_timer = kjs_loop_timer_start(jv->loop, 0, dispatch_events, jv);
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
  jv->tick_timer = kjs_loop_timer_start(jv->loop, TICK_MS, on_tick, jv);
}

/* ---- helpers ---- */

/* A server on every address is named by the board's address a laptop reaches (k230:net). */
static int reachable_url(const rtsp_server *s, const char *name, char *url, size_t cap) {
  char ip[16];
  return rtsp_server_url(s, kjs_net_reachable_ipv4(ip, sizeof ip) ? ip : NULL, name, url, cap);
}

static js_server *server_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (jv && !jv->s) {
    kjs_throw(ctx, HAL_ECLOSED, "%s: the server is closed", fn);
    return NULL;
  }
  return jv;
}

static js_session *session_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_session *js = JS_GetOpaque2(ctx, this_val, session_class_id);
  if (js && !js->srv) {
    kjs_throw(ctx, HAL_ECLOSED, "%s: the session is closed", fn);
    return NULL;
  }
  return js;
}

/* A string option (undefined -> def, which may be NULL); 0 or -1 with TypeError pending.
 * The result is copied into out[cap]. */
static int opt_string(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, const char *def, char *out,
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

static JSValue server_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new RtspServer";
  static const char *const schemes[] = {"digest", "basic", NULL};
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (kjs_check_options(ctx, opts, fn) < 0) return JS_EXCEPTION;
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  int64_t port, mtu, timeout_s, req_timeout_s, max_clients, queue_bytes;
  char host[64], user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX], realm[RTSP_AUTH_FIELD_MAX];
  if (kjs_opt_int(ctx, opts, fn, "port", 8554, 0, 65535, &port) < 0 ||
      opt_string(ctx, opts, fn, "host", "0.0.0.0", host, sizeof host, NULL) < 0 ||
      kjs_opt_int(ctx, opts, fn, "mtu", (int64_t)cfg.mtu, 576, 9000, &mtu) < 0 ||
      kjs_opt_int(ctx, opts, fn, "sessionTimeoutS", cfg.session_timeout_s, 1, 3600, &timeout_s) < 0 ||
      kjs_opt_int(ctx, opts, fn, "requestTimeoutS", cfg.request_timeout_s, 1, 3600, &req_timeout_s) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxClients", cfg.max_clients, 1, 1024, &max_clients) < 0 ||
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
    int bad = opt_string(ctx, auth, fn, "user", NULL, user, sizeof user, &has_user) < 0 ||
              opt_string(ctx, auth, fn, "password", NULL, pass, sizeof pass, &has_pass) < 0 ||
              opt_string(ctx, auth, fn, "realm", "k230js", realm, sizeof realm, NULL) < 0 ||
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
  cfg.queue_max_bytes = (size_t)queue_bytes;
  cfg.on_event = on_core_event;

  js_server *jv = calloc(1, sizeof *jv);
  if (!jv) return JS_ThrowOutOfMemory(ctx);
  jv->ctx = ctx;
  jv->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  snprintf(jv->host, sizeof jv->host, "%s", host);
  if (kjs_events_init(ctx, &jv->listeners, event_names) < 0) goto fail;
  cfg.user = jv;
  JSValue obj = JS_UNDEFINED;
  int rc = rtsp_server_new(&cfg, &jv->s);
  if (rc < 0) {
    kjs_throw(ctx, rc, "%s: invalid configuration", fn);
    goto fail;
  }
  rc = reserve_loop_slots(jv->loop, 1 + (int)max_clients * (1 + 4) + 8);
  if (rc == 0) rc = rtsp_server_listen(jv->s, &loop_ops, jv);
  if (rc < 0) {
    if (rc == HAL_EBUSY)
      kjs_throw(ctx, rc, "%s: %s port %d is already in use", fn, host, (int)port);
    else if (rc == HAL_EINVAL)
      kjs_throw(ctx, rc, "%s: host '%s' is not a numeric IPv4 or IPv6 address", fn, host);
    else
      kjs_throw(ctx, rc, "%s: cannot listen on %s port %d: %s", fn, host, (int)port, hal_strerror(rc));
    goto fail;
  }
  JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
  obj = JS_NewObjectProtoClass(ctx, proto, server_class_id);
  JS_FreeValue(ctx, proto);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, jv);
  jv->self = obj;
  jv->tick_timer = kjs_loop_timer_start(jv->loop, TICK_MS, on_tick, jv);
  return obj;
fail:
  if (jv->s) {
    rtsp_server *s = jv->s;
    jv->s = NULL;
    rtsp_server_close(s);
  }
  kjs_events_free(JS_GetRuntime(ctx), &jv->listeners);
  free(jv->fds);
  free(jv);
  return JS_EXCEPTION;
}

static JSValue server_create_session(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "RtspServer.createSession";
  static const char *const vcodecs[] = {"h264", "h265", "none", NULL};
  static const char *const acodecs[] = {"none", "g711u", "g711a", NULL};
  js_server *jv = server_of(ctx, this_val, fn);
  if (!jv) return JS_EXCEPTION;
  if (argc < 1 || !JS_IsString(argv[0])) return JS_ThrowTypeError(ctx, "%s: name must be a string", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  int v, a;
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_enum(ctx, opts, fn, "video", vcodecs, 0, &v) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "audio", acodecs, 0, &a) < 0)
    return JS_EXCEPTION;
  rtsp_mount_config mc = {v == 0 ? RTSP_VIDEO_H264 : v == 1 ? RTSP_VIDEO_H265 : RTSP_VIDEO_NONE,
                          a == 0 ? RTSP_AUDIO_NONE : a == 1 ? RTSP_AUDIO_PCMU : RTSP_AUDIO_PCMA};
  if (mc.video == RTSP_VIDEO_NONE && mc.audio == RTSP_AUDIO_NONE)
    return JS_ThrowTypeError(ctx, "%s: a session needs video or audio", fn);
  const char *name = JS_ToCString(ctx, argv[0]);
  if (!name) return JS_EXCEPTION;
  js_session *js = calloc(1, sizeof *js);
  if (!js) {
    JS_FreeCString(ctx, name);
    return JS_ThrowOutOfMemory(ctx);
  }
  int rc = strlen(name) < sizeof js->name ? rtsp_server_add_mount(jv->s, name, &mc, &js->m) : HAL_EINVAL;
  if (rc < 0) {
    JSValue e = rc == HAL_EBUSY ? kjs_throw(ctx, rc, "%s: a session named '%s' exists already", fn, name)
                : rc == HAL_EINVAL
                    ? JS_ThrowRangeError(ctx,
                                         "%s: name '%s' must be 1-63 characters of A-Z a-z 0-9 . _ - / "
                                         "without a leading or trailing '/' or '..'",
                                         fn, name)
                    : kjs_throw(ctx, rc, "%s: %s", fn, hal_strerror(rc));
    JS_FreeCString(ctx, name);
    free(js);
    return e;
  }
  snprintf(js->name, sizeof js->name, "%s", name);
  JS_FreeCString(ctx, name);
  JSValue obj = JS_NewObjectClass(ctx, (int)session_class_id);
  if (JS_IsException(obj)) {
    rtsp_server_remove_mount(jv->s, js->m);
    free(js);
    return obj;
  }
  js->srv = jv;
  js->video = mc.video;
  js->audio = mc.audio;
  js->server = JS_DupValue(ctx, this_val);
  js->next = jv->sessions;
  jv->sessions = js;
  JS_SetOpaque(obj, js);
  return obj;
}

static JSValue server_url(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "RtspServer.url";
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (!jv) return JS_EXCEPTION;
  const char *name = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (argc > 0 && !JS_IsUndefined(argv[0]) && !name) return JS_ThrowTypeError(ctx, "%s: name must be a string", fn);
  char url[256];
  int n;
  if (jv->s) {
    n = reachable_url(jv->s, name ? name : "", url, sizeof url);
  } else {
    n = HAL_ECLOSED;
  }
  if (name) JS_FreeCString(ctx, name);
  if (n == HAL_ECLOSED) return kjs_throw(ctx, n, "%s: the server is closed", fn);
  if (n < 0) return JS_ThrowRangeError(ctx, "%s: name is too long", fn);
  return JS_NewString(ctx, url);
}

static JSValue server_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (!jv) return JS_EXCEPTION;
  return kjs_events_on(ctx, &jv->listeners, this_val, argc, argv, magic ? "RtspServer.off" : "RtspServer.on", magic);
}

static JSValue server_get_client_count(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (!jv) return JS_EXCEPTION;
  if (!jv->s) return JS_NewInt32(ctx, 0);
  rtsp_stats st;
  rtsp_server_stats(jv->s, &st);
  return JS_NewInt32(ctx, st.conns);
}

static JSValue server_get_port(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (!jv) return JS_EXCEPTION;
  return jv->s ? JS_NewInt32(ctx, rtsp_server_port(jv->s)) : JS_NewInt32(ctx, 0);
}

static JSValue server_get_host(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  return jv ? JS_NewString(ctx, jv->host) : JS_EXCEPTION;
}

static JSValue server_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  return jv ? JS_NewBool(ctx, jv->s == NULL) : JS_EXCEPTION;
}

static JSValue mount_stats_to_js(JSContext *ctx, const js_session *js) {
  rtsp_mount_stats ms;
  rtsp_mount_get_stats(js->m, &ms);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "readers", JS_NewInt32(ctx, ms.readers));
  JS_SetPropertyStr(ctx, o, "framesIn", JS_NewInt64(ctx, (int64_t)ms.frames_in));
  JS_SetPropertyStr(ctx, o, "drops", JS_NewInt64(ctx, (int64_t)ms.drops));
  return o;
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
  JSValue per = JS_NewObject(ctx);
  for (js_session *js = jv->sessions; js; js = js->next)
    JS_SetPropertyStr(ctx, per, js->name, mount_stats_to_js(ctx, js));
  JS_SetPropertyStr(ctx, o, "perSession", per);
  return o;
}

static JSValue server_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_server *jv = JS_GetOpaque2(ctx, this_val, server_class_id);
  if (!jv) return JS_EXCEPTION;
  server_close(jv);
  return JS_UNDEFINED;
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
      kjs_get_bytes(ctx, argv[0], magic ? "RtspSession.sendAudio: data" : "RtspSession.sendVideo: data", &data,
                    &len) < 0)
    return JS_EXCEPTION;
  if (magic && js->audio == RTSP_AUDIO_NONE)
    return kjs_throw(ctx, HAL_ENOTSUP, "%s: session '%s' was created without audio", fn, js->name);
  if (!magic && js->video == RTSP_VIDEO_NONE)
    return kjs_throw(ctx, HAL_ENOTSUP, "%s: session '%s' was created without video", fn, js->name);
  if (!len) return JS_UNDEFINED;
  int rc = magic ? rtsp_mount_send_audio(js->m, data, len, (uint64_t)pts)
                 : rtsp_mount_send_video(js->m, data, len, (uint64_t)pts);
  if (rc < 0) return kjs_throw(ctx, rc, "%s: %s", fn, rc == HAL_EINVAL ? "not a valid frame" : hal_strerror(rc));
  return JS_UNDEFINED;
}

static JSValue session_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_session *js = JS_GetOpaque2(ctx, this_val, session_class_id);
  if (!js) return JS_EXCEPTION;
  session_close(js);
  return JS_UNDEFINED;
}

static JSValue session_get_name(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, session_class_id);
  return js ? JS_NewString(ctx, js->name) : JS_EXCEPTION;
}

static JSValue session_get_url(JSContext *ctx, JSValueConst this_val) {
  js_session *js = session_of(ctx, this_val, "RtspSession.url");
  if (!js) return JS_EXCEPTION;
  char url[256];
  if (reachable_url(js->srv->s, js->name, url, sizeof url) < 0) return JS_ThrowRangeError(ctx, "url too long");
  return JS_NewString(ctx, url);
}

static JSValue session_get_closed(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, session_class_id);
  return js ? JS_NewBool(ctx, js->srv == NULL) : JS_EXCEPTION;
}

static JSValue session_get_server(JSContext *ctx, JSValueConst this_val) {
  js_session *js = JS_GetOpaque2(ctx, this_val, session_class_id);
  return js ? JS_DupValue(ctx, js->server) : JS_EXCEPTION;
}

static JSValue session_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_session *js = session_of(ctx, this_val, "RtspSession.stats");
  return js ? mount_stats_to_js(ctx, js) : JS_EXCEPTION;
}

/* ---- kjs/sink.h target ---- */

static int sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header) {
  js_session *js = user;
  if (!js->srv || !js->m) return HAL_ECLOSED;
  if (js->video == RTSP_VIDEO_NONE) return HAL_ENOTSUP;
  return len ? rtsp_mount_send_video(js->m, annexb, len, pts_us) : 0;
}

static int sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  js_session *js = user;
  if (!js->srv || !js->m) return HAL_ECLOSED;
  if (js->audio == RTSP_AUDIO_NONE) return 0; /* a session without audio ignores the encoder's audio */
  return len ? rtsp_mount_send_audio(js->m, data, len, pts_us) : 0;
}

static int session_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  js_session *js = JS_GetOpaque(target, session_class_id);
  if (!js) return -1;
  /* A closed session still yields a sink: its first call returns HAL_ECLOSED and the pipe
   * reports that, which names the real problem. */
  *out = (kjs_media_sink){sink_video, sink_audio, NULL, js};
  return 0;
}

/* ---- RtspPusher: publishing to another server (rtsp/pusher.h) ---- */

static JSClassID pusher_class_id;

typedef struct js_pusher {
  JSContext *ctx;
  kjs_loop *loop;
  rtsp_push_conn *c; /* NULL before connect() and once the socket is gone */
  rtsp_pusher_config cfg;
  char url[512], user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX];
  int video, audio;
  int state; /* rtsp_push_state as last reported */
  int fail_status, fail_code, fail_errno;
  char fail_msg[768];
  rtsp_pusher_stats last; /* kept when the connection is freed */
  JSValue promise, resolve, reject; /* connect()'s; JS_UNDEFINED when none */
  bool settled;
  uint64_t tick_timer, settle_timer;
  void (*fd_cb)(void *loop, int fd, int revents, void *user);
  void *fd_user;
} js_pusher;

static void pusher_fd_trampoline(kjs_loop *loop, int fd, int revents, void *user) {
  js_pusher *jp = user;
  if (jp->fd_cb) jp->fd_cb(jp, fd, revents, jp->fd_user);
}

static int pio_watch(void *loop, int fd, short events, void (*cb)(void *, int, int, void *), void *user) {
  js_pusher *jp = loop;
  jp->fd_cb = cb;
  jp->fd_user = user;
  int rc = kjs_loop_fd_watch(jp->loop, fd, events, 0, pusher_fd_trampoline, jp);
  if (rc < 0) jp->fd_cb = NULL;
  return rc;
}

static void pio_set_events(void *loop, int fd, short events) {
  js_pusher *jp = loop;
  kjs_loop_fd_set_events(jp->loop, fd, events);
}

static void pio_unwatch(void *loop, int fd) {
  js_pusher *jp = loop;
  kjs_loop_fd_unwatch(jp->loop, fd);
  jp->fd_cb = NULL;
}

static const rtsp_io_ops pusher_loop_ops = {pio_watch, pio_set_events, pio_unwatch, io_now};

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
  JS_SetPropertyStr(ctx, e, "code", JS_NewString(ctx, code ? code : hal_err_name(jp->fail_code ? jp->fail_code : HAL_EIO)));
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
      snprintf(jp->fail_msg, sizeof jp->fail_msg, "closed before the server accepted RECORD");
      jp->fail_code = HAL_ECLOSED;
    }
    arg = pusher_error(ctx, jp, "RtspPusher.connect");
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
    jp->settle_timer = kjs_loop_timer_start(jp->loop, 0, pusher_settle, jp);
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
    if (jp->c && jp->state == RTSP_PUSH_HANDSHAKE) pusher_on_state(jp, RTSP_PUSH_FAILED, 0, HAL_EIO);
    pusher_release(jp); /* the loop may end now */
    return;
  }
  jp->tick_timer = kjs_loop_timer_start(jp->loop, TICK_MS, pusher_tick, jp);
}

static void pusher_finalizer(JSRuntime *rt, JSValueConst val) {
  js_pusher *jp = JS_GetOpaque(val, pusher_class_id);
  if (!jp) return;
  if (jp->c) rtsp_push_conn_free(jp->c);
  if (jp->tick_timer) kjs_loop_timer_cancel(jp->loop, jp->tick_timer);
  if (jp->settle_timer) kjs_loop_timer_cancel(jp->loop, jp->settle_timer);
  JS_FreeValueRT(rt, jp->promise);
  JS_FreeValueRT(rt, jp->resolve);
  JS_FreeValueRT(rt, jp->reject);
  free(jp);
}

static void pusher_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  js_pusher *jp = JS_GetOpaque(val, pusher_class_id);
  if (!jp) return;
  JS_MarkValue(rt, jp->promise, mark_func);
  JS_MarkValue(rt, jp->resolve, mark_func);
  JS_MarkValue(rt, jp->reject, mark_func);
}

static const JSClassDef pusher_class = {"RtspPusher", .finalizer = pusher_finalizer, .gc_mark = pusher_gc_mark};

static JSValue pusher_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new RtspPusher";
  static const char *const vcodecs[] = {"h264", "h265", "none", NULL};
  static const char *const acodecs[] = {"none", "g711u", "g711a", NULL};
  if (argc < 1 || !JS_IsString(argv[0])) return JS_ThrowTypeError(ctx, "%s: url must be a string", fn);
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  int v, a;
  int64_t mtu;
  if (kjs_check_options(ctx, opts, fn) < 0 || kjs_opt_enum(ctx, opts, fn, "video", vcodecs, 0, &v) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "audio", acodecs, 0, &a) < 0 ||
      kjs_opt_int(ctx, opts, fn, "mtu", 1400, 576, 9000, &mtu) < 0)
    return JS_EXCEPTION;
  js_pusher *jp = calloc(1, sizeof *jp);
  if (!jp) return JS_ThrowOutOfMemory(ctx);
  jp->promise = jp->resolve = jp->reject = JS_UNDEFINED;
  JSValue auth = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, "auth") : JS_UNDEFINED;
  if (JS_IsException(auth)) goto fail;
  if (!JS_IsUndefined(auth)) {
    bool hu = false, hp = false;
    int bad = !JS_IsObject(auth) || opt_string(ctx, auth, fn, "user", NULL, jp->user, sizeof jp->user, &hu) < 0 ||
              opt_string(ctx, auth, fn, "password", NULL, jp->pass, sizeof jp->pass, &hp) < 0;
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
  jp->video = v == 0 ? RTSP_VIDEO_H264 : v == 1 ? RTSP_VIDEO_H265 : RTSP_VIDEO_NONE;
  jp->audio = a == 0 ? RTSP_AUDIO_NONE : a == 1 ? RTSP_AUDIO_PCMU : RTSP_AUDIO_PCMA;
  if (jp->video == RTSP_VIDEO_NONE && jp->audio == RTSP_AUDIO_NONE) {
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
  jp->ctx = ctx;
  jp->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, pusher_class_id);
  JS_FreeValue(ctx, proto);
  if (JS_IsException(obj)) goto fail;
  JS_SetOpaque(obj, jp);
  return obj;
fail:
  free(jp);
  return JS_EXCEPTION;
}

static JSValue pusher_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "RtspPusher.connect";
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  if (!jp) return JS_EXCEPTION;
  if (!JS_IsUndefined(jp->promise)) return JS_DupValue(ctx, jp->promise); /* one connection per pusher */
  JSValue funcs[2];
  JSValue promise = JS_NewPromiseCapability(ctx, funcs);
  if (JS_IsException(promise)) return promise;
  jp->promise = JS_DupValue(ctx, promise);
  jp->resolve = funcs[0];
  jp->reject = funcs[1];
  jp->state = RTSP_PUSH_HANDSHAKE;
  reserve_loop_slots(jp->loop, 2);
  int rc = rtsp_push_connect(&jp->cfg, &pusher_loop_ops, jp, pusher_on_state, jp, &jp->c);
  if (rc < 0) {
    jp->c = NULL;
    jp->state = RTSP_PUSH_FAILED;
    jp->fail_code = rc;
    snprintf(jp->fail_msg, sizeof jp->fail_msg, "cannot connect to %s: %s", jp->url,
             rc == HAL_EINVAL ? "the host must be a numeric IPv4/IPv6 address or localhost" : hal_strerror(rc));
    (void)fn;
    jp->settle_timer = kjs_loop_timer_start(jp->loop, 0, pusher_settle, jp);
    return promise;
  }
  jp->tick_timer = kjs_loop_timer_start(jp->loop, TICK_MS, pusher_tick, jp);
  return promise;
}

static js_pusher *pusher_live(JSContext *ctx, JSValueConst this_val, const char *fn) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  if (!jp) return NULL;
  if (jp->state == RTSP_PUSH_FAILED) {
    JS_Throw(ctx, pusher_error(ctx, jp, fn));
    return NULL;
  }
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) {
    kjs_throw(ctx, jp->state == RTSP_PUSH_CLOSED ? HAL_ECLOSED : HAL_ESTATE, "%s: %s", fn,
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
    return kjs_throw(ctx, HAL_ENOTSUP, "%s: the pusher was created without audio", fn);
  if (!magic && jp->video == RTSP_VIDEO_NONE)
    return kjs_throw(ctx, HAL_ENOTSUP, "%s: the pusher was created without video", fn);
  if (!len) return JS_UNDEFINED;
  rtsp_pusher *p = rtsp_push_conn_pusher(jp->c);
  int rc = magic ? rtsp_pusher_send_audio(p, data, len, (uint64_t)pts) : rtsp_pusher_send_video(p, data, len, (uint64_t)pts);
  if (rc < 0 && jp->state == RTSP_PUSH_FAILED) return JS_Throw(ctx, pusher_error(ctx, jp, fn));
  if (rc < 0) return kjs_throw(ctx, rc, "%s: %s", fn, rc == HAL_EINVAL ? "not a valid frame" : hal_strerror(rc));
  return JS_UNDEFINED;
}

static JSValue pusher_close_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  if (!jp) return JS_EXCEPTION;
  if (jp->c) rtsp_push_conn_close(jp->c, false); /* TEARDOWN, then the socket closes (tick) */
  else if (jp->state != RTSP_PUSH_FAILED) jp->state = RTSP_PUSH_CLOSED;
  return JS_UNDEFINED;
}

static const char *const push_state_names[] = {"idle", "connecting", "recording", "failed", "closed"};

static JSValue pusher_get_state(JSContext *ctx, JSValueConst this_val) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  if (!jp) return JS_EXCEPTION;
  return JS_NewString(ctx, push_state_names[jp->state >= 0 && jp->state <= 4 ? jp->state : 0]);
}

static JSValue pusher_get_url(JSContext *ctx, JSValueConst this_val) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  return jp ? JS_NewString(ctx, jp->url) : JS_EXCEPTION;
}

static JSValue pusher_stats(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  js_pusher *jp = JS_GetOpaque2(ctx, this_val, pusher_class_id);
  if (!jp) return JS_EXCEPTION;
  rtsp_pusher_stats st = jp->last;
  if (jp->c) rtsp_pusher_get_stats(rtsp_push_conn_pusher(jp->c), &st);
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "state", JS_NewString(ctx, push_state_names[jp->state >= 0 && jp->state <= 4 ? jp->state : 0]));
  JS_SetPropertyStr(ctx, o, "framesSent", JS_NewInt64(ctx, (int64_t)st.frames_sent));
  JS_SetPropertyStr(ctx, o, "framesDropped", JS_NewInt64(ctx, (int64_t)st.frames_dropped));
  JS_SetPropertyStr(ctx, o, "packetsSent", JS_NewInt64(ctx, (int64_t)st.packets_sent));
  JS_SetPropertyStr(ctx, o, "bytesSent", JS_NewInt64(ctx, (int64_t)st.bytes_sent));
  return o;
}

static int pusher_sink_video(void *user, const uint8_t *annexb, size_t len, uint64_t pts_us, bool keyframe, bool header) {
  js_pusher *jp = user;
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) return HAL_ECLOSED;
  if (jp->state == RTSP_PUSH_FAILED) return jp->fail_code ? jp->fail_code : HAL_EIO;
  if (jp->video == RTSP_VIDEO_NONE) return HAL_ENOTSUP;
  return len ? rtsp_pusher_send_video(rtsp_push_conn_pusher(jp->c), annexb, len, pts_us) : 0;
}

static int pusher_sink_audio(void *user, const uint8_t *data, size_t len, uint64_t pts_us) {
  js_pusher *jp = user;
  if (!jp->c || jp->state == RTSP_PUSH_CLOSED) return HAL_ECLOSED;
  if (jp->state == RTSP_PUSH_FAILED) return jp->fail_code ? jp->fail_code : HAL_EIO;
  if (jp->audio == RTSP_AUDIO_NONE) return 0;
  return len ? rtsp_pusher_send_audio(rtsp_push_conn_pusher(jp->c), data, len, pts_us) : 0;
}

static int pusher_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out) {
  js_pusher *jp = JS_GetOpaque(target, pusher_class_id);
  if (!jp) return -1;
  /* Frames before RECORD is accepted (or before connect()) update the parameter-set cache and
   * are dropped: a pipe may start before the connection does. */
  *out = (kjs_media_sink){pusher_sink_video, pusher_sink_audio, NULL, jp};
  return 0;
}

static const JSCFunctionListEntry pusher_proto_funcs[] = {
    JS_CFUNC_DEF("connect", 0, pusher_connect),
    JS_CFUNC_MAGIC_DEF("sendVideo", 2, pusher_send, 0),
    JS_CFUNC_MAGIC_DEF("sendAudio", 2, pusher_send, 1),
    JS_CFUNC_DEF("stats", 0, pusher_stats),
    JS_CFUNC_DEF("close", 0, pusher_close_js),
    JS_CGETSET_DEF("state", pusher_get_state, NULL),
    JS_CGETSET_DEF("url", pusher_get_url, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "RtspPusher", JS_PROP_CONFIGURABLE),
};

/* ---- function lists ---- */

static const JSCFunctionListEntry server_proto_funcs[] = {
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

static const JSCFunctionListEntry session_proto_funcs[] = {
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

/* ---- init ---- */

static JSValue session_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return JS_ThrowTypeError(ctx, "RtspSession: use server.createSession(name, options)");
}

static int rtsp_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue server = kjs_class_create(ctx, &server_class_id, &server_class, server_ctor, 1, server_proto_funcs,
                              sizeof server_proto_funcs / sizeof server_proto_funcs[0]);
  JSValue session = kjs_class_create(ctx, &session_class_id, &session_class, session_ctor, 1, session_proto_funcs,
                               sizeof session_proto_funcs / sizeof session_proto_funcs[0]);
  JSValue pusher = kjs_class_create(ctx, &pusher_class_id, &pusher_class, pusher_ctor, 1, pusher_proto_funcs,
                              sizeof pusher_proto_funcs / sizeof pusher_proto_funcs[0]);
  kjs_media_sink_register(session_sink_getter);
  kjs_media_sink_register(pusher_sink_getter);
  JS_SetModuleExport(ctx, m, "RtspServer", server);
  JS_SetModuleExport(ctx, m, "RtspPusher", pusher);
  JS_SetModuleExport(ctx, m, "RtspSession", session);
  return 0;
}

JSModuleDef *kjs_mod_rtsp_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, rtsp_module_init);
  if (!m) return NULL;
  JS_AddModuleExport(ctx, m, "RtspServer");
  JS_AddModuleExport(ctx, m, "RtspSession");
  JS_AddModuleExport(ctx, m, "RtspPusher");
  return m;
}
