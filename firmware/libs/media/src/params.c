/* SPS parsing (H.264 §7.3.2.1.1, H.265 §7.3.2.2) and the parameter-set cache. */
#include "media/params.h"

#include <string.h>

#include "base/errors.h"
#include "media/bits.h"

/* Field limits reject garbage long before it can overflow an int. */
#define MAX_MBS 1024      /* 16384 pixels */
#define MAX_PIC_DIM 16888 /* H.265 level 6.2 limit is ~8444 x 2 */

static void skip_scaling_list(media_bits *b, int n) {
  int last = 8, next = 8;
  for (int j = 0; j < n && !b->overrun; j++) {
    if (next != 0) next = (last + media_bits_se(b) + 256) % 256;
    last = next == 0 ? last : next;
  }
}

static int parse_h264(media_bits *b, media_sps_info *o) {
  media_bits_skip(b, 8); /* nal header */
  o->profile_idc = (int)media_bits_read(b, 8);
  o->constraint_flags = (int)media_bits_read(b, 8);
  o->level_idc = (int)media_bits_read(b, 8);
  o->sps_id = (int)media_bits_ue(b);
  if (o->sps_id > 31) return ERR_EBADDATA;
  o->chroma_format_idc = 1;
  o->bit_depth_luma = o->bit_depth_chroma = 8;
  int separate_planes = 0;
  switch (o->profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      o->chroma_format_idc = (int)media_bits_ue(b);
      if (o->chroma_format_idc > 3) return ERR_EBADDATA;
      if (o->chroma_format_idc == 3) separate_planes = (int)media_bits_read(b, 1);
      o->bit_depth_luma = 8 + (int)media_bits_ue(b);
      o->bit_depth_chroma = 8 + (int)media_bits_ue(b);
      if (o->bit_depth_luma > 14 || o->bit_depth_chroma > 14) return ERR_EBADDATA;
      media_bits_skip(b, 1); /* qpprime_y_zero_transform_bypass_flag */
      if (media_bits_read(b, 1)) {
        int lists = o->chroma_format_idc != 3 ? 8 : 12;
        for (int i = 0; i < lists; i++)
          if (media_bits_read(b, 1)) skip_scaling_list(b, i < 6 ? 16 : 64);
      }
      break;
    default: break;
  }
  if (media_bits_ue(b) > 12) return ERR_EBADDATA; /* log2_max_frame_num_minus4 */
  uint32_t poc_type = media_bits_ue(b);
  if (poc_type == 0) {
    if (media_bits_ue(b) > 12) return ERR_EBADDATA;
  } else if (poc_type == 1) {
    media_bits_skip(b, 1);
    media_bits_se(b);
    media_bits_se(b);
    uint32_t n = media_bits_ue(b);
    if (n > 255) return ERR_EBADDATA;
    for (uint32_t i = 0; i < n && !b->overrun; i++) media_bits_se(b);
  } else if (poc_type != 2) {
    return ERR_EBADDATA;
  }
  media_bits_ue(b);      /* max_num_ref_frames */
  media_bits_skip(b, 1); /* gaps_in_frame_num_value_allowed_flag */
  uint32_t w_mbs = media_bits_ue(b) + 1;
  uint32_t h_units = media_bits_ue(b) + 1;
  int frame_mbs_only = (int)media_bits_read(b, 1);
  if (!frame_mbs_only) media_bits_skip(b, 1);
  media_bits_skip(b, 1); /* direct_8x8_inference_flag */
  if (b->overrun || w_mbs > MAX_MBS || h_units > MAX_MBS) return ERR_EBADDATA;
  o->coded_width = (int)w_mbs * 16;
  o->coded_height = (int)h_units * 16 * (2 - frame_mbs_only);
  o->width = o->coded_width;
  o->height = o->coded_height;
  if (media_bits_read(b, 1)) {
    uint32_t l = media_bits_ue(b), r = media_bits_ue(b), t = media_bits_ue(b), bo = media_bits_ue(b);
    /* H.264 §7.4.2.1.1 CropUnitX / CropUnitY. */
    int chroma_array_type = separate_planes ? 0 : o->chroma_format_idc;
    int cx = 1, cy = 2 - frame_mbs_only;
    if (chroma_array_type != 0) {
      cx = chroma_array_type == 3 ? 1 : 2;
      cy *= chroma_array_type == 1 ? 2 : 1;
    }
    uint64_t cw = (uint64_t)cx * ((uint64_t)l + r), ch = (uint64_t)cy * ((uint64_t)t + bo);
    if (cw >= (uint64_t)o->coded_width || ch >= (uint64_t)o->coded_height) return ERR_EBADDATA;
    o->width -= (int)cw;
    o->height -= (int)ch;
  }
  return b->overrun ? ERR_EBADDATA : 0;
}

/* H.265 §7.3.3 profile_tier_level(1, max_sub_layers_minus1). */
static void parse_ptl(media_bits *b, media_sps_info *o, int max_sub_layers_minus1) {
  o->profile_space = (int)media_bits_read(b, 2);
  o->tier_flag = (int)media_bits_read(b, 1);
  o->profile_idc = (int)media_bits_read(b, 5);
  o->profile_compat_flags = media_bits_read(b, 32);
  uint64_t hi = media_bits_read(b, 16);
  o->constraint_indicator_flags = (hi << 32) | media_bits_read(b, 32);
  o->level_idc = (int)media_bits_read(b, 8);
  int prof[8] = {0}, lev[8] = {0};
  for (int i = 0; i < max_sub_layers_minus1; i++) {
    prof[i] = (int)media_bits_read(b, 1);
    lev[i] = (int)media_bits_read(b, 1);
  }
  if (max_sub_layers_minus1 > 0)
    for (int i = max_sub_layers_minus1; i < 8; i++) media_bits_skip(b, 2);
  for (int i = 0; i < max_sub_layers_minus1; i++) {
    if (prof[i]) media_bits_skip(b, 88);
    if (lev[i]) media_bits_skip(b, 8);
  }
}

static int parse_h265(media_bits *b, media_sps_info *o) {
  media_bits_skip(b, 16); /* nal header */
  media_bits_skip(b, 4);  /* sps_video_parameter_set_id */
  int msl = (int)media_bits_read(b, 3);
  if (msl > 6) return ERR_EBADDATA;
  o->max_sub_layers = msl + 1;
  o->temporal_id_nesting = (int)media_bits_read(b, 1);
  parse_ptl(b, o, msl);
  o->sps_id = (int)media_bits_ue(b);
  if (o->sps_id > 15) return ERR_EBADDATA;
  o->chroma_format_idc = (int)media_bits_ue(b);
  if (o->chroma_format_idc > 3) return ERR_EBADDATA;
  if (o->chroma_format_idc == 3) media_bits_skip(b, 1); /* separate_colour_plane_flag */
  uint32_t w = media_bits_ue(b), h = media_bits_ue(b);
  if (b->overrun || w == 0 || h == 0 || w > MAX_PIC_DIM || h > MAX_PIC_DIM) return ERR_EBADDATA;
  o->coded_width = o->width = (int)w;
  o->coded_height = o->height = (int)h;
  if (media_bits_read(b, 1)) {
    uint32_t l = media_bits_ue(b), r = media_bits_ue(b), t = media_bits_ue(b), bo = media_bits_ue(b);
    /* H.265 Table 6-1 SubWidthC / SubHeightC. */
    uint64_t sx = (o->chroma_format_idc == 1 || o->chroma_format_idc == 2) ? 2 : 1;
    uint64_t sy = o->chroma_format_idc == 1 ? 2 : 1;
    uint64_t cw = sx * ((uint64_t)l + r), ch = sy * ((uint64_t)t + bo);
    if (cw >= w || ch >= h) return ERR_EBADDATA;
    o->width -= (int)cw;
    o->height -= (int)ch;
  }
  o->bit_depth_luma = 8 + (int)media_bits_ue(b);
  o->bit_depth_chroma = 8 + (int)media_bits_ue(b);
  if (o->bit_depth_luma > 16 || o->bit_depth_chroma > 16) return ERR_EBADDATA;
  return b->overrun ? ERR_EBADDATA : 0;
}

int media_sps_parse(media_codec codec, const uint8_t *nal, size_t size, media_sps_info *out) {
  if (!nal || !out) return ERR_EINVAL;
  int type = media_nal_type(codec, nal, size);
  if (type != (codec == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_SPS : MEDIA_H264_NAL_SPS)) return ERR_EINVAL;
  if (size > MEDIA_PS_MAX_SIZE) return ERR_ENOMEM;
  uint8_t rbsp[MEDIA_PS_MAX_SIZE];
  size_t n = media_nal_to_rbsp(nal, size, rbsp);
  media_bits b;
  media_bits_init(&b, rbsp, n);
  memset(out, 0, sizeof(*out));
  out->codec = codec;
  out->max_sub_layers = 1;
  return codec == MEDIA_CODEC_H265 ? parse_h265(&b, out) : parse_h264(&b, out);
}

void media_ps_cache_init(media_ps_cache *c, media_codec codec) {
  memset(c, 0, sizeof(*c));
  c->codec = codec;
}

int media_ps_cache_put(media_ps_cache *c, const uint8_t *nal, size_t size) {
  int type = media_nal_type(c->codec, nal, size);
  uint8_t *slot;
  size_t *slot_size;
  if (type == (c->codec == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_SPS : MEDIA_H264_NAL_SPS)) {
    slot = c->sps, slot_size = &c->sps_size;
  } else if (type == (c->codec == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_PPS : MEDIA_H264_NAL_PPS)) {
    slot = c->pps, slot_size = &c->pps_size;
  } else if (c->codec == MEDIA_CODEC_H265 && type == MEDIA_H265_NAL_VPS) {
    slot = c->vps, slot_size = &c->vps_size;
  } else {
    return 0;
  }
  if (size > MEDIA_PS_MAX_SIZE) return ERR_ELIMIT;
  if (*slot_size == size && memcmp(slot, nal, size) == 0) return 0;
  memcpy(slot, nal, size);
  *slot_size = size;
  c->generation++;
  return 1;
}

int media_ps_cache_put_annexb(media_ps_cache *c, const uint8_t *buf, size_t len) {
  size_t pos = 0;
  media_nal nal;
  int changed = 0;
  while (media_annexb_next(c->codec, buf, len, &pos, &nal)) {
    int rc = media_ps_cache_put(c, nal.data, nal.size);
    if (rc < 0) return rc;
    changed |= rc;
  }
  return changed;
}

bool media_ps_cache_complete(const media_ps_cache *c) {
  return c->sps_size && c->pps_size && (c->codec != MEDIA_CODEC_H265 || c->vps_size);
}
