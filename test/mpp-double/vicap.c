/* Sensor + VICAP: a simulated sensor on each CSI (probed by kd_mpi_sensor_adapt_get), devices
 * with the MPP's attribute -> init -> start_stream -> stop_stream -> deinit sequence, channel
 * buffers from VB (common pools on the 2024 MPP, buffer_pool_id or an auto-created pool on the
 * current one), and a producer thread per device that renders the simulator's pictures (the
 * pattern camera, or K230JS_SIM_SENSOR=file:/v4l2: through the codec module) into the channel
 * buffers, pushes them to bound sinks and serves kd_mpi_vicap_dump_frame.
 *
 * The simulated sensor is mounted upside down: its probe reports mirror = VICAP_MIRROR_VER as its
 * default, and a device started without that mirror delivers the picture flipped, as a board
 * whose module sits that way would. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double.h"
#include "pixfmt.h" /* hal/common */
#include "hal_sim.h"
#include "internal.h" /* hal/host: sensor_src_* (the codec module's file/V4L2 sources) */
#include "k_venc_comm.h"
#include "mpi_sensor_api.h"
#include "mpi_vb_api.h"
#include "mpi_vicap_api.h"

#define SENSOR_NAME "dbl-ov5647"
#define DEFAULT_MIRROR VICAP_MIRROR_VER
#define MAX_BUFS 32
#define MAX_DUMPS 8

typedef struct mode {
  uint16_t w, h, fps;
} mode;
/* OV5647's modes (the sensor CanMV boards ship with). */
static const mode k_modes[] = {{640, 480, 90}, {1280, 720, 60}, {1280, 960, 45}, {1920, 1080, 30}, {2592, 1944, 10}};

typedef struct vchn {
  int set;
  k_vicap_chn_attr attr;
  k_vb_blk_handle buf[MAX_BUFS];
  uint32_t nbuf;
  k_u32 pool; /* auto-created (current MPP), VB_INVALID_POOLID otherwise */
  k_video_frame_info latest;
  uint64_t latest_seq; /* frames produced on this channel */
} vchn;

typedef struct vdev {
  int probed, dev_set, inited, streaming;
  k_vicap_sensor_info probe_info;
  k_vicap_dev_attr attr;
  vchn chn[VICAP_CHN_ID_MAX];
  pthread_t th;
  int quit;
  uint32_t pace;
  sensor_src *src;
  struct {
    int used;
    k_vicap_chn chn;
    k_vb_blk_handle blk;
  } dumps[MAX_DUMPS];
  uint64_t dropped;
} vdev;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static vdev g_dev[VICAP_DEV_ID_MAX];

static size_t pic_size(k_pixel_format f, uint32_t w, uint32_t h) {
  switch (f) {
    case PIXEL_FORMAT_YUV_SEMIPLANAR_420: return (size_t)w * h * 3 / 2;
    case PIXEL_FORMAT_RGB_888:
    case PIXEL_FORMAT_RGB_888_PLANAR: return (size_t)w * h * 3;
    default: return 0;
  }
}

/* The Y->UV distance for a channel's alignment (0: 1 byte ... 12: 4096 bytes). */
static uint64_t uv_offset(const k_vicap_chn_attr *a) {
  uint64_t al = 1ull << (a->alignment > 12 ? 12 : a->alignment);
  return ((uint64_t)a->out_win.width * a->out_win.height + al - 1) / al * al;
}

/* ---- sensor ---- */
k_s32 kd_mpi_sensor_adapt_get(k_vicap_probe_config *config, k_vicap_sensor_info *info) {
  if (!config || !info) return K_ERR_VICAP_NULL_PTR;
  if (config->csi_num < VICAP_CSI0 || config->csi_num > VICAP_CSI2) return K_ERR_VICAP_INVALID_DEVID;
  const mode *m = &k_modes[sizeof k_modes / sizeof k_modes[0] - 1];
  for (size_t i = 0; i < sizeof k_modes / sizeof k_modes[0]; i++)
    if (k_modes[i].w >= config->width && k_modes[i].h >= config->height && k_modes[i].fps >= config->fps) {
      m = &k_modes[i];
      break;
    }
  memset(info, 0, sizeof *info);
  info->sensor_name = SENSOR_NAME;
  info->database_name = SENSOR_NAME;
  info->width = m->w;
  info->height = m->h;
  info->csi_num = (k_vicap_csi_num)config->csi_num;
  info->mipi_lanes = VICAP_MIPI_2LANE;
  info->fps = m->fps;
  config->mirror = DEFAULT_MIRROR;
  snprintf((char *)config->sensor_name, sizeof config->sensor_name, "%s", SENSOR_NAME);
  pthread_mutex_lock(&g_mu);
  vdev *d = &g_dev[config->csi_num - VICAP_CSI0];
  d->probed = 1;
  d->probe_info = *info;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- attributes ---- */
static vdev *dev_of(k_vicap_dev dev) { return dev >= VICAP_DEV_ID_0 && dev < VICAP_DEV_ID_MAX ? &g_dev[dev] : NULL; }

k_s32 kd_mpi_vicap_set_dev_attr(k_vicap_dev dev_num, k_vicap_dev_attr dev_attr) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int busy = d->inited, probed = d->probed;
  if (!busy) {
    d->attr = dev_attr;
    d->dev_set = 1;
  }
  pthread_mutex_unlock(&g_mu);
  if (busy) return K_ERR_VICAP_NOT_PERM;
  if (!dev_attr.sensor_info.sensor_name || !probed) return K_ERR_VICAP_ILLEGAL_PARAM;
  dbl_check(dev_attr.mirror == DEFAULT_MIRROR, "VICAP-DEFAULT-MIRROR", "dev %d: mirror %d, the probe said %d", dev_num,
            dev_attr.mirror, DEFAULT_MIRROR);
  return 0;
}

k_s32 kd_mpi_vicap_set_chn_attr(k_vicap_dev dev_num, k_vicap_chn chn_num, k_vicap_chn_attr a) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  if (chn_num < VICAP_CHN_ID_0 || chn_num >= VICAP_CHN_ID_MAX) return K_ERR_VICAP_INVALID_CHNID;
  k_s32 rc = 0;
  if (!dbl_check(a.out_win.width % 16 == 0, "VICAP-WIDTH16", "dev %d chn %d: width %u", dev_num, chn_num,
                 a.out_win.width))
    rc = K_ERR_VICAP_ILLEGAL_PARAM;
  size_t need = pic_size(a.pix_format, a.out_win.width, a.out_win.height);
  if (!dbl_check(need != 0, "VICAP-OUT-FORMAT", "dev %d chn %d: pix_format %d", dev_num, chn_num, a.pix_format))
    rc = K_ERR_VICAP_NOT_SUPPORT;
  else if (!dbl_check(a.buffer_size >= need, "VICAP-BUFFER-SIZE",
                      "dev %d chn %d: buffer_size %u for a %ux%u picture of %zu bytes", dev_num, chn_num, a.buffer_size,
                      a.out_win.width, a.out_win.height, need))
    rc = K_ERR_VICAP_ILLEGAL_PARAM;
#if K230_MPP_VICAP_POOL_ID
  if (a.buffer_pool_id != (k_s32)VB_INVALID_POOLID) {
    int fits = dbl_vb_pool_fits((k_u32)a.buffer_pool_id, a.buffer_size);
    if (!dbl_check(fits >= (int)a.buffer_num && fits > 0, "VICAP-POOL-ID", "dev %d chn %d: buffer_pool_id %d is %s",
                   dev_num, chn_num, a.buffer_pool_id,
                   fits < 0 ? "no pool" : "a pool without room for the channel's buffers"))
      rc = K_ERR_VICAP_ILLEGAL_PARAM;
  }
#endif
  if (a.buffer_num < 1 || a.buffer_num > MAX_BUFS) rc = K_ERR_VICAP_ILLEGAL_PARAM;
  pthread_mutex_lock(&g_mu);
  if (d->inited) rc = K_ERR_VICAP_NOT_PERM;
  if (!rc) {
    d->chn[chn_num].attr = a;
    d->chn[chn_num].set = 1;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

void kd_mpi_vicap_set_dump_reserved(k_vicap_dev dev_num, k_vicap_chn chn_num, k_bool reserved) {}

/* A VI channel feeding the encoder needs 4 KiB planes (VICAP-ENCODER-ALIGN). mu held. */
static void check_encoder_align(int dev, int chn) {
  vchn *c = &g_dev[dev].chn[chn];
  if (!c->set || !c->attr.chn_enable) return;
  for (int v = 0; v < VENC_MAX_CHN_NUMS; v++) {
    k_mpp_chn dst = {K_ID_VENC, 0, v}, src;
    if (dbl_bind_source(&dst, &src) && src.mod_id == K_ID_VI && src.dev_id == dev && src.chn_id == chn)
      dbl_check(c->attr.alignment == 12, "VICAP-ENCODER-ALIGN", "dev %d chn %d feeds VENC chn %d with alignment %u",
                dev, chn, v, c->attr.alignment);
  }
}

static k_s32 bind_check(const k_mpp_chn *src, const k_mpp_chn *dst) {
  if (src->mod_id != K_ID_VI || dst->mod_id != K_ID_VENC) return 0;
  if (src->dev_id < 0 || src->dev_id >= VICAP_DEV_ID_MAX || src->chn_id < 0 || src->chn_id >= VICAP_CHN_ID_MAX)
    return K_ERR_VICAP_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  vchn *c = &g_dev[src->dev_id].chn[src->chn_id];
  if (g_dev[src->dev_id].inited && c->set)
    dbl_check(c->attr.alignment == 12, "VICAP-ENCODER-ALIGN", "dev %d chn %d bound to VENC chn %d with alignment %u",
              src->dev_id, src->chn_id, dst->chn_id, c->attr.alignment);
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- init / deinit ---- */
static void chn_free(vchn *c) {
  for (uint32_t i = 0; i < c->nbuf; i++) dbl_vb_unref(c->buf[i], VB_UID_VI);
  c->nbuf = 0;
  if (c->pool != VB_INVALID_POOLID) dbl_vb_pool_destroy_internal(c->pool);
  c->pool = VB_INVALID_POOLID;
}

k_s32 kd_mpi_vicap_init(k_vicap_dev dev_num) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  if (d->inited) {
    rc = K_ERR_VICAP_EXIST;
    goto out;
  }
  int any = 0;
  for (int c = 0; c < VICAP_CHN_ID_MAX; c++) any |= d->chn[c].set && d->chn[c].attr.chn_enable;
  if (!dbl_check(d->dev_set && any, "VICAP-ATTR-BEFORE-INIT", "kd_mpi_vicap_init(%d) without %s", dev_num,
                 d->dev_set ? "an enabled channel" : "device attributes")) {
    rc = K_ERR_VICAP_NOT_CONFIG;
    goto out;
  }
  if (!dbl_check(dbl_vb_ready(), "VICAP-VB-FIRST", "kd_mpi_vicap_init(%d) before kd_mpi_vb_init", dev_num)) {
    rc = K_ERR_VICAP_NOTREADY;
    goto out;
  }
  for (int ci = 0; ci < VICAP_CHN_ID_MAX && !rc; ci++) {
    vchn *c = &d->chn[ci];
    c->pool = VB_INVALID_POOLID;
    c->latest_seq = 0;
    if (!c->set || !c->attr.chn_enable) continue;
    k_u32 from = VB_INVALID_POOLID; /* common pools */
#if K230_MPP_VICAP_POOL_ID
    if (c->attr.buffer_pool_id == (k_s32)VB_INVALID_POOLID) {
      c->pool = dbl_vb_pool_create_internal(c->attr.buffer_size, c->attr.buffer_num, "VICAP");
      if (c->pool == VB_INVALID_POOLID) rc = K_ERR_VICAP_NOMEM;
      from = c->pool;
    } else {
      from = (k_u32)c->attr.buffer_pool_id;
    }
#else
    uint32_t free_common = dbl_vb_free_blocks(VB_INVALID_POOLID, c->attr.buffer_size);
    if (!dbl_check(free_common >= c->attr.buffer_num, "VICAP-COMMON-POOL",
                   "dev %d chn %d needs %u common blocks of %u bytes, %u are free", dev_num, ci, c->attr.buffer_num,
                   c->attr.buffer_size, free_common))
      rc = K_ERR_VICAP_NOMEM;
#endif
    for (uint32_t i = 0; i < c->attr.buffer_num && !rc; i++) {
      c->buf[i] = dbl_vb_take(from, c->attr.buffer_size, VB_UID_VI);
      if (c->buf[i] == VB_INVALID_HANDLE) rc = K_ERR_VICAP_NOMEM;
      else c->nbuf++;
    }
    if (!rc) check_encoder_align(dev_num, ci);
  }
  if (rc) {
    for (int ci = 0; ci < VICAP_CHN_ID_MAX; ci++) chn_free(&d->chn[ci]);
    goto out;
  }
  d->inited = 1;
out:
  pthread_mutex_unlock(&g_mu);
  return rc;
}

k_s32 kd_mpi_vicap_deinit(k_vicap_dev dev_num) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int streaming = d->streaming, inited = d->inited;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(!streaming, "VICAP-STOP-BEFORE-DEINIT", "kd_mpi_vicap_deinit(%d) while streaming", dev_num))
    kd_mpi_vicap_stop_stream(dev_num);
  if (!inited) return K_ERR_VICAP_NOT_CONFIG;
  pthread_mutex_lock(&g_mu);
  for (int ci = 0; ci < VICAP_CHN_ID_MAX; ci++) {
    chn_free(&d->chn[ci]);
    d->chn[ci].set = 0;
  }
  d->inited = 0;
  d->dev_set = 0;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- the producer ---- */
static void flip(hal_frame *f, int hor, int ver) {
  for (int p = 0; p < hal_pixfmt_planes(f->format); p++) {
    /* NV12's UV plane: pairs of bytes, half as many as the picture is wide. */
    uint32_t rows = hal_pixfmt_plane_rows(f->format, p, f->height), bpp = hal_pixfmt_bpp(f->format) * (p ? 2 : 1);
    uint32_t cols = f->width / (p ? 2 : 1), row_len = cols * bpp;
    uint8_t tmp[16];
    if (ver)
      for (uint32_t y = 0; y < rows / 2; y++) {
        uint8_t *a = f->data[p] + (size_t)y * f->stride[p], *b = f->data[p] + (size_t)(rows - 1 - y) * f->stride[p];
        for (uint32_t x = 0; x < row_len; x++) {
          uint8_t t = a[x];
          a[x] = b[x];
          b[x] = t;
        }
      }
    if (hor)
      for (uint32_t y = 0; y < rows; y++) {
        uint8_t *r = f->data[p] + (size_t)y * f->stride[p];
        for (uint32_t x = 0; x < cols / 2; x++) {
          memcpy(tmp, r + x * bpp, bpp);
          memcpy(r + x * bpp, r + (cols - 1 - x) * bpp, bpp);
          memcpy(r + (cols - 1 - x) * bpp, tmp, bpp);
        }
      }
  }
}

/* mu held. A channel buffer nobody but VICAP holds. */
static k_vb_blk_handle free_buf(vchn *c) {
  for (uint32_t i = 0; i < c->nbuf; i++)
    if (dbl_vb_users(c->buf[i]) == 1) return c->buf[i];
  return VB_INVALID_HANDLE;
}

static void produce(vdev *d, int dev, int ci, uint32_t n) {
  vchn *c = &d->chn[ci];
  pthread_mutex_lock(&g_mu);
  k_vb_blk_handle blk = free_buf(c);
  k_vicap_chn_attr a = c->attr;
  int mirror = d->attr.mirror;
  if (blk == VB_INVALID_HANDLE) d->dropped++;
  else dbl_vb_ref(blk, VB_UID_VI); /* held while rendering and pushing */
  pthread_mutex_unlock(&g_mu);
  if (blk == VB_INVALID_HANDLE) return;
  uint64_t phys = dbl_vb_phys(blk);
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  k_video_frame *v = &info.v_frame;
  v->width = a.out_win.width;
  v->height = a.out_win.height;
  v->pixel_format = a.pix_format;
  v->phys_addr[0] = phys;
  v->stride[0] = a.pix_format == PIXEL_FORMAT_RGB_888 ? a.out_win.width * 3 : a.out_win.width;
  if (a.pix_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420) {
    v->phys_addr[1] = phys + uv_offset(&a);
    v->stride[1] = a.out_win.width;
  }
  v->time_ref = n;
  v->pts = (uint64_t)n * 1000000u / d->attr.sensor_info.fps;
  info.pool_id = (k_u32)kd_mpi_vb_handle_to_pool_id(blk);
  info.mod_id = K_ID_VI;
  hal_frame *f = dbl_frame_wrap(&info, VB_UID_VI);
  if (f) {
    if (d->src) sensor_src_render(d->src, f);
    else hal_sim_pattern_render(f, n);
    /* The module is mounted flipped (DEFAULT_MIRROR); the device's mirror undoes it. */
    int net = mirror ^ DEFAULT_MIRROR;
    if (net) flip(f, net & VICAP_MIRROR_HOR, net & VICAP_MIRROR_VER);
    frame_unref(f);
  }
  k_mpp_chn src = {K_ID_VI, dev, ci};
  dbl_bind_push(&src, &info);
  pthread_mutex_lock(&g_mu);
  k_vb_blk_handle old = VB_INVALID_HANDLE;
  if (c->latest_seq) old = dbl_vb_find(c->latest.v_frame.phys_addr[0]);
  c->latest = info; /* keeps our extra reference for kd_mpi_vicap_dump_frame */
  c->latest_seq++;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (old != VB_INVALID_HANDLE) dbl_vb_unref(old, VB_UID_VI);
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *producer(void *arg) {
  vdev *d = arg;
  int dev = (int)(d - g_dev);
  uint64_t t0 = now_us();
  for (uint32_t n = 0;; n++) {
    uint64_t due = t0 + (uint64_t)n * 1000000u / ((uint64_t)d->attr.sensor_info.fps * d->pace);
    pthread_mutex_lock(&g_mu);
    while (!d->quit) {
      uint64_t now = now_us();
      if (now >= due) break;
      struct timespec ts;
      base_deadline(&ts, (int)((due - now + 999) / 1000));
      pthread_cond_timedwait(&g_cv, &g_mu, &ts);
    }
    int quit = d->quit;
    pthread_mutex_unlock(&g_mu);
    if (quit) break;
    if (d->src) sensor_src_next(d->src);
    for (int ci = 0; ci < VICAP_CHN_ID_MAX; ci++)
      if (d->chn[ci].nbuf) produce(d, dev, ci, n);
  }
  return NULL;
}

k_s32 kd_mpi_vicap_start_stream(k_vicap_dev dev_num) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int ok = d->inited && !d->streaming;
  pthread_mutex_unlock(&g_mu);
  if (!ok) return K_ERR_VICAP_NOT_PERM;
  const char *pace = getenv("K230JS_SIM_SENSOR_PACE");
  d->pace = pace && atoi(pace) >= 1 && atoi(pace) <= 100 ? (uint32_t)atoi(pace) : 1;
  const char *spec = getenv("K230JS_SIM_SENSOR");
  d->src = NULL;
  if (spec && *spec && strcmp(spec, "pattern") != 0 && sensor_src_open(spec, &d->src) != 0)
    return K_ERR_VICAP_NOTREADY; /* the source is unavailable: the board's sensor would not stream */
  d->quit = 0;
  if (pthread_create(&d->th, NULL, producer, d) != 0) {
    sensor_src_close(d->src);
    d->src = NULL;
    return K_ERR_VICAP_NOMEM;
  }
  pthread_mutex_lock(&g_mu);
  d->streaming = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_vicap_stop_stream(k_vicap_dev dev_num) {
  vdev *d = dev_of(dev_num);
  if (!d) return K_ERR_VICAP_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int streaming = d->streaming;
  d->quit = 1;
  pthread_cond_broadcast(&g_cv);
  int dumps = 0;
  for (int i = 0; i < MAX_DUMPS; i++) dumps += d->dumps[i].used;
  pthread_mutex_unlock(&g_mu);
  if (!streaming) return K_ERR_VICAP_NOT_PERM;
  dbl_check(dumps == 0, "VICAP-DUMP-RELEASE", "kd_mpi_vicap_stop_stream(%d) with %d dumped frame(s) held", dev_num,
            dumps);
  pthread_join(d->th, NULL);
  sensor_src_close(d->src);
  d->src = NULL;
  pthread_mutex_lock(&g_mu);
  d->streaming = 0;
  for (int ci = 0; ci < VICAP_CHN_ID_MAX; ci++) {
    vchn *c = &d->chn[ci];
    if (c->latest_seq) dbl_vb_unref(dbl_vb_find(c->latest.v_frame.phys_addr[0]), VB_UID_VI);
    c->latest_seq = 0;
  }
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- dumps ---- */
k_s32 kd_mpi_vicap_dump_frame(k_vicap_dev dev_num, k_vicap_chn chn_num, k_vicap_dump_format foramt,
                              k_video_frame_info *vf_info, k_u32 milli_sec) {
  vdev *d = dev_of(dev_num);
  if (!d || !vf_info) return K_ERR_VICAP_ILLEGAL_PARAM;
  if (chn_num < VICAP_CHN_ID_0 || chn_num >= VICAP_CHN_ID_MAX) return K_ERR_VICAP_INVALID_CHNID;
  dbl_check(foramt == VICAP_DUMP_YUV, "VICAP-DUMP-YUV", "dev %d chn %d dumped with format %d", dev_num, chn_num,
            foramt);
  struct timespec dl;
  base_deadline(&dl, milli_sec > 0x7fffffff ? 0x7fffffff : (int)milli_sec);
  pthread_mutex_lock(&g_mu);
  vchn *c = &d->chn[chn_num];
  uint64_t seen = c->latest_seq;
  k_s32 rc = 0;
  while (d->streaming && c->latest_seq == seen && rc == 0)
    if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) rc = K_ERR_VICAP_BUF_EMPTY;
  if (!rc && (!d->streaming || c->latest_seq == seen)) rc = K_ERR_VICAP_NOTREADY;
  int slot = -1;
  for (int i = 0; i < MAX_DUMPS && slot < 0 && !rc; i++)
    if (!d->dumps[i].used) slot = i;
  if (!rc && slot < 0) rc = K_ERR_VICAP_NOBUF;
  if (!rc) {
    *vf_info = c->latest;
    k_vb_blk_handle blk = dbl_vb_find(c->latest.v_frame.phys_addr[0]);
    dbl_vb_ref(blk, VB_UID_VI);
    d->dumps[slot].used = 1;
    d->dumps[slot].chn = chn_num;
    d->dumps[slot].blk = blk;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

k_s32 kd_mpi_vicap_dump_release(k_vicap_dev dev_num, k_vicap_chn chn_num, const k_video_frame_info *vf_info) {
  vdev *d = dev_of(dev_num);
  if (!d || !vf_info) return K_ERR_VICAP_ILLEGAL_PARAM;
  k_vb_blk_handle blk = dbl_vb_find(vf_info->v_frame.phys_addr[0]);
  pthread_mutex_lock(&g_mu);
  int found = 0;
  for (int i = 0; i < MAX_DUMPS && !found; i++)
    if (d->dumps[i].used && d->dumps[i].chn == chn_num && d->dumps[i].blk == blk) {
      d->dumps[i].used = 0;
      found = 1;
    }
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(found, "VICAP-DUMP-RELEASE", "kd_mpi_vicap_dump_release(%d, %d): not a dumped frame", dev_num,
                 chn_num))
    return K_ERR_VICAP_ILLEGAL_PARAM;
  dbl_vb_unref(blk, VB_UID_VI);
  return 0;
}

static void vicap_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < VICAP_DEV_ID_MAX; i++) {
    if (g_dev[i].streaming) leak(ctx, "VICAP dev %d still streaming", i);
    if (g_dev[i].inited) leak(ctx, "VICAP dev %d initialised and never deinitialised", i);
    for (int k = 0; k < MAX_DUMPS; k++)
      if (g_dev[i].dumps[k].used)
        leak(ctx, "VICAP dev %d chn %d: a dumped frame never released", i, g_dev[i].dumps[k].chn);
  }
  pthread_mutex_unlock(&g_mu);
}

static void __attribute__((constructor)) vicap_module_init(void) {
  base_cond_init_mono(&g_cv);
  dbl_bind_check_register(bind_check);
}

static const dbl_module vicap_module = {"vicap", vicap_leaks};
DBL_MODULE(vicap_module)
