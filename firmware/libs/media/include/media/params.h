/*
 * media/params.h — sequence parameter set parsing (ITU-T H.264 §7.3.2.1.1, ITU-T H.265 §7.3.2.2)
 * and a cache of the latest parameter sets of one stream.
 *
 * Parsers take one NAL unit including its header and excluding the start code, remove emulation
 * prevention themselves and never read past `size`.
 */
#ifndef MEDIA_PARAMS_H
#define MEDIA_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/annexb.h"

typedef struct media_sps_info {
  media_codec codec;
  int width, height; /* displayed size, cropping / conformance window applied */
  int coded_width, coded_height;
  int profile_idc;       /* H.264 profile_idc; H.265 general_profile_idc */
  int level_idc;         /* H.264 level_idc; H.265 general_level_idc (30 x level) */
  int constraint_flags;  /* H.264: the byte holding constraint_set0..5_flag */
  int chroma_format_idc; /* 1 = 4:2:0 unless the SPS says otherwise */
  int bit_depth_luma, bit_depth_chroma;
  int sps_id;
  /* H.265 profile_tier_level and layering, needed by hvcC. */
  int profile_space, tier_flag;
  uint32_t profile_compat_flags;
  uint64_t constraint_indicator_flags; /* 48 bits */
  int max_sub_layers;
  int temporal_id_nesting;
} media_sps_info;

/* Parses an SPS NAL. 0, ERR_EINVAL (not an SPS), ERR_EBADDATA (malformed or truncated),
   ERR_ENOMEM (SPS larger than MEDIA_PS_MAX_SIZE). */
int media_sps_parse(media_codec codec, const uint8_t *nal, size_t size, media_sps_info *out);

#define MEDIA_PS_MAX_SIZE 1024

/* The latest VPS/SPS/PPS of one stream, copied (the encoder's buffers are released right after). */
typedef struct media_ps_cache {
  media_codec codec;
  uint8_t vps[MEDIA_PS_MAX_SIZE], sps[MEDIA_PS_MAX_SIZE], pps[MEDIA_PS_MAX_SIZE];
  size_t vps_size, sps_size, pps_size; /* 0 = not seen */
  uint32_t generation;                 /* bumped whenever a stored set changes */
} media_ps_cache;

void media_ps_cache_init(media_ps_cache *c, media_codec codec);
/* Stores `nal` if it is a parameter set. Returns 1 if the cache changed, 0 if the NAL is not a
   parameter set or is identical to the stored one, ERR_ELIMIT if larger than MEDIA_PS_MAX_SIZE. */
int media_ps_cache_put(media_ps_cache *c, const uint8_t *nal, size_t size);
/* Stores every parameter set found in an Annex-B buffer. Returns 1 if anything changed, else 0 or
   a negative code. */
int media_ps_cache_put_annexb(media_ps_cache *c, const uint8_t *buf, size_t len);
/* SPS+PPS (H.264) or VPS+SPS+PPS (H.265) are all present. */
bool media_ps_cache_complete(const media_ps_cache *c);

#endif
