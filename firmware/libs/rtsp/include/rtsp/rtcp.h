/*
 * rtsp/rtcp.h — RTCP (RFC 3550 §6): sender reports with SDES CNAME (§6.4.1, §6.5), BYE (§6.6),
 * and reading receiver reports (§6.4.2) from a compound packet.
 */
#ifndef RTSP_RTCP_H
#define RTSP_RTCP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtcp_sr_info {
  uint32_t ssrc;
  uint64_t ntp;     /* 32.32 fixed point NTP time (seconds since 1900) */
  uint32_t rtp_ts;  /* the same instant on the RTP clock */
  uint32_t packets; /* sender's packet count */
  uint32_t octets;  /* sender's payload octet count */
} rtcp_sr_info;

/* SR + SDES(CNAME) compound packet; returns the length or ERR_ELIMIT. */
int rtcp_write_sr(const rtcp_sr_info *sr, const char *cname, uint8_t *out, size_t cap);
/* SR(empty) + BYE compound packet (§6.1: compound packets start with SR/RR). */
int rtcp_write_bye(const rtcp_sr_info *sr, uint8_t *out, size_t cap);

typedef struct rtcp_rr_block {
  uint32_t reporter; /* SSRC of the receiver */
  uint32_t ssrc;     /* source reported on */
  uint8_t fraction_lost;
  int32_t cumulative_lost;
  uint32_t highest_seq;
  uint32_t jitter;
  uint32_t lsr, dlsr;
} rtcp_rr_block;

/* Walks a compound packet and returns the number of report blocks found in RR and SR packets
 * (up to max stored), or ERR_EBADDATA if the compound structure is invalid. */
int rtcp_parse_reports(const uint8_t *buf, size_t len, rtcp_rr_block *out, int max);

/* Unix time in µs -> NTP 32.32 (§4). */
uint64_t rtcp_ntp_from_unix_us(uint64_t us);

#endif
