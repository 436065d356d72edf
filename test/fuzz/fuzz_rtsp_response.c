/* libFuzzer: arbitrary bytes as a server's replies to a pusher (rtsp_response_parse, the 401
 * challenge, Session and Transport handling, interleaved frames), split across two feeds, then
 * media and teardown. Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include "rtsp/pusher.h"

static int f_sendv(void *u, const rtsp_iov *v, int n) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rtsp_pusher_config cfg = {0};
  cfg.url = "rtsp://user:pw@127.0.0.1:8554/pub";
  cfg.video = RTSP_VIDEO_H264;
  cfg.audio = RTSP_AUDIO_PCMA;
  cfg.sendv = f_sendv;
  rtsp_pusher *p;
  if (rtsp_pusher_new(&cfg, &p)) return 0;
  rtsp_pusher_start(p);
  size_t cut = size ? data[0] % (size + 1) : 0;
  rtsp_pusher_feed(p, data, cut);
  rtsp_pusher_feed(p, data + cut, size - cut);
  static const uint8_t idr[] = {0, 0,    0,    1,    0x67, 0x42, 0, 0x1e, 0x40, 0,    0,    0,
                                1, 0x68, 0xce, 0x38, 0,    0,    0, 1,    0x65, 0x88, 0x84, 0x21};
  rtsp_pusher_send_video(p, idr, sizeof idr, 0);
  uint8_t pcm[160] = {0};
  rtsp_pusher_send_audio(p, pcm, sizeof pcm, 0);
  rtsp_pusher_tick(p, 0);
  rtsp_pusher_teardown(p);
  rtsp_pusher_free(p);
  return 0;
}
