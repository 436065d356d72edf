/* ISO/IEC 14496-12 §4.3 ftyp, §8.2 moov/mvhd, §8.3 trak/tkhd, §8.4 mdia/mdhd/hdlr/minf, §8.7.1 dinf. */
#include "boxes.h"

static const uint32_t unity_matrix[9] = {0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000};

void mp4_write_ftyp(mp4_buf *b, bool fragmented, const mp4_trak_desc *t, int n) {
  size_t at = mp4_box_begin(b, "ftyp");
  mp4_buf_4cc(b, "isom");
  mp4_buf_u32(b, 0x200);
  mp4_buf_4cc(b, "isom");
  mp4_buf_4cc(b, "iso2");
  if (fragmented) mp4_buf_4cc(b, "iso6");
  for (int i = 0; i < n; i++) {
    if (t[i].codec == MP4_CODEC_H264) mp4_buf_4cc(b, "avc1");
    if (t[i].codec == MP4_CODEC_H265) mp4_buf_4cc(b, "hvc1");
  }
  mp4_buf_4cc(b, "mp41");
  mp4_box_end(b, at);
}

static void write_version_time(mp4_buf *b, int v, uint64_t x) {
  if (v) mp4_buf_u64(b, x);
  else mp4_buf_u32(b, (uint32_t)x);
}

static void write_mvhd(mp4_buf *b, uint64_t duration_ms, int next_id) {
  int v = duration_ms > UINT32_MAX;
  size_t at = mp4_fullbox_begin(b, "mvhd", (unsigned)v, 0);
  write_version_time(b, v, 0); /* creation: unknown on a board without RTC */
  write_version_time(b, v, 0);
  mp4_buf_u32(b, 1000);
  write_version_time(b, v, duration_ms);
  mp4_buf_u32(b, 0x00010000); /* rate 1.0 */
  mp4_buf_u16(b, 0x0100);     /* volume 1.0 */
  mp4_buf_zeros(b, 10);
  for (int i = 0; i < 9; i++) mp4_buf_u32(b, unity_matrix[i]);
  mp4_buf_zeros(b, 24);
  mp4_buf_u32(b, (uint32_t)next_id);
  mp4_box_end(b, at);
}

static void write_tkhd(mp4_buf *b, const mp4_trak_desc *t, uint64_t duration_ms) {
  int v = duration_ms > UINT32_MAX;
  size_t at = mp4_fullbox_begin(b, "tkhd", (unsigned)v, 3); /* enabled | in_movie */
  write_version_time(b, v, 0);
  write_version_time(b, v, 0);
  mp4_buf_u32(b, (uint32_t)t->id);
  mp4_buf_u32(b, 0);
  write_version_time(b, v, duration_ms);
  mp4_buf_zeros(b, 8);
  mp4_buf_u16(b, 0);                                       /* layer */
  mp4_buf_u16(b, t->kind == MP4_TRACK_AUDIO ? 1 : 0);      /* alternate_group */
  mp4_buf_u16(b, t->kind == MP4_TRACK_AUDIO ? 0x0100 : 0); /* volume */
  mp4_buf_u16(b, 0);
  for (int i = 0; i < 9; i++) mp4_buf_u32(b, unity_matrix[i]);
  mp4_buf_u32(b, t->kind == MP4_TRACK_VIDEO ? (uint32_t)t->width << 16 : 0);
  mp4_buf_u32(b, t->kind == MP4_TRACK_VIDEO ? (uint32_t)t->height << 16 : 0);
  mp4_box_end(b, at);
}

static void write_mdhd(mp4_buf *b, const mp4_trak_desc *t) {
  int v = t->duration > UINT32_MAX;
  size_t at = mp4_fullbox_begin(b, "mdhd", (unsigned)v, 0);
  write_version_time(b, v, 0);
  write_version_time(b, v, 0);
  mp4_buf_u32(b, t->timescale);
  write_version_time(b, v, t->duration);
  mp4_buf_u16(b, 0x55C4); /* ISO-639-2 "und" packed 5 bits per letter */
  mp4_buf_u16(b, 0);
  mp4_box_end(b, at);
}

static void write_hdlr(mp4_buf *b, bool video) {
  size_t at = mp4_fullbox_begin(b, "hdlr", 0, 0);
  mp4_buf_u32(b, 0);
  mp4_buf_4cc(b, video ? "vide" : "soun");
  mp4_buf_zeros(b, 12);
  const char *name = video ? "VideoHandler" : "SoundHandler";
  mp4_buf_bytes(b, name, 13); /* with the terminating NUL */
  mp4_box_end(b, at);
}

static void write_minf(mp4_buf *b, const mp4_trak_desc *t) {
  size_t minf = mp4_box_begin(b, "minf");
  if (t->kind == MP4_TRACK_VIDEO) {
    size_t at = mp4_fullbox_begin(b, "vmhd", 0, 1);
    mp4_buf_zeros(b, 8);
    mp4_box_end(b, at);
  } else {
    size_t at = mp4_fullbox_begin(b, "smhd", 0, 0);
    mp4_buf_zeros(b, 4);
    mp4_box_end(b, at);
  }
  size_t dinf = mp4_box_begin(b, "dinf");
  size_t dref = mp4_fullbox_begin(b, "dref", 0, 0);
  mp4_buf_u32(b, 1);
  size_t url = mp4_fullbox_begin(b, "url ", 0, 1); /* media in this file */
  mp4_box_end(b, url);
  mp4_box_end(b, dref);
  mp4_box_end(b, dinf);
  mp4_write_stbl(b, t);
  mp4_box_end(b, minf);
}

void mp4_write_moov(mp4_buf *b, const mp4_trak_desc *t, int n, uint64_t duration_ms, bool fragmented) {
  size_t moov = mp4_box_begin(b, "moov");
  int next_id = 1;
  for (int i = 0; i < n; i++)
    if (t[i].id >= next_id) next_id = t[i].id + 1;
  write_mvhd(b, duration_ms, next_id);
  for (int i = 0; i < n; i++) {
    size_t trak = mp4_box_begin(b, "trak");
    uint64_t dms = t[i].timescale ? t[i].duration * 1000 / t[i].timescale : 0;
    write_tkhd(b, &t[i], dms);
    size_t mdia = mp4_box_begin(b, "mdia");
    write_mdhd(b, &t[i]);
    write_hdlr(b, t[i].kind == MP4_TRACK_VIDEO);
    write_minf(b, &t[i]);
    mp4_box_end(b, mdia);
    mp4_box_end(b, trak);
  }
  if (fragmented) mp4_write_mvex(b, t, n);
  mp4_box_end(b, moov);
}
