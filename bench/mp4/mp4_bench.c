/* bench/mp4 driver: libs/mp4 through its C API, as bench/mp4/run.mjs measures it against cp,
   ffmpeg and GStreamer (bench/README.md). One JSON line on stdout per run.

     mp4_bench mux <in.h264|in.h265> <in.alaw> <out.mp4> [fragmented|indexed|faststart] [none|flush|fsync] [rss] [map] [search]
         Annex-B file -> access units (media_au_reader, in its read buffer; with "map", in place in
         the mapped file) -> muxer (mp4_muxer_write_nals: the reader's NAL table, no second search;
         with "search", mp4_muxer_write, which searches each unit again), 30 fps, with 40 ms G.711
         chunks interleaved by time, both inputs streamed. With "rss", the RSS is sampled every second of media time (from 10 s on,
         and again from STEADY_S on, once every second of the repeated 60 s content has been muxed in a whole fragment;
         off for timing runs: it costs a /proc read per second).
     mp4_bench split <in.h264|in.h265> [map]   the splitter alone: every access unit of the stream
         found (media_au_reader, in its read buffer or in place in the mapped file), nothing written:
         the part of a mux that reads every input byte, as a row beside the mux and cp
     mp4_bench demux <in.mp4> [read|map]   every frame of every track, as stored (length-prefixed),
         read through the demuxer's read-ahead, or in place in the mapped file (each page then touched)
     mp4_bench remux <in.mp4> <out.mp4> [fragmented|indexed]   demuxer (Annex-B) -> muxer */
#define _GNU_SOURCE /* MAP_POPULATE */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "media/au.h"
#include "mp4/demuxer.h"
#include "mp4/muxer.h"

#define FPS 30
#define AUDIO_CHUNK 320 /* 40 ms at 8 kHz */
#define AUDIO_READ (800 * AUDIO_CHUNK)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * 4; /* 4 KiB pages */
}

static long peak_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void die(const char *what, int rc, const char *detail) {
  fprintf(stderr, "mp4_bench: %s failed (%d) %s\n", what, rc, detail ? detail : "");
  exit(1);
}

/* An io that counts fsyncs and the time spent in them. */
typedef struct {
  mp4_io inner;
  int syncs;
  double sync_s;
} counting_io;
static int c_write(void *u, const void *p, size_t n) {
  counting_io *c = u;
  return c->inner.write(c->inner.user, p, n);
}
static int64_t c_read(void *u, void *p, size_t n) {
  counting_io *c = u;
  return c->inner.read(c->inner.user, p, n);
}
static int c_seek(void *u, uint64_t o) {
  counting_io *c = u;
  return c->inner.seek(c->inner.user, o);
}
static int64_t c_tell(void *u) {
  counting_io *c = u;
  return c->inner.tell(c->inner.user);
}
static int64_t c_size(void *u) {
  counting_io *c = u;
  return c->inner.size(c->inner.user);
}
static int c_flush(void *u) {
  counting_io *c = u;
  return c->inner.flush(c->inner.user);
}
static int c_sync(void *u) {
  counting_io *c = u;
  double t = now_s();
  int rc = c->inner.sync(c->inner.user);
  c->sync_s += now_s() - t;
  c->syncs++;
  return rc;
}

static mp4_muxer *open_muxer(counting_io *c, const char *path, const char *mode, const char *sync) {
  int rc = mp4_io_file_open(&c->inner, path, "w");
  if (rc) die("open output", rc, path);
  mp4_io io = {c_write, c_read, c_seek, c_tell, c_size, c_flush, c_sync, c};
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.mode = !mode || !strcmp(mode, "fragmented") ? MP4_MODE_FRAGMENTED
             : !strcmp(mode, "indexed")           ? MP4_MODE_INDEXED
                                                  : MP4_MODE_FASTSTART;
  cfg.sync = !sync || !strcmp(sync, "none") ? MP4_SYNC_NONE : !strcmp(sync, "flush") ? MP4_SYNC_FLUSH : MP4_SYNC_FSYNC;
  mp4_muxer *m;
  if ((rc = mp4_muxer_open(&m, &cfg, &io))) die("mp4_muxer_open", rc, NULL);
  return m;
}

/* ---- mux ---- */

/* The RSS follows the largest fragment muxed so far. The inputs repeat a 60 s stream whose first
   second is its largest (the encoder's start), and a recording's first fragment is cut early (at its
   second keyframe, muxer.h), so that second first lands in one whole fragment at 60-61 s: from 62 s
   on every part of the content has been muxed the way it will be again, and growth is creep. */
#define STEADY_S 62

typedef struct mux_run {
  mp4_muxer *m;
  int vt, at;
  FILE *alaw;
  uint64_t frames, audio_chunks, bytes_in;
  bool sample_rss;
  bool search;                     /* mp4_muxer_write: the muxer searches each unit again */
  long rss_min, rss_max;           /* sampled after the first 10 s of media */
  long rss_first;                  /* at 10 s */
  long rss_steady, rss_max_steady; /* at and from STEADY_S */
} mux_run;

/* Audio chunks up to time `until_us`. */
static void feed_audio(mux_run *r, int64_t until_us) {
  uint8_t buf[AUDIO_CHUNK];
  for (;;) {
    int64_t pts = (int64_t)r->audio_chunks * 40000;
    if (pts >= until_us) return; /* video first at equal times: it starts the timeline */
    if (fread(buf, 1, AUDIO_CHUNK, r->alaw) != AUDIO_CHUNK) return;
    int rc = mp4_muxer_write(r->m, r->at, buf, AUDIO_CHUNK, pts, 0);
    if (rc) die("write audio", rc, mp4_muxer_last_error(r->m));
    r->audio_chunks++;
    r->bytes_in += AUDIO_CHUNK;
  }
}

static void on_au(mux_run *r, const media_au *au) {
  int64_t pts = (int64_t)(r->frames * 1000000 / FPS);
  feed_audio(r, pts);
  int rc = mp4_muxer_write_nals(r->m, r->vt, au->data, au->size, r->search ? NULL : &au->nals, pts,
                                au->keyframe ? MP4_FRAME_KEYFRAME : 0);
  if (rc) die("write video", rc, mp4_muxer_last_error(r->m));
  r->frames++;
  r->bytes_in += au->size;
  if (r->sample_rss && r->frames % FPS == 0 && r->frames >= 10 * FPS) {
    long kib = rss_kib();
    if (!r->rss_first) r->rss_first = r->rss_min = r->rss_max = kib;
    if (kib < r->rss_min) r->rss_min = kib;
    if (kib > r->rss_max) r->rss_max = kib;
    if (r->frames >= STEADY_S * FPS) {
      if (!r->rss_steady) r->rss_steady = kib;
      if (kib > r->rss_max_steady) r->rss_max_steady = kib;
    }
  }
}

static int64_t read_file(void *user, void *buf, size_t n) {
  ssize_t k = read(*(int *)user, buf, n);
  return k < 0 ? -1 : (int64_t)k;
}

static bool is_h265(const char *path) {
  size_t n = strlen(path);
  return n > 5 && (!strcmp(path + n - 5, ".h265") || !strcmp(path + n - 5, ".hevc"));
}

/* A raw stream's access units, read() into the reader's buffer or (map) split in place in the
   file mapped whole. */
typedef struct units {
  media_au_reader *rd;
  int fd;
  void *mapped;
  size_t size;
} units;

static void units_open(units *u, const char *video, bool map) {
  bool h265 = is_h265(video);
  *u = (units){NULL, open(video, O_RDONLY), NULL, 0};
  if (u->fd < 0) die("open input", -1, video);
  media_au_reader_config ac = MEDIA_AU_READER_CONFIG_DEFAULT;
  ac.codec = h265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
  ac.max_au_size = 4u << 20;
  if (map) {
    /* The units stay in place in the mapping: the bytes reach user space without a read() copy. */
    struct stat sb;
    if (fstat(u->fd, &sb) || !sb.st_size) die("stat input", -1, video);
    u->size = (size_t)sb.st_size;
    u->mapped = mmap(NULL, u->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, u->fd, 0);
    if (u->mapped == MAP_FAILED) die("map input", -1, video);
    ac.data = u->mapped;
    ac.size = u->size;
  } else {
    ac.read = read_file;
    ac.user = &u->fd;
  }
  int rc = media_au_reader_open(&u->rd, &ac);
  if (rc) die("media_au_reader_open", rc, NULL);
}

static void units_close(units *u) {
  media_au_reader_close(u->rd);
  if (u->mapped) munmap(u->mapped, u->size);
  close(u->fd);
}

static int cmd_split(int argc, char **argv) {
  if (argc < 3) return 2;
  bool map = argc > 3 && !strcmp(argv[3], "map");
  if (argc > 3 && !map) die("split option", -1, argv[3]);
  double t0 = now_s();
  units u;
  units_open(&u, argv[2], map);
  media_au au;
  uint64_t frames = 0, bytes = 0;
  int rc;
  while ((rc = media_au_next(u.rd, &au)) == 1) {
    frames++;
    bytes += au.size;
  }
  if (rc < 0) die("media_au_next", rc, argv[2]);
  units_close(&u);
  printf("{\"frames\":%llu,\"bytesIn\":%llu,\"seconds\":%.6f}\n", (unsigned long long)frames, (unsigned long long)bytes,
         now_s() - t0);
  return 0;
}

static int cmd_mux(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *video = argv[2], *alaw = argv[3], *out = argv[4];
  const char *mode = argc > 5 ? argv[5] : "fragmented", *sync = argc > 6 ? argv[6] : "none";
  bool h265 = is_h265(video);
  double t0 = now_s();
  counting_io c = {0};
  mux_run r = {0};
  bool map = false;
  for (int i = 7; i < argc; i++) {
    if (!strcmp(argv[i], "rss")) r.sample_rss = true;
    else if (!strcmp(argv[i], "map")) map = true;
    else if (!strcmp(argv[i], "search")) r.search = true;
    else die("mux option", -1, argv[i]);
  }
  r.m = open_muxer(&c, out, mode, sync);
  r.vt = mp4_muxer_add_video(r.m, h265 ? MP4_CODEC_H265 : MP4_CODEC_H264, 1920, 1080);
  r.at = mp4_muxer_add_audio(r.m, MP4_CODEC_G711A, 8000, 1);
  r.alaw = fopen(alaw, "rb");
  if (!r.alaw) die("open input", -1, alaw);
  setvbuf(r.alaw, NULL, _IOFBF, AUDIO_READ); /* read as the JS driver does: 256,000 bytes at a time */
  units u;
  units_open(&u, video, map);
  media_au au;
  int rc;
  while ((rc = media_au_next(u.rd, &au)) == 1) on_au(&r, &au);
  if (rc < 0) die("media_au_next", rc, video);
  units_close(&u);
  feed_audio(&r, INT64_MAX); /* the rest of the audio */
  fclose(r.alaw);
  long rss_before_close = rss_kib();
  /* malloc's bytes in use (the index lives there): exact, where RSS moves by pages and by what the
     allocator keeps. */
  struct mallinfo2 mi = mallinfo2();
  size_t heap_before_close = mi.uordblks + mi.hblkhd;
  uint32_t frags = mp4_muxer_fragments(r.m);
  if ((rc = mp4_muxer_close(r.m))) die("mp4_muxer_close", rc, NULL);
  mp4_io_file_close(&c.inner);
  double t = now_s() - t0;
  printf(
      "{\"frames\":%llu,\"audioChunks\":%llu,\"bytesIn\":%llu,\"seconds\":%.6f,\"fragments\":%u,"
      "\"fsyncs\":%d,\"fsyncSeconds\":%.6f,\"rssFirstKiB\":%ld,\"rssMinKiB\":%ld,\"rssMaxKiB\":%ld,"
      "\"rssSteadyKiB\":%ld,\"rssMaxSteadyKiB\":%ld,\"rssBeforeCloseKiB\":%ld,\"heapBeforeCloseBytes\":%zu,"
      "\"peakRssKiB\":%ld}\n",
      (unsigned long long)r.frames, (unsigned long long)r.audio_chunks, (unsigned long long)r.bytes_in, t, frags + 1,
      c.syncs, c.sync_s, r.rss_first, r.rss_min, r.rss_max, r.rss_steady, r.rss_max_steady, rss_before_close,
      heap_before_close, peak_rss_kib());
  return 0;
}

/* ---- demux / remux ---- */

static int cmd_demux(int argc, char **argv, bool remux) {
  if (argc < (remux ? 4 : 3)) return 2;
  double t0 = now_s();
  mp4_io in;
  /* demux <in> [read|map]: the input read, or viewed in place (mp4_io_file_open mode "m") */
  bool mapped = !remux && argc > 3 && !strcmp(argv[3], "map");
  int rc = mp4_io_file_open(&in, argv[2], mapped ? "m" : "r");
  if (rc) die("open input", rc, argv[2]);
  if (mapped && !in.view) die("map input", -1, argv[2]);
  mp4_demuxer_config dc = MP4_DEMUXER_CONFIG_DEFAULT;
  dc.annexb = remux; /* the muxer takes Annex-B; a plain demux keeps the stored form, like -c copy */
  mp4_demuxer *d;
  if ((rc = mp4_demuxer_open(&d, &dc, &in))) die("mp4_demuxer_open", rc, NULL);
  counting_io c = {0};
  mp4_muxer *m = NULL;
  int map[16] = {0};
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  if (remux) {
    m = open_muxer(&c, argv[3], argc > 4 ? argv[4] : "indexed", "none");
    for (int i = 0; i < fi.track_count && i < 16; i++) {
      mp4_track_info ti;
      mp4_demuxer_track(d, i, &ti);
      int id = ti.kind == MP4_TRACK_VIDEO ? mp4_muxer_add_video(m, ti.codec, ti.width, ti.height)
                                          : mp4_muxer_add_audio(m, ti.codec, ti.sample_rate, ti.channels);
      if (id < 0) die("add track", id, mp4_muxer_last_error(m));
      if (ti.track_id >= 0 && ti.track_id < 16) map[ti.track_id] = id;
    }
  }
  uint64_t frames = 0, bytes = 0;
  volatile uint8_t touched = 0;
  for (;;) {
    mp4_frame f;
    if ((rc = mp4_demuxer_get_frame(d, &f))) die("get_frame", rc, NULL);
    if (f.eof) break;
    frames++;
    bytes += f.size;
    /* In place, a frame's pages are mapped only when touched: touch each, as a consumer would. */
    if (mapped)
      for (size_t i = 0; i < f.size; i += 4096) touched += f.data[i];
    if (m && (rc = mp4_muxer_write(m, map[f.track_id], f.data, f.size, f.pts_us, f.keyframe ? MP4_FRAME_KEYFRAME : 0)))
      die("write", rc, mp4_muxer_last_error(m));
  }
  if (m) {
    if ((rc = mp4_muxer_close(m))) die("mp4_muxer_close", rc, NULL);
    mp4_io_file_close(&c.inner);
  }
  mp4_demuxer_close(d);
  mp4_io_file_close(&in);
  printf("{\"frames\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"peakRssKiB\":%ld}\n", (unsigned long long)frames,
         (unsigned long long)bytes, now_s() - t0, peak_rss_kib());
  return 0;
}

int main(int argc, char **argv) {
  int rc = 2;
  if (argc > 1 && !strcmp(argv[1], "mux")) rc = cmd_mux(argc, argv);
  else if (argc > 1 && !strcmp(argv[1], "split")) rc = cmd_split(argc, argv);
  else if (argc > 1 && !strcmp(argv[1], "demux")) rc = cmd_demux(argc, argv, false);
  else if (argc > 1 && !strcmp(argv[1], "remux")) rc = cmd_demux(argc, argv, true);
  if (rc == 2) fprintf(stderr, "usage: see the top of bench/mp4/mp4_bench.c\n");
  return rc;
}
