/* Screen composition (hal_sim.h): layer pictures copied and blended into an NV12 screen, and
 * quarter-turn rotation. Shared by hal/host's display and the MPP double's VO, so both compose
 * the same way. */
#include <string.h>

#include "hal_sim.h"
#include "internal.h"

void sim_compose_nv12(hal_frame *dst, const hal_frame *src, int x0, int y0, uint32_t rw, uint32_t rh) {
  if (!rw) rw = src->width;
  if (!rh) rh = src->height;
  for (uint32_t y = 0; y < rh; y++) {
    int dy = y0 + (int)y;
    if (dy < 0 || (uint32_t)dy >= dst->height) continue;
    uint32_t sy = (uint32_t)((uint64_t)y * src->height / rh);
    const uint8_t *srow = src->data[0] + (size_t)sy * src->stride[0];
    uint8_t *drow = dst->data[0] + (size_t)dy * dst->stride[0];
    int same = rw == src->width && x0 >= 0 && (uint32_t)x0 + rw <= dst->width;
    if (same) {
      memcpy(drow + x0, srow, rw);
    } else {
      for (uint32_t x = 0; x < rw; x++) {
        int dx = x0 + (int)x;
        if (dx < 0 || (uint32_t)dx >= dst->width) continue;
        drow[dx] = srow[(uint64_t)x * src->width / rw];
      }
    }
    if ((dy & 1) == 0) {
      const uint8_t *suv = src->data[1] + (size_t)(sy / 2) * src->stride[1];
      uint8_t *duv = dst->data[1] + (size_t)(dy / 2) * dst->stride[1];
      if (same && (x0 & 1) == 0) {
        memcpy(duv + x0, suv, rw);
      } else {
        for (uint32_t x = 0; x < rw; x += 2) {
          int dx = (x0 + (int)x) & ~1;
          if (dx < 0 || (uint32_t)dx + 1 >= dst->width) continue;
          uint32_t sx = (uint32_t)((uint64_t)x * src->width / rw) & ~1u;
          duv[dx] = suv[sx];
          duv[dx + 1] = suv[sx + 1];
        }
      }
    }
  }
}

/* One source pixel as R, G, B, A (hal/vb.h's byte orders). */
static void pixel(const hal_frame *f, const uint8_t *p, uint8_t rgba[4]) {
  switch (f->format) {
    case HAL_PIXFMT_ARGB8888: rgba[0] = p[2], rgba[1] = p[1], rgba[2] = p[0], rgba[3] = p[3]; break;
    case HAL_PIXFMT_RGB888: rgba[0] = p[0], rgba[1] = p[1], rgba[2] = p[2], rgba[3] = 255; break;
    case HAL_PIXFMT_RGB565: {
      unsigned v = p[0] | p[1] << 8;
      rgba[0] = (uint8_t)((v >> 11) << 3), rgba[1] = (uint8_t)(((v >> 5) & 63) << 2),
      rgba[2] = (uint8_t)((v & 31) << 3);
      rgba[3] = 255;
      break;
    }
    default: rgba[0] = rgba[1] = rgba[2] = p[0], rgba[3] = 255; break; /* GRAYSCALE */
  }
}

void sim_compose_rgb(hal_frame *dst, const hal_frame *src, int x0, int y0, uint32_t rw, uint32_t rh, uint8_t alpha) {
  if (!rw) rw = src->width;
  if (!rh) rh = src->height;
  size_t bpp = hal_pixfmt_bpp(src->format);
  for (uint32_t y = 0; y < rh; y++) {
    int dy = y0 + (int)y;
    if (dy < 0 || (uint32_t)dy >= dst->height) continue;
    uint32_t sy = (uint32_t)((uint64_t)y * src->height / rh);
    const uint8_t *srow = src->data[0] + (size_t)sy * src->stride[0];
    for (uint32_t x = 0; x < rw; x++) {
      int dx = x0 + (int)x;
      if (dx < 0 || (uint32_t)dx >= dst->width) continue;
      uint8_t c[4];
      pixel(src, srow + (size_t)((uint64_t)x * src->width / rw) * bpp, c);
      uint32_t a = (uint32_t)c[3] * alpha / 255;
      if (!a) continue;
      uint8_t Y, U, V;
      pix_rgb_to_yuv(c[0], c[1], c[2], &Y, &U, &V);
      uint8_t *dY = dst->data[0] + (size_t)dy * dst->stride[0] + dx;
      *dY = (uint8_t)((Y * a + *dY * (255 - a)) / 255);
      if (((dx | dy) & 1) == 0) {
        uint8_t *uv = dst->data[1] + (size_t)(dy / 2) * dst->stride[1] + dx;
        uv[0] = (uint8_t)((U * a + uv[0] * (255 - a)) / 255);
        uv[1] = (uint8_t)((V * a + uv[1] * (255 - a)) / 255);
      }
    }
  }
}

void sim_rotate_nv12(hal_frame *dst, const hal_frame *src, int quarter_turns) {
  uint32_t w = src->width, h = src->height;
  int q = ((quarter_turns % 4) + 4) % 4;
  /* Destination (dx, dy) of source (x, y) for a clockwise turn of q quarters. */
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      uint32_t dx = q == 0 ? x : q == 1 ? h - 1 - y : q == 2 ? w - 1 - x : y;
      uint32_t dy = q == 0 ? y : q == 1 ? x : q == 2 ? h - 1 - y : w - 1 - x;
      dst->data[0][(size_t)dy * dst->stride[0] + dx] = src->data[0][(size_t)y * src->stride[0] + x];
    }
  for (uint32_t y = 0; y < h / 2; y++)
    for (uint32_t x = 0; x < w / 2; x++) {
      uint32_t dx = q == 0 ? x : q == 1 ? h / 2 - 1 - y : q == 2 ? w / 2 - 1 - x : y;
      uint32_t dy = q == 0 ? y : q == 1 ? x : q == 2 ? h / 2 - 1 - y : w / 2 - 1 - x;
      const uint8_t *s = src->data[1] + (size_t)y * src->stride[1] + 2 * x;
      uint8_t *d = dst->data[1] + (size_t)dy * dst->stride[1] + 2 * dx;
      d[0] = s[0];
      d[1] = s[1];
    }
}
