/* Private structures of the server core, shared by server.c, hub.c, conn.c, server_posix.c. */
#ifndef RTSP_INTERNAL_H
#define RTSP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "rtsp/rtp.h"
#include "rtsp/rtp_media.h"
#include "rtsp/server.h"
#include "rtsp/transport.h"
#include "pool.h"

#define RTSP_TRACKS 2 /* 0 video, 1 audio */
#define RTSP_MOUNT_NAME_MAX 64
#define RTSP_LINGER_US 2000000 /* a client's grace to act on RTCP BYE before we hang up */
#define RTSP_RTCP_SMALL 2048   /* interleaved frames larger than this are skipped, not buffered */
#define RTSP_QUEUE_INLINE 8    /* queue slots inside the session; more are allocated as it fills */

/* One access unit's (or audio chunk's) RTP packets, shared by every reader, each behind its
 * interleave header (rtp_pktbuf_init_interleaved). A reader patches the channel and sequence
 * numbers in place just before handing the bytes to its adapter (hub.c). */
typedef struct rtsp_frame {
  int refs;
  uint8_t track;
  bool key;
  uint16_t seq0; /* the stream's sequence number of packet 0 */
  uint32_t ts;
  int n;
  size_t bytes;
  uint8_t *data;
  uint32_t *off;
} rtsp_frame;

/* Steals b's memory (b stays usable, empty). */
rtsp_frame *rtsp_frame_from_pktbuf(rtp_pktbuf *b, int track, bool key, uint16_t seq0, uint32_t ts);
void rtsp_frame_unref(rtsp_frame *f);

typedef struct rtsp_track_state {
  bool setup;
  rtsp_lower lower;
  int ch[2]; /* interleaved channels */
  int client_port[2];
  int server_port[2];
  uint16_t seq;     /* next outgoing sequence number (announced in RTP-Info) */
  uint16_t seq_off; /* reader's = stream's + seq_off, fixed at its first packet */
  bool seq_set;
  uint32_t packets, octets;
  bool sent_any;
  uint32_t last_rr_lost, last_rr_jitter;
} rtsp_track_state;

enum { SESS_INIT = 0, SESS_READY = 1, SESS_PLAYING = 2 };

typedef struct rtsp_sess {
  /* What the hub touches for every frame comes first, together: with 1000 readers each one's
   * lines are cold by its turn (the sends before it went through the kernel). */
  int rpos; /* 1 + its index in its mount's readers, 0 when it is not playing */
  struct rtsp_conn *conn;
  struct rtsp_mount *mount;
  int state;
  bool need_key;
  bool started; /* a video frame was queued since PLAY: video it misses from then on is a drop */
  /* reader queue: a ring of qsize slots (q_inline until it holds more), at most qcap frames */
  int qcap, qsize, qhead, qcount;
  int cursor; /* next packet of the head frame */
  size_t qbytes;
  rtsp_frame **q;
  rtsp_track_state tr[RTSP_TRACKS];
  /* a reader that keeps up has one frame queued at a time: its slot is on the session's lines,
   * not on a page of its own */
  rtsp_frame *q_inline[RTSP_QUEUE_INLINE];
  uint64_t drops;
  uint64_t last_sr_us;
  struct rtsp_sess *next; /* in conn */
  char id[17];
  char user[RTSP_AUTH_FIELD_MAX]; /* credentials that created it */
} rtsp_sess;

struct rtsp_mount {
  rtsp_server *srv;
  char name[RTSP_MOUNT_NAME_MAX];
  rtsp_mount_config cfg;
  rtp_media media; /* packetizers, timestamp bases, parameter sets */
  /* The media clock against ours (RTCP SR, RTP-Info): the latest frame of the lead track
   * (video, else audio) had pts clock_pts when it arrived at clock_mono. Every track's pts is
   * on one clock (a file's, or the monotonic one for piped live sources, kjs/sink.h). */
  bool have_clock;
  uint64_t clock_pts, clock_mono;
  rtp_pktbuf pb;
  /* The playing sessions, an array rather than a list so that the hub can fetch readers' lines
   * several turns ahead without first loading the ones in between; order is not kept. */
  rtsp_sess **readers;
  int nreaders;
  size_t capreaders;
  uint64_t frames_in, drops;
  struct rtsp_mount *next;
};

struct rtsp_conn {
  /* the hub's per-frame fields first (rtsp_sess) */
  rtsp_server *srv;
  const rtsp_conn_io *io;
  void *user;
  rtsp_sess *sessions;
  bool closed;
  uint64_t id;
  char peer[64];
  char nonce[33];
  uint8_t *in;
  size_t in_len, in_cap;
  size_t skip;            /* bytes of an oversized interleaved frame still to discard */
  uint64_t last_activity; /* µs */
  uint64_t partial_since; /* µs; 0 when no partial request is buffered */
  uint64_t linger_until;  /* µs; its mount went away: closed then unless the client left first */
  uint64_t last_request;  /* µs; accept, then each completed request (request_deadline_s) */
  uint64_t requests;      /* completed */
  uint64_t hold_until;    /* µs; input waits until then (failed authentication) */
  int auth_fails;
  char addr[64]; /* the peer without its port */
  int nsessions;
  uint64_t drops_done; /* drops of freed sessions */
  struct rtsp_conn *next;
};

/* What the server remembers of an address that failed authentication. */
typedef struct rtsp_addr_state {
  char addr[64];
  int fails;
  uint64_t blocked_until, last_us;
} rtsp_addr_state;
#define RTSP_ADDR_SLOTS 64

struct rtsp_server {
  rtsp_server_config cfg;
  char host[64], user[RTSP_AUTH_FIELD_MAX], pass[RTSP_AUTH_FIELD_MAX], realm[RTSP_AUTH_FIELD_MAX];
  rtsp_mount *mounts;
  rtsp_conn *conns;
  int nconns;
  uint64_t next_conn_id;
  uint64_t rng;
  rtsp_stats st;
  uint64_t last_tick;
  int bound_port;
  rtsp_addr_state addrs[RTSP_ADDR_SLOTS]; /* least recently failed replaced first */
  rtsp_pool conn_pool, sess_pool;         /* rtsp_conn, rtsp_sess, packed (pool.h) */
  /* POSIX adapter hooks (server_posix.c) */
  uint64_t (*clock)(void *clock_user);
  void *clock_user;
  void *adapter;
  void (*adapter_sweep)(void *adapter);
  void (*adapter_free)(void *adapter);
  /* media batch being assembled by rtsp_conn_pump (hub.c): pieces of the shared frames */
  rtsp_iov batch_iov[2 * RTSP_BATCH_PKTS];
  char scratch[16384]; /* request header copy */
  char reply[16384];   /* response assembly */
};

uint64_t rtsp_now(rtsp_server *s);
uint64_t rtsp_rand64(rtsp_server *s);
void rtsp_emit(rtsp_server *s, rtsp_event_type t, rtsp_conn *c, const char *mount);

/* hub.c */
void rtsp_hub_push(rtsp_mount *m, rtsp_frame *f);
void rtsp_sess_queue_init(rtsp_sess *ss, int cap);
void rtsp_sess_queue_clear(rtsp_sess *ss);
void rtsp_conn_pump(rtsp_conn *c);
/* Room for one more reader (0 or ERR_ENOMEM): asked before PLAY is answered, so that adding it
 * after cannot fail. */
int rtsp_mount_reserve_reader(rtsp_mount *m);
void rtsp_mount_add_reader(rtsp_mount *m, rtsp_sess *ss);
void rtsp_mount_remove_reader(rtsp_mount *m, rtsp_sess *ss);
uint32_t rtsp_mount_rtp_now(rtsp_mount *m, int track, uint64_t now);
void rtsp_sess_send_rtcp(rtsp_sess *ss, bool bye, uint64_t now);

/* conn.c */
void rtsp_conn_close(rtsp_conn *c);  /* calls io->close once */
void rtsp_conn_resume(rtsp_conn *c); /* a held connection's buffered input, once hold_until passed */
rtsp_addr_state *rtsp_addr_find(rtsp_server *s, const char *addr, bool create);
/* Closes the oldest connection that has sent nothing (as a newcomer at max_clients would), for
 * an adapter out of descriptors; false when there is none. */
bool rtsp_server_evict_silent(rtsp_server *s);
void rtsp_sess_free(rtsp_sess *ss, bool notify);

#endif
