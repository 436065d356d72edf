/* libFuzzer target: the MP4 demuxer over a memory buffer, in place (its view) or read through
   small read-ahead windows — open, file info, every track, all frames, seeks to times taken
   from the input (and the extremes), the frames after each. Built with -DK230JS_FUZZ=ON (clang,
   ASan + UBSan, any undefined behaviour aborts). What the reader hands out must hold its
   documented bounds: times within +-2^50 us, durations too, track ids and kinds as reported. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp4/demuxer.h"

#define MAX_US ((int64_t)1 << 50)

static void require(int ok) {
  if (!ok) abort();
}

static void frames(mp4_demuxer *d, const mp4_file_info *fi, int n) {
  for (int i = 0; i < n; i++) {
    mp4_frame f;
    if (mp4_demuxer_get_frame(d, &f) != 0) continue;
    if (f.eof) return;
    require(f.pts_us <= MAX_US && f.pts_us >= -MAX_US && f.dts_us <= MAX_US && f.dts_us >= -MAX_US);
    require(f.data != NULL || f.size == 0);
    bool known = false;
    for (int t = 0; t < fi->track_count; t++) {
      mp4_track_info ti;
      mp4_demuxer_track(d, t, &ti);
      known |= ti.track_id == f.track_id && ti.codec == f.codec;
    }
    require(known);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp4_io io;
  mp4_mem mem;
  mp4_io_mem_reader(&io, &mem, data, size);
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.max_sample_size = 1u << 20;
  cfg.max_box_size = 4u << 20;
  cfg.annexb = size & 1;
  if (size & 2) {
    /* Through read() (no view) into small read-ahead windows: samples straddle their ends. */
    io.view = NULL;
    cfg.read_ahead = size & 4 ? 64 : 4096;
  }
  mp4_demuxer *d;
  if (mp4_demuxer_open(&d, &cfg, &io) != 0) return 0;
  mp4_file_info fi;
  require(mp4_demuxer_file_info(d, &fi) == 0);
  require(fi.track_count > 0 && fi.duration_us <= (uint64_t)MAX_US);
  require(mp4_demuxer_warning(d) != NULL);
  for (int i = 0; i < fi.track_count; i++) {
    mp4_track_info ti;
    require(mp4_demuxer_track(d, i, &ti) == 0);
    require(ti.duration_us <= fi.duration_us && ti.timescale > 0);
    require(ti.kind == MP4_TRACK_VIDEO || ti.kind == MP4_TRACK_AUDIO);
  }
  mp4_track_info none;
  require(mp4_demuxer_track(d, fi.track_count, &none) != 0);
  frames(d, &fi, 5000);
  /* Seek targets: the middle, the ends, nonsense, and 8 bytes of the input as a time. */
  int64_t from_input = 0;
  if (size >= 16) memcpy(&from_input, data + size - 16, sizeof from_input);
  int64_t seeks[] = {(int64_t)(fi.duration_us / 2), 0, (int64_t)fi.duration_us, INT64_MAX, INT64_MIN, -1, from_input};
  for (size_t s = 0; s < sizeof seeks / sizeof *seeks; s++) {
    mp4_demuxer_seek(d, seeks[s]);
    frames(d, &fi, 50);
  }
  mp4_demuxer_close(d);
  return 0;
}
