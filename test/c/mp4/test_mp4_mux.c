/* Mux H.264/H.265 + G.711 in every mode and check the result with real peers: ffprobe's packet
   list equals what was written, ffmpeg decodes without a message, our demuxer reads the same
   packets back; mediainfo and gst-discoverer see the tracks. Plus fragments cut by size, and
   error paths: first frame not a keyframe, a frame over the fragment size, disk full. */
#include "check.h"
#include "base/errors.h"
#include "mp4test.h"

static const char *dir;
static aus v264, v265;
static uint8_t *alaw;
static size_t alaw_len;

#define AUDIO_CHUNK 320

/* Writes video AUs at 30 fps and audio chunks of 40 ms in pts order. The first AU's parameter sets
   go in a separate header write, like the encoder's HEADER pack. */
static int mux(const char *path, mp4_mode mode, const aus *v, mp4_codec vc, mp4_codec ac, size_t limit, mp4_mem *mem,
               size_t *frames_written) {
  mp4_io io;
  mp4_mem m;
  int rc;
  if (limit) {
    mp4_io_mem_writer(&io, &m, limit);
  } else if ((rc = mp4_io_file_open(&io, path, "w"))) {
    return rc;
  }
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.mode = mode;
  mp4_muxer *mx;
  CHECK_EQ_INT(mp4_muxer_open(&mx, &cfg, &io), 0);
  int vt = v ? mp4_muxer_add_video(mx, vc, 320, 240) : 0;
  int at = ac ? mp4_muxer_add_audio(mx, ac, 8000, 1) : 0;
  size_t vi = 0, ai = 0, na = alaw_len / AUDIO_CHUNK, written = 0;
  rc = 0;
  while (!rc && ((v && vi < v->n) || (ac && ai < na))) {
    int64_t vpts = v && vi < v->n ? (int64_t)vi * 100000 / 3 : INT64_MAX;
    int64_t apts = ac && ai < na ? (int64_t)ai * 40000 : INT64_MAX;
    if (vpts <= apts) {
      const uint8_t *d = v->data[vi];
      size_t n = v->size[vi];
      if (vi == 0) {
        /* header pack: everything before the first slice */
        size_t pos = 0, cut = 0;
        media_nal nal;
        media_codec mc = vc == MP4_CODEC_H265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
        while (media_annexb_next(mc, d, n, &pos, &nal))
          if (media_nal_is_param_set(mc, nal.type)) cut = (size_t)(nal.data + nal.size - d);
        CHECK_EQ_INT(mp4_muxer_write(mx, vt, d, cut, vpts, 0), 0);
      }
      rc = mp4_muxer_write(mx, vt, d, n, vpts, v->key[vi] ? MP4_FRAME_KEYFRAME : 0);
      vi++;
    } else {
      rc = mp4_muxer_write(mx, at, alaw + ai * AUDIO_CHUNK, AUDIO_CHUNK, apts, 0);
      ai++;
    }
    if (!rc) written++;
  }
  int crc = mp4_muxer_close(mx);
  if (!rc) rc = crc;
  if (frames_written) *frames_written = written;
  if (limit) *mem = m;
  else mp4_io_file_close(&io);
  return rc;
}

/* An io that counts the writes of more than 8 bytes (not the 4-byte commits or mehd's 8) on the
   way to a memory writer. */
typedef struct counting {
  mp4_io inner;
  int writes;
} counting;
static int counting_write(void *u, const void *p, size_t n) {
  counting *c = u;
  if (n > 8) c->writes++;
  return c->inner.write(c->inner.user, p, n);
}
static int counting_seek(void *u, uint64_t off) {
  counting *c = u;
  return c->inner.seek(c->inner.user, off);
}

/* A fragment goes out in one write when the moof, the mdat header and the audio fit the room in
   front of the video (every fragment of 0.5 s with 40 ms chunks), else piece by piece (5 s of
   audio in 1 s chunks ahead of the video, in 10 s fragments): either way every sample reads back
   as written. */
static void check_fragment_writes(uint32_t fragment_us, size_t audio_chunk, int64_t audio_lead_us, bool one_write) {
  mp4_mem m;
  counting c = {0};
  mp4_io_mem_writer(&c.inner, &m, 0);
  mp4_io io = {.write = counting_write, .seek = counting_seek, .user = &c};
  mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
  cfg.fragment_us = fragment_us;
  mp4_muxer *mx;
  CHECK_EQ_INT(mp4_muxer_open(&mx, &cfg, &io), 0);
  int vt = mp4_muxer_add_video(mx, MP4_CODEC_H264, 320, 240);
  int at = mp4_muxer_add_audio(mx, MP4_CODEC_G711A, 8000, 1);
  int64_t dur = (int64_t)audio_chunk * 125; /* µs at 8 kHz */
  size_t na = 0, nchunks = alaw_len / audio_chunk;
  for (size_t i = 0; i < v264.n; i++) {
    int64_t pts = (int64_t)i * 100000 / 3;
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[i], v264.size[i], pts, 0), 0);
    for (; (int64_t)na * dur < pts + audio_lead_us; na++)
      CHECK_EQ_INT(mp4_muxer_write(mx, at, alaw + na % nchunks * audio_chunk, audio_chunk, (int64_t)na * dur, 0), 0);
  }
  uint32_t fragments = mp4_muxer_fragments(mx) + 1; /* and the one close() writes */
  CHECK_EQ_INT(mp4_muxer_close(mx), 0);
  printf("%u us fragments, %zu-byte audio chunks: %u fragments in %d writes\n", fragment_us, audio_chunk, fragments,
         c.writes);
  if (one_write) CHECK_EQ_INT(c.writes, 1 + (int)fragments); /* the init segment, then one a fragment */
  else CHECK(c.writes > 1 + (int)fragments);
  mp4_io rio;
  mp4_mem r;
  mp4_io_mem_reader(&rio, &r, m.data, m.size);
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, NULL, &rio), 0);
  size_t gv = 0, ga = 0, bad = 0;
  mp4_frame f;
  while (d && mp4_demuxer_get_frame(d, &f) == 0 && !f.eof) {
    if (f.codec == MP4_CODEC_G711A) {
      bad += f.size != audio_chunk || memcmp(f.data, alaw + ga % nchunks * audio_chunk, f.size) != 0;
      ga++;
      continue;
    }
    /* the picture's slice, its last NAL, ends the sample byte for byte */
    size_t pos = 0;
    media_nal nal, last = {0};
    while (gv < v264.n && media_annexb_next(MEDIA_CODEC_H264, v264.data[gv], v264.size[gv], &pos, &nal)) last = nal;
    bad += f.size < last.size || memcmp(f.data + f.size - last.size, last.data, last.size) != 0;
    gv++;
  }
  mp4_demuxer_close(d);
  CHECK_EQ_INT(gv, v264.n);
  CHECK_EQ_INT(ga, na);
  CHECK_EQ_INT(bad, 0);
  mp4_mem_free(&m);
}

/* Our demuxer on a file: per-track packets must match the expected counts and timing. */
static void check_demux(mp4_io *io, size_t nv, size_t na, int fragmented) {
  mp4_demuxer *d;
  CHECK_EQ_INT(mp4_demuxer_open(&d, NULL, io), 0);
  if (!d) return;
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  CHECK_EQ_INT(fi.track_count, (nv ? 1 : 0) + (na ? 1 : 0));
  if (fragmented >= 0) CHECK_EQ_INT(fi.fragmented, fragmented);
  size_t gv = 0, ga = 0;
  int bad_pts = 0, bad_ps = 0;
  int64_t last_dts = -1;
  for (;;) {
    mp4_frame f;
    int rc = mp4_demuxer_get_frame(d, &f);
    CHECK_EQ_INT(rc, 0);
    if (rc || f.eof) break;
    if (f.dts_us < last_dts) bad_pts++;
    last_dts = f.dts_us;
    if (f.codec == MP4_CODEC_H264 || f.codec == MP4_CODEC_H265) {
      if (f.pts_us != (int64_t)gv * 100000 / 3 && f.pts_us != (int64_t)gv * 100000 / 3 + 1) bad_pts++;
      if (f.keyframe) {
        int t = f.codec == MP4_CODEC_H265 ? (f.data[4] >> 1) & 0x3f : f.data[4] & 0x1f;
        if (t != (f.codec == MP4_CODEC_H265 ? 32 : 7)) bad_ps++;
      }
      gv++;
    } else {
      if (f.pts_us != (int64_t)ga * 40000) bad_pts++;
      ga++;
    }
  }
  CHECK_EQ_INT(gv, nv);
  CHECK_EQ_INT(ga, na);
  CHECK_EQ_INT(bad_pts, 0);
  CHECK_EQ_INT(bad_ps, 0);
  /* seek to 1.0 s lands on the keyframe at 1.0 s (GOP 15 at 30 fps) */
  if (nv) {
    CHECK_EQ_INT(mp4_demuxer_seek(d, 1010000), 0);
    mp4_frame f;
    do CHECK_EQ_INT(mp4_demuxer_get_frame(d, &f), 0);
    while (!f.eof && f.codec != MP4_CODEC_H264 && f.codec != MP4_CODEC_H265);
    CHECK(f.keyframe);
    CHECK_EQ_INT(f.pts_us, 1000000);
  }
  mp4_demuxer_close(d);
}

static void check_file(const char *name, mp4_mode mode, const aus *v, mp4_codec vc, mp4_codec ac) {
  char path[256], cmd[512], out[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  CHECK_EQ_INT(mux(path, mode, v, vc, ac, 0, NULL, NULL), 0);
  size_t nv = v ? v->n : 0, na = ac ? alaw_len / AUDIO_CHUNK : 0;
  pkts all = {0};
  CHECK_EQ_INT(probe_packets(path, &all), 0);
  pkt *p = calloc(all.n + 1, sizeof(pkt));
  int vs = 0, as = v ? 1 : 0;
  if (v) {
    size_t k = stream_packets(&all, vs, p, all.n);
    CHECK_EQ_INT(k, nv);
    int bad = 0;
    for (size_t i = 0; i < k && i < nv; i++)
      if (p[i].pts != (long long)i * 3000 || p[i].key != v->key[i]) bad++;
    CHECK_EQ_INT(bad, 0);
  }
  if (ac) {
    size_t k = stream_packets(&all, as, p, all.n);
    CHECK_EQ_INT(k, na);
    int bad = 0;
    for (size_t i = 0; i < k; i++)
      if (p[i].pts != (long long)i * AUDIO_CHUNK || !p[i].key) bad++;
    CHECK_EQ_INT(bad, 0);
  }
  free(p);
  free(all.p);
  snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' -f null - 2>&1", path);
  CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
  if (out[0]) fprintf(stderr, "ffmpeg says: %s\n", out);
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  printf("%s: %ld bytes, ffprobe %zu video + %zu audio packets match\n", name, ftell(f), nv, na);
  fclose(f);
  mp4_io io;
  CHECK_EQ_INT(mp4_io_file_open(&io, path, "r"), 0);
  check_demux(&io, nv, na, mode == MP4_MODE_FRAGMENTED);
  mp4_io_file_close(&io);
}

static void check_peers(const char *name, const char *vcodec) {
  char path[256], cmd[512], out[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (tu_have("mediainfo")) {
    snprintf(cmd, sizeof cmd, "mediainfo --Inform='General;%%VideoCount%%,%%AudioCount%%,%%Duration%%' '%s'", path);
    run_capture(cmd, out, sizeof out);
    int vcount = 0, acount = 0, dur = 0;
    CHECK_EQ_INT(sscanf(out, "%d,%d,%d", &vcount, &acount, &dur), 3);
    CHECK_EQ_INT(vcount, 1);
    CHECK_EQ_INT(acount, 1);
    CHECK(dur >= 1900 && dur <= 2100);
    printf("mediainfo %s: %s", name, out);
  }
  if (tu_have("gst-discoverer-1.0")) {
    snprintf(cmd, sizeof cmd, "gst-discoverer-1.0 '%s' 2>&1", path);
    run_capture(cmd, out, sizeof out);
    CHECK(strstr(out, vcodec) != NULL);
    CHECK(strstr(out, "audio") != NULL || strstr(out, "Audio") != NULL);
    char *dur = strstr(out, "Duration: ");
    CHECK(dur != NULL);
    if (dur) printf("gst-discoverer %s: %.30s\n", name, dur);
    CHECK(dur && (!strncmp(dur, "Duration: 0:00:02", 17) || !strncmp(dur, "Duration: 0:00:01.9", 19)));
  } else {
    printf("SKIP: gst-discoverer-1.0 not installed\n");
  }
}

int main(void) {
  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg not installed\n");
    return CHECK_DONE();
  }
  dir = tu_tmpdir();
  char cmd[2048], p264[256], p265[256], pal[256];
  snprintf(p264, sizeof p264, "%s/v.264", dir);
  snprintf(p265, sizeof p265, "%s/v.265", dir);
  snprintf(pal, sizeof pal, "%s/a.alaw", dir);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -t 2 -pix_fmt yuv420p -g 15 -bf 0 -c:v libx264 "
           "-f h264 '%s' && "
           "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -t 2 -pix_fmt yuv420p -g 15 -bf 0 -c:v libx265 "
           "-x265-params log-level=error -f hevc '%s' && "
           "ffmpeg -v error -y -f lavfi -i sine=f=440:sample_rate=8000 -t 2 -c:a pcm_alaw -f alaw '%s'",
           p264, p265, pal);
  CHECK_EQ_INT(tu_system(cmd), 0);
  CHECK_EQ_INT(load_aus(p264, MEDIA_CODEC_H264, &v264), 0);
  CHECK_EQ_INT(load_aus(p265, MEDIA_CODEC_H265, &v265), 0);
  alaw = tu_read(pal, &alaw_len);
  CHECK_EQ_INT(v264.n, 60);
  CHECK_EQ_INT(alaw_len, 16000);

  check_file("frag264.mp4", MP4_MODE_FRAGMENTED, &v264, MP4_CODEC_H264, MP4_CODEC_G711A);
  check_file("idx264.mp4", MP4_MODE_INDEXED, &v264, MP4_CODEC_H264, MP4_CODEC_G711U);
  check_file("fast264.mp4", MP4_MODE_FASTSTART, &v264, MP4_CODEC_H264, MP4_CODEC_G711A);
  check_file("frag265.mp4", MP4_MODE_FRAGMENTED, &v265, MP4_CODEC_H265, MP4_CODEC_G711U);
  check_file("idx265.mp4", MP4_MODE_INDEXED, &v265, MP4_CODEC_H265, MP4_CODEC_G711A);
  check_file("video.mp4", MP4_MODE_INDEXED, &v264, MP4_CODEC_H264, MP4_CODEC_NONE);
  check_file("audio.mp4", MP4_MODE_FRAGMENTED, NULL, MP4_CODEC_NONE, MP4_CODEC_G711A);
  check_peers("idx264.mp4", "H.264");
  check_peers("frag265.mp4", "H.265");

  /* The first fragment is cut early: at the second keyframe or after first_fragment_us, whichever
     comes first (keyframes every 15 frames here: 500 ms; 0, the default: after the first
     picture); the second still ends at the keyframe fragment_us (1 s) from the start. The frame
     that starts the next fragment is the one written when the count goes up. */
  {
    struct {
      uint32_t first_us;
      size_t cut_at, second_at;
    } rows[] = {{0, 1, 30}, {250000, 8, 30}, {600000, 15, 30}};
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
      mp4_io io;
      mp4_mem m;
      mp4_io_mem_writer(&io, &m, 0);
      mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
      cfg.first_fragment_us = rows[r].first_us;
      mp4_muxer *mx;
      CHECK_EQ_INT(mp4_muxer_open(&mx, &cfg, &io), 0);
      int vt = mp4_muxer_add_video(mx, MP4_CODEC_H264, 320, 240);
      size_t cut = 0, second = 0;
      for (size_t i = 0; i < v264.n; i++) {
        CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[i], v264.size[i], (int64_t)i * 100000 / 3, 0), 0);
        if (mp4_muxer_fragments(mx) == 1 && !cut) cut = i;
        if (mp4_muxer_fragments(mx) == 2 && !second) second = i;
      }
      CHECK_EQ_INT(cut, rows[r].cut_at);
      CHECK_EQ_INT(second, rows[r].second_at);
      CHECK(m.size > 0); /* on the medium, not buffered */
      mp4_muxer_close(mx);
      mp4_mem_free(&m);
    }
  }

  /* The first video frame must be a keyframe. */
  {
    mp4_io io;
    mp4_mem m;
    mp4_io_mem_writer(&io, &m, 0);
    mp4_muxer *mx;
    CHECK_EQ_INT(mp4_muxer_open(&mx, NULL, &io), 0);
    int vt = mp4_muxer_add_video(mx, MP4_CODEC_H264, 320, 240);
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[1], v264.size[1], 0, 0), ERR_ESTATE);
    CHECK(strstr(mp4_muxer_last_error(mx), "keyframe") != NULL);
    CHECK_EQ_INT(mp4_muxer_add_audio(mx, MP4_CODEC_H264, 8000, 1), ERR_EINVAL);
    CHECK_EQ_INT(mp4_muxer_write(mx, 9, v264.data[0], v264.size[0], 0, 0), ERR_EINVAL);
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[0], v264.size[0], 0, MP4_FRAME_KEYFRAME | MP4_FRAME_DELTA),
                 ERR_EINVAL);
    /* The caller's word over the NAL types: an IDR it calls a delta frame cannot open the track. */
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[0], v264.size[0], 0, MP4_FRAME_DELTA), ERR_ESTATE);
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[0], v264.size[0], 0, 0), 0);
    CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[1], v264.size[1], 0, 0), ERR_EINVAL); /* pts not increasing */
    CHECK_EQ_INT(mp4_muxer_close(mx), 0);
    mp4_mem_free(&m);
  }
  /* Disk full part-way: ERR_ENOSPC, later writes refused, the file still reads up to the last
     complete fragment. */
  {
    mp4_mem m;
    size_t written = 0;
    int rc = mux(NULL, MP4_MODE_FRAGMENTED, &v264, MP4_CODEC_H264, MP4_CODEC_G711A, 30000, &m, &written);
    CHECK_EQ_INT(rc, ERR_ENOSPC);
    CHECK(m.size == 30000);
    mp4_io io;
    mp4_mem r;
    mp4_io_mem_reader(&io, &r, m.data, m.size);
    mp4_demuxer *d;
    CHECK_EQ_INT(mp4_demuxer_open(&d, NULL, &io), 0);
    mp4_file_info fi = {0};
    mp4_demuxer_file_info(d, &fi);
    printf("disk full at 30000 bytes: %zu frames accepted, %llu us readable\n", written,
           (unsigned long long)fi.duration_us);
    CHECK(fi.duration_us >= 33333); /* at least the first fragment: the first picture (first_fragment_us) */
    mp4_demuxer_close(d);
    mp4_mem_free(&m);
  }
  /* Fragments cut by size: every sample lands whole in one fragment (the sample that does not fit
     the current one starts the next); a frame larger than the limit is refused alone and the
     recording goes on. */
  {
    size_t biggest = 0;
    for (size_t i = 0; i < v264.n; i++)
      if (v264.size[i] > biggest) biggest = v264.size[i];
    mp4_io io;
    mp4_mem m;
    mp4_io_mem_writer(&io, &m, 0);
    mp4_muxer_config cfg = MP4_MUXER_CONFIG_DEFAULT;
    cfg.max_fragment_bytes = biggest + 400; /* every frame fits (its parameter sets leave it) */
    mp4_muxer *mx;
    CHECK_EQ_INT(mp4_muxer_open(&mx, &cfg, &io), 0);
    int vt = mp4_muxer_add_video(mx, MP4_CODEC_H264, 320, 240);
    int at = mp4_muxer_add_audio(mx, MP4_CODEC_G711A, 8000, 1);
    /* a picture too big for any fragment: one P frame's slice over and over */
    size_t big_n = 2 * cfg.max_fragment_bytes;
    uint8_t *big = calloc(1, big_n);
    for (size_t o = 0; big && o + v264.size[1] <= big_n; o += v264.size[1]) memcpy(big + o, v264.data[1], v264.size[1]);
    size_t na = 0;
    for (size_t i = 0, ai = 0; i < v264.n; i++) {
      int64_t pts = (int64_t)i * 100000 / 3;
      for (; ai < alaw_len / AUDIO_CHUNK && (int64_t)ai * 40000 < pts; ai++, na++)
        CHECK_EQ_INT(mp4_muxer_write(mx, at, alaw + ai * AUDIO_CHUNK, AUDIO_CHUNK, (int64_t)ai * 40000, 0), 0);
      if (i == 20 && big) {
        CHECK_EQ_INT(mp4_muxer_write(mx, vt, big, big_n, pts, 0), ERR_ELIMIT);
        CHECK(strstr(mp4_muxer_last_error(mx), "max_fragment_bytes") != NULL);
      }
      CHECK_EQ_INT(mp4_muxer_write(mx, vt, v264.data[i], v264.size[i], pts, 0), 0);
    }
    free(big);
    uint32_t fragments = mp4_muxer_fragments(mx);
    CHECK_EQ_INT(mp4_muxer_close(mx), 0);
    printf("fragments of at most %zu bytes: %u\n", cfg.max_fragment_bytes, fragments);
    CHECK(fragments >= 6); /* by time alone: one per 15-frame GOP, 4 */
    mp4_io rio;
    mp4_mem r;
    mp4_io_mem_reader(&rio, &r, m.data, m.size);
    check_demux(&rio, v264.n, na, 1);
    mp4_mem_free(&m);
  }
  check_fragment_writes(500000, AUDIO_CHUNK, 0, true);
  check_fragment_writes(10000000, 8000, 5000000, false);
  free_aus(&v264);
  free_aus(&v265);
  free(alaw);
  return CHECK_DONE();
}
