/* hal/display.h on the host: layer state, a display thread that composes each arriving frame
 * into an NV12 screen, and the sinks (PNG, Y4M, frame hook). Sources are throttled by their own
 * bounded pools while frames wait here, as VO throttles VDEC on the board. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal/clock.h"
#include "hal/display.h"
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
  /* sinks */
  FILE *y4m;
  char png_dir[512];
  uint32_t png_every;
  uint8_t *rgb; /* PNG scratch */
  liveview *live;
} display;

static display *g_disp;
static pthread_mutex_t g_disp_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- composition ---- */
static void blit_nv12(hal_frame *dst, const hal_frame *src, const hal_display_layer_config *c) {
  uint32_t rw = c->width ? c->width : dst->width, rh = c->height ? c->height : dst->height;
  for (uint32_t y = 0; y < rh; y++) {
    int dy = c->y + (int)y;
    if (dy < 0 || (uint32_t)dy >= dst->height) continue;
    uint32_t sy = (uint32_t)((uint64_t)y * src->height / rh);
    const uint8_t *srow = src->data[0] + (size_t)sy * src->stride[0];
    uint8_t *drow = dst->data[0] + (size_t)dy * dst->stride[0];
    int same = rw == src->width && c->x >= 0 && (uint32_t)c->x + rw <= dst->width;
    if (same) {
      memcpy(drow + c->x, srow, rw);
    } else {
      for (uint32_t x = 0; x < rw; x++) {
        int dx = c->x + (int)x;
        if (dx < 0 || (uint32_t)dx >= dst->width) continue;
        drow[dx] = srow[(uint64_t)x * src->width / rw];
      }
    }
    if ((dy & 1) == 0) {
      const uint8_t *suv = src->data[1] + (size_t)(sy / 2) * src->stride[1];
      uint8_t *duv = dst->data[1] + (size_t)(dy / 2) * dst->stride[1];
      if (same && (c->x & 1) == 0) {
        memcpy(duv + c->x, suv, rw);
      } else {
        for (uint32_t x = 0; x < rw; x += 2) {
          int dx = (c->x + (int)x) & ~1;
          if (dx < 0 || (uint32_t)dx + 1 >= dst->width) continue;
          uint32_t sx = (uint32_t)((uint64_t)x * src->width / rw) & ~1u;
          duv[dx] = suv[sx];
          duv[dx + 1] = suv[sx + 1];
        }
      }
    }
  }
}

static void blend_argb(hal_frame *dst, const hal_frame *src, const hal_display_layer_config *c) {
  uint32_t rw = c->width ? c->width : dst->width, rh = c->height ? c->height : dst->height;
  for (uint32_t y = 0; y < rh; y++) {
    int dy = c->y + (int)y;
    if (dy < 0 || (uint32_t)dy >= dst->height) continue;
    uint32_t sy = (uint32_t)((uint64_t)y * src->height / rh);
    const uint8_t *srow = src->data[0] + (size_t)sy * src->stride[0];
    for (uint32_t x = 0; x < rw; x++) {
      int dx = c->x + (int)x;
      if (dx < 0 || (uint32_t)dx >= dst->width) continue;
      const uint8_t *p = srow + (size_t)((uint64_t)x * src->width / rw) * 4; /* B,G,R,A */
      uint32_t a = (uint32_t)p[3] * c->alpha / 255;
      if (!a) continue;
      uint8_t Y, U, V;
      pix_rgb_to_yuv(p[2], p[1], p[0], &Y, &U, &V);
      uint8_t *dY = dst->data[0] + (size_t)dy * dst->stride[0] + dx;
      *dY = (uint8_t)((Y * a + *dY * (255 - a)) / 255);
      if (((dx | dy) & 1) == 0) {
        uint8_t *uv = dst->data[1] + (size_t)(dy / 2) * dst->stride[1] + dx;
        uv[0] = (uint8_t)((U * a + uv[0] * (255 - a)) / 255);
        uv[1] = (uint8_t)((V * a + uv[1] * (255 - a)) / 255);
      }
    }
  }
}

static void sinks_write(display *d, hal_frame *s) {
  if (d->y4m) {
    fprintf(d->y4m, "FRAME XSHOWN_US=%llu\n", (unsigned long long)hal_clock_us()); /* hal/display.h */
    fwrite(s->data[0], 1, (size_t)s->width * s->height, d->y4m);
    for (int plane = 0; plane < 2; plane++)
      for (uint32_t y = 0; y < s->height / 2; y++) {
        const uint8_t *uv = s->data[1] + (size_t)y * s->stride[1];
        for (uint32_t x = 0; x < s->width / 2; x++) fputc(uv[2 * x + plane], d->y4m);
      }
    fflush(d->y4m);
  }
  if (d->png_dir[0] && d->rgb && d->composed % d->png_every == 0) {
    nv12_to_rgb(s, d->rgb);
    char path[600];
    snprintf(path, sizeof path, "%s/frame-%06llu.png", d->png_dir, (unsigned long long)d->composed);
    png_write_rgb(path, d->rgb, s->width, s->height);
  }
}

static void compose(display *d) {
  hal_frame *s = frame_alloc(d->screen_pool, d->cfg.width, d->cfg.height, HAL_PIXFMT_NV12, 1000);
  if (!s) return; /* the app holds every writeback screen: skip this refresh */
  memset(s->data[0], 16, (size_t)s->width * s->height);
  memset(s->data[1], 128, (size_t)s->width * s->height / 2);
  uint64_t pts = 0;
  for (int i = 0; i < HAL_LAYER_COUNT; i++) {
    layer *l = &d->L[i];
    if (!l->enabled || !l->cur) continue;
    if (i <= HAL_LAYER_VIDEO3) {
      blit_nv12(s, l->cur, &l->cfg);
      if (l->cur->pts_us > pts) pts = l->cur->pts_us;
    } else {
      blend_argb(s, l->cur, &l->cfg);
    }
  }
  s->pts_us = pts;
  s->seq = (uint32_t)d->composed;
  sinks_write(d, s);
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
    if (d->quit) break;
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
  return layer <= HAL_LAYER_VIDEO3 ? f == HAL_PIXFMT_NV12 : f == HAL_PIXFMT_ARGB8888;
}

static int disp_accepts(void *obj, int chn, const hal_bind_info *src) {
  display *d = obj;
  if (chn < 0 || chn >= HAL_LAYER_COUNT || !layer_format_ok(chn, src->format)) return HAL_EINVAL;
  if (chn >= HAL_LAYER_OSD0 && (uint32_t)(chn - HAL_LAYER_OSD0) >= d->cfg.osd_num) return HAL_EINVAL;
  pthread_mutex_lock(&d->mu);
  layer *l = &d->L[chn];
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
      if (w < 64 || h < 64 || w > 4096 || h > 4096 || (w % 8) || (h & 1) || f > 200) return HAL_EINVAL;
      break;
    case HAL_DISPLAY_ST7701:
      if (!w && !h) w = 800, h = 480;
      if (!f) f = 60;
      if (!((w == 800 && h == 480) || (w == 480 && h == 800) || (w == 854 && h == 480) ||
            (w == 640 && h == 480) || (w == 368 && h == 544)) || f != 60)
        return HAL_EINVAL;
      break;
    case HAL_DISPLAY_LT9611:
      if (!w && !h) w = 1920, h = 1080;
      if (!f) f = (w == 1920) ? 30 : 60;
      if (!((w == 1920 && h == 1080 && (f == 30 || f == 60)) ||
            (w == 1280 && h == 720 && (f == 30 || f == 50 || f == 60)) || (w == 640 && h == 480 && f == 60)))
        return HAL_EINVAL;
      break;
    default:
      return HAL_ENOTSUP;
  }
  if (c->osd_num > 4) return HAL_EINVAL;
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

static int parse_sinks(display *d) {
  const char *env = getenv("K230JS_SIM_DISPLAY");
  if (!env || !*env) return 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", env);
  char *save = NULL;
  for (char *tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
    if (strcmp(tok, "none") == 0) continue;
    if (strncmp(tok, "y4m:", 4) == 0) {
      d->y4m = fopen(tok + 4, "wb");
      if (!d->y4m) return HAL_ENOENT;
      fprintf(d->y4m, "YUV4MPEG2 W%u H%u F%u:1 Ip A1:1 C420mpeg2\n", d->cfg.width, d->cfg.height, d->cfg.fps);
    } else if (strncmp(tok, "http:", 5) == 0) {
      char *end;
      unsigned long port = strtoul(tok + 5, &end, 10);
      if (*end || port < 1 || port > 65535 || d->live) return HAL_EINVAL;
      int rc = liveview_start((uint16_t)port, d->cfg.fps, latest_screen, d, &d->live);
      if (rc) return rc;
      fprintf(stderr, "k230js: display live view on http://127.0.0.1:%lu/\n", port);
    } else if (strncmp(tok, "png:", 4) == 0) {
      char *dir = tok + 4, *every = strrchr(dir, ':');
      d->png_every = 1;
      if (every) {
        *every = 0;
        d->png_every = (uint32_t)strtoul(every + 1, NULL, 10);
        if (!d->png_every) d->png_every = 1;
      }
      snprintf(d->png_dir, sizeof d->png_dir, "%s", dir);
      d->rgb = malloc((size_t)d->cfg.width * d->cfg.height * 3);
      if (!d->rgb) return HAL_ENOMEM;
    } else {
      return HAL_EINVAL;
    }
  }
  return 0;
}

static void display_free(display *d) {
  liveview_stop(d->live); /* first: it reads d->screen */
  for (uint32_t i = 0; i < d->ev_cnt; i++) frame_unref(d->evq[(d->ev_head + i) % EVQ].f);
  for (int i = 0; i < HAL_LAYER_COUNT; i++) frame_unref(d->L[i].cur);
  frame_unref(d->screen);
  vb_pool_drop(d->screen_pool);
  vb_pool_drop(d->img_pool);
  if (d->y4m) fclose(d->y4m);
  free(d->rgb);
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv);
  free(d);
}

int hal_display_init(const hal_display_config *cfg, hal_handle *out) {
  if (!cfg || !out) return HAL_EINVAL;
  hal_display_config c = *cfg;
  int rc = resolve_mode(&c);
  if (rc) return rc;
  display *d = calloc(1, sizeof *d);
  if (!d) return HAL_ENOMEM;
  d->cfg = c;
  pthread_mutex_init(&d->mu, NULL);
  cond_init_mono(&d->cv);
  size_t scr = hal_pixfmt_size(HAL_PIXFMT_NV12, c.width, c.height);
  if ((rc = vb_pool_new(scr, 4, &d->screen_pool)) ||
      (rc = vb_pool_new((size_t)c.width * c.height * 4, 2 * HAL_LAYER_COUNT, &d->img_pool)) ||
      (rc = parse_sinks(d))) {
    display_free(d);
    return rc;
  }
  pthread_mutex_lock(&g_disp_mu);
  if (g_disp) {
    pthread_mutex_unlock(&g_disp_mu);
    display_free(d);
    return HAL_EBUSY;
  }
  if ((rc = hk_alloc(HK_DISPLAY, d, &d->h)) || pthread_create(&d->th, NULL, display_thread, d) != 0) {
    if (!rc) hk_free(d->h);
    pthread_mutex_unlock(&g_disp_mu);
    display_free(d);
    return rc ? rc : HAL_ENOMEM;
  }
  g_disp = d;
  pthread_mutex_unlock(&g_disp_mu);
  ep_register(HAL_MOD_DISPLAY, 0, -1, d, &k_disp_ops);
  *out = d->h;
  return 0;
}

int hal_display_info_get(hal_handle h, hal_display_info *out) {
  display *d;
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
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
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!cfg || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !layer_format_ok(layer, cfg->format)) return HAL_EINVAL;
  if (layer >= HAL_LAYER_OSD0 && (uint32_t)(layer - HAL_LAYER_OSD0) >= d->cfg.osd_num) return HAL_EINVAL;
  if (cfg->width > 4096 || cfg->height > 4096) return HAL_EINVAL;
  pthread_mutex_lock(&d->mu);
  d->L[layer].cfg = *cfg;
  d->L[layer].enabled = 1;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_layer_disable(hal_handle h, hal_display_layer layer) {
  display *d;
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if ((int)layer < 0 || layer >= HAL_LAYER_COUNT) return HAL_EINVAL;
  if (link_involves(HAL_MOD_DISPLAY, 0, layer)) return HAL_EBUSY;
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
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!img || (int)layer < 0 || layer >= HAL_LAYER_COUNT || !img->data[0]) return HAL_EINVAL;
  if (link_involves(HAL_MOD_DISPLAY, 0, layer)) return HAL_EBUSY;
  if (!d->L[layer].enabled) return HAL_ESTATE;
  if (img->format != d->L[layer].cfg.format || img->width > d->cfg.width || img->height > d->cfg.height)
    return HAL_EINVAL;
  if (img->format == HAL_PIXFMT_NV12 && !img->data[1]) return HAL_EINVAL;
  hal_frame *f = frame_alloc(d->img_pool, img->width, img->height, img->format, 1000);
  if (!f) return HAL_EAGAIN;
  uint32_t rowbytes = img->format == HAL_PIXFMT_NV12 ? img->width : img->width * 4;
  for (uint32_t y = 0; y < img->height; y++)
    memcpy(f->data[0] + (size_t)y * f->stride[0], img->data[0] + (size_t)y * img->stride[0], rowbytes);
  if (img->format == HAL_PIXFMT_NV12)
    for (uint32_t y = 0; y < img->height / 2; y++)
      memcpy(f->data[1] + (size_t)y * f->stride[1], img->data[1] + (size_t)y * img->stride[1], rowbytes);
  f->pts_us = img->pts_us;
  pthread_mutex_lock(&d->mu);
  post(d, layer, f);
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_writeback(hal_handle h, hal_frame **out) {
  display *d;
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
  pthread_mutex_lock(&d->mu);
  hal_frame *s = d->screen;
  if (s) frame_ref(s);
  pthread_mutex_unlock(&d->mu);
  if (!s) return HAL_EAGAIN;
  frame_give_to_app(s);
  *out = s;
  return 0;
}

int hal_display_set_frame_cb(hal_handle h, hal_display_frame_cb cb, void *user) {
  display *d;
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  pthread_mutex_lock(&d->mu);
  d->cb = cb;
  d->cb_user = user;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_display_deinit(hal_handle h) {
  display *d;
  int rc = hk_get(HK_DISPLAY, h, (void **)&d);
  if (rc) return rc;
  if (link_involves(HAL_MOD_DISPLAY, 0, -1)) return HAL_EBUSY;
  ep_unregister(HAL_MOD_DISPLAY, 0, -1);
  hk_free(h);
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
