/* A file that shrinks while the demuxer has it open (another process truncates it): mapped
   ("m"), a frame already handed out reads zeros where the file is gone and the process lives on;
   the demuxer's next call fails with ERR_ETRUNC, and so does every later one, seek included.
   A frame the demuxer builds itself from the mapping (Annex-B) is never zeros handed out as
   data: every frame it gives is the file's (the same as a demuxer over an intact copy), then
   ERR_ETRUNC. Read ("r"), the same error once reading reaches the new end. */

/* Built twice: for Linux's system calls, and for the board's (test_mp4_shrink_rtsmart), where
   files are not mapped and "m" reads (base/filemap.h). */
#ifndef FILES_MAP
#define FILES_MAP 1
#endif

#include "base/errors.h"
#include "check.h"
#include "mp4test.h"

static uint64_t hash(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h ^ n;
}

static int copy_file(const char *from, const char *to) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
  return tu_system(cmd);
}

enum { MAX_FRAMES = 4096 };

/* The frames' hashes from an intact file, Annex-B or as stored. */
static size_t reference(const char *path, bool annexb, uint64_t *out) {
  mp4_io io;
  CHECK_EQ_INT(mp4_io_file_open(&io, path, "r"), 0);
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.annexb = annexb;
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, &cfg, &io), 0);
  size_t n = 0;
  for (mp4_frame f; d && mp4_demuxer_get_frame(d, &f) == 0 && !f.eof && n < MAX_FRAMES;)
    out[n++] = hash(f.data, f.size);
  mp4_demuxer_close(d);
  mp4_io_file_close(&io);
  return n;
}

/* Opens a copy of `src` in `mode`, reads frames until one lies past 60% of the file (mapped as
   stored: by where its bytes are; else by count), shrinks the copy to 30% from another process,
   and reads on, reading every byte of every frame, until the error, which is ERR_ETRUNC and
   stays. */
static void shrink_while_open(const char *src, const char *work, const char *mode, bool annexb, const uint64_t *ref,
                              size_t nref) {
  CHECK_EQ_INT(copy_file(src, work), 0);
  size_t len = 0;
  uint8_t *bytes = tu_read(work, &len);
  free(bytes);
  mp4_io io;
  CHECK_EQ_INT(mp4_io_file_open(&io, work, mode), 0);
  bool mapped = io.view != NULL;
  CHECK(mapped == (mode[0] == 'm' && FILES_MAP));
  const uint8_t *base = mapped ? io.view(io.user, 0, len) : NULL;
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.annexb = annexb;
  cfg.read_ahead = 16 << 10; /* read: not the whole (small) file ahead before the shrink */
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, &cfg, &io), 0);
  if (!d) return;
  size_t n = 0, bad = 0, last_bad = 0;
  int rc = 0;
  bool shrunk = false;
  mp4_frame f;
  while ((rc = mp4_demuxer_get_frame(d, &f)) == 0 && !f.eof) {
    n++;
    bool past = mapped && !annexb ? f.data >= base + len * 6 / 10 : n > nref * 6 / 10;
    if (!shrunk && past) {
      CHECK(tu_truncate_elsewhere(work, len * 3 / 10));
      shrunk = true;
    }
    /* A consumer reads every byte: a frame lent in place from past the new end reads zeros. */
    if (n > nref || hash(f.data, f.size) != ref[n - 1]) bad++, last_bad = n;
  }
  printf("%s annexb %d: %zu frames of %zu, %zu not as in the file, then %s\n", mode, annexb, n, nref, bad,
         err_name(rc));
  CHECK(shrunk);
  CHECK_EQ_INT(rc, ERR_ETRUNC);
  CHECK(n < nref);
  /* Every frame the demuxer read itself was the file's. One lent in place can read zeros (the
     one whose read found the file shrunk), and only the last before the error: mapped as stored,
     the frame in hand when the file shrank (past the new end) is that one. */
  if (!mapped) CHECK_EQ_INT(bad, 0);
  else if (!annexb) CHECK(bad == 1 && last_bad == n);
  else CHECK(bad == 0 || (bad == 1 && last_bad == n));
  CHECK_EQ_INT(mp4_demuxer_get_frame(d, &f), ERR_ETRUNC);
  if (mapped) CHECK_EQ_INT(mp4_demuxer_seek(d, 0), ERR_ETRUNC); /* the view is gone for good */
  mp4_demuxer_close(d);
  mp4_io_file_close(&io);
}

int main(void) {
  if (!tu_have("ffmpeg")) {
    printf("SKIP: test_mp4_shrink: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  CHECK(dir != NULL);
  if (!dir) return CHECK_DONE();
  char src[256], work[256], cmd[1024];
  snprintf(src, sizeof src, "%s/av.mov", dir);
  snprintf(work, sizeof work, "%s/work.mov", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=640x480:rate=30 -f lavfi -i sine=f=440:sample_rate=8000 "
           "-t 4 -pix_fmt yuv420p -c:v libx264 -g 15 -bf 0 -c:a pcm_alaw '%s'",
           src);
  CHECK_EQ_INT(tu_system(cmd), 0);
  static uint64_t ref[2][MAX_FRAMES];
  size_t nref[2];
  for (int annexb = 0; annexb < 2; annexb++) nref[annexb] = reference(src, annexb, ref[annexb]);
  CHECK(nref[0] > 100 && nref[0] == nref[1]);
  for (int annexb = 0; annexb < 2; annexb++) {
    shrink_while_open(src, work, "m", annexb, ref[annexb], nref[annexb]);
    shrink_while_open(src, work, "r", annexb, ref[annexb], nref[annexb]);
  }
  return CHECK_DONE();
}
