/* mp4_muxer_write_nals: a stream muxed with the reader's NAL tables (no second search) is byte for
   byte the file mp4_muxer_write makes of it (x264 with slices and AUDs, x265 with slices, and a
   synthetic stream of 3- and 4-byte start codes, trailing zeros, an empty NAL, parameter sets and
   an AUD mid-stream), in fragmented and indexed mode, and through the segmenter; a table that no
   longer fits its bytes (an entry changed, out of order, out of bounds) is not used: the unit is
   searched, as mp4_muxer_write does. */
#include "check.h"
#include "base/errors.h"
#include "media/au.h"
#include "mp4/muxer.h"
#include "mp4/segmenter.h"

enum { FPS = 30 };

/* What each unit's table is replaced with before the write. */
typedef enum { TABLE, NONE, CHANGED, CHANGED_NONE, SHUFFLED, PAST_END } how;

/* The reader over the whole stream in memory. */
static media_au_reader *open_reader(media_codec codec, const uint8_t *buf, size_t len) {
  media_au_reader_config rc = MEDIA_AU_READER_CONFIG_DEFAULT;
  rc.codec = codec;
  rc.data = buf;
  rc.size = len;
  media_au_reader *r = NULL;
  CHECK_EQ_INT(media_au_reader_open(&r, &rc), 0);
  return r;
}

static int video_codec(media_codec codec) { return codec == MEDIA_CODEC_H265 ? MP4_CODEC_H265 : MP4_CODEC_H264; }

/* The start code to unmake in a unit ending in two slices (the last then runs on into the one
   before: the unit stays a picture), or -1. */
static long changeable(media_codec codec, const media_au *au) {
  size_t n = au->nals.count;
  if (n < 2) return -1;
  for (size_t k = n - 2; k < n; k++) {
    size_t at = au->nals.starts[k] + 3;
    if (!media_nal_is_vcl(codec, media_nal_type(codec, au->data + at, au->size - at))) return -1;
  }
  return (long)au->nals.starts[n - 1];
}

static size_t units_changed;

/* Muxes the stream's units (through the reader over buf) into memory; returns the file. With
   CHANGED (CHANGED_NONE: and no table), each unit that ends in two slices is a copy whose last
   start code no longer is one. */
static mp4_mem mux(media_codec codec, const uint8_t *buf, size_t len, mp4_mode mode, how h) {
  mp4_io io;
  mp4_mem mem;
  mp4_io_mem_writer(&io, &mem, 0);
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.mode = mode;
  cfg.sync = MP4_SYNC_NONE;
  mp4_muxer *m;
  CHECK_EQ_INT(mp4_muxer_open(&m, &cfg, &io), 0);
  int vt = mp4_muxer_add_video(m, video_codec(codec), 320, 240);
  media_au_reader *r = open_reader(codec, buf, len);
  media_au au;
  uint64_t n = 0;
  uint32_t starts[4096];
  while (media_au_next(r, &au) == 1) {
    CHECK(au.nals.count > 0 && au.nals.count <= 4096);
    const uint8_t *data = au.data;
    uint8_t *copy = NULL;
    media_nal_table t = au.nals;
    memcpy(starts, au.nals.starts, au.nals.count * sizeof *starts);
    t.starts = starts;
    if (h == NONE || h == CHANGED_NONE) t.count = 0;
    long sc = changeable(codec, &au);
    if ((h == CHANGED || h == CHANGED_NONE) && sc >= 0) {
      copy = malloc(au.size);
      memcpy(copy, au.data, au.size);
      copy[sc + 2] = 2; /* 00 00 02 */
      data = copy;
      units_changed += h == CHANGED;
    }
    if (h == SHUFFLED && t.count > 1) starts[0] = starts[1], starts[1] = au.nals.starts[0];
    if (h == PAST_END) starts[t.count - 1] = (uint32_t)au.size - 2;
    int64_t pts = (int64_t)(n * 1000000 / FPS);
    CHECK_EQ_INT(mp4_muxer_write_nals(m, vt, data, au.size, &t, pts, 0), 0);
    free(copy);
    n++;
  }
  media_au_reader_close(r);
  CHECK_EQ_INT(mp4_muxer_close(m), 0);
  return mem;
}

/* The same through the segmenter (one file: no limits), its keyframe check given the table too. */
static mp4_mem segment(media_codec codec, const uint8_t *buf, size_t len, bool tables, const char *name) {
  mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
  char path[600];
  snprintf(path, sizeof path, "%s", tu_path(name));
  mp4_muxer_config mc = MP4_MUXER_CONFIG_DEFAULT;
  mc.sync = MP4_SYNC_NONE;
  mp4_segmenter *s;
  CHECK_EQ_INT(mp4_segmenter_open(&s, path, &sc, &mc, &mp4_fs_posix), 0);
  int vt = mp4_segmenter_add_video(s, video_codec(codec), 320, 240);
  media_au_reader *r = open_reader(codec, buf, len);
  media_au au;
  uint64_t n = 0;
  while (media_au_next(r, &au) == 1) {
    int64_t pts = (int64_t)(n++ * 1000000 / FPS);
    CHECK_EQ_INT(mp4_segmenter_write_nals(s, vt, au.data, au.size, tables ? &au.nals : NULL, pts, 0), 0);
  }
  media_au_reader_close(r);
  char why[200];
  CHECK_EQ_INT(mp4_segmenter_close(s, why, sizeof why), 0);
  mp4_mem mem = {0};
  mem.data = tu_read(path, &mem.size);
  mem.owned = true;
  CHECK(mem.data != NULL);
  return mem;
}

static bool same(const mp4_mem *a, const mp4_mem *b) {
  return a->size > 0 && a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

static void check_stream(const char *name, media_codec codec, const uint8_t *buf, size_t len) {
  static const mp4_mode modes[] = {MP4_MODE_FRAGMENTED, MP4_MODE_INDEXED};
  for (int i = 0; i < 2; i++) {
    mp4_mem table = mux(codec, buf, len, modes[i], TABLE), search = mux(codec, buf, len, modes[i], NONE);
    printf("%s, mode %d: %zu bytes\n", name, (int)modes[i], table.size);
    CHECK(same(&table, &search));
    static const how bad[] = {SHUFFLED, PAST_END};
    for (int k = 0; k < 2; k++) {
      mp4_mem b = mux(codec, buf, len, modes[i], bad[k]);
      CHECK(same(&b, &search));
      mp4_mem_free(&b);
    }
    mp4_mem_free(&table);
    mp4_mem_free(&search);
  }
  /* Changed bytes: the table's last entry no longer is a start code; the file is what the search
     of the changed bytes gives, which differs from the original's (so the check can tell). */
  units_changed = 0;
  mp4_mem changed = mux(codec, buf, len, MP4_MODE_FRAGMENTED, CHANGED);
  mp4_mem original = mux(codec, buf, len, MP4_MODE_FRAGMENTED, TABLE);
  printf("%s: %zu units changed\n", name, units_changed);
  CHECK(units_changed == 0 || !same(&changed, &original));
  CHECK(units_changed > 0 || !strstr(name, "slices")); /* the streams of several slices a picture */
  mp4_mem searched = mux(codec, buf, len, MP4_MODE_FRAGMENTED, CHANGED_NONE);
  CHECK(same(&changed, &searched));
  mp4_mem_free(&changed);
  mp4_mem_free(&original);
  mp4_mem_free(&searched);

  char a[64], b[64];
  snprintf(a, sizeof a, "%s-t.mp4", name);
  snprintf(b, sizeof b, "%s-s.mp4", name);
  mp4_mem st = segment(codec, buf, len, true, a), ss = segment(codec, buf, len, false, b);
  CHECK(same(&st, &ss));
  mp4_mem_free(&st);
  mp4_mem_free(&ss);
}

int main(void) {
  /* Synthetic: AUD, SPS, PPS (4-byte start codes), an IDR in two slices with trailing zeros
     between, an empty NAL, then P pictures, one with an AUD and a repeated PPS. */
  static const uint8_t syn[] = {0,    0,    0,    1,    0x09, 0xF0, 0,    0,    0,    1,    0x67, 0x42, 0xC0,
                                0x1E, 0xDA, 0x05, 0x07, 0xC4, 0,    0,    0,    1,    0x68, 0xCE, 0x3C, 0x80,
                                0,    0,    1,    0x65, 0x88, 0x84, 0x11, 0,    0,    0,    0,    1,    0x65,
                                0x12, 0x22, 0,    0,    1,    0,    0,    1,    0x41, 0x9A, 0x33, 0,    0,
                                0,    1,    0x09, 0x30, 0,    0,    1,    0x68, 0xCE, 0x3C, 0x80, 0,    0,
                                1,    0x41, 0x9A, 0x44, 0,    0,    1,    0x41, 0x9A, 0x55, 0x66, 0,    0};
  check_stream("synthetic", MEDIA_CODEC_H264, syn, sizeof syn);

  if (!tu_have("ffmpeg")) {
    printf("SKIP: test_mp4_nals.c: ffmpeg not installed; the x264/x265 streams are not checked\n");
    return CHECK_DONE();
  }
  static const struct {
    const char *name, *args;
    media_codec codec;
  } streams[] = {
      {"slices.264", "-c:v libx264 -bf 0 -x264-params slices=3:aud=1 -f h264", MEDIA_CODEC_H264},
      {"cabac.264", "-c:v libx264 -bf 0 -f h264", MEDIA_CODEC_H264},
      {"slices.265", "-c:v libx265 -bf 0 -x265-params log-level=error:slices=2 -f hevc", MEDIA_CODEC_H265},
  };
  for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
    char cmd[1024];
    const char *path = tu_path(streams[i].name);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -t 2 -g 15 -pix_fmt yuv420p %s '%s'",
             streams[i].args, path);
    CHECK_EQ_INT(tu_system(cmd), 0);
    size_t len;
    uint8_t *buf = tu_read(path, &len);
    CHECK(buf != NULL);
    if (buf) check_stream(streams[i].name, streams[i].codec, buf, len);
    free(buf);
  }
  return CHECK_DONE();
}
