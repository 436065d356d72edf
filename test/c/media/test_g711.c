/* media/g711.h against the ITU-T G.711 tables and an independent segment-search encoder. */
#include "media/g711.h"

#include "check.h"

/* Reference encoders written from the G.711 segment tables (end points of each segment). */
static int ref_seg(int v, const int *ends) {
  for (int i = 0; i < 8; i++)
    if (v <= ends[i]) return i;
  return 8;
}

static uint8_t ref_alaw(int16_t pcm) {
  static const int ends[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
  int v = pcm >> 3, mask;
  if (v >= 0) {
    mask = 0xD5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  int seg = ref_seg(v, ends);
  if (seg >= 8) return (uint8_t)(0x7F ^ mask);
  int a = seg << 4;
  a |= seg < 2 ? (v >> 1) & 0xF : (v >> seg) & 0xF;
  return (uint8_t)(a ^ mask);
}

/* ITU-T G.191 ulaw_compress: negatives by one's complement (-1 -> magnitude 0). */
static uint8_t ref_ulaw(int16_t pcm) {
  static const int ends[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
  int v = pcm >> 2, mask;
  if (pcm < 0) {
    v = (~pcm) >> 2;
    mask = 0x7F;
  } else {
    mask = 0xFF;
  }
  if (v > 8159) v = 8159;
  v += 0x84 >> 2;
  int seg = ref_seg(v, ends);
  if (seg >= 8) return (uint8_t)(0x7F ^ mask);
  return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0xF)) ^ mask);
}

int main(void) {
  /* Spot values from the G.711 tables (decoder output scaled to 16 bits). */
  CHECK_EQ_INT(media_alaw_decode(0xD5), 8);
  CHECK_EQ_INT(media_alaw_decode(0x55), -8);
  CHECK_EQ_INT(media_alaw_decode(0xAA), 32256);
  CHECK_EQ_INT(media_alaw_decode(0x2A), -32256);
  CHECK_EQ_INT(media_alaw_decode(0xD4), 24);
  CHECK_EQ_INT(media_alaw_decode(0xC5), 264);
  CHECK_EQ_INT(media_ulaw_decode(0xFF), 0);
  CHECK_EQ_INT(media_ulaw_decode(0x7F), 0);
  CHECK_EQ_INT(media_ulaw_decode(0x00), -32124);
  CHECK_EQ_INT(media_ulaw_decode(0x80), 32124);
  CHECK_EQ_INT(media_ulaw_decode(0xFE), 8);
  CHECK_EQ_INT(media_ulaw_decode(0x7E), -8);
  CHECK_EQ_INT(media_ulaw_decode(0xEF), 132);

  /* Whole tables: A-law decode = sign x (segment base + mantissa step + half step);
     decode is odd-symmetric; encode(decode(c)) == c. */
  int mono_a = 1, mono_u = 1;
  for (int c = 0; c < 256; c++) {
    int a = c ^ 0x55, seg = (a >> 4) & 7, mant = a & 15;
    int mag = seg == 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (seg - 1);
    CHECK_EQ_INT(media_alaw_decode((uint8_t)c), (a & 0x80) ? mag : -mag);
    int u = (~c) & 0xFF;
    int umag = ((((u & 15) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
    CHECK_EQ_INT(media_ulaw_decode((uint8_t)c), (u & 0x80) ? -umag : umag);
    CHECK_EQ_INT(media_alaw_decode((uint8_t)(c ^ 0x80)), -media_alaw_decode((uint8_t)c));
    CHECK_EQ_INT(media_alaw_encode(media_alaw_decode((uint8_t)c)), c);
    if (c != 0x7F) CHECK_EQ_INT(media_ulaw_encode(media_ulaw_decode((uint8_t)c)), c);
    if (c > 0 && c < 128 && media_ulaw_decode((uint8_t)c) <= media_ulaw_decode((uint8_t)(c - 1))) mono_u = 0;
    (void)mono_a;
  }
  CHECK(mono_u);
  CHECK_EQ_INT(media_ulaw_encode(media_ulaw_decode(0x7F)), 0xFF);

  /* Every 16-bit input against the reference. */
  int bad_a = 0, bad_u = 0;
  for (int x = -32768; x <= 32767; x++) {
    if (media_alaw_encode((int16_t)x) != ref_alaw((int16_t)x)) bad_a++;
    if (media_ulaw_encode((int16_t)x) != ref_ulaw((int16_t)x)) bad_u++;
  }
  CHECK_EQ_INT(bad_a, 0);
  CHECK_EQ_INT(bad_u, 0);
  CHECK_EQ_INT(media_alaw_encode(0), 0xD5);
  CHECK_EQ_INT(media_alaw_encode(-1), 0x55);
  CHECK_EQ_INT(media_ulaw_encode(0), 0xFF);
  CHECK_EQ_INT(media_ulaw_encode(32767), 0x80);
  CHECK_EQ_INT(media_ulaw_encode(-32768), 0x00);
  CHECK_EQ_INT(media_ulaw_encode(-1), 0x7F); /* G.191: one's complement, negative zero */
  CHECK_EQ_INT(media_ulaw_encode(-4), 0x7F);
  CHECK_EQ_INT(media_ulaw_encode(-5), 0x7E);

  int16_t pcm[4] = {0, 1000, -1000, 32767}, back[4];
  uint8_t enc[4];
  media_alaw_encode_buf(pcm, enc, 4);
  media_alaw_decode_buf(enc, back, 4);
  for (int i = 0; i < 4; i++) CHECK(back[i] - pcm[i] < 1100 && pcm[i] - back[i] < 1100);
  media_ulaw_encode_buf(pcm, enc, 4);
  media_ulaw_decode_buf(enc, back, 4);
  CHECK_EQ_INT(back[0], 0);
  return CHECK_DONE();
}
