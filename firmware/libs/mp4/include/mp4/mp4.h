/*
 * mp4/mp4.h — types shared by the MP4 muxer and demuxer.
 */
#ifndef MP4_MP4_H
#define MP4_MP4_H

#include <stdint.h>

typedef enum mp4_codec {
  MP4_CODEC_NONE = 0,
  MP4_CODEC_H264 = 1,
  MP4_CODEC_H265 = 2,
  MP4_CODEC_G711A = 3,
  MP4_CODEC_G711U = 4,
} mp4_codec;

typedef enum mp4_track_kind { MP4_TRACK_VIDEO = 1, MP4_TRACK_AUDIO = 2 } mp4_track_kind;

/* Frame flags (mp4_muxer_write input, mp4_frame output). */
enum {
  MP4_FRAME_KEYFRAME = 1, /* sync sample; a hint to the muxer, which trusts the NAL types */
};

/* "h264", "h265", "alaw", "ulaw" or "none". */
const char *mp4_codec_name(mp4_codec codec);

#endif
