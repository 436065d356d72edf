/* ISO/IEC 14496-12 §8.8.1 mvex, §8.8.2 mehd, §8.8.3 trex, §8.8.4 moof, §8.8.5 mfhd, §8.8.6 traf, §8.8.7 tfhd,
   §8.8.8 trun, §8.8.12 tfdt (after tfhd, before trun). */
#include "boxes.h"

/* §8.8.3.1 sample flags: sample_depends_on=2 for sync; depends_on=1 + is_non_sync for others. */
#define FLAGS_SYNC 0x02000000u
#define FLAGS_NON_SYNC 0x01010000u

void mp4_write_mvex(mp4_buf *b, const mp4_trak_desc *t, int n) {
  size_t mvex = mp4_box_begin(b, "mvex");
  /* §8.8.2 mehd: the muxer patches the duration at close (readers such as qtdemux take the
     fragmented file's duration from it). */
  size_t mehd = mp4_fullbox_begin(b, "mehd", 1, 0);
  mp4_buf_u64(b, 0);
  mp4_box_end(b, mehd);
  for (int i = 0; i < n; i++) {
    size_t trex = mp4_fullbox_begin(b, "trex", 0, 0);
    mp4_buf_u32(b, (uint32_t)t[i].id);
    mp4_buf_u32(b, 1);
    mp4_buf_u32(b, 0);
    mp4_buf_u32(b, 0);
    mp4_buf_u32(b, t[i].kind == MP4_TRACK_VIDEO ? FLAGS_NON_SYNC : FLAGS_SYNC);
    mp4_box_end(b, trex);
  }
  mp4_box_end(b, mvex);
}

void mp4_write_moof(mp4_buf *b, uint32_t seq, const mp4_frag_track *t, int n) {
  size_t moof = mp4_box_begin(b, "moof");
  size_t mfhd = mp4_fullbox_begin(b, "mfhd", 0, 0);
  mp4_buf_u32(b, seq);
  mp4_box_end(b, mfhd);
  size_t offset_at[8];
  int k = 0;
  for (int i = 0; i < n && k < 8; i++) {
    if (!t[i].n) continue;
    size_t traf = mp4_box_begin(b, "traf");
    size_t tfhd = mp4_fullbox_begin(b, "tfhd", 0, 0x020000); /* default-base-is-moof */
    mp4_buf_u32(b, (uint32_t)t[i].id);
    mp4_box_end(b, tfhd);
    size_t tfdt = mp4_fullbox_begin(b, "tfdt", 1, 0);
    mp4_buf_u64(b, t[i].base_dts);
    mp4_box_end(b, tfdt);
    /* data-offset | duration | size | flags per sample */
    size_t trun = mp4_fullbox_begin(b, "trun", 0, 0x000001 | 0x000100 | 0x000200 | 0x000400);
    mp4_buf_u32(b, t[i].n);
    offset_at[k++] = b->len;
    mp4_buf_u32(b, t[i].data_start);
    for (uint32_t s = 0; s < t[i].n; s++) {
      mp4_buf_u32(b, t[i].duration[s]);
      mp4_buf_u32(b, t[i].size[s]);
      mp4_buf_u32(b, t[i].sync[s] ? FLAGS_SYNC : FLAGS_NON_SYNC);
    }
    mp4_box_end(b, trun);
    mp4_box_end(b, traf);
  }
  mp4_box_end(b, moof);
  /* data_offset counts from the moof start: moof size + the 8-byte mdat header + start in mdat. */
  uint32_t moof_size = (uint32_t)(b->len - moof);
  for (int i = 0; i < k; i++)
    if (!b->err) mp4_wr_u32(b->data + offset_at[i], moof_size + 8 + mp4_rd_u32(b->data + offset_at[i]));
}
