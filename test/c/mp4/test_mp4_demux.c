/* Our demuxer's packet list equals ffprobe's on files made by ffmpeg (mp4, mov, fragmented;
   H.264, H.265, alaw, ulaw; timescales whose ticks are not whole µs) and by GStreamer (mp4mux,
   qtmux): the same pts in ticks and the same pts in µs as ffprobe prints them. */
#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

static const char *dir;

static long long to_ticks(int64_t us, uint32_t ts) { return (long long)((us * (int64_t)ts + 500000) / 1000000); }

static void compare(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  pkts all = {0};
  CHECK_EQ_INT(probe_packets(path, &all), 0);
  mp4_io io;
  if (mp4_io_file_open(&io, path, "r")) {
    CHECK(0);
    return;
  }
  mp4_demuxer *d = NULL;
  CHECK_EQ_INT(mp4_demuxer_open(&d, NULL, &io), 0);
  if (!d) {
    mp4_io_file_close(&io);
    free(all.p);
    return;
  }
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  size_t total = 0;
  for (int s = 0; s < fi.track_count; s++) {
    mp4_track_info ti;
    CHECK_EQ_INT(mp4_demuxer_track(d, s, &ti), 0);
    pkt *p = calloc(all.n + 1, sizeof(pkt));
    size_t k = stream_packets(&all, ti.track_id - 1, p, all.n);
    /* ours for this track */
    mp4_demuxer_seek(d, 0);
    CHECK_EQ_INT(mp4_demuxer_seek(d, -1), 0);
    size_t got = 0;
    int bad = 0;
    for (;;) {
      mp4_frame f;
      if (mp4_demuxer_get_frame(d, &f) || f.eof) break;
      if (f.track_id != ti.track_id) continue;
      /* ticks, and µs exactly as ffprobe prints them (rounded to nearest, not truncated) */
      if (got < k &&
          (to_ticks(f.pts_us, ti.timescale) != p[got].pts || f.pts_us != p[got].pts_us || f.keyframe != p[got].key)) {
        if (bad < 3)
          fprintf(stderr, "%s track %d pkt %zu: ours pts %lld (%lld us) key %d, ffprobe %lld (%lld us) key %d\n", name,
                  ti.track_id, got, to_ticks(f.pts_us, ti.timescale), (long long)f.pts_us, f.keyframe, p[got].pts,
                  p[got].pts_us, p[got].key);
        bad++;
      }
      got++;
    }
    CHECK_EQ_INT(got, k);
    CHECK_EQ_INT(bad, 0);
    total += got;
    printf("%s: track %d %s %dx%d %dHz/%dch ts %u, %zu packets = ffprobe %zu\n", name, ti.track_id,
           mp4_codec_name(ti.codec), ti.width, ti.height, ti.sample_rate, ti.channels, ti.timescale, got, k);
    free(p);
  }
  CHECK_EQ_INT(total, all.n);
  mp4_demuxer_close(d);
  mp4_io_file_close(&io);
  free(all.p);
}

int main(void) {
  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  dir = tu_tmpdir();
  static const struct {
    const char *name, *args;
  } gen[] = {
      {"x264.mp4", "-c:v libx264 -g 15 -an"},
      {"x264b.mp4", "-c:v libx264 -g 15 -bf 2 -an"},
      {"x265.mp4", "-c:v libx265 -x265-params log-level=error -tag:v hvc1 -g 15 -an"},
      {"alaw.mov", "-c:v libx264 -g 15 -c:a pcm_alaw"},
      {"ulaw.mov", "-c:v libx265 -x265-params log-level=error -g 15 -c:a pcm_mulaw"},
      {"frag.mp4", "-c:v libx264 -g 15 -an -movflags frag_keyframe+empty_moov+default_base_moof"},
      {"frag265.mp4",
       "-c:v libx265 -x265-params log-level=error -g 15 -an -movflags frag_keyframe+empty_moov+default_base_moof"},
      {"fragalaw.mov", "-c:v libx264 -g 15 -c:a pcm_alaw -movflags frag_keyframe+empty_moov+default_base_moof"},
      /* 30 fps in ticks that are not whole µs: 512/15360 s and 1001/30000 s per frame */
      {"ts15360.mov", "-c:v libx264 -g 15 -bf 0 -video_track_timescale 15360 -c:a pcm_alaw"},
      {"ntsc.mp4", "-r 30000/1001 -c:v libx264 -g 15 -an"},
      {"ntscfrag.mp4",
       "-r 30000/1001 -c:v libx264 -g 15 -bf 2 -an -movflags frag_keyframe+empty_moov+default_base_moof"},
  };
  char cmd[1024];
  for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=f=440:sample_rate=8000 "
             "-t 2 -pix_fmt yuv420p %s '%s/%s'",
             gen[i].args, dir, gen[i].name);
    CHECK_EQ_INT(tu_system(cmd), 0);
    compare(gen[i].name);
  }
  if (tu_have("gst-launch-1.0")) {
    static const char *mux[] = {"mp4mux", "qtmux"};
    for (int i = 0; i < 2; i++) {
      /* x264enc is in plugins-ugly, often absent: remux ffmpeg's x264b.mp4 (B-frames) instead. */
      snprintf(cmd, sizeof cmd,
               "gst-launch-1.0 -q filesrc location='%s/x264b.mp4' ! qtdemux ! h264parse ! %s ! "
               "filesink location='%s/gst-%s.mp4' >/dev/null 2>&1",
               dir, mux[i], dir, mux[i]);
      if (tu_system(cmd) != 0) {
        printf("SKIP: gst-launch-1.0 %s pipeline failed (plugin missing?)\n", mux[i]);
        continue;
      }
      char name[64];
      snprintf(name, sizeof name, "gst-%s.mp4", mux[i]);
      compare(name);
    }
  } else {
    printf("SKIP: gst-launch-1.0 not installed\n");
  }
  return CHECK_DONE();
}
