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

/* Frame flags (mp4_muxer_write input). A writer that knows what a video picture is (an encoder
 * does) says so, and the muxer records it as given; with neither flag the NAL types decide (an
 * IDR/IRAP picture is a sync sample). Audio samples are all sync samples. */
enum {
  MP4_FRAME_KEYFRAME = 1, /* a sync sample */
  MP4_FRAME_DELTA = 2,    /* not a sync sample */
};

/* "h264", "h265", "alaw", "ulaw" or "none". */
const char *mp4_codec_name(mp4_codec codec);

#endif
