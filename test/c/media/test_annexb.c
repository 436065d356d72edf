/* media/annexb.h: start codes of both lengths, trailing zeros, garbage, NAL classification; the
   start-code search and the fused search-and-copy agree with a byte loop at every offset and
   alignment. */
#include "media/annexb.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static size_t naive_find(const uint8_t *b, size_t len, size_t from) {
  for (size_t i = from; i + 3 <= len; i++)
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) return i;
  return len;
}

/* Random bytes dense in zeros and ones (start codes everywhere), every window and alignment. */
static void find_start_matches_byte_loop(void) {
  enum { N = 600 };
  static uint8_t raw[N + 8];
  srand(7);
  for (int round = 0; round < 40; round++) {
    for (size_t i = 0; i < sizeof raw; i++) {
      int r = rand() % (round % 2 ? 4 : 64);
      raw[i] = r == 0 ? 0 : r == 1 ? 1 : r == 2 ? 0 : (uint8_t)(rand() & 0xff);
    }
    for (size_t shift = 0; shift < 8; shift++) {
      const uint8_t *b = raw + shift;
      for (size_t len = 0; len < 80; len++)
        for (size_t from = 0; from <= len + 1; from++)
          if (media_annexb_find_start(b, len, from) != naive_find(b, len, from)) {
            CHECK(0);
            return;
          }
      for (size_t from = 0; from < N; from += 1)
        CHECK_EQ_INT(media_annexb_find_start(b, N, from), naive_find(b, N, from));
    }
  }
}

/* The fused search-and-copy stops where the search does (or at the room it was given) and copies
   exactly the bytes before that, never one more: every window, start, room and alignment. */
static void copy_to_start_matches_byte_loop(void) {
  enum { N = 300 };
  static uint8_t raw[N + 8], dst[N + 64];
  srand(11);
  for (int round = 0; round < 12; round++) {
    for (size_t i = 0; i < sizeof raw; i++) {
      int r = rand() % (round % 2 ? 4 : 64);
      raw[i] = r == 0 ? 0 : r == 1 ? 1 : r == 2 ? 0 : (uint8_t)(rand() & 0xff);
    }
    for (size_t shift = 0; shift < 8; shift += 3) {
      const uint8_t *b = raw + shift;
      for (size_t len = 0; len < N; len += len < 80 ? 1 : 37)
        for (size_t from = 0; from <= len; from += from < 40 ? 1 : 13)
          for (size_t cap = 0; cap <= len - from + 1; cap += cap < 40 ? 1 : 29) {
            memset(dst, 0xEE, sizeof dst);
            size_t sc = naive_find(b, len, from);
            size_t want = sc - from < cap ? sc : from + cap;
            size_t got = media_annexb_copy_to_start(dst, cap, b, len, from);
            bool same = got == want && memcmp(dst, b + from, want - from) == 0;
            for (size_t k = want - from; same && k < sizeof dst; k++) same = dst[k] == 0xEE;
            if (!same) {
              CHECK_EQ_INT(got, want);
              CHECK(0);
              return;
            }
          }
    }
  }
}

int main(void) {
  find_start_matches_byte_loop();
  copy_to_start_matches_byte_loop();
  /* garbage, 4-byte SC + SPS, 3-byte SC + PPS + trailing zeros, 4-byte SC + IDR, empty NAL, end */
  static const uint8_t s[] = {0xAA, 0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x1f, 0x00, 0x00,
                              0x01, 0x68, 0xce, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x65, 0x88,
                              0x84, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x41, 0x9a};
  size_t pos = 0;
  media_nal n;
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 7);
  CHECK_EQ_INT(n.size, 4);
  CHECK(n.data == s + 5);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 8);
  CHECK_EQ_INT(n.size, 2);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 5);
  CHECK_EQ_INT(n.size, 3);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 1);
  CHECK_EQ_INT(n.size, 2);
  CHECK(n.data == s + sizeof s - 2);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 0);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &pos, &n), 0);

  /* The table iterator gives the same NALs as the search, the empty one skipped too. */
  uint32_t starts[8];
  media_nal_table tab = {starts, 0};
  for (size_t sc = media_annexb_find_start(s, sizeof s, 0); sc < sizeof s;
       sc = media_annexb_find_start(s, sizeof s, sc + 3))
    starts[tab.count++] = (uint32_t)sc;
  CHECK(media_nal_table_fits(&tab, s, sizeof s));
  size_t spos = 0, tpos = 0;
  media_nal tn;
  int nals = 0;
  for (;;) {
    int a = media_annexb_next(MEDIA_CODEC_H264, s, sizeof s, &spos, &n);
    CHECK_EQ_INT(media_nal_table_next(MEDIA_CODEC_H264, &tab, s, sizeof s, &tpos, &tn), a);
    if (!a) break;
    nals++;
    CHECK(tn.data == n.data);
    CHECK_EQ_INT(tn.size, n.size);
    CHECK_EQ_INT(tn.type, n.type);
  }
  CHECK_EQ_INT(nals, 4);
  CHECK_EQ_INT(media_nal_table_next(MEDIA_CODEC_H264, &tab, s, sizeof s, &tpos, &tn), 0);

  /* no start code at all, empty buffer, start code at the very end */
  static const uint8_t none[] = {1, 2, 3, 0, 0};
  pos = 0;
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, none, sizeof none, &pos, &n), 0);
  pos = 0;
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, none, 0, &pos, &n), 0);
  static const uint8_t tail[] = {0, 0, 1};
  pos = 0;
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H264, tail, sizeof tail, &pos, &n), 0);

  /* H.265 NAL header: type in bits 1..6 of the first byte. */
  static const uint8_t h5[] = {0, 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1, 0x26, 0x01, 0xaf};
  pos = 0;
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H265, h5, sizeof h5, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 32);
  CHECK_EQ_INT(media_annexb_next(MEDIA_CODEC_H265, h5, sizeof h5, &pos, &n), 1);
  CHECK_EQ_INT(n.type, 19);
  CHECK(media_nal_is_idr(MEDIA_CODEC_H265, n.type));
  CHECK_EQ_INT(media_nal_type(MEDIA_CODEC_H265, h5 + 4, 1), -1);
  CHECK_EQ_INT(media_nal_type(MEDIA_CODEC_H264, h5, 0), -1);

  CHECK(media_nal_is_idr(MEDIA_CODEC_H264, 5));
  CHECK(!media_nal_is_idr(MEDIA_CODEC_H264, 1));
  for (int t = 16; t <= 21; t++) CHECK(media_nal_is_idr(MEDIA_CODEC_H265, t));
  CHECK(!media_nal_is_idr(MEDIA_CODEC_H265, 22));
  CHECK(!media_nal_is_idr(MEDIA_CODEC_H265, 1));
  CHECK(media_nal_is_param_set(MEDIA_CODEC_H264, 7) && media_nal_is_param_set(MEDIA_CODEC_H264, 8));
  CHECK(!media_nal_is_param_set(MEDIA_CODEC_H264, 6));
  for (int t = 32; t <= 34; t++) CHECK(media_nal_is_param_set(MEDIA_CODEC_H265, t));
  CHECK(!media_nal_is_param_set(MEDIA_CODEC_H265, 35));
  CHECK(media_nal_is_vcl(MEDIA_CODEC_H264, 1) && media_nal_is_vcl(MEDIA_CODEC_H264, 5));
  CHECK(!media_nal_is_vcl(MEDIA_CODEC_H264, 6) && !media_nal_is_vcl(MEDIA_CODEC_H264, 0));
  CHECK(media_nal_is_vcl(MEDIA_CODEC_H265, 0) && media_nal_is_vcl(MEDIA_CODEC_H265, 31));
  CHECK(!media_nal_is_vcl(MEDIA_CODEC_H265, 32));
  return CHECK_DONE();
}
