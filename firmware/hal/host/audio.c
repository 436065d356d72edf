/* hal/audio.h on the host: the simulator's microphone (sine or WAV, paced by the clock) and
 * speaker (WAV) from audio_sim.c. */
#include <string.h>

#include "hal/audio.h"
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
} audio_out;

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
  int rc = sim_audio_sink_open(cfg->rate, cfg->channels, &a->sink);
  if (!rc) rc = hal_handle_alloc(HAL_KIND_AOUT, a, &a->h);
  if (rc) {
    sim_audio_sink_close(a->sink);
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
  sim_audio_sink_write(a->sink, samples, count);
  return 0;
}

int hal_audio_out_close(hal_handle h) {
  audio_out *a;
  int rc = hal_handle_get(HAL_KIND_AOUT, h, (void **)&a);
  if (rc) return rc;
  hal_handle_free(h);
  sim_audio_sink_close(a->sink);
  free(a);
  return 0;
}
