/* hal/vdec.h on the host: bounded input queue, decoder thread, NV12 output blocks. The
 * decoding itself is the simulator's engine (vdec_stream.c: access units found by libs/media's
 * splitter in stream mode, the codec vdec_ffmpeg.c or vdec_none.c). */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define VDEC_Q 64

typedef struct chunk {
  uint8_t *data;
  size_t len;
  uint64_t pts;
  int eos;
} chunk;

typedef struct vdec {
  hal_handle h;
  int chn;
  hal_vdec_config cfg;
  sim_vdec *dec; /* decoder thread only, and hal_vdec_start while the thread is idle */
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv_in, cv_out;
  int running, quit, eos_sent, eos_done, busy;
  chunk inq[VDEC_Q];
  uint32_t in_head, in_cnt;
  vb_pool *out_pool;
  hal_frame *outq[VDEC_Q];
  uint32_t out_head, out_cnt, seq;
  hal_vdec_status st;
} vdec;

static vdec *g_chn[HAL_VDEC_MAX_CHN];
static pthread_mutex_t g_chn_mu = PTHREAD_MUTEX_INITIALIZER;

/* A decoded picture: to the bound sink or to the output queue. mu not held. */
static void emit_pic(void *arg, const vdec_pic *p) {
  vdec *d = arg;
  const vdec_pic pic = *p;
  {
    if (pic.width > d->cfg.max_width || pic.height > d->cfg.max_height || ((pic.width | pic.height) & 1)) {
      pthread_mutex_lock(&d->mu);
      d->st.errors++;
      pthread_mutex_unlock(&d->mu);
      return;
    }
    hal_frame *f = NULL;
    /* Wait for an output block (the app or the sink holds them all); stay responsive to quit. */
    while (!f) {
      f = frame_alloc(d->out_pool, pic.width, pic.height, HAL_PIXFMT_NV12, 0, 50);
      if (!f) {
        pthread_mutex_lock(&d->mu);
        int q = d->quit;
        pthread_mutex_unlock(&d->mu);
        if (q) return;
      }
    }
    sim_vdec_pic_to_nv12(&pic, f);
    atomic_fetch_add(&g_convert_bytes, f->size);
    f->pts_us = pic.pts_us;
    pthread_mutex_lock(&d->mu);
    f->seq = d->seq++;
    d->st.frames_decoded++;
    d->st.width = pic.width;
    d->st.height = pic.height;
    d->st.latest_pts_us = pic.pts_us;
    pthread_mutex_unlock(&d->mu);
    if (link_involves(HAL_MOD_VDEC, 0, d->chn)) {
      link_push(HAL_MOD_VDEC, 0, d->chn, f);
      frame_unref(f);
      return;
    }
    pthread_mutex_lock(&d->mu);
    d->outq[(d->out_head + d->out_cnt) % VDEC_Q] = f;
    d->out_cnt++;
    pthread_cond_broadcast(&d->cv_out);
    pthread_mutex_unlock(&d->mu);
    if (d->cfg.on_frame) d->cfg.on_frame(d->cfg.user, d->chn);
  }
}

static void *vdec_thread(void *arg) {
  vdec *d = arg;
  pthread_mutex_lock(&d->mu);
  for (;;) {
    while (!d->quit && d->in_cnt == 0) pthread_cond_wait(&d->cv_in, &d->mu);
    if (d->quit) break;
    chunk c = d->inq[d->in_head];
    d->in_head = (d->in_head + 1) % VDEC_Q;
    d->in_cnt--;
    d->busy = 1;
    pthread_cond_broadcast(&d->cv_in);
    pthread_mutex_unlock(&d->mu);
    int errs = sim_vdec_feed(d->dec, c.data, c.len, c.pts, c.eos);
    free(c.data);
    pthread_mutex_lock(&d->mu);
    d->st.errors += (uint64_t)errs;
    d->busy = 0;
    if (c.eos) {
      /* Bytes in but no picture out: the whole input was undecodable. */
      if (d->st.bytes_in > 0 && d->st.frames_decoded == 0 && d->st.errors == 0) d->st.errors = 1;
      d->eos_done = 1;
      d->st.end_of_stream = 1;
      pthread_cond_broadcast(&d->cv_out);
      pthread_mutex_unlock(&d->mu);
      if (d->cfg.on_eos) d->cfg.on_eos(d->cfg.user, d->chn);
      pthread_mutex_lock(&d->mu);
    }
  }
  pthread_mutex_unlock(&d->mu);
  return NULL;
}

/* ---- bind endpoint (source) ---- */
static int vdec_describe(void *obj, int chn, hal_bind_info *out) {
  vdec *d = obj;
  memset(out, 0, sizeof *out);
  out->src = (hal_chn){HAL_MOD_VDEC, 0, d->chn};
  out->width = d->cfg.max_width;
  out->height = d->cfg.max_height;
  out->format = HAL_PIXFMT_NV12;
  return 0;
}

static const ep_ops k_vdec_ops = {.describe = vdec_describe};

/* ---- API ---- */
static void vdec_free(vdec *d) {
  for (uint32_t i = 0; i < d->in_cnt; i++) free(d->inq[(d->in_head + i) % VDEC_Q].data);
  for (uint32_t i = 0; i < d->out_cnt; i++) frame_unref(d->outq[(d->out_head + i) % VDEC_Q]);
  sim_vdec_close(d->dec);
  vb_pool_drop(d->out_pool);
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv_in);
  pthread_cond_destroy(&d->cv_out);
  free(d);
}

int hal_vdec_create(int chn, const hal_vdec_config *cfg, hal_handle *out, int *out_chn) {
  if (!cfg || !out || chn < -1 || chn >= HAL_VDEC_MAX_CHN) return ERR_EINVAL;
  if (cfg->codec != HAL_VDEC_H264 && cfg->codec != HAL_VDEC_H265) return ERR_ENOTSUP;
  if (cfg->mode != HAL_VDEC_MODE_STREAM && cfg->mode != HAL_VDEC_MODE_FRAME) return ERR_EINVAL;
  if (cfg->max_width < 64 || cfg->max_height < 64 || cfg->max_width > 4096 || cfg->max_height > 4096 ||
      ((cfg->max_width | cfg->max_height) & 1) || cfg->in_buf_cnt < 1 || cfg->in_buf_cnt > VDEC_Q ||
      cfg->out_buf_cnt < 1 || cfg->out_buf_cnt > VDEC_Q)
    return ERR_EINVAL;
  vdec *d = calloc(1, sizeof *d);
  if (!d) return ERR_ENOMEM;
  d->cfg = *cfg;
  pthread_mutex_init(&d->mu, NULL);
  base_cond_init_mono(&d->cv_in);
  base_cond_init_mono(&d->cv_out);
  int rc =
      vb_pool_new(hal_pixfmt_size(HAL_PIXFMT_NV12, cfg->max_width, cfg->max_height), cfg->out_buf_cnt, &d->out_pool);
  /* An access unit up to an uncompressed picture's size (VDEC's input blocks are as big). */
  if (!rc)
    rc = sim_vdec_open(cfg->codec, cfg->mode == HAL_VDEC_MODE_STREAM,
                       hal_pixfmt_size(HAL_PIXFMT_NV12, cfg->max_width, cfg->max_height), emit_pic, d, &d->dec);
  if (rc) {
    vdec_free(d);
    return rc;
  }
  pthread_mutex_lock(&g_chn_mu);
  if (chn < 0)
    for (int i = 0; i < HAL_VDEC_MAX_CHN && chn < 0; i++)
      if (!g_chn[i]) chn = i;
  if (chn < 0 || g_chn[chn]) {
    pthread_mutex_unlock(&g_chn_mu);
    vdec_free(d);
    return ERR_EBUSY;
  }
  g_chn[chn] = d;
  pthread_mutex_unlock(&g_chn_mu);
  d->chn = chn;
  d->st.chn = (uint32_t)chn;
  rc = hal_handle_alloc(HAL_KIND_VDEC, d, &d->h);
  if (!rc && pthread_create(&d->th, NULL, vdec_thread, d) != 0) {
    hal_handle_free(d->h);
    rc = ERR_ENOMEM;
  }
  if (rc) {
    pthread_mutex_lock(&g_chn_mu);
    g_chn[chn] = NULL;
    pthread_mutex_unlock(&g_chn_mu);
    vdec_free(d);
    return rc;
  }
  ep_register(HAL_MOD_VDEC, 0, chn, d, &k_vdec_ops);
  *out = d->h;
  if (out_chn) *out_chn = chn;
  return 0;
}

int hal_vdec_start(hal_handle h) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  pthread_mutex_lock(&d->mu);
  if (d->eos_sent) {
    /* Restart after end of stream: wait for the thread to go idle, then a fresh decoder. */
    while (!d->eos_done || d->busy || d->in_cnt) pthread_cond_wait(&d->cv_out, &d->mu);
    if ((rc = sim_vdec_restart(d->dec))) {
      pthread_mutex_unlock(&d->mu);
      return rc;
    }
    d->eos_sent = d->eos_done = 0;
    d->st.end_of_stream = 0;
  }
  d->running = 1;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_vdec_send_stream(hal_handle h, const uint8_t *data, size_t len, uint64_t pts_us, int eos, int timeout_ms) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  if ((!data && len) || len > (64u << 20)) return ERR_EINVAL;
  if (!len && !eos) return 0;
  uint8_t *copy = NULL;
  if (len) {
    /* Zeroed tail: FFmpeg's parsers read up to 64 bytes past the input (input padding). */
    copy = malloc(len + 64);
    if (!copy) return ERR_ENOMEM;
    memcpy(copy, data, len);
    memset(copy + len, 0, 64);
  }
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&d->mu);
  rc = 0;
  if (!d->running || d->eos_sent) rc = ERR_ESTATE;
  while (!rc && d->in_cnt >= d->cfg.in_buf_cnt)
    if (base_cond_wait(&d->cv_in, &d->mu, &dl, timeout_ms) == ETIMEDOUT) rc = ERR_ETIMEDOUT;
  if (rc) {
    pthread_mutex_unlock(&d->mu);
    free(copy);
    return rc;
  }
  d->inq[(d->in_head + d->in_cnt) % VDEC_Q] = (chunk){copy, len, pts_us, eos};
  d->in_cnt++;
  d->st.bytes_in += len;
  d->st.chunks_in++;
  if (eos) d->eos_sent = 1;
  pthread_cond_broadcast(&d->cv_in);
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_vdec_get_frame(hal_handle h, hal_frame **out, int timeout_ms) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if (link_involves(HAL_MOD_VDEC, 0, d->chn)) return ERR_EBUSY;
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&d->mu);
  while (d->out_cnt == 0) {
    if (d->eos_done) {
      pthread_mutex_unlock(&d->mu);
      return ERR_ESTATE;
    }
    if (base_cond_wait(&d->cv_out, &d->mu, &dl, timeout_ms) == ETIMEDOUT) {
      pthread_mutex_unlock(&d->mu);
      return ERR_ETIMEDOUT;
    }
  }
  hal_frame *f = d->outq[d->out_head];
  d->out_head = (d->out_head + 1) % VDEC_Q;
  d->out_cnt--;
  pthread_mutex_unlock(&d->mu);
  frame_give_to_app(f);
  *out = f;
  return 0;
}

int hal_vdec_status_get(hal_handle h, hal_vdec_status *out) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  pthread_mutex_lock(&d->mu);
  *out = d->st;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_vdec_bind_info(hal_handle h, int x, int y, uint32_t width, uint32_t height, hal_bind_info *out) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  vdec_describe(d, d->chn, out);
  out->x = x;
  out->y = y;
  if (width) out->width = width;
  if (height) out->height = height;
  return 0;
}

int hal_vdec_stop(hal_handle h) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  pthread_mutex_lock(&d->mu);
  d->running = 0;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

int hal_vdec_destroy(hal_handle h) {
  vdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, h, (void **)&d);
  if (rc) return rc;
  if (link_involves(HAL_MOD_VDEC, 0, d->chn)) return ERR_EBUSY;
  ep_unregister(HAL_MOD_VDEC, 0, d->chn);
  hal_handle_free(h);
  pthread_mutex_lock(&d->mu);
  d->quit = 1;
  pthread_cond_broadcast(&d->cv_in);
  pthread_mutex_unlock(&d->mu);
  pthread_join(d->th, NULL);
  pthread_mutex_lock(&g_chn_mu);
  g_chn[d->chn] = NULL;
  pthread_mutex_unlock(&g_chn_mu);
  vdec_free(d);
  return 0;
}
