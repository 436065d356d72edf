/*
 * hal/vdec.h — video decoder (K230 VDEC; CanMV `media.vdecoder.Decoder`).
 *
 * H.264 / H.265 elementary streams (Annex-B) in, NV12 frames out. Input modes:
 *   HAL_VDEC_MODE_STREAM  arbitrary chunks (e.g. 40 KB file reads); pictures are found by an
 *                         access-unit splitter, a picture ends when the next one starts or at
 *                         end of stream.
 *   HAL_VDEC_MODE_FRAME   each send is exactly one access unit.
 * Output: to a bound sink (hal_link((HAL_MOD_VDEC, 0, chn) -> display layer)), otherwise kept
 * for hal_vdec_get_frame. Output blocks are bounded (`out_buf_cnt`): when the app holds all of
 * them, decoding waits, and so does hal_vdec_send_stream once its input queue is full.
 *
 * Decoding runs on a decoder thread; bitstream errors do not stop it, they are counted
 * (hal_vdec_status.errors). End of stream: send with `eos` set; the decoder flushes, then
 * hal_vdec_get_frame returns ERR_ESTATE once every frame was fetched, and `on_eos` fires.
 *
 * Host simulator: FFmpeg's decoders. Builds without FFmpeg: hal_vdec_create gives ERR_ENOTSUP.
 */
#ifndef HAL_VDEC_H
#define HAL_VDEC_H

#include "hal/vb.h"

#define HAL_VDEC_MAX_CHN 4

typedef enum hal_vdec_codec { HAL_VDEC_H264 = 0, HAL_VDEC_H265 } hal_vdec_codec;
typedef enum hal_vdec_mode { HAL_VDEC_MODE_STREAM = 0, HAL_VDEC_MODE_FRAME } hal_vdec_mode;

typedef void (*hal_vdec_event_cb)(void *user, int chn);

typedef struct hal_vdec_config {
  hal_vdec_codec codec;
  hal_vdec_mode mode;
  uint32_t max_width, max_height; /* largest picture accepted; bigger ones are errors */
  uint32_t in_buf_cnt;            /* input chunks queued before send_stream waits, 1..64 */
  uint32_t out_buf_cnt;           /* output frames in flight, 1..64 */
  hal_vdec_event_cb on_frame;     /* a frame is ready for get_frame (decoder thread); NULL ok */
  hal_vdec_event_cb on_eos;       /* end of stream fully decoded (decoder thread); NULL ok */
  void *user;
} hal_vdec_config;
#define HAL_VDEC_CONFIG_DEFAULT \
  { \
    .codec = HAL_VDEC_H264, .mode = HAL_VDEC_MODE_STREAM, .max_width = 1920, .max_height = 1088, .in_buf_cnt = 4, \
    .out_buf_cnt = 6, .on_frame = 0, .on_eos = 0, .user = 0 \
  }

typedef struct hal_vdec_status {
  uint32_t chn;
  uint64_t bytes_in, chunks_in;
  uint64_t frames_decoded;
  uint64_t errors;        /* rejected access units / undecodable input */
  uint32_t width, height; /* of the latest picture */
  uint64_t latest_pts_us;
  int end_of_stream; /* eos was sent and everything before it decoded */
} hal_vdec_status;

int hal_vdec_create(int chn, const hal_vdec_config *cfg, hal_handle *out, int *out_chn);
int hal_vdec_start(hal_handle vdec);
/* Queue `len` bytes (copied into an input block before returning; len may be 0 with eos).
 * Waits up to timeout_ms for queue room (ERR_ETIMEDOUT). In frame mode `pts_us` tags the
 * picture; in stream mode it tags the first picture starting in this chunk. After eos, sends
 * give ERR_ESTATE until hal_vdec_start is called again (which also resets the decoder). */
int hal_vdec_send_stream(hal_handle vdec, const uint8_t *data, size_t len, uint64_t pts_us, int eos, int timeout_ms);
/* Next decoded frame (NV12; release with hal_frame_release). ERR_ETIMEDOUT, ERR_ESTATE after
 * end of stream when drained, ERR_EBUSY while bound to a sink. */
int hal_vdec_get_frame(hal_handle vdec, hal_frame **out, int timeout_ms);
int hal_vdec_status_get(hal_handle vdec, hal_vdec_status *out);
/* Description for binding (CanMV Decoder.bind_info). */
int hal_vdec_bind_info(hal_handle vdec, int x, int y, uint32_t width, uint32_t height, hal_bind_info *out);
int hal_vdec_stop(hal_handle vdec);
/* Stop and destroy. ERR_EBUSY while bound. */
int hal_vdec_destroy(hal_handle vdec);

#endif
