/*
 * internal.h — shared plumbing of the host backend: pools, refcounted frames (vb.c), bind
 * endpoints (sys.c), and the codec backend interfaces chosen at link time
 * (venc_ffmpeg.c | venc_replay.c, vdec_ffmpeg.c | vdec_none.c, sensor_src_ffmpeg.c |
 * sensor_src_none.c). Not part of the contract.
 */
#ifndef HAL_HOST_INTERNAL_H
#define HAL_HOST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/errors.h"
#include "base/deadline.h"
#include "hal/venc.h"
#include "hal/vdec.h"
#include "hal/vb.h"
#include "handles.h" /* hal/common: hal_handle_*, HAL_KIND_* */
#include "media/annexb.h"
#include "pixfmt.h" /* hal/common: plane geometry, hal_frame_layout */

#define ALIGN_UP(x, a) (((x) + (a)-1) / (a) * (a))

/* ---- pools ---- */
typedef struct vb_pool vb_pool;
/* A HAL-private pool (not in the registry, handle 0). */
int vb_pool_new(size_t blk_size, uint32_t blk_cnt, vb_pool **out);
/* Free a private pool; deferred until its last block comes back. */
void vb_pool_drop(vb_pool *p);

/* ---- frames ---- */
/* A frame in a block of `pool` laid out for fmt/w/h, NV12's UV plane aligned to 1 << align_log2
 * bytes (hal_frame_layout); waits up to timeout_ms (0 = no wait) for a free block. NULL when none.
 * One reference, owned by the caller. */
hal_frame *frame_alloc(vb_pool *pool, uint32_t w, uint32_t h, hal_pixfmt fmt, int align_log2, int timeout_ms);
void frame_ref(hal_frame *f);
void frame_unref(hal_frame *f);
/* Turn the caller's reference into an app-held one (tracked by the registry). */
void frame_give_to_app(hal_frame *f);
/* Number of app-held frames (registry.c). */
uint32_t frames_held(void);
/* Release every app-held frame (hal_reset_all). */
void frames_release_all(void);

/* ---- copy counters ---- */
extern _Atomic uint64_t g_stream_bytes_copied, g_frame_bytes_copied, g_convert_bytes;

/* ---- bind endpoints ---- */
typedef struct ep_ops {
  /* source: describe channel chn (0 ok). NULL for sinks. */
  int (*describe)(void *obj, int chn, hal_bind_info *out);
  /* sink: can channel chn take frames described by src? 0 or ERR_EINVAL. NULL for sources. */
  int (*accepts)(void *obj, int chn, const hal_bind_info *src);
  /* sink: a frame arrives; must not block; takes its own reference if it keeps it. */
  void (*push)(void *obj, int chn, hal_frame *f);
} ep_ops;
/* chn -1 = every channel of (mod, dev). */
void ep_register(hal_mod mod, int dev, int chn, void *obj, const ep_ops *ops);
void ep_unregister(hal_mod mod, int dev, int chn);
/* Is (mod, dev, chn) an end of a link? chn -1 = any channel of the device. */
int link_involves(hal_mod mod, int dev, int chn);
/* Deliver a frame from a source channel to every sink bound to it. */
void link_push(hal_mod mod, int dev, int chn, hal_frame *f);

/* ---- colour conversion (yuv.c) ---- */
void pix_rgb_to_yuv(int r, int g, int b, uint8_t *y, uint8_t *u, uint8_t *v);
void pix_yuv_to_rgb(int y, int u, int v, uint8_t *r, uint8_t *g, uint8_t *b);
/* An NV12 frame as packed RGB888 (rgb holds width * height * 3 bytes). */
void nv12_to_rgb(const hal_frame *f, uint8_t *rgb);

/* ---- PNG (png.c): 8-bit RGB, stored deflate ---- */
int png_write_rgb(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h);
int png_write_rgb_file(FILE *f, const uint8_t *rgb, uint32_t w, uint32_t h);

/* ---- live view (liveview.c): the display in a browser over HTTP on 127.0.0.1 ---- */
typedef struct liveview liveview;
/* Returns a reference to the latest screen (NV12), or NULL before the first one. */
typedef hal_frame *(*liveview_latest_fn)(void *user);
/* Serves GET / (a page that polls) and GET /frame.png (the latest screen) on 127.0.0.1:port
 * from its own thread. ERR_EBUSY when the port is taken. */
int liveview_start(uint16_t port, uint32_t fps, liveview_latest_fn latest, void *user, liveview **out);
void liveview_stop(liveview *lv);

/* ---- sensor sources other than the pattern (sensor_src_*.c) ---- */
typedef struct sensor_src sensor_src;
/* spec without the scheme is never passed; "file:..." or "v4l2:...". */
int sensor_src_open(const char *spec, sensor_src **out);
/* Advance to the next picture (looping files). */
int sensor_src_next(sensor_src *s);
/* Scale/convert the current picture into dst (its size and format). */
int sensor_src_render(sensor_src *s, hal_frame *dst);
void sensor_src_close(sensor_src *s);

/* ---- encoder backend (venc_ffmpeg.c | venc_replay.c) ---- */
typedef struct venc_codec venc_codec;
/* One encoded picture: packs (data points into memory kept by `owner`). */
typedef struct venc_au {
  hal_venc_pack pack[HAL_VENC_PACK_MAX];
  uint32_t pack_cnt;
  void *owner;
} venc_au;
int venc_codec_open(const hal_venc_config *cfg, venc_codec **out);
/* Submit one NV12 frame of the configured size (NULL = flush). */
int venc_codec_send(venc_codec *c, const hal_frame *f, uint64_t pts_us, int force_idr);
/* 0 with *au filled, ERR_EAGAIN when nothing is ready. */
int venc_codec_receive(venc_codec *c, venc_au *au);
void venc_codec_au_free(venc_codec *c, venc_au *au);
void venc_codec_close(venc_codec *c);

/* ---- decoder backend (vdec_ffmpeg.c | vdec_none.c) ---- */
typedef struct vdec_codec vdec_codec;
typedef struct vdec_pic {
  uint32_t width, height;
  int nv12; /* 1: data[0]=Y, data[1]=UV; 0: I420 data[0..2] */
  const uint8_t *data[3];
  int linesize[3];
  uint64_t pts_us;
} vdec_pic;
int vdec_codec_open(hal_vdec_codec codec, vdec_codec **out);
/* Called for each decoded picture; the picture is valid during the call only. */
typedef void (*vdec_emit_fn)(void *arg, const vdec_pic *pic);
#define VDEC_PTS_NONE UINT64_MAX /* an access unit without a pts of its own */
/* Feed one access unit (NULL/0 = end of stream: flush), emitting pictures as they come out
 * (vdec.c finds the units of stream mode with libs/media's splitter). Returns the number of
 * rejected units (>= 0). */
int vdec_codec_send(vdec_codec *c, const uint8_t *data, size_t len, uint64_t pts_us, vdec_emit_fn emit, void *arg);
void vdec_codec_close(vdec_codec *c);

/* ---- the decoding engine over that backend (vdec_stream.c), for hal/host and the MPP double ---- */
typedef struct sim_vdec sim_vdec;
/* stream_mode: chunks are cut into access units (of up to max_au_size bytes) by libs/media's
 * splitter; otherwise each chunk is one unit. Pictures go to emit(arg, pic) as they come out. */
int sim_vdec_open(hal_vdec_codec codec, int stream_mode, size_t max_au_size, vdec_emit_fn emit, void *arg,
                  sim_vdec **out);
/* A chunk (len 0: none) and, with eos, the end of the stream (flushes). Returns the rejected units.
 * A chunk's pts tags the first picture starting in it (hal/vdec.h). The codec may read up to 64
 * zero bytes past data + len (FFmpeg's input padding). */
int sim_vdec_feed(sim_vdec *v, const uint8_t *data, size_t len, uint64_t pts, int eos);
/* A decoded picture into the NV12 frame f (its planes and strides; the picture's size). */
void sim_vdec_pic_to_nv12(const vdec_pic *p, hal_frame *f);
/* A fresh decoder for a new stream (after eos, or dropping the rest of an unfinished one). */
int sim_vdec_restart(sim_vdec *v);
void sim_vdec_close(sim_vdec *v);

/* ---- encoder packs (the encoder backends) ---- */
/* Bytes of the parameter sets leading an Annex-B access unit (its HEADER pack); 0 if none. */
static inline size_t venc_header_len(int h265, const uint8_t *au, size_t len) {
  media_codec codec = h265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
  size_t pos = 0, hdr = 0;
  media_nal nal;
  while (media_annexb_next(codec, au, len, &pos, &nal) && media_nal_is_param_set(codec, nal.type))
    hdr = (size_t)(nal.data + nal.size - au);
  return hdr;
}

#endif
