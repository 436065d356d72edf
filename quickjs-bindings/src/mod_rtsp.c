/*
 * k230:rtsp — an RTSP server on firmware/libs/rtsp plugged into the runtime's loop: RtspServer
 * (rtsp_server.c), RtspSession (rtsp_session.c), RtspPusher and RtspProbe (rtsp_pusher.c), on one
 * loop adapter (rtsp_loop.c). Sessions and pushers are pipe targets (kjs/sink.h).
 * Types and docs: js-lib/types/k230-rtsp.d.ts.
 */
#include "kjs/net.h"
#include "rtsp_internal.h"

/* ---- shared helpers ---- */

int rtsp_js_url(const rtsp_server *s, const char *name, char *url, size_t cap) {
  char ip[16];
  return rtsp_server_url(s, kjs_net_reachable_ipv4(ip, sizeof ip) ? ip : NULL, name, url, cap);
}

int rtsp_js_opt_codecs(JSContext *ctx, JSValueConst opts, const char *fn, rtsp_video_codec *video,
                       rtsp_audio_codec *audio) {
  static const char *const vcodecs[] = {"h264", "h265", "none", NULL};
  /* G.711 is "alaw"/"ulaw" in every module (k230:audio, k230:mp4, an Mp4Demuxer track's codec);
   * "g711a"/"g711u" are accepted as aliases there and here. */
  static const char *const acodecs[] = {"none", "ulaw", "alaw", "g711u", "g711a", NULL};
  int v, a;
  if (kjs_opt_enum(ctx, opts, fn, "video", vcodecs, 0, &v) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "audio", acodecs, 0, &a) < 0)
    return -1;
  *video = v == 0 ? RTSP_VIDEO_H264 : v == 1 ? RTSP_VIDEO_H265 : RTSP_VIDEO_NONE;
  *audio = a == 0 ? RTSP_AUDIO_NONE : a % 2 ? RTSP_AUDIO_PCMU : RTSP_AUDIO_PCMA;
  return 0;
}

/* ---- init ---- */

static int rtsp_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue server = kjs_class_create(ctx, &rtsp_server_class_id, &rtsp_server_class, rtsp_server_ctor, 1,
                                    rtsp_server_proto_funcs, rtsp_server_proto_count);
  JSValue session = kjs_class_create(ctx, &rtsp_session_class_id, &rtsp_session_class, rtsp_session_ctor, 1,
                                     rtsp_session_proto_funcs, rtsp_session_proto_count);
  JSValue pusher = kjs_class_create(ctx, &rtsp_pusher_class_id, &rtsp_pusher_class, rtsp_pusher_ctor, 1,
                                    rtsp_pusher_proto_funcs, rtsp_pusher_proto_count);
  JSValue probe = kjs_class_create(ctx, &rtsp_probe_class_id, &rtsp_probe_class, rtsp_probe_ctor, 1,
                                   rtsp_probe_proto_funcs, rtsp_probe_proto_count);
  kjs_media_sink_register("RtspSession", rtsp_session_sink_getter);
  kjs_media_sink_register("RtspPusher", rtsp_pusher_sink_getter);
  JS_SetModuleExport(ctx, m, "RtspServer", server);
  JS_SetModuleExport(ctx, m, "RtspPusher", pusher);
  JS_SetModuleExport(ctx, m, "RtspProbe", probe);
  JS_SetModuleExport(ctx, m, "RtspSession", session);
  return 0;
}

JSModuleDef *kjs_mod_rtsp_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, rtsp_module_init);
  if (!m) return NULL;
  JS_AddModuleExport(ctx, m, "RtspServer");
  JS_AddModuleExport(ctx, m, "RtspSession");
  JS_AddModuleExport(ctx, m, "RtspPusher");
  JS_AddModuleExport(ctx, m, "RtspProbe");
  return m;
}
