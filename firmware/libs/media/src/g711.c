/* G.711 (ITU-T G.711 Tables 1a/1b and 2a/2b). The encoder finds the segment from the position of
   the highest set bit instead of a table walk, and the decoders read 256-entry tables. */
#include "media/g711.h"

/* Index of the highest set bit (v > 0). */
static int top_bit(unsigned v) {
  int n = 0;
  while (v >>= 1) n++;
  return n;
}

uint8_t media_alaw_encode(int16_t pcm) {
  /* 13-bit magnitude; negative values use the one's complement so -1 maps like 0 (G.191). */
  int v = pcm >> 3;
  uint8_t mask = 0xD5; /* sign bit set for positive, even bits inverted */
  if (v < 0) {
    v = ~v;
    mask = 0x55;
  }
  uint8_t code;
  if (v < 32) {
    code = (uint8_t)(v >> 1); /* segments 0 and 1 share the step size 2 */
  } else {
    int seg = top_bit((unsigned)v) - 4; /* 32..63 -> 1, 64..127 -> 2, ... 2048..4095 -> 7 */
    code = (uint8_t)((seg << 4) | ((v >> seg) & 0x0F));
  }
  return code ^ mask;
}

uint8_t media_ulaw_encode(int16_t pcm) {
  /* 14-bit magnitude; negatives by one's complement as in ITU-T G.191's reference, so -1..-4
   * land on the negative-zero code 0x7F rather than one step below it. */
  int v = pcm >> 2;
  uint8_t mask = 0xFF;
  if (pcm < 0) {
    v = (~pcm) >> 2;
    mask = 0x7F;
  }
  if (v > 8159) v = 8159;
  v += 33;                            /* bias: puts segment ends on powers of two */
  int seg = top_bit((unsigned)v) - 5; /* 33..63 -> 0 ... 4096..8191 -> 7 */
  /* 8159 + 33 = 8192 would be segment 8: it saturates to the largest code. */
  uint8_t code = seg > 7 ? 0x7F : (uint8_t)((seg << 4) | ((v >> (seg + 1)) & 0x0F));
  return code ^ mask;
}

static int16_t alaw_expand(uint8_t code) {
  code ^= 0x55;
  int mant = code & 0x0F, seg = (code >> 4) & 7;
  int v = (mant << 4) + 8;
  if (seg > 0) v = (v + 0x100) << (seg - 1);
  return (int16_t)((code & 0x80) ? v : -v);
}

static int16_t ulaw_expand(uint8_t code) {
  code = (uint8_t)~code;
  int v = (((code & 0x0F) << 3) + 0x84) << ((code >> 4) & 7);
  return (int16_t)((code & 0x80) ? 0x84 - v : v - 0x84);
}

static int16_t alaw_table[256], ulaw_table[256];
static int tables_ready;

/* Filling is idempotent, so a race between two first callers writes the same values. */
static void tables_init(void) {
  if (tables_ready) return;
  for (int i = 0; i < 256; i++) {
    alaw_table[i] = alaw_expand((uint8_t)i);
    ulaw_table[i] = ulaw_expand((uint8_t)i);
  }
  tables_ready = 1;
}

int16_t media_alaw_decode(uint8_t code) {
  tables_init();
  return alaw_table[code];
}

int16_t media_ulaw_decode(uint8_t code) {
  tables_init();
  return ulaw_table[code];
}

void media_alaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = media_alaw_encode(pcm[i]);
}

void media_ulaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = media_ulaw_encode(pcm[i]);
}

void media_alaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n) {
  tables_init();
  for (size_t i = 0; i < n; i++) pcm[i] = alaw_table[in[i]];
}

void media_ulaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n) {
  tables_init();
  for (size_t i = 0; i < n; i++) pcm[i] = ulaw_table[in[i]];
}
