/* hal/audio.h on the host: the simulator's microphone (sine or WAV, paced by the clock) and
 * speaker (WAV) from audio_sim.c; the output is a device that plays in real time, modelled by
 * hal/common/audio_clock.h, and the WAV keeps its timeline. */
#include <stdlib.h>
#include <string.h>

#include "audio_clock.h"
#include "hal/audio.h"
#include "hal/clock.h"
#include "hal_sim.h"
#include "internal.h"

typedef struct audio_in {
  hal_handle h;
  hal_audio_config cfg;
  hal_audio_frame frame;
  int16_t *buf;
  int lent;
  uint32_t seq;
  sim_audio_src *src;
} audio_in;

typedef struct audio_out {
  hal_handle h;
  hal_audio_config cfg;
  sim_audio_sink *sink;
  int pace;           /* a real-time device (K230JS_SIM_AUDIO_PACE), else an instant one */
  pthread_mutex_t mu; /* the clock: written by one thread, read by others */
  audio_clock clk;
} audio_out;

/* The device's queue, as the board's AO: 5 frames (hal/k230/audio.c fill_i2s). */
#define OUT_QUEUE_FRAMES 5

static int cfg_ok(const hal_audio_config *c) {
  return c && (c->dev == HAL_AUDIO_I2S || c->dev == HAL_AUDIO_PDM) && c->rate >= 8000 && c->rate <= 192000 &&
         (c->channels == 1 || c->channels == 2) && c->samples_per_frame >= 1 && c->samples_per_frame <= 8192;
}

int hal_audio_in_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg_ok(cfg) || !out) return ERR_EINVAL;
  audio_in *a = calloc(1, sizeof *a);
  if (!a) return ERR_ENOMEM;
  a->cfg = *cfg;
  int rc = sim_audio_src_open(cfg->rate, cfg->channels, &a->src);
  a->buf = calloc((size_t)cfg->samples_per_frame * cfg->channels, sizeof(int16_t));
  if (!rc && !a->buf) rc = ERR_ENOMEM;
  if (!rc) rc = hal_handle_alloc(HAL_KIND_AIN, a, &a->h);
  if (rc) {
    sim_audio_src_close(a->src);
    free(a->buf);
    free(a);
    return rc;
  }
  *out = a->h;
  return 0;
}

int hal_audio_in_read(hal_handle h, hal_audio_frame **out, int timeout_ms) {
  audio_in *a;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&a);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if (a->lent) return ERR_EBUSY;
  if ((rc = sim_audio_src_read(a->src, a->buf, a->cfg.samples_per_frame, timeout_ms, &a->frame.pts_us))) return rc;
  a->frame.samples = a->buf;
  a->frame.samples_per_channel = a->cfg.samples_per_frame;
  a->frame.channels = a->cfg.channels;
  a->frame.seq = a->seq++;
  a->lent = 1;
  *out = &a->frame;
  return 0;
}

int hal_audio_in_release(hal_handle h, hal_audio_frame *frame) {
  audio_in *a;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&a);
  if (rc) return rc;
  if (!a->lent || frame != &a->frame) return ERR_EINVAL;
  a->lent = 0;
  return 0;
}

int hal_audio_in_close(hal_handle h) {
  audio_in *a;
  int rc = hal_handle_get(HAL_KIND_AIN, h, (void **)&a);
  if (rc) return rc;
  hal_handle_free(h);
  sim_audio_src_close(a->src);
  free(a->buf);
  free(a);
  return 0;
}

int hal_audio_out_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg_ok(cfg) || !out || cfg->dev != HAL_AUDIO_I2S) return ERR_EINVAL;
  audio_out *a = calloc(1, sizeof *a);
  if (!a) return ERR_ENOMEM;
  a->cfg = *cfg;
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  a->pace = !(pace && strcmp(pace, "0") == 0);
  pthread_mutex_init(&a->mu, NULL);
  audio_clock_init(&a->clk, cfg->rate);
  int rc = sim_audio_sink_open(cfg->rate, cfg->channels, &a->sink);
  if (!rc && a->pace) sim_audio_sink_timeline(a->sink);
  if (!rc) rc = hal_handle_alloc(HAL_KIND_AOUT, a, &a->h);
  if (rc) {
    sim_audio_sink_close(a->sink);
    pthread_mutex_destroy(&a->mu);
    free(a);
    return rc;
  }
  *out = a->h;
  return 0;
}

int hal_audio_out_write(hal_handle h, const int16_t *samples, uint32_t count, int timeout_ms) {
  audio_out *a;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&a);
  if (rc) return rc;
  if (!samples && count) return ERR_EINVAL;
  pthread_mutex_lock(&a->mu);
  if (!a->pace) {
    audio_clock_write(&a->clk, count, hal_clock_us());
    sim_audio_sink_write(a->sink, samples, count);
    pthread_mutex_unlock(&a->mu);
    return 0;
  }
  /* Wait for room in the device's queue, as the AO makes its writer wait. */
  uint64_t cap = (uint64_t)OUT_QUEUE_FRAMES * a->cfg.samples_per_frame;
  if (cap < count) cap = count;
  uint64_t start = hal_clock_us();
  for (;;) {
    uint64_t now = hal_clock_us();
    if (a->clk.written - audio_clock_played(&a->clk, now) + count <= cap) break;
    uint64_t wake = audio_clock_when(&a->clk, a->clk.written + count - cap);
    if (timeout_ms >= 0 && wake > start + (uint64_t)timeout_ms * 1000u) {
      pthread_mutex_unlock(&a->mu);
      hal_sleep_us((uint64_t)timeout_ms * 1000u);
      return ERR_ETIMEDOUT;
    }
    pthread_mutex_unlock(&a->mu);
    hal_sleep_us(wake > now ? wake - now : 100);
    pthread_mutex_lock(&a->mu);
  }
  uint64_t before = a->clk.written;
  audio_clock_write(&a->clk, count, hal_clock_us());
  /* What the speaker plays, when: these samples follow the queue (or start now, after silence). */
  sim_audio_sink_write_at(a->sink, samples, count, audio_clock_when(&a->clk, before));
  pthread_mutex_unlock(&a->mu);
  return 0;
}

int hal_audio_out_position(hal_handle h, uint64_t *played) {
  audio_out *a;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&a);
  if (rc) return rc;
  if (!played) return ERR_EINVAL;
  pthread_mutex_lock(&a->mu);
  *played = a->pace ? audio_clock_played(&a->clk, hal_clock_us()) : a->clk.written;
  pthread_mutex_unlock(&a->mu);
  return 0;
}

int hal_audio_out_close(hal_handle h) {
  audio_out *a;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&a);
  if (rc) return rc;
  hal_handle_free(h);
  sim_audio_sink_close(a->sink);
  pthread_mutex_destroy(&a->mu);
  free(a);
  return 0;
}
