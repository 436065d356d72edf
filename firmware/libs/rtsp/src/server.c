// Server object, mounts and the producer side of the stream hub.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "internal.h"

uint64_t rtsp_now(rtsp_server *s) {
  if (s->clock) return s->clock(s->clock_user);
  if (s->cfg.now_us) return s->cfg.now_us(s->cfg.user);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* xorshift64*, seeded from /dev/urandom when there is one. Session ids and nonces are bound to
 * their connection, so unpredictability is defence in depth, not the only guard. */
uint64_t rtsp_rand64(rtsp_server *s) {
  uint64_t x = s->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s->rng = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd(void *u) { return rtsp_rand64(u); }

static void seed(rtsp_server *s) {
  uint64_t v = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    if (fread(&v, sizeof v, 1, f) != 1) v = 0;
    fclose(f);
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  v ^= (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)s;
  s->rng = v ? v : 0x9E3779B97F4A7C15ull;
}

void rtsp_emit(rtsp_server *s, rtsp_event_type t, rtsp_conn *c, const char *mount) {
  if (!s->cfg.on_event) return;
  rtsp_event ev = {t, c ? c->id : 0, c ? c->peer : "", mount};
  s->cfg.on_event(s->cfg.user, &ev);
}

static int copy_str(char *dst, size_t cap, const char *src) {
  if (!src) {
    dst[0] = 0;
    return 0;
  }
  size_t n = strlen(src);
  if (n >= cap) return ERR_EINVAL;
  memcpy(dst, src, n + 1);
  return 0;
}

int rtsp_server_new(const rtsp_server_config *cfg, rtsp_server **out) {
  if (!cfg || !out) return ERR_EINVAL;
  *out = NULL;
  if (cfg->mtu < RTP_MTU_MIN || cfg->mtu > RTP_MTU_MAX || cfg->port < 0 || cfg->port > 65535 || cfg->max_clients < 1 ||
      cfg->max_sessions_per_conn < 1 || cfg->queue_max_frames < 2 || cfg->session_timeout_s < 1 ||
      cfg->request_timeout_s < 1 || cfg->limits.max_headers < 1 || cfg->limits.max_header_bytes < 64 ||
      cfg->limits.max_header_bytes >= sizeof(((rtsp_server *)0)->scratch) || cfg->limits.max_body > 1u << 20 ||
      cfg->rtcp_interval_ms < 100 || cfg->request_deadline_s < 1 || cfg->max_clients_per_addr < 1)
    return ERR_EINVAL;
  if (cfg->auth != RTSP_AUTH_NONE && (!cfg->username || !cfg->password)) return ERR_EINVAL;
  rtsp_server *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->cfg = *cfg;
  if (copy_str(s->host, sizeof s->host, cfg->host ? cfg->host : "0.0.0.0") ||
      copy_str(s->user, sizeof s->user, cfg->username) || copy_str(s->pass, sizeof s->pass, cfg->password) ||
      copy_str(s->realm, sizeof s->realm, cfg->realm ? cfg->realm : "k230js") || strchr(s->realm, '"')) {
    free(s);
    return ERR_EINVAL;
  }
  s->cfg.host = s->host;
  s->cfg.username = s->user;
  s->cfg.password = s->pass;
  s->cfg.realm = s->realm;
  s->bound_port = cfg->port;
  s->next_conn_id = 1;
  rtsp_pool_init(&s->conn_pool, sizeof(rtsp_conn));
  rtsp_pool_init(&s->sess_pool, sizeof(rtsp_sess));
  seed(s);
  *out = s;
  return 0;
}

void rtsp_server_close(rtsp_server *s) {
  if (!s) return;
  s->adapter_sweep = NULL; /* the adapter's sockets die with adapter_free below */
  while (s->conns) {
    rtsp_conn *c = s->conns;
    rtsp_conn_close(c);
    rtsp_conn_free(c);
  }
  while (s->mounts) rtsp_server_remove_mount(s, s->mounts);
  if (s->adapter_free) s->adapter_free(s->adapter);
  free(s);
}

void rtsp_server_tick(rtsp_server *s) {
  uint64_t now = rtsp_now(s);
  s->last_tick = now;
  uint64_t idle = (uint64_t)s->cfg.session_timeout_s * 1000000;
  uint64_t req = (uint64_t)s->cfg.request_timeout_s * 1000000;
  uint64_t rtcp = (uint64_t)s->cfg.rtcp_interval_ms * 1000;
  uint64_t deadline = (uint64_t)s->cfg.request_deadline_s * 1000000;
  for (rtsp_conn *c = s->conns; c; c = c->next) {
    if (c->closed) continue;
    if (now - c->last_activity > idle || (c->partial_since && now - c->partial_since > req) ||
        (c->linger_until && now >= c->linger_until)) {
      rtsp_conn_close(c); /* idle (RFC 2326 §12.37 timeout) or a request that never completes */
      continue;
    }
    bool playing = false;
    for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) playing |= ss->state == SESS_PLAYING;
    if (!playing && !c->hold_until && now - c->last_request > deadline) {
      s->st.conns_evicted++; /* holds a slot and asks for nothing */
      rtsp_conn_close(c);
      continue;
    }
    if (c->hold_until && now >= c->hold_until) {
      rtsp_conn_resume(c);
      if (c->closed) continue;
    }
    for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) {
      if (ss->state == SESS_PLAYING && now - ss->last_sr_us >= rtcp) {
        ss->last_sr_us = now;
        rtsp_sess_send_rtcp(ss, false, now);
      }
    }
  }
  if (s->adapter_sweep) s->adapter_sweep(s->adapter);
}

static void maybe_tick(rtsp_server *s) {
  if (rtsp_now(s) - s->last_tick >= 200000) rtsp_server_tick(s);
  else if (s->adapter_sweep) s->adapter_sweep(s->adapter);
}

void rtsp_server_stats(const rtsp_server *s, rtsp_stats *out) {
  *out = s->st;
  out->conns = s->nconns;
}

int rtsp_server_port(const rtsp_server *s) { return s->bound_port; }

int rtsp_server_url(const rtsp_server *s, const char *any_host, const char *name, char *out, size_t cap) {
  const char *h = s->host;
  if (!strcmp(h, "0.0.0.0") || !h[0]) h = any_host ? any_host : "127.0.0.1";
  if (!strcmp(h, "::")) h = any_host ? any_host : "::1";
  int n = strchr(h, ':') ? snprintf(out, cap, "rtsp://[%s]:%d/%s", h, s->bound_port, name)
                         : snprintf(out, cap, "rtsp://%s:%d/%s", h, s->bound_port, name);
  return n < 0 || (size_t)n >= cap ? ERR_ELIMIT : n;
}

static bool valid_mount_name(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len >= RTSP_MOUNT_NAME_MAX || n[0] == '/' || n[len - 1] == '/' || strstr(n, "..") ||
      strstr(n, "//") || strstr(n, "trackID="))
    return false;
  for (const char *c = n; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
          *c == '-' || *c == '/'))
      return false;
  return true;
}

int rtsp_server_add_mount(rtsp_server *s, const char *name, const rtsp_mount_config *cfg, rtsp_mount **out) {
  if (!s || !name || !cfg || !valid_mount_name(name) || cfg->video < RTSP_VIDEO_NONE || cfg->video > RTSP_VIDEO_H265 ||
      cfg->audio < RTSP_AUDIO_NONE || cfg->audio > RTSP_AUDIO_PCMA ||
      (cfg->video == RTSP_VIDEO_NONE && cfg->audio == RTSP_AUDIO_NONE))
    return ERR_EINVAL;
  if (rtsp_server_find_mount(s, name)) return ERR_EBUSY;
  rtsp_mount *m = calloc(1, sizeof *m);
  if (!m) return ERR_ENOMEM;
  m->srv = s;
  strcpy(m->name, name);
  m->cfg = *cfg;
  rtp_media_init(&m->media, (int)cfg->video, rtsp_audio_pt(cfg->audio), s->cfg.mtu, rnd, s);
  rtp_pktbuf_init_interleaved(&m->pb);
  m->next = s->mounts;
  s->mounts = m;
  if (out) *out = m;
  return 0;
}

rtsp_mount *rtsp_server_find_mount(rtsp_server *s, const char *name) {
  for (rtsp_mount *m = s->mounts; m; m = m->next)
    if (!strcmp(m->name, name)) return m;
  return NULL;
}

void rtsp_server_remove_mount(rtsp_server *s, rtsp_mount *m) {
  uint64_t now = rtsp_now(s);
  /* Sessions on this mount end: BYE to each reader. Its connection stays open for a moment so
   * the client can act on the BYE (end of stream, TEARDOWN) before it sees the connection go:
   * players that see the close first report a read error instead of a clean end. */
  for (rtsp_conn *c = s->conns; c; c = c->next) {
    bool hit = false;
    for (rtsp_sess *ss = c->sessions; ss; ss = ss->next) {
      if (ss->mount != m) continue;
      hit = true;
      if (ss->state == SESS_PLAYING) {
        rtsp_conn_pump(c);
        rtsp_sess_send_rtcp(ss, true, now);
      }
    }
    if (hit) {
      while (c->sessions) rtsp_sess_free(c->sessions, true);
      if (!c->linger_until) c->linger_until = now + RTSP_LINGER_US;
    }
  }
  for (rtsp_mount **pp = &s->mounts; *pp; pp = &(*pp)->next) {
    if (*pp == m) {
      *pp = m->next;
      break;
    }
  }
  rtp_pktbuf_free(&m->pb);
  free(m->readers);
  free(m);
  if (s->adapter_sweep) s->adapter_sweep(s->adapter);
}

void rtsp_mount_get_stats(const rtsp_mount *m, rtsp_mount_stats *out) {
  memset(out, 0, sizeof *out);
  out->readers = m->nreaders;
  out->frames_in = m->frames_in;
  out->drops = m->drops;
}

/* The packets in m->pb become one shared frame for the readers. */
static int publish(rtsp_mount *m, int track, bool key, uint16_t seq0, uint64_t pts_us) {
  if (track == 0 || m->cfg.video == RTSP_VIDEO_NONE) {
    m->clock_pts = pts_us;
    m->clock_mono = rtsp_now(m->srv);
    m->have_clock = true;
  }
  m->frames_in++;
  m->srv->st.frames_in++;
  if (m->nreaders) {
    rtsp_frame *f = rtsp_frame_from_pktbuf(&m->pb, track, key, seq0, rtp_media_ts(&m->media, track, pts_us));
    if (!f) return ERR_ENOMEM;
    rtsp_hub_push(m, f);
  }
  maybe_tick(m->srv);
  return 0;
}

int rtsp_mount_send_au(rtsp_mount *m, const uint8_t *buf, size_t len, uint64_t pts_us, rtp_au_kind kind) {
  if (!m || (!buf && len)) return ERR_EINVAL;
  if (m->cfg.video == RTSP_VIDEO_NONE) return ERR_ENOTSUP;
  rtp_pktbuf_reset(&m->pb);
  uint16_t seq0 = m->media.pk[0].seq;
  bool key;
  int n = rtp_media_video(&m->media, buf, len, pts_us, kind, &m->pb, &key);
  if (n <= 0) {
    rtp_pktbuf_reset(&m->pb);
    if (n == 0) maybe_tick(m->srv); /* parameter sets only */
    return n;
  }
  return publish(m, 0, key, seq0, pts_us);
}

int rtsp_mount_send_video(rtsp_mount *m, const uint8_t *buf, size_t len, uint64_t pts_us) {
  return rtsp_mount_send_au(m, buf, len, pts_us, RTP_AU_UNKNOWN);
}

int rtsp_mount_send_audio(rtsp_mount *m, const uint8_t *buf, size_t len, uint64_t pts_us) {
  if (!m || !buf || !len) return ERR_EINVAL;
  if (m->cfg.audio == RTSP_AUDIO_NONE) return ERR_ENOTSUP;
  rtp_pktbuf_reset(&m->pb);
  uint16_t seq0 = m->media.pk[1].seq;
  int n = rtp_media_audio(&m->media, buf, len, pts_us, &m->pb);
  if (n < 0) return n;
  return publish(m, 1, true, seq0, pts_us);
}
