/* libFuzzer: arbitrary bytes into one RTSP connection of a server with one H.264+PCMU mount,
 * then media through the hub, then teardown. Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtsp/server.h"

static int f_send(void *u, const void *b, size_t n) { return 0; }
static size_t f_backlog(void *u) { return 0; }
static int f_udp_open(void *u, int t, int a, int b, int sp[2]) {
  sp[0] = 6000;
  sp[1] = 6001;
  return 0;
}
static int f_udp_send(void *u, int t, bool r, const void *h, size_t hl, const void *p, size_t pl) { return 0; }
static void f_close(void *u) { *(int *)u = 1; }
static const rtsp_conn_io io = {f_send, f_backlog, f_udp_open, f_udp_send, NULL, f_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  rtsp_server *s;
  if (rtsp_server_new(&cfg, &s)) return 0;
  rtsp_mount *m;
  rtsp_server_add_mount(s, "live", &(rtsp_mount_config){RTSP_VIDEO_H264, RTSP_AUDIO_PCMU}, &m);
  int closed = 0;
  rtsp_conn *c;
  if (rtsp_conn_new(s, &io, &closed, "fuzz", &c) == 0) {
    /* split the input in two feeds at a data-dependent point to exercise partial parsing */
    size_t cut = size ? data[0] % (size + 1) : 0;
    rtsp_conn_feed(c, data, cut);
    if (!closed) rtsp_conn_feed(c, data + cut, size - cut);
    static const uint8_t idr[] = {0, 0,    0,    1,    0x67, 0x42, 0, 0x1e, 0x40, 0,    0,    0,
                                  1, 0x68, 0xce, 0x38, 0,    0,    0, 1,    0x65, 0x88, 0x84, 0x21};
    rtsp_mount_send_video(m, idr, sizeof idr, 0);
    uint8_t pcm[160] = {0};
    rtsp_mount_send_audio(m, pcm, sizeof pcm, 0);
    rtsp_server_tick(s);
    rtsp_conn_free(c);
  }
  rtsp_server_close(s);
  return 0;
}
