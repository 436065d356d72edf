/* libFuzzer target: the MP4 demuxer over a memory buffer — open, info, every track, all frames,
   a seek and the frames after it. Built with -DK230JS_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>

#include "mp4/demuxer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp4_io io;
  mp4_mem mem;
  mp4_io_mem_reader(&io, &mem, data, size);
  mp4_demuxer_config cfg = MP4_DEMUXER_CONFIG_DEFAULT;
  cfg.max_sample_size = 1u << 20;
  cfg.max_box_size = 4u << 20;
  cfg.annexb = size & 1;
  mp4_demuxer *d;
  if (mp4_demuxer_open(&d, &cfg, &io) != 0) return 0;
  mp4_file_info fi;
  mp4_demuxer_file_info(d, &fi);
  for (int i = 0; i < fi.track_count; i++) {
    mp4_track_info ti;
    mp4_demuxer_track(d, i, &ti);
  }
  mp4_frame f;
  for (int i = 0; i < 5000; i++)
    if (mp4_demuxer_get_frame(d, &f) == 0 && f.eof) break;
  mp4_demuxer_seek(d, (int64_t)(fi.duration_us / 2));
  for (int i = 0; i < 50; i++)
    if (mp4_demuxer_get_frame(d, &f) == 0 && f.eof) break;
  mp4_demuxer_close(d);
  return 0;
}
