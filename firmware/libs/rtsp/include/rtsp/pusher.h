/*
 * rtsp/pusher.h — the RTSP client, sans I/O: publishing to a server (RFC 2326 §10.4 ANNOUNCE,
 * §10.11 RECORD) or, with cfg.play, viewing a session as a player does (§10.2 DESCRIBE, §10.5 PLAY)
 * to check that media arrives.
 *
 * Publishing: OPTIONS, ANNOUNCE (with the SDP the server core writes for a mount, sdp.c), one
 * SETUP per track with `Transport: RTP/AVP/TCP;unicast;interleaved=N-N+1;mode=record` and RECORD,
 * then RTP on the same TCP connection as interleaved frames (§10.12).
 * Viewing (cfg.play): OPTIONS, DESCRIBE, one SETUP per track the SDP lists (its first video and
 * first audio media, by their a=control, RFC 2326 §C.1.1), interleaved on the TCP connection or,
 * with cfg.udp_open, to UDP client ports (§12.39), then PLAY. The RTP that arrives is counted
 * (stats.packets_received/bytes_received), not depacketized.
 * A 401 is answered once per request with Basic or Digest credentials (RFC 2617). Bytes from the
 * server go in with rtsp_pusher_feed(); everything leaves through cfg.sendv. An adapter owns the
 * sockets (pusher_posix.c).
 *
 * Threading: none; call everything from one thread.
 */
#ifndef RTSP_PUSHER_H
#define RTSP_PUSHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtsp/server.h"
#include "rtsp/server_posix.h"

typedef struct rtsp_pusher rtsp_pusher;

typedef enum rtsp_push_state {
  RTSP_PUSH_IDLE = 0,      /* created, rtsp_pusher_start() not called */
  RTSP_PUSH_HANDSHAKE = 1, /* OPTIONS .. RECORD in flight */
  RTSP_PUSH_RECORDING = 2, /* RECORD (or, viewing, PLAY) accepted: media flows */
  RTSP_PUSH_FAILED = 3,    /* a non-2xx reply, a protocol error or the connection went away */
  RTSP_PUSH_CLOSED = 4,    /* TEARDOWN sent */
} rtsp_push_state;

typedef struct rtsp_pusher_config {
  const char *url; /* rtsp://[user:pass@]host[:port]/path */
  rtsp_video_codec video;
  rtsp_audio_codec audio;
  const char *username, *password; /* override credentials in the URL; NULL = none */
  bool play;                       /* view instead of publish; video/audio are then ignored */
  bool udp;                        /* viewing: media to UDP client ports, else interleaved */
  /* Viewing over UDP: binds the RTP and RTCP ports (rtp_port, rtp_port + 1) of `track` (0 video,
   * 1 audio) and returns 0 or a negative code. The adapter provides it. */
  int (*udp_open)(void *user, int track, int *rtp_port);
  size_t mtu; /* max RTP packet size incl. header; 0 = RTP_MTU_DEFAULT */
  /* Queues bytes on the TCP connection (must take them all). 0 or a negative code. */
  int (*sendv)(void *user, const rtsp_iov *iov, int n);
  /* Bytes queued and not yet written; media frames are dropped (video until the next keyframe)
   * above max_backlog. NULL = never drop. */
  size_t (*backlog)(void *user);
  size_t max_backlog; /* 0 = 4 MiB */
  /* The state changed to RECORDING, FAILED or CLOSED. For FAILED, `status` is the server's RTSP
   * status (0 when there was none) and `code` a HAL code; rtsp_pusher_error() has the text. */
  void (*on_state)(void *user, rtsp_push_state st, int status, int code);
  void *user;
} rtsp_pusher_config;

typedef struct rtsp_pusher_stats {
  uint64_t frames_sent, frames_dropped, packets_sent, bytes_sent;
  uint64_t packets_received, bytes_received; /* viewing: RTP packets of the set-up tracks */
} rtsp_pusher_stats;

/* Splits an rtsp:// URL. host gets the bare address (no brackets). 0 or ERR_EINVAL. */
int rtsp_url_split(const char *url, char *host, size_t hcap, int *port, char *user, size_t ucap, char *pass,
                   size_t pcap);

/* 0, ERR_EINVAL (bad URL or config), ERR_ENOMEM. */
int rtsp_pusher_new(const rtsp_pusher_config *cfg, rtsp_pusher **out);
void rtsp_pusher_free(rtsp_pusher *p);
/* The connection is up: sends OPTIONS. */
int rtsp_pusher_start(rtsp_pusher *p);
/* Bytes from the server. 0, or a negative code once the pusher has failed. */
int rtsp_pusher_feed(rtsp_pusher *p, const uint8_t *buf, size_t len);
/* Viewing over UDP: the adapter received an RTP datagram of `len` bytes on `track`'s port. */
void rtsp_pusher_received(rtsp_pusher *p, int track, size_t len);
/* The transport failed (connect refused, reset, EOF): the pusher fails with `code`/`what`. */
void rtsp_pusher_fail(rtsp_pusher *p, int status, int code, const char *what);
/* One access unit in Annex-B. Before RECORDING the parameter sets are cached (and go into the
 * ANNOUNCE SDP if it is not sent yet) and the frame is dropped. 0, ERR_EINVAL, ERR_ENOTSUP,
 * ERR_ENOMEM, ERR_ESTATE (failed/closed). */
int rtsp_pusher_send_video(rtsp_pusher *p, const uint8_t *annexb, size_t len, uint64_t pts_us);
/* The same with what the producer knows of it (an encoder: header / key / delta, rtp_media.h). */
int rtsp_pusher_send_au(rtsp_pusher *p, const uint8_t *annexb, size_t len, uint64_t pts_us, rtp_au_kind kind);
int rtsp_pusher_send_audio(rtsp_pusher *p, const uint8_t *g711, size_t len, uint64_t pts_us);
/* Keep-alive (RFC 2326 §12.37): sends GET_PARAMETER when half the server's timeout passed. */
void rtsp_pusher_tick(rtsp_pusher *p, uint64_t now_us);
/* Sends TEARDOWN (when a session exists) and enters CLOSED. */
int rtsp_pusher_teardown(rtsp_pusher *p);
rtsp_push_state rtsp_pusher_state(const rtsp_pusher *p);
/* A request is waiting for its reply. */
bool rtsp_pusher_busy(const rtsp_pusher *p);
const char *rtsp_pusher_error(const rtsp_pusher *p);
void rtsp_pusher_get_stats(const rtsp_pusher *p, rtsp_pusher_stats *out);
/* Host and port parsed from the URL (for the adapter). */
const char *rtsp_pusher_host(const rtsp_pusher *p);
int rtsp_pusher_port(const rtsp_pusher *p);

/* ---- POSIX adapter (pusher_posix.c) ---- */

typedef struct rtsp_push_conn rtsp_push_conn;

/* Resolves the URL's host (numeric addresses only, or "localhost"), starts a non-blocking connect
 * and drives the pusher from the loop. cfg.sendv/backlog/user are the adapter's; on_state and
 * on_state_user are yours. 0, ERR_EINVAL, ERR_ENOMEM, ERR_EIO. */
int rtsp_push_connect(const rtsp_pusher_config *cfg, const rtsp_io_ops *ops, void *loop,
                      void (*on_state)(void *user, rtsp_push_state st, int status, int code), void *on_state_user,
                      rtsp_push_conn **out);
rtsp_pusher *rtsp_push_conn_pusher(rtsp_push_conn *c);
/* Call every ~200 ms: keep-alive, and the socket closes once a TEARDOWN has been flushed. */
void rtsp_push_conn_tick(rtsp_push_conn *c);
/* Sends TEARDOWN if recording and closes the socket once it is written (at most ~1 s later, via
 * tick) — or at once with `now`. */
void rtsp_push_conn_close(rtsp_push_conn *c, bool now);
bool rtsp_push_conn_done(const rtsp_push_conn *c); /* the socket is closed */
/* The errno of a failed connect/recv/send (ECONNREFUSED, ...), 0 when none. */
int rtsp_push_conn_errno(const rtsp_push_conn *c);
/* Closes the socket (if open) and frees everything. */
void rtsp_push_conn_free(rtsp_push_conn *c);

#endif
