/* Pixel formats: names, sizes and plane layout (colour conversion in yuv.c). */
#include <string.h>

#include "internal.h"

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

static uint32_t bytes_per_pixel(hal_pixfmt fmt) {
  switch (fmt) {
    case HAL_PIXFMT_RGB888: return 3;
    case HAL_PIXFMT_RGB565: return 2;
    case HAL_PIXFMT_GRAYSCALE: return 1;
    case HAL_PIXFMT_ARGB8888: return 4;
    default: return 0;
  }
}

size_t hal_pixfmt_size(hal_pixfmt fmt, uint32_t w, uint32_t h) {
  if (w == 0 || h == 0 || w > 16384 || h > 16384) return 0;
  if (fmt == HAL_PIXFMT_NV12) {
    if ((w | h) & 1) return 0;
    return (size_t)w * h * 3 / 2;
  }
  return (size_t)w * h * bytes_per_pixel(fmt);
}

void pix_layout(hal_frame *f, uint8_t *mem, uint64_t phys) {
  memset(f->stride, 0, sizeof f->stride);
  memset(f->data, 0, sizeof f->data);
  memset(f->phys, 0, sizeof f->phys);
  f->data[0] = mem;
  f->phys[0] = phys;
  if (f->format == HAL_PIXFMT_NV12) {
    f->stride[0] = f->stride[1] = f->width;
    f->data[1] = mem + (size_t)f->width * f->height;
    f->phys[1] = phys + (uint64_t)f->width * f->height;
  } else {
    f->stride[0] = f->width * bytes_per_pixel(f->format);
  }
}
