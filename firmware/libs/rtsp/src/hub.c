// Stream hub: shared refcounted frames, one bounded queue per reader, drops instead of blocking.
// A reader's sequence numbers are the stream's plus an offset fixed at its first packet: it
// starts where RTP-Info said, and every packet it missed after that (a drop) is a gap it can
// count (RFC 3550 §5.1, §6.4.1 cumulative loss).
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "base/grow.h"
#include "internal.h"
#include "rtsp/rtcp.h"

rtsp_frame *rtsp_frame_from_pktbuf(rtp_pktbuf *b, int track, bool key, uint16_t seq0, uint32_t ts) {
  rtsp_frame *f = malloc(sizeof *f);
  if (!f) return NULL;
  f->refs = 1;
  f->track = (uint8_t)track;
  f->key = key;
  f->seq0 = seq0;
  f->ts = ts;
  f->n = b->n;
  f->bytes = b->len;
  f->data = b->data;
  f->off = b->off;
  uint8_t prefix = b->prefix;
  memset(b, 0, sizeof *b);
  b->prefix = prefix;
  return f;
}

void rtsp_frame_unref(rtsp_frame *f) {
  if (!f || --f->refs > 0) return;
  free(f->data);
  free(f->off);
  free(f);
}

void rtsp_sess_queue_init(rtsp_sess *ss, int cap) {
  ss->q = ss->q_inline;
  ss->qcap = cap;
  ss->qsize = cap < RTSP_QUEUE_INLINE ? cap : RTSP_QUEUE_INLINE;
  ss->qhead = ss->qcount = 0;
}

void rtsp_sess_queue_clear(rtsp_sess *ss) {
  while (ss->qcount) {
    rtsp_frame_unref(ss->q[ss->qhead]);
    ss->qhead = (ss->qhead + 1) % ss->qsize;
    ss->qcount--;
  }
  if (ss->q != ss->q_inline) free(ss->q);
  rtsp_sess_queue_init(ss, ss->qcap);
  ss->qbytes = 0;
  ss->cursor = 0;
}

/* A full ring of fewer than qcap slots doubles (at most to qcap), its frames moved to the front
 * in order. false when out of memory: the frame is dropped as for a full queue. */
static bool queue_grow(rtsp_sess *ss) {
  int size = ss->qsize * 2 < ss->qcap ? ss->qsize * 2 : ss->qcap;
  rtsp_frame **q = malloc((size_t)size * sizeof *q);
  if (!q) return false;
  for (int i = 0; i < ss->qcount; i++) q[i] = ss->q[(ss->qhead + i) % ss->qsize];
  if (ss->q != ss->q_inline) free(ss->q);
  ss->q = q;
  ss->qsize = size;
  ss->qhead = 0;
  return true;
}

int rtsp_mount_reserve_reader(rtsp_mount *m) {
  rtsp_sess **r = base_grow(m->readers, &m->capreaders, (size_t)m->nreaders + 1, sizeof *r, 16);
  if (!r) return ERR_ENOMEM;
  m->readers = r;
  return 0;
}

void rtsp_mount_add_reader(rtsp_mount *m, rtsp_sess *ss) {
  m->readers[m->nreaders++] = ss; /* room reserved (rtsp_mount_reserve_reader) */
  ss->rpos = m->nreaders;
  ss->need_key = true; /* start at a keyframe */
  ss->started = false;
  for (int t = 0; t < RTSP_TRACKS; t++) ss->tr[t].seq_set = false; /* at RTP-Info's seq again */
  m->srv->st.playing++;
}

void rtsp_mount_remove_reader(rtsp_mount *m, rtsp_sess *ss) {
  if (ss->rpos) { /* the last reader takes its place */
    rtsp_sess *last = m->readers[--m->nreaders];
    m->readers[ss->rpos - 1] = last;
    last->rpos = ss->rpos;
    ss->rpos = 0;
    m->srv->st.playing--;
  }
  rtsp_sess_queue_clear(ss);
}

/* Queue the frame for one reader, or drop it. */
static void reader_push(rtsp_sess *ss, rtsp_frame *f) {
  if (!ss->tr[f->track].setup || ss->conn->closed) return;
  const rtsp_server_config *cfg = &ss->mount->srv->cfg;
  bool room = ss->qcount < ss->qcap && ss->qbytes + f->bytes <= cfg->queue_max_bytes &&
              (ss->qcount < ss->qsize || queue_grow(ss));
  if (!rtsp_key_gate(&ss->need_key, f->track == 0, f->key, room)) {
    if (f->track == 0 && !ss->started) return; /* its first keyframe is still to come: nothing lost yet */
    ss->drops++;
    ss->mount->drops++;
    ss->mount->srv->st.drops++;
    return;
  }
  if (f->track == 0) ss->started = true;
  f->refs++;
  ss->q[(ss->qhead + ss->qcount) % ss->qsize] = f;
  ss->qcount++;
  ss->qbytes += f->bytes;
}

/* Queues and delivers in one pass over the readers: each reader's state is touched once, and
 * the first readers' bytes are on their way before the last ones are queued. A connection
 * closed by a failed send keeps its readers until the adapter's sweep, after this returns. */
void rtsp_hub_push(rtsp_mount *m, rtsp_frame *f) {
  /* Each reader's send goes through the kernel, which leaves the next readers' lines cold: at
   * 1000 readers, loading them was most of this loop's time. They are fetched ahead while the
   * sends before them run: a reader's session three turns ahead, its connection two ahead, the
   * adapter's state and its queue slot one ahead. */
  rtsp_sess **rv = m->readers;
  int n = m->nreaders;
  for (int i = 0; i < n && i < 3; i++) __builtin_prefetch(rv[i]);
  for (int i = 0; i < n; i++) {
    rtsp_sess *ss = rv[i];
    if (i + 3 < n) {
      __builtin_prefetch(rv[i + 3]);
      __builtin_prefetch((const char *)rv[i + 3] + 64);
    }
    if (i + 2 < n) __builtin_prefetch(rv[i + 2]->conn);
    if (i + 1 < n) {
      rtsp_sess *nx = rv[i + 1];
      __builtin_prefetch(nx->conn->user); /* the adapter's state (its output queue) */
      __builtin_prefetch(&nx->q[nx->qhead]);
    }
    reader_push(ss, f);
    if (!ss->conn->closed) rtsp_conn_pump(ss->conn); /* a conn with several readers: harmless twice */
  }
  rtsp_frame_unref(f); /* the producer's reference */
}

/* Readies packet i of f for this reader in place: its interleave channel and its sequence
 * number. The frame is shared, so the bytes hold this reader's values only until the next
 * reader patches them: the adapter sends or copies them before the batch call returns. */
static size_t patch_packet(rtsp_sess *ss, rtsp_frame *f, int i) {
  rtsp_track_state *t = &ss->tr[f->track];
  uint8_t *p = f->data + f->off[i];
  size_t n = f->off[i + 1] - f->off[i] - RTSP_INTERLEAVED_PREFIX;
  uint16_t stream_seq = (uint16_t)(f->seq0 + i);
  if (!t->seq_set) {
    t->seq_off = (uint16_t)(t->seq - stream_seq);
    t->seq_set = true;
  }
  uint16_t seq = (uint16_t)(stream_seq + t->seq_off);
  p[1] = (uint8_t)t->ch[0];
  p[RTSP_INTERLEAVED_PREFIX + 2] = (uint8_t)(seq >> 8);
  p[RTSP_INTERLEAVED_PREFIX + 3] = (uint8_t)seq;
  t->seq = (uint16_t)(seq + 1);
  t->packets++;
  t->octets += (uint32_t)(n - RTP_HEADER_SIZE);
  t->sent_any = true;
  ss->conn->srv->st.bytes_sent += n;
  return n;
}

/* Hands the staged batch to the adapter: one call per batch when it can gather, else per piece.
 * TCP: np pieces of one byte stream; UDP: np packets of two pieces (header, payload). */
static int flush_batch(rtsp_conn *c, int track, bool tcp, int np) {
  rtsp_server *s = c->srv;
  const rtsp_conn_io *io = c->io;
  const rtsp_iov *v = s->batch_iov;
  int r = 0;
  if (tcp) {
    if (io->sendv) return io->sendv(c->user, v, np);
    for (int i = 0; i < np && !r; i++) r = io->send(c->user, v[i].base, v[i].len);
    return r;
  }
  if (io->udp_sendv) r = io->udp_sendv(c->user, track, v, np);
  else if (!io->udp_send) r = ERR_ENOTSUP;
  else
    for (int i = 0; i < np && r >= 0; i++) {
      r = io->udp_send(c->user, track, false, v[2 * i].base, v[2 * i].len, v[2 * i + 1].base, v[2 * i + 1].len);
      if (r == ERR_EAGAIN) r = 0;
    }
  return r == ERR_EAGAIN ? 0 : r; /* a full UDP socket buffer loses packets, like the network */
}

/* Sends a reader's queue in batches: for UDP up to RTSP_BATCH_PKTS packets of one frame (one
 * track, one socket), for TCP up to RTSP_BATCH_PKTS whole frames, each one contiguous piece, as
 * many as the send backlog allows, so a frame costs one write per reader, not one per packet. A
 * TCP reader stops pulling once the adapter's backlog passes send_backlog_max; it overshoots by
 * at most one batch of frames. */
void rtsp_conn_pump(rtsp_conn *c) {
  if (c->closed) return;
  rtsp_server *s = c->srv;
  size_t max = s->cfg.send_backlog_max;
  rtsp_iov *iov = s->batch_iov;
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) {
    if (ss->state != SESS_PLAYING) continue;
    while (ss->qcount) {
      rtsp_frame *f = ss->q[ss->qhead];
      bool tcp = ss->tr[f->track].lower == RTSP_LOWER_TCP;
      size_t backlog = tcp && c->io->backlog ? c->io->backlog(c->user) : 0;
      if (backlog > max) return;
      int np = 0, k = 0, cur = ss->cursor;
      uint64_t pkts = 0;
      if (tcp) {
        for (;;) {
          rtsp_frame *g = ss->q[(ss->qhead + k) % ss->qsize];
          for (int i = cur; i < g->n; i++, pkts++) backlog += patch_packet(ss, g, i) + RTSP_INTERLEAVED_PREFIX;
          iov[np++] = (rtsp_iov){g->data + g->off[cur], g->off[g->n] - g->off[cur]};
          k++;
          cur = 0;
          if (np == RTSP_BATCH_PKTS || k >= ss->qcount || backlog > max) break;
          rtsp_frame *nx = ss->q[(ss->qhead + k) % ss->qsize];
          if (ss->tr[nx->track].lower != RTSP_LOWER_TCP) break;
        }
      } else {
        for (; cur < f->n && np < RTSP_BATCH_PKTS; cur++, np++) {
          size_t n = patch_packet(ss, f, cur);
          const uint8_t *p = f->data + f->off[cur] + RTSP_INTERLEAVED_PREFIX;
          iov[2 * np] = (rtsp_iov){p, RTP_HEADER_SIZE};
          iov[2 * np + 1] = (rtsp_iov){p + RTP_HEADER_SIZE, n - RTP_HEADER_SIZE};
        }
        pkts = (uint64_t)np;
        if (cur == f->n) {
          k = 1;
          cur = 0;
        }
      }
      s->st.packets_sent += pkts;
      int r = flush_batch(c, f->track, tcp, np);
      for (; k > 0; k--) { /* the pieces are gone: release the frames they pointed into */
        rtsp_frame *g = ss->q[ss->qhead];
        ss->qhead = (ss->qhead + 1) % ss->qsize;
        ss->qcount--;
        ss->qbytes -= g->bytes;
        rtsp_frame_unref(g);
      }
      if (!ss->qcount) ss->qhead = 0; /* a reader that keeps up uses one slot, on a warm line */
      ss->cursor = cur;
      if (r < 0) {
        rtsp_conn_close(c);
        return;
      }
    }
  }
}

uint32_t rtsp_mount_rtp_now(rtsp_mount *m, int track, uint64_t now) {
  if (!m->have_clock) return m->media.ts_base[track];
  uint64_t dt = now > m->clock_mono ? now - m->clock_mono : 0;
  return rtp_media_ts(&m->media, track, m->clock_pts + dt);
}

// RFC 3550 §6.4.1: the SR pairs wallclock (NTP) with the RTP clock at the same instant and
// carries the sender's counts for this reader.
void rtsp_sess_send_rtcp(rtsp_sess *ss, bool bye, uint64_t now) {
  rtsp_conn *c = ss->conn;
  if (c->closed) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t wall = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
  for (int t = 0; t < RTSP_TRACKS; t++) {
    rtsp_track_state *tr = &ss->tr[t];
    if (!tr->setup || (!tr->sent_any && !bye)) continue;
    rtcp_sr_info sr = {ss->mount->media.pk[t].ssrc, rtcp_ntp_from_unix_us(wall), rtsp_mount_rtp_now(ss->mount, t, now),
                       tr->packets, tr->octets};
    uint8_t buf[4 + 128];
    int n = bye ? rtcp_write_bye(&sr, buf + 4, sizeof buf - 4) : rtcp_write_sr(&sr, "k230js", buf + 4, sizeof buf - 4);
    if (n < 0) continue;
    int r;
    if (tr->lower == RTSP_LOWER_TCP) {
      rtsp_interleaved_put(buf, tr->ch[1], (size_t)n);
      r = c->io->send(c->user, buf, (size_t)n + 4);
    } else {
      r = c->io->udp_send ? c->io->udp_send(c->user, t, true, buf + 4, (size_t)n, NULL, 0) : 0;
      if (r == ERR_EAGAIN) r = 0;
    }
    if (r < 0) {
      rtsp_conn_close(c);
      return;
    }
  }
}
