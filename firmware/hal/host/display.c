/* hal/display.h on the host: layer state, a display thread that composes each arriving frame
 * into an NV12 screen, and the sinks (PNG, Y4M, frame hook). Sources are throttled by their own
 * bounded pools while frames wait here, as VO throttles VDEC on the board. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal/display.h"
#include "hal_sim.h"
#include "internal.h"

#define EVQ 16

typedef struct layer {
  int enabled;
  hal_display_layer_config cfg;
  hal_frame *cur;
} layer;

typedef struct event {
  int layer;
  hal_frame *f;
} event;

typedef struct display {
  hal_handle h;
  hal_display_config cfg;
  layer L[HAL_LAYER_COUNT];
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int quit;
  event evq[EVQ];
  uint32_t ev_head, ev_cnt;
  uint64_t dropped;
  vb_pool *screen_pool, *img_pool;
  hal_frame *screen;
  uint64_t composed;
  hal_display_frame_cb cb;
  void *cb_user;
  sim_display_sinks *sinks;
} display;

static display *g_disp;
static pthread_mutex_t g_disp_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- composition ---- */
static void compose(display *d) {
  hal_frame *s = frame_alloc(d->screen_pool, d->cfg.width, d->cfg.height, HAL_PIXFMT_NV12, 0, 1000);
  if (!s) return; /* the app holds every writeback screen: skip this refresh */
  memset(s->data[0], 16, (size_t)s->width * s->height);
  memset(s->data[1], 128, (size_t)s->width * s->height / 2);
  /* The app's thread may disable a layer (and drop its picture) meanwhile: each layer's picture
   * and rectangle are taken under the lock, the picture with a reference of our own. */
  layer L[HAL_LAYER_COUNT];
  pthread_mutex_lock(&d->mu);
  for (int i = 0; i < HAL_LAYER_COUNT; i++) {
    L[i] = d->L[i];
    if (!L[i].enabled) L[i].cur = NULL;
    if (L[i].cur) frame_ref(L[i].cur);
  }
  pthread_mutex_unlock(&d->mu);
  uint64_t pts = 0;
  for (int i = 0; i < HAL_LAYER_COUNT; i++) {
    layer *l = &L[i];
    if (!l->cur) continue;
    /* A layer's rectangle of 0 is the whole screen. */
    uint32_t w = l->cfg.width ? l->cfg.width : s->width, h = l->cfg.height ? l->cfg.height : s->height;
    if (i <= HAL_LAYER_VIDEO3) {
      sim_compose_nv12(s, l->cur, l->cfg.x, l->cfg.y, w, h);
      if (l->cur->pts_us > pts) pts = l->cur->pts_us;
    } else {
      sim_compose_rgb(s, l->cur, l->cfg.x, l->cfg.y, w, h, l->cfg.alpha);
    }
    frame_unref(l->cur);
  }
  s->pts_us = pts;
  s->seq = (uint32_t)d->composed;
  sim_display_sinks_write(d->sinks, s, d->composed);
  d->composed++;
  pthread_mutex_lock(&d->mu);
  hal_display_frame_cb cb = d->cb;
  void *cb_user = d->cb_user;
  pthread_mutex_unlock(&d->mu);
  if (cb) cb(cb_user, s);
  pthread_mutex_lock(&d->mu);
  hal_frame *old = d->screen;
  d->screen = s;
  pthread_mutex_unlock(&d->mu);
  frame_unref(old);
}

static void *display_thread(void *arg) {
  display *d = arg;
  pthread_mutex_lock(&d->mu);
  for (;;) {
    while (!d->quit && d->ev_cnt == 0) pthread_cond_wait(&d->cv, &d->mu);
    /* Pictures already sent to the panel are shown even when deinit comes right after (a loaded
     * machine can be that far behind): the sinks record everything the app put on screen. */
    if (d->ev_cnt == 0) break;
    event e = d->evq[d->ev_head];
    d->ev_head = (d->ev_head + 1) % EVQ;
    d->ev_cnt--;
    hal_frame *old = d->L[e.layer].cur;
    d->L[e.layer].cur = e.f;
    pthread_mutex_unlock(&d->mu);
    frame_unref(old);
    compose(d);
    pthread_mutex_lock(&d->mu);
  }
  pthread_mutex_unlock(&d->mu);
  return NULL;
}

/* Queue a frame for a layer (takes the caller's reference). mu held. */
static void post(display *d, int layer, hal_frame *f) {
  if (d->ev_cnt == EVQ) { /* cannot happen while sources are pool-bounded; stay bounded */
    frame_unref(d->evq[d->ev_head].f);
    d->ev_head = (d->ev_head + 1) % EVQ;
    d->ev_cnt--;
    d->dropped++;
  }
  d->evq[(d->ev_head + d->ev_cnt) % EVQ] = (event){layer, f};
  d->ev_cnt++;
  pthread_cond_broadcast(&d->cv);
}

/* ---- bind endpoint (sink) ---- */
static int layer_format_ok(int layer, hal_pixfmt f) {
  return layer <= HAL_LAYER_VIDEO3 ? f == HAL_PIXFMT_NV12
                                   : f == HAL_PIXFMT_ARGB8888 || f == HAL_PIXFMT_RGB888 || f == HAL_PIXFMT_RGB565;
}

/* Does the rectangle (0 = the screen's size) lie on the screen? */
static int on_screen(const display *d, int x, int y, uint32_t w, uint32_t h) {
  return x >= 0 && y >= 0 && (uint64_t)x + (w ? w : d->cfg.width) <= d->cfg.width &&
         (uint64_t)y + (h ? h : d->cfg.height) <= d->cfg.height;
}

static int disp_accepts(void *obj, int chn, const hal_bind_info *src) {
  display *d = obj;
  if (chn < 0 || chn >= HAL_LAYER_COUNT || !layer_format_ok(chn, src->format)) return ERR_EINVAL;
  if (chn >= HAL_LAYER_OSD0 && (uint32_t)(chn - HAL_LAYER_OSD0) >= d->cfg.osd_num) return ERR_EINVAL;
  pthread_mutex_lock(&d->mu);
  layer *l = &d->L[chn];
  if (!l->enabled && (src->width % 8 || !on_screen(d, src->x, src->y, src->width, src->height))) {
    pthread_mutex_unlock(&d->mu);
    return ERR_EINVAL;
  }
  if (!l->enabled) { /* CanMV bind_layer: the layer takes the source's rectangle */
    l->cfg = (hal_display_layer_config)HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
    l->cfg.x = src->x;
    l->cfg.y = src->y;
    l->cfg.width = src->width;
    l->cfg.height = src->height;
    l->cfg.format = src->format;
    l->enabled = 1;
  }
  pthread_mutex_unlock(&d->mu);
  return 0;
}

static void disp_push(void *obj, int chn, hal_frame *f) {
  display *d = obj;
  pthread_mutex_lock(&d->mu);
  if (d->L[chn].enabled) {
    frame_ref(f);
    post(d, chn, f);
  }
  pthread_mutex_unlock(&d->mu);
}

static const ep_ops k_disp_ops = {.accepts = disp_accepts, .push = disp_push};

/* ---- API ---- */
static int resolve_mode(hal_display_config *c) {
  uint32_t w = c->width, h = c->height, f = c->fps;
  switch (c->type) {
    case HAL_DISPLAY_VIRT:
      if (!w && !h) w = 640, h = 480;
      if (!f) f = 90;
      if (w < 64 || h < 64 || w > 4096 || h > 4096 || (w % 8) || (h & 1) || f > 200) return ERR_EINVAL;
      break;
    case HAL_DISPLAY_ST7701:
      if (!w && !h) w = 800, h = 480;
      /* The 854x480 mode's timing gives 30 Hz (the vendor's connector table), the others 60. */
      if (!f) f = w == 854 ? 30 : 60;
      if (!((w == 800 && h == 480) || (w == 480 && h == 800) || (w == 854 && h == 480) || (w == 640 && h == 480) ||
            (w == 368 && h == 544)) ||
          f != (w == 854 ? 30u : 60u))
        return ERR_EINVAL;
      break;
    case HAL_DISPLAY_LT9611:
      if (!w && !h) w = 1920, h = 1080;
      if (!f) f = (w == 1920) ? 30 : 60;
      if (!((w == 1920 && h == 1080 && (f == 30 || f == 60)) ||
            (w == 1280 && h == 720 && (f == 30 || f == 50 || f == 60)) || (w == 640 && h == 480 && f == 60)))
        return ERR_EINVAL;
      break;
    default: return ERR_ENOTSUP;
  }
  if (c->osd_num > 4) return ERR_EINVAL;
  c->width = w;
  c->height = h;
  c->fps = f;
  return 0;
}

/* Live view: a reference to the latest screen (any thread). */
static hal_frame *latest_screen(void *user) {
  display *d = user;
  pthread_mutex_lock(&d->mu);
  hal_frame *f = d->screen;
  if (f) frame_ref(f);
  pthread_mutex_unlock(&d->mu);
  return f;
}

static void display_free(display *d) {
  sim_display_sinks_close(d->sinks); /* first: its live view reads d->screen */
  for (uint32_t i = 0; i < d->ev_cnt; i++) frame_unref(d->evq[(d->ev_head + i) % EVQ].f);
  for (int i = 0; i < HAL_LAYER_COUNT; i++) frame_unref(d->L[i].cur);
  frame_unref(d->screen);
  vb_pool_drop(d->screen_pool);
  vb_pool_drop(d->img_pool);
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv);
  free(d);
}

int hal_display_init(const hal_display_config *cfg, hal_handle *out) {
  if (!cfg || !out) return ERR_EINVAL;
  hal_display_config c = *cfg;
  int rc = resolve_mode(&c);
  if (rc) return rc;
  display *d = calloc(1, sizeof *d);
  if (!d) return ERR_ENOMEM;
  d->cfg = c;
  pthread_mutex_init(&d->mu, NULL);
  base_cond_init_mono(&d->cv);
  size_t scr = hal_pixfmt_size(HAL_PIXFMT_NV12, c.width, c.height);
  if ((rc = vb_pool_new(scr, 4, &d->screen_pool)) ||
      (rc = vb_pool_new((size_t)c.width * c.height * 4, 2 * HAL_LAYER_COUNT, &d->img_pool)) ||
      (rc = sim_display_sinks_open(c.width, c.height, c.fps, latest_screen, d, &d->sinks))) {
    display_free(d);
    return rc;
  }
  pthread_mutex_lock(&g_disp_mu);
  if (g_disp) {
    pthread_mutex_unlock(&g_disp_mu);
    display_free(d);
    return ERR_EBUSY;
  }
  if ((rc = hal_handle_alloc(HAL_KIND_DISPLAY, d, &d->h)) || pthread_create(&d->th, NULL, display_thread, d) != 0) {
    if (!rc) hal_handle_free(d->h);
    pthread_mutex_unlock(&g_disp_mu);
    display_free(d);
    return rc ? rc : ERR_ENOMEM;
  }
  g_disp = d;
  pthread_mutex_unlock(&g_disp_mu);
  ep_register(HAL_MOD_DISPLAY, 0, -1, d, &k_disp_ops);
  *out = d->h;
  return 0;
}

int hal_display_info_get(hal_handle h, hal_display_info *out) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  out->type = d->cfg.type;
  out->width = d->cfg.width;
  out->height = d->cfg.height;
  out->fps = d->cfg.fps;
  pthread_mutex_lock(&d->mu);
  out->frames_composed = d->composed;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_layer_set(hal_handle h, hal_display_layer layer, const hal_display_layer_config *cfg) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!cfg || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !layer_format_ok(layer, cfg->format)) return ERR_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && (uint32_t)(layer - HAL_LAYER_OSD0) >= d->cfg.osd_num) return ERR_EINVAL;
  if (cfg->width % 8 || !on_screen(d, cfg->x, cfg->y, cfg->width, cfg->height)) return ERR_EINVAL;
  pthread_mutex_lock(&d->mu);
  d->L[layer].cfg = *cfg;
  d->L[layer].enabled = 1;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_layer_disable(hal_handle h, hal_display_layer layer) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if ((int)layer < 0 || layer >= HAL_LAYER_COUNT) return ERR_EINVAL;
  if (link_involves(HAL_MOD_DISPLAY, 0, layer)) return ERR_EBUSY;
  pthread_mutex_lock(&d->mu);
  d->L[layer].enabled = 0;
  hal_frame *old = d->L[layer].cur;
  d->L[layer].cur = NULL;
  pthread_mutex_unlock(&d->mu);
  frame_unref(old);
  return 0;
}

int hal_display_show(hal_handle h, hal_display_layer layer, const hal_frame *img) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!img || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !img->data[0]) return ERR_EINVAL;
  if (link_involves(HAL_MOD_DISPLAY, 0, layer)) return ERR_EBUSY;
  if (!d->L[layer].enabled) return ERR_ESTATE;
  if (img->format != d->L[layer].cfg.format || img->width > d->cfg.width || img->height > d->cfg.height ||
      img->width % 8)
    return ERR_EINVAL;
  if (img->format == HAL_PIXFMT_NV12 && !img->data[1]) return ERR_EINVAL;
  hal_frame *f = frame_alloc(d->img_pool, img->width, img->height, img->format, 0, 1000);
  if (!f) return ERR_EAGAIN;
  for (int p = 0; p < hal_pixfmt_planes(img->format); p++)
    for (uint32_t y = 0; y < hal_pixfmt_plane_rows(img->format, p, img->height); y++)
      memcpy(f->data[p] + (size_t)y * f->stride[p], img->data[p] + (size_t)y * img->stride[p], f->stride[p]);
  f->pts_us = img->pts_us;
  pthread_mutex_lock(&d->mu);
  post(d, layer, f);
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_writeback(hal_handle h, hal_frame **out) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  pthread_mutex_lock(&d->mu);
  hal_frame *s = d->screen;
  if (s) frame_ref(s);
  pthread_mutex_unlock(&d->mu);
  if (!s) return ERR_EAGAIN;
  frame_give_to_app(s);
  *out = s;
  return 0;
}

int hal_display_set_frame_cb(hal_handle h, hal_display_frame_cb cb, void *user) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  pthread_mutex_lock(&d->mu);
  d->cb = cb;
  d->cb_user = user;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_deinit(hal_handle h) {
  display *d;
  int rc = hal_handle_get(HAL_KIND_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (link_involves(HAL_MOD_DISPLAY, 0, -1)) return ERR_EBUSY;
  ep_unregister(HAL_MOD_DISPLAY, 0, -1);
  hal_handle_free(h);
  pthread_mutex_lock(&d->mu);
  d->quit = 1;
  pthread_cond_broadcast(&d->cv);
  pthread_mutex_unlock(&d->mu);
  pthread_join(d->th, NULL);
  pthread_mutex_lock(&g_disp_mu);
  g_disp = NULL;
  pthread_mutex_unlock(&g_disp_mu);
  display_free(d);
  return 0;
}
