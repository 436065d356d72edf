/* hal/sensor.h on the host: one producer thread per device, pattern or FFmpeg-read source. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hal/clock.h"
#include "hal/sensor.h"
#include "hal_sim.h"
#include "internal.h"

typedef struct sensor_chn {
  int enabled;
  hal_sensor_chn_config cfg;
  vb_pool *pool;
  hal_frame *latest; /* one reference, for snapshot */
  uint64_t latest_count;
} sensor_chn;

typedef struct sensor {
  hal_handle h;
  hal_sensor_config cfg;
  sensor_chn ch[HAL_SENSOR_MAX_CHN];
  sensor_src *src; /* NULL: the test pattern */
  pthread_t th;
  int running, stop_req;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t frames, dropped, late;
  uint32_t pace; /* frames come pace x faster than fps (K230JS_SIM_SENSOR_PACE); pts unchanged */
  char name[64]; /* the source, as K230JS_SIM_SENSOR named it */
} sensor;

static sensor *g_dev[HAL_SENSOR_MAX_DEV];
static pthread_mutex_t g_dev_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- producer thread ---- */
static void *sensor_thread(void *arg) {
  sensor *s = arg;
  uint64_t t0 = hal_clock_us();
  const uint64_t period = 1000000u / ((uint64_t)s->cfg.fps * s->pace);
  for (uint32_t n = 0;; n++) {
    uint64_t due = t0 + (uint64_t)n * 1000000u / ((uint64_t)s->cfg.fps * s->pace);
    pthread_mutex_lock(&s->mu);
    while (!s->stop_req) {
      uint64_t now = hal_clock_us();
      if (now >= due) {
        if (now - due > period) s->late++; /* the host could not keep up: say so (hal/sensor.h) */
        break;
      }
      struct timespec dl;
      base_deadline(&dl, (int)((due - now + 999) / 1000));
      pthread_cond_timedwait(&s->cv, &s->mu, &dl);
    }
    int stop = s->stop_req;
    pthread_mutex_unlock(&s->mu);
    if (stop) break;
    if (s->src) sensor_src_next(s->src);
    for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) {
      sensor_chn *ch = &s->ch[c];
      if (!ch->enabled) continue;
      hal_frame *f =
          frame_alloc(ch->pool, ch->cfg.width, ch->cfg.height, ch->cfg.format, hal_sensor_chn_alignment(&ch->cfg), 0);
      if (!f) {
        pthread_mutex_lock(&s->mu);
        s->dropped++;
        pthread_mutex_unlock(&s->mu);
        continue;
      }
      if (s->src) sensor_src_render(s->src, f);
      else hal_sim_pattern_render(f, n);
      f->seq = n;
      f->pts_us = (uint64_t)n * 1000000u / s->cfg.fps;
      link_push(HAL_MOD_SENSOR, s->cfg.dev, c, f);
      pthread_mutex_lock(&s->mu);
      hal_frame *old = ch->latest;
      ch->latest = f;
      ch->latest_count++;
      s->frames++;
      pthread_cond_broadcast(&s->cv);
      pthread_mutex_unlock(&s->mu);
      frame_unref(old);
    }
  }
  return NULL;
}

/* ---- bind endpoint ---- */
static int sensor_describe(void *obj, int chn, hal_bind_info *out) {
  sensor *s = obj;
  if (chn < 0 || chn >= HAL_SENSOR_MAX_CHN || !s->ch[chn].enabled) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  out->src = (hal_chn){HAL_MOD_SENSOR, s->cfg.dev, chn};
  out->width = s->ch[chn].cfg.width;
  out->height = s->ch[chn].cfg.height;
  out->format = s->ch[chn].cfg.format;
  out->alignment = hal_sensor_chn_alignment(&s->ch[chn].cfg);
  return 0;
}

static const ep_ops k_sensor_ops = {.describe = sensor_describe};

/* ---- API ---- */
int hal_sensor_open(const hal_sensor_config *cfg, hal_handle *out) {
  if (!cfg || !out) return ERR_EINVAL;
  if (cfg->dev < 0 || cfg->dev >= HAL_SENSOR_MAX_DEV || cfg->fps < 1 || cfg->fps > 60 || cfg->width < 64 ||
      cfg->height < 64 || cfg->width > 4096 || cfg->height > 4096 || ((cfg->width | cfg->height) & 1))
    return ERR_EINVAL;
  sensor *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->cfg = *cfg;
  const char *pace = getenv("K230JS_SIM_SENSOR_PACE");
  s->pace = pace && atoi(pace) >= 1 && atoi(pace) <= 100 ? (uint32_t)atoi(pace) : 1;
  const char *spec = getenv("K230JS_SIM_SENSOR");
  snprintf(s->name, sizeof s->name, "%s", spec && *spec ? spec : "pattern");
  if (spec && *spec && strcmp(spec, "pattern") != 0) {
    int rc = sensor_src_open(spec, &s->src);
    if (rc) {
      free(s);
      return rc;
    }
  }
  pthread_mutex_lock(&g_dev_mu);
  if (g_dev[cfg->dev]) {
    pthread_mutex_unlock(&g_dev_mu);
    if (s->src) sensor_src_close(s->src);
    free(s);
    return ERR_EBUSY;
  }
  int rc = hal_handle_alloc(HAL_KIND_SENSOR, s, &s->h);
  if (rc) {
    pthread_mutex_unlock(&g_dev_mu);
    if (s->src) sensor_src_close(s->src);
    free(s);
    return rc;
  }
  g_dev[cfg->dev] = s;
  pthread_mutex_unlock(&g_dev_mu);
  pthread_mutex_init(&s->mu, NULL);
  base_cond_init_mono(&s->cv);
  ep_register(HAL_MOD_SENSOR, cfg->dev, -1, s, &k_sensor_ops);
  *out = s->h;
  return 0;
}

int hal_sensor_chn_config_set(hal_handle h, int chn, const hal_sensor_chn_config *cfg) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!cfg || chn < 0 || chn >= HAL_SENSOR_MAX_CHN) return ERR_EINVAL;
  if (s->running) return ERR_ESTATE;
  uint32_t maxw = chn == 0 ? 3072 : 1920, maxh = chn == 0 ? 2160 : 1080;
  if (cfg->width < 64 || cfg->height < 64 || cfg->width > maxw || cfg->height > maxh || cfg->width > s->cfg.width ||
      cfg->height > s->cfg.height || ((cfg->width | cfg->height) & 1))
    return ERR_EINVAL;
  if (cfg->format < HAL_PIXFMT_NV12 || cfg->format > HAL_PIXFMT_ARGB8888) return ERR_ENOTSUP;
  if (cfg->buf_cnt < 1 || cfg->buf_cnt > 64) return ERR_EINVAL;
  if (cfg->alignment < HAL_SENSOR_ALIGN_AUTO || cfg->alignment > 12) return ERR_EINVAL;
  if (link_involves(HAL_MOD_SENSOR, s->cfg.dev, chn)) return ERR_EBUSY;
  vb_pool *p;
  rc = vb_pool_new(hal_pixfmt_size_aligned(cfg->format, cfg->width, cfg->height, hal_sensor_chn_alignment(cfg)),
                   cfg->buf_cnt, &p);
  if (rc) return rc;
  sensor_chn *ch = &s->ch[chn];
  frame_unref(ch->latest);
  ch->latest = NULL;
  vb_pool_drop(ch->pool);
  ch->pool = p;
  ch->cfg = *cfg;
  ch->enabled = 1;
  return 0;
}

int hal_sensor_run(hal_handle h) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (s->running) return ERR_ESTATE;
  int any = 0;
  for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) any |= s->ch[c].enabled;
  if (!any) return ERR_ESTATE;
  s->stop_req = 0;
  if (pthread_create(&s->th, NULL, sensor_thread, s) != 0) return ERR_ENOMEM;
  s->running = 1;
  return 0;
}

int hal_sensor_stop(hal_handle h) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!s->running) return 0;
  pthread_mutex_lock(&s->mu);
  s->stop_req = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->th, NULL);
  s->running = 0;
  return 0;
}

int hal_sensor_snapshot(hal_handle h, int chn, int timeout_ms, hal_frame **out) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!out || chn < 0 || chn >= HAL_SENSOR_MAX_CHN) return ERR_EINVAL;
  if (!s->running) return ERR_ESTATE;
  if (!s->ch[chn].enabled) return ERR_EINVAL;
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&s->mu);
  uint64_t seen = s->ch[chn].latest_count;
  while (s->ch[chn].latest_count == seen) {
    if (base_cond_wait(&s->cv, &s->mu, &dl, timeout_ms) == ETIMEDOUT) {
      pthread_mutex_unlock(&s->mu);
      return ERR_ETIMEDOUT;
    }
  }
  hal_frame *f = s->ch[chn].latest;
  frame_ref(f);
  pthread_mutex_unlock(&s->mu);
  frame_give_to_app(f);
  *out = f;
  return 0;
}

int hal_sensor_bind_info(hal_handle h, int chn, int x, int y, hal_bind_info *out) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if ((rc = sensor_describe(s, chn, out))) return rc;
  out->x = x;
  out->y = y;
  return 0;
}

int hal_sensor_stats_get(hal_handle h, hal_sensor_stats *out) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  pthread_mutex_lock(&s->mu);
  out->frames = s->frames;
  out->dropped = s->dropped;
  out->late = s->late;
  pthread_mutex_unlock(&s->mu);
  return 0;
}

int hal_sensor_info_get(hal_handle h, hal_sensor_info *out) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  memcpy(out->name, s->name, sizeof out->name);
  out->width = s->cfg.width;
  out->height = s->cfg.height;
  out->fps = s->cfg.fps;
  return 0;
}

int hal_sensor_close(hal_handle h) {
  sensor *s;
  int rc = hal_handle_get(HAL_KIND_SENSOR, h, (void **)&s);
  if (rc) return rc;
  if (link_involves(HAL_MOD_SENSOR, s->cfg.dev, -1)) return ERR_EBUSY;
  hal_sensor_stop(h);
  ep_unregister(HAL_MOD_SENSOR, s->cfg.dev, -1);
  hal_handle_free(h);
  pthread_mutex_lock(&g_dev_mu);
  g_dev[s->cfg.dev] = NULL;
  pthread_mutex_unlock(&g_dev_mu);
  for (int c = 0; c < HAL_SENSOR_MAX_CHN; c++) {
    frame_unref(s->ch[c].latest);
    vb_pool_drop(s->ch[c].pool);
  }
  if (s->src) sensor_src_close(s->src);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
  return 0;
}
