/* Power loss: a child records a file and dies (_exit) part-way through a write, in 36 seeded
   trials: 24 cuts at a random byte of the whole file (fragmented and indexed recordings), 12 cuts
   inside the 4-byte commit of a fragment (none, half or all of it written) and 11 in the indexed
   finalization (9 at every byte of its one switch write). Every cut file must demux to exactly ffprobe's packet list (stream,
   pts, keyframe), decode in `ffmpeg -v error` without a single message, and be accepted by
   gst-discoverer. A clean recording costs exactly 2 fsyncs per fragment (+1 at close). */
#include <sys/wait.h>

#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

typedef struct {
  mp4_io inner;
  size_t budget;      /* bytes that reach the disk before the power goes */
  int commit_kill;    /* die in this fragment's 4-byte commit write (1-based; 0: no) */
  size_t commit_keep; /* ... after this many bytes of it */
  int commits, syncs;
} dying_io;

static void die(dying_io *d, const void *p, size_t n) {
  d->inner.write(d->inner.user, p, n); /* the part that reached the disk */
  d->inner.flush(d->inner.user);
  _exit(0);
}

static int dying_write(void *u, const void *p, size_t n) {
  dying_io *d = u;
  /* The muxer writes headers and sample data in bulk; the only small writes are the fragments'
     4-byte commits and, in indexed finalization, three 8-byte ones (the hidden moov's header,
     the 64-bit size, the switch). */
  if (n <= 8 && ++d->commits == d->commit_kill) die(d, p, d->commit_keep);
  if (n >= d->budget) die(d, p, d->budget);
  d->budget -= n;
  return d->inner.write(d->inner.user, p, n);
}
static int64_t fw_read(void *u, void *p, size_t n) {
  dying_io *d = u;
  return d->inner.read(d->inner.user, p, n);
}
static int fw_seek(void *u, uint64_t o) {
  dying_io *d = u;
  return d->inner.seek(d->inner.user, o);
}
static int64_t fw_tell(void *u) {
  dying_io *d = u;
  return d->inner.tell(d->inner.user);
}
static int64_t fw_size(void *u) {
  dying_io *d = u;
  return d->inner.size(d->inner.user);
}
static int fw_flush(void *u) {
  dying_io *d = u;
  return d->inner.flush(d->inner.user);
}
static int fw_sync(void *u) {
  dying_io *d = u;
  d->syncs++;
  return d->inner.sync(d->inner.user);
}

static aus v;
static uint8_t *alaw;
static size_t alaw_len;

/* Records the test streams; returns (in the parent, without a cut) the muxer's fragment count. */
static int record(const char *path, dying_io *d, mp4_mode mode, mp4_sync_policy sync, uint32_t *fragments) {
  if (mp4_io_file_open(&d->inner, path, "w")) return 2;
  mp4_io io = {dying_write, fw_read, fw_seek, fw_tell, fw_size, fw_flush, fw_sync, d};
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.fragment_us = 300000;
  cfg.sync = sync;
  cfg.mode = mode;
  mp4_muxer *m;
  if (mp4_muxer_open(&m, &cfg, &io)) return 2;
  int vt = mp4_muxer_add_video(m, MP4_CODEC_H264, 160, 120);
  int at = mp4_muxer_add_audio(m, MP4_CODEC_G711A, 8000, 1);
  size_t na = alaw_len / 320;
  for (size_t i = 0, a = 0; i < v.n;) {
    int64_t vp = (int64_t)i * 100000 / 3, ap = a < na ? (int64_t)a * 40000 : INT64_MAX;
    if (vp <= ap) {
      if (mp4_muxer_write(m, vt, v.data[i], v.size[i], vp, 0)) return 3;
      i++;
    } else {
      if (mp4_muxer_write(m, at, alaw + a * 320, 320, ap, 0)) return 3;
      a++;
    }
  }
  *fragments = mp4_muxer_fragments(m);
  int rc = mp4_muxer_close(m);
  mp4_io_file_close(&d->inner);
  return rc ? 4 : 1; /* 1: the cut never came */
}

/* Our frames of a file as ffprobe-style packets (stream = track index, pts in track ticks). */
static int demux_packets(const char *path, pkts *out) {
  size_t n;
  uint8_t *p = tu_read(path, &n);
  if (!p) return ERR_EIO;
  mp4_io io;
  mp4_mem mem;
  mp4_io_mem_reader(&io, &mem, p, n);
  mp4_demuxer *d;
  int rc = mp4_demuxer_open(&d, NULL, &io);
  memset(out, 0, sizeof(*out));
  if (rc == 0) {
    mp4_track_info ti[4];
    mp4_file_info fi;
    mp4_demuxer_file_info(d, &fi);
    for (int i = 0; i < fi.track_count && i < 4; i++) mp4_demuxer_track(d, i, &ti[i]);
    size_t cap = 0;
    mp4_frame f;
    while (mp4_demuxer_get_frame(d, &f) == 0 && !f.eof) {
      int s = f.track_id - 1;
      if (out->n == cap) {
        cap = cap ? cap * 2 : 256;
        out->p = realloc(out->p, cap * sizeof(pkt));
      }
      /* µs back to ticks; exact for 90 kHz and 8 kHz */
      long long ticks = (f.pts_us * (long long)ti[s].timescale + 500000) / 1000000;
      out->p[out->n++] = (pkt){s, ticks, f.keyframe};
    }
    mp4_demuxer_close(d);
  }
  free(p);
  return rc;
}

static int same_packets(const pkts *a, const pkts *b) {
  /* Interleaving may differ between readers: compare per stream. */
  for (int s = 0; s < 2; s++) {
    size_t i = 0, j = 0;
    for (;;) {
      while (i < a->n && a->p[i].stream != s) i++;
      while (j < b->n && b->p[j].stream != s) j++;
      if (i == a->n || j == b->n) {
        if (i != a->n || j != b->n) return 0;
        break;
      }
      if (a->p[i].pts != b->p[j].pts || a->p[i].key != b->p[j].key) {
        fprintf(stderr, "stream %d: ours pts %lld key %d, ffprobe pts %lld key %d\n", s, a->p[i].pts, a->p[i].key,
                b->p[j].pts, b->p[j].key);
        return 0;
      }
      i++, j++;
    }
  }
  return 1;
}

static int trial(const char *dir, int no, size_t budget, int commit_kill, size_t commit_keep, mp4_mode mode) {
  char path[256], cmd[1024], out[4096];
  snprintf(path, sizeof path, "%s/p%d.mp4", dir, no);
  pid_t pid = fork();
  if (pid == 0) {
    dying_io d = {{0}, budget, commit_kill, commit_keep, 0, 0};
    uint32_t frags;
    _exit(record(path, &d, mode, MP4_SYNC_FSYNC, &frags));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 1));
  pkts ours = {0}, theirs = {0};
  int rc = demux_packets(path, &ours);
  int prc = probe_packets(path, &theirs);
  if (rc == 0) {
    CHECK_EQ_INT(prc, 0);
    CHECK_EQ_INT((int)ours.n, (int)theirs.n);
    CHECK(same_packets(&ours, &theirs));
  } else {
    /* Only before the init segment is complete. */
    CHECK(rc == ERR_ENOTSUP || rc == ERR_EBADDATA || rc == ERR_ETRUNC);
    CHECK(theirs.n == 0);
  }
  int errors = 0;
  if (ours.n > 0) {
    /* Zero decoder or demuxer messages: no partial frame is ever visible. */
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -i '%s' -f null - 2>&1", path);
    out[0] = 0;
    run_capture(cmd, out, sizeof out);
    if (out[0]) {
      errors++;
      fprintf(stderr, "trial %d: ffmpeg said: %s\n", no, out);
    }
    CHECK_EQ_INT(errors, 0);
    if (tu_have("gst-discoverer-1.0")) {
      snprintf(cmd, sizeof cmd, "gst-discoverer-1.0 '%s' 2>&1; echo \"exit=$?\"", path);
      run_capture(cmd, out, sizeof out);
      bool ok = strstr(out, "exit=0") && strstr(out, "H.264") && !strstr(out, "rror");
      if (!ok) fprintf(stderr, "trial %d: gst-discoverer said: %s\n", no, out);
      CHECK(ok);
    }
  }
  char where[64];
  if (commit_kill) snprintf(where, sizeof where, "in small write %d after %zu bytes", commit_kill, commit_keep);
  else snprintf(where, sizeof where, "at byte %zu", budget);
  printf("trial %2d (%s): cut %s -> %s, %zu packets (ffprobe %zu), ffmpeg %s\n", no,
         mode == MP4_MODE_INDEXED ? "indexed" : "fragmented", where, rc ? "nothing playable yet" : "plays", ours.n,
         theirs.n, errors ? "ERRORS" : "clean");
  free(ours.p);
  free(theirs.p);
  return rc == 0 && ours.n > 0;
}

int main(void) {
  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  const char *dir = tu_tmpdir();
  char cmd[1024], p264[256], pal[256], path[256];
  snprintf(p264, sizeof p264, "%s/v.264", dir);
  snprintf(pal, sizeof pal, "%s/a.alaw", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30 -t 8 -pix_fmt yuv420p -g 15 -bf 0 -c:v libx264 "
           "-f h264 '%s' && "
           "ffmpeg -v error -y -f lavfi -i sine=sample_rate=8000 -t 8 -c:a pcm_alaw -f alaw '%s'",
           p264, pal);
  CHECK_EQ_INT(tu_system(cmd), 0);
  CHECK_EQ_INT(load_aus(p264, MEDIA_CODEC_H264, &v), 0);
  alaw = tu_read(pal, &alaw_len);

  /* The cost of the two-phase commit, and the sizes of full recordings. */
  size_t full[2];
  uint32_t frags_indexed = 0;
  for (int mode = 0; mode < 2; mode++) {
    snprintf(path, sizeof path, "%s/full%d.mp4", dir, mode);
    dying_io d = {{0}, SIZE_MAX, 0, 0, 0, 0};
    uint32_t frags = 0;
    CHECK_EQ_INT(record(path, &d, mode ? MP4_MODE_INDEXED : MP4_MODE_FRAGMENTED, MP4_SYNC_FSYNC, &frags), 1);
    CHECK(frags >= 10);
    /* 2 per fragment (data, commit), the last fragment's at close, and 1 for the close itself
       (indexed: +1 between the final moov and hiding the fragments). */
    CHECK_EQ_INT(d.syncs, 2 * ((int)frags + 1) + 1 + mode);
    printf("%s: %u fragments + the last, %d fsyncs\n", mode ? "indexed" : "fragmented", frags, d.syncs);
    free(tu_read(path, &full[mode]));
    frags_indexed = frags;
  }

  srand(230);
  int playable = 0, no = 0;
  for (int i = 0; i < 24; i++) {
    mp4_mode mode = i % 3 == 2 ? MP4_MODE_INDEXED : MP4_MODE_FRAGMENTED;
    size_t budget = 1000 + (size_t)rand() % full[mode];
    playable += trial(dir, no++, budget, 0, 0, mode);
  }
  for (int k = 1; k <= 4; k++)
    for (size_t keep = 0; keep <= 4; keep += 2) playable += trial(dir, no++, SIZE_MAX, k, keep, MP4_MODE_FRAGMENTED);
  /* Cuts in the indexed finalization, above all inside the switch write, at every byte. */
  for (int k = 1; k <= 2; k++) playable += trial(dir, no++, SIZE_MAX, (int)frags_indexed + 1 + k, 4, MP4_MODE_INDEXED);
  for (size_t keep = 0; keep <= 8; keep++)
    playable += trial(dir, no++, SIZE_MAX, (int)frags_indexed + 4, keep, MP4_MODE_INDEXED);
  CHECK(playable >= 35);
  free_aus(&v);
  free(alaw);
  return CHECK_DONE();
}
