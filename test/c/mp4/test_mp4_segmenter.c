/* mp4/segmenter.h on a simulated card (a memory file system with a capacity): files cut at
   keyframes by duration and size, named from the pattern, numbered on from what the card holds,
   the oldest deleted to keep N files or X bytes free, a full card recovered from; every file
   kept reads back from its first frame, a keyframe with its parameter sets. */
#include <stdint.h>

#include "check.h"
#include "base/errors.h"
#include "mp4/segmenter.h"
#include "mp4test.h"

/* ---- a card in memory ---- */

enum { MAX_FILES = 256 };
typedef struct card_file {
  char name[64];
  uint8_t *data;
  size_t size, cap, pos;
  bool used;
} card_file;

typedef struct card {
  card_file f[MAX_FILES];
  size_t capacity, used;
  int enospc; /* writes refused for lack of room */
} card;

static card_file *card_find(card *c, const char *path) {
  const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  for (int i = 0; i < MAX_FILES; i++)
    if (c->f[i].used && !strcmp(c->f[i].name, name)) return &c->f[i];
  return NULL;
}

typedef struct handle {
  card *c;
  card_file *f;
} handle;

static int h_write(void *u, const void *data, size_t n) {
  handle *h = u;
  card_file *f = h->f;
  size_t end = f->pos + n;
  size_t grow = end > f->size ? end - f->size : 0;
  if (h->c->used + grow > h->c->capacity) {
    h->c->enospc++;
    return ERR_ENOSPC;
  }
  if (end > f->cap) {
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < end) cap *= 2;
    f->data = realloc(f->data, cap);
    f->cap = cap;
  }
  memcpy(f->data + f->pos, data, n);
  f->pos = end;
  if (end > f->size) f->size = end;
  h->c->used += grow;
  return 0;
}
static int64_t h_read(void *u, void *data, size_t n) {
  handle *h = u;
  size_t left = h->f->size > h->f->pos ? h->f->size - h->f->pos : 0;
  if (n > left) n = left;
  memcpy(data, h->f->data + h->f->pos, n);
  h->f->pos += n;
  return (int64_t)n;
}
static int h_seek(void *u, uint64_t off) {
  ((handle *)u)->f->pos = (size_t)off;
  return 0;
}
static int64_t h_tell(void *u) { return (int64_t)((handle *)u)->f->pos; }
static int64_t h_size(void *u) { return (int64_t)((handle *)u)->f->size; }

static int c_create(void *user, const char *path, mp4_io *io) {
  card *c = user;
  card_file *f = card_find(c, path);
  if (f) {
    c->used -= f->size;
    f->size = f->pos = 0;
  } else {
    for (int i = 0; i < MAX_FILES && !f; i++)
      if (!c->f[i].used) f = &c->f[i];
    if (!f) return ERR_ENOSPC;
    memset(f, 0, sizeof *f);
    f->used = true;
    snprintf(f->name, sizeof f->name, "%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
  }
  handle *h = malloc(sizeof *h);
  *h = (handle){c, f};
  *io = (mp4_io){h_write, h_read, h_seek, h_tell, h_size, NULL, NULL, h};
  return 0;
}
static int c_close(void *user, mp4_io *io) {
  free(io->user);
  return 0;
}
static int c_remove(void *user, const char *path) {
  card *c = user;
  card_file *f = card_find(c, path);
  if (!f) return ERR_ENOENT;
  c->used -= f->size;
  free(f->data);
  memset(f, 0, sizeof *f);
  return 0;
}
static int c_mkdir(void *user, const char *path) { return 0; }
static int c_list(void *user, const char *dir, int (*fn)(void *ctx, const char *name), void *ctx) {
  card *c = user;
  for (int i = 0; i < MAX_FILES; i++)
    if (c->f[i].used && fn(ctx, c->f[i].name)) break;
  return 0;
}
static int64_t c_free(void *user, const char *dir) {
  card *c = user;
  return (int64_t)(c->capacity - c->used);
}

static void card_free(card *c) {
  for (int i = 0; i < MAX_FILES; i++) free(c->f[i].data);
  memset(c, 0, sizeof *c);
}

/* ---- recording onto it ---- */

static aus v264;

/* Writes `seconds` of video (the clip looped, 30 fps) and 40 ms A-law chunks. */
static int record(mp4_segmenter *s, int seconds, bool audio, int64_t *last_pts) {
  int vt = mp4_segmenter_add_video(s, MP4_CODEC_H264, 320, 240);
  int at = audio ? mp4_segmenter_add_audio(s, MP4_CODEC_G711A, 8000, 1) : 0;
  static uint8_t alaw[320];
  memset(alaw, 0xd5, sizeof alaw);
  int64_t apts = 0;
  for (long i = 0; i < seconds * 30L; i++) {
    int64_t pts = i * 100000 / 3;
    int rc = mp4_segmenter_write(s, vt, v264.data[i % v264.n], v264.size[i % v264.n], pts, 0);
    if (rc) return rc;
    while (audio && apts <= pts) {
      if ((rc = mp4_segmenter_write(s, at, alaw, sizeof alaw, apts, 0))) return rc;
      apts += 40000;
    }
    *last_pts = pts;
  }
  return 0;
}

/* Reads a file back: frames, its first frame a keyframe with SPS first, duration. */
static long check_file(card_file *f, uint64_t *duration_us) {
  mp4_io io;
  mp4_mem m;
  mp4_io_mem_reader(&io, &m, f->data, f->size);
  mp4_demuxer *d;
  int rc = mp4_demuxer_open(&d, NULL, &io);
  CHECK_EQ_INT(rc, 0);
  if (rc) return -1;
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  *duration_us = fi.duration_us;
  long frames = 0;
  mp4_frame fr;
  while (mp4_demuxer_get_frame(d, &fr) == 0 && !fr.eof) {
    if (fr.codec != MP4_CODEC_H264) continue;
    if (frames == 0) {
      CHECK(fr.keyframe);
      CHECK(fr.size > 5 && fr.data[4] == 0x67); /* SPS ahead of the first IDR */
      CHECK_EQ_INT(fr.pts_us, 0);
    }
    frames++;
  }
  mp4_demuxer_close(d);
  return frames;
}

static int count_files(card *c) {
  int n = 0;
  for (int i = 0; i < MAX_FILES; i++) n += c->f[i].used;
  return n;
}

static const mp4_fs *fs_of(card *c) {
  static mp4_fs fs;
  fs = (mp4_fs){c_create, c_close, c_remove, c_mkdir, c_list, c_free, c};
  return &fs;
}

/* Records `seconds` onto the card with `pattern` and `sc`; the stats at the end. */
static int run_case(card *c, const char *pattern, const mp4_segment_config *sc, const mp4_muxer_config *mc, int seconds,
                    bool audio, mp4_segment_stats *st) {
  mp4_segmenter *s;
  int rc = mp4_segmenter_open(&s, pattern, sc, mc, fs_of(c));
  CHECK_EQ_INT(rc, 0);
  if (rc) return rc;
  int64_t last = 0;
  rc = record(s, seconds, audio, &last);
  mp4_segmenter_stats(s, st);
  int rc2 = mp4_segmenter_close(s, NULL, 0);
  return rc ? rc : rc2;
}

int main(void) {
  /* Patterns. */
  CHECK(mp4_segment_pattern_problem("/sdcard/a.mp4", false) == NULL);
  CHECK(mp4_segment_pattern_problem("/sdcard/a.mp4", true) != NULL); /* segments need {index} */
  CHECK(mp4_segment_pattern_problem("/sdcard/cam-{index:5}-{time}.mp4", true) == NULL);
  CHECK(mp4_segment_pattern_problem("/sdcard/{index}/a.mp4", true) != NULL);
  CHECK(mp4_segment_pattern_problem("/sdcard/a{index}0.mp4", true) != NULL);
  CHECK(mp4_segment_pattern_problem("/sdcard/a{inde}.mp4", false) != NULL);
  CHECK(mp4_segment_pattern_problem("/sdcard/", false) != NULL);
  CHECK(mp4_segment_pattern_problem("", false) != NULL);

  if (!tu_have("ffmpeg")) {
    printf("SKIP: test_mp4_segmenter: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  char cmd[1024], p264[256];
  snprintf(p264, sizeof p264, "%s/v.264", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -t 2 -pix_fmt yuv420p -g 15 -bf 0 "
           "-c:v libx264 -f h264 '%s'",
           p264);
  CHECK_EQ_INT(tu_system(cmd), 0);
  CHECK_EQ_INT(load_aus(p264, MEDIA_CODEC_H264, &v264), 0);
  CHECK_EQ_INT(v264.n, 60);

  mp4_muxer_config mc = MP4_MUXER_CONFIG_DEFAULT;
  mc.sync = MP4_SYNC_NONE;

  /* By duration: 2 s files cut at keyframes (every 0.5 s), numbered on from what the card holds,
     every file a recording of its own from 0 with its parameter sets. */
  {
    static card c;
    c.capacity = 64u << 20;
    mp4_io io;
    c_create(&c, "/sd/seg-007.mp4", &io);
    c_close(&c, &io);
    c_create(&c, "/sd/other.mp4", &io); /* not of the pattern: never touched */
    c_close(&c, &io);
    mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
    sc.max_duration_us = 2000000;
    mp4_segmenter *s;
    CHECK_EQ_INT(mp4_segmenter_open(&s, "/sd/seg-{index:3}.mp4", &sc, &mc, fs_of(&c)), 0);
    CHECK_EQ_STR(mp4_segmenter_path(s), "/sd/seg-008.mp4");
    int64_t last = 0;
    CHECK_EQ_INT(record(s, 10, true, &last), 0);
    mp4_segment_stats st;
    mp4_segmenter_stats(s, &st);
    CHECK_EQ_INT(st.files, 5);
    CHECK_EQ_INT(st.index, 12);
    CHECK_EQ_INT(mp4_segmenter_close(s, NULL, 0), 0);
    long total = 0;
    for (int i = 8; i <= 12; i++) {
      char name[32];
      snprintf(name, sizeof name, "seg-%03d.mp4", i);
      card_file *f = card_find(&c, name);
      CHECK(f != NULL);
      if (!f) continue;
      uint64_t dur;
      long frames = check_file(f, &dur);
      total += frames;
      CHECK_EQ_INT(frames, 60); /* 2 s at 30 fps, nothing lost at the cuts */
      CHECK(dur >= 1966666 && dur <= 2050000);
    }
    CHECK_EQ_INT(total, 300);
    CHECK(card_find(&c, "other.mp4") != NULL && card_find(&c, "seg-007.mp4") != NULL);
    card_free(&c);
  }

  /* By size, keeping the newest 3 files. */
  {
    static card c;
    c.capacity = 64u << 20;
    mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
    sc.max_bytes = 30000;
    sc.keep_files = 3;
    mp4_segment_stats st;
    CHECK_EQ_INT(run_case(&c, "/sd/size-{index}.mp4", &sc, &mc, 20, false, &st), 0);
    printf("20 s cut at 30000 bytes: %u files, %u deleted\n", st.files, st.deleted);
    CHECK(st.files > 4);
    CHECK_EQ_INT(st.deleted, st.files - 3);
    CHECK_EQ_INT(count_files(&c), 3);
    for (uint32_t i = st.index - 2; i <= st.index; i++) {
      char name[32];
      snprintf(name, sizeof name, "size-%u.mp4", i);
      card_file *f = card_find(&c, name);
      CHECK(f != NULL);
      uint64_t dur;
      if (f && i < st.index) CHECK(f->size >= 30000 && f->size < 30000 + 40000); /* cut at the next keyframe */
      if (f) CHECK(check_file(f, &dur) > 0);
    }
    card_free(&c);
  }

  /* Keeping the card above X bytes free on a small card, for far longer than it holds: never a
     full card, the newest files kept. */
  {
    static card c;
    c.capacity = 400000;
    mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
    sc.max_duration_us = 1000000;
    sc.min_free_bytes = 100000;
    mp4_segment_stats st;
    CHECK_EQ_INT(run_case(&c, "/sd/free-{index:4}.mp4", &sc, &mc, 60, true, &st), 0);
    CHECK_EQ_INT(c.enospc, 0);
    CHECK_EQ_INT(st.recovered, 0);
    CHECK(st.deleted > 0);
    int kept = count_files(&c);
    CHECK(kept >= 2);
    for (uint32_t i = st.index; i > st.index - (uint32_t)kept; i--) {
      char name[32];
      snprintf(name, sizeof name, "free-%04u.mp4", i);
      card_file *f = card_find(&c, name);
      CHECK(f != NULL); /* the newest ones */
      uint64_t dur;
      if (f) CHECK(check_file(f, &dur) > 0);
    }
    printf("60 s on a 400 kB card above 100 kB free: %u files, %u deleted, %d kept, %zu bytes used\n", st.files,
           st.deleted, kept, c.used);
    card_free(&c);
  }

  /* A full card with only a file count to keep: the oldest goes, the fragment in flight is lost,
     the next keyframe starts a new file, and recording goes on. */
  {
    static card c;
    c.capacity = 300000;
    mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
    sc.max_duration_us = 3000000;
    sc.keep_files = 100;
    mp4_segment_stats st;
    CHECK_EQ_INT(run_case(&c, "/sd/full-{index}.mp4", &sc, &mc, 60, false, &st), 0);
    CHECK(st.recovered > 0);
    CHECK(st.deleted > 0);
    for (int i = 0; i < MAX_FILES; i++) {
      uint64_t dur;
      if (c.f[i].used) CHECK(check_file(&c.f[i], &dur) > 0);
    }
    card_free(&c);
  }

  /* Without a policy a full card is an error, as with a muxer. */
  {
    static card c;
    c.capacity = 100000;
    mp4_segmenter *s;
    CHECK_EQ_INT(mp4_segmenter_open(&s, "/sd/plain.mp4", NULL, &mc, fs_of(&c)), 0);
    int64_t last = 0;
    CHECK_EQ_INT(record(s, 60, false, &last), ERR_ENOSPC);
    CHECK(strstr(mp4_segmenter_last_error(s), "recording stopped") != NULL);
    CHECK_EQ_INT(mp4_segmenter_close(s, NULL, 0), ERR_ENOSPC);
    card_free(&c);
  }

  free_aus(&v264);
  return CHECK_DONE();
}
