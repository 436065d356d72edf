/* Sensor sources through libavformat/libavcodec: a video file (looped) or a V4L2 camera.
 * Each tick decodes one picture; channels scale/convert it with libswscale. */
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct sensor_src {
  AVFormatContext *fmt;
  AVCodecContext *dec;
  int stream;
  AVPacket *pkt;
  AVFrame *frame; /* current picture */
  int have;
  struct SwsContext *sws;
};

void sensor_src_close(sensor_src *s) {
  if (!s) return;
  sws_freeContext(s->sws);
  avcodec_free_context(&s->dec);
  avformat_close_input(&s->fmt);
  av_packet_free(&s->pkt);
  av_frame_free(&s->frame);
  free(s);
}

int sensor_src_open(const char *spec, sensor_src **out) {
  const char *path;
  const AVInputFormat *ifmt = NULL;
  if (strncmp(spec, "file:", 5) == 0) {
    path = spec + 5;
  } else if (strncmp(spec, "v4l2:", 5) == 0) {
    path = spec + 5;
    if (access(path, R_OK) != 0) return ERR_ENODEV;
    static pthread_once_t devices_once = PTHREAD_ONCE_INIT;
    pthread_once(&devices_once, avdevice_register_all); /* libavdevice holds the v4l2 input */
    ifmt = av_find_input_format("video4linux2");
    if (!ifmt) return ERR_ENOTSUP;
  } else {
    return ERR_EINVAL;
  }
  sensor_src *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->pkt = av_packet_alloc();
  s->frame = av_frame_alloc();
  if (!s->pkt || !s->frame || avformat_open_input(&s->fmt, path, ifmt, NULL) < 0 ||
      avformat_find_stream_info(s->fmt, NULL) < 0) {
    sensor_src_close(s);
    return ERR_ENODEV;
  }
  const AVCodec *codec = NULL;
  s->stream = av_find_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (s->stream < 0 || !codec || !(s->dec = avcodec_alloc_context3(codec)) ||
      avcodec_parameters_to_context(s->dec, s->fmt->streams[s->stream]->codecpar) < 0 ||
      avcodec_open2(s->dec, codec, NULL) < 0) {
    sensor_src_close(s);
    return ERR_ENODEV;
  }
  *out = s;
  return 0;
}

int sensor_src_next(sensor_src *s) {
  for (int rewinds = 0; rewinds < 2;) {
    int rc = avcodec_receive_frame(s->dec, s->frame);
    if (rc == 0) {
      s->have = 1;
      return 0;
    }
    if (rc == AVERROR_EOF) { /* loop the file */
      avcodec_flush_buffers(s->dec);
      av_seek_frame(s->fmt, s->stream, 0, AVSEEK_FLAG_BACKWARD);
      rewinds++;
      continue;
    }
    rc = av_read_frame(s->fmt, s->pkt);
    if (rc < 0) {
      avcodec_send_packet(s->dec, NULL);
      continue;
    }
    if (s->pkt->stream_index == s->stream) avcodec_send_packet(s->dec, s->pkt);
    av_packet_unref(s->pkt);
  }
  return ERR_EIO;
}

static enum AVPixelFormat av_fmt(hal_pixfmt f) {
  switch (f) {
    case HAL_PIXFMT_NV12: return AV_PIX_FMT_NV12;
    case HAL_PIXFMT_RGB888: return AV_PIX_FMT_RGB24;
    case HAL_PIXFMT_RGB565: return AV_PIX_FMT_RGB565LE;
    case HAL_PIXFMT_GRAYSCALE: return AV_PIX_FMT_GRAY8;
    case HAL_PIXFMT_ARGB8888: return AV_PIX_FMT_BGRA;
    default: return AV_PIX_FMT_NONE;
  }
}

int sensor_src_render(sensor_src *s, hal_frame *dst) {
  if (!s->have) {
    memset(dst->data[0], 0, dst->size);
    return ERR_EIO;
  }
  AVFrame *f = s->frame;
  s->sws = sws_getCachedContext(s->sws, f->width, f->height, f->format, (int)dst->width, (int)dst->height,
                                av_fmt(dst->format), SWS_BILINEAR, NULL, NULL, NULL);
  if (!s->sws) return ERR_ENOTSUP;
  int stride[4] = {(int)dst->stride[0], (int)dst->stride[1], 0, 0};
  uint8_t *data[4] = {dst->data[0], dst->data[1], NULL, NULL};
  sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, data, stride);
  atomic_fetch_add(&g_convert_bytes, dst->size);
  return 0;
}
