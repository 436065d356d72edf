/* hal/audio.h on the K230 (k230-platform.md §2.5 "Audio"): AI over I2S (dev 0, the on-board
 * codec) or PDM (dev 1), AO over I2S; 16-bit PCM frames in VB memory. G.711 is libs/media's
 * (software), so no AENC/ADEC channel is held here. */
#include <stdlib.h>
#include <string.h>

#include "audio_clock.h"
#include "hal/audio.h"
#include "hal/clock.h"
#include "k230_internal.h"
#include "mpi_ai_api.h"
#include "mpi_ao_api.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"

/* The 2024 MPP's AI takes its frames from common VB blocks of point_num_per_frame x 2 x 4 bytes
 * (CanMV configures them for the microphone, pyaudio.py:14-18; the MPP sample likewise,
 * audio_sample.c:443-444); the current MPP's AI has buffers of its own. The AI headers are the
 * same in both; the other declarations tell the generations apart (ports/k230/mpp.cmake). */
#define AI_COMMON_POOLS (!K230_MPP_VENC_ATTACH_ARGS && !K230_MPP_VICAP_POOL_ID)
#define AI_FRAMES 8             /* frame_num (5) queued, one lent, one being filled, one spare */
#define AI_STANDING_POINTS 2048 /* frames up to this size need no new VB configuration */

static uint64_t ai_block(uint32_t points) { return (uint64_t)points * 2 * 4; }

int k230_audio_common_need(uint64_t *size, uint32_t *cnt) {
  *size = ai_block(AI_STANDING_POINTS);
  *cnt = AI_FRAMES;
  return AI_COMMON_POOLS;
}

typedef struct kain {
  hal_handle h;
  int common_slot; /* the AI's common pool claim (2024 MPP), -1 none */
  hal_audio_config cfg;
  k_audio_frame mpp;
  void *map;
  uint32_t map_len;
  hal_audio_frame pub;
  int lent;
  uint32_t seq;
  uint64_t pos; /* samples per channel read so far */
} kain;

typedef struct kaout {
  hal_handle h;
  hal_audio_config cfg;
  k_u32 pool;
  uint64_t blk_size;
  int16_t *pending; /* a partial frame carried to the next write */
  uint32_t pending_n;
  uint64_t seq;
  pthread_mutex_t clk_mu; /* the position is read from other threads */
  audio_clock clk;        /* the AO reports no position: modelled from the frames sent */
} kaout;

static kain *g_in[2];
static kaout *g_out;

static int check(const hal_audio_config *c) {
  if (c->rate < 8000 || c->rate > 192000 || c->channels < 1 || c->channels > 2 || c->samples_per_frame < 1 ||
      c->samples_per_frame > 8192)
    return ERR_EINVAL;
  return 0;
}

static void fill_i2s(k_aio_dev_attr *a, const hal_audio_config *c, int out) {
  memset(a, 0, sizeof *a);
  a->audio_type = out ? KD_AUDIO_OUTPUT_TYPE_I2S : KD_AUDIO_INPUT_TYPE_I2S;
  a->avsync = K_FALSE;
  k_audio_i2s_attr *i = &a->kd_audio_attr.i2s_attr;
  i->chn_cnt = 2; /* the I2S link is stereo; mono is selected by snd_mode */
  i->sample_rate = c->rate;
  i->bit_width = KD_AUDIO_BIT_WIDTH_16;
  i->snd_mode = c->channels == 2 ? KD_AUDIO_SOUND_MODE_STEREO : KD_AUDIO_SOUND_MODE_MONO;
  i->mono_channel = KD_I2S_IN_MONO_RIGHT_CHANNEL; /* the board microphone */
  i->i2s_mode = K_STANDARD_MODE;
  i->frame_num = 5; /* §2.5 */
  i->point_num_per_frame = c->samples_per_frame;
  i->i2s_type = K_AIO_I2STYPE_INNERCODEC;
}

int hal_audio_in_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg || !out || (cfg->dev != HAL_AUDIO_I2S && cfg->dev != HAL_AUDIO_PDM)) return ERR_EINVAL;
  int rc = check(cfg);
  if (rc) return rc;
  if (g_in[cfg->dev]) return ERR_EBUSY;
  int slot = -1;
#if AI_COMMON_POOLS
  /* Before VB is initialised the claim joins its configuration (which always holds a pool for
   * frames up to AI_STANDING_POINTS); larger frames need VB re-initialised, so nothing else open. */
  if ((rc = k230_vb_common_claim(ai_block(cfg->samples_per_frame), AI_FRAMES, &slot))) return rc;
#endif
  if ((rc = k230_vb_ensure_init())) {
    k230_vb_common_release(slot);
    return rc;
  }
  k_aio_dev_attr a;
  if (cfg->dev == HAL_AUDIO_I2S) {
    fill_i2s(&a, cfg, 0);
  } else {
    memset(&a, 0, sizeof a);
    a.audio_type = KD_AUDIO_INPUT_TYPE_PDM;
    k_audio_pdm_attr *p = &a.kd_audio_attr.pdm_attr;
    p->chn_cnt = cfg->channels;
    p->sample_rate = cfg->rate;
    p->bit_width = KD_AUDIO_BIT_WIDTH_16;
    p->snd_mode = cfg->channels == 2 ? KD_AUDIO_SOUND_MODE_STEREO : KD_AUDIO_SOUND_MODE_MONO;
    p->pdm_oversample = KD_AUDIO_PDM_INPUT_OVERSAMPLE_64;
    p->frame_num = 5;
    p->point_num_per_frame = cfg->samples_per_frame;
  }
  k_audio_dev dev = (k_audio_dev)cfg->dev;
  if ((rc = k230_err(kd_mpi_ai_set_pub_attr(dev, &a))) || (rc = k230_err(kd_mpi_ai_enable(dev)))) {
    k230_vb_common_release(slot);
    return rc;
  }
  if ((rc = k230_err(kd_mpi_ai_enable_chn(dev, 0)))) {
    kd_mpi_ai_disable(dev);
    k230_vb_common_release(slot);
    return rc;
  }
  kain *in = calloc(1, sizeof *in);
  if (!in || (rc = hal_handle_alloc(HAL_KIND_AIN, in, &in->h))) {
    free(in);
    kd_mpi_ai_disable_chn(dev, 0);
    kd_mpi_ai_disable(dev);
    k230_vb_common_release(slot);
    return rc ? rc : ERR_ENOMEM;
  }
  in->common_slot = slot;
  in->cfg = *cfg;
  g_in[cfg->dev] = in;
  *out = in->h;
  return 0;
}

static void in_give_back(kain *in) {
  if (!in->lent) return;
  kd_mpi_sys_munmap(in->map, in->map_len);
  kd_mpi_ai_release_frame((k_audio_dev)in->cfg.dev, 0, &in->mpp);
  in->lent = 0;
}

int hal_audio_in_read(hal_handle h, hal_audio_frame **out, int timeout_ms) {
  kain *in;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&in);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if (in->lent) return ERR_EBUSY;
  memset(&in->mpp, 0, sizeof in->mpp);
  k_s32 r =
      kd_mpi_ai_get_frame((k_audio_dev)in->cfg.dev, 0, &in->mpp, timeout_ms < 0 ? 0xffffffffu : (k_u32)timeout_ms);
  if (r) return ERR_ETIMEDOUT;
  /* The frame is its len bytes at phys_addr, mapped as the vendor maps them (pyaudio.py:297-301;
   * audio_sample.c:188, :194): the MPP decides the length, not the configuration. */
  uint32_t unit = in->cfg.channels * 2, bytes = in->mpp.len;
  if (!bytes || bytes % unit || bytes > in->cfg.samples_per_frame * unit) {
    kd_mpi_ai_release_frame((k_audio_dev)in->cfg.dev, 0, &in->mpp);
    return ERR_EIO;
  }
  in->map_len = bytes;
  in->map = kd_mpi_sys_mmap(in->mpp.phys_addr, bytes);
  if (!in->map) {
    kd_mpi_ai_release_frame((k_audio_dev)in->cfg.dev, 0, &in->mpp);
    return ERR_EIO;
  }
  in->pub.samples = in->map;
  in->pub.samples_per_channel = bytes / unit;
  in->pub.channels = in->cfg.channels;
  /* pts from the sample count (hal/audio.h), not the driver's clock. */
  in->pub.pts_us = in->pos * 1000000u / in->cfg.rate;
  in->pos += in->pub.samples_per_channel;
  in->pub.seq = in->seq++;
  in->lent = 1;
  *out = &in->pub;
  return 0;
}

int hal_audio_in_release(hal_handle h, hal_audio_frame *frame) {
  kain *in;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&in);
  if (rc) return rc;
  if (!in->lent || frame != &in->pub) return ERR_EINVAL;
  in_give_back(in);
  return 0;
}

int hal_audio_in_close(hal_handle h) {
  kain *in;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&in);
  if (rc) return rc;
  in_give_back(in);
  kd_mpi_ai_disable_chn((k_audio_dev)in->cfg.dev, 0);
  kd_mpi_ai_disable((k_audio_dev)in->cfg.dev);
  k230_vb_common_release(in->common_slot);
  g_in[in->cfg.dev] = NULL;
  hal_handle_free(h);
  free(in);
  return 0;
}

int hal_audio_out_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg || !out || cfg->dev != HAL_AUDIO_I2S) return ERR_EINVAL;
  int rc = check(cfg);
  if (rc) return rc;
  if (g_out) return ERR_EBUSY;
  if ((rc = k230_vb_ensure_init())) return rc;
  kaout *o = calloc(1, sizeof *o);
  if (!o) return ERR_ENOMEM;
  o->cfg = *cfg;
  pthread_mutex_init(&o->clk_mu, NULL);
  audio_clock_init(&o->clk, cfg->rate);
  o->blk_size = K_ALIGN_UP((uint64_t)cfg->samples_per_frame * cfg->channels * 2, 4096);
  o->pending = malloc((size_t)cfg->samples_per_frame * cfg->channels * 2);
  /* §2.5 uses one block; a few let the AO queue frames while we fill the next. */
  o->pool = k230_pool_create(o->blk_size, 4);
  if (!o->pending || o->pool == VB_INVALID_POOLID) {
    rc = ERR_ENOMEM;
    goto fail;
  }
  k_aio_dev_attr a;
  fill_i2s(&a, cfg, 1);
  if ((rc = k230_err(kd_mpi_ao_set_pub_attr(0, &a)))) goto fail;
  if ((rc = k230_err(kd_mpi_ao_enable(0)))) goto fail;
  if ((rc = k230_err(kd_mpi_ao_enable_chn(0, 0)))) {
    kd_mpi_ao_disable(0);
    goto fail;
  }
  if ((rc = hal_handle_alloc(HAL_KIND_AOUT, o, &o->h))) {
    kd_mpi_ao_disable_chn(0, 0);
    kd_mpi_ao_disable(0);
    goto fail;
  }
  g_out = o;
  *out = o->h;
  return 0;
fail:
  k230_pool_destroy(o->pool);
  free(o->pending);
  pthread_mutex_destroy(&o->clk_mu);
  free(o);
  return rc;
}

static int send_frame(kaout *o, const int16_t *s, int timeout_ms) {
  uint32_t bytes = o->cfg.samples_per_frame * o->cfg.channels * 2;
  uint32_t blk = k230_block_get(o->pool, o->blk_size, timeout_ms);
  if (blk == VB_INVALID_HANDLE) return ERR_ETIMEDOUT;
  uint64_t phys = kd_mpi_vb_handle_to_phyaddr(blk);
  void *map = kd_mpi_sys_mmap(phys, (k_u32)o->blk_size);
  if (!map) {
    kd_mpi_vb_release_block(blk);
    return ERR_EIO;
  }
  memcpy(map, s, bytes);
  k_audio_frame f;
  memset(&f, 0, sizeof f);
  f.bit_width = KD_AUDIO_BIT_WIDTH_16;
  f.snd_mode = o->cfg.channels == 2 ? KD_AUDIO_SOUND_MODE_STEREO : KD_AUDIO_SOUND_MODE_MONO;
  f.virt_addr = map;
  f.phys_addr = phys;
  f.len = bytes;
  f.seq = (k_u32)o->seq++;
  f.pool_id = o->pool;
  int rc = k230_err(kd_mpi_ao_send_frame(0, 0, &f, timeout_ms));
  kd_mpi_sys_munmap(map, (k_u32)o->blk_size);
  kd_mpi_vb_release_block(blk); /* the AO holds its own reference until played */
  return rc == ERR_EIO ? ERR_ETIMEDOUT : rc;
}

int hal_audio_out_write(hal_handle h, const int16_t *samples, uint32_t count, int timeout_ms) {
  kaout *o;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&o);
  if (rc) return rc;
  if (!samples && count) return ERR_EINVAL;
  uint32_t per = o->cfg.samples_per_frame, ch = o->cfg.channels;
  while (count) {
    uint32_t take = per - o->pending_n < count ? per - o->pending_n : count;
    memcpy(o->pending + (size_t)o->pending_n * ch, samples, (size_t)take * ch * 2);
    o->pending_n += take;
    samples += (size_t)take * ch;
    count -= take;
    if (o->pending_n == per) {
      if ((rc = send_frame(o, o->pending, timeout_ms))) return rc;
      o->pending_n = 0;
      pthread_mutex_lock(&o->clk_mu);
      audio_clock_write(&o->clk, per, hal_clock_us());
      pthread_mutex_unlock(&o->clk_mu);
    }
  }
  return 0;
}

int hal_audio_out_position(hal_handle h, uint64_t *played) {
  kaout *o;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&o);
  if (rc) return rc;
  if (!played) return ERR_EINVAL;
  pthread_mutex_lock(&o->clk_mu);
  *played = audio_clock_played(&o->clk, hal_clock_us());
  pthread_mutex_unlock(&o->clk_mu);
  return 0;
}

int hal_audio_out_close(hal_handle h) {
  kaout *o;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&o);
  if (rc) return rc;
  if (o->pending_n) { /* play the tail, padded with silence */
    memset(o->pending + (size_t)o->pending_n * o->cfg.channels, 0,
           (size_t)(o->cfg.samples_per_frame - o->pending_n) * o->cfg.channels * 2);
    send_frame(o, o->pending, 100);
  }
  kd_mpi_ao_disable_chn(0, 0);
  kd_mpi_ao_disable(0);
  k230_pool_destroy(o->pool);
  g_out = NULL;
  hal_handle_free(h);
  free(o->pending);
  pthread_mutex_destroy(&o->clk_mu);
  free(o);
  return 0;
}
