/*
 * rtsp/sdp.h — SDP session descriptions (RFC 4566) for DESCRIBE: H.264 (RFC 6184 §8.1),
 * H.265 (RFC 7798 §7.1), PCMU/PCMA (RFC 3551 static payload types 0 and 8).
 */
#ifndef RTSP_SDP_H
#define RTSP_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "media/params.h"
#include "rtsp/server.h"

typedef struct sdp_params {
  rtsp_video_codec video;
  rtsp_audio_codec audio;
  /* parameter sets without start codes; NULL/0 when not known yet */
  const uint8_t *vps, *sps, *pps;
  size_t vps_len, sps_len, pps_len;
  uint64_t session_id;
  const char *origin_addr; /* "127.0.0.1" or an IPv6 address */
} sdp_params;

/* Writes the description; control URLs are trackID=0 (video) and trackID=1 (audio).
 * Returns the length or ERR_ELIMIT. */
int sdp_write(const sdp_params *p, char *out, size_t cap);
/* Points p's parameter sets at those in a stream's cache (rtp_media.ps); unknown ones stay NULL. */
void sdp_params_set_ps(sdp_params *p, const media_ps_cache *c);

#endif
