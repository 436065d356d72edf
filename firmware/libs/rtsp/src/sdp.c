// SDP for DESCRIBE replies, RFC 4566 §5; payload formats RFC 6184 §8.1, RFC 7798 §7.1, RFC 3551.
#include "rtsp/sdp.h"

#include <string.h>

#include "base/errors.h"
#include "rtsp/wbuf.h"

int sdp_write(const sdp_params *p, char *out, size_t cap) {
  rtsp_wbuf w;
  rtsp_wbuf_init(&w, out, cap);
  const char *addr = p->origin_addr ? p->origin_addr : "0.0.0.0";
  const char *fam = strchr(addr, ':') ? "IP6" : "IP4";
  rtsp_wbuf_printf(&w, "v=0\r\no=- %llu 1 IN %s %s\r\ns=k230js\r\nc=IN %s %s\r\nt=0 0\r\n",
                   (unsigned long long)p->session_id, fam, addr, fam, strcmp(fam, "IP6") ? "0.0.0.0" : "::");
  rtsp_wbuf_puts(&w, "a=tool:k230js\r\na=control:*\r\na=range:npt=0-\r\n");
  if (p->video == RTSP_VIDEO_H264) {
    rtsp_wbuf_puts(&w, "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
    rtsp_wbuf_puts(&w, "a=fmtp:96 packetization-mode=1");
    if (p->sps && p->sps_len >= 4) /* profile_idc, constraint flags, level_idc (§8.1) */
      rtsp_wbuf_printf(&w, ";profile-level-id=%02X%02X%02X", p->sps[1], p->sps[2], p->sps[3]);
    if (p->sps && p->pps) {
      rtsp_wbuf_puts(&w, ";sprop-parameter-sets=");
      rtsp_wbuf_base64(&w, p->sps, p->sps_len);
      rtsp_wbuf_puts(&w, ",");
      rtsp_wbuf_base64(&w, p->pps, p->pps_len);
    }
    rtsp_wbuf_puts(&w, "\r\na=control:trackID=0\r\n");
  } else if (p->video == RTSP_VIDEO_H265) {
    rtsp_wbuf_puts(&w, "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n");
    if (p->vps && p->sps && p->pps) {
      rtsp_wbuf_puts(&w, "a=fmtp:96 sprop-vps=");
      rtsp_wbuf_base64(&w, p->vps, p->vps_len);
      rtsp_wbuf_puts(&w, ";sprop-sps=");
      rtsp_wbuf_base64(&w, p->sps, p->sps_len);
      rtsp_wbuf_puts(&w, ";sprop-pps=");
      rtsp_wbuf_base64(&w, p->pps, p->pps_len);
      rtsp_wbuf_puts(&w, "\r\n");
    }
    rtsp_wbuf_puts(&w, "a=control:trackID=0\r\n");
  }
  if (p->audio == RTSP_AUDIO_PCMU)
    rtsp_wbuf_puts(&w, "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=control:trackID=1\r\n");
  else if (p->audio == RTSP_AUDIO_PCMA)
    rtsp_wbuf_puts(&w, "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:trackID=1\r\n");
  return w.err ? w.err : (int)w.len;
}

void sdp_params_set_ps(sdp_params *p, const media_ps_cache *c) {
  if (c->vps_size) p->vps = c->vps, p->vps_len = c->vps_size;
  if (c->sps_size) p->sps = c->sps, p->sps_len = c->sps_size;
  if (c->pps_size) p->pps = c->pps, p->pps_len = c->pps_size;
}
