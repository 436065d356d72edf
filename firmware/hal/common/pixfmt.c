/* Pixel formats (hal/vb.h, hal/common/pixfmt.h): names, sizes and the tight plane layout. */
#include "pixfmt.h"

#include <string.h>

const char *hal_pixfmt_name(hal_pixfmt fmt) {
  switch (fmt) {
    case HAL_PIXFMT_NV12: return "NV12";
    case HAL_PIXFMT_RGB888: return "RGB888";
    case HAL_PIXFMT_RGB565: return "RGB565";
    case HAL_PIXFMT_GRAYSCALE: return "GRAYSCALE";
    case HAL_PIXFMT_ARGB8888: return "ARGB8888";
    default: return "NONE";
  }
}

uint32_t hal_pixfmt_bpp(hal_pixfmt fmt) {
  switch (fmt) {
    case HAL_PIXFMT_NV12: return 1;
    case HAL_PIXFMT_RGB888: return 3;
    case HAL_PIXFMT_RGB565: return 2;
    case HAL_PIXFMT_GRAYSCALE: return 1;
    case HAL_PIXFMT_ARGB8888: return 4;
    default: return 0;
  }
}

int hal_pixfmt_planes(hal_pixfmt fmt) {
  if (fmt == HAL_PIXFMT_NV12) return 2;
  return hal_pixfmt_bpp(fmt) ? 1 : 0;
}

uint32_t hal_pixfmt_plane_rows(hal_pixfmt fmt, int plane, uint32_t height) {
  return fmt == HAL_PIXFMT_NV12 && plane == 1 ? height / 2 : height;
}

size_t hal_pixfmt_size(hal_pixfmt fmt, uint32_t w, uint32_t h) {
  if (w == 0 || h == 0 || w > HAL_PIXFMT_MAX_DIM || h > HAL_PIXFMT_MAX_DIM) return 0;
  if (fmt == HAL_PIXFMT_NV12) return (w % 2 || h % 2) ? 0 : (size_t)w * h * 3 / 2;
  return (size_t)w * h * hal_pixfmt_bpp(fmt);
}

size_t hal_pixfmt_uv_offset(uint32_t w, uint32_t h, int align_log2) {
  size_t y = (size_t)w * h, a = (size_t)1 << (align_log2 > 0 ? align_log2 : 0);
  return (y + a - 1) / a * a;
}

size_t hal_pixfmt_size_aligned(hal_pixfmt fmt, uint32_t w, uint32_t h, int align_log2) {
  size_t tight = hal_pixfmt_size(fmt, w, h);
  if (!tight || fmt != HAL_PIXFMT_NV12) return tight;
  return hal_pixfmt_uv_offset(w, h, align_log2) + (size_t)w * h / 2;
}

void hal_frame_layout(hal_frame *f, uint8_t *virt, uint64_t phys, int align_log2) {
  memset(f->data, 0, sizeof f->data);
  memset(f->phys, 0, sizeof f->phys);
  memset(f->stride, 0, sizeof f->stride);
  f->data[0] = virt;
  f->phys[0] = phys;
  f->stride[0] = f->width * hal_pixfmt_bpp(f->format);
  if (f->format == HAL_PIXFMT_NV12) {
    f->stride[1] = f->width;
    size_t uv = hal_pixfmt_uv_offset(f->width, f->height, align_log2);
    f->data[1] = virt + uv;
    f->phys[1] = phys + uv;
  }
}
