// Access units and audio chunks to RTP packets for the server and the pusher alike: one pass
// over the Annex-B buffer, parameter sets from one cache ahead of every keyframe.
#include "rtsp/rtp_media.h"

#include <string.h>

#include "base/errors.h"

void rtp_media_init(rtp_media *m, int video, int audio_pt, size_t mtu, uint64_t (*rnd)(void *u), void *u) {
  memset(m, 0, sizeof *m);
  m->video = (media_codec)video;
  m->audio = audio_pt >= 0;
  media_ps_cache_init(&m->ps, video == MEDIA_CODEC_H265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264);
  for (int t = 0; t < 2; t++) {
    m->pk[t].ssrc = (uint32_t)rnd(u);
    m->pk[t].seq = (uint16_t)rnd(u);
    m->pk[t].mtu = mtu;
    m->ts_base[t] = (uint32_t)rnd(u); /* RFC 3550 §5.1: random initial timestamp */
  }
  m->pk[0].pt = 96;
  m->pk[1].pt = (uint8_t)(audio_pt >= 0 ? audio_pt : 0);
}

uint32_t rtp_media_ts(const rtp_media *m, int track, uint64_t pts_us) {
  uint64_t clock = track == 0 ? 90000 : 8000;
  /* split so that pts_us * 90000 cannot overflow (it would after ~6.5 years) */
  uint64_t t = (pts_us / 1000000) * clock + (pts_us % 1000000) * clock / 1000000;
  return m->ts_base[track] + (uint32_t)t;
}

static int packetize(rtp_media *m, const uint8_t *nal, size_t size, uint32_t ts, rtp_pktbuf *out) {
  return m->video == MEDIA_CODEC_H264 ? rtp_h264_packetize(&m->pk[0], nal, size, ts, false, out)
                                      : rtp_h265_packetize(&m->pk[0], nal, size, ts, false, out);
}

static int put_param_sets(rtp_media *m, uint32_t ts, rtp_pktbuf *out) {
  const media_ps_cache *c = &m->ps;
  const uint8_t *d[3] = {c->vps, c->sps, c->pps};
  size_t n[3] = {c->vps_size, c->sps_size, c->pps_size};
  int r = 0;
  for (int i = 0; i < 3 && !r; i++)
    if (n[i]) r = packetize(m, d[i], n[i], ts, out);
  return r;
}

int rtp_media_video(rtp_media *m, const uint8_t *buf, size_t len, uint64_t pts_us, rtp_au_kind kind, rtp_pktbuf *out,
                    bool *key) {
  *key = false;
  if (!m->video || (!buf && len)) return ERR_EINVAL;
  if (kind == RTP_AU_HEADER) {
    int r = media_ps_cache_put_annexb(&m->ps, buf, len);
    return r == ERR_ELIMIT ? 0 : r < 0 ? r : 0; /* an oversized set is not cached, as below */
  }
  media_codec codec = m->video;
  size_t hs = media_nal_header_size(codec);
  uint32_t ts = rtp_media_ts(m, 0, pts_us);
  /* one allocation per access unit as a rule: the payload, the parameter sets and a header
   * (with FU header and prefix) per packet */
  size_t room = m->pk[0].mtu - RTP_HEADER_SIZE - 3;
  size_t ps = m->ps.vps_size + m->ps.sps_size + m->ps.pps_size;
  int pkts = (int)((len + ps) / room) + 8;
  int r = rtp_pktbuf_reserve(out, len + ps + (size_t)pkts * (RTP_HEADER_SIZE + 3 + out->prefix), pkts);
  int n0 = out->n;
  bool known = kind != RTP_AU_UNKNOWN, ps_sent = false;
  if (kind == RTP_AU_KEY && !r) {
    r = put_param_sets(m, ts, out);
    ps_sent = true;
  }
  size_t pos = 0;
  media_nal nal;
  while (!r && media_annexb_next(codec, buf, len, &pos, &nal) == 1) {
    if (nal.size < hs) continue;
    if (media_nal_is_param_set(codec, nal.type)) {
      media_ps_cache_put(&m->ps, nal.data, nal.size); /* ERR_ELIMIT: too large to cache, skipped */
      continue;
    }
    if (nal.type == (codec == MEDIA_CODEC_H264 ? MEDIA_H264_NAL_AUD : MEDIA_H265_NAL_AUD)) continue;
    if (!known && !ps_sent && media_nal_is_idr(codec, nal.type)) { /* found out on this pass */
      r = put_param_sets(m, ts, out);
      ps_sent = true;
      if (r) break;
    }
    r = packetize(m, nal.data, nal.size, ts, out);
  }
  if (!r) r = out->err;
  if (r) return r;
  if (out->n == n0) return 0;
  out->data[out->off[out->n - 1] + out->prefix + 1] |= 0x80; /* marker: the AU's last packet (§5.1) */
  *key = ps_sent;
  return out->n - n0;
}

int rtp_media_audio(rtp_media *m, const uint8_t *s, size_t n, uint64_t pts_us, rtp_pktbuf *out) {
  if (!m->audio) return ERR_ENOTSUP;
  int n0 = out->n;
  int r = rtp_g711_packetize(&m->pk[1], s, n, rtp_media_ts(m, 1, pts_us), out);
  return r < 0 ? r : out->n - n0;
}
