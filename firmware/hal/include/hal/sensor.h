/*
 * hal/sensor.h — camera input (K230 VICAP + sensor; CanMV `media.sensor.Sensor`).
 *
 * A sensor device (dev 0-2 = CSI0-2) produces frames at `fps` on up to three output channels
 * (chn 0-2), each with its own size and pixel format (chn0 up to 3072x2160, chn1/2 up to
 * 1920x1080). Sequence: hal_sensor_open -> hal_sensor_chn_config (per channel, before run) ->
 * hal_sensor_run -> [hal_link(sensor chn -> venc/display) | hal_sensor_snapshot] ->
 * hal_sensor_stop -> hal_sensor_close.
 *
 * Timestamps: frame n of a run has seq n and pts_us = n * 1000000 / fps (exact integer
 * arithmetic), both restarting at 0 on every run.
 *
 * Host simulator: the picture source is chosen by the environment variable K230JS_SIM_SENSOR
 * (read at hal_sensor_open):
 *   pattern            (default) moving colour bars + a moving square; the frame counter is
 *                      stamped in the top 16 rows (hal_sim_stamp_read() in hal/host/hal_sim.h)
 *   file:PATH          any video FFmpeg reads, looped, scaled to each channel
 *   v4l2:/dev/videoN   a V4L2 camera (fails with ERR_ENODEV/ERR_ENOTSUP when unavailable)
 * Frames are paced in real time at `fps`; K230JS_SIM_SENSOR_PACE=N (1-100) delivers them N times
 * faster (benchmarks), with the same pts. On builds without FFmpeg only `pattern` exists.
 */
#ifndef HAL_SENSOR_H
#define HAL_SENSOR_H

#include "hal/vb.h"

#define HAL_SENSOR_MAX_DEV 3
#define HAL_SENSOR_MAX_CHN 3

typedef struct hal_sensor_config {
  int dev;                /* 0-2 */
  uint32_t width, height; /* sensor mode (full frame) */
  uint32_t fps;           /* 1-60 */
} hal_sensor_config;
#define HAL_SENSOR_CONFIG_DEFAULT \
  { .dev = 0, .width = 1920, .height = 1080, .fps = 30 }

typedef struct hal_sensor_chn_config {
  uint32_t width, height; /* output size: even, 64..max for the channel, <= sensor mode */
  hal_pixfmt format;      /* NV12, RGB888, RGB565, GRAYSCALE, ARGB8888 */
  uint32_t buf_cnt;       /* output blocks (CanMV default 6); bounds frames in flight */
  /* Plane alignment, log2 of bytes, 0..12 (CanMV set_framesize(alignment=); VICAP's
   * k_vicap_chn_attr.alignment): an NV12 frame's UV plane starts at width * height rounded up to
   * it. The encoder takes a camera channel only with 12 (hal_link: ERR_EINVAL). HAL_SENSOR_ALIGN_AUTO:
   * 12 for NV12 and GRAYSCALE channels (they may feed the encoder), 0 for the others. */
  int alignment;
} hal_sensor_chn_config;
#define HAL_SENSOR_ALIGN_AUTO (-1)
#define HAL_SENSOR_ALIGN_ENCODER 12
#define HAL_SENSOR_CHN_CONFIG_DEFAULT \
  { .width = 1920, .height = 1080, .format = HAL_PIXFMT_NV12, .buf_cnt = 6, .alignment = HAL_SENSOR_ALIGN_AUTO }
/* The alignment a channel gets: its own, or HAL_SENSOR_ALIGN_AUTO's choice for its format. */
static inline int hal_sensor_chn_alignment(const hal_sensor_chn_config *c) {
  if (c->alignment != HAL_SENSOR_ALIGN_AUTO) return c->alignment;
  return c->format == HAL_PIXFMT_NV12 || c->format == HAL_PIXFMT_GRAYSCALE ? HAL_SENSOR_ALIGN_ENCODER : 0;
}

typedef struct hal_sensor_stats {
  uint64_t frames;  /* frames produced since open, all channels */
  uint64_t dropped; /* frames not produced because every output block was in use */
  uint64_t late;    /* frames produced more than one frame period after their time: the host
                       simulator starved of CPU falls behind its clock (it catches up, pts
                       unchanged); the board's sensor is clocked by hardware: always 0 */
} hal_sensor_stats;

typedef struct hal_sensor_info {
  char name[64];          /* board: the sensor driver kd_mpi_sensor_adapt_get chose (e.g.
                             "gc2093_csi2"); simulator: the source ("pattern", "file:PATH") */
  uint32_t width, height; /* the sensor mode in use: on the board the driver's mode closest to
                             the requested one, which may differ from it */
  uint32_t fps;
} hal_sensor_info;

/* Open device cfg->dev. ERR_EBUSY if it is open already, ERR_EINVAL for a bad config,
 * ERR_ENODEV when the (simulated) sensor source cannot be opened. */
int hal_sensor_open(const hal_sensor_config *cfg, hal_handle *out);
/* Enable and configure an output channel. Only while stopped (ERR_ESTATE otherwise). */
int hal_sensor_chn_config_set(hal_handle sensor, int chn, const hal_sensor_chn_config *cfg);
int hal_sensor_run(hal_handle sensor);
int hal_sensor_stop(hal_handle sensor);
/* Wait up to timeout_ms (-1 forever) for the next frame of `chn` and hand it to the app
 * (release with hal_frame_release). ERR_ESTATE when not running (checked first), ERR_EINVAL for
 * a channel not configured before run, ERR_ETIMEDOUT. */
int hal_sensor_snapshot(hal_handle sensor, int chn, int timeout_ms, hal_frame **out);
/* Binding description of a channel (CanMV Sensor.bind_info(x, y, chn)). */
int hal_sensor_bind_info(hal_handle sensor, int chn, int x, int y, hal_bind_info *out);
int hal_sensor_stats_get(hal_handle sensor, hal_sensor_stats *out);
/* What was found at open: driver name and mode. */
int hal_sensor_info_get(hal_handle sensor, hal_sensor_info *out);
/* Stop if running and close. ERR_EBUSY while a channel is bound. */
int hal_sensor_close(hal_handle sensor);

#endif
