// Stream hub: shared refcounted frames, one bounded queue per reader, drops instead of blocking.
// RTP sequence numbers are rewritten per reader so that every reader sees a gap-free sequence
// except where it really lost frames (RFC 3550 §5.1: seq increments by one per packet sent).
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/errors.h"
#include "internal.h"
#include "rtsp/rtcp.h"

rtsp_frame *rtsp_frame_from_pktbuf(rtp_pktbuf *b, int track, bool key, uint32_t ts) {
  rtsp_frame *f = malloc(sizeof *f);
  if (!f) return NULL;
  f->refs = 1;
  f->track = (uint8_t)track;
  f->key = key;
  f->ts = ts;
  f->n = b->n;
  f->bytes = b->len;
  f->data = b->data;
  f->off = b->off;
  memset(b, 0, sizeof *b);
  return f;
}

void rtsp_frame_unref(rtsp_frame *f) {
  if (!f || --f->refs > 0) return;
  free(f->data);
  free(f->off);
  free(f);
}

int rtsp_sess_queue_init(rtsp_sess *ss, int cap) {
  ss->q = calloc((size_t)cap, sizeof *ss->q);
  if (!ss->q) return HAL_ENOMEM;
  ss->qcap = cap;
  return 0;
}

void rtsp_sess_queue_clear(rtsp_sess *ss) {
  while (ss->qcount) {
    rtsp_frame_unref(ss->q[ss->qhead]);
    ss->qhead = (ss->qhead + 1) % ss->qcap;
    ss->qcount--;
  }
  ss->qhead = 0;
  ss->qbytes = 0;
  ss->cursor = 0;
}

void rtsp_mount_add_reader(rtsp_mount *m, rtsp_sess *ss) {
  ss->rnext = m->readers;
  m->readers = ss;
  ss->need_key = true; /* start at a keyframe */
  m->srv->st.playing++;
}

void rtsp_mount_remove_reader(rtsp_mount *m, rtsp_sess *ss) {
  for (rtsp_sess **pp = &m->readers; *pp; pp = &(*pp)->rnext) {
    if (*pp == ss) {
      *pp = ss->rnext;
      ss->rnext = NULL;
      m->srv->st.playing--;
      break;
    }
  }
  rtsp_sess_queue_clear(ss);
}

static void drop(rtsp_sess *ss, rtsp_frame *f) {
  ss->drops++;
  ss->mount->drops++;
  ss->mount->srv->st.drops++;
  if (f->track == 0) ss->need_key = true;
}

/* Queue the frame for one reader, or drop it. */
static void reader_push(rtsp_sess *ss, rtsp_frame *f) {
  if (!ss->tr[f->track].setup || ss->conn->closed) return;
  const rtsp_server_config *cfg = &ss->mount->srv->cfg;
  if (f->track == 0 && ss->need_key) {
    if (!f->key) {
      ss->drops++;
      ss->mount->drops++;
      ss->mount->srv->st.drops++;
      return;
    }
    ss->need_key = false;
  }
  if (ss->qcount >= ss->qcap || ss->qbytes + f->bytes > cfg->queue_max_bytes) {
    drop(ss, f);
    return;
  }
  f->refs++;
  ss->q[(ss->qhead + ss->qcount) % ss->qcap] = f;
  ss->qcount++;
  ss->qbytes += f->bytes;
}

void rtsp_hub_push(rtsp_mount *m, rtsp_frame *f) {
  for (rtsp_sess *ss = m->readers; ss; ss = ss->rnext) reader_push(ss, f);
  rtsp_frame_unref(f); /* the producer's reference */
  /* deliver: a conn may hold several readers of this mount; pumping it twice is harmless */
  for (rtsp_sess *ss = m->readers; ss; ss = ss->rnext)
    if (!ss->conn->closed) rtsp_conn_pump(ss->conn);
}

static int send_packet(rtsp_sess *ss, rtsp_frame *f, int i) {
  rtsp_conn *c = ss->conn;
  rtsp_track_state *t = &ss->tr[f->track];
  const uint8_t *p = f->data + f->off[i];
  size_t n = f->off[i + 1] - f->off[i];
  uint8_t h[4 + RTP_HEADER_SIZE];
  memcpy(h + 4, p, RTP_HEADER_SIZE);
  h[4 + 2] = (uint8_t)(t->seq >> 8);
  h[4 + 3] = (uint8_t)t->seq;
  t->seq++;
  t->packets++;
  t->octets += (uint32_t)(n - RTP_HEADER_SIZE);
  t->sent_any = true;
  c->srv->st.packets_sent++;
  c->srv->st.bytes_sent += n;
  int r;
  if (t->lower == RTSP_LOWER_TCP) {
    // RFC 2326 §10.12: '$', channel, 16-bit length, then the RTP packet.
    h[0] = '$';
    h[1] = (uint8_t)t->ch[0];
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
    r = c->io->send(c->user, h, sizeof h);
    if (!r) r = c->io->send(c->user, p + RTP_HEADER_SIZE, n - RTP_HEADER_SIZE);
  } else {
    r = c->io->udp_send ? c->io->udp_send(c->user, f->track, false, h + 4, RTP_HEADER_SIZE, p + RTP_HEADER_SIZE,
                                          n - RTP_HEADER_SIZE)
                        : HAL_ENOTSUP;
    if (r == HAL_EAGAIN) r = 0; /* a full UDP socket buffer loses the packet, like the network */
  }
  return r;
}

void rtsp_conn_pump(rtsp_conn *c) {
  if (c->closed) return;
  size_t max = c->srv->cfg.send_backlog_max;
  for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) {
    if (ss->state != SESS_PLAYING) continue;
    while (ss->qcount) {
      rtsp_frame *f = ss->q[ss->qhead];
      if (ss->tr[f->track].lower == RTSP_LOWER_TCP && c->io->backlog && c->io->backlog(c->user) > max) return;
      if (send_packet(ss, f, ss->cursor) < 0) {
        rtsp_conn_close(c);
        return;
      }
      if (++ss->cursor >= f->n) {
        ss->cursor = 0;
        ss->qhead = (ss->qhead + 1) % ss->qcap;
        ss->qcount--;
        ss->qbytes -= f->bytes;
        rtsp_frame_unref(f);
      }
    }
  }
}

uint32_t rtsp_mount_rtp_now(rtsp_mount *m, int track, uint64_t now) {
  uint32_t clock = track == 0 ? 90000 : 8000;
  if (!m->have_ts[track]) return m->ts_base[track];
  uint64_t dt = now > m->last_ts_mono[track] ? now - m->last_ts_mono[track] : 0;
  return m->last_ts[track] + (uint32_t)(dt * clock / 1000000);
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
    rtcp_sr_info sr = {ss->mount->pk[t].ssrc, rtcp_ntp_from_unix_us(wall), rtsp_mount_rtp_now(ss->mount, t, now),
                       tr->packets, tr->octets};
    uint8_t buf[4 + 128];
    int n = bye ? rtcp_write_bye(&sr, buf + 4, sizeof buf - 4) : rtcp_write_sr(&sr, "k230js", buf + 4, sizeof buf - 4);
    if (n < 0) continue;
    int r;
    if (tr->lower == RTSP_LOWER_TCP) {
      buf[0] = '$';
      buf[1] = (uint8_t)tr->ch[1];
      buf[2] = (uint8_t)(n >> 8);
      buf[3] = (uint8_t)n;
      r = c->io->send(c->user, buf, (size_t)n + 4);
    } else {
      r = c->io->udp_send ? c->io->udp_send(c->user, t, true, buf + 4, (size_t)n, NULL, 0) : 0;
      if (r == HAL_EAGAIN) r = 0;
    }
    if (r < 0) {
      rtsp_conn_close(c);
      return;
    }
  }
}
