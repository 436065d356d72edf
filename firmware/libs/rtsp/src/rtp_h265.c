// H.265 RTP payload, RFC 7798: single NAL unit packets (§4.4.1) and fragmentation units (§4.4.3).
#include <string.h>

#include "base/errors.h"
#include "rtsp/rtp.h"

int rtp_h265_packetize(rtp_packetizer *p, const uint8_t *nal, size_t size, uint32_t ts, bool last, rtp_pktbuf *out) {
  if (!nal || size < 2 || p->mtu < RTP_MTU_MIN) return ERR_EINVAL;
  uint8_t h[RTP_HEADER_SIZE + 3];
  size_t room = p->mtu - RTP_HEADER_SIZE;
  if (size <= room) {
    rtp_header_write(h, last, p->pt, p->seq++, ts, p->ssrc);
    return rtp_pktbuf_add(out, h, RTP_HEADER_SIZE, nal, size, NULL, 0);
  }
  // §4.4.3: PayloadHdr copies F, LayerId and TID from the NAL header with Type = 49; the FU
  // header holds S, E and the 6-bit FuType. The 2-byte NAL header itself is not sent.
  uint8_t ph0 = (uint8_t)((nal[0] & 0x81) | (49 << 1)), ph1 = nal[1];
  uint8_t type = (nal[0] >> 1) & 0x3F;
  size_t chunk = room - 3, pos = 2;
  while (pos < size) {
    size_t n = size - pos < chunk ? size - pos : chunk;
    bool first = pos == 2, end = pos + n == size;
    rtp_header_write(h, last && end, p->pt, p->seq++, ts, p->ssrc);
    h[RTP_HEADER_SIZE] = ph0;
    h[RTP_HEADER_SIZE + 1] = ph1;
    h[RTP_HEADER_SIZE + 2] = (uint8_t)((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
    int r = rtp_pktbuf_add(out, h, sizeof h, nal + pos, n, NULL, 0);
    if (r) return r;
    pos += n;
  }
  return 0;
}
