/* ISO/IEC 14496-12 §8.5.2 stsd, §8.6.1.2 stts, §8.6.2 stss, §8.7.3 stsz, §8.7.4 stsc, §8.7.5 stco/co64. */
#include "boxes.h"

void mp4_write_stbl(mp4_buf *b, const mp4_trak_desc *t) {
  static const mp4_index empty;
  const mp4_index *x = t->index ? t->index : &empty;
  size_t stbl = mp4_box_begin(b, "stbl");

  size_t stsd = mp4_fullbox_begin(b, "stsd", 0, 0);
  mp4_buf_u32(b, 1);
  mp4_write_sample_entry(b, t);
  mp4_box_end(b, stsd);

  size_t stts = mp4_fullbox_begin(b, "stts", 0, 0);
  mp4_buf_u32(b, x->nstts);
  for (uint32_t i = 0; i < 2 * x->nstts; i++) mp4_buf_u32(b, x->stts[i]);
  mp4_box_end(b, stts);

  /* stss only when some sample is not a sync sample (absent = all sync). */
  if (t->kind == MP4_TRACK_VIDEO && x->nsync != x->n) {
    size_t stss = mp4_fullbox_begin(b, "stss", 0, 0);
    mp4_buf_u32(b, x->nsync);
    for (uint32_t i = 0; i < x->nsync; i++) mp4_buf_u32(b, x->sync[i]);
    mp4_box_end(b, stss);
  }

  /* stsc: one entry where the samples per chunk change. */
  size_t stsc = mp4_fullbox_begin(b, "stsc", 0, 0);
  size_t count_at = b->len;
  mp4_buf_u32(b, 0);
  uint32_t entries = 0;
  for (uint32_t c = 0; c < x->nchunks; c++) {
    if (c && x->chunk_n[c] == x->chunk_n[c - 1]) continue;
    mp4_buf_u32(b, c + 1);
    mp4_buf_u32(b, x->chunk_n[c]);
    mp4_buf_u32(b, 1);
    entries++;
  }
  mp4_buf_patch_u32(b, count_at, entries);
  mp4_box_end(b, stsc);

  /* The entries are the index's own blocks, written from where they are. */
  size_t stsz = mp4_fullbox_begin(b, "stsz", 0, 0);
  mp4_buf_u32(b, 0);
  mp4_buf_u32(b, x->n);
  for (uint32_t k = 0; k < x->nblocks; k++) {
    uint32_t in_block = x->n - k * MP4_INDEX_BLOCK < MP4_INDEX_BLOCK ? x->n - k * MP4_INDEX_BLOCK : MP4_INDEX_BLOCK;
    mp4_buf_gap_add(b, x->sizes[k], 4 * (size_t)in_block);
  }
  mp4_box_end(b, stsz);

  bool wide = x->nchunks && (uint64_t)((int64_t)x->chunk[x->nchunks - 1] + x->chunk_shift) > UINT32_MAX;
  size_t stco = mp4_fullbox_begin(b, wide ? "co64" : "stco", 0, 0);
  mp4_buf_u32(b, x->nchunks);
  for (uint32_t c = 0; c < x->nchunks; c++) {
    uint64_t off = (uint64_t)((int64_t)x->chunk[c] + x->chunk_shift);
    if (wide) mp4_buf_u64(b, off);
    else mp4_buf_u32(b, (uint32_t)off);
  }
  mp4_box_end(b, stco);
  mp4_box_end(b, stbl);
}
