/* Power loss: a child records a fragmented file and dies (_exit) at a seeded random byte, part-way
   through a write, 20 times. Every file must demux up to its last complete fragment, agree with
   ffprobe's packet count, and decode in ffmpeg without a message. */
#include <sys/wait.h>

#include "check.h"
#include "hal/errors.h"
#include "mp4test.h"

typedef struct { mp4_io inner; size_t budget; } dying_io;

static int dying_write(void *u, const void *p, size_t n) {
  dying_io *d = u;
  if (n >= d->budget) {
    d->inner.write(d->inner.user, p, d->budget); /* the part that reached the disk */
    d->inner.flush(d->inner.user);
    _exit(0);
  }
  d->budget -= n;
  return d->inner.write(d->inner.user, p, n);
}
static int64_t fw_read(void *u, void *p, size_t n) { dying_io *d = u; return d->inner.read(d->inner.user, p, n); }
static int fw_seek(void *u, uint64_t o) { dying_io *d = u; return d->inner.seek(d->inner.user, o); }
static int64_t fw_tell(void *u) { dying_io *d = u; return d->inner.tell(d->inner.user); }
static int64_t fw_size(void *u) { dying_io *d = u; return d->inner.size(d->inner.user); }
static int fw_flush(void *u) { dying_io *d = u; return d->inner.flush(d->inner.user); }

static aus v;
static uint8_t *alaw;
static size_t alaw_len;

static void record(const char *path, size_t budget) {
  dying_io d = {{0}, budget};
  if (mp4_io_file_open(&d.inner, path, "w")) _exit(2);
  mp4_io io = {dying_write, fw_read, fw_seek, fw_tell, fw_size, fw_flush, fw_flush, &d};
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.fragment_us = 300000;
  cfg.sync = MP4_SYNC_FLUSH;
  mp4_muxer *m;
  if (mp4_muxer_open(&m, &cfg, &io)) _exit(2);
  int vt = mp4_muxer_add_video(m, MP4_CODEC_H264, 160, 120);
  int at = mp4_muxer_add_audio(m, MP4_CODEC_G711A, 8000, 1);
  size_t na = alaw_len / 320;
  for (size_t i = 0, a = 0; i < v.n;) {
    int64_t vp = (int64_t)i * 100000 / 3, ap = a < na ? (int64_t)a * 40000 : INT64_MAX;
    if (vp <= ap) {
      if (mp4_muxer_write(m, vt, v.data[i], v.size[i], vp, 0)) _exit(3);
      i++;
    } else {
      if (mp4_muxer_write(m, at, alaw + a * 320, 320, ap, 0)) _exit(3);
      a++;
    }
  }
  mp4_muxer_close(m);
  _exit(1); /* the budget was larger than the file */
}

int main(void) {
  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  char cmd[1024], p264[256], pal[256], path[256], out[4096];
  snprintf(p264, sizeof p264, "%s/v.264", dir);
  snprintf(pal, sizeof pal, "%s/a.alaw", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30 -t 4 -pix_fmt yuv420p -g 15 -bf 0 -c:v libx264 -f h264 '%s' && "
           "ffmpeg -v error -y -f lavfi -i sine=sample_rate=8000 -t 4 -c:a pcm_alaw -f alaw '%s'",
           p264, pal);
  CHECK_EQ_INT(tu_run(cmd), 0);
  CHECK_EQ_INT(load_aus(p264, MEDIA_CODEC_H264, &v), 0);
  alaw = tu_read(pal, &alaw_len);
  srand(230);
  int playable = 0;
  for (int trial = 0; trial < 20; trial++) {
    snprintf(path, sizeof path, "%s/p%d.mp4", dir, trial);
    size_t budget = 2000 + (size_t)rand() % 60000;
    pid_t pid = fork();
    if (pid == 0) record(path, budget);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 1));
    size_t n;
    uint8_t *p = tu_read(path, &n);
    if (!p) {
      CHECK(0);
      continue;
    }
    mp4_io io;
    mp4_mem m;
    mp4_io_mem_reader(&io, &m, p, n);
    mp4_demuxer *d;
    int rc = mp4_demuxer_open(&d, NULL, &io);
    long frames = 0;
    if (rc == 0) {
      mp4_frame f;
      while (mp4_demuxer_get_frame(d, &f) == 0 && !f.eof) frames++;
      mp4_demuxer_close(d);
    }
    free(p);
    pkts all = {0};
    int prc = probe_packets(path, &all);
    if (rc == 0) {
      playable++;
      CHECK_EQ_INT(prc, 0);
      /* ffprobe also lists the samples of the cut fragment whose moof made it to disk; we drop
         them, so ours is a prefix of its list, short by at most one fragment (~0.3 s = 17 frames). */
      CHECK(frames <= (long)all.n && (long)all.n - frames <= 20);
      snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' -f null - 2>&1", path);
      out[0] = 0;
      if (frames > 0) run_capture(cmd, out, sizeof out); /* nothing to decode before the first fragment */
      /* ffmpeg may complain only about the truncated last sample of that cut fragment. */
      int other = 0;
      for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (!strstr(line, "partial file") && !strstr(line, "Invalid data found") && !strstr(line, "Invalid NAL unit size") &&
            !strstr(line, "missing picture in access unit") && !strstr(line, "Error splitting the input") &&
            !strstr(line, "Error while decoding") && !strstr(line, "no frame!")) {
          other++;
          fprintf(stderr, "unexpected ffmpeg message: %s\n", line);
        }
      CHECK_EQ_INT(other, 0);
    } else {
      /* Only acceptable before the first fragment is complete. */
      CHECK(rc == HAL_ENOTSUP || rc == HAL_EBADDATA || rc == HAL_ETRUNC);
      CHECK(all.n == 0);
    }
    printf("trial %2d: cut at %5zu of the bytes -> %s, %ld frames (ffprobe %zu)\n", trial, budget,
           rc ? "nothing playable yet" : "plays", frames, all.n);
    free(all.p);
  }
  CHECK(playable >= 15);
  free_aus(&v);
  free(alaw);
  tu_cleanup();
  return CHECK_DONE();
}
