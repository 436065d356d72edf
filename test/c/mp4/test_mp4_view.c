/* mp4_io's view and the demuxer's read-ahead: a demuxer over an io with a view (a mapped file, a
   memory reader) gives the very frames, byte for byte, that one reading through read() gives
   (with read-ahead windows, and a frame per read), Annex-B or as stored, after seeks too; frames
   stored as-is come out in place (no copy). Read-ahead reads the samples' region front to back:
   no seek back and no byte read twice, even where windows end inside frames. */
#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

typedef struct sums {
  size_t frames;
  uint64_t hash;
} sums;

static void mix(sums *s, uint64_t v) { s->hash = (s->hash ^ v) * 1099511628211ull; }

/* Every frame, then every frame again from a seek to 1 s. in_place: [lo, hi) that as-stored
   frames must point into (NULL: not checked). */
static sums drain_ra(mp4_io *io, bool annexb, const uint8_t *lo, const uint8_t *hi, size_t read_ahead) {
  sums s = {0, 1469598103934665603ull};
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.annexb = annexb;
  cfg.read_ahead = read_ahead;
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, &cfg, io), 0);
  if (!d) return s;
  for (int pass = 0; pass < 2; pass++) {
    if (pass) CHECK_EQ_INT(mp4_demuxer_seek(d, 1000000), 0);
    for (;;) {
      mp4_frame f;
      CHECK_EQ_INT(mp4_demuxer_get_frame(d, &f), 0);
      if (f.eof) break;
      s.frames++;
      mix(&s, (uint64_t)f.track_id);
      mix(&s, (uint64_t)f.pts_us);
      mix(&s, f.size);
      for (size_t i = 0; i < f.size; i++) mix(&s, f.data[i]);
      bool video = f.codec == MP4_CODEC_H264 || f.codec == MP4_CODEC_H265;
      if (lo && (!annexb || !video)) CHECK(f.data >= lo && f.data + f.size <= hi);
    }
  }
  mp4_demuxer_close(d);
  return s;
}

static sums drain(mp4_io *io, bool annexb, const uint8_t *lo, const uint8_t *hi) {
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  return drain_ra(io, annexb, lo, hi, cfg.read_ahead);
}

/* An io over another that counts what is read, and seeks back once reading has begun. */
typedef struct counting {
  mp4_io inner;
  uint64_t pos, bytes, reads, back;
} counting;
static int64_t cnt_read(void *u, void *p, size_t n) {
  counting *c = u;
  int64_t r = c->inner.read(c->inner.user, p, n);
  if (r > 0) c->bytes += (uint64_t)r, c->reads++, c->pos += (uint64_t)r;
  return r;
}
static int cnt_seek(void *u, uint64_t o) {
  counting *c = u;
  if (c->reads && o < c->pos) c->back++;
  c->pos = o;
  return c->inner.seek(c->inner.user, o);
}
static int64_t cnt_size(void *u) {
  counting *c = u;
  return c->inner.size(c->inner.user);
}

/* Every frame through read-ahead windows of `ra` bytes: from the first sample on, the demuxer
   reads front to back (never seeks back) and no further than the last sample's end, so no byte
   twice: at most the bytes from the first frame to the end of the last, at least the frames'
   (where the frames lie comes from a demuxer over the same bytes in place). */
static void check_reads_once(const uint8_t *bytes, size_t len, size_t ra) {
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.annexb = false;
  cfg.read_ahead = ra;
  mp4_mem m;
  mp4_io in_place;
  mp4_io_mem_reader(&in_place, &m, bytes, len);
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, &cfg, &in_place), 0);
  if (!d) return;
  uint64_t lo = UINT64_MAX, hi = 0, frames = 0, sizes = 0;
  for (mp4_frame f; mp4_demuxer_get_frame(d, &f) == 0 && !f.eof; frames++) {
    sizes += f.size;
    uint64_t off = (uint64_t)(f.data - bytes);
    if (off < lo) lo = off;
    if (off + f.size > hi) hi = off + f.size;
  }
  mp4_demuxer_close(d);
  counting c = {0};
  mp4_io_mem_reader(&c.inner, &m, bytes, len);
  c.inner.view = NULL;
  mp4_io io = {.read = cnt_read, .seek = cnt_seek, .size = cnt_size, .user = &c};
  CHECK_EQ_INT(mp4_demuxer_open(&d, &cfg, &io), 0);
  if (!d) return;
  c.bytes = c.reads = c.back = 0;
  uint64_t n = 0;
  for (mp4_frame f; mp4_demuxer_get_frame(d, &f) == 0 && !f.eof;) n++;
  mp4_demuxer_close(d);
  printf("read-ahead %zu: %llu frames in bytes %llu..%llu, %llu bytes read in %llu reads, %llu seeks back\n", ra,
         (unsigned long long)n, (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)c.bytes,
         (unsigned long long)c.reads, (unsigned long long)c.back);
  CHECK(n == frames && n > 60);
  CHECK_EQ_INT(c.back, 0);
  CHECK(c.bytes >= sizes && c.bytes <= hi - lo);
}

static void check_file(const char *path) {
  size_t len;
  uint8_t *bytes = tu_read(path, &len);
  CHECK(bytes != NULL);
  if (!bytes) return;
  for (int annexb = 0; annexb < 2; annexb++) {
    mp4_io rd, mapped, mem, plain;
    mp4_mem m;
    CHECK_EQ_INT(mp4_io_file_open(&rd, path, "r"), 0);
    CHECK(rd.view == NULL);
    sums a = drain(&rd, annexb, NULL, NULL);
    mp4_io_file_close(&rd);
    CHECK_EQ_INT(mp4_io_file_open(&mapped, path, "m"), 0);
    CHECK(mapped.view != NULL);
    const uint8_t *base = mapped.view(mapped.user, 0, len);
    CHECK(base != NULL && mapped.view(mapped.user, 1, len) == NULL); /* bounds */
    sums b = drain(&mapped, annexb, base, base + len);
    mp4_io_file_close(&mapped);
    mp4_io_mem_reader(&mem, &m, bytes, len);
    sums c = drain(&mem, annexb, bytes, bytes + len);
    mp4_io_mem_reader(&plain, &m, bytes, len);
    plain.view = NULL; /* the same memory through read() */
    sums e = drain(&plain, annexb, NULL, NULL);
    mp4_io_mem_reader(&plain, &m, bytes, len);
    plain.view = NULL;
    sums one = drain_ra(&plain, annexb, NULL, NULL, 0); /* no read-ahead: a frame per read */
    mp4_io_mem_reader(&plain, &m, bytes, len);
    plain.view = NULL;
    sums small = drain_ra(&plain, annexb, NULL, NULL, 3000); /* windows end inside frames */
    printf("%s annexb %d: %zu frames\n", path, annexb, a.frames);
    CHECK(a.frames > 60);
    CHECK_EQ_INT(b.frames, a.frames);
    CHECK_EQ_INT(c.frames, a.frames);
    CHECK_EQ_INT(e.frames, a.frames);
    CHECK_EQ_INT(one.frames, a.frames);
    CHECK_EQ_INT(small.frames, a.frames);
    CHECK(b.hash == a.hash && c.hash == a.hash && e.hash == a.hash && one.hash == a.hash && small.hash == a.hash);
  }
  check_reads_once(bytes, len, 3000); /* windows end inside most frames */
  check_reads_once(bytes, len, ((mp4_demuxer_config)MP4_DEMUXER_CONFIG_DEFAULT).read_ahead);
  free(bytes);
}

int main(void) {
  if (!tu_have("ffmpeg")) {
    printf("SKIP: test_mp4_view: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  CHECK(dir != NULL);
  if (!dir) return CHECK_DONE();
  static const struct {
    const char *name, *args;
  } gen[] = {
      {"av.mov", "-c:v libx264 -g 15 -bf 0 -c:a pcm_alaw"},
      {"frag.mp4",
       "-c:v libx265 -x265-params log-level=error -g 15 -an -movflags frag_keyframe+empty_moov+default_base_moof"},
  };
  char cmd[1024], path[256];
  for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, gen[i].name);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=f=440:sample_rate=8000 "
             "-t 3 -pix_fmt yuv420p %s '%s'",
             gen[i].args, path);
    CHECK_EQ_INT(tu_system(cmd), 0);
    check_file(path);
  }
  mp4_io bad;
  CHECK_EQ_INT(mp4_io_file_open(&bad, path, "x"), ERR_EINVAL);
  return CHECK_DONE();
}
