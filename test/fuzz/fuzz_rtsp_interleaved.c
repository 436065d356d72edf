/* libFuzzer: interleaved '$' frames (RFC 2326 §10.12) mixed with requests, on a connection that
 * has set up TCP interleaved channels 0-1 and plays; also the frame splitter alone. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtsp/message.h"
#include "rtsp/rtcp.h"
#include "rtsp/server.h"

static int f_send(void *u, const void *b, size_t n) { return 0; }
static void f_close(void *u) { *(int *)u = 1; }
static const rtsp_conn_io io = {f_send, NULL, NULL, NULL, NULL, f_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the splitter on its own */
  size_t pos = 0;
  while (pos < size && data[pos] == '$') {
    int ch;
    const uint8_t *d;
    size_t n;
    int used = rtsp_interleaved_parse(data + pos, size - pos, &ch, &d, &n);
    if (used <= 0) break;
    rtcp_rr_block rr[4];
    rtcp_parse_reports(d, n, rr, 4);
    pos += (size_t)used;
  }
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  rtsp_server *s;
  if (rtsp_server_new(&cfg, &s)) return 0;
  rtsp_mount *m;
  rtsp_server_add_mount(s, "live", &(rtsp_mount_config){RTSP_VIDEO_H264, RTSP_AUDIO_NONE}, &m);
  int closed = 0;
  rtsp_conn *c;
  if (rtsp_conn_new(s, &io, &closed, "fuzz", &c) == 0) {
    static const char setup[] =
        "SETUP rtsp://h/live/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n";
    rtsp_conn_feed(c, (const uint8_t *)setup, sizeof setup - 1);
    if (!closed) rtsp_conn_feed(c, data, size);
    rtsp_conn_free(c);
  }
  rtsp_server_close(s);
  return 0;
}
