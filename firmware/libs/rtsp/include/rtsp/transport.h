/*
 * rtsp/transport.h — the Transport header (RFC 2326 §12.39).
 *
 * A request may list several comma-separated transports in order of preference; the parser
 * returns them all and the server picks the first it supports.
 */
#ifndef RTSP_TRANSPORT_H
#define RTSP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rtsp_lower { RTSP_LOWER_UDP = 0, RTSP_LOWER_TCP = 1 } rtsp_lower;

typedef struct rtsp_transport {
  bool rtp_avp;         /* profile is RTP/AVP (anything else is unsupported) */
  rtsp_lower lower;     /* RTP/AVP and RTP/AVP/UDP mean UDP */
  bool multicast;       /* "multicast" seen (unicast is the default) */
  bool has_destination; /* "destination=" seen (redirecting media is refused) */
  int client_port[2];   /* -1 when absent; a single port p means p and p+1 */
  int server_port[2];   /* -1 when absent */
  int interleaved[2];   /* -1 when absent */
  bool has_ssrc;
  uint32_t ssrc;
  bool record; /* mode=record / mode="RECORD" */
} rtsp_transport;

/* Parses up to `max` transports of one header value. Returns the count (>= 1) or ERR_EBADDATA. */
int rtsp_transport_parse(const char *value, rtsp_transport *out, int max);
/* Formats one transport for a reply. Returns the length or ERR_ELIMIT. */
int rtsp_transport_format(const rtsp_transport *t, char *out, size_t cap);

#endif
