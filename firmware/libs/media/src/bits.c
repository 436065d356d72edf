/* Bit reader and RBSP extraction. */
#include "media/bits.h"

void media_bits_init(media_bits *b, const uint8_t *data, size_t size) {
  b->data = data;
  b->size = data ? size : 0;
  b->pos = 0;
  b->overrun = false;
}

size_t media_bits_left(const media_bits *b) { return b->size * 8 - b->pos; }

uint32_t media_bits_read(media_bits *b, unsigned n) {
  if (n > 32 || n > media_bits_left(b)) {
    b->overrun = true;
    b->pos = b->size * 8;
    return 0;
  }
  uint32_t v = 0;
  for (unsigned i = 0; i < n; i++) {
    size_t p = b->pos++;
    v = (v << 1) | ((b->data[p >> 3] >> (7 - (p & 7))) & 1u);
  }
  return v;
}

void media_bits_skip(media_bits *b, size_t n) {
  if (n > media_bits_left(b)) {
    b->overrun = true;
    b->pos = b->size * 8;
    return;
  }
  b->pos += n;
}

uint32_t media_bits_ue(media_bits *b) {
  unsigned zeros = 0;
  while (!b->overrun && media_bits_read(b, 1) == 0) {
    if (++zeros > 31) {
      b->overrun = true;
      return 0;
    }
  }
  if (b->overrun) return 0;
  if (zeros == 0) return 0;
  uint64_t v = ((uint64_t)1 << zeros) - 1 + media_bits_read(b, zeros);
  return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int32_t media_bits_se(media_bits *b) {
  uint32_t k = media_bits_ue(b);
  /* ue 1,2,3,4 -> +1,-1,+2,-2 (H.264 Table 9-3). */
  int64_t v = (k & 1) ? (int64_t)((k >> 1) + 1) : -(int64_t)(k >> 1);
  return (int32_t)v;
}

size_t media_nal_to_rbsp(const uint8_t *nal, size_t size, uint8_t *dst) {
  size_t o = 0, zeros = 0;
  for (size_t i = 0; i < size; i++) {
    uint8_t c = nal[i];
    if (zeros >= 2 && c == 3) {
      zeros = 0;
      continue;
    }
    zeros = c == 0 ? zeros + 1 : 0;
    dst[o++] = c;
  }
  return o;
}
