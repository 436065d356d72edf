/* Encoder backend on libavcodec: libx264 / libx265 / mjpeg mapped to K230 VENC pack semantics.
 * Parameter sets stay inline (repeat headers, no global header) so every IDR access unit starts
 * with them; they are cut off into the HEADER pack by pointing into the same packet, so packs
 * are zero-copy views of the AVPacket, which lives until the stream is released. */
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct venc_codec {
  AVCodecContext *ctx;
  hal_venc_codec kind;
  int nv12_direct; /* the encoder takes NV12: hand it the block itself */
  AVPacket *pkt;
};

static const char *encoder_name(hal_venc_codec c) {
  return c == HAL_VENC_H264 ? "libx264" : c == HAL_VENC_H265 ? "libx265" : "mjpeg";
}

int venc_codec_open(const hal_venc_config *cfg, venc_codec **out) {
  const AVCodec *codec = avcodec_find_encoder_by_name(encoder_name(cfg->codec));
  if (!codec) return ERR_ENOTSUP;
  /* Encoder chatter off; errors surface as codes. K230JS_SIM_AVLOG=1 shows FFmpeg's log. */
  av_log_set_level(getenv("K230JS_SIM_AVLOG") ? AV_LOG_INFO : AV_LOG_QUIET);
  venc_codec *c = calloc(1, sizeof *c);
  if (!c) return ERR_ENOMEM;
  c->kind = cfg->codec;
  c->ctx = avcodec_alloc_context3(codec);
  c->pkt = av_packet_alloc();
  if (!c->ctx || !c->pkt) goto nomem;
  AVCodecContext *x = c->ctx;
  x->width = (int)cfg->width;
  x->height = (int)cfg->height;
  x->time_base = (AVRational){1, 1000000};
  x->framerate = (AVRational){(int)cfg->dst_fps, 1};
  x->max_b_frames = 0;
  x->thread_count = 1;
  char params[256];
  if (cfg->codec == HAL_VENC_JPEG) {
    x->pix_fmt = AV_PIX_FMT_YUVJ420P;
    x->flags |= AV_CODEC_FLAG_QSCALE;
    int q = 2 + (int)(99 - cfg->jpeg_quality) * 29 / 98;
    x->global_quality = FF_QP2LAMBDA * q;
    x->qmin = x->qmax = q;
  } else {
    x->gop_size = (int)cfg->gop;
    x->keyint_min = (int)cfg->gop;
    if (cfg->rc == HAL_VENC_RC_CBR || cfg->rc == HAL_VENC_RC_VBR) {
      x->bit_rate = (int64_t)cfg->bitrate_kbps * 1000;
      x->rc_max_rate = cfg->rc == HAL_VENC_RC_CBR ? x->bit_rate : (int64_t)cfg->max_bitrate_kbps * 1000;
      x->rc_buffer_size = (int)x->rc_max_rate;
    }
    av_opt_set(x->priv_data, "tune", "zerolatency", 0);
    av_opt_set_int(x->priv_data, "forced-idr", 1, 0);
    if (cfg->codec == HAL_VENC_H264) {
      x->pix_fmt = AV_PIX_FMT_NV12;
      c->nv12_direct = 1;
      const char *prof = cfg->profile == HAL_VENC_PROFILE_H264_BASELINE ? "baseline"
                         : cfg->profile == HAL_VENC_PROFILE_H264_MAIN   ? "main"
                                                                        : "high";
      av_opt_set(x->priv_data, "profile", prof, 0);
      av_opt_set(x->priv_data, "preset", "veryfast", 0);
      if (cfg->rc == HAL_VENC_RC_FIXQP) av_opt_set_int(x->priv_data, "qp", cfg->p_qp, 0);
      snprintf(params, sizeof params, "scenecut=0:open-gop=0:aud=0:bframes=0:min-keyint=%u", cfg->gop);
      av_opt_set(x->priv_data, "x264-params", params, 0);
    } else {
      x->pix_fmt = AV_PIX_FMT_YUV420P;
      av_opt_set(x->priv_data, "profile", "main", 0);
      av_opt_set(x->priv_data, "preset", "ultrafast", 0);
      int n = snprintf(params, sizeof params,
                       "log-level=error:info=0:scenecut=0:open-gop=0:bframes=0:"
                       "repeat-headers=1:aud=0:keyint=%u:min-keyint=%u",
                       cfg->gop, cfg->gop);
      if (cfg->rc == HAL_VENC_RC_FIXQP) snprintf(params + n, sizeof params - (size_t)n, ":qp=%u", cfg->p_qp);
      else if (cfg->rc == HAL_VENC_RC_CBR)
        snprintf(params + n, sizeof params - (size_t)n, ":vbv-maxrate=%u:vbv-bufsize=%u", cfg->bitrate_kbps,
                 cfg->bitrate_kbps);
      av_opt_set(x->priv_data, "x265-params", params, 0);
    }
  }
  int rc = avcodec_open2(x, codec, NULL);
  if (rc < 0) {
    venc_codec_close(c);
    return rc == AVERROR(ENOMEM) ? ERR_ENOMEM : ERR_ENOTSUP;
  }
  *out = c;
  return 0;
nomem:
  venc_codec_close(c);
  return ERR_ENOMEM;
}

static void unref_block(void *opaque, uint8_t *data) { frame_unref(opaque); }

int venc_codec_send(venc_codec *c, const hal_frame *f, uint64_t pts_us, int force_idr) {
  if (!f) return avcodec_send_frame(c->ctx, NULL) < 0 ? ERR_EIO : 0;
  AVFrame *av = av_frame_alloc();
  if (!av) return ERR_ENOMEM;
  av->width = (int)f->width;
  av->height = (int)f->height;
  av->format = c->ctx->pix_fmt;
  if (c->nv12_direct) {
    /* Zero copy: the AVFrame borrows the VB block and holds a frame reference. */
    frame_ref((hal_frame *)f);
    av->buf[0] = av_buffer_create(f->data[0], f->size, unref_block, (void *)f, AV_BUFFER_FLAG_READONLY);
    if (!av->buf[0]) {
      frame_unref((hal_frame *)f);
      av_frame_free(&av);
      return ERR_ENOMEM;
    }
    av->data[0] = f->data[0];
    av->data[1] = f->data[1];
    av->linesize[0] = (int)f->stride[0];
    av->linesize[1] = (int)f->stride[1];
  } else {
    if (av_frame_get_buffer(av, 0) < 0) {
      av_frame_free(&av);
      return ERR_ENOMEM;
    }
    for (uint32_t y = 0; y < f->height; y++)
      memcpy(av->data[0] + (size_t)y * av->linesize[0], f->data[0] + (size_t)y * f->stride[0], f->width);
    for (uint32_t y = 0; y < f->height / 2; y++) {
      const uint8_t *uv = f->data[1] + (size_t)y * f->stride[1];
      uint8_t *u = av->data[1] + (size_t)y * av->linesize[1], *v = av->data[2] + (size_t)y * av->linesize[2];
      for (uint32_t x = 0; x < f->width / 2; x++) {
        u[x] = uv[2 * x];
        v[x] = uv[2 * x + 1];
      }
    }
    atomic_fetch_add(&g_convert_bytes, f->size);
  }
  av->pts = (int64_t)pts_us;
  av->pict_type = force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  int rc = avcodec_send_frame(c->ctx, av);
  av_frame_free(&av);
  return rc < 0 ? ERR_EIO : 0;
}

int venc_codec_receive(venc_codec *c, venc_au *au) {
  if (avcodec_receive_packet(c->ctx, c->pkt) < 0) return ERR_EAGAIN;
  AVPacket *p = av_packet_alloc();
  if (!p) {
    av_packet_unref(c->pkt);
    return ERR_EAGAIN;
  }
  av_packet_move_ref(p, c->pkt);
  memset(au, 0, sizeof *au);
  au->owner = p;
  uint64_t pts = p->pts >= 0 ? (uint64_t)p->pts : 0;
  int key = (p->flags & AV_PKT_FLAG_KEY) != 0;
  if (c->kind == HAL_VENC_JPEG) {
    au->pack[0] = (hal_venc_pack){p->data, (uint32_t)p->size, pts, HAL_VENC_PACK_I};
    au->pack_cnt = 1;
    return 0;
  }
  /* Leading parameter sets -> HEADER pack; the rest of the access unit -> I or P pack. */
  size_t hdr_end = venc_header_len(c->kind == HAL_VENC_H265, p->data, (size_t)p->size);
  if (hdr_end > 0) {
    au->pack[au->pack_cnt++] = (hal_venc_pack){p->data, (uint32_t)hdr_end, pts, HAL_VENC_PACK_HEADER};
  }
  if ((size_t)p->size > hdr_end)
    au->pack[au->pack_cnt++] = (hal_venc_pack){p->data + hdr_end, (uint32_t)((size_t)p->size - hdr_end), pts,
                                               key ? HAL_VENC_PACK_I : HAL_VENC_PACK_P};
  return 0;
}

void venc_codec_au_free(venc_codec *c, venc_au *au) {
  AVPacket *p = au->owner;
  av_packet_free(&p);
  au->owner = NULL;
}

void venc_codec_close(venc_codec *c) {
  if (!c) return;
  avcodec_free_context(&c->ctx);
  av_packet_free(&c->pkt);
  free(c);
}
