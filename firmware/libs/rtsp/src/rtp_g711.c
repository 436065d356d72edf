// G.711 RTP payload, RFC 3551 §4.5.14 (PCMU PT 0, PCMA PT 8): one octet per sample at 8000 Hz,
// so the timestamp advances by the payload size.
#include "base/errors.h"
#include "rtsp/rtp.h"

int rtp_g711_packetize(rtp_packetizer *p, const uint8_t *s, size_t n, uint32_t ts, rtp_pktbuf *out) {
  if (!s || !n || p->mtu < RTP_MTU_MIN) return ERR_EINVAL;
  uint8_t h[RTP_HEADER_SIZE];
  size_t room = p->mtu - RTP_HEADER_SIZE, pos = 0;
  while (pos < n) {
    size_t k = n - pos < room ? n - pos : room;
    rtp_header_write(h, false, p->pt, p->seq++, ts + (uint32_t)pos, p->ssrc);
    int r = rtp_pktbuf_add(out, h, sizeof h, s + pos, k, NULL, 0);
    if (r) return r;
    pos += k;
  }
  return 0;
}
