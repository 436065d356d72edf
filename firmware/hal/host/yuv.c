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
