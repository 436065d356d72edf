/* Nonsense times: files whose durations, fragment start times, sample durations or edit-list
   shifts are patched to extreme values. Under UBSan any signed overflow in the time arithmetic
   aborts; every result must stay within +-2^50 us, the file must be flagged (times_clamped and
   a warning), and an untouched file must not be. */
#include <stdint.h>

#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

#define MAX_US ((int64_t)1 << 50)

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)), put32(p + 4, (uint32_t)v); }

/* The n-th box of `type` (its size field), or NULL. */
static uint8_t *find(uint8_t *p, size_t len, const char *type, int nth) {
  for (size_t i = 4; i + 4 <= len; i++)
    if (!memcmp(p + i, type, 4) && nth-- == 0) return p + i - 4;
  return NULL;
}

typedef struct outcome {
  int open_rc;
  bool clamped;
  bool warned;
  uint64_t duration_us;
  long frames;
  bool in_range;
} outcome;

static outcome read_all(const uint8_t *p, size_t n) {
  outcome o = {0};
  o.in_range = true;
  mp4_io io;
  mp4_mem m;
  mp4_io_mem_reader(&io, &m, p, n);
  mp4_demuxer *d;
  o.open_rc = mp4_demuxer_open(&d, NULL, &io);
  if (o.open_rc) return o;
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  o.clamped = fi.times_clamped;
  o.warned = mp4_demuxer_warning(d)[0] != 0;
  o.duration_us = fi.duration_us;
  if (fi.duration_us > (uint64_t)MAX_US) o.in_range = false;
  for (int i = 0; i < fi.track_count; i++) {
    mp4_track_info ti;
    mp4_demuxer_track(d, i, &ti);
    if (ti.duration_us > (uint64_t)MAX_US) o.in_range = false;
  }
  int64_t seeks[] = {0, (int64_t)(fi.duration_us / 2), INT64_MAX, INT64_MIN, -1, MAX_US};
  for (size_t s = 0; s <= sizeof seeks / sizeof *seeks; s++) {
    for (int i = 0; i < 2000; i++) {
      mp4_frame f;
      int rc = mp4_demuxer_get_frame(d, &f);
      if (rc == 0 && f.eof) break;
      if (rc) continue;
      if (s == 0) o.frames++;
      if (f.pts_us > MAX_US || f.pts_us < -MAX_US || f.dts_us > MAX_US || f.dts_us < -MAX_US) o.in_range = false;
    }
    if (s < sizeof seeks / sizeof *seeks) mp4_demuxer_seek(d, seeks[s]);
  }
  mp4_demuxer_close(d);
  return o;
}

typedef struct patch {
  const char *what, *box;
  int nth;   /* which box of that type */
  int field; /* byte offset from the box start */
  int bits;  /* 32 or 64 */
  uint64_t value;
} patch;

static void check_patch(const char *file, const uint8_t *orig, size_t n, const patch *pt) {
  uint8_t *b = malloc(n);
  memcpy(b, orig, n);
  uint8_t *box = find(b, n, pt->box, pt->nth);
  if (!box || box + pt->field + pt->bits / 8 > b + n) {
    fprintf(stderr, "%s: no %s to patch for '%s'\n", file, pt->box, pt->what);
    CHECK(!"the patch site exists");
    free(b);
    return;
  }
  if (pt->bits == 64) put64(box + pt->field, pt->value);
  else put32(box + pt->field, (uint32_t)pt->value);
  outcome o = read_all(b, n);
  printf("%s: %-48s open %d, %ld frames, duration %llu us, clamped %d\n", file, pt->what, o.open_rc, o.frames,
         (unsigned long long)o.duration_us, o.clamped);
  if (o.open_rc == 0) {
    CHECK(o.in_range);
    CHECK(o.clamped);
    CHECK(o.warned);
  }
  free(b);
}

int main(void) {
  if (!tu_have("ffmpeg")) {
    printf("SKIP: test_mp4_times: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  char cmd[1024], frag[256], mov[256];
  snprintf(frag, sizeof frag, "%s/frag.mp4", dir);
  snprintf(mov, sizeof mov, "%s/edit.mov", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30 -t 1 -pix_fmt yuv420p -c:v libx264 -g 10 "
           "-movflags frag_keyframe+empty_moov+default_base_moof -f mp4 '%s'",
           frag);
  CHECK_EQ_INT(tu_system(cmd), 0);
  /* B-frames: a composition offset table and an edit list that shifts them back. */
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30 -t 1 -pix_fmt yuv420p -c:v libx264 -g 10 -bf 2 "
           "-f mov '%s'",
           mov);
  CHECK_EQ_INT(tu_system(cmd), 0);
  size_t fn, mn;
  uint8_t *fp = tu_read(frag, &fn), *mp = tu_read(mov, &mn);
  CHECK(fp && mp);
  if (!fp || !mp) return CHECK_DONE();

  /* Untouched: not flagged. */
  outcome clean = read_all(fp, fn);
  CHECK_EQ_INT(clean.open_rc, 0);
  CHECK(!clean.clamped);
  CHECK(clean.frames == 30);
  outcome clean_mov = read_all(mp, mn);
  CHECK_EQ_INT(clean_mov.open_rc, 0);
  CHECK(!clean_mov.clamped);

  /* Fragmented (ffmpeg: tfdt version 1, trun with per-sample durations). Box offsets: tfdt
     version/flags at 8, baseMediaDecodeTime at 12; trun sample_count at 12. */
  static const patch frag_patches[] = {
      {"tfdt = 2^63 - 1", "tfdt", 0, 12, 64, UINT64_C(0x7FFFFFFFFFFFFFFF)},
      {"tfdt = 2^64 - 1", "tfdt", 0, 12, 64, UINT64_MAX},
      {"second fragment's tfdt = 2^62 + 1", "tfdt", 1, 12, 64, (UINT64_C(1) << 62) + 1},
      {"tfdt = 2^50 s at 90 kHz (beyond 35 years)", "tfdt", 0, 12, 64, (UINT64_C(1) << 50) * 90000 / 1000000 * 2},
      {"trex default duration = 2^32 - 1", "trex", 0, 20, 32, UINT32_MAX},
      {"mdhd timescale = 1", "mdhd", 0, 20, 32, 1},
  };
  for (size_t i = 0; i < sizeof frag_patches / sizeof *frag_patches; i++) {
    if (i == 4 || i == 5) {
      /* Only nonsense with a fragment starting late: combine with a large tfdt. */
      uint8_t *b = malloc(fn);
      memcpy(b, fp, fn);
      put64(find(b, fn, "tfdt", 0) + 12, UINT64_C(1) << 61);
      check_patch("frag.mp4", b, fn, &frag_patches[i]);
      free(b);
      continue;
    }
    check_patch("frag.mp4", fp, fn, &frag_patches[i]);
  }

  /* Classic (mov): mdhd version 0 — timescale at 20, duration at 24; elst version 0 — media_time
     of the first entry at 20; stts — the first entry's duration at 20. */
  static const patch mov_patches[] = {
      {"mdhd duration 2^32 - 2 at timescale 1", "mdhd", 0, 24, 32, UINT32_MAX - 1},
      {"elst media_time = 2^31 - 1", "elst", 0, 20, 32, 0x7FFFFFFF},
      {"stts duration = 2^32 - 1", "stts", 0, 20, 32, UINT32_MAX},
  };
  for (size_t i = 0; i < sizeof mov_patches / sizeof *mov_patches; i++) {
    uint8_t *b = malloc(mn);
    memcpy(b, mp, mn);
    put32(find(b, mn, "mdhd", 0) + 20, 1); /* timescale 1: every tick is a second */
    check_patch("edit.mov", b, mn, &mov_patches[i]);
    free(b);
  }

  /* "Unknown" (all ones) is not nonsense: the samples tell the duration. */
  uint8_t *b = malloc(mn);
  memcpy(b, mp, mn);
  put32(find(b, mn, "mdhd", 0) + 24, UINT32_MAX);
  outcome unknown = read_all(b, mn);
  CHECK_EQ_INT(unknown.open_rc, 0);
  CHECK(!unknown.clamped);
  CHECK_EQ_INT((long long)unknown.duration_us, (long long)clean_mov.duration_us);
  free(b);

  free(fp);
  free(mp);
  return CHECK_DONE();
}
