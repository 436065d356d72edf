/* What the simulator's codec module (libk230js-sim-ffmpeg.so, loaded by hal/host/codecs_dlopen.c)
 * imports from the executable, provided over VB blocks: a frame the encoder keeps is a VB user
 * count of its block, so the double sees the encoder hold its input as the hardware does. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "double.h"
#include "pixfmt.h"   /* hal/common */
#include "internal.h" /* hal/host: frame_ref, frame_unref and the copy counters the module uses */

_Atomic uint64_t g_stream_bytes_copied, g_frame_bytes_copied, g_convert_bytes;

typedef struct dbl_frame {
  hal_frame pub; /* first */
  atomic_int refs;
  k_vb_blk_handle blk;
  k_vb_uid uid;
} dbl_frame;

static hal_pixfmt fmt_of(k_pixel_format f) {
  switch (f) {
    case PIXEL_FORMAT_YUV_SEMIPLANAR_420: return HAL_PIXFMT_NV12;
    case PIXEL_FORMAT_RGB_888: return HAL_PIXFMT_RGB888;
    case PIXEL_FORMAT_ARGB_8888: return HAL_PIXFMT_ARGB8888;
    default: return HAL_PIXFMT_NONE;
  }
}

hal_frame *dbl_frame_wrap(const k_video_frame_info *info, k_vb_uid uid) {
  const k_video_frame *v = &info->v_frame;
  k_vb_blk_handle blk = dbl_vb_find(v->phys_addr[0]);
  hal_pixfmt fmt = fmt_of(v->pixel_format);
  size_t size = hal_pixfmt_size(fmt, v->width, v->height);
  if (blk == VB_INVALID_HANDLE || !size) return NULL;
  dbl_frame *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  hal_frame *p = &f->pub;
  p->width = v->width;
  p->height = v->height;
  p->format = fmt;
  p->size = size;
  p->pts_us = v->pts;
  p->seq = v->time_ref;
  for (int i = 0; i < hal_pixfmt_planes(fmt); i++) {
    uint32_t rows = hal_pixfmt_plane_rows(fmt, i, v->height);
    p->stride[i] = v->stride[i];
    p->phys[i] = v->phys_addr[i];
    p->data[i] = dbl_mmz_ptr(v->phys_addr[i], (uint64_t)v->stride[i] * rows);
    if (!p->data[i]) {
      free(f);
      return NULL;
    }
  }
  f->blk = blk;
  f->uid = uid;
  atomic_init(&f->refs, 1);
  dbl_vb_ref(blk, uid);
  return p;
}

void frame_ref(hal_frame *f) { atomic_fetch_add(&((dbl_frame *)f)->refs, 1); }

void frame_unref(hal_frame *f) {
  if (!f) return;
  dbl_frame *d = (dbl_frame *)f;
  if (atomic_fetch_sub(&d->refs, 1) != 1) return;
  dbl_vb_unref(d->blk, d->uid);
  free(d);
}
