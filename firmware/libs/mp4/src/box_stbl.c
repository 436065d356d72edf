/* ISO/IEC 14496-12 §8.5.2 stsd, §8.6.1.2 stts, §8.6.2 stss, §8.7.3 stsz, §8.7.4 stsc, §8.7.5 stco/co64. */
#include "boxes.h"

static bool contiguous(const mp4_index *x, uint32_t i) {
  return i > 0 && x->offset[i] == x->offset[i - 1] + x->size[i - 1];
}

void mp4_write_stbl(mp4_buf *b, const mp4_trak_desc *t) {
  const mp4_index *x = t->index;
  uint32_t n = x ? x->n : 0;
  size_t stbl = mp4_box_begin(b, "stbl");

  size_t stsd = mp4_fullbox_begin(b, "stsd", 0, 0);
  mp4_buf_u32(b, 1);
  mp4_write_sample_entry(b, t);
  mp4_box_end(b, stsd);

  /* stts: run-length of equal durations. */
  size_t stts = mp4_fullbox_begin(b, "stts", 0, 0);
  size_t count_at = b->len;
  mp4_buf_u32(b, 0);
  uint32_t runs = 0;
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && x->duration[j] == x->duration[i]) j++;
    mp4_buf_u32(b, j - i);
    mp4_buf_u32(b, x->duration[i]);
    runs++;
    i = j;
  }
  mp4_buf_patch_u32(b, count_at, runs);
  mp4_box_end(b, stts);

  /* stss only when some sample is not a sync sample (absent = all sync). */
  uint32_t syncs = 0;
  for (uint32_t i = 0; i < n; i++) syncs += x->sync[i] != 0;
  if (t->kind == MP4_TRACK_VIDEO && syncs != n) {
    size_t stss = mp4_fullbox_begin(b, "stss", 0, 0);
    mp4_buf_u32(b, syncs);
    for (uint32_t i = 0; i < n; i++)
      if (x->sync[i]) mp4_buf_u32(b, i + 1);
    mp4_box_end(b, stss);
  }

  /* Chunks are runs of samples stored back to back. */
  uint32_t chunks = 0;
  uint64_t max_off = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!contiguous(x, i)) chunks++;
    if (x->offset[i] > max_off) max_off = x->offset[i];
  }
  size_t stsc = mp4_fullbox_begin(b, "stsc", 0, 0);
  count_at = b->len;
  mp4_buf_u32(b, 0);
  uint32_t entries = 0, chunk = 0, prev_per = 0;
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && contiguous(x, j)) j++;
    chunk++;
    if (j - i != prev_per) {
      mp4_buf_u32(b, chunk);
      mp4_buf_u32(b, j - i);
      mp4_buf_u32(b, 1);
      entries++;
      prev_per = j - i;
    }
    i = j;
  }
  mp4_buf_patch_u32(b, count_at, entries);
  mp4_box_end(b, stsc);

  size_t stsz = mp4_fullbox_begin(b, "stsz", 0, 0);
  mp4_buf_u32(b, 0);
  mp4_buf_u32(b, n);
  for (uint32_t i = 0; i < n; i++) mp4_buf_u32(b, x->size[i]);
  mp4_box_end(b, stsz);

  bool wide = max_off > UINT32_MAX;
  size_t stco = mp4_fullbox_begin(b, wide ? "co64" : "stco", 0, 0);
  mp4_buf_u32(b, chunks);
  for (uint32_t i = 0; i < n; i++) {
    if (contiguous(x, i)) continue;
    if (wide) mp4_buf_u64(b, x->offset[i]);
    else mp4_buf_u32(b, (uint32_t)x->offset[i]);
  }
  mp4_box_end(b, stco);
  mp4_box_end(b, stbl);
}
