/* AI / AO: devices with the MPP's set_pub_attr -> enable -> enable_chn -> ... -> disable_chn ->
 * disable sequence. An enabled AI channel captures the simulator's microphone (hal/host/
 * audio_sim.c: a sine or a WAV file, paced by the clock) into VB blocks, frame_num frames deep
 * (the oldest is dropped on overrun), lent by kd_mpi_ai_get_frame until kd_mpi_ai_release_frame.
 * On the 2024 MPP the AI takes those blocks from the common pools; on the current one from a pool
 * of its own. An AO channel plays the frames sent to it (held by a VB user count until played) to
 * the simulator's speaker (a WAV file), at the sample rate unless K230JS_SIM_AUDIO_PACE=0.
 * AENC/ADEC are not modelled: hal/k230 codes G.711 in software (libs/media).
 *
 * Test control: K230JS_DOUBLE_AI_SHORT=N makes every Nth AI frame carry half its samples (a
 * shorter frame.len), to show that a reader takes the frame's length from frame.len. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double.h"
#include "base/errors.h"
#include "hal_sim.h"
#include "mpi_ai_api.h"
#include "mpi_ao_api.h"
#include "mpi_vb_api.h"

#define N_DEV 2
/* k_ao_comm.h defines only K_ERR_AO_NOTREADY; the others the same way (k_errno.h codes). */
#define AO_ERR(code) K_DEF_ERR(K_ID_AO, K_ERR_LEVEL_ERROR, code)
#define MAX_FRAMES 32 /* K_MAX_AUDIO_FRAME_NUM bounds frame_num */

/* The generation, as core.c names it: the AI headers are the same in both, the buffers are not. */
#define CURRENT_MPP (K230_MPP_VENC_ATTACH_ARGS || K230_MPP_VICAP_POOL_ID)

typedef struct afr {
  k_audio_frame f;
  k_vb_blk_handle blk;
} afr;

typedef struct aidev {
  int attr_set, enabled, chn_on;
  k_aio_dev_attr attr;
  uint32_t rate, channels, points, depth;
  k_u32 pool; /* current MPP: the AI's own */
  sim_audio_src *src;
  afr q[MAX_FRAMES]; /* captured, not yet taken */
  int q_head, q_cnt;
  afr lent[MAX_FRAMES];
  int nlent;
  uint32_t seq;
  uint64_t dropped;
  pthread_t th;
  int quit;
} aidev;

typedef struct aodev {
  int attr_set, enabled, chn_on;
  k_aio_dev_attr attr;
  uint32_t rate, channels, depth;
  sim_audio_sink *sink;
  afr q[MAX_FRAMES]; /* sent, not yet played */
  int q_head, q_cnt, playing;
  int pace;
  pthread_t th;
  int quit;
} aodev;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static aidev g_ai[N_DEV];
static aodev g_ao[1];

/* Rate, channels, points per frame and queue depth of either kind of device. */
static void geometry(const k_aio_dev_attr *a, uint32_t *rate, uint32_t *ch, uint32_t *points, uint32_t *depth) {
  if (a->audio_type == KD_AUDIO_INPUT_TYPE_PDM) {
    const k_audio_pdm_attr *p = &a->kd_audio_attr.pdm_attr;
    *rate = p->sample_rate, *ch = p->snd_mode == KD_AUDIO_SOUND_MODE_STEREO ? 2 : 1;
    *points = p->point_num_per_frame, *depth = p->frame_num;
  } else {
    const k_audio_i2s_attr *i = &a->kd_audio_attr.i2s_attr;
    *rate = i->sample_rate, *ch = i->snd_mode == KD_AUDIO_SOUND_MODE_STEREO ? 2 : 1;
    *points = i->point_num_per_frame, *depth = i->frame_num;
  }
  if (*depth < 2) *depth = 2;
  if (*depth > MAX_FRAMES) *depth = MAX_FRAMES;
}

/* ---- AI ---- */
static aidev *ai_of(k_audio_dev dev) { return dev < N_DEV ? &g_ai[dev] : NULL; }

/* The AI's DMA slots: point_num_per_frame stereo 32-bit words, as the vendor sizes its blocks. */
static uint64_t ai_block_size(const aidev *d) { return (uint64_t)d->points * 2 * 4; }

static void *capture(void *arg) {
  aidev *d = arg;
  const char *e = getenv("K230JS_DOUBLE_AI_SHORT");
  uint32_t short_every = e ? (uint32_t)atoi(e) : 0;
  /* Unpaced (K230JS_SIM_AUDIO_PACE=0), the microphone is as fast as the reader and loses
   * nothing: it waits for room instead of overrunning. */
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  int paced = !(pace && strcmp(pace, "0") == 0);
  int16_t *buf = malloc((size_t)d->points * d->channels * 2);
  for (uint32_t n = 0; buf;) {
    if (!paced) {
      pthread_mutex_lock(&g_mu);
      while (!d->quit && d->q_cnt == (int)d->depth) pthread_cond_wait(&g_cv, &g_mu);
      pthread_mutex_unlock(&g_mu);
    }
    uint32_t points = short_every && n % short_every == short_every - 1 ? d->points / 2 : d->points;
    uint64_t pts;
    int got = sim_audio_src_read(d->src, buf, points, 100, &pts) == 0; /* a short wait: stay responsive */
    k_vb_blk_handle blk = VB_INVALID_HANDLE;
    if (got) {
      n++;
      blk = dbl_vb_take(CURRENT_MPP ? d->pool : VB_INVALID_POOLID, ai_block_size(d), VB_UID_AI);
    }
    pthread_mutex_lock(&g_mu);
    if (got && blk == VB_INVALID_HANDLE) d->dropped++; /* no buffer: the samples are lost, as on an overrun */
    if (blk != VB_INVALID_HANDLE) {
      uint32_t len = points * d->channels * 2;
      memcpy(dbl_mmz_ptr(dbl_vb_phys(blk), len), buf, len);
      afr a = {{KD_AUDIO_BIT_WIDTH_16, d->channels == 2 ? KD_AUDIO_SOUND_MODE_STEREO : KD_AUDIO_SOUND_MODE_MONO, NULL,
                dbl_vb_phys(blk), pts, d->seq++, len, (k_u32)kd_mpi_vb_handle_to_pool_id(blk)},
               blk};
      if (d->q_cnt == (int)d->depth) { /* overrun: the oldest frame goes */
        dbl_vb_unref(d->q[d->q_head].blk, VB_UID_AI);
        d->q_head = (d->q_head + 1) % MAX_FRAMES;
        d->q_cnt--;
        d->dropped++;
      }
      d->q[(d->q_head + d->q_cnt) % MAX_FRAMES] = a;
      d->q_cnt++;
      pthread_cond_broadcast(&g_cv);
    }
    int quit = d->quit;
    pthread_mutex_unlock(&g_mu);
    if (quit) break;
  }
  free(buf);
  return NULL;
}

k_s32 kd_mpi_ai_set_pub_attr(k_audio_dev ai_dev, const k_aio_dev_attr *attr) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  if (!attr) return K_ERR_AI_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int busy = d->enabled;
  if (!busy) {
    d->attr = *attr;
    d->attr_set = 1;
  }
  pthread_mutex_unlock(&g_mu);
  return busy ? K_ERR_AI_NOT_PERM : 0;
}

k_s32 kd_mpi_ai_enable(k_audio_dev ai_dev) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int set = d->attr_set, on = d->enabled;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(set, "AI-ATTR-FIRST", "kd_mpi_ai_enable(%d) before kd_mpi_ai_set_pub_attr", ai_dev))
    return K_ERR_AI_NOT_CONFIG;
  if (on) return 0;
  if (!dbl_check(dbl_vb_ready(), "AI-VB-FIRST", "kd_mpi_ai_enable(%d) before kd_mpi_vb_init", ai_dev))
    return K_ERR_AI_NOTREADY;
  uint32_t rate, ch, points, depth;
  geometry(&d->attr, &rate, &ch, &points, &depth);
  if (rate < 8000 || rate > 192000 || !points || points > 65536) return K_ERR_AI_ILLEGAL_PARAM;
  d->rate = rate, d->channels = ch, d->points = points, d->depth = depth;
  d->pool = VB_INVALID_POOLID;
#if CURRENT_MPP
  d->pool = dbl_vb_pool_create_internal(ai_block_size(d), depth + 2, "AI");
  if (d->pool == VB_INVALID_POOLID) return K_ERR_AI_NOMEM;
#else
  uint32_t free_common = dbl_vb_free_blocks(VB_INVALID_POOLID, ai_block_size(d));
  if (!dbl_check(free_common > 0, "AI-COMMON-POOL",
                 "AI dev %d needs common blocks of %llu bytes (%u points), none is free", ai_dev,
                 (unsigned long long)ai_block_size(d), points))
    return K_ERR_AI_NOBUF;
#endif
  pthread_mutex_lock(&g_mu);
  d->enabled = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_ai_enable_chn(k_audio_dev ai_dev, k_ai_chn ai_chn) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  if (ai_chn != 0) return K_ERR_AI_INVALID_CHNID; /* hal/k230 takes channel 0 of a device */
  pthread_mutex_lock(&g_mu);
  int on = d->enabled, chn_on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(on, "AI-CHN-AFTER-DEV", "kd_mpi_ai_enable_chn(%d, %d) on a device not enabled", ai_dev, ai_chn))
    return K_ERR_AI_NOT_PERM;
  if (chn_on) return 0;
  int rc = sim_audio_src_open(d->rate, d->channels, &d->src);
  if (rc) return rc == ERR_ENOMEM ? K_ERR_AI_NOMEM : K_ERR_AI_NOTREADY; /* the microphone cannot open */
  d->quit = 0;
  d->q_head = d->q_cnt = 0;
  if (pthread_create(&d->th, NULL, capture, d) != 0) {
    sim_audio_src_close(d->src);
    d->src = NULL;
    return K_ERR_AI_NOMEM;
  }
  pthread_mutex_lock(&g_mu);
  d->chn_on = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_ai_disable_chn(k_audio_dev ai_dev, k_ai_chn ai_chn) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int on = d->chn_on;
  d->quit = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (!on) return K_ERR_AI_NOT_PERM;
  pthread_join(d->th, NULL);
  sim_audio_src_close(d->src);
  d->src = NULL;
  pthread_mutex_lock(&g_mu);
  d->chn_on = 0;
  k_vb_blk_handle drop[MAX_FRAMES];
  int n = 0;
  for (; d->q_cnt; d->q_cnt--, d->q_head = (d->q_head + 1) % MAX_FRAMES) drop[n++] = d->q[d->q_head].blk;
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n; i++) dbl_vb_unref(drop[i], VB_UID_AI);
  return 0;
}

k_s32 kd_mpi_ai_disable(k_audio_dev ai_dev) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  pthread_mutex_lock(&g_mu);
  int on = d->enabled, chn_on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!on) return K_ERR_AI_NOT_PERM;
  if (!dbl_check(!chn_on, "AI-CHN-OFF-FIRST", "kd_mpi_ai_disable(%d) with channel 0 still enabled", ai_dev))
    kd_mpi_ai_disable_chn(ai_dev, 0);
  pthread_mutex_lock(&g_mu);
  d->enabled = 0;
  k_u32 pool = d->pool;
  d->pool = VB_INVALID_POOLID;
  pthread_mutex_unlock(&g_mu);
  if (pool != VB_INVALID_POOLID) dbl_vb_pool_destroy_internal(pool);
  return 0;
}

k_s32 kd_mpi_ai_get_frame(k_audio_dev ai_dev, k_ai_chn ai_chn, k_audio_frame *frame, k_u32 milli_sec) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  if (!frame) return K_ERR_AI_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(on, "AI-GET-ENABLED", "kd_mpi_ai_get_frame(%d, %d) on a channel not enabled", ai_dev, ai_chn))
    return K_ERR_AI_NOT_PERM;
  struct timespec dl;
  base_deadline(&dl, milli_sec > 0x7fffffff ? 0x7fffffff : (int)milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  while (d->chn_on && !d->q_cnt && !rc)
    if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) rc = K_ERR_AI_BUF_EMPTY;
  if (!rc && !d->q_cnt) rc = K_ERR_AI_NOT_PERM;
  if (!rc && d->nlent == MAX_FRAMES) rc = K_ERR_AI_BUF_EMPTY;
  if (!rc) {
    afr a = d->q[d->q_head];
    d->q_head = (d->q_head + 1) % MAX_FRAMES;
    d->q_cnt--;
    d->lent[d->nlent++] = a;
    *frame = a.f;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

k_s32 kd_mpi_ai_release_frame(k_audio_dev ai_dev, k_ai_chn ai_chn, const k_audio_frame *frame) {
  aidev *d = ai_of(ai_dev);
  if (!d) return K_ERR_AI_INVALID_DEVID;
  if (!frame) return K_ERR_AI_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  k_vb_blk_handle blk = VB_INVALID_HANDLE;
  for (int i = 0; i < d->nlent && blk == VB_INVALID_HANDLE; i++)
    if (d->lent[i].f.phys_addr == frame->phys_addr) {
      blk = d->lent[i].blk;
      d->lent[i] = d->lent[--d->nlent];
    }
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(blk != VB_INVALID_HANDLE, "AI-RELEASE-GOT",
                 "kd_mpi_ai_release_frame(%d, %d): not a frame kd_mpi_ai_get_frame gave", ai_dev, ai_chn))
    return K_ERR_AI_ILLEGAL_PARAM;
  dbl_vb_unref(blk, VB_UID_AI);
  return 0;
}

/* ---- AO ---- */
static aodev *ao_of(k_audio_dev dev) { return dev == 0 ? &g_ao[0] : NULL; }

static void *player(void *arg) {
  aodev *d = arg;
  pthread_mutex_lock(&g_mu);
  for (;;) {
    while (!d->quit && !d->q_cnt) pthread_cond_wait(&g_cv, &g_mu);
    if (!d->q_cnt) break; /* quit with nothing left: frames sent are played out first */
    afr a = d->q[d->q_head];
    d->playing = 1;
    int pace = d->pace && !d->quit;
    pthread_mutex_unlock(&g_mu);
    uint32_t count = a.f.len / (d->channels * 2);
    const int16_t *s = dbl_mmz_ptr(a.f.phys_addr, a.f.len);
    if (s) sim_audio_sink_write(d->sink, s, count);
    if (pace) { /* the speaker takes the frame's time to play it */
      struct timespec ts = {0, 0};
      uint64_t ns = (uint64_t)count * 1000000000u / d->rate;
      ts.tv_sec = (time_t)(ns / 1000000000u);
      ts.tv_nsec = (long)(ns % 1000000000u);
      nanosleep(&ts, NULL);
    }
    dbl_vb_unref(a.blk, VB_UID_AO);
    pthread_mutex_lock(&g_mu);
    d->q_head = (d->q_head + 1) % MAX_FRAMES;
    d->q_cnt--;
    d->playing = 0;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

k_s32 kd_mpi_ao_set_pub_attr(k_audio_dev ao_dev, const k_aio_dev_attr *attr) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  if (!attr) return AO_ERR(K_ERR_NULL_PTR);
  pthread_mutex_lock(&g_mu);
  int busy = d->enabled;
  if (!busy) {
    d->attr = *attr;
    d->attr_set = 1;
  }
  pthread_mutex_unlock(&g_mu);
  return busy ? AO_ERR(K_ERR_NOT_PERM) : 0;
}

k_s32 kd_mpi_ao_enable(k_audio_dev ao_dev) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  pthread_mutex_lock(&g_mu);
  int set = d->attr_set;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(set, "AO-ATTR-FIRST", "kd_mpi_ao_enable(%d) before kd_mpi_ao_set_pub_attr", ao_dev))
    return AO_ERR(K_ERR_NOT_CONFIG);
  uint32_t points;
  geometry(&d->attr, &d->rate, &d->channels, &points, &d->depth);
  if (d->rate < 8000 || d->rate > 192000) return AO_ERR(K_ERR_ILLEGAL_PARAM);
  pthread_mutex_lock(&g_mu);
  d->enabled = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_ao_enable_chn(k_audio_dev ao_dev, k_ao_chn ao_chn) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  if (ao_chn != 0) return AO_ERR(K_ERR_INVALID_CHNID); /* hal/k230 plays on channel 0 */
  pthread_mutex_lock(&g_mu);
  int on = d->enabled, chn_on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(on, "AO-CHN-AFTER-DEV", "kd_mpi_ao_enable_chn(%d, %d) on a device not enabled", ao_dev, ao_chn))
    return AO_ERR(K_ERR_NOT_PERM);
  if (chn_on) return 0;
  if (sim_audio_sink_open(d->rate, d->channels, &d->sink)) return K_ERR_AO_NOTREADY; /* the speaker cannot open */
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  d->pace = !(pace && strcmp(pace, "0") == 0);
  d->quit = 0;
  d->q_head = d->q_cnt = 0;
  if (pthread_create(&d->th, NULL, player, d) != 0) {
    sim_audio_sink_close(d->sink);
    d->sink = NULL;
    return AO_ERR(K_ERR_NOMEM);
  }
  pthread_mutex_lock(&g_mu);
  d->chn_on = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_ao_send_frame(k_audio_dev ao_dev, k_ao_chn ao_chn, const k_audio_frame *frame, k_s32 milli_sec) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  if (!frame) return AO_ERR(K_ERR_NULL_PTR);
  pthread_mutex_lock(&g_mu);
  int on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(on, "AO-SEND-ENABLED", "kd_mpi_ao_send_frame(%d, %d) on a channel not enabled", ao_dev, ao_chn))
    return AO_ERR(K_ERR_NOT_PERM);
  k_vb_blk_handle blk = dbl_vb_find(frame->phys_addr);
  int in_block = blk != VB_INVALID_HANDLE && frame->phys_addr + frame->len <= dbl_vb_phys(blk) + dbl_vb_size(blk);
  if (!dbl_check(in_block && frame->len, "AO-FRAME-VB",
                 "kd_mpi_ao_send_frame: %u bytes at 0x%llx not inside a VB block", frame->len,
                 (unsigned long long)frame->phys_addr))
    return AO_ERR(K_ERR_ILLEGAL_PARAM);
  dbl_vb_ref(blk, VB_UID_AO); /* until played */
  struct timespec dl;
  base_deadline(&dl, milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  while (d->chn_on && d->q_cnt == (int)d->depth && !rc) {
    if (milli_sec == 0) rc = AO_ERR(K_ERR_BUF_FULL);
    else if (milli_sec < 0) pthread_cond_wait(&g_cv, &g_mu);
    else if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) rc = AO_ERR(K_ERR_BUF_FULL);
  }
  if (!rc && !d->chn_on) rc = AO_ERR(K_ERR_NOT_PERM);
  if (!rc) {
    d->q[(d->q_head + d->q_cnt) % MAX_FRAMES] = (afr){*frame, blk};
    d->q_cnt++;
    blk = VB_INVALID_HANDLE;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  if (blk != VB_INVALID_HANDLE) dbl_vb_unref(blk, VB_UID_AO);
  return rc;
}

k_s32 kd_mpi_ao_disable_chn(k_audio_dev ao_dev, k_ao_chn ao_chn) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  pthread_mutex_lock(&g_mu);
  int on = d->chn_on;
  d->quit = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (!on) return AO_ERR(K_ERR_NOT_PERM);
  pthread_join(d->th, NULL);
  sim_audio_sink_close(d->sink);
  d->sink = NULL;
  pthread_mutex_lock(&g_mu);
  d->chn_on = 0;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_ao_disable(k_audio_dev ao_dev) {
  aodev *d = ao_of(ao_dev);
  if (!d) return AO_ERR(K_ERR_INVALID_DEVID);
  pthread_mutex_lock(&g_mu);
  int on = d->enabled, chn_on = d->chn_on;
  pthread_mutex_unlock(&g_mu);
  if (!on) return AO_ERR(K_ERR_NOT_PERM);
  if (!dbl_check(!chn_on, "AO-CHN-OFF-FIRST", "kd_mpi_ao_disable(%d) with channel 0 still enabled", ao_dev))
    kd_mpi_ao_disable_chn(ao_dev, 0);
  pthread_mutex_lock(&g_mu);
  d->enabled = 0;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- module ---- */
static void audio_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < N_DEV; i++) {
    if (g_ai[i].enabled) leak(ctx, "AI dev %d enabled and never disabled", i);
    if (g_ai[i].nlent) leak(ctx, "AI dev %d: %d frame(s) never released", i, g_ai[i].nlent);
  }
  if (g_ao[0].enabled) leak(ctx, "AO dev 0 enabled and never disabled");
  pthread_mutex_unlock(&g_mu);
}

static void __attribute__((constructor)) audio_init(void) { base_cond_init_mono(&g_cv); }

static const dbl_module audio_module = {"audio", audio_leaks};
DBL_MODULE(audio_module)
