/*
 * rtsp/server.h — the RTSP 1.0 server core (RFC 2326), sans I/O.
 *
 * A server holds mounts (paths like "live"), each fed by one producer through
 * rtsp_mount_send_video()/_audio(). Connections are created by an adapter (server_posix.c, or
 * a test) with a table of callbacks; bytes from the peer go in with rtsp_conn_feed(), replies
 * and interleaved RTP leave through io->send(), UDP RTP/RTCP through io->udp_send().
 *
 * Stream hub: every PLAYing session is a reader with a bounded queue of refcounted frames (one
 * access unit's RTP packets, shared by all readers, never copied per reader). When a reader's
 * queue is full the frame is dropped for that reader only, its drop counter grows, and video
 * resumes at the next keyframe. The producer never blocks.
 *
 * Threading: none. Every function must be called from the one thread that runs the loop.
 * Ownership: the server copies config strings; mounts and connections belong to the server and
 * are freed by rtsp_server_close() at the latest.
 */
#ifndef RTSP_SERVER_H
#define RTSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtsp/auth.h"
#include "rtsp/message.h"
#include "rtsp/rtp_media.h"

typedef struct rtsp_server rtsp_server;
typedef struct rtsp_mount rtsp_mount;
typedef struct rtsp_conn rtsp_conn;

typedef enum rtsp_video_codec { RTSP_VIDEO_NONE = 0, RTSP_VIDEO_H264 = 1, RTSP_VIDEO_H265 = 2 } rtsp_video_codec;
typedef enum rtsp_audio_codec { RTSP_AUDIO_NONE = 0, RTSP_AUDIO_PCMU = 1, RTSP_AUDIO_PCMA = 2 } rtsp_audio_codec;
/* RFC 3551 static payload type: PCMU 0, PCMA 8; -1 for none. (rtsp_video_codec's values are
 * media_codec's.) */
static inline int rtsp_audio_pt(rtsp_audio_codec a) { return a == RTSP_AUDIO_PCMA ? 8 : a == RTSP_AUDIO_PCMU ? 0 : -1; }

typedef enum rtsp_event_type {
  RTSP_EV_CONNECT = 1,    /* a TCP connection was accepted */
  RTSP_EV_DISCONNECT = 2, /* it is gone */
  RTSP_EV_PLAY = 3,       /* a session started playing a mount */
  RTSP_EV_STOP = 4,       /* a playing session paused, was torn down or timed out */
} rtsp_event_type;

typedef struct rtsp_event {
  rtsp_event_type type;
  uint64_t conn_id;
  const char *peer;  /* "ip:port" as given by the adapter */
  const char *mount; /* PLAY/STOP only */
} rtsp_event;

typedef struct rtsp_server_config {
  const char *host;                /* bind address for the POSIX adapter; "0.0.0.0", "::", "127.0.0.1" */
  int port;                        /* 0 = any free port (read it back with rtsp_server_port) */
  rtsp_auth_mode auth;             /* RTSP_AUTH_NONE, _BASIC or _DIGEST */
  const char *username, *password; /* required when auth != NONE */
  const char *realm;
  size_t mtu;            /* max RTP packet size incl. header */
  int session_timeout_s; /* advertised in Session: ;timeout= and enforced */
  int request_timeout_s; /* a request must complete within this (slowloris) */
  int max_clients;       /* TCP connections; at the cap a newcomer replaces the oldest
                                  connection that has sent nothing yet, else is refused */
  int max_sessions_per_conn;
  size_t queue_max_bytes;         /* per reader */
  int queue_max_frames;           /* per reader */
  size_t send_backlog_max;        /* unsent TCP bytes above which a reader stops pulling frames */
  int rtcp_interval_ms;           /* sender reports */
  rtsp_limits limits;             /* request parser */
  int request_deadline_s;         /* a connection with nothing playing closes when it has not
                                  completed a request for this long (idle sockets, issue 13) */
  int max_clients_per_addr;       /* TCP connections from one address; at the cap likewise, among
                                  that address's connections */
  uint64_t (*now_us)(void *user); /* monotonic clock; NULL = CLOCK_MONOTONIC */
  void (*on_event)(void *user, const rtsp_event *ev);
  void *user;
} rtsp_server_config;

#define RTSP_SERVER_CONFIG_DEFAULT \
  { \
    "0.0.0.0", 8554, RTSP_AUTH_NONE, NULL, NULL, "k230js", 1400, 60, 10, 64, 4, 4u << 20, 512, 256u << 10, 5000, \
        RTSP_LIMITS_DEFAULT, 5, 16, NULL, NULL, NULL \
  }

typedef struct rtsp_mount_config {
  rtsp_video_codec video;
  rtsp_audio_codec audio;
} rtsp_mount_config;

typedef struct rtsp_stats {
  int conns;           /* open connections */
  int sessions;        /* sessions (any state) */
  int playing;         /* sessions receiving media */
  uint64_t bytes_sent; /* RTP/RTCP bytes handed to the transport */
  uint64_t packets_sent;
  uint64_t drops;         /* frames dropped for slow readers, all mounts */
  uint64_t frames_in;     /* frames given by producers */
  uint64_t conns_total;   /* accepted since start */
  uint64_t conns_refused; /* at max_clients or max_clients_per_addr with no silent connection
                              to replace, or from a blocked address */
  uint64_t conns_evicted; /* silent ones closed for a newcomer (a cap, or out of descriptors),
                              or by request_deadline_s */
  uint64_t auth_failures; /* wrong credentials */
  uint64_t auth_blocked;  /* connections refused or closed while their address was blocked */
  uint64_t accept_pauses; /* the listener paused because the process ran out of descriptors */
} rtsp_stats;

/* Failed authentication (issue 13): the first RTSP_AUTH_FREE wrong answers (a mistyped
 * password) cost nothing; after the n-th one on a connection or from an address, the
 * connection's next request, and the first request of every new connection from that address,
 * waits RTSP_AUTH_DELAY_MS << (n - RTSP_AUTH_FREE - 1) (at most RTSP_AUTH_DELAY_MAX_MS);
 * RTSP_AUTH_BLOCK_AFTER wrong answers from one address block it for RTSP_AUTH_BLOCK_S (403 and
 * close, then refused at accept). A right answer clears the address. */
#define RTSP_AUTH_FREE 3
#define RTSP_AUTH_DELAY_MS 100
#define RTSP_AUTH_DELAY_MAX_MS 5000
#define RTSP_AUTH_BLOCK_AFTER 10
#define RTSP_AUTH_BLOCK_S 60

/* 0, ERR_EINVAL (bad config), ERR_ENOMEM. */
int rtsp_server_new(const rtsp_server_config *cfg, rtsp_server **out);
/* Tears down every session and connection (io->close is called for each) and frees all. */
void rtsp_server_close(rtsp_server *s);
/* Timeouts and RTCP sender reports; call every ~100 ms-1 s (the POSIX adapter does it). */
void rtsp_server_tick(rtsp_server *s);
void rtsp_server_stats(const rtsp_server *s, rtsp_stats *out);
/* "rtsp://host:port/name" into out; the length or ERR_ELIMIT. A server listening on every address
 * is named by `any_host` (the address peers reach it at), or loopback when that is NULL. */
int rtsp_server_url(const rtsp_server *s, const char *any_host, const char *name, char *out, size_t cap);
/* The listening port once rtsp_server_listen() succeeded, else cfg.port. */
int rtsp_server_port(const rtsp_server *s);

/* name: 1-63 chars of [A-Za-z0-9._-/], no leading/trailing '/', no "..". 0, ERR_EINVAL,
 * ERR_EBUSY (exists), ERR_ENOMEM. */
int rtsp_server_add_mount(rtsp_server *s, const char *name, const rtsp_mount_config *cfg, rtsp_mount **out);
rtsp_mount *rtsp_server_find_mount(rtsp_server *s, const char *name);
/* Ends every session on the mount (RTCP BYE) and frees it. Their connections close when the
 * clients leave, or 2 s later (rtsp_server_tick), so players see the BYE before the close. */
void rtsp_server_remove_mount(rtsp_server *s, rtsp_mount *m);

/*
 * One access unit in Annex-B (start codes) with its presentation time in µs. Parameter sets
 * (SPS/PPS/VPS) are cached and resent before every IDR; a buffer holding only parameter sets
 * (an encoder HEADER pack) just updates the cache. The data is copied into RTP packets before
 * return. 0, ERR_EINVAL, ERR_ENOTSUP (mount has no video), ERR_ENOMEM.
 */
int rtsp_mount_send_video(rtsp_mount *m, const uint8_t *annexb, size_t len, uint64_t pts_us);
/* The same with what the producer knows of it (an encoder: header / key / delta, rtp_media.h). */
int rtsp_mount_send_au(rtsp_mount *m, const uint8_t *annexb, size_t len, uint64_t pts_us, rtp_au_kind kind);
/* G.711 bytes (PCMU or PCMA as configured), 8 kHz mono. */
int rtsp_mount_send_audio(rtsp_mount *m, const uint8_t *g711, size_t len, uint64_t pts_us);

typedef struct rtsp_mount_stats {
  int readers;
  uint64_t frames_in, drops;
} rtsp_mount_stats;
void rtsp_mount_get_stats(const rtsp_mount *m, rtsp_mount_stats *out);

/* ---- connections (for adapters) ---- */

/* One piece of a gathered write (the layout of POSIX struct iovec, without depending on it). */
typedef struct rtsp_iov {
  const void *base;
  size_t len;
} rtsp_iov;

/* Media leaves in batches: up to this many RTP packets per sendv()/udp_sendv() call. */
#define RTSP_BATCH_PKTS 128

typedef struct rtsp_conn_io {
  /* Queues bytes on the TCP connection; must take all of them (the adapter buffers). 0 or a
   * negative code, after which the connection is closed. */
  int (*send)(void *user, const void *buf, size_t len);
  /* Bytes queued by send() and not yet written to the network. */
  size_t (*backlog)(void *user);
  /* UDP transport for a track: open RTP/RTCP sockets towards the client's ports and return the
   * server's pair. NULL = UDP unsupported (SETUP gets 461). */
  int (*udp_open)(void *user, int track, int client_rtp, int client_rtcp, int server_ports[2]);
  int (*udp_send)(void *user, int track, bool rtcp, const void *hdr, size_t hlen, const void *payload, size_t plen);
  void (*udp_close)(void *user, int track);
  /* The core wants the connection closed (error, timeout, server shutdown). Called once. The
   * adapter stops feeding it and calls rtsp_conn_free() when it is not inside a core call. */
  void (*close)(void *user);
  /* Optional batched forms; NULL = the core falls back to send()/udp_send() per piece. The
   * pieces point into shared frames and the core's scratch: use or copy them before returning.
   * sendv: n pieces of one TCP byte stream, same contract as send() (one writev, say).
   * udp_sendv: npkts RTP packets on `track`, each two pieces (header, payload) in iov[2i],
   * iov[2i+1] (one sendmmsg, say). A full socket buffer loses packets: return 0 anyway. */
  int (*sendv)(void *user, const rtsp_iov *iov, int n);
  int (*udp_sendv)(void *user, int track, const rtsp_iov *iov, int npkts);
} rtsp_conn_io;

/* peer: "ip:port" for logs/events; local_host: the address the client connected to (for URLs
 * in replies). ERR_ELIMIT when max_clients are connected. */
int rtsp_conn_new(rtsp_server *s, const rtsp_conn_io *io, void *user, const char *peer, rtsp_conn **out);
/* Bytes received on the TCP connection. Returns 0, or ERR_ECLOSED once the connection must be
 * closed (io->close has been called then). */
int rtsp_conn_feed(rtsp_conn *c, const uint8_t *buf, size_t len);
/* The adapter's send backlog went down: pull more queued media. */
void rtsp_conn_writable(rtsp_conn *c);
/* An RTCP packet arrived on the UDP RTCP socket of `track`. */
void rtsp_conn_feed_rtcp(rtsp_conn *c, int track, const uint8_t *buf, size_t len);
/* Frees the connection and its sessions. io->close is not called. */
void rtsp_conn_free(rtsp_conn *c);
bool rtsp_conn_is_closed(const rtsp_conn *c);
uint64_t rtsp_conn_id(const rtsp_conn *c);
/* Frames dropped for this connection's readers. */
uint64_t rtsp_conn_drops(const rtsp_conn *c);

#endif
