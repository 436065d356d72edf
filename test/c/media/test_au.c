/* media/au.h: splitting real x264/x265 streams in 40 KB chunks, in 1-byte chunks and whole gives
   the same access units, their count equals ffprobe's frame count, and they concatenate back to the
   input; the pull reader gives the very same units (bytes, flags, stream offsets) in place over a
   buffer and through read() of any size, the buffer case without a copy, each unit with the
   table of exactly the start codes a search of its bytes finds; the size limit drops
   oversized units and resynchronises, in both front ends. */
#include "media/au.h"

#include "check.h"
#include "base/errors.h"

typedef struct {
  size_t count, keys, bytes;
  uint64_t hash;   /* order-sensitive hash of every unit's bytes and size */
  uint8_t *concat; /* all units back to back */
  size_t concat_cap;
  int not_start;  /* units that do not begin with a start code */
  int bad_tables; /* units whose NAL table is not what a search of their bytes finds */
  bool reader;    /* the units are the pull reader's (with tables) */
} au_list;

/* A reader unit's NAL table lists exactly the start codes a search of its bytes finds (what
   mp4_muxer_write_nals relies on); the splitter's units carry none. */
static void check_table(au_list *l, const media_au *au, bool reader) {
  if (!reader) {
    l->bad_tables += au->nals.count != 0;
    return;
  }
  size_t k = 0;
  bool ok = au->nals.count > 0;
  for (size_t sc = media_annexb_find_start(au->data, au->size, 0); sc < au->size && ok;
       sc = media_annexb_find_start(au->data, au->size, sc + 3), k++)
    ok = k < au->nals.count && au->nals.starts[k] == sc;
  ok = ok && k == au->nals.count && media_nal_table_fits(&au->nals, au->data, au->size);
  l->bad_tables += !ok;
}

static void on_au(void *user, const media_au *au) {
  au_list *l = user;
  check_table(l, au, l->reader);
  l->count++;
  l->keys += au->keyframe;
  for (size_t i = 0; i < au->size; i++) l->hash = (l->hash ^ au->data[i]) * 1099511628211ull;
  l->hash = (l->hash ^ au->size) * 1099511628211ull;
  l->hash = (l->hash ^ au->offset) * 1099511628211ull;
  size_t sc = media_annexb_find_start(au->data, au->size, 0);
  int leading_zeros_only = 1;
  for (size_t i = 0; i < sc && i < au->size; i++) leading_zeros_only &= au->data[i] == 0;
  if (sc >= au->size || !leading_zeros_only) l->not_start++;
  if (l->concat && l->bytes + au->size <= l->concat_cap) memcpy(l->concat + l->bytes, au->data, au->size);
  l->bytes += au->size;
}

/* Returns the units dropped as too large. */
static uint64_t split(media_codec codec, const uint8_t *buf, size_t len, size_t chunk, au_list *l, size_t max_au) {
  media_au_config cfg = MEDIA_AU_CONFIG_DEFAULT;
  cfg.codec = codec;
  cfg.on_au = on_au;
  cfg.user = l;
  if (max_au) cfg.max_au_size = max_au;
  media_au_splitter *s;
  CHECK_EQ_INT(media_au_open(&s, &cfg), 0);
  int limit_hit = 0;
  for (size_t off = 0; off < len; off += chunk) {
    size_t n = len - off < chunk ? len - off : chunk;
    int rc = media_au_feed(s, buf + off, n);
    if (rc == ERR_ELIMIT) limit_hit = 1;
    else CHECK_EQ_INT(rc, 0);
  }
  CHECK_EQ_INT(media_au_flush(s), 0);
  CHECK_EQ_INT(l->bad_tables, 0);
  if (max_au) CHECK(limit_hit && media_au_dropped(s) > 0);
  uint64_t dropped = media_au_dropped(s);
  media_au_close(s);
  return dropped;
}

/* A read() over memory that hands out at most `step` bytes per call. */
typedef struct {
  const uint8_t *p;
  size_t len, pos, step;
  int calls;
} mem_src;
static int64_t mem_read(void *user, void *buf, size_t n) {
  mem_src *m = user;
  size_t k = m->len - m->pos;
  if (k > n) k = n;
  if (k > m->step) k = m->step;
  memcpy(buf, m->p + m->pos, k);
  m->pos += k;
  m->calls++;
  return (int64_t)k;
}

/* Pulls every unit. step 0: the reader scans `buf` itself. Returns the ERR_ELIMIT count. */
static int pull(media_codec codec, const uint8_t *buf, size_t len, size_t step, au_list *l, size_t max_au,
                size_t read_size) {
  media_au_reader_config cfg = MEDIA_AU_READER_CONFIG_DEFAULT;
  cfg.codec = codec;
  if (max_au) cfg.max_au_size = max_au;
  mem_src src = {buf, len, 0, step, 0};
  l->reader = true;
  if (step) {
    cfg.read = mem_read;
    cfg.user = &src;
    cfg.read_size = read_size;
  } else {
    cfg.data = buf;
    cfg.size = len;
  }
  media_au_reader *r;
  CHECK_EQ_INT(media_au_reader_open(&r, &cfg), 0);
  int limits = 0;
  for (;;) {
    media_au au;
    int rc = media_au_next(r, &au);
    if (rc == ERR_ELIMIT) {
      limits++;
      continue;
    }
    if (rc <= 0) {
      CHECK_EQ_INT(rc, 0);
      break;
    }
    if (!step) CHECK(au.data >= buf && au.data + au.size <= buf + len); /* in place */
    on_au(l, &au);
  }
  media_au au;
  CHECK_EQ_INT(media_au_next(r, &au), 0); /* stays at the end */
  CHECK_EQ_INT(media_au_reader_dropped(r), limits);
  CHECK_EQ_INT(l->bad_tables, 0);
  media_au_reader_close(r);
  return limits;
}

static void check_stream(const char *dir, const char *name, const char *args, media_codec codec) {
  char cmd[1024], path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=640x360:rate=30 -t 2 -g 20 -pix_fmt yuv420p %s '%s'", args,
           path);
  if (tu_system(cmd) != 0) {
    CHECK(0);
    return;
  }
  size_t len;
  uint8_t *buf = tu_read(path, &len);
  CHECK(buf != NULL);
  if (!buf) return;
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 '%s'",
           path);
  long frames = tu_popen_num(cmd);

  au_list whole = {0}, chunked = {0}, bytes = {0};
  whole.concat = malloc(len);
  whole.concat_cap = len;
  split(codec, buf, len, len, &whole, 0);
  split(codec, buf, len, 40 * 1024, &chunked, 0);
  split(codec, buf, len, 1, &bytes, 0);
  printf("%s: %zu bytes, %zu AUs (%zu key), ffprobe %ld frames\n", name, len, whole.count, whole.keys, frames);
  CHECK_EQ_INT(whole.count, frames);
  CHECK_EQ_INT(whole.keys, 3); /* 60 frames, GOP 20 */
  CHECK_EQ_INT(chunked.count, whole.count);
  CHECK_EQ_INT(chunked.hash, whole.hash);
  CHECK_EQ_INT(bytes.count, whole.count);
  CHECK_EQ_INT(bytes.hash, whole.hash);
  CHECK_EQ_INT(whole.not_start, 0);
  CHECK_EQ_INT(whole.bytes, len);
  CHECK(whole.bytes == len && memcmp(whole.concat, buf, len) == 0);

  /* The reader: in place, and through reads of many sizes (odd, tiny, bigger than the file). */
  au_list mem = {0};
  pull(codec, buf, len, 0, &mem, 0, 0);
  CHECK_EQ_INT(mem.count, whole.count);
  CHECK_EQ_INT(mem.keys, whole.keys);
  CHECK_EQ_INT(mem.hash, whole.hash);
  static const size_t steps[][2] = {{1, 1}, {7, 4096}, {4096, 64}, {40 * 1024, 0}, {1u << 30, 1u << 20}};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    au_list got = {0};
    pull(codec, buf, len, steps[i][0], &got, 0, steps[i][1]);
    CHECK_EQ_INT(got.count, whole.count);
    CHECK_EQ_INT(got.hash, whole.hash);
  }

  /* A limit under a third of the keyframe size: keyframes are dropped, the rest still split. */
  /* Every unit is either delivered or counted as dropped, once. */
  au_list limited = {0};
  uint64_t dropped = split(codec, buf, len, 40 * 1024, &limited, 1500);
  CHECK(limited.count > 0 && limited.count < whole.count);
  CHECK_EQ_INT(limited.count + dropped, whole.count);
  au_list rlimited = {0};
  int limits = pull(codec, buf, len, 40 * 1024, &rlimited, 1500, 1024);
  CHECK_EQ_INT(rlimited.count, limited.count);
  CHECK_EQ_INT(rlimited.hash, limited.hash);
  CHECK_EQ_INT(rlimited.count + limits, whole.count);
  free(whole.concat);
  free(buf);
}

int main(void) {
  media_au_config bad = MEDIA_AU_CONFIG_DEFAULT;
  media_au_splitter *s;
  CHECK_EQ_INT(media_au_open(&s, &bad), ERR_EINVAL); /* no callback */

  /* Synthetic: AUD, SPS, PPS, IDR in two slices, P, P with leading garbage and a 4-byte tail. */
  static const uint8_t syn[] = {
      0xFF, 0xFF, 0, 0, 0,    1,    0x09, 0xF0, 0, 0, 0,    1,    0x67, 0x42, 0, 0, 1,
      0x68, 0xCE, 0, 0, 1,    0x65, 0x88, 0x11, 0, 0, 1,    0x65, 0x12, 0x22, /* first_mb != 0 */
      0,    0,    0, 1, 0x41, 0x9A, 0x33, 0,    0, 1, 0x41, 0x9A, 0x44, 0,    0, 0, 0};
  for (size_t chunk = 1; chunk <= sizeof syn; chunk++) {
    au_list l = {0};
    split(MEDIA_CODEC_H264, syn, sizeof syn, chunk, &l, 0);
    CHECK_EQ_INT(l.count, 3);
    CHECK_EQ_INT(l.keys, 1);
    CHECK_EQ_INT(l.bytes, sizeof syn - 2 - 4); /* garbage and trailing zeros dropped */
    au_list r = {0};
    pull(MEDIA_CODEC_H264, syn, sizeof syn, chunk, &r, 0, chunk);
    CHECK_EQ_INT(r.count, 3);
    CHECK_EQ_INT(r.hash, l.hash);
  }
  au_list in_place = {0};
  pull(MEDIA_CODEC_H264, syn, sizeof syn, 0, &in_place, 0, 0);
  CHECK_EQ_INT(in_place.count, 3);

  /* An empty source, a source of garbage only, bad configurations. */
  au_list none = {0};
  pull(MEDIA_CODEC_H264, syn, 0, 0, &none, 0, 0);
  pull(MEDIA_CODEC_H264, syn, 2, 1, &none, 0, 0);
  CHECK_EQ_INT(none.count, 0);
  media_au_reader_config rc = MEDIA_AU_READER_CONFIG_DEFAULT;
  media_au_reader *r;
  rc.size = 10; /* bytes but no data */
  CHECK_EQ_INT(media_au_reader_open(&r, &rc), ERR_EINVAL);
  rc.size = 0;
  rc.codec = (media_codec)9;
  CHECK_EQ_INT(media_au_reader_open(&r, &rc), ERR_EINVAL);

  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed; stream tests skipped\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  CHECK(dir != NULL);
  if (dir) {
    check_stream(dir, "a.264", "-c:v libx264 -bf 2 -x264-params slices=3 -f h264", MEDIA_CODEC_H264);
    check_stream(dir, "b.264", "-c:v libx264 -x264-params aud=1 -f h264", MEDIA_CODEC_H264);
    check_stream(dir, "a.265", "-c:v libx265 -x265-params log-level=error:slices=2 -f hevc", MEDIA_CODEC_H265);
  }
  return CHECK_DONE();
}
