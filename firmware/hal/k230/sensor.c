/* hal/sensor.h on the K230: VICAP + sensor driver. The sensor is found by
 * kd_mpi_sensor_adapt_get (probes every driver wired to the CSI, picks the mode closest to the
 * requested size/fps), as CanMV's Sensor() does; channels are VICAP output channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/sensor.h"
#include "k230_internal.h"
#include "mpi_sensor_api.h"
#include "mpi_vb_api.h"
#include "mpi_vicap_api.h"

typedef struct ksensor {
  hal_handle h;
  hal_sensor_config cfg;
  k_vicap_sensor_info info;
  k_u32 mirror; /* the probe's default mirror: how the module is mounted on this board */
  hal_sensor_chn_config chn[HAL_SENSOR_MAX_CHN];
  int chn_on[HAL_SENSOR_MAX_CHN];
  int common_slot[HAL_SENSOR_MAX_CHN]; /* the channel's common pool claim (2024 MPP), -1 none */
  int running;
  int inited; /* kd_mpi_vicap_init done */
  uint64_t frames;
} ksensor;

static ksensor *g_open[HAL_SENSOR_MAX_DEV];

static int describe(void *obj, int chn, hal_bind_info *out) {
  ksensor *s = obj;
  if (chn < 0 || chn >= HAL_SENSOR_MAX_CHN || !s->chn_on[chn]) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  out->src = (hal_chn){HAL_MOD_SENSOR, s->cfg.dev, chn};
  out->width = s->chn[chn].width;
  out->height = s->chn[chn].height;
  out->format = s->chn[chn].format;
  out->alignment = hal_sensor_chn_alignment(&s->chn[chn]);
  return 0;
}

int hal_sensor_open(const hal_sensor_config *cfg, hal_handle *out) {
  if (!cfg || !out || cfg->dev < 0 || cfg->dev >= HAL_SENSOR_MAX_DEV || cfg->fps < 1 || cfg->fps > 60 ||
      cfg->width < 64 || cfg->height < 64)
    return ERR_EINVAL;
  if (g_open[cfg->dev]) return ERR_EBUSY;
  /* No VB yet: the channels' buffers are claimed by hal_sensor_chn_config_set first. */
  int rc;
  ksensor *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->cfg = *cfg;
  for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) s->common_slot[c] = -1;
  k_vicap_probe_config probe;
  memset(&probe, 0, sizeof probe);
  probe.csi_num = (k_u32)cfg->dev + VICAP_CSI0; /* k_vicap_csi_num counts from 1 */
  probe.width = cfg->width;
  probe.height = cfg->height;
  probe.fps = cfg->fps;
  if (kd_mpi_sensor_adapt_get(&probe, &s->info) != 0 || !s->info.sensor_name) {
    free(s);
    return ERR_ENODEV; /* no sensor answered on this CSI */
  }
  s->mirror = probe.mirror;
  if ((rc = hal_handle_alloc(HAL_KIND_SENSOR, s, &s->h))) {
    free(s);
    return rc;
  }
  g_open[cfg->dev] = s;
  k230_ep_register(HAL_MOD_SENSOR, cfg->dev, s, describe, NULL);
  *out = s->h;
  return 0;
}

/* What VICAP produces for a HAL format. It outputs YUV420SP and RGB888 (and planar RGB): CanMV
 * asks RGB888 for RGB565 and YUV420SP for GRAYSCALE and converts (sensor.py:461-466);
 * hal_sensor_snapshot does the same. ARGB8888 is not a camera format. */
static k_pixel_format vicap_fmt(hal_pixfmt f) {
  switch (f) {
    case HAL_PIXFMT_NV12:
    case HAL_PIXFMT_GRAYSCALE: return PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    case HAL_PIXFMT_RGB888:
    case HAL_PIXFMT_RGB565: return PIXEL_FORMAT_RGB_888;
    default: return PIXEL_FORMAT_BUTT;
  }
}

/* Plane alignment of a channel (k_vicap_chn_attr.alignment, log2 bytes): the app's, or by default
 * 12 for YUV channels. They can feed the encoder, whose input planes are 4 KiB-aligned: CanMV asks
 * for 12 on every camera -> encoder path (mp4format.py, rtspserver.py: set_framesize(...,
 * alignment=12)), and a channel may be bound to the encoder after it runs. */
static uint8_t chn_alignment(const hal_sensor_chn_config *c) { return (uint8_t)hal_sensor_chn_alignment(c); }

/* A VICAP channel buffer: one picture, its planes aligned, 4 KiB aligned (CanMV sensor.py). */
static uint64_t chn_buf_size(const hal_sensor_chn_config *c) {
  uint64_t y = (uint64_t)c->width * c->height, al = 1ull << chn_alignment(c);
  if (vicap_fmt(c->format) == PIXEL_FORMAT_YUV_SEMIPLANAR_420) return K_ALIGN_UP(K_ALIGN_UP(y, al) + y / 2, 4096);
  return K_ALIGN_UP(y * 3, 4096);
}

uint32_t k230_sensor_fps(int dev) {
  if (dev < 0 || dev >= HAL_SENSOR_MAX_DEV || !g_open[dev]) return 0;
  return g_open[dev]->info.fps ? g_open[dev]->info.fps : g_open[dev]->cfg.fps;
}

static int max_for_chn(int chn, uint32_t *w, uint32_t *h) {
  if (chn == 0) {
    *w = 3072;
    *h = 2160;
  } else {
    *w = 1920;
    *h = 1080;
  }
  return 0;
}

int hal_sensor_chn_config_set(hal_handle sensor, int chn, const hal_sensor_chn_config *cfg) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (s->running) return ERR_ESTATE;
  uint32_t mw, mh;
  if (chn < 0 || chn >= HAL_SENSOR_MAX_CHN || !cfg) return ERR_EINVAL;
  /* VICAP writes rows in 16-pixel units: CanMV's set_framesize aligns the width up to 16
   * (sensor.py:581); the channel then describes the width it really has. */
  hal_sensor_chn_config aligned = *cfg;
  aligned.width = K_ALIGN_UP(cfg->width, 16);
  cfg = &aligned;
  max_for_chn(chn, &mw, &mh);
  if (cfg->width < 64 || cfg->height < 64 || cfg->width % 2 || cfg->height % 2 || cfg->width > mw || cfg->height > mh ||
      cfg->width > s->info.width || cfg->height > s->info.height || cfg->buf_cnt < 1 || cfg->buf_cnt > 32 ||
      cfg->alignment < HAL_SENSOR_ALIGN_AUTO || cfg->alignment > 12 ||
      !hal_pixfmt_size(cfg->format, cfg->width, cfg->height))
    return ERR_EINVAL;
  if (vicap_fmt(cfg->format) == PIXEL_FORMAT_BUTT) return ERR_ENOTSUP;
#if !K230_MPP_VICAP_POOL_ID
  /* The 2024 MPP's VICAP takes channel buffers from common pools: claim one now, before VB is
   * initialised (CanMV configures it in set_framesize, before MediaManager.init). */
  int slot = -1;
  if ((rc = k230_vb_common_claim(chn_buf_size(cfg), cfg->buf_cnt, &slot))) return rc;
  k230_vb_common_release(s->common_slot[chn]);
  s->common_slot[chn] = slot;
#endif
  s->chn[chn] = *cfg;
  s->chn_on[chn] = 1;
  return 0;
}

int hal_sensor_run(hal_handle sensor) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (s->running) return ERR_ESTATE;
  if ((rc = k230_vb_ensure_init())) return rc;
  k_vicap_dev dev = (k_vicap_dev)s->cfg.dev;
  k_vicap_dev_attr da;
  memset(&da, 0, sizeof da);
  da.acq_win.width = s->info.width;
  da.acq_win.height = s->info.height;
  da.mode = VICAP_WORK_ONLINE_MODE;
  da.input_type = VICAP_INPUT_TYPE_SENSOR;
  da.pipe_ctrl.data = 0xffffffff; /* the full ISP pipe, minus what needs calibration we lack */
  da.pipe_ctrl.bits.af_enable = 0;
  da.pipe_ctrl.bits.ahdr_enable = 0;
  da.pipe_ctrl.bits.dnr3_enable = 0;
  da.dw_enable = K_FALSE;
  da.cpature_frame = 0;
  da.sensor_info = s->info;
  da.mirror = (k_vicap_mirror)s->mirror; /* CanMV sensor.py starts from the probe's mirror */
  da.dev_enable = K_TRUE;
  if ((rc = k230_err(kd_mpi_vicap_set_dev_attr(dev, da)))) return rc;
  int any = 0;
  for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) {
    if (!s->chn_on[c]) continue;
    any = 1;
    const hal_sensor_chn_config *cc = &s->chn[c];
    k_vicap_chn_attr ca;
    memset(&ca, 0, sizeof ca);
    ca.out_win.width = (k_u16)cc->width;
    ca.out_win.height = (k_u16)cc->height;
    ca.crop_win = da.acq_win;
    ca.scale_win = ca.out_win;
    ca.crop_enable = K_FALSE;
    ca.scale_enable = K_FALSE;
    ca.chn_enable = K_TRUE;
    ca.pix_format = vicap_fmt(cc->format);
    ca.buffer_num = cc->buf_cnt;
    ca.buffer_size = (k_u32)chn_buf_size(cc);
#if K230_MPP_VICAP_POOL_ID
    ca.buffer_pool_id = (k_s32)VB_INVALID_POOLID; /* the MPP makes the channel's pool */
#endif
    ca.alignment = chn_alignment(cc);
    ca.fps = 0;
    if ((rc = k230_err(kd_mpi_vicap_set_chn_attr(dev, (k_vicap_chn)c, ca)))) return rc;
    /* Keep one buffer back so hal_sensor_snapshot can dump while the channel is bound. */
    kd_mpi_vicap_set_dump_reserved(dev, (k_vicap_chn)c, K_TRUE);
  }
  if (!any) return ERR_ESTATE;
  if ((rc = k230_err(kd_mpi_vicap_init(dev)))) return rc;
  s->inited = 1;
  if ((rc = k230_err(kd_mpi_vicap_start_stream(dev)))) {
    kd_mpi_vicap_deinit(dev);
    s->inited = 0;
    return rc;
  }
  s->running = 1;
  return 0;
}

int hal_sensor_stop(hal_handle sensor) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (!s->running) return 0;
  k230_frames_release_owner(s); /* dumped frames go back before the stream stops */
  kd_mpi_vicap_stop_stream((k_vicap_dev)s->cfg.dev);
  if (s->inited) kd_mpi_vicap_deinit((k_vicap_dev)s->cfg.dev);
  s->inited = 0;
  s->running = 0;
  return 0;
}

/* A YUV420SP picture as GRAYSCALE: its Y plane (CanMV makes a GRAYSCALE image of it). */
static void as_grayscale(hal_frame *f) {
  f->format = HAL_PIXFMT_GRAYSCALE;
  f->size = (size_t)f->stride[0] * f->height;
  f->data[1] = NULL;
  f->phys[1] = 0;
  f->stride[1] = 0;
}

/* An RGB888 picture as RGB565 (little-endian, R high), converted in its own buffer: each output
 * pixel lands at or before the input pixel it comes from, so one forward pass is safe. */
static void as_rgb565(hal_frame *f) {
  uint8_t *p = f->data[0];
  for (uint32_t y = 0; y < f->height; y++) {
    const uint8_t *in = p + (size_t)y * f->stride[0];
    uint8_t *o = p + (size_t)y * f->width * 2;
    for (uint32_t x = 0; x < f->width; x++, in += 3) {
      uint16_t v = (uint16_t)(((in[0] >> 3) << 11) | ((in[1] >> 2) << 5) | (in[2] >> 3));
      o[2 * x] = (uint8_t)v;
      o[2 * x + 1] = (uint8_t)(v >> 8);
    }
  }
  f->format = HAL_PIXFMT_RGB565;
  f->stride[0] = f->width * 2;
  f->size = (size_t)f->width * 2 * f->height;
}

static void dump_release(k230_frame *f) {
  kd_mpi_vicap_dump_release((k_vicap_dev)f->dev, (k_vicap_chn)f->chn, &f->info);
}

int hal_sensor_snapshot(hal_handle sensor, int chn, int timeout_ms, hal_frame **out) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (!out || chn < 0 || chn >= HAL_SENSOR_MAX_CHN) return ERR_EINVAL;
  if (!s->running) return ERR_ESTATE;
  if (!s->chn_on[chn]) return ERR_EINVAL;
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  /* CanMV dumps every channel with VICAP_DUMP_YUV, whatever its format (sensor.py:356). */
  k_s32 r = kd_mpi_vicap_dump_frame((k_vicap_dev)s->cfg.dev, (k_vicap_chn)chn, VICAP_DUMP_YUV, &info,
                                    timeout_ms < 0 ? 0x7fffffff : (k_u32)timeout_ms);
  if (r) return k230_err(r) == ERR_EIO ? ERR_ETIMEDOUT : k230_err(r);
  k230_frame *f = k230_frame_wrap(&info, dump_release, s, s->cfg.dev, chn);
  if (!f) {
    kd_mpi_vicap_dump_release((k_vicap_dev)s->cfg.dev, (k_vicap_chn)chn, &info);
    return ERR_EIO;
  }
  if (s->chn[chn].format == HAL_PIXFMT_GRAYSCALE) as_grayscale(&f->pub);
  if (s->chn[chn].format == HAL_PIXFMT_RGB565) as_rgb565(&f->pub);
  s->frames++;
  k230_frame_give(f);
  *out = &f->pub;
  return 0;
}

int hal_sensor_bind_info(hal_handle sensor, int chn, int x, int y, hal_bind_info *out) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if ((rc = describe(s, chn, out))) return rc;
  out->x = x;
  out->y = y;
  return 0;
}

int hal_sensor_stats_get(hal_handle sensor, hal_sensor_stats *out) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  /* Bound paths run in hardware; the MPP does not report per-channel counts to user space. */
  out->frames = s->frames;
  out->dropped = 0;
  out->late = 0;
  return 0;
}

int hal_sensor_info_get(hal_handle sensor, hal_sensor_info *out) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", s->info.sensor_name ? s->info.sensor_name : "");
  out->width = s->info.width;
  out->height = s->info.height;
  out->fps = s->info.fps;
  return 0;
}

int hal_sensor_close(hal_handle sensor) {
  ksensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, sensor, (void **)&s);
  if (rc) return rc;
  if (k230_link_involves(HAL_MOD_SENSOR, s->cfg.dev, -1)) return ERR_EBUSY;
  hal_sensor_stop(sensor);
  for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) k230_vb_common_release(s->common_slot[c]);
  k230_ep_unregister(HAL_MOD_SENSOR, s->cfg.dev);
  g_open[s->cfg.dev] = NULL;
  hal_handle_free(sensor);
  free(s);
  return 0;
}
