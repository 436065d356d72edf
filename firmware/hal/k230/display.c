/* hal/display.h on the K230 (k230-platform.md §2.5 "Display"): connector (ST7701 MIPI panel,
 * LT9611 HDMI bridge, or the virtual display) -> VO layers. Video layers show bound sources;
 * OSD layers and hal_display_show take pictures inserted from a private VB pool
 * (kd_mpi_vo_chn_insert_frame); writeback is the VO WBC. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/display.h"
#include "k230_internal.h"
#include "mpi_connector_api.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"
#include "mpi_vo_api.h"

typedef struct kdisp {
  hal_handle h;
  hal_display_config cfg;
  uint32_t width, height, fps;
  int conn_fd;
  int layer_on[HAL_LAYER_COUNT];
  hal_display_layer_config layer[HAL_LAYER_COUNT];
  k_u32 osd_pool;
  uint32_t shown[HAL_LAYER_COUNT]; /* block on screen per layer (VB handle) */
  int wbc_on;
  uint64_t composed;
  hal_display_frame_cb cb;
  void *cb_user;
  pthread_t cb_thread;
  int cb_running;
  volatile int quit;
} kdisp;

static kdisp *g_disp;

typedef struct mode {
  hal_display_type type;
  uint32_t w, h, fps;
  k_connector_type conn;
} mode;

static const mode g_modes[] = {
    {HAL_DISPLAY_ST7701, 800, 480, 60, ST7701_V1_MIPI_2LAN_480X800_30FPS},
    {HAL_DISPLAY_ST7701, 480, 800, 60, ST7701_V1_MIPI_2LAN_480X800_30FPS},
    {HAL_DISPLAY_ST7701, 854, 480, 60, ST7701_V1_MIPI_2LAN_480X854_30FPS},
    {HAL_DISPLAY_LT9611, 1920, 1080, 30, LT9611_MIPI_4LAN_1920X1080_30FPS},
    {HAL_DISPLAY_LT9611, 1920, 1080, 60, LT9611_MIPI_4LAN_1920X1080_60FPS},
    {HAL_DISPLAY_LT9611, 1280, 720, 60, LT9611_MIPI_4LAN_1280X720_60FPS},
    {HAL_DISPLAY_LT9611, 1280, 720, 50, LT9611_MIPI_4LAN_1280X720_50FPS},
    {HAL_DISPLAY_LT9611, 1280, 720, 30, LT9611_MIPI_4LAN_1280X720_30FPS},
    {HAL_DISPLAY_LT9611, 640, 480, 60, LT9611_MIPI_4LAN_640X480_60FPS},
};

static int find_mode(const hal_display_config *c, mode *out) {
  if (c->type == HAL_DISPLAY_VIRT) {
    uint32_t w = c->width ? c->width : 640, h = c->height ? c->height : 480;
    uint32_t fps = c->fps ? c->fps : 90;
    if (w < 64 || w > 4096 || h < 64 || h > 4096 || w % 8 || fps < 1 || fps > 200)
      return HAL_EINVAL;
    *out = (mode){HAL_DISPLAY_VIRT, w, h, fps, VIRTUAL_DISPLAY_DEVICE};
    return 0;
  }
  for (size_t i = 0; i < sizeof g_modes / sizeof g_modes[0]; i++) {
    const mode *m = &g_modes[i];
    if (m->type != c->type) continue;
    if ((c->width && c->width != m->w) || (c->height && c->height != m->h)) continue;
    if (c->fps && c->fps != m->fps) continue;
    *out = *m;
    return 0;
  }
  return HAL_EINVAL;
}

static int accepts(void *obj, int layer, const hal_bind_info *src) {
  kdisp *d = obj;
  if (layer < 0 || layer >= HAL_LAYER_COUNT) return HAL_EINVAL;
  if (layer <= HAL_LAYER_VIDEO3 && src->format != HAL_PIXFMT_NV12) return HAL_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && src->format != HAL_PIXFMT_ARGB8888 &&
      src->format != HAL_PIXFMT_RGB888 && src->format != HAL_PIXFMT_RGB565)
    return HAL_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && (uint32_t)(layer - HAL_LAYER_OSD0) >= d->cfg.osd_num)
    return HAL_EINVAL;
  return 0;
}

int hal_display_init(const hal_display_config *cfg, hal_handle *out) {
  if (!cfg || !out || cfg->osd_num > 4) return HAL_EINVAL;
  if (g_disp) return HAL_EBUSY;
  mode m;
  int rc = find_mode(cfg, &m);
  if (rc) return rc;
  if ((rc = k230_vb_ensure_init())) return rc;
  kdisp *d = calloc(1, sizeof *d);
  if (!d) return HAL_ENOMEM;
  d->cfg = *cfg;
  d->width = m.w;
  d->height = m.h;
  d->fps = m.fps;
  d->osd_pool = VB_INVALID_POOLID;
  for (int i = 0; i < HAL_LAYER_COUNT; i++) d->shown[i] = VB_INVALID_HANDLE;
  k_connector_info info;
  memset(&info, 0, sizeof info);
  if ((rc = k230_err(kd_mpi_get_connector_info(m.conn, &info)))) goto fail;
  if (m.type == HAL_DISPLAY_VIRT) {
    /* The virtual connector takes any mode: describe it the way the panel drivers do. */
    info.resolution.hdisplay = m.w;
    info.resolution.vdisplay = m.h;
    info.resolution.pclk = m.w * m.h / 1000 * m.fps / 1000;
  }
  d->conn_fd = kd_mpi_connector_open(info.connector_name);
  if (d->conn_fd < 0) {
    rc = HAL_ENODEV;
    goto fail;
  }
  kd_mpi_connector_power_set(d->conn_fd, K_TRUE);
  if ((rc = k230_err(kd_mpi_connector_init(d->conn_fd, info)))) {
    kd_mpi_connector_close(d->conn_fd);
    goto fail;
  }
  /* §2.5: one pool for OSD pictures, w*h*4 x (osd_num + 2) (one shown + one being replaced). */
  if (cfg->osd_num) {
    d->osd_pool = k230_pool_create((uint64_t)m.w * m.h * 4, cfg->osd_num + 2);
    if (d->osd_pool == VB_INVALID_POOLID) {
      kd_mpi_connector_close(d->conn_fd);
      rc = HAL_ENOMEM;
      goto fail;
    }
  }
  if ((rc = kh_alloc(KH_DISPLAY, d, &d->h))) {
    k230_pool_destroy(d->osd_pool);
    kd_mpi_connector_close(d->conn_fd);
    goto fail;
  }
  g_disp = d;
  k230_ep_register(HAL_MOD_DISPLAY, 0, d, NULL, accepts);
  *out = d->h;
  return 0;
fail:
  free(d);
  return rc;
}

int hal_display_info_get(hal_handle disp, hal_display_info *out) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
  out->type = d->cfg.type;
  out->width = d->width;
  out->height = d->height;
  out->fps = d->fps;
  out->frames_composed = d->composed;
  return 0;
}

static void layer_off(kdisp *d, int layer) {
  if (!d->layer_on[layer]) return;
  if (layer <= HAL_LAYER_VIDEO3) kd_mpi_vo_disable_video_layer((k_vo_layer)layer);
  else kd_mpi_vo_osd_disable((k_vo_osd)(layer - HAL_LAYER_OSD0));
  if (d->shown[layer] != VB_INVALID_HANDLE) kd_mpi_vb_release_block(d->shown[layer]);
  d->shown[layer] = VB_INVALID_HANDLE;
  d->layer_on[layer] = 0;
}

int hal_display_layer_set(hal_handle disp, hal_display_layer layer,
                          const hal_display_layer_config *cfg) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!cfg || (int)layer < 0 || layer >= HAL_LAYER_COUNT) return HAL_EINVAL;
  hal_display_layer_config c = *cfg;
  if (!c.width) c.width = d->width;
  if (!c.height) c.height = d->height;
  hal_bind_info probe = {.format = c.format, .width = c.width, .height = c.height};
  if ((rc = accepts(d, (int)layer, &probe))) return rc;
  if (c.x < 0 || c.y < 0) return HAL_EINVAL;
  layer_off(d, (int)layer);
  if (layer <= HAL_LAYER_VIDEO3) {
    k_vo_video_layer_attr a;
    memset(&a, 0, sizeof a);
    a.display_rect.x = (k_u32)c.x;
    a.display_rect.y = (k_u32)c.y;
    a.img_size.width = c.width;
    a.img_size.height = c.height;
    a.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    /* VO video layers take the stride in 8-byte units, minus one, with (height - 1) above. */
    a.stride = (c.width / 8 - 1) + ((c.height - 1) << 16);
    a.func = 0;
    if ((rc = k230_err(kd_mpi_vo_set_video_layer_attr((k_vo_layer)layer, &a)))) return rc;
    if ((rc = k230_err(kd_mpi_vo_enable_video_layer((k_vo_layer)layer)))) return rc;
  } else {
    k_vo_video_osd_attr a;
    memset(&a, 0, sizeof a);
    a.display_rect.x = (k_u32)c.x;
    a.display_rect.y = (k_u32)c.y;
    a.img_size.width = c.width;
    a.img_size.height = c.height;
    a.pixel_format = k230_pixfmt(c.format);
    a.stride = (k_u32)(hal_pixfmt_size(c.format, c.width, 1) / 8);
    a.global_alptha = c.alpha;
    k_vo_osd osd = (k_vo_osd)(layer - HAL_LAYER_OSD0);
    if ((rc = k230_err(kd_mpi_vo_set_video_osd_attr(osd, &a)))) return rc;
    if ((rc = k230_err(kd_mpi_vo_osd_enable(osd)))) return rc;
  }
  d->layer[layer] = c;
  d->layer_on[layer] = 1;
  return 0;
}

int hal_display_layer_disable(hal_handle disp, hal_display_layer layer) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if ((int)layer < 0 || layer >= HAL_LAYER_COUNT) return HAL_EINVAL;
  layer_off(d, (int)layer);
  return 0;
}

int hal_display_show(hal_handle disp, hal_display_layer layer, const hal_frame *img) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!img || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !d->layer_on[layer]) return HAL_EINVAL;
  if (k230_link_involves(HAL_MOD_DISPLAY, 0, (int)layer)) return HAL_EBUSY;
  const hal_display_layer_config *c = &d->layer[layer];
  if (img->format != c->format || img->width != c->width || img->height != c->height)
    return HAL_EINVAL;
  size_t size = hal_pixfmt_size(img->format, img->width, img->height);
  uint64_t blk_size = (uint64_t)d->width * d->height * 4;
  if (d->osd_pool == VB_INVALID_POOLID || size > blk_size) {
    /* Video layers and displays without OSD pool: a pool sized for this picture. */
    if (d->osd_pool == VB_INVALID_POOLID) {
      d->osd_pool = k230_pool_create(K_ALIGN_UP(size > blk_size ? size : blk_size, 4096), 3);
      if (d->osd_pool == VB_INVALID_POOLID) return HAL_ENOMEM;
    } else {
      return HAL_ELIMIT;
    }
  }
  uint32_t blk = k230_block_get(d->osd_pool, 0, 100);
  if (blk == VB_INVALID_HANDLE) return HAL_EAGAIN;
  uint64_t phys = kd_mpi_vb_handle_to_phyaddr(blk);
  uint8_t *map = kd_mpi_sys_mmap(phys, (k_u32)K_ALIGN_UP(size, 4096));
  if (!map) {
    kd_mpi_vb_release_block(blk);
    return HAL_EIO;
  }
  hal_frame dst = {.width = img->width, .height = img->height, .format = img->format};
  k230_layout(&dst, map, phys);
  int planes = img->format == HAL_PIXFMT_NV12 ? 2 : 1;
  for (int p = 0; p < planes; p++) {
    uint32_t rows = p ? img->height / 2 : img->height;
    size_t row = p ? img->width : hal_pixfmt_size(img->format, img->width, 1);
    for (uint32_t y = 0; y < rows; y++)
      memcpy(dst.data[p] + (size_t)y * dst.stride[p], img->data[p] + (size_t)y * img->stride[p], row);
  }
  kd_mpi_sys_munmap(map, (k_u32)K_ALIGN_UP(size, 4096));
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  info.v_frame.width = img->width;
  info.v_frame.height = img->height;
  info.v_frame.pixel_format = k230_pixfmt(img->format);
  info.v_frame.stride[0] = dst.stride[0];
  info.v_frame.stride[1] = dst.stride[1];
  info.v_frame.phys_addr[0] = dst.phys[0];
  info.v_frame.phys_addr[1] = dst.phys[1];
  info.pool_id = d->osd_pool;
  info.mod_id = K_ID_VO;
  rc = k230_err(kd_mpi_vo_chn_insert_frame((k_u32)layer, &info));
  if (rc) {
    kd_mpi_vb_release_block(blk);
    return rc;
  }
  /* The previous picture stays on screen until this one replaces it; now it can go. */
  if (d->shown[layer] != VB_INVALID_HANDLE) kd_mpi_vb_release_block(d->shown[layer]);
  d->shown[layer] = blk;
  d->composed++;
  return 0;
}

static int wbc_enable(kdisp *d) {
  if (d->wbc_on) return 0;
  k_vo_wbc_attr a;
  memset(&a, 0, sizeof a);
#if K230_MPP_VO_WBC_BLK_CNT
  a.blk_cnt = 3; /* the current MPP sizes the write-back itself; CanMV's IDE preview uses 3 */
#else
  a.target_size.width = d->width;
  a.target_size.height = d->height;
  a.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
#endif
  int rc = k230_err(kd_mpi_vo_set_wbc_attr(&a));
  if (!rc) rc = k230_err(kd_mpi_vo_enable_wbc());
  if (!rc) d->wbc_on = 1;
  return rc;
}

static void wbc_back(k230_frame *f) { kd_mpi_wbc_dump_release(&f->info); }

int hal_display_writeback(hal_handle disp, hal_frame **out) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
  if ((rc = wbc_enable(d))) return rc;
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  if (kd_mpi_wbc_dump_frame(&info, 100) != 0) return HAL_EAGAIN;
  k230_frame *f = k230_frame_wrap(&info, wbc_back, d, 0, 0);
  if (!f) {
    kd_mpi_wbc_dump_release(&info);
    return HAL_EIO;
  }
  k230_frame_give(f);
  *out = &f->pub;
  return 0;
}

/* The VO reports no per-composition event: the hook is driven by WBC dumps at the panel rate. */
static void *cb_loop(void *arg) {
  kdisp *d = arg;
  while (!d->quit) {
    k_video_frame_info info;
    memset(&info, 0, sizeof info);
    if (d->wbc_on && kd_mpi_wbc_dump_frame(&info, 100) == 0) {
      k230_frame *f = k230_frame_wrap(&info, NULL, d, 0, 0);
      if (f) {
        if (d->cb) d->cb(d->cb_user, &f->pub);
        kd_mpi_sys_munmap(f->map, (k_u32)f->map_len);
        free(f);
      }
      kd_mpi_wbc_dump_release(&info);
    } else {
      usleep(10000);
    }
  }
  return NULL;
}

int hal_display_set_frame_cb(hal_handle disp, hal_display_frame_cb cb, void *user) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (d->cb_running) {
    d->quit = 1;
    pthread_join(d->cb_thread, NULL);
    d->cb_running = 0;
    d->quit = 0;
  }
  d->cb = cb;
  d->cb_user = user;
  if (!cb) return 0;
  if ((rc = wbc_enable(d))) return rc;
  if (pthread_create(&d->cb_thread, NULL, cb_loop, d)) return HAL_ENOMEM;
  d->cb_running = 1;
  return 0;
}

int hal_display_deinit(hal_handle disp) {
  kdisp *d;
  int rc = kh_get(KH_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (k230_link_involves(HAL_MOD_DISPLAY, 0, -1)) return HAL_EBUSY;
  hal_display_set_frame_cb(disp, NULL, NULL);
  k230_frames_release_owner(d);
  if (d->wbc_on) kd_mpi_vo_disable_wbc();
  for (int i = 0; i < HAL_LAYER_COUNT; i++) layer_off(d, i);
  kd_mpi_connector_power_set(d->conn_fd, K_FALSE);
  kd_mpi_connector_close(d->conn_fd);
  k230_pool_destroy(d->osd_pool);
  k230_ep_unregister(HAL_MOD_DISPLAY, 0);
  g_disp = NULL;
  kh_free(disp);
  free(d);
  return 0;
}
