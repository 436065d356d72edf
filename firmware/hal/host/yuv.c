/* BT.601 limited-range colour conversion (internal.h), shared with the MPP double. */
#include "internal.h"

static uint8_t clamp8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

void pix_rgb_to_yuv(int r, int g, int b, uint8_t *y, uint8_t *u, uint8_t *v) {
  *y = clamp8(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
  *u = clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
  *v = clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}

void pix_yuv_to_rgb(int y, int u, int v, uint8_t *r, uint8_t *g, uint8_t *b) {
  int c = y - 16, d = u - 128, e = v - 128;
  *r = clamp8((298 * c + 409 * e + 128) >> 8);
  *g = clamp8((298 * c - 100 * d - 208 * e + 128) >> 8);
  *b = clamp8((298 * c + 516 * d + 128) >> 8);
}

void nv12_to_rgb(const hal_frame *f, uint8_t *rgb) {
  for (uint32_t y = 0; y < f->height; y++)
    for (uint32_t x = 0; x < f->width; x++) {
      const uint8_t *uv = f->data[1] + (size_t)(y / 2) * f->stride[1] + (x & ~1u);
      uint8_t *o = rgb + ((size_t)y * f->width + x) * 3;
      pix_yuv_to_rgb(f->data[0][(size_t)y * f->stride[0] + x], uv[0], uv[1], &o[0], &o[1], &o[2]);
    }
}
