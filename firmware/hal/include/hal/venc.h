/*
 * hal/venc.h — video encoder (K230 VENC; CanMV `media.vencoder.Encoder`).
 *
 * Four channels shared by H.264, H.265 and JPEG. Input: NV12 frames of exactly the configured
 * size, from a bound source (hal_link(sensor chn -> (HAL_MOD_VENC, 0, chn))) or sent by the app
 * (hal_venc_send_frame). No B-frames: output order is input order.
 *
 * Output is a sequence of streams, one per encoded picture, each of 1..HAL_VENC_PACK_MAX packs:
 *   - the first stream after start, and every stream holding an I picture, begins with a
 *     HAL_VENC_PACK_HEADER pack carrying the parameter sets alone (H.264 SPS+PPS, H.265
 *     VPS+SPS+PPS), then a HAL_VENC_PACK_I pack; other streams hold one HAL_VENC_PACK_P pack.
 *     JPEG streams hold one HAL_VENC_PACK_I pack (a complete JFIF picture).
 *   - pack data is Annex-B (start codes included); pts_us is the input frame's pts.
 * Streams are owned by the encoder: hal_venc_get_stream lends one (data pointers stable, zero
 * copy) until hal_venc_release_stream. At most `stream_buf_cnt` streams are outstanding
 * (encoded and not released, whether fetched or not); while that many are, the encoder drops
 * input frames and counts them in hal_venc_status.dropped_frames — memory never grows.
 *
 * Host simulator: libx264 / libx265 / mjpeg through libavcodec. Builds without FFmpeg replay a
 * pre-encoded Annex-B file (env K230JS_SIM_VENC_REPLAY=PATH, looped, one access unit per input
 * frame, same pack semantics; hal_venc_request_idr restarts the file) and fail with
 * ERR_ENOTSUP without it.
 */
#ifndef HAL_VENC_H
#define HAL_VENC_H

#include "hal/vb.h"

#define HAL_VENC_MAX_CHN 4
#define HAL_VENC_PACK_MAX 12

typedef enum hal_venc_codec { HAL_VENC_H264 = 0, HAL_VENC_H265, HAL_VENC_JPEG } hal_venc_codec;

typedef enum hal_venc_profile {
  HAL_VENC_PROFILE_DEFAULT = 0, /* H.264 high, H.265 main */
  HAL_VENC_PROFILE_H264_BASELINE,
  HAL_VENC_PROFILE_H264_MAIN,
  HAL_VENC_PROFILE_H264_HIGH,
  HAL_VENC_PROFILE_H265_MAIN,
} hal_venc_profile;

typedef enum hal_venc_rc { HAL_VENC_RC_CBR = 1, HAL_VENC_RC_VBR, HAL_VENC_RC_FIXQP } hal_venc_rc;

typedef enum hal_venc_pack_type {
  HAL_VENC_PACK_P = 1,      /* K_VENC_P_FRAME */
  HAL_VENC_PACK_I = 2,      /* K_VENC_I_FRAME */
  HAL_VENC_PACK_HEADER = 3, /* K_VENC_HEADER */
} hal_venc_pack_type;

typedef void (*hal_venc_event_cb)(void *user, int chn);

typedef struct hal_venc_config {
  hal_venc_codec codec;
  hal_venc_profile profile;
  uint32_t width, height;    /* 128..4096 x 64..4096, even */
  hal_venc_rc rc;            /* ignored for JPEG */
  uint32_t bitrate_kbps;     /* CBR target / VBR average */
  uint32_t max_bitrate_kbps; /* VBR cap; 0 = 2 x bitrate */
  uint32_t gop;              /* I-frame interval in frames, >= 1 */
  uint32_t src_fps, dst_fps; /* frame rate in and out (dst <= src: frames are decimated) */
  uint32_t i_qp, p_qp;       /* FIXQP, 0..51 */
  uint32_t jpeg_quality;     /* 1..99 */
  uint32_t stream_buf_cnt;   /* outstanding streams, 1..64 */
  /* Called on an encoder thread whenever a stream becomes available; may be NULL. */
  hal_venc_event_cb on_stream;
  void *user;
} hal_venc_config;
#define HAL_VENC_CONFIG_DEFAULT \
  { \
    .codec = HAL_VENC_H264, .profile = HAL_VENC_PROFILE_DEFAULT, .width = 1920, .height = 1080, .rc = HAL_VENC_RC_CBR, \
    .bitrate_kbps = 4000, .max_bitrate_kbps = 0, .gop = 30, .src_fps = 30, .dst_fps = 30, .i_qp = 25, .p_qp = 25, \
    .jpeg_quality = 45, .stream_buf_cnt = 6, .on_stream = 0, .user = 0 \
  }

typedef struct hal_venc_pack {
  const uint8_t *data; /* owned by the encoder until the stream is released */
  uint32_t len;
  uint64_t pts_us;
  hal_venc_pack_type type;
} hal_venc_pack;

typedef struct hal_venc_stream {
  hal_venc_pack pack[HAL_VENC_PACK_MAX];
  uint32_t pack_cnt;
  uint32_t seq; /* stream number since start */
} hal_venc_stream;

typedef struct hal_venc_status {
  uint32_t chn;
  uint32_t ready_streams;       /* encoded, not yet fetched */
  uint32_t outstanding_streams; /* fetched and not released + ready */
  uint64_t frames_in;           /* input frames accepted */
  uint64_t streams_out;         /* streams produced */
  uint64_t dropped_frames;      /* input frames dropped (no stream buffer / input queue full) */
  uint64_t bytes_out;
  int running;
} hal_venc_status;

/* Create channel `chn` (0-3, or -1 for the lowest free one; *out_chn gets it when non-NULL).
 * ERR_EBUSY when taken, ERR_ENOTSUP for a codec/profile the backend lacks, ERR_EINVAL for a
 * bad size or rate (hal_venc_config_why says which). */
int hal_venc_create(int chn, const hal_venc_config *cfg, hal_handle *out, int *out_chn);
/* The constraint hal_venc_create finds cfg breaks, as a phrase ("width and height must be
 * even"); NULL when cfg is valid (a busy channel aside). Static storage. */
const char *hal_venc_config_why(const hal_venc_config *cfg);
int hal_venc_start(hal_handle venc);
int hal_venc_stop(hal_handle venc);
/* Force the next picture to be an IDR (with its HEADER pack). */
int hal_venc_request_idr(hal_handle venc);
/* Encode a frame the app owns (copied into the encoder's input before returning; the frame
 * may be a HAL frame or any NV12 picture described by a hal_frame). Waits up to timeout_ms
 * (-1 forever, 0 never) for input room: ERR_ETIMEDOUT; ERR_EINVAL for a wrong size/format. */
int hal_venc_send_frame(hal_handle venc, const hal_frame *frame, int timeout_ms);
/* Lend the next stream: waits up to timeout_ms (-1 forever, 0 poll). ERR_ETIMEDOUT when none,
 * ERR_ESTATE when stopped and drained. */
int hal_venc_get_stream(hal_handle venc, hal_venc_stream **out, int timeout_ms);
/* Give a lent stream back. ERR_EINVAL when `stream` is not outstanding on this channel. */
int hal_venc_release_stream(hal_handle venc, hal_venc_stream *stream);
int hal_venc_status_get(hal_handle venc, hal_venc_status *out);
/* Stop and destroy. ERR_EBUSY while bound as a sink. Outstanding streams become invalid. */
int hal_venc_destroy(hal_handle venc);

#endif
