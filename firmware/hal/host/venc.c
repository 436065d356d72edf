/* hal/venc.h on the host: channel state, bounded input queue and stream slots, encoder thread.
 * The codec itself is venc_ffmpeg.c or venc_replay.c (link-time choice). */
#include <errno.h>
#include <string.h>

#include "hal/sensor.h"
#include "internal.h"

#define IN_DEPTH 3

typedef struct venc_slot {
  hal_venc_stream st; /* first: the app's pointer identifies the slot */
  venc_au au;
  int state; /* 0 free, 1 ready, 2 lent */
} venc_slot;

typedef struct venc {
  hal_handle h;
  int chn;
  hal_venc_config cfg;
  venc_codec *codec;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv_in, cv_out;
  int running, quit;
  /* input */
  hal_frame *inq[IN_DEPTH];
  int in_head, in_cnt, encoding;
  vb_pool *in_pool; /* copies of frames sent by the app */
  uint64_t decim;   /* frames offered, for src -> dst fps decimation */
  int idr_req;
  /* output */
  venc_slot *slots;
  uint32_t nslots;
  uint32_t *readyq;
  uint32_t ready_head, ready_cnt, outstanding;
  uint32_t stream_seq;
  hal_venc_status st;
} venc;

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's built-in suppressions for every program linking the simulator (runtime, C
 * tests): Debian's libx265 3.5 leaks FrameFilter buffers inside x265_encoder_open (not ours;
 * test/c/hal/lsan.supp says the same for ctest). Our own leaks still fail. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libx265.so\n"; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }
#endif

static venc *g_chn[HAL_VENC_MAX_CHN];
static pthread_mutex_t g_chn_mu = PTHREAD_MUTEX_INITIALIZER;

/* Room for one more input frame: queue space and a stream slot for its output. mu held. */
static int has_room(const venc *v) {
  return v->in_cnt < IN_DEPTH && v->outstanding + (uint32_t)v->in_cnt + (uint32_t)v->encoding < v->nslots;
}

static void enqueue(venc *v, hal_frame *f) {
  v->inq[(v->in_head + v->in_cnt) % IN_DEPTH] = f;
  v->in_cnt++;
  v->st.frames_in++;
  pthread_cond_broadcast(&v->cv_in);
}

/* Keep this frame under src_fps -> dst_fps decimation? mu held. */
static int decimate_keep(venc *v) {
  uint64_t k = v->decim++;
  uint32_t s = v->cfg.src_fps, d = v->cfg.dst_fps;
  if (d >= s) return 1;
  return (k + 1) * d / s > k * d / s;
}

static void store_au(venc *v, venc_au *au) {
  pthread_mutex_lock(&v->mu);
  venc_slot *slot = NULL;
  uint32_t idx = 0;
  for (uint32_t i = 0; i < v->nslots; i++)
    if (v->slots[i].state == 0) {
      slot = &v->slots[i];
      idx = i;
      break;
    }
  if (!slot) { /* cannot happen with has_room(); stay bounded anyway */
    v->st.dropped_frames++;
    pthread_mutex_unlock(&v->mu);
    venc_codec_au_free(v->codec, au);
    return;
  }
  slot->au = *au;
  memset(&slot->st, 0, sizeof slot->st);
  memcpy(slot->st.pack, au->pack, sizeof(hal_venc_pack) * au->pack_cnt);
  slot->st.pack_cnt = au->pack_cnt;
  slot->st.seq = v->stream_seq++;
  slot->state = 1;
  v->readyq[(v->ready_head + v->ready_cnt) % v->nslots] = idx;
  v->ready_cnt++;
  v->outstanding++;
  v->st.streams_out++;
  for (uint32_t i = 0; i < au->pack_cnt; i++) v->st.bytes_out += au->pack[i].len;
  pthread_mutex_unlock(&v->mu);
  /* After the unlock: a waiter woken under the lock would only block again on it. */
  pthread_cond_broadcast(&v->cv_out);
  if (v->cfg.on_stream) v->cfg.on_stream(v->cfg.user, v->chn);
}

static void *venc_thread(void *arg) {
  venc *v = arg;
  pthread_mutex_lock(&v->mu);
  for (;;) {
    while (!v->quit && v->in_cnt == 0) pthread_cond_wait(&v->cv_in, &v->mu);
    if (v->quit) break;
    hal_frame *f = v->inq[v->in_head];
    v->in_head = (v->in_head + 1) % IN_DEPTH;
    v->in_cnt--;
    v->encoding++;
    int idr = v->idr_req;
    v->idr_req = 0;
    pthread_mutex_unlock(&v->mu);
    venc_codec_send(v->codec, f, f->pts_us, idr);
    frame_unref(f);
    venc_au au;
    while (venc_codec_receive(v->codec, &au) == 0) store_au(v, &au);
    pthread_mutex_lock(&v->mu);
    v->encoding--;
    /* get_stream waits for the drain of a stopped encoder; a running one's waiters need a stream */
    if (!v->running) pthread_cond_broadcast(&v->cv_out);
    pthread_cond_broadcast(&v->cv_in); /* send_frame may wait for room */
  }
  pthread_mutex_unlock(&v->mu);
  return NULL;
}

/* ---- bind endpoint (sink) ---- */
static int venc_accepts(void *obj, int chn, const hal_bind_info *src) {
  venc *v = obj;
  if (src->format != HAL_PIXFMT_NV12) return ERR_EINVAL;
  if (src->width != v->cfg.width || src->height != v->cfg.height) return ERR_EINVAL;
  /* As on the board (hal/sensor.h): a camera channel feeds the encoder 4 KiB-aligned. */
  if (src->src.mod == HAL_MOD_SENSOR && src->alignment != HAL_SENSOR_ALIGN_ENCODER) return ERR_EINVAL;
  return 0;
}

static void venc_push(void *obj, int chn, hal_frame *f) {
  venc *v = obj;
  pthread_mutex_lock(&v->mu);
  if (v->running && decimate_keep(v)) {
    if (has_room(v)) {
      frame_ref(f);
      enqueue(v, f);
    } else {
      v->st.dropped_frames++;
    }
  }
  pthread_mutex_unlock(&v->mu);
}

static const ep_ops k_venc_ops = {.accepts = venc_accepts, .push = venc_push};

/* ---- API ---- */
/* 0, or the code with *why naming the constraint (hal_venc_config_why). */
static int config_check(const hal_venc_config *c, const char **why) {
#define REFUSE(code, text) \
  do { \
    *why = text; \
    return code; \
  } while (0)
  *why = NULL;
  if (c->codec < HAL_VENC_H264 || c->codec > HAL_VENC_JPEG) REFUSE(ERR_ENOTSUP, "the codec is h264, h265 or jpeg");
  if (c->codec == HAL_VENC_H264 && c->profile == HAL_VENC_PROFILE_H265_MAIN)
    REFUSE(ERR_ENOTSUP, "H.264 takes the baseline, main or high profile");
  if (c->codec == HAL_VENC_H265 && c->profile != HAL_VENC_PROFILE_DEFAULT && c->profile != HAL_VENC_PROFILE_H265_MAIN)
    REFUSE(ERR_ENOTSUP, "H.265 takes the main profile only");
  if (c->profile < HAL_VENC_PROFILE_DEFAULT || c->profile > HAL_VENC_PROFILE_H265_MAIN)
    REFUSE(ERR_EINVAL, "unknown profile");
  if (c->codec == HAL_VENC_JPEG ? c->width > 8192 || c->height > 8192 : c->width > 4096 || c->height > 4096)
    REFUSE(ERR_EINVAL, c->codec == HAL_VENC_JPEG ? "width and height must be at most 8192"
                                                 : "width and height must be at most 4096");
  if (c->width < 128 || c->height < 64) REFUSE(ERR_EINVAL, "width must be at least 128 and height at least 64");
  if ((c->width | c->height) & 1) REFUSE(ERR_EINVAL, "width and height must be even");
  if (c->src_fps < 1 || c->src_fps > 240) REFUSE(ERR_EINVAL, "the source frame rate must be 1..240");
  if (c->dst_fps < 1 || c->dst_fps > c->src_fps) REFUSE(ERR_EINVAL, "fps must be 1..the source frame rate");
  if (c->stream_buf_cnt < 1 || c->stream_buf_cnt > 64) REFUSE(ERR_EINVAL, "the stream buffer count must be 1..64");
  if (c->codec == HAL_VENC_JPEG) {
    if (c->jpeg_quality < 1 || c->jpeg_quality > 99) REFUSE(ERR_EINVAL, "the JPEG quality must be 1..99");
    return 0;
  }
  if (c->gop < 1) REFUSE(ERR_EINVAL, "the GOP must be at least 1");
  switch (c->rc) {
    case HAL_VENC_RC_CBR:
    case HAL_VENC_RC_VBR:
      if (c->bitrate_kbps < 10 || c->bitrate_kbps > 200000) REFUSE(ERR_EINVAL, "the bitrate must be 10..200000 kbit/s");
      break;
    case HAL_VENC_RC_FIXQP:
      if (c->i_qp > 51 || c->p_qp > 51) REFUSE(ERR_EINVAL, "the QP must be 0..51");
      break;
    default: REFUSE(ERR_EINVAL, "unknown rate control");
  }
  return 0;
#undef REFUSE
}

const char *hal_venc_config_why(const hal_venc_config *cfg) {
  const char *why = NULL;
  if (cfg) config_check(cfg, &why);
  return why;
}

static void venc_free(venc *v) {
  if (v->slots)
    for (uint32_t i = 0; i < v->nslots; i++)
      if (v->slots[i].state) venc_codec_au_free(v->codec, &v->slots[i].au);
  for (int i = 0; i < v->in_cnt; i++) frame_unref(v->inq[(v->in_head + i) % IN_DEPTH]);
  if (v->codec) venc_codec_close(v->codec);
  vb_pool_drop(v->in_pool);
  free(v->slots);
  free(v->readyq);
  pthread_mutex_destroy(&v->mu);
  pthread_cond_destroy(&v->cv_in);
  pthread_cond_destroy(&v->cv_out);
  free(v);
}

int hal_venc_create(int chn, const hal_venc_config *cfg, hal_handle *out, int *out_chn) {
  if (!cfg || !out || chn < -1 || chn >= HAL_VENC_MAX_CHN) return ERR_EINVAL;
  const char *why;
  int rc = config_check(cfg, &why);
  if (rc) return rc;
  venc *v = calloc(1, sizeof *v);
  if (!v) return ERR_ENOMEM;
  v->cfg = *cfg;
  if (v->cfg.max_bitrate_kbps == 0) v->cfg.max_bitrate_kbps = 2 * v->cfg.bitrate_kbps;
  pthread_mutex_init(&v->mu, NULL);
  base_cond_init_mono(&v->cv_in);
  base_cond_init_mono(&v->cv_out);
  v->nslots = cfg->stream_buf_cnt;
  v->slots = calloc(v->nslots, sizeof *v->slots);
  v->readyq = calloc(v->nslots, sizeof *v->readyq);
  if (!v->slots || !v->readyq ||
      vb_pool_new(hal_pixfmt_size(HAL_PIXFMT_NV12, cfg->width, cfg->height), IN_DEPTH + 1, &v->in_pool)) {
    venc_free(v);
    return ERR_ENOMEM;
  }
  pthread_mutex_lock(&g_chn_mu);
  if (chn < 0)
    for (int i = 0; i < HAL_VENC_MAX_CHN && chn < 0; i++)
      if (!g_chn[i]) chn = i;
  if (chn < 0 || g_chn[chn]) {
    pthread_mutex_unlock(&g_chn_mu);
    venc_free(v);
    return ERR_EBUSY;
  }
  g_chn[chn] = v; /* reserve while the codec opens */
  pthread_mutex_unlock(&g_chn_mu);
  v->chn = chn;
  v->st.chn = (uint32_t)chn;
  rc = venc_codec_open(&v->cfg, &v->codec);
  if (!rc) rc = hal_handle_alloc(HAL_KIND_VENC, v, &v->h);
  if (!rc && pthread_create(&v->th, NULL, venc_thread, v) != 0) {
    hal_handle_free(v->h);
    rc = ERR_ENOMEM;
  }
  if (rc) {
    pthread_mutex_lock(&g_chn_mu);
    g_chn[chn] = NULL;
    pthread_mutex_unlock(&g_chn_mu);
    venc_free(v);
    return rc;
  }
  ep_register(HAL_MOD_VENC, 0, chn, v, &k_venc_ops);
  *out = v->h;
  if (out_chn) *out_chn = chn;
  return 0;
}

int hal_venc_start(hal_handle h) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  pthread_mutex_lock(&v->mu);
  v->running = 1;
  v->st.running = 1;
  pthread_mutex_unlock(&v->mu);
  return 0;
}

int hal_venc_stop(hal_handle h) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  pthread_mutex_lock(&v->mu);
  v->running = 0;
  v->st.running = 0;
  pthread_cond_broadcast(&v->cv_out);
  pthread_cond_broadcast(&v->cv_in);
  pthread_mutex_unlock(&v->mu);
  return 0;
}

int hal_venc_request_idr(hal_handle h) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  pthread_mutex_lock(&v->mu);
  v->idr_req = 1;
  pthread_mutex_unlock(&v->mu);
  return 0;
}

int hal_venc_send_frame(hal_handle h, const hal_frame *frame, int timeout_ms) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  if (!frame || frame->format != HAL_PIXFMT_NV12 || frame->width != v->cfg.width || frame->height != v->cfg.height ||
      !frame->data[0] || !frame->data[1])
    return ERR_EINVAL;
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&v->mu);
  if (!v->running) {
    pthread_mutex_unlock(&v->mu);
    return ERR_ESTATE;
  }
  while (!has_room(v)) {
    if (base_cond_wait(&v->cv_in, &v->mu, &dl, timeout_ms) == ETIMEDOUT || !v->running) {
      v->st.dropped_frames++;
      pthread_mutex_unlock(&v->mu);
      return v->running ? ERR_ETIMEDOUT : ERR_ESTATE;
    }
  }
  v->encoding++; /* hold the room while copying outside the lock */
  pthread_mutex_unlock(&v->mu);
  hal_frame *f = frame_alloc(v->in_pool, frame->width, frame->height, HAL_PIXFMT_NV12, 0, -1);
  if (f) {
    for (uint32_t y = 0; y < frame->height; y++)
      memcpy(f->data[0] + (size_t)y * f->stride[0], frame->data[0] + (size_t)y * frame->stride[0], frame->width);
    for (uint32_t y = 0; y < frame->height / 2; y++)
      memcpy(f->data[1] + (size_t)y * f->stride[1], frame->data[1] + (size_t)y * frame->stride[1], frame->width);
    f->pts_us = frame->pts_us;
    f->seq = frame->seq;
  }
  pthread_mutex_lock(&v->mu);
  v->encoding--;
  if (f) enqueue(v, f);
  pthread_mutex_unlock(&v->mu);
  return f ? 0 : ERR_ENOMEM;
}

int hal_venc_get_stream(hal_handle h, hal_venc_stream **out, int timeout_ms) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&v->mu);
  while (v->ready_cnt == 0) {
    if (!v->running && v->in_cnt == 0 && v->encoding == 0) {
      pthread_mutex_unlock(&v->mu);
      return ERR_ESTATE;
    }
    if (base_cond_wait(&v->cv_out, &v->mu, &dl, timeout_ms) == ETIMEDOUT) {
      pthread_mutex_unlock(&v->mu);
      return ERR_ETIMEDOUT;
    }
  }
  uint32_t idx = v->readyq[v->ready_head];
  v->ready_head = (v->ready_head + 1) % v->nslots;
  v->ready_cnt--;
  v->slots[idx].state = 2;
  *out = &v->slots[idx].st;
  pthread_mutex_unlock(&v->mu);
  return 0;
}

int hal_venc_release_stream(hal_handle h, hal_venc_stream *stream) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  pthread_mutex_lock(&v->mu);
  rc = ERR_EINVAL;
  for (uint32_t i = 0; i < v->nslots; i++) {
    venc_slot *s = &v->slots[i];
    if (&s->st != stream || s->state != 2) continue;
    venc_codec_au_free(v->codec, &s->au);
    s->state = 0;
    v->outstanding--;
    pthread_cond_broadcast(&v->cv_in);
    rc = 0;
    break;
  }
  pthread_mutex_unlock(&v->mu);
  return rc;
}

int hal_venc_status_get(hal_handle h, hal_venc_status *out) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  pthread_mutex_lock(&v->mu);
  *out = v->st;
  out->ready_streams = v->ready_cnt;
  out->outstanding_streams = v->outstanding;
  pthread_mutex_unlock(&v->mu);
  return 0;
}

int hal_venc_destroy(hal_handle h) {
  venc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, h, (void **)&v);
  if (rc) return rc;
  if (link_involves(HAL_MOD_VENC, 0, v->chn)) return ERR_EBUSY;
  ep_unregister(HAL_MOD_VENC, 0, v->chn);
  hal_handle_free(h);
  pthread_mutex_lock(&v->mu);
  v->quit = 1;
  v->running = 0;
  pthread_cond_broadcast(&v->cv_in);
  pthread_cond_broadcast(&v->cv_out);
  pthread_mutex_unlock(&v->mu);
  pthread_join(v->th, NULL);
  pthread_mutex_lock(&g_chn_mu);
  g_chn[v->chn] = NULL;
  pthread_mutex_unlock(&g_chn_mu);
  venc_free(v);
  return 0;
}
