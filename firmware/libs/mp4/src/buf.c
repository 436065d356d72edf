/* Byte writer with a sticky error (one check at the end instead of one per field). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "mp4/io.h"

void mp4_buf_init(mp4_buf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void mp4_buf_free(mp4_buf *b) {
  free(b->data);
  free(b->gaps);
  memset(b, 0, sizeof(*b));
}

void mp4_buf_reset(mp4_buf *b) {
  mp4_buf_truncate(b, 0);
  b->ngaps = 0;
  b->gap_bytes = 0;
}

void mp4_buf_truncate(mp4_buf *b, size_t len) {
  if (len < b->len) b->len = len;
  b->err = 0;
}

static uint8_t *reserve(mp4_buf *b, size_t n) {
  if (b->err) return NULL;
  if (n > b->max || b->len > b->max - n) {
    b->err = ERR_ELIMIT;
    return NULL;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    if (cap > b->max) cap = b->max;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
      b->err = ERR_ENOMEM;
      return NULL;
    }
    b->data = p;
    b->cap = cap;
  }
  uint8_t *p = b->data + b->len;
  b->len += n;
  return p;
}

uint8_t *mp4_buf_grow(mp4_buf *b, size_t n) { return reserve(b, n); }

void mp4_buf_bytes(mp4_buf *b, const void *src, size_t n) {
  uint8_t *p = reserve(b, n);
  if (p && n) memcpy(p, src, n);
}

void mp4_buf_zeros(mp4_buf *b, size_t n) {
  uint8_t *p = reserve(b, n);
  if (p) memset(p, 0, n);
}

void mp4_buf_u8(mp4_buf *b, uint32_t v) {
  uint8_t *p = reserve(b, 1);
  if (p) p[0] = (uint8_t)v;
}

void mp4_buf_u16(mp4_buf *b, uint32_t v) {
  uint8_t *p = reserve(b, 2);
  if (p) p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

void mp4_buf_u24(mp4_buf *b, uint32_t v) {
  uint8_t *p = reserve(b, 3);
  if (p) p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
}

void mp4_buf_u32(mp4_buf *b, uint32_t v) {
  uint8_t *p = reserve(b, 4);
  if (p) mp4_wr_u32(p, v);
}

void mp4_buf_u64(mp4_buf *b, uint64_t v) {
  mp4_buf_u32(b, (uint32_t)(v >> 32));
  mp4_buf_u32(b, (uint32_t)v);
}

void mp4_buf_4cc(mp4_buf *b, const char *t) { mp4_buf_bytes(b, t, 4); }

void mp4_buf_gap_add(mp4_buf *b, const uint8_t *src, size_t n) {
  if (b->err || !n) return;
  if (b->ngaps == b->cap_gaps) {
    int cap = b->cap_gaps ? b->cap_gaps * 2 : 8;
    mp4_buf_gap *g = realloc(b->gaps, (size_t)cap * sizeof(*g));
    if (!g) {
      b->err = ERR_ENOMEM;
      return;
    }
    b->gaps = g;
    b->cap_gaps = cap;
  }
  b->gaps[b->ngaps++] = (mp4_buf_gap){b->len, b->len + b->gap_bytes, src, n};
  b->gap_bytes += n;
}

size_t mp4_buf_size(const mp4_buf *b) { return b->len + b->gap_bytes; }

int mp4_buf_write(const mp4_buf *b, const mp4_io *io) {
  size_t at = 0;
  int rc = 0;
  for (int i = 0; i < b->ngaps && !rc; i++) {
    if (b->gaps[i].at > at) rc = io->write(io->user, b->data + at, b->gaps[i].at - at);
    if (!rc) rc = io->write(io->user, b->gaps[i].src, b->gaps[i].n);
    at = b->gaps[i].at;
  }
  if (!rc && b->len > at) rc = io->write(io->user, b->data + at, b->len - at);
  return rc;
}

/* The offset in data of output offset `logical` (which no gap covers). */
static size_t physical(const mp4_buf *b, size_t logical) {
  size_t before = 0;
  for (int i = 0; i < b->ngaps && b->gaps[i].logical_at < logical; i++) before += b->gaps[i].n;
  return logical - before;
}

size_t mp4_box_begin(mp4_buf *b, const char *type) {
  size_t at = mp4_buf_size(b);
  mp4_buf_u32(b, 0);
  mp4_buf_4cc(b, type);
  return at;
}

size_t mp4_fullbox_begin(mp4_buf *b, const char *type, unsigned version, uint32_t flags) {
  size_t at = mp4_box_begin(b, type);
  mp4_buf_u8(b, version);
  mp4_buf_u24(b, flags);
  return at;
}

void mp4_box_end(mp4_buf *b, size_t start) {
  if (b->err) return;
  size_t n = mp4_buf_size(b) - start;
  if (n > UINT32_MAX) {
    b->err = ERR_ELIMIT;
    return;
  }
  mp4_wr_u32(b->data + physical(b, start), (uint32_t)n);
}

void mp4_buf_patch_u32(mp4_buf *b, size_t at, uint32_t v) {
  if (!b->err && at + 4 <= b->len) mp4_wr_u32(b->data + at, v);
}
