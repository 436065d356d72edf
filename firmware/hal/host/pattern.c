/* The pattern sensor's picture (hal_sim.h): colour bars, a moving square and the frame stamp. */
#include <string.h>

#include "hal_sim.h"
#include "internal.h"

static const uint8_t k_bars[8][3] = {{235, 235, 235}, {235, 235, 16}, {16, 235, 235}, {16, 235, 16},
                                     {235, 16, 235},  {235, 16, 16},  {16, 16, 235},  {40, 40, 40}};

static void pattern_rgb(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t n, uint8_t rgb[3]) {
  int s = hal_sim_stamp_bit(x, y, w, h, n);
  if (s >= 0) {
    rgb[0] = rgb[1] = rgb[2] = s ? 255 : 0;
    return;
  }
  uint32_t sq = h / 4, sx = w > sq ? (n * 8) % (w - sq) : 0, sy = h / 3;
  if (x >= sx && x < sx + sq && y >= sy && y < sy + sq) {
    rgb[0] = rgb[1] = rgb[2] = 255;
    return;
  }
  const uint8_t *b = k_bars[((uint64_t)(x + n * 4) * 8 / w) % 8];
  rgb[0] = b[0];
  rgb[1] = b[1];
  rgb[2] = b[2];
}

void hal_sim_pattern_render(hal_frame *f, uint32_t n) {
  uint32_t w = f->width, h = f->height;
  uint8_t rgb[3], Y, U, V;
  for (uint32_t y = 0; y < h; y++) {
    uint8_t *row = f->data[0] + (size_t)y * f->stride[0];
    uint8_t *uv = f->format == HAL_PIXFMT_NV12 ? f->data[1] + (size_t)(y / 2) * f->stride[1] : NULL;
    for (uint32_t x = 0; x < w; x++) {
      pattern_rgb(x, y, w, h, n, rgb);
      switch (f->format) {
        case HAL_PIXFMT_NV12:
          pix_rgb_to_yuv(rgb[0], rgb[1], rgb[2], &Y, &U, &V);
          /* Stamp cells are pure black/white in luma too (full swing). */
          row[x] = rgb[0] == rgb[1] && rgb[1] == rgb[2] && (rgb[0] == 0 || rgb[0] == 255) ? (rgb[0] ? 235 : 16) : Y;
          if (uv && !(y & 1) && !(x & 1)) {
            uv[x] = U;
            uv[x + 1] = V;
          }
          break;
        case HAL_PIXFMT_GRAYSCALE:
          pix_rgb_to_yuv(rgb[0], rgb[1], rgb[2], &Y, &U, &V);
          row[x] = Y;
          break;
        case HAL_PIXFMT_RGB888: memcpy(row + x * 3, rgb, 3); break;
        case HAL_PIXFMT_RGB565: {
          uint16_t p = (uint16_t)(((rgb[0] >> 3) << 11) | ((rgb[1] >> 2) << 5) | (rgb[2] >> 3));
          row[x * 2] = (uint8_t)p;
          row[x * 2 + 1] = (uint8_t)(p >> 8);
          break;
        }
        case HAL_PIXFMT_ARGB8888:
          row[x * 4] = rgb[2];
          row[x * 4 + 1] = rgb[1];
          row[x * 4 + 2] = rgb[0];
          row[x * 4 + 3] = 255;
          break;
        default: break;
      }
    }
  }
}
