// H.264 RTP payload, RFC 6184: single NAL unit packets (§5.6) and FU-A fragmentation (§5.8).
// Packetization-mode 1 without STAP-A: every NAL large enough to matter is sent on its own.
#include <string.h>

#include "base/errors.h"
#include "rtsp/rtp.h"

int rtp_h264_packetize(rtp_packetizer *p, const uint8_t *nal, size_t size, uint32_t ts, bool last, rtp_pktbuf *out) {
  if (!nal || size < 1 || p->mtu < RTP_MTU_MIN) return ERR_EINVAL;
  uint8_t h[RTP_HEADER_SIZE + 2];
  size_t room = p->mtu - RTP_HEADER_SIZE;
  if (size <= room) {
    rtp_header_write(h, last, p->pt, p->seq++, ts, p->ssrc);
    return rtp_pktbuf_add(out, h, RTP_HEADER_SIZE, nal, size, NULL, 0);
  }
  // §5.8: FU indicator keeps F and NRI with type 28; the FU header carries S/E and the NAL type.
  // The original NAL header byte is not sent; the payload starts at nal[1].
  uint8_t ind = (uint8_t)((nal[0] & 0xE0) | 28), type = nal[0] & 0x1F;
  size_t chunk = room - 2, pos = 1;
  while (pos < size) {
    size_t n = size - pos < chunk ? size - pos : chunk;
    bool first = pos == 1, end = pos + n == size;
    rtp_header_write(h, last && end, p->pt, p->seq++, ts, p->ssrc);
    h[RTP_HEADER_SIZE] = ind;
    h[RTP_HEADER_SIZE + 1] = (uint8_t)((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
    int r = rtp_pktbuf_add(out, h, sizeof h, nal + pos, n, NULL, 0);
    if (r) return r;
    pos += n;
  }
  return 0;
}
