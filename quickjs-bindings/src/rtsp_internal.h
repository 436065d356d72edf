/*
 * Internal to k230:rtsp: what mod_rtsp.c (module init) and the class files share —
 * rtsp_server.c (RtspServer: listening socket, clients, events, stats), rtsp_session.c
 * (RtspSession: one mount fed by sendVideo/sendAudio or a pipe, kjs/sink.h), rtsp_pusher.c
 * (RtspPusher: publishing to another server) and rtsp_loop.c (the libs' rtsp_io_ops on the
 * runtime's loop, one adapter for the server and the pusher).
 *
 * Ownership: a server owns its sessions until close() (theirs or its own): it holds a
 * reference to each session object, and each session holds one to its server.
 */
#ifndef KJS_RTSP_INTERNAL_H
#define KJS_RTSP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "base/errors.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/events.h"
#include "kjs/loop.h"
#include "kjs/modules.h"
#include "kjs/sink.h"
#include "kjs/vm.h"
#include "rtsp/pusher.h"
#include "rtsp/server.h"
#include "rtsp/server_posix.h"

enum { RTSP_JS_TICK_MS = 200 };

/* ---- rtsp_loop.c: rtsp_io_ops on kjs_loop ---- */

typedef struct rtsp_js_fd {
  void (*cb)(void *loop, int fd, int revents, void *user);
  void *user;
  uint32_t gen; /* bumped when the fd is unwatched: tells a stale readiness report from a new one */
  short events;
} rtsp_js_fd;

/* Pass a pointer to this as the libs' `loop`: their fd callbacks behind the runtime's loop. */
typedef struct rtsp_js_loop {
  kjs_loop *loop;
  rtsp_js_fd *fds; /* indexed by fd */
  int cap_fds;
  int mux_fd; /* rtsp_loop_mux_linux.c's epoll set, -1 until the first fd */
  int active; /* watched fds with events: the set keeps the runtime's loop alive while > 0 */
} rtsp_js_loop;

extern const rtsp_io_ops rtsp_js_loop_ops;
void rtsp_js_loop_init(rtsp_js_loop *l, kjs_loop *loop);
void rtsp_js_loop_free(rtsp_js_loop *l); /* the fds must be unwatched already */
/* Hands a readiness report (poll(2) revents) to the fd's callback. */
void rtsp_js_loop_dispatch(rtsp_js_loop *l, int fd, uint32_t gen, int revents);

/*
 * How the fds reach the runtime's loop, one file per system-call set (K230JS_SYSCALLS):
 *   rtsp_loop_mux_rtsmart.c  each fd watched by the loop itself (poll(2) over all of them on
 *                            every turn: all RT-Smart has)
 *   rtsp_loop_mux_linux.c    one epoll set watched by the loop, so a turn costs what is ready,
 *                            not what is connected (1000 viewers: their sockets are polled
 *                            about 30 times a second for nothing otherwise)
 * l->fds[fd] is filled in before watch and cleared after unwatch. 0 or a negative code.
 */
int rtsp_js_mux_watch(rtsp_js_loop *l, int fd, short events);
void rtsp_js_mux_events(rtsp_js_loop *l, int fd, short events);
void rtsp_js_mux_unwatch(rtsp_js_loop *l, int fd);
void rtsp_js_mux_free(rtsp_js_loop *l);

/* ---- private structs ---- */

typedef struct pending_event {
  int type;
  uint64_t conn_id;
  char peer[64];
  char mount[64];
} pending_event;

enum { EV_CONNECT, EV_DISCONNECT, EV_PLAY, EV_STOP, EV_COUNT };

typedef struct js_session js_session;

typedef struct js_server {
  JSContext *ctx;
  rtsp_js_loop io;
  rtsp_server *s; /* NULL once closed */
  JSValue self;   /* not owned: valid while the object lives (the finalizer cancels every use) */
  uint64_t tick_timer;
  uint64_t event_timer; /* a 0 ms timer dispatching queued events, 0 when none */
  kjs_events listeners;
  /* Events from the core are queued and delivered from a timer, never from inside a core call,
   * so a listener may call anything (even close()) safely. */
  pending_event *events;
  int nevents, cap_events;
  js_session *sessions;
  char host[64];
} js_server;

struct js_session {
  js_server *srv; /* NULL once the session or its server is closed (or the server is gone) */
  rtsp_mount *m;
  JSValue server; /* owned: a session keeps its server object alive */
  JSValue obj;    /* owned by the server while linked: the server keeps its sessions alive */
  char name[64];
  int video, audio;     /* rtsp_video_codec / rtsp_audio_codec */
  kjs_sink_clock clock; /* piped live media on one clock */
  js_session *next;
};

/* ---- class ids ---- */

extern JSClassID rtsp_server_class_id, rtsp_session_class_id, rtsp_pusher_class_id, rtsp_probe_class_id;

/* ---- shared helpers ---- */

/* A string option (undefined -> def, which may be NULL); 0 or -1 with TypeError pending.
 * The result is copied into out[cap]. */
int rtsp_js_opt_string(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, const char *def, char *out,
                       size_t cap, bool *present);
/* rtsp_server_url() naming a server on every address by the board's reachable address
 * (k230:net, kjs/net.h): what a laptop can open. */
int rtsp_js_url(const rtsp_server *s, const char *name, char *url, size_t cap);
/* options.video / options.audio of a session or a pusher. 0 or -1 with TypeError pending. */
int rtsp_js_opt_codecs(JSContext *ctx, JSValueConst opts, const char *fn, rtsp_video_codec *video,
                       rtsp_audio_codec *audio);

/* rtsp_session.c */
JSValue rtsp_session_new(JSContext *ctx, JSValueConst server, js_server *jv, const char *name,
                         const rtsp_mount_config *mc, const char *fn);
void rtsp_session_unlink(js_session *js, JSRuntime *rt);
JSValue rtsp_mount_stats_to_js(JSContext *ctx, const js_session *js);
int rtsp_session_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out);
extern const JSClassDef rtsp_session_class;
extern const JSCFunctionListEntry rtsp_session_proto_funcs[];
extern const int rtsp_session_proto_count;
JSValue rtsp_session_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv);

/* rtsp_server.c */
extern const JSClassDef rtsp_server_class;
extern const JSCFunctionListEntry rtsp_server_proto_funcs[];
extern const int rtsp_server_proto_count;
JSValue rtsp_server_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv);

/* rtsp_pusher.c */
extern const JSClassDef rtsp_pusher_class;
extern const JSCFunctionListEntry rtsp_pusher_proto_funcs[];
extern const int rtsp_pusher_proto_count;
JSValue rtsp_pusher_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv);
/* RtspProbe: the same client, viewing (DESCRIBE, SETUP, PLAY) */
extern const JSClassDef rtsp_probe_class;
extern const JSCFunctionListEntry rtsp_probe_proto_funcs[];
extern const int rtsp_probe_proto_count;
JSValue rtsp_probe_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv);
int rtsp_pusher_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out);

#endif
