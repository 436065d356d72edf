/*
 * rtsp/rtp.h — RTP packets (RFC 3550 §5.1) and the packetizers: H.264 (RFC 6184), H.265
 * (RFC 7798), G.711 (RFC 3551 §4.5.14). One packetizer per file (rtp_h264.c, rtp_h265.c,
 * rtp_g711.c).
 *
 * Packets are appended to an rtp_pktbuf: one growable byte buffer plus packet offsets, so a whole
 * access unit becomes one allocation that the stream hub can share between readers. With
 * `prefix` = RTSP_INTERLEAVED_PREFIX every packet is stored behind its RFC 2326 §10.12 frame
 * header ('$', channel 0, length), so one contiguous range is a ready TCP byte stream once the
 * channel (and sequence numbers) are patched in place, and one UDP datagram starts 4 bytes in.
 */
#ifndef RTSP_RTP_H
#define RTSP_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_SIZE 12
#define RTP_MTU_DEFAULT 1400 /* max RTP packet size (header + payload) */
#define RTP_MTU_MIN 64
#define RTP_MTU_MAX 65000

typedef struct rtp_pktbuf {
  uint8_t *data;
  size_t len, cap;
  uint32_t *off; /* packet i, prefix included, is data[off[i] .. off[i+1]) ; off[n] == len */
  int n, ncap;
  int err;        /* sticky: 0 or ERR_ENOMEM */
  uint8_t prefix; /* bytes stored ahead of each packet: 0, or 4 for the interleave header */
} rtp_pktbuf;

void rtp_pktbuf_init(rtp_pktbuf *b);
/* Same, with every packet stored behind a §10.12 interleave header (rtsp_interleaved_put). */
void rtp_pktbuf_init_interleaved(rtp_pktbuf *b);
void rtp_pktbuf_reset(rtp_pktbuf *b); /* keeps the memory */
void rtp_pktbuf_free(rtp_pktbuf *b);  /* keeps `prefix` */
/* Grows the buffer to hold `bytes` more bytes in `pkts` more packets, so a packetizer run does
 * not reallocate packet by packet. 0 or ERR_ENOMEM (also made sticky). */
int rtp_pktbuf_reserve(rtp_pktbuf *b, size_t bytes, int pkts);
/* Packet i without its prefix. */
static inline const uint8_t *rtp_pktbuf_packet(const rtp_pktbuf *b, int i, size_t *size) {
  *size = b->off[i + 1] - b->off[i] - b->prefix;
  return b->data + b->off[i] + b->prefix;
}

typedef struct rtp_packetizer {
  uint8_t pt;
  uint32_t ssrc;
  uint16_t seq; /* next sequence number */
  size_t mtu;   /* max packet size incl. the 12-byte header */
} rtp_packetizer;

/* RFC 3550 §5.1 fixed header, V=2, no padding/extension/CSRC. */
void rtp_header_write(uint8_t h[RTP_HEADER_SIZE], bool marker, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc);

typedef struct rtp_header {
  bool marker;
  uint8_t pt;
  uint16_t seq;
  uint32_t ts, ssrc;
  size_t header_size;  /* incl. CSRCs and extension */
  size_t payload_size; /* excl. padding */
} rtp_header;
/* Parses a packet; 0 or ERR_EBADDATA. */
int rtp_header_parse(const uint8_t *pkt, size_t len, rtp_header *h);

/* One NAL unit (no start code) -> one single-NAL packet or FU-A fragments (RFC 6184 §5.6, §5.8).
 * `last_in_au` sets the marker bit on its final packet. 0, ERR_EINVAL, ERR_ENOMEM. */
int rtp_h264_packetize(rtp_packetizer *p, const uint8_t *nal, size_t size, uint32_t ts, bool last_in_au,
                       rtp_pktbuf *out);
/* Same for H.265: single NAL unit packets or FUs (RFC 7798 §4.4.1, §4.4.3). */
int rtp_h265_packetize(rtp_packetizer *p, const uint8_t *nal, size_t size, uint32_t ts, bool last_in_au,
                       rtp_pktbuf *out);
/* G.711 samples (one byte each, 8 kHz): packets of at most mtu-12 bytes, timestamps advancing by
 * the samples already sent (RFC 3551 §4.5.14). */
int rtp_g711_packetize(rtp_packetizer *p, const uint8_t *samples, size_t n, uint32_t ts, rtp_pktbuf *out);

/* Appends one packet (header + payload pieces) to the buffer; used by the packetizers. */
int rtp_pktbuf_add(rtp_pktbuf *b, const uint8_t *hdr, size_t hlen, const uint8_t *p1, size_t n1, const uint8_t *p2,
                   size_t n2);

#endif
