/*
 * rtsp/rtp_media.h — one stream's media to RTP packets, shared by the server (one per mount) and
 * the pusher: an access unit (Annex-B) or a G.711 chunk in, its RTP packets appended to an
 * rtp_pktbuf out, the parameter sets kept in one media_ps_cache and sent ahead of every
 * keyframe (RFC 6184 §8.4, RFC 7798 §7.2) so a late joiner can decode.
 *
 * Timestamps: pts in µs on the 90 kHz (video) / 8 kHz (audio) RTP clock from a random base
 * (RFC 3550 §5.1). Track 0 is video, track 1 audio, everywhere in the library.
 * Threading: none. Ownership: the caller's; nothing here allocates except through the pktbuf.
 */
#ifndef RTSP_RTP_MEDIA_H
#define RTSP_RTP_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/annexb.h"
#include "media/params.h"
#include "rtsp/rtp.h"

/* What the producer knows of an access unit. An encoder says it (kjs/sink.h); a JS caller of
 * sendVideo() does not, and then the packetizer finds out from the NAL types on its one pass. */
typedef enum rtp_au_kind {
  RTP_AU_UNKNOWN = 0,
  RTP_AU_HEADER = 1, /* parameter sets only (an encoder HEADER pack): cached, nothing sent */
  RTP_AU_KEY = 2,    /* an IDR / IRAP picture */
  RTP_AU_DELTA = 3,  /* any other picture */
} rtp_au_kind;

typedef struct rtp_media {
  media_codec video; /* 0 when the stream has no video */
  bool audio;
  rtp_packetizer pk[2]; /* 0 video, 1 audio: payload type, SSRC, next sequence number, MTU */
  uint32_t ts_base[2];
  media_ps_cache ps; /* the latest VPS/SPS/PPS (the SDP's sprop-*, resent before keyframes) */
} rtp_media;

/* video: 0, MEDIA_CODEC_H264 or _H265; audio_pt: -1 (none), 0 (PCMU) or 8 (PCMA). SSRCs, first
 * sequence numbers and timestamp bases come from rnd(u). */
void rtp_media_init(rtp_media *m, int video, int audio_pt, size_t mtu, uint64_t (*rnd)(void *u), void *u);
uint32_t rtp_media_ts(const rtp_media *m, int track, uint64_t pts_us);

/* Appends one access unit's packets to out (the marker bit on its last packet). Parameter sets
 * in it update the cache; access unit delimiters are dropped. Returns the number of packets
 * appended (0 for parameter sets only), ERR_EINVAL, or ERR_ENOMEM. *key: a keyframe. */
int rtp_media_video(rtp_media *m, const uint8_t *annexb, size_t len, uint64_t pts_us, rtp_au_kind kind, rtp_pktbuf *out,
                    bool *key);
/* G.711 samples (8 kHz, one byte each). Packets appended, or a negative code. */
int rtp_media_audio(rtp_media *m, const uint8_t *samples, size_t n, uint64_t pts_us, rtp_pktbuf *out);

/* The library's one "wait for a keyframe" rule (every hub reader, the pusher): a frame passes
 * when there is room for it and, for video after a start or a drop, when it is a keyframe. A
 * dropped video frame makes the video wait for the next keyframe (later pictures refer to it). */
static inline bool rtsp_key_gate(bool *need_key, bool video, bool key, bool room) {
  if (video && *need_key && !key) return false;
  if (!room) {
    if (video) *need_key = true;
    return false;
  }
  if (video) *need_key = false;
  return true;
}

#endif
