// RTP fixed header, RFC 3550 §5.1, and the shared packet buffer.
#include "rtsp/rtp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "rtsp/message.h"

void rtp_pktbuf_init(rtp_pktbuf *b) { memset(b, 0, sizeof *b); }

void rtp_pktbuf_init_interleaved(rtp_pktbuf *b) {
  memset(b, 0, sizeof *b);
  b->prefix = RTSP_INTERLEAVED_PREFIX;
}

void rtp_pktbuf_reset(rtp_pktbuf *b) {
  b->len = 0;
  b->n = 0;
  b->err = 0;
  if (b->off) b->off[0] = 0;
}

void rtp_pktbuf_free(rtp_pktbuf *b) {
  uint8_t prefix = b->prefix;
  free(b->data);
  free(b->off);
  memset(b, 0, sizeof *b);
  b->prefix = prefix;
}

int rtp_pktbuf_reserve(rtp_pktbuf *b, size_t bytes, int pkts) {
  if (b->err) return b->err;
  size_t need = b->len + bytes;
  if (need > UINT32_MAX / 2 || pkts < 0 || pkts > INT32_MAX / 2 - b->n) return b->err = ERR_ENOMEM;
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : need > 2048 ? need : 2048; /* a first reservation is exact */
    while (cap < need) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return b->err = ERR_ENOMEM;
    b->data = d;
    b->cap = cap;
  }
  if (b->n + 1 + pkts > b->ncap) {
    int nc = b->ncap ? b->ncap : 16;
    while (nc < b->n + 1 + pkts) nc *= 2;
    uint32_t *o = realloc(b->off, (size_t)nc * sizeof *o);
    if (!o) return b->err = ERR_ENOMEM;
    b->off = o;
    b->ncap = nc;
    if (b->n == 0) b->off[0] = 0;
  }
  return 0;
}

int rtp_pktbuf_add(rtp_pktbuf *b, const uint8_t *hdr, size_t hlen, const uint8_t *p1, size_t n1, const uint8_t *p2,
                   size_t n2) {
  size_t size = b->prefix + hlen + n1 + n2;
  if (b->len + size > b->cap || b->n + 2 > b->ncap) {
    int r = rtp_pktbuf_reserve(b, size, 1);
    if (r) return r;
  }
  if (b->err) return b->err;
  uint8_t *w = b->data + b->len;
  if (b->prefix) {
    rtsp_interleaved_put(w, 0, size - b->prefix);
    w += b->prefix;
  }
  memcpy(w, hdr, hlen);
  if (n1) memcpy(w + hlen, p1, n1);
  if (n2) memcpy(w + hlen + n1, p2, n2);
  b->len += size;
  b->n++;
  b->off[b->n] = (uint32_t)b->len;
  return 0;
}

void rtp_header_write(uint8_t h[RTP_HEADER_SIZE], bool marker, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc) {
  h[0] = 0x80; /* V=2 */
  h[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
  h[2] = (uint8_t)(seq >> 8);
  h[3] = (uint8_t)seq;
  h[4] = (uint8_t)(ts >> 24);
  h[5] = (uint8_t)(ts >> 16);
  h[6] = (uint8_t)(ts >> 8);
  h[7] = (uint8_t)ts;
  h[8] = (uint8_t)(ssrc >> 24);
  h[9] = (uint8_t)(ssrc >> 16);
  h[10] = (uint8_t)(ssrc >> 8);
  h[11] = (uint8_t)ssrc;
}

int rtp_header_parse(const uint8_t *p, size_t len, rtp_header *h) {
  if (len < RTP_HEADER_SIZE || (p[0] >> 6) != 2) return ERR_EBADDATA;
  size_t hs = RTP_HEADER_SIZE + 4u * (p[0] & 15);
  if (len < hs) return ERR_EBADDATA;
  if (p[0] & 0x10) { /* §5.3.1 header extension */
    if (len < hs + 4) return ERR_EBADDATA;
    hs += 4 + 4u * ((size_t)p[hs + 2] << 8 | p[hs + 3]);
    if (len < hs) return ERR_EBADDATA;
  }
  size_t pad = 0;
  if (p[0] & 0x20) {
    pad = p[len - 1];
    if (pad == 0 || hs + pad > len) return ERR_EBADDATA;
  }
  h->marker = p[1] >> 7;
  h->pt = p[1] & 0x7f;
  h->seq = (uint16_t)(p[2] << 8 | p[3]);
  h->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
  h->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
  h->header_size = hs;
  h->payload_size = len - hs - pad;
  return 0;
}
