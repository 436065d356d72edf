/* Connector + VO (only where hal/k230's display is built: a VO user API compiles, the 2024 one,
 * K230_MPP_VO_API, or the newer layer-id one, K230_MPP_VO_LAYER_API).
 *
 * Connectors: the panels hal/k230 drives, with the vendor's timings (kd_mpi_get_connector_info),
 * opened by name; kd_mpi_connector_init brings the VO up at the panel's resolution and rate (the
 * virtual display takes both from the caller: pclk is its frame rate). The VO then has video
 * layers (NV12; layer 1 turns pictures by its func) and OSD layers 0-3, fed by binds and inserted
 * pictures. 2024 API: video layers 0-2 and OSD 0-3 set by their own calls, VO channel = layer
 * (0-2 video, 3-6 OSD), kd_mpi_vo_chn_insert_frame, kd_display_reset at the end. Layer-id API: a
 * kd_mpi_vo_set_dev_attr after the connector, layers 0-7 (0-3 video, 4-7 OSD) set by one
 * kd_mpi_vo_set_layer_attr, kd_mpi_vo_insert_frame by layer id, binds to chn_id = layer id,
 * kd_mpi_vo_clr_dev_attr at the end (the vendor's kd_display.c, rules_av.c). It holds each picture it
 * shows by a VB user count until the next one replaces it or the layer goes off. Each new picture
 * recomposes the panel's screen before the call that brought it returns (a bound source's next
 * picture waits for it, as the hardware's buffers make it wait), with the simulator's composition
 * (hal/host/compose.c); the screen goes to
 * the simulator's display sinks (K230JS_SIM_DISPLAY) as a viewer sees the panel: the ST7701 is a
 * 480x800 panel that CanMV boards mount landscape, so a viewer turns it back. Write-back (WBC)
 * hands out copies of the screen in VB blocks. kd_display_reset (2024) or kd_mpi_vo_clr_dev_attr
 * (layer-id API) takes it all down. */
#include "double.h"

#if K230_MPP_VO_API || K230_MPP_VO_LAYER_API
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "hal_sim.h"
#include "internal.h" /* hal/host: frame_ref/frame_unref over VB blocks (codec.c) */
#include "mpi_connector_api.h"
#include "mpi_vb_api.h"
#include "mpi_vo_api.h"

#define MAX_FDS 8
#define MAX_DUMPS 8
#if K230_MPP_VO_LAYER_API
#define N_VIDEO 4 /* K_VO_LAYER_VIDEO0..3; OSD0..3 are layers 4..7 */
#else
#define N_VIDEO 3 /* K_VO_DISPLAY_CHN_ID0..2; OSD0..3 are channels 3..6 */
#endif
#define N_OSD 4
#define N_CHN (N_VIDEO + N_OSD)

/* ---- panels ---- */
typedef struct panel {
  k_connector_type type;
  const char *name;
  uint32_t hdisplay, vdisplay, pclk_khz, htotal, vtotal;
  int viewer_turns; /* quarter turns (clockwise) a viewer of the mounted panel sees it turned back by */
} panel;

/* The vendor's connector table (canmv-k230/mpp@a94906c:userapps/src/connector/mpi_connector.c, the
 * rows at the lines given): resolution and the timing that gives the panel's rate. */
static const panel k_panels[] = {
    {ST7701_V1_MIPI_2LAN_480X800_30FPS, "st7701", 480, 800, 39600, 600, 1100, 3},    /* :169 */
    {ST7701_V1_MIPI_2LAN_480X854_30FPS, "st7701", 480, 854, 23760, 660, 1200, 3},    /* :184 */
    {LT9611_MIPI_4LAN_1920X1080_60FPS, "lt9611", 1920, 1080, 148500, 2200, 1125, 0}, /* :57 */
    {LT9611_MIPI_4LAN_1920X1080_30FPS, "lt9611", 1920, 1080, 148500, 2200, 1125, 0}, /* :71 */
    {LT9611_MIPI_4LAN_1280X720_60FPS, "lt9611", 1280, 720, 74250, 1616, 765, 0},     /* :99 */
    {LT9611_MIPI_4LAN_1280X720_50FPS, "lt9611", 1280, 720, 74250, 1940, 765, 0},     /* :113 */
    {LT9611_MIPI_4LAN_1280X720_30FPS, "lt9611", 1280, 720, 74250, 3232, 765, 0},     /* :127 */
    {LT9611_MIPI_4LAN_640X480_60FPS, "lt9611", 640, 480, 24750, 800, 525, 0},        /* :141 */
    {VIRTUAL_DISPLAY_DEVICE, "virtdev", 0, 0, 0, 0, 0, 0},                           /* :213 */
};
#define N_PANELS (sizeof k_panels / sizeof k_panels[0])

static const panel *panel_of(k_connector_type t) {
  for (size_t i = 0; i < N_PANELS; i++)
    if (k_panels[i].type == t) return &k_panels[i];
  return NULL;
}

/* ---- state ---- */
typedef struct shown {
  int has;
  k_video_frame_info info;
  k_vb_blk_handle blk; /* held by VB_UID_VO */
} shown;

/* A layer as set (either API): its rectangle on the panel, the quarter turns it gives its
 * pictures (video layers), its global alpha (OSD). */
typedef struct layer {
  int set, enabled;
  k_u32 x, y, w, h;
  int turns;
  k_u8 alpha;
  k_pixel_format format;
  shown cur;
} layer;

static struct {
  pthread_mutex_t mu, screen_mu; /* screen_mu (taken before mu): the screen and its sinks */
  struct {
    int used, powered;
    const panel *p;
  } fd[MAX_FDS];
  int panel_on; /* the last power_set on any connector fd was on */
  /* the VO, from kd_mpi_connector_init to kd_display_reset / kd_mpi_vo_clr_dev_attr */
  int up;
  int dev_set; /* layer-id API: kd_mpi_vo_set_dev_attr done */
  const panel *panel;
  uint32_t w, h, fps;
  layer chn[N_CHN];
  hal_frame screen; /* the panel's picture (malloc'd NV12) */
  uint8_t *screen_mem, *turn_mem;
  uint64_t composed;
  k_u32 viewer_pool; /* the viewer's pictures, VB blocks so the live view can hold them */
  hal_frame *viewer; /* the latest, one reference */
  sim_display_sinks *sinks;
  /* write-back */
  int wbc_set, wbc_on;
  k_vo_wbc_attr wbc;
  k_u32 wbc_pool; /* MPP with blk_cnt: its own pool */
  k_vb_blk_handle dumps[MAX_DUMPS];
} g = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .screen_mu = PTHREAD_MUTEX_INITIALIZER,
       .viewer_pool = VB_INVALID_POOLID,
       .wbc_pool = VB_INVALID_POOLID};

static int is_osd(int chn) { return chn >= N_VIDEO; }

/* ---- connectors ---- */
k_s32 kd_mpi_get_connector_info(k_connector_type connector_type, k_connector_info *info) {
  if (!info) return K_ERR_VO_NULL_PTR;
  const panel *p = panel_of(connector_type);
  if (!p) return K_ERR_UNEXIST; /* as the vendor's table lookup answers (mpi_connector.c:230) */
  memset(info, 0, sizeof *info);
  info->connector_name = p->name;
  info->type = p->type;
  info->resolution.pclk = p->pclk_khz;
  info->resolution.htotal = p->htotal;
  info->resolution.hdisplay = p->hdisplay;
  info->resolution.vtotal = p->vtotal;
  info->resolution.vdisplay = p->vdisplay;
  return 0;
}

k_s32 kd_mpi_connector_open(const char *connector_name) {
  if (!connector_name) return -K_ERR_VO_NULL_PTR;
  const panel *p = NULL;
  for (size_t i = 0; i < N_PANELS && !p; i++)
    if (strcmp(k_panels[i].name, connector_name) == 0) p = &k_panels[i];
  if (!p) return -K_ERR_VO_NOTREADY; /* no /dev/connector_<name> (mpi_connector.c:290) */
  pthread_mutex_lock(&g.mu);
  int fd = -1;
  for (int i = 0; i < MAX_FDS && fd < 0; i++)
    if (!g.fd[i].used) {
      g.fd[i].used = 1;
      g.fd[i].powered = 0;
      g.fd[i].p = p;
      fd = i;
    }
  pthread_mutex_unlock(&g.mu);
  return fd < 0 ? -K_ERR_VO_NOMEM : 100 + fd;
}

static int fd_ok(k_s32 fd) { return fd >= 100 && fd < 100 + MAX_FDS && g.fd[fd - 100].used; }

k_s32 kd_mpi_connector_close(k_s32 fd) {
  pthread_mutex_lock(&g.mu);
  int ok = fd_ok(fd);
  if (ok) g.fd[fd - 100].used = 0;
  pthread_mutex_unlock(&g.mu);
  return ok ? 0 : K_ERR_VO_ILLEGAL_PARAM;
}

k_s32 kd_mpi_connector_power_set(k_s32 fd, k_bool on) {
  pthread_mutex_lock(&g.mu);
  int ok = fd_ok(fd);
  if (ok) g.fd[fd - 100].powered = g.panel_on = on ? 1 : 0;
  pthread_mutex_unlock(&g.mu);
  return ok ? 0 : K_ERR_VO_NOT_SUPPORT;
}

static hal_frame *latest_viewer(void *user);
static void vo_down(void);

k_s32 kd_mpi_connector_init(k_s32 fd, k_connector_info info) {
  pthread_mutex_lock(&g.mu);
  int ok = fd_ok(fd);
  pthread_mutex_unlock(&g.mu);
  if (!ok) return K_ERR_VO_NOT_SUPPORT;
  const panel *p = panel_of(info.type);
  if (!p) return K_ERR_VO_NOT_SUPPORT;
  uint32_t w = info.resolution.hdisplay, h = info.resolution.vdisplay, fps;
  if (p->type == VIRTUAL_DISPLAY_DEVICE)
    fps = info.resolution.pclk; /* CanMV puts the virtual display's frame rate there (display.py:251) */
  else
    fps =
        (uint32_t)((uint64_t)info.resolution.pclk * 1000 / ((uint64_t)info.resolution.htotal * info.resolution.vtotal));
  if (w < 64 || h < 64 || w > 4096 || h > 4096 || (w | h) & 1 || !fps) return K_ERR_VO_ILLEGAL_PARAM;
  vo_down(); /* a second init re-programs the VO */
  pthread_mutex_lock(&g.mu);
  g.panel = p;
  g.w = w;
  g.h = h;
  g.fps = fps;
  size_t size = (size_t)w * h * 3 / 2;
  g.screen_mem = malloc(size);
  g.turn_mem = malloc(size);
  pthread_mutex_unlock(&g.mu);
  if (!g.screen_mem || !g.turn_mem) return K_ERR_VO_NOMEM;
  g.screen = (hal_frame){.width = w, .height = h, .format = HAL_PIXFMT_NV12, .size = size};
  g.screen.data[0] = g.screen_mem;
  g.screen.data[1] = g.screen_mem + (size_t)w * h;
  g.screen.stride[0] = g.screen.stride[1] = w;
  memset(g.screen_mem, 16, (size_t)w * h); /* the background: black (BACKGROUND_BLACK_COLOR) */
  memset(g.screen.data[1], 128, (size_t)w * h / 2);
  uint32_t vw = p->viewer_turns & 1 ? h : w, vh = p->viewer_turns & 1 ? w : h;
  g.viewer_pool = dbl_vb_pool_create_internal(size, 3, "VO");
  int rc = g.viewer_pool == VB_INVALID_POOLID ? ERR_ENOMEM
                                              : sim_display_sinks_open(vw, vh, fps, latest_viewer, NULL, &g.sinks);
  if (rc) {
    sim_display_sinks_close(g.sinks);
    g.sinks = NULL;
    dbl_vb_pool_destroy_internal(g.viewer_pool);
    g.viewer_pool = VB_INVALID_POOLID;
    free(g.screen_mem);
    free(g.turn_mem);
    g.screen_mem = g.turn_mem = NULL;
    return rc == ERR_EBUSY ? K_ERR_VO_BUSY : K_ERR_VO_NOT_SUPPORT; /* a sink that cannot open */
  }
  pthread_mutex_lock(&g.mu);
  g.up = 1;
  pthread_mutex_unlock(&g.mu);
  return 0;
}

/* ---- composition ---- */
/* A plain view of a VB picture (no reference). */
static int view_of(const k_video_frame_info *info, hal_frame *f) {
  const k_video_frame *v = &info->v_frame;
  memset(f, 0, sizeof *f);
  f->width = v->width;
  f->height = v->height;
  f->stride[0] = v->stride[0];
  f->data[0] = dbl_mmz_ptr(v->phys_addr[0], (uint64_t)v->stride[0] * v->height);
  switch (v->pixel_format) {
    case PIXEL_FORMAT_YUV_SEMIPLANAR_420:
      f->format = HAL_PIXFMT_NV12;
      f->stride[1] = v->stride[1];
      f->data[1] = dbl_mmz_ptr(v->phys_addr[1], (uint64_t)v->stride[1] * v->height / 2);
      return f->data[0] && f->data[1] ? 0 : -1;
    case PIXEL_FORMAT_ARGB_8888: f->format = HAL_PIXFMT_ARGB8888; break;
    case PIXEL_FORMAT_RGB_888: f->format = HAL_PIXFMT_RGB888; break;
    case PIXEL_FORMAT_RGB_565_LE:
    case PIXEL_FORMAT_RGB_565: f->format = HAL_PIXFMT_RGB565; break;
    case PIXEL_FORMAT_RGB_MONOCHROME_8BPP: f->format = HAL_PIXFMT_GRAYSCALE; break;
    default: return -1;
  }
  return f->data[0] ? 0 : -1;
}

/* screen_mu held (the layers and their pictures do not change meanwhile). */
static void compose(const layer *ls) {
  hal_frame *s = &g.screen;
  memset(s->data[0], 16, (size_t)s->width * s->height);
  memset(s->data[1], 128, (size_t)s->width * s->height / 2);
  for (int c = 0; c < N_CHN; c++) {
    const layer *l = &ls[c];
    hal_frame v;
    if (!l->enabled || !l->cur.has || view_of(&l->cur.info, &v)) continue;
    if (!is_osd(c)) {
      int q = l->turns;
      hal_frame t = v;
      if (q) { /* layer 1 turns the picture (display.py:443-449) */
        t = (hal_frame){
            .width = q & 1 ? v.height : v.width, .height = q & 1 ? v.width : v.height, .format = HAL_PIXFMT_NV12};
        t.stride[0] = t.stride[1] = t.width;
        t.data[0] = g.turn_mem;
        t.data[1] = g.turn_mem + (size_t)t.width * t.height;
        sim_rotate_nv12(&t, &v, q);
      }
      /* No scaler on these layers: the picture shows at its size, cut to the layer's rectangle. */
      t.width = t.width < l->w ? t.width : l->w;
      t.height = t.height < l->h ? t.height : l->h;
      sim_compose_nv12(s, &t, (int)l->x, (int)l->y, t.width, t.height);
    } else {
      uint8_t *swapped = NULL;
      if (l->cur.info.v_frame.pixel_format == PIXEL_FORMAT_RGB_565) {
        /* big-endian 565: the VO reads the high byte first */
        size_t n = (size_t)v.stride[0] * v.height;
        swapped = malloc(n);
        if (!swapped) continue;
        for (size_t i = 0; i + 1 < n; i += 2) swapped[i] = v.data[0][i + 1], swapped[i + 1] = v.data[0][i];
        v.data[0] = swapped;
      }
      v.width = v.width < l->w ? v.width : l->w;
      v.height = v.height < l->h ? v.height : l->h;
      sim_compose_rgb(s, &v, (int)l->x, (int)l->y, v.width, v.height, l->alpha);
      free(swapped);
    }
  }
}

/* The screen as a viewer of the mounted panel sees it, into a new viewer block; NULL if none. */
static hal_frame *to_viewer(void) {
  const panel *p = g.panel;
  uint32_t vw = p->viewer_turns & 1 ? g.h : g.w, vh = p->viewer_turns & 1 ? g.w : g.h;
  k_vb_blk_handle blk = dbl_vb_take(g.viewer_pool, 0, VB_UID_VO);
  if (blk == VB_INVALID_HANDLE) return NULL;
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  info.v_frame.width = vw;
  info.v_frame.height = vh;
  info.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  info.v_frame.stride[0] = info.v_frame.stride[1] = vw;
  info.v_frame.phys_addr[0] = dbl_vb_phys(blk);
  info.v_frame.phys_addr[1] = dbl_vb_phys(blk) + (uint64_t)vw * vh;
  hal_frame *f = dbl_frame_wrap(&info, VB_UID_VO);
  dbl_vb_unref(blk, VB_UID_VO);
  if (!f) return NULL;
  if (p->viewer_turns) {
    sim_rotate_nv12(f, &g.screen, p->viewer_turns);
  } else {
    memcpy(f->data[0], g.screen.data[0], (size_t)g.w * g.h);
    memcpy(f->data[1], g.screen.data[1], (size_t)g.w * g.h / 2);
  }
  return f;
}

static hal_frame *latest_viewer(void *user) {
  pthread_mutex_lock(&g.mu);
  hal_frame *f = g.viewer;
  if (f) frame_ref(f);
  pthread_mutex_unlock(&g.mu);
  return f;
}

/* A new picture on channel chn (the caller's VB_UID_VO reference passes to the layer): the
 * screen is composed again with it, and goes to the sinks. */
static void show(int chn, const k_video_frame_info *info, k_vb_blk_handle blk) {
  pthread_mutex_lock(&g.screen_mu);
  pthread_mutex_lock(&g.mu);
  layer *l = &g.chn[chn];
  shown old = l->cur;
  int on = g.up && l->enabled;
  if (on) l->cur = (shown){1, *info, blk};
  else old = (shown){1, *info, blk}; /* the layer went off meanwhile */
  layer ls[N_CHN];
  memcpy(ls, g.chn, sizeof ls);
  pthread_mutex_unlock(&g.mu);
  if (old.has) dbl_vb_unref(old.blk, VB_UID_VO);
  if (on) {
    /* The layers change only under screen_mu: their pictures stay referenced while composed. */
    compose(ls);
    hal_frame *v = to_viewer();
    if (v) sim_display_sinks_write(g.sinks, v, g.composed);
    pthread_mutex_lock(&g.mu);
    g.composed++;
    hal_frame *prev = g.viewer;
    if (v) g.viewer = v;
    else prev = NULL;
    pthread_mutex_unlock(&g.mu);
    frame_unref(prev);
  }
  pthread_mutex_unlock(&g.screen_mu);
}

/* A picture from a bound source (VDEC, VI). */
static void sink(const k_mpp_chn *dst, const k_video_frame_info *frame) {
  int chn = dst->chn_id;
  if (chn < 0 || chn >= N_CHN) return;
  k_vb_blk_handle blk = dbl_vb_find(frame->v_frame.phys_addr[0]);
  if (blk == VB_INVALID_HANDLE) return;
  pthread_mutex_lock(&g.mu);
  int on = g.up && g.chn[chn].enabled;
  pthread_mutex_unlock(&g.mu);
  if (!on) return;
  dbl_vb_ref(blk, VB_UID_VO);
  show(chn, frame, blk);
}

static k_s32 bind_check(const k_mpp_chn *src, const k_mpp_chn *dst) {
  if (dst->mod_id != K_ID_VO) return 0;
  if (dst->dev_id != 0 || dst->chn_id < 0 || dst->chn_id >= N_CHN) return K_ERR_VO_INVALID_CHNID;
  if (!dbl_check(dst->chn_id != 0, "VO-LAYER0-UNUSED", "kd_mpi_sys_bind to VO channel 0 (video layer 0)"))
    return K_ERR_VO_INVALID_CHNID;
  return 0;
}

/* ---- layers ---- */
/* Does a w x h rectangle at (x, y) lie on the panel? mu held. */
static int on_panel(k_u32 x, k_u32 y, k_u32 w, k_u32 h) { return (uint64_t)x + w <= g.w && (uint64_t)y + h <= g.h; }

/* Keeps a checked layer setting if its rectangle lies on the panel (VO-LAYER-IN-PANEL). */
static k_s32 layer_store(int chn, const char *what, const layer *set) {
  pthread_mutex_lock(&g.mu);
  int up = g.up, fits = up && on_panel(set->x, set->y, set->w, set->h);
  uint32_t pw = g.w, ph = g.h;
  if (fits) {
    layer *l = &g.chn[chn];
    l->x = set->x, l->y = set->y, l->w = set->w, l->h = set->h;
    l->turns = set->turns, l->alpha = set->alpha, l->format = set->format;
    l->set = 1;
  }
  pthread_mutex_unlock(&g.mu);
  if (!up) return K_ERR_VO_NOTREADY;
  if (!dbl_check(fits, "VO-LAYER-IN-PANEL", "%s %d: %ux%u at (%u,%u) on a %ux%u panel", what,
                 is_osd(chn) ? chn - N_VIDEO : chn, set->w, set->h, set->x, set->y, pw, ph))
    return K_ERR_VO_ILLEGAL_PARAM;
  return 0;
}

#if K230_MPP_VO_API
static int turns_of(k_u32 func) {
  return func & K_ROTATION_90 ? 1 : func & K_ROTATION_180 ? 2 : func & K_ROTATION_270 ? 3 : 0;
}

k_s32 kd_mpi_vo_set_video_layer_attr(k_vo_layer layer, k_vo_video_layer_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  if ((int)layer < 0 || layer >= N_VIDEO) return K_ERR_VO_INVALID_CHNID;
  if (!dbl_check(layer != K_VO_LAYER0, "VO-LAYER0-UNUSED", "kd_mpi_vo_set_video_layer_attr(%d)", layer))
    return K_ERR_VO_NOT_SUPPORT;
  k_u32 w = attr->img_size.width, h = attr->img_size.height;
  if (!dbl_check(attr->pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420, "VO-VIDEO-NV12",
                 "video layer %d: pixel_format %d", layer, attr->pixel_format))
    return K_ERR_VO_NOT_SUPPORT;
  if (!dbl_check(w && h && w % 8 == 0, "VO-LAYER-WIDTH8", "video layer %d: %ux%u", layer, w, h))
    return K_ERR_VO_ILLEGAL_PARAM;
  k_u32 want = (w / 8 - 1) + ((h - 1) << 16);
  if (!dbl_check(attr->stride == want, "VO-LAYER-STRIDE", "video layer %d: stride 0x%x for %ux%u, wants 0x%x", layer,
                 attr->stride, w, h, want))
    return K_ERR_VO_ILLEGAL_PARAM;
  if (!dbl_check(!(attr->func & (K_ROTATION_90 | K_ROTATION_270)) || layer == K_VO_LAYER1, "VO-ROTATION-LAYER1",
                 "video layer %d asked to turn by func 0x%x", layer, attr->func))
    return K_ERR_VO_NOT_SUPPORT;
  struct layer set = {.x = attr->display_rect.x,
                      .y = attr->display_rect.y,
                      .w = w,
                      .h = h,
                      .turns = turns_of(attr->func),
                      .format = attr->pixel_format};
  return layer_store((int)layer, "video layer", &set);
}

static const int k_bpp_osd[][2] = {
    {PIXEL_FORMAT_ARGB_8888, 4},
    {PIXEL_FORMAT_ABGR_8888, 4},
    {PIXEL_FORMAT_RGB_888, 3},
    {PIXEL_FORMAT_BGR_888, 3},
    {PIXEL_FORMAT_RGB_565_LE, 2},
    {PIXEL_FORMAT_BGR_565_LE, 2},
    {PIXEL_FORMAT_RGB_MONOCHROME_8BPP, 1},
};

k_s32 kd_mpi_vo_set_video_osd_attr(k_vo_osd osd, k_vo_video_osd_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  if ((int)osd < 0 || osd >= N_OSD) return K_ERR_VO_INVALID_CHNID;
  int bpp = 0;
  for (size_t i = 0; i < sizeof k_bpp_osd / sizeof k_bpp_osd[0]; i++)
    if ((int)attr->pixel_format == k_bpp_osd[i][0]) bpp = k_bpp_osd[i][1];
  k_u32 w = attr->img_size.width, h = attr->img_size.height;
  if (!dbl_check(bpp != 0, "VO-OSD-FORMAT", "OSD %d: pixel_format %d", osd, attr->pixel_format))
    bpp = attr->pixel_format == PIXEL_FORMAT_RGB_565 ? 2 : 0; /* shown, read big-endian */
  if (!bpp) return K_ERR_VO_NOT_SUPPORT;
  if (!dbl_check(w && h && w % 8 == 0, "VO-LAYER-WIDTH8", "OSD %d: %ux%u", osd, w, h)) return K_ERR_VO_ILLEGAL_PARAM;
  if (!dbl_check(attr->stride == w * (k_u32)bpp / 8, "VO-OSD-STRIDE", "OSD %d: stride %u for %u pixels of %d bytes",
                 osd, attr->stride, w, bpp))
    return K_ERR_VO_ILLEGAL_PARAM;
  layer set = {.x = attr->display_rect.x,
               .y = attr->display_rect.y,
               .w = w,
               .h = h,
               .alpha = attr->global_alptha,
               .format = attr->pixel_format};
  return layer_store(N_VIDEO + (int)osd, "OSD", &set);
}
#endif

static k_s32 layer_enable(int chn, const char *what) {
  pthread_mutex_lock(&g.mu);
  int set = g.chn[chn].set;
  if (set) g.chn[chn].enabled = 1;
  pthread_mutex_unlock(&g.mu);
  if (!dbl_check(set, "VO-LAYER-ATTR-FIRST", "%s %d enabled before its attributes were set", what,
                 is_osd(chn) ? chn - N_VIDEO : chn))
    return K_ERR_VO_NOT_CONFIG;
  return 0;
}

static k_s32 layer_disable(int chn, const char *what) {
  /* The layer stops reading at the end of the composition under way, as at a vsync. */
  pthread_mutex_lock(&g.screen_mu);
  pthread_mutex_lock(&g.mu);
  int on = g.chn[chn].enabled;
  shown old = g.chn[chn].cur;
  g.chn[chn].enabled = 0;
  g.chn[chn].cur.has = 0;
  pthread_mutex_unlock(&g.mu);
  pthread_mutex_unlock(&g.screen_mu);
  if (old.has) dbl_vb_unref(old.blk, VB_UID_VO); /* the layer no longer reads it */
#if K230_MPP_VO_API
  if (!dbl_check(on, "VO-DISABLE-ENABLED", "%s %d disabled while off", what, is_osd(chn) ? chn - N_VIDEO : chn))
    return K_ERR_VO_NOT_PERM;
#else
  (void)on; /* the vendor's kd_display_deinit disables every layer, on or off (rules_av.c) */
  (void)what;
#endif
  return 0;
}

/* A picture inserted on channel (layer) chn by `fn`. */
static k_s32 insert(k_u32 chn_num, const k_video_frame_info *vf, const char *fn) {
  if (!vf) return K_ERR_VO_NULL_PTR;
  if (chn_num >= N_CHN) return K_ERR_VO_INVALID_CHNID;
  const k_video_frame *v = &vf->v_frame;
  k_vb_blk_handle blk = dbl_vb_find(v->phys_addr[0]);
  uint64_t end = v->phys_addr[0] + (uint64_t)v->stride[0] * v->height;
  if (v->pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420)
    end = v->phys_addr[1] + (uint64_t)v->stride[1] * v->height / 2;
  int in_block = blk != VB_INVALID_HANDLE && end <= dbl_vb_phys(blk) + dbl_vb_size(blk);
  if (!dbl_check(in_block, "VO-INSERT-VB", "%s(%u): a %ux%u picture at 0x%llx not inside one VB block", fn, chn_num,
                 v->width, v->height, (unsigned long long)v->phys_addr[0]))
    return K_ERR_VO_ILLEGAL_PARAM;
  if (!dbl_check(chn_num != 0, "VO-LAYER0-UNUSED", "%s(0)", fn)) return K_ERR_VO_INVALID_CHNID;
  pthread_mutex_lock(&g.mu);
  int up = g.up, on = up && g.chn[chn_num].enabled;
  shown old = {0};
  if (up) dbl_vb_ref(blk, VB_UID_VO);
  if (up && !on) { /* an OSD picture inserted before its layer is enabled (display.py:688-689) */
    old = g.chn[chn_num].cur;
    g.chn[chn_num].cur = (shown){1, *vf, blk};
  }
  pthread_mutex_unlock(&g.mu);
  if (old.has) dbl_vb_unref(old.blk, VB_UID_VO);
  if (on) show((int)chn_num, vf, blk);
  return up ? 0 : K_ERR_VO_NOTREADY;
}

#if K230_MPP_VO_API
k_s32 kd_mpi_vo_enable_video_layer(k_vo_layer layer) {
  if ((int)layer < 0 || layer >= N_VIDEO) return K_ERR_VO_INVALID_CHNID;
  return layer_enable((int)layer, "video layer");
}

k_s32 kd_mpi_vo_disable_video_layer(k_vo_layer layer) {
  if ((int)layer < 0 || layer >= N_VIDEO) return K_ERR_VO_INVALID_CHNID;
  return layer_disable((int)layer, "video layer");
}

k_s32 kd_mpi_vo_osd_enable(k_vo_osd osd) {
  if ((int)osd < 0 || osd >= N_OSD) return K_ERR_VO_INVALID_CHNID;
  return layer_enable(N_VIDEO + (int)osd, "OSD");
}

k_s32 kd_mpi_vo_osd_disable(k_vo_osd osd) {
  if ((int)osd < 0 || osd >= N_OSD) return K_ERR_VO_INVALID_CHNID;
  return layer_disable(N_VIDEO + (int)osd, "OSD");
}

k_s32 kd_mpi_vo_chn_insert_frame(k_u32 chn_num, k_video_frame_info *vf) {
  return insert(chn_num, vf, "kd_mpi_vo_chn_insert_frame");
}
#endif

#if K230_MPP_VO_LAYER_API
/* ---- the layer-id API ---- */
k_s32 kd_mpi_vo_set_dev_attr(const k_vo_dev_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  pthread_mutex_lock(&g.mu);
  int up = g.up;
  if (up) g.dev_set = 1;
  pthread_mutex_unlock(&g.mu);
  /* kd_display_init_ex sets the device after the connector is up (rules_av.c VO-DEV-ATTR-FIRST). */
  return up ? 0 : K_ERR_VO_NOTREADY;
}

k_s32 kd_mpi_vo_get_dev_attr(k_vo_dev_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  memset(attr, 0, sizeof *attr);
  return g.dev_set ? 0 : K_ERR_VO_NOT_CONFIG;
}

k_s32 kd_mpi_vo_get_resolution(k_vo_size *resolution) {
  if (!resolution) return K_ERR_VO_NULL_PTR;
  pthread_mutex_lock(&g.mu);
  int up = g.up;
  *resolution = (k_vo_size){g.w, g.h};
  pthread_mutex_unlock(&g.mu);
  return up ? 0 : K_ERR_VO_NOTREADY;
}

static void vo_down(void);

k_s32 kd_mpi_vo_clr_dev_attr(void) {
  pthread_mutex_lock(&g.mu);
  int set = g.dev_set, panel_on = g.panel_on, wbc_on = g.wbc_on, layers = 0, dumps = 0;
  for (int c = 0; c < N_CHN; c++) layers += g.chn[c].enabled;
  for (int i = 0; i < MAX_DUMPS; i++) dumps += g.dumps[i] != 0;
  pthread_mutex_unlock(&g.mu);
  if (!set) return 0;
  dbl_check(!panel_on, "VO-PANEL-OFF-FIRST", "kd_mpi_vo_clr_dev_attr with the panel powered");
  dbl_check(!layers && !wbc_on, "VO-CLEAR-AFTER-DISABLE",
            "kd_mpi_vo_clr_dev_attr with %d layer(s) and the write-back (%s) still enabled", layers,
            wbc_on ? "on" : "off");
  dbl_check(dumps == 0, "VO-WBC-RELEASE", "kd_mpi_vo_clr_dev_attr with %d write-back frame(s) not released", dumps);
  vo_down();
  return 0;
}

/* The formats mpi_vo_api.h lists for OSD layers (its RGBA_8888 is not in these headers'
 * k_pixel_format, so no caller can name it). */
static const k_pixel_format k_osd_formats[] = {
    PIXEL_FORMAT_RGB_565,    PIXEL_FORMAT_BGR_565,
    PIXEL_FORMAT_RGB_565_LE, PIXEL_FORMAT_BGR_565_LE,
    PIXEL_FORMAT_RGB_888,    PIXEL_FORMAT_BGR_888,
    PIXEL_FORMAT_ARGB_8888,  PIXEL_FORMAT_ABGR_8888,
    PIXEL_FORMAT_BGRA_8888,  PIXEL_FORMAT_ABGR_4444,
    PIXEL_FORMAT_ARGB_4444,  PIXEL_FORMAT_ARGB_1555,
    PIXEL_FORMAT_ABGR_1555,  PIXEL_FORMAT_RGB_MONOCHROME_8BPP,
};

static int turns_of(k_gdma_rotation_e func) {
  return func & GDMA_ROTATE_DEGREE_90 ? 1 : func & GDMA_ROTATE_DEGREE_180 ? 2 : func & GDMA_ROTATE_DEGREE_270 ? 3 : 0;
}

k_s32 kd_mpi_vo_set_layer_attr(k_vo_layer_id id, const k_vo_layer_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  if ((int)id < 0 || id >= K_MAX_VO_LAYER_NR) return K_ERR_VO_INVALID_CHNID;
  if (!dbl_check(id != K_VO_LAYER_VIDEO0, "VO-LAYER0-UNUSED", "kd_mpi_vo_set_layer_attr(%d)", id))
    return K_ERR_VO_NOT_SUPPORT;
  if (!dbl_check(g.dev_set, "VO-DEV-ATTR-FIRST", "kd_mpi_vo_set_layer_attr(%d) before kd_mpi_vo_set_dev_attr", id))
    return K_ERR_VO_NOT_CONFIG;
  if (!dbl_check(attr->layer_id == id, "VO-LAYER-ID-MATCH", "kd_mpi_vo_set_layer_attr(%d) with attr.layer_id %d", id,
                 attr->layer_id))
    return K_ERR_VO_ILLEGAL_PARAM;
  int osd = is_osd((int)id), ok = 0;
  if (!osd) {
    if (!dbl_check(attr->pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420, "VO-VIDEO-NV12",
                   "video layer %d: pixel_format %d", id, attr->pixel_format))
      return K_ERR_VO_NOT_SUPPORT;
  } else {
    for (size_t i = 0; i < sizeof k_osd_formats / sizeof k_osd_formats[0]; i++)
      ok |= attr->pixel_format == k_osd_formats[i];
    if (!dbl_check(ok, "VO-LAYER-OSD-FORMAT", "OSD layer %d: pixel_format %d", id, attr->pixel_format))
      return K_ERR_VO_NOT_SUPPORT;
  }
  k_u32 w = attr->img_size.width, h = attr->img_size.height;
  if (!dbl_check(w && h && w % 8 == 0, "VO-LAYER-WIDTH8", "layer %d: %ux%u", id, w, h)) return K_ERR_VO_ILLEGAL_PARAM;
  layer set = {.x = attr->position.x,
               .y = attr->position.y,
               .w = w,
               .h = h,
               .turns = turns_of(attr->func),
               .alpha = attr->global_alpha,
               .format = attr->pixel_format};
  return layer_store((int)id, osd ? "OSD layer" : "video layer", &set);
}

k_s32 kd_mpi_vo_get_layer_attr(k_vo_layer_id id, k_vo_layer_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  if ((int)id < 0 || id >= K_MAX_VO_LAYER_NR) return K_ERR_VO_INVALID_CHNID;
  pthread_mutex_lock(&g.mu);
  const layer *l = &g.chn[id];
  int set = l->set;
  memset(attr, 0, sizeof *attr);
  attr->layer_id = id;
  attr->position = (k_vo_position){l->x, l->y};
  attr->img_size = (k_vo_size){l->w, l->h};
  attr->pixel_format = l->format;
  attr->func = l->turns == 1   ? GDMA_ROTATE_DEGREE_90
               : l->turns == 2 ? GDMA_ROTATE_DEGREE_180
               : l->turns == 3 ? GDMA_ROTATE_DEGREE_270
                               : GDMA_ROTATE_DEGREE_0;
  attr->global_alpha = l->alpha;
  pthread_mutex_unlock(&g.mu);
  return set ? 0 : K_ERR_VO_NOT_CONFIG;
}

k_s32 kd_mpi_vo_enable_layer(k_vo_layer_id id) {
  if ((int)id < 0 || id >= K_MAX_VO_LAYER_NR) return K_ERR_VO_INVALID_CHNID;
  return layer_enable((int)id, is_osd((int)id) ? "OSD layer" : "video layer");
}

k_s32 kd_mpi_vo_disable_layer(k_vo_layer_id id) {
  if ((int)id < 0 || id >= K_MAX_VO_LAYER_NR) return K_ERR_VO_INVALID_CHNID;
  return layer_disable((int)id, is_osd((int)id) ? "OSD layer" : "video layer");
}

k_s32 kd_mpi_vo_insert_frame(k_vo_layer_id id, const k_video_frame_info *vf) {
  return insert((k_u32)id, vf, "kd_mpi_vo_insert_frame");
}

k_s32 kd_mpi_vo_get_stats(k_bool *is_running) {
  if (!is_running) return K_ERR_VO_NULL_PTR;
  pthread_mutex_lock(&g.mu);
  *is_running = g.up && g.dev_set ? K_TRUE : K_FALSE;
  pthread_mutex_unlock(&g.mu);
  return 0;
}
#endif

/* ---- write-back ---- */
k_s32 kd_mpi_vo_set_wbc_attr(k_vo_wbc_attr *attr) {
  if (!attr) return K_ERR_VO_NULL_PTR;
  pthread_mutex_lock(&g.mu);
  uint32_t w = g.w, h = g.h;
  int up = g.up;
  pthread_mutex_unlock(&g.mu);
  if (!up) return K_ERR_VO_NOTREADY;
#if K230_MPP_VO_WBC_BLK_CNT
  (void)w, (void)h; /* the VO sizes its own write-back pool */
  if (!attr->blk_cnt || attr->blk_cnt > VB_SINGLE_MAX_BLKS) return K_ERR_VO_ILLEGAL_PARAM;
#else
  int ok = attr->target_size.width == w && attr->target_size.height == h &&
           (attr->pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420 || attr->pixel_format == 0);
  if (!dbl_check(ok, "VO-WBC-TARGET", "write-back of %ux%u (format %d) from a %ux%u VO", attr->target_size.width,
                 attr->target_size.height, attr->pixel_format, w, h))
    return K_ERR_VO_ILLEGAL_PARAM;
#endif
  pthread_mutex_lock(&g.mu);
  g.wbc = *attr;
  g.wbc_set = 1;
  pthread_mutex_unlock(&g.mu);
  return 0;
}

k_s32 kd_mpi_vo_enable_wbc(void) {
  pthread_mutex_lock(&g.mu);
  int set = g.wbc_set;
  pthread_mutex_unlock(&g.mu);
  if (!dbl_check(set, "VO-WBC-ATTR-FIRST", "kd_mpi_vo_enable_wbc before kd_mpi_vo_set_wbc_attr"))
    return K_ERR_VO_NOT_CONFIG;
#if K230_MPP_VO_WBC_BLK_CNT
  if (g.wbc_pool == VB_INVALID_POOLID) {
    g.wbc_pool = dbl_vb_pool_create_internal((uint64_t)g.w * g.h * 3 / 2, g.wbc.blk_cnt, "VO write-back");
    if (g.wbc_pool == VB_INVALID_POOLID) return K_ERR_VO_NOMEM;
  }
#endif
  pthread_mutex_lock(&g.mu);
  g.wbc_on = 1;
  pthread_mutex_unlock(&g.mu);
  return 0;
}

k_s32 kd_mpi_vo_disable_wbc(void) {
  pthread_mutex_lock(&g.mu);
  int on = g.wbc_on;
  g.wbc_on = 0;
  pthread_mutex_unlock(&g.mu);
#if K230_MPP_VO_API
  if (!dbl_check(on, "VO-WBC-DISABLE-ENABLED", "kd_mpi_vo_disable_wbc while write-back is off"))
    return K_ERR_VO_NOT_PERM;
#else
  (void)on; /* kd_display_deinit disables the write-back whether it is on or not (rules_av.c) */
#endif
  return 0;
}

k_s32 kd_mpi_wbc_dump_frame(k_video_frame_info *vf, k_u32 timeout_ms) {
  if (!vf) return K_ERR_VO_NULL_PTR;
  pthread_mutex_lock(&g.mu);
  int on = g.wbc_on;
  uint32_t w = g.w, h = g.h, fps = g.fps;
  pthread_mutex_unlock(&g.mu);
  if (!dbl_check(on, "VO-WBC-DUMP-ENABLED", "kd_mpi_wbc_dump_frame while write-back is off")) return K_ERR_VO_NOT_PERM;
  /* The next write-back comes with the panel's next refresh. */
  uint32_t period = 1000 / (fps ? fps : 30);
  struct timespec ts = {0, (long)(period < timeout_ms ? period : timeout_ms) * 1000000L};
  nanosleep(&ts, NULL);
  uint64_t size = (uint64_t)w * h * 3 / 2;
#if K230_MPP_VO_WBC_BLK_CNT
  k_vb_blk_handle blk = dbl_vb_take(g.wbc_pool, size, VB_UID_VO);
  if (blk == VB_INVALID_HANDLE) return K_ERR_VO_BUF_EMPTY; /* every write-back block is out */
#else
  k_vb_blk_handle blk = dbl_vb_take(VB_INVALID_POOLID, (uint64_t)w * h * 2, VB_UID_VO);
  if (!dbl_check(blk != VB_INVALID_HANDLE, "VO-WBC-COMMON-POOL",
                 "no free common block of %ux%ux2 bytes for a write-back", w, h))
    return K_ERR_VO_NOBUF;
#endif
  pthread_mutex_lock(&g.mu);
  int slot = -1;
  for (int i = 0; i < MAX_DUMPS && slot < 0; i++)
    if (!g.dumps[i]) slot = i;
  if (slot >= 0) g.dumps[slot] = blk;
  uint64_t n = g.composed;
  pthread_mutex_unlock(&g.mu);
  if (slot >= 0) {
    uint8_t *mem = dbl_mmz_ptr(dbl_vb_phys(blk), size);
    pthread_mutex_lock(&g.screen_mu);
    memcpy(mem, g.screen.data[0], (size_t)w * h);
    memcpy(mem + (size_t)w * h, g.screen.data[1], (size_t)w * h / 2);
    pthread_mutex_unlock(&g.screen_mu);
  }
  if (slot < 0) {
    dbl_vb_unref(blk, VB_UID_VO);
    return K_ERR_VO_BUF_EMPTY;
  }
  memset(vf, 0, sizeof *vf);
  vf->v_frame.width = w;
  vf->v_frame.height = h;
  vf->v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  vf->v_frame.stride[0] = vf->v_frame.stride[1] = w;
  vf->v_frame.phys_addr[0] = dbl_vb_phys(blk);
  vf->v_frame.phys_addr[1] = dbl_vb_phys(blk) + (uint64_t)w * h;
  vf->v_frame.time_ref = (k_u32)n;
  vf->pool_id = (k_u32)kd_mpi_vb_handle_to_pool_id(blk);
  vf->mod_id = K_ID_VO;
  return 0;
}

k_s32 kd_mpi_wbc_dump_release(const k_video_frame_info *vf) {
  if (!vf) return K_ERR_VO_NULL_PTR;
  k_vb_blk_handle blk = dbl_vb_find(vf->v_frame.phys_addr[0]);
  pthread_mutex_lock(&g.mu);
  int found = 0;
  for (int i = 0; i < MAX_DUMPS && !found; i++)
    if (g.dumps[i] && g.dumps[i] == blk) {
      g.dumps[i] = 0;
      found = 1;
    }
  pthread_mutex_unlock(&g.mu);
  if (!dbl_check(found, "VO-WBC-RELEASE", "kd_mpi_wbc_dump_release: not a frame kd_mpi_wbc_dump_frame gave"))
    return K_ERR_VO_ILLEGAL_PARAM;
  dbl_vb_unref(blk, VB_UID_VO);
  return 0;
}

/* ---- reset ---- */
/* Everything the VO holds goes back; the panel keeps its power state. */
static void vo_down(void) {
  pthread_mutex_lock(&g.screen_mu);
  pthread_mutex_lock(&g.mu);
  int up = g.up;
  g.up = 0;
  shown drop[N_CHN];
  int n = 0;
  for (int c = 0; c < N_CHN; c++) {
    if (g.chn[c].cur.has) drop[n++] = g.chn[c].cur;
    memset(&g.chn[c], 0, sizeof g.chn[c]);
  }
  g.wbc_set = g.wbc_on = 0;
  g.dev_set = 0;
  pthread_mutex_unlock(&g.mu);
  pthread_mutex_unlock(&g.screen_mu);
  if (!up) return;
  sim_display_sinks_close(g.sinks); /* its live view reads g.viewer */
  g.sinks = NULL;
  pthread_mutex_lock(&g.mu);
  hal_frame *viewer = g.viewer;
  g.viewer = NULL;
  pthread_mutex_unlock(&g.mu);
  for (int i = 0; i < n; i++) dbl_vb_unref(drop[i].blk, VB_UID_VO);
  frame_unref(viewer);
  dbl_vb_pool_destroy_internal(g.viewer_pool);
  g.viewer_pool = VB_INVALID_POOLID;
  if (g.wbc_pool != VB_INVALID_POOLID) dbl_vb_pool_destroy_internal(g.wbc_pool);
  g.wbc_pool = VB_INVALID_POOLID;
  free(g.screen_mem);
  free(g.turn_mem);
  g.screen_mem = g.turn_mem = NULL;
}

#if K230_MPP_VO_API
k_s32 kd_display_reset(void) {
  pthread_mutex_lock(&g.mu);
  int dumps = 0;
  for (int i = 0; i < MAX_DUMPS; i++) dumps += g.dumps[i] != 0;
  pthread_mutex_unlock(&g.mu);
  dbl_check(dumps == 0, "VO-WBC-RELEASE", "kd_display_reset with %d write-back frame(s) not released", dumps);
  vo_down();
  return 0;
}
#endif

/* ---- module ---- */
static void vo_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g.mu);
  for (int i = 0; i < MAX_FDS; i++)
    if (g.fd[i].used) leak(ctx, "connector %s opened and never closed", g.fd[i].p->name);
#if K230_MPP_VO_API
  if (g.up)
    leak(ctx, "VO brought up by kd_mpi_connector_init and never reset (VO-RESET-AT-END: %s)",
         dbl_rule("VO-RESET-AT-END")->cite);
#else
  if (g.up || g.dev_set)
    leak(ctx, "VO brought up (connector init, kd_mpi_vo_set_dev_attr) and never cleared (VO-CLEAR-AT-END: %s)",
         dbl_rule("VO-CLEAR-AT-END")->cite);
#endif
  for (int c = 0; c < N_CHN; c++)
    if (g.chn[c].enabled)
      leak(ctx, "VO %s %d still enabled", is_osd(c) ? "OSD" : "video layer", is_osd(c) ? c - N_VIDEO : c);
  if (g.wbc_on) leak(ctx, "VO write-back still enabled");
  for (int i = 0; i < MAX_DUMPS; i++)
    if (g.dumps[i]) leak(ctx, "a write-back frame never released");
  pthread_mutex_unlock(&g.mu);
}

static void __attribute__((constructor)) vo_init(void) {
  dbl_sink_register(K_ID_VO, sink);
  dbl_bind_check_register(bind_check);
}

static const dbl_module vo_module = {"vo", vo_leaks};
DBL_MODULE(vo_module)
#endif
