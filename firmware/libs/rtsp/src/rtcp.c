// RTCP, RFC 3550 §6.
#include "rtsp/rtcp.h"

#include <string.h>

#include "base/errors.h"

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t rtcp_ntp_from_unix_us(uint64_t us) {
  uint64_t sec = us / 1000000 + 2208988800ull; /* 1900 -> 1970 */
  uint64_t frac = ((us % 1000000) << 32) / 1000000;
  return sec << 32 | frac;
}

static size_t write_sr(const rtcp_sr_info *sr, uint8_t *p) {
  // §6.4.1: V=2, RC=0, PT=200, length=6 (28 bytes)
  p[0] = 0x80;
  p[1] = 200;
  p[2] = 0;
  p[3] = 6;
  be32(p + 4, sr->ssrc);
  be32(p + 8, (uint32_t)(sr->ntp >> 32));
  be32(p + 12, (uint32_t)sr->ntp);
  be32(p + 16, sr->rtp_ts);
  be32(p + 20, sr->packets);
  be32(p + 24, sr->octets);
  return 28;
}

int rtcp_write_sr(const rtcp_sr_info *sr, const char *cname, uint8_t *out, size_t cap) {
  size_t cl = strlen(cname);
  if (cl > 255) cl = 255;
  // §6.5: SDES with one chunk: SSRC, CNAME item (type 1), END, padded to 32 bits.
  size_t sdes = 4 + 4 + 2 + cl + 1;
  sdes = (sdes + 3) & ~(size_t)3;
  if (cap < 28 + sdes) return ERR_ELIMIT;
  size_t n = write_sr(sr, out);
  uint8_t *p = out + n;
  memset(p, 0, sdes);
  p[0] = 0x81;
  p[1] = 202;
  p[2] = (uint8_t)((sdes / 4 - 1) >> 8);
  p[3] = (uint8_t)(sdes / 4 - 1);
  be32(p + 4, sr->ssrc);
  p[8] = 1;
  p[9] = (uint8_t)cl;
  memcpy(p + 10, cname, cl);
  return (int)(n + sdes);
}

int rtcp_write_bye(const rtcp_sr_info *sr, uint8_t *out, size_t cap) {
  if (cap < 36) return ERR_ELIMIT;
  size_t n = write_sr(sr, out);
  // §6.6: BYE with SC=1
  out[n] = 0x81;
  out[n + 1] = 203;
  out[n + 2] = 0;
  out[n + 3] = 1;
  be32(out + n + 4, sr->ssrc);
  return (int)(n + 8);
}

int rtcp_parse_reports(const uint8_t *buf, size_t len, rtcp_rr_block *out, int max) {
  int found = 0;
  size_t pos = 0;
  if (len < 4) return ERR_EBADDATA;
  while (pos + 4 <= len) {
    const uint8_t *p = buf + pos;
    if ((p[0] >> 6) != 2) return ERR_EBADDATA;
    size_t plen = 4 * ((size_t)(p[2] << 8 | p[3]) + 1);
    if (pos + plen > len) return ERR_EBADDATA;
    int rc = p[0] & 31;
    size_t first = 0;
    if (p[1] == 201) first = 8;       /* RR: header, reporter SSRC */
    else if (p[1] == 200) first = 28; /* SR: header, SSRC, sender info */
    if (first) {
      if (first + 24u * (size_t)rc > plen) return ERR_EBADDATA;
      uint32_t reporter = plen >= 8 ? rd32(p + 4) : 0;
      for (int i = 0; i < rc; i++) {
        const uint8_t *b = p + first + 24 * (size_t)i;
        if (found < max) {
          rtcp_rr_block *r = &out[found];
          r->reporter = reporter;
          r->ssrc = rd32(b);
          r->fraction_lost = b[4];
          int32_t cl = (int32_t)((uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]);
          if (cl & 0x800000) cl -= 0x1000000; /* 24-bit signed */
          r->cumulative_lost = cl;
          r->highest_seq = rd32(b + 8);
          r->jitter = rd32(b + 12);
          r->lsr = rd32(b + 16);
          r->dlsr = rd32(b + 20);
        }
        found++;
      }
    }
    pos += plen;
  }
  return found < max ? found : max;
}
