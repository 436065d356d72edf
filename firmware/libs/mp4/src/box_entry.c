/* Sample entries: ISO/IEC 14496-12 §8.5.2.2 VisualSampleEntry / AudioSampleEntry;
   ISO/IEC 14496-15 §5.3.3.1 AVCDecoderConfigurationRecord (avcC), §8.3.3.1
   HEVCDecoderConfigurationRecord (hvcC); QuickTime SoundDescription v0 for alaw / ulaw. */
#include "boxes.h"

static void write_avcc(mp4_buf *b, const media_ps_cache *ps) {
  media_sps_info si;
  bool ok = media_sps_parse(MEDIA_CODEC_H264, ps->sps, ps->sps_size, &si) == 0;
  size_t at = mp4_box_begin(b, "avcC");
  mp4_buf_u8(b, 1);
  mp4_buf_u8(b, ps->sps_size > 1 ? ps->sps[1] : 0); /* profile, compatibility, level straight from the SPS */
  mp4_buf_u8(b, ps->sps_size > 2 ? ps->sps[2] : 0);
  mp4_buf_u8(b, ps->sps_size > 3 ? ps->sps[3] : 0);
  mp4_buf_u8(b, 0xFC | 3); /* 4-byte NAL lengths */
  mp4_buf_u8(b, 0xE0 | 1);
  mp4_buf_u16(b, (uint32_t)ps->sps_size);
  mp4_buf_bytes(b, ps->sps, ps->sps_size);
  mp4_buf_u8(b, 1);
  mp4_buf_u16(b, (uint32_t)ps->pps_size);
  mp4_buf_bytes(b, ps->pps, ps->pps_size);
  int p = ok ? si.profile_idc : 0;
  if (ok && (p == 100 || p == 110 || p == 122 || p == 144 || p == 244)) {
    mp4_buf_u8(b, 0xFC | (uint32_t)si.chroma_format_idc);
    mp4_buf_u8(b, 0xF8 | (uint32_t)(si.bit_depth_luma - 8));
    mp4_buf_u8(b, 0xF8 | (uint32_t)(si.bit_depth_chroma - 8));
    mp4_buf_u8(b, 0); /* numOfSequenceParameterSetExt */
  }
  mp4_box_end(b, at);
}

static void write_hvcc(mp4_buf *b, const media_ps_cache *ps) {
  media_sps_info si = {0};
  if (media_sps_parse(MEDIA_CODEC_H265, ps->sps, ps->sps_size, &si) != 0) {
    si.chroma_format_idc = 1;
    si.bit_depth_luma = si.bit_depth_chroma = 8;
    si.max_sub_layers = 1;
  }
  size_t at = mp4_box_begin(b, "hvcC");
  mp4_buf_u8(b, 1);
  mp4_buf_u8(b, (uint32_t)(si.profile_space << 6 | si.tier_flag << 5 | si.profile_idc));
  mp4_buf_u32(b, si.profile_compat_flags);
  mp4_buf_u16(b, (uint32_t)(si.constraint_indicator_flags >> 32));
  mp4_buf_u32(b, (uint32_t)si.constraint_indicator_flags);
  mp4_buf_u8(b, (uint32_t)si.level_idc);
  mp4_buf_u16(b, 0xF000); /* min_spatial_segmentation_idc unknown */
  mp4_buf_u8(b, 0xFC);    /* parallelismType unknown */
  mp4_buf_u8(b, 0xFC | (uint32_t)si.chroma_format_idc);
  mp4_buf_u8(b, 0xF8 | (uint32_t)(si.bit_depth_luma - 8));
  mp4_buf_u8(b, 0xF8 | (uint32_t)(si.bit_depth_chroma - 8));
  mp4_buf_u16(b, 0); /* avgFrameRate unspecified */
  mp4_buf_u8(b, (uint32_t)((si.max_sub_layers & 7) << 3 | (si.temporal_id_nesting & 1) << 2 | 3));
  mp4_buf_u8(b, 3);
  const uint8_t *nal[3] = {ps->vps, ps->sps, ps->pps};
  size_t len[3] = {ps->vps_size, ps->sps_size, ps->pps_size};
  for (int i = 0; i < 3; i++) {
    mp4_buf_u8(b, 0x80 | (uint32_t)(32 + i)); /* array_completeness: all sets are here (hvc1) */
    mp4_buf_u16(b, 1);
    mp4_buf_u16(b, (uint32_t)len[i]);
    mp4_buf_bytes(b, nal[i], len[i]);
  }
  mp4_box_end(b, at);
}

void mp4_write_sample_entry(mp4_buf *b, const mp4_trak_desc *t) {
  if (t->kind == MP4_TRACK_VIDEO) {
    size_t at = mp4_box_begin(b, t->codec == MP4_CODEC_H265 ? "hvc1" : "avc1");
    mp4_buf_zeros(b, 6);
    mp4_buf_u16(b, 1); /* data_reference_index */
    mp4_buf_zeros(b, 16);
    mp4_buf_u16(b, (uint32_t)t->width);
    mp4_buf_u16(b, (uint32_t)t->height);
    mp4_buf_u32(b, 0x00480000); /* 72 dpi */
    mp4_buf_u32(b, 0x00480000);
    mp4_buf_u32(b, 0);
    mp4_buf_u16(b, 1); /* frame_count */
    mp4_buf_zeros(b, 32);
    mp4_buf_u16(b, 0x0018);
    mp4_buf_u16(b, 0xFFFF);
    if (t->codec == MP4_CODEC_H265) write_hvcc(b, t->ps);
    else write_avcc(b, t->ps);
    mp4_box_end(b, at);
  } else {
    size_t at = mp4_box_begin(b, t->codec == MP4_CODEC_G711A ? "alaw" : "ulaw");
    mp4_buf_zeros(b, 6);
    mp4_buf_u16(b, 1);
    mp4_buf_zeros(b, 8); /* version 0, revision, vendor */
    mp4_buf_u16(b, (uint32_t)t->channels);
    mp4_buf_u16(b, 16); /* samplesize: QuickTime's 16 for companded formats */
    mp4_buf_u16(b, 0);
    mp4_buf_u16(b, 0);
    mp4_buf_u32(b, (uint32_t)t->sample_rate << 16);
    mp4_box_end(b, at);
  }
}
