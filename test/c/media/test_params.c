/* media/params.h: SPS fields of real ffmpeg-made streams agree with ffprobe; truncated and
   corrupted SPS never read out of bounds; the parameter-set cache. */
#include "media/params.h"

#include "check.h"
#include "base/errors.h"
#include "media/bits.h"

static int first_sps(media_codec codec, const uint8_t *buf, size_t len, media_nal *out) {
  size_t pos = 0;
  media_nal n;
  while (media_annexb_next(codec, buf, len, &pos, &n))
    if (n.type == (codec == MEDIA_CODEC_H265 ? 33 : 7)) {
      *out = n;
      return 1;
    }
  return 0;
}

static void check_stream(const char *dir, const char *name, const char *args, media_codec codec, int w, int h,
                         int chroma) {
  char cmd[1024], path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -f lavfi -i testsrc=size=%dx%d:rate=30 -t 0.2 %s '%s'", w, h, args,
           path);
  if (tu_system(cmd) != 0) {
    CHECK(0);
    return;
  }
  size_t len;
  uint8_t *buf = tu_read(path, &len);
  CHECK(buf != NULL);
  if (!buf) return;
  media_nal sps = {0};
  CHECK(first_sps(codec, buf, len, &sps));
  media_sps_info info;
  CHECK_EQ_INT(media_sps_parse(codec, sps.data, sps.size, &info), 0);
  CHECK_EQ_INT(info.width, w);
  CHECK_EQ_INT(info.height, h);
  CHECK_EQ_INT(info.chroma_format_idc, chroma);
  CHECK_EQ_INT(info.bit_depth_luma, 8);
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries stream=level -of csv=p=0 '%s'", path);
  CHECK_EQ_INT(info.level_idc, tu_popen_num(cmd));
  CHECK(info.coded_width >= w && info.coded_height >= h);
  printf("%s: %dx%d coded %dx%d profile %d level %d chroma %d\n", name, info.width, info.height, info.coded_width,
         info.coded_height, info.profile_idc, info.level_idc, info.chroma_format_idc);

  /* Every truncation fails cleanly (ASan checks the reads), and never claims success with a
     different size. */
  for (size_t n = 1; n < sps.size; n++) {
    media_sps_info t;
    int rc = media_sps_parse(codec, sps.data, n, &t);
    CHECK(rc == 0 || rc == ERR_EBADDATA || rc == ERR_EINVAL);
  }
  /* Single-bit flips: no crash, any result. */
  uint8_t copy[MEDIA_PS_MAX_SIZE];
  for (size_t i = 0; i < sps.size * 8 && sps.size <= sizeof copy; i++) {
    memcpy(copy, sps.data, sps.size);
    copy[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
    media_sps_info t;
    (void)media_sps_parse(codec, copy, sps.size, &t);
  }

  media_ps_cache cache;
  media_ps_cache_init(&cache, codec);
  CHECK(!media_ps_cache_complete(&cache));
  CHECK_EQ_INT(media_ps_cache_put_annexb(&cache, buf, len), 1);
  CHECK(media_ps_cache_complete(&cache));
  CHECK_EQ_INT(cache.sps_size, sps.size);
  CHECK(memcmp(cache.sps, sps.data, sps.size) == 0);
  uint32_t gen = cache.generation;
  CHECK_EQ_INT(media_ps_cache_put_annexb(&cache, buf, len), 0);
  CHECK_EQ_INT(cache.generation, gen);
  free(buf);
}

static void test_bits(void) {
  /* 1 | 010 | 011 | 00100 | 00101 -> ue 0,1,2,3,4 ; then se from the same codes */
  static const uint8_t d[] = {0xA6, 0x42, 0x80};
  media_bits b;
  media_bits_init(&b, d, sizeof d);
  CHECK_EQ_INT(media_bits_ue(&b), 0);
  CHECK_EQ_INT(media_bits_ue(&b), 1);
  CHECK_EQ_INT(media_bits_ue(&b), 2);
  CHECK_EQ_INT(media_bits_ue(&b), 3);
  CHECK_EQ_INT(media_bits_ue(&b), 4);
  CHECK(!b.overrun);
  media_bits_init(&b, d, sizeof d);
  CHECK_EQ_INT(media_bits_se(&b), 0);
  CHECK_EQ_INT(media_bits_se(&b), 1);
  CHECK_EQ_INT(media_bits_se(&b), -1);
  CHECK_EQ_INT(media_bits_se(&b), 2);
  CHECK_EQ_INT(media_bits_se(&b), -2);
  media_bits_read(&b, 7);
  CHECK(!b.overrun);
  CHECK_EQ_INT(media_bits_read(&b, 1), 0);
  CHECK(b.overrun);
  static const uint8_t zeros[8] = {0};
  media_bits_init(&b, zeros, sizeof zeros);
  CHECK_EQ_INT(media_bits_ue(&b), 0);
  CHECK(b.overrun);
  static const uint8_t esc[] = {0x67, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03};
  uint8_t out[8];
  CHECK_EQ_INT(media_nal_to_rbsp(esc, sizeof esc, out), 6);
  CHECK(out[3] == 0x01 && out[5] == 0x00);
}

int main(void) {
  test_bits();
  media_sps_info info;
  static const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
  CHECK_EQ_INT(media_sps_parse(MEDIA_CODEC_H264, pps, sizeof pps, &info), ERR_EINVAL);
  CHECK_EQ_INT(media_sps_parse(MEDIA_CODEC_H264, pps, 0, &info), ERR_EINVAL);
  static uint8_t big[MEDIA_PS_MAX_SIZE + 1] = {0x67};
  media_ps_cache c;
  media_ps_cache_init(&c, MEDIA_CODEC_H264);
  CHECK_EQ_INT(media_ps_cache_put(&c, big, sizeof big), ERR_ELIMIT);
  CHECK_EQ_INT(media_ps_cache_put(&c, pps, sizeof pps), 1);
  CHECK_EQ_INT(media_ps_cache_put(&c, pps, sizeof pps), 0);

  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed; stream tests skipped\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  CHECK(dir != NULL);
  if (dir) {
    check_stream(dir, "a.264", "-pix_fmt yuv420p -c:v libx264 -f h264", MEDIA_CODEC_H264, 640, 360, 1);
    check_stream(dir, "b.264", "-pix_fmt yuv420p -c:v libx264 -profile:v baseline -f h264", MEDIA_CODEC_H264, 176, 144,
                 1);
    check_stream(dir, "c.264", "-c:v libx264 -pix_fmt yuv444p -f h264", MEDIA_CODEC_H264, 320, 240, 3);
    check_stream(dir, "d.264", "-c:v libx264 -pix_fmt yuv422p -f h264", MEDIA_CODEC_H264, 1920, 1080, 2);
    check_stream(dir, "a.265", "-pix_fmt yuv420p -c:v libx265 -x265-params log-level=error -f hevc", MEDIA_CODEC_H265,
                 640, 360, 1);
    check_stream(dir, "b.265", "-pix_fmt yuv420p -c:v libx265 -x265-params log-level=error -f hevc", MEDIA_CODEC_H265,
                 322, 182, 1);
  }
  return CHECK_DONE();
}
