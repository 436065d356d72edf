/* Helpers shared by the HAL tests: temp paths, running ffmpeg as a peer, app-owned frames. */
#ifndef TEST_HAL_UTIL_H
#define TEST_HAL_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/vb.h"
#include "hal_sim.h"

static char tu_dir[256];

static inline const char *tu_path(const char *name) {
  static char buf[8][512];
  static int i;
  if (!tu_dir[0]) {
    snprintf(tu_dir, sizeof tu_dir, "/tmp/k230js-hal-XXXXXX");
    if (!mkdtemp(tu_dir)) abort();
  }
  char *p = buf[i++ % 8];
  snprintf(p, 512, "%s/%s", tu_dir, name);
  return p;
}

/* Run a shell command, return its stdout (malloc'd, NUL-terminated) and size. */
static inline char *tu_run(const char *cmd, size_t *out_len) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap + 1);
    }
  }
  pclose(p);
  buf[n] = 0;
  if (out_len) *out_len = n;
  return buf;
}

/* An app-owned NV12 picture with the simulator's stamp for `counter` (grey elsewhere). */
typedef struct tu_pic {
  hal_frame f;
  uint8_t *mem;
} tu_pic;

static inline void tu_pic_init(tu_pic *p, uint32_t w, uint32_t h, uint32_t counter) {
  memset(p, 0, sizeof *p);
  p->mem = malloc((size_t)w * h * 3 / 2);
  p->f.width = w;
  p->f.height = h;
  p->f.format = HAL_PIXFMT_NV12;
  p->f.stride[0] = p->f.stride[1] = w;
  p->f.data[0] = p->mem;
  p->f.data[1] = p->mem + (size_t)w * h;
  p->f.size = (size_t)w * h * 3 / 2;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      int b = hal_sim_stamp_bit(x, y, w, h, counter);
      p->mem[(size_t)y * w + x] = b < 0 ? (uint8_t)(60 + (x + y + counter * 3) % 120) : b ? 235 : 16;
    }
  memset(p->f.data[1], 128, (size_t)w * h / 2);
}

static inline void tu_pic_free(tu_pic *p) { free(p->mem); }

static inline double tu_psnr(const uint8_t *a, const uint8_t *b, size_t n) {
  double se = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - b[i];
    se += d * d;
  }
  if (se == 0) return 99;
  double mse = se / n;
  return 10 * __builtin_log10(255.0 * 255.0 / mse);
}

#endif
