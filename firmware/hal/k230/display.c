/* hal/display.h on the K230 (k230-platform.md §2.5 "Display"): connector (ST7701 MIPI panel,
 * LT9611 HDMI bridge, or the virtual display) -> VO layers. Video layers show bound sources;
 * OSD layers and hal_display_show take pictures inserted from a private VB pool; writeback is the
 * VO WBC. The connector and VO calls differ between MPP generations: display_vo.h.
 *
 * A landscape mode on a portrait panel (the ST7701 is 480x800 or 480x854, mounted landscape) is
 * turned by 90 degrees as CanMV does by default (display.py:213): video layer 1 turns what it
 * shows (its func, the layer sized as the panel sees it), OSD pictures are turned as
 * they are copied in, and write-backs are turned back. Rectangles are given in the landscape
 * picture and placed on the panel as CanMV places them (display.py:636-637). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/display.h"
#include "display_vo.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"
#include "mpi_vo_api.h"

typedef struct kdisp {
  hal_handle h;
  hal_display_config cfg;
  uint32_t width, height, fps; /* as the app sees the display */
  uint32_t pw, ph;             /* the panel (the connector's hdisplay x vdisplay) */
  int turned;                  /* a landscape mode on a portrait panel: turned by 90 degrees */
  k_u32 turn_pool;             /* write-backs turned back (turned panels) */
  int wbc_slot;                /* 2024 MPP: the write-back's common pool claim, -1 none */
  k_connector_info conn;
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
    /* 23.76 MHz over 660 x 1200 (mpi_connector.c:184): 30 Hz, as the connector's name says */
    {HAL_DISPLAY_ST7701, 854, 480, 30, ST7701_V1_MIPI_2LAN_480X854_30FPS},
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
    if (w < 64 || w > 4096 || h < 64 || h > 4096 || w % 8 || fps < 1 || fps > 200) return ERR_EINVAL;
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
  return ERR_EINVAL;
}

static int accepts(void *obj, int layer, const hal_bind_info *src);

/* Can the layer show pictures of this format? */
static int layer_check(kdisp *d, int layer, hal_pixfmt format) {
  if (layer < 0 || layer >= HAL_LAYER_COUNT) return ERR_EINVAL;
  if (k230_vo_chn(layer) < 0) return ERR_ENOTSUP; /* VIDEO3: no VO layer for it */
  /* Only VO layer 1 turns pictures (display.py:444-445): on a turned panel VIDEO2 cannot show. */
  if (layer == HAL_LAYER_VIDEO2 && d->turned) return ERR_ENOTSUP;
  if (layer <= HAL_LAYER_VIDEO3 && format != HAL_PIXFMT_NV12) return ERR_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && format != HAL_PIXFMT_ARGB8888 && format != HAL_PIXFMT_RGB888 &&
      format != HAL_PIXFMT_RGB565)
    return ERR_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && (uint32_t)(layer - HAL_LAYER_OSD0) >= d->cfg.osd_num) return ERR_EINVAL;
  return 0;
}

/* Can a layer take this rectangle (w x h at x, y)? */
static int rect_check(kdisp *d, const hal_display_layer_config *c) {
  /* The VO reads rows in units of 8 pixels: widths in multiples of 8, also the width the panel
   * sees when it is turned (display.py:451, :501, :572). */
  if (c->width % 8 || (d->turned && c->height % 8)) return ERR_EINVAL;
  /* The rectangle lies on the screen (the VO takes no other, sample_vdec.c:341-345). */
  if (c->x < 0 || c->y < 0 || (uint64_t)c->x + c->width > d->width || (uint64_t)c->y + c->height > d->height)
    return ERR_EINVAL;
  return 0;
}

/* OSD formats as the VO names them: the HAL's RGB565 is little-endian (hal/vb.h), which the VO
 * calls RGB_565_LE (CanMV maps image.RGB565 so, display.py:582; PIXEL_FORMAT_RGB_565 is read
 * big-endian). */
static k_pixel_format osd_format(hal_pixfmt f) {
  return f == HAL_PIXFMT_RGB565 ? PIXEL_FORMAT_RGB_565_LE : k230_pixfmt(f);
}

int hal_display_init(const hal_display_config *cfg, hal_handle *out) {
  if (!cfg || !out || cfg->osd_num > 4) return ERR_EINVAL;
  if (g_disp) return ERR_EBUSY;
  mode m;
  int rc = find_mode(cfg, &m);
  if (rc) return rc;
  kdisp *d = calloc(1, sizeof *d);
  if (!d) return ERR_ENOMEM;
  d->cfg = *cfg;
  d->width = m.w;
  d->height = m.h;
  d->fps = m.fps;
  d->osd_pool = d->turn_pool = VB_INVALID_POOLID;
  for (int i = 0; i < HAL_LAYER_COUNT; i++) d->shown[i] = VB_INVALID_HANDLE;
  k_connector_info info;
  memset(&info, 0, sizeof info);
  if ((rc = k230_err(kd_mpi_get_connector_info(m.conn, &info)))) goto fail;
  if (m.type == HAL_DISPLAY_VIRT) {
    /* The virtual connector takes any size; its pclk is the frame rate (display.py:249-251). */
    info.resolution.hdisplay = m.w;
    info.resolution.vdisplay = m.h;
    info.resolution.pclk = m.fps;
  }
  d->pw = info.resolution.hdisplay;
  d->ph = info.resolution.vdisplay;
  d->turned = m.w > m.h && d->pw < d->ph;
  d->wbc_slot = -1;
#if !K230_MPP_VO_WBC_BLK_CNT
  /* The 2024 MPP writes back into common VB blocks of w x h x 2 (CanMV configures 4 of them,
   * display.py:260-265; hal/k230 has at most two out): claimed before VB is initialised. When
   * VB is in use and cannot take the pool now, the display works without write-backs. */
  if (k230_vb_common_claim((uint64_t)d->pw * d->ph * 2, 3, &d->wbc_slot)) d->wbc_slot = -1;
#endif
  if ((rc = k230_vb_ensure_init())) goto fail;
  d->conn = info;
  if ((rc = k230_vo_up(&d->conn, &d->conn_fd))) goto fail;
  /* §2.5: one pool for OSD pictures, w*h*4 x (osd_num + 2) (one shown + one being replaced). */
  if (cfg->osd_num) {
    d->osd_pool = k230_pool_create((uint64_t)m.w * m.h * 4, cfg->osd_num + 2);
    if (d->osd_pool == VB_INVALID_POOLID) {
      rc = ERR_ENOMEM;
      goto fail_up;
    }
  }
  if ((rc = hal_handle_alloc(HAL_KIND_DISPLAY, d, &d->h))) {
    k230_pool_destroy(d->osd_pool);
    goto fail_up;
  }
  g_disp = d;
  k230_ep_register(HAL_MOD_DISPLAY, 0, d, NULL, accepts);
  *out = d->h;
  return 0;
fail_up:
  k230_vo_down(&d->conn, d->conn_fd, 0, NULL, NULL);
fail:
  k230_vb_common_release(d->wbc_slot);
  free(d);
  return rc;
}

int hal_display_info_get(hal_handle disp, hal_display_info *out) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  out->type = d->cfg.type;
  out->width = d->width;
  out->height = d->height;
  out->fps = d->fps;
  out->frames_composed = d->composed;
  return 0;
}

static void layer_off(kdisp *d, int layer) {
  if (!d->layer_on[layer]) return;
  k230_vo_layer_off(layer);
  /* The layer reads its picture no more: the block can go (the vendor's SDK sample disables the
   * layer, then releases the block it showed: sgf201/k230_pangofly@1aea4ae:
   * src/rtsmart/examples/mpp/sample_vo_osd/vo_test_osd.c, main's format loop). */
  if (d->shown[layer] != VB_INVALID_HANDLE) kd_mpi_vb_release_block(d->shown[layer]);
  d->shown[layer] = VB_INVALID_HANDLE;
  d->layer_on[layer] = 0;
}

/* (Re)configure and enable a layer for rectangle c (a checked one). */
static int layer_apply(kdisp *d, int layer, hal_display_layer_config c) {
  int rc;
  layer_off(d, layer);
  /* The layer's rectangle on the panel. */
  k230_vo_layer_cfg v = {(k_u32)c.x, (k_u32)c.y, c.width, c.height, 0, 0, 0, c.alpha};
  if (d->turned) {
    v.x = d->pw - (k_u32)c.y - c.height;
    v.y = (k_u32)c.x;
    v.width = c.height;
    v.height = c.width;
  }
  if (layer <= HAL_LAYER_VIDEO3) {
    v.format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    v.turn = d->turned;
  } else {
    v.format = osd_format(c.format);
    v.row_bytes = (k_u32)hal_pixfmt_size(c.format, v.width, 1);
  }
  if ((rc = k230_vo_layer_on(layer, &v))) return rc;
  d->layer[layer] = c;
  d->layer_on[layer] = 1;
  return 0;
}

/* A bound source whose layer is off: the layer takes the source's rectangle (CanMV bind_layer). */
static int accepts(void *obj, int layer, const hal_bind_info *src) {
  kdisp *d = obj;
  int rc = layer_check(d, layer, src->format);
  if (rc || d->layer_on[layer]) return rc;
  hal_display_layer_config c = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  c.x = src->x;
  c.y = src->y;
  c.width = src->width ? src->width : d->width;
  c.height = src->height ? src->height : d->height;
  c.format = src->format;
  return (rc = rect_check(d, &c)) ? rc : layer_apply(d, layer, c);
}

int hal_display_layer_set(hal_handle disp, hal_display_layer layer, const hal_display_layer_config *cfg) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!cfg || (int)layer < 0 || layer >= HAL_LAYER_COUNT) return ERR_EINVAL;
  hal_display_layer_config c = *cfg;
  if (!c.width) c.width = d->width;
  if (!c.height) c.height = d->height;
  if ((rc = layer_check(d, (int)layer, c.format)) || (rc = rect_check(d, &c))) return rc;
  return layer_apply(d, (int)layer, c);
}

void k230_display_unbound(int layer) {
  /* The vendor's order: unbind, turn the layer off (it lets go of the source's last picture),
   * then stop and destroy the source (sample_vdec.c:521-527). The next bind or show turns it on. */
  if (g_disp && layer >= 0 && layer < HAL_LAYER_COUNT) layer_off(g_disp, layer);
}

int hal_display_layer_disable(hal_handle disp, hal_display_layer layer) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if ((int)layer < 0 || layer >= HAL_LAYER_COUNT) return ERR_EINVAL;
  layer_off(d, (int)layer);
  return 0;
}

int hal_display_show(hal_handle disp, hal_display_layer layer, const hal_frame *img) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!img || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !d->layer_on[layer]) return ERR_EINVAL;
  if (k230_link_involves(HAL_MOD_DISPLAY, 0, (int)layer)) return ERR_EBUSY;
  const hal_display_layer_config *c = &d->layer[layer];
  if (img->format != c->format || img->width != c->width || img->height != c->height) return ERR_EINVAL;
  size_t size = hal_pixfmt_size(img->format, img->width, img->height);
  uint64_t blk_size = (uint64_t)d->width * d->height * 4;
  if (d->osd_pool == VB_INVALID_POOLID || size > blk_size) {
    /* Video layers and displays without OSD pool: a pool sized for this picture. */
    if (d->osd_pool == VB_INVALID_POOLID) {
      d->osd_pool = k230_pool_create(K_ALIGN_UP(size > blk_size ? size : blk_size, 4096), 3);
      if (d->osd_pool == VB_INVALID_POOLID) return ERR_ENOMEM;
    } else {
      return ERR_ELIMIT;
    }
  }
  uint32_t blk = k230_block_get(d->osd_pool, 0, 100);
  if (blk == VB_INVALID_HANDLE) return ERR_EAGAIN;
  uint64_t phys = kd_mpi_vb_handle_to_phyaddr(blk);
  uint8_t *map = kd_mpi_sys_mmap(phys, (k_u32)K_ALIGN_UP(size, 4096));
  if (!map) {
    kd_mpi_vb_release_block(blk);
    return ERR_EIO;
  }
  /* OSD pictures on a turned panel are turned here (video layer 1 turns its own). */
  int turn = d->turned && layer >= HAL_LAYER_OSD0;
  hal_frame dst = {
      .width = turn ? img->height : img->width, .height = turn ? img->width : img->height, .format = img->format};
  hal_frame_layout(&dst, map, phys, 0);
  if (turn) {
    size_t bpp = hal_pixfmt_bpp(img->format);
    for (uint32_t y = 0; y < img->height; y++)
      for (uint32_t x = 0; x < img->width; x++) /* (x, y) -> (h - 1 - y, x), clockwise */
        memcpy(dst.data[0] + (size_t)x * dst.stride[0] + (size_t)(img->height - 1 - y) * bpp,
               img->data[0] + (size_t)y * img->stride[0] + (size_t)x * bpp, bpp);
  } else {
    for (int p = 0; p < hal_pixfmt_planes(img->format); p++) {
      uint32_t rows = hal_pixfmt_plane_rows(img->format, p, img->height);
      size_t row = dst.stride[p]; /* tight: NV12 rows are width bytes in both planes */
      for (uint32_t y = 0; y < rows; y++)
        memcpy(dst.data[p] + (size_t)y * dst.stride[p], img->data[p] + (size_t)y * img->stride[p], row);
    }
  }
  kd_mpi_sys_munmap(map, (k_u32)K_ALIGN_UP(size, 4096));
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  info.v_frame.width = dst.width;
  info.v_frame.height = dst.height;
  info.v_frame.pixel_format = layer >= HAL_LAYER_OSD0 ? osd_format(img->format) : k230_pixfmt(img->format);
  info.v_frame.stride[0] = dst.stride[0];
  info.v_frame.stride[1] = dst.stride[1];
  info.v_frame.phys_addr[0] = dst.phys[0];
  info.v_frame.phys_addr[1] = dst.phys[1];
  info.pool_id = d->osd_pool;
  info.mod_id = K_ID_VO;
  rc = k230_vo_insert((int)layer, &info);
  if (rc) {
    kd_mpi_vb_release_block(blk);
    return rc;
  }
  /* The previous picture stays on screen until this one replaces it; now it can go. Neither
   * generation's header has a call that says when the VO has finished reading a replaced
   * picture (the newer mpi_vo_api.h has no wait_frame_release): the VO holds the blocks it shows
   * by their VB user count, which is what the MPP double models; hardware must confirm it. */
  if (d->shown[layer] != VB_INVALID_HANDLE) kd_mpi_vb_release_block(d->shown[layer]);
  d->shown[layer] = blk;
  d->composed++;
  return 0;
}

static int wbc_enable(kdisp *d) {
  if (d->wbc_on) return 0;
#if !K230_MPP_VO_WBC_BLK_CNT
  if (d->wbc_slot < 0) return ERR_ENOMEM; /* no common pool for the write-back (hal_display_init) */
#endif
  k_vo_wbc_attr a;
  memset(&a, 0, sizeof a);
#if K230_MPP_VO_WBC_BLK_CNT
  a.blk_cnt = 3; /* the current MPP sizes the write-back itself; CanMV's IDE preview uses 3 */
#else
  /* The VO's output: the panel as it is (ide_dbg.c:425-429 with display.py:252-253, 289). */
  a.target_size.width = d->pw;
  a.target_size.height = d->ph;
  a.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
#endif
  int rc = k230_err(kd_mpi_vo_set_wbc_attr(&a));
  if (!rc) rc = k230_err(kd_mpi_vo_enable_wbc());
  if (!rc) d->wbc_on = 1;
  return rc;
}

static void wbc_back(k230_frame *f) { kd_mpi_wbc_dump_release(&f->info); }
static void turned_back(k230_frame *f) {
  kd_mpi_vb_release_block(kd_mpi_vb_phyaddr_to_handle(f->info.v_frame.phys_addr[0]));
}

/* A panel picture (pw x ph) turned back into the app's view (ph x pw): the inverse of the
 * clockwise turn, as CanMV's IDE preview turns write-backs back (ide_dbg.c:856-871). */
static void turn_back(const hal_frame *s, hal_frame *t) {
  for (uint32_t py = 0; py < s->height; py++)
    for (uint32_t px = 0; px < s->width; px++)
      t->data[0][(size_t)(s->width - 1 - px) * t->stride[0] + py] = s->data[0][(size_t)py * s->stride[0] + px];
  for (uint32_t py = 0; py < s->height / 2; py++)
    for (uint32_t px = 0; px < s->width / 2; px++) {
      const uint8_t *uv = s->data[1] + (size_t)py * s->stride[1] + 2 * px;
      uint8_t *o = t->data[1] + (size_t)(s->width / 2 - 1 - px) * t->stride[1] + 2 * py;
      o[0] = uv[0];
      o[1] = uv[1];
    }
}

/* The screen of a write-back as the app sees it, or NULL. app_held: the frame goes to the app
 * and its release gives everything back (a turned panel's write-back goes back here, turned or
 * not); else the caller gives the write-back back itself. */
static k230_frame *screen_of(kdisp *d, const k_video_frame_info *wb, int app_held) {
  if (!d->turned) return k230_frame_wrap(wb, app_held ? wbc_back : NULL, d, 0, 0);
  uint64_t size = (uint64_t)d->width * d->height * 3 / 2;
  if (d->turn_pool == VB_INVALID_POOLID) d->turn_pool = k230_pool_create(size, 2);
  uint32_t blk = d->turn_pool == VB_INVALID_POOLID ? VB_INVALID_HANDLE : k230_block_get(d->turn_pool, 0, 100);
  if (blk == VB_INVALID_HANDLE) {
    if (app_held) kd_mpi_wbc_dump_release(wb);
    return NULL;
  }
  k230_frame *s = k230_frame_wrap(wb, NULL, d, 0, 0);
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  k_video_frame *v = &info.v_frame;
  v->width = d->width;
  v->height = d->height;
  v->pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  v->stride[0] = v->stride[1] = d->width;
  v->phys_addr[0] = kd_mpi_vb_handle_to_phyaddr(blk);
  v->phys_addr[1] = v->phys_addr[0] + (uint64_t)d->width * d->height;
  v->pts = wb->v_frame.pts;
  v->time_ref = wb->v_frame.time_ref;
  k230_frame *t = s ? k230_frame_wrap(&info, turned_back, d, 0, 0) : NULL;
  if (t) turn_back(&s->pub, &t->pub);
  if (s) {
    kd_mpi_sys_munmap(s->map, (k_u32)s->map_len);
    free(s);
  }
  if (app_held) kd_mpi_wbc_dump_release(wb); /* turned: the copy is what the app holds */
  if (!t) kd_mpi_vb_release_block(blk);
  return t;
}

int hal_display_writeback(hal_handle disp, hal_frame **out) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if ((rc = wbc_enable(d))) return rc;
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  if (kd_mpi_wbc_dump_frame(&info, 100) != 0) return ERR_EAGAIN;
  k230_frame *f = screen_of(d, &info, 1);
  if (!f) {
    if (!d->turned) kd_mpi_wbc_dump_release(&info);
    return ERR_EIO;
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
      k230_frame *f = screen_of(d, &info, 0);
      if (f) {
        if (d->cb) d->cb(d->cb_user, &f->pub);
        kd_mpi_sys_munmap(f->map, (k_u32)f->map_len);
        if (d->turned) turned_back(f);
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
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
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
  if (pthread_create(&d->cb_thread, NULL, cb_loop, d)) return ERR_ENOMEM;
  d->cb_running = 1;
  return 0;
}

static void layers_off(void *arg) {
  for (int i = 0; i < HAL_LAYER_COUNT; i++) layer_off(arg, i);
}

int hal_display_deinit(hal_handle disp) {
  kdisp *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, disp, (void **)&d);
  if (rc) return rc;
  if (k230_link_involves(HAL_MOD_DISPLAY, 0, -1)) return ERR_EBUSY;
  hal_display_set_frame_cb(disp, NULL, NULL);
  k230_frames_release_owner(d);
  k230_vo_down(&d->conn, d->conn_fd, d->wbc_on, layers_off, d);
  k230_vb_common_release(d->wbc_slot);
  k230_pool_destroy(d->osd_pool);
  k230_pool_destroy(d->turn_pool);
  k230_ep_unregister(HAL_MOD_DISPLAY, 0);
  g_disp = NULL;
  hal_handle_free(disp);
  free(d);
  return 0;
}
