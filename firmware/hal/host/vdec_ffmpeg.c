/* Decoder backend on libavcodec: one access unit per packet (vdec.c splits stream mode with
 * libs/media's splitter). */
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <string.h>

#include "internal.h"

struct vdec_codec {
  AVCodecContext *ctx;
  AVPacket *pkt;
  AVFrame *frame;
};

int vdec_codec_open(hal_vdec_codec codec, vdec_codec **out) {
  enum AVCodecID id = codec == HAL_VDEC_H265 ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264;
  const AVCodec *dec = avcodec_find_decoder(id);
  if (!dec) return ERR_ENOTSUP;
  /* Bitstream errors are reported through hal_vdec_status, not on stderr. */
  av_log_set_level(getenv("K230JS_SIM_AVLOG") ? AV_LOG_INFO : AV_LOG_QUIET);
  vdec_codec *c = calloc(1, sizeof *c);
  if (!c) return ERR_ENOMEM;
  c->ctx = avcodec_alloc_context3(dec);
  c->pkt = av_packet_alloc();
  c->frame = av_frame_alloc();
  if (!c->ctx || !c->pkt || !c->frame) {
    vdec_codec_close(c);
    return ERR_ENOMEM;
  }
  c->ctx->thread_count = 1;
  c->ctx->pkt_timebase = (AVRational){1, 1000000};
  if (avcodec_open2(c->ctx, dec, NULL) < 0) {
    vdec_codec_close(c);
    return ERR_ENOTSUP;
  }
  *out = c;
  return 0;
}

static int receive(vdec_codec *c, vdec_pic *pic);

/* Send one packet (NULL = drain) and emit every picture that comes out; 1 if rejected.
 * Draining after each packet means send never meets EAGAIN. */
static int send_pkt(vdec_codec *c, AVPacket *p, vdec_emit_fn emit, void *arg) {
  int rc = avcodec_send_packet(c->ctx, p);
  vdec_pic pic;
  while (receive(c, &pic) == 0) emit(arg, &pic);
  return rc < 0 && rc != AVERROR_EOF ? 1 : 0;
}

int vdec_codec_send(vdec_codec *c, const uint8_t *data, size_t len, uint64_t pts_us, vdec_emit_fn emit, void *arg) {
  if (!data) return send_pkt(c, NULL, emit, arg);
  if (len > INT32_MAX || av_new_packet(c->pkt, (int)len) < 0) return 1;
  memcpy(c->pkt->data, data, len); /* the packet is padded as libavcodec requires */
  c->pkt->pts = pts_us == VDEC_PTS_NONE ? AV_NOPTS_VALUE : (int64_t)pts_us;
  int errs = send_pkt(c, c->pkt, emit, arg);
  av_packet_unref(c->pkt);
  return errs;
}

static int receive(vdec_codec *c, vdec_pic *pic) {
  for (;;) {
    av_frame_unref(c->frame);
    if (avcodec_receive_frame(c->ctx, c->frame) < 0) return ERR_EAGAIN;
    int fmt = c->frame->format;
    /* 10-bit or 4:2:2 pictures are outside what VDEC outputs: skipped. */
    if (fmt == AV_PIX_FMT_YUV420P || fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_NV12) break;
  }
  AVFrame *f = c->frame;
  pic->width = (uint32_t)f->width;
  pic->height = (uint32_t)f->height;
  pic->nv12 = f->format == AV_PIX_FMT_NV12;
  for (int i = 0; i < 3; i++) {
    pic->data[i] = f->data[i];
    pic->linesize[i] = f->linesize[i];
  }
  int64_t pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
  pic->pts_us = pts == AV_NOPTS_VALUE || pts < 0 ? 0 : (uint64_t)pts;
  return 0;
}

void vdec_codec_close(vdec_codec *c) {
  if (!c) return;
  avcodec_free_context(&c->ctx);
  av_packet_free(&c->pkt);
  av_frame_free(&c->frame);
  free(c);
}
