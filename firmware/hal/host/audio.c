/* hal/audio.h on the host: sine or WAV input paced by the clock; output played by a simulated
 * device (hal/common/audio_clock.h) into a WAV file that keeps the device's timeline. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hal/audio.h"
#include "audio_clock.h"
#include "hal/clock.h"
#include "internal.h"

typedef struct audio_in {
  hal_handle h;
  hal_audio_config cfg;
  hal_audio_frame frame;
  int16_t *buf;
  int lent;
  uint64_t pos; /* samples per channel produced */
  uint64_t t0;
  int pace;
  double hz;
  FILE *wav; /* NULL: sine */
  long data_off;
} audio_in;

typedef struct audio_out {
  hal_handle h;
  hal_audio_config cfg;
  FILE *wav;
  uint64_t samples; /* in the WAV, silence of underruns included */
  int pace;
  pthread_mutex_t mu; /* the clock: written by one thread, read by others */
  audio_clock clk;
} audio_out;

/* The device's queue, as the board's AO: 5 frames (hal/k230/audio.c fill_i2s). */
#define OUT_QUEUE_FRAMES 5

static int cfg_ok(const hal_audio_config *c) {
  return c && (c->dev == HAL_AUDIO_I2S || c->dev == HAL_AUDIO_PDM) && c->rate >= 8000 && c->rate <= 192000 &&
         (c->channels == 1 || c->channels == 2) && c->samples_per_frame >= 1 && c->samples_per_frame <= 8192;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Find fmt and data chunks of a RIFF/WAVE file; leaves the file at the data. */
static int wav_open_read(FILE *f, const hal_audio_config *c, long *data_off) {
  uint8_t h[12], ch[8], fmt[16];
  if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) return HAL_EBADDATA;
  int have_fmt = 0;
  while (fread(ch, 1, 8, f) == 8) {
    uint32_t len = rd32(ch + 4);
    if (!memcmp(ch, "fmt ", 4) && len >= 16) {
      if (fread(fmt, 1, 16, f) != 16) return HAL_EBADDATA;
      fseek(f, (long)(len - 16 + (len & 1)), SEEK_CUR);
      if (rd16(fmt) != 1 || rd16(fmt + 14) != 16) return HAL_ENOTSUP;
      if (rd16(fmt + 2) != c->channels || rd32(fmt + 4) != c->rate) return HAL_EINVAL;
      have_fmt = 1;
    } else if (!memcmp(ch, "data", 4)) {
      if (!have_fmt) return HAL_EBADDATA;
      *data_off = ftell(f);
      return 0;
    } else {
      fseek(f, (long)(len + (len & 1)), SEEK_CUR);
    }
  }
  return HAL_EBADDATA;
}

int hal_audio_in_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg_ok(cfg) || !out) return HAL_EINVAL;
  audio_in *a = calloc(1, sizeof *a);
  if (!a) return HAL_ENOMEM;
  a->cfg = *cfg;
  a->hz = 440;
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  a->pace = !(pace && strcmp(pace, "0") == 0);
  const char *src = getenv("K230JS_SIM_AUDIO_IN");
  int rc = 0;
  if (src && strncmp(src, "wav:", 4) == 0) {
    a->wav = fopen(src + 4, "rb");
    rc = a->wav ? wav_open_read(a->wav, cfg, &a->data_off) : HAL_ENOENT;
  } else if (src && strncmp(src, "sine:", 5) == 0) {
    a->hz = atof(src + 5);
    if (a->hz <= 0 || a->hz >= cfg->rate / 2.0) rc = HAL_EINVAL;
  } else if (src && *src && strcmp(src, "sine") != 0) {
    rc = HAL_EINVAL;
  }
  a->buf = calloc((size_t)cfg->samples_per_frame * cfg->channels, sizeof(int16_t));
  if (!rc && !a->buf) rc = HAL_ENOMEM;
  if (!rc) rc = hk_alloc(HK_AIN, a, &a->h);
  if (rc) {
    if (a->wav) fclose(a->wav);
    free(a->buf);
    free(a);
    return rc;
  }
  a->t0 = hal_clock_us();
  *out = a->h;
  return 0;
}

int hal_audio_in_read(hal_handle h, hal_audio_frame **out, int timeout_ms) {
  audio_in *a;
  int rc = hk_get(HK_AIN, h, (void **)&a);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
  if (a->lent) return HAL_EBUSY;
  uint32_t n = a->cfg.samples_per_frame, chs = a->cfg.channels;
  if (a->pace) {
    uint64_t due = a->t0 + (a->pos + n) * 1000000u / a->cfg.rate, now = hal_clock_us();
    if (due > now) {
      if (timeout_ms >= 0 && due - now > (uint64_t)timeout_ms * 1000) {
        hal_sleep_us((uint64_t)timeout_ms * 1000);
        return HAL_ETIMEDOUT;
      }
      hal_sleep_us(due - now);
    }
  }
  if (a->wav) {
    size_t got = 0, want = (size_t)n * chs;
    uint8_t tmp[4];
    while (got < want) {
      if (fread(tmp, 1, 2, a->wav) != 2) { /* end of data: loop */
        clearerr(a->wav);
        fseek(a->wav, a->data_off, SEEK_SET);
        if (fread(tmp, 1, 2, a->wav) != 2) break; /* empty data chunk */
      }
      a->buf[got++] = (int16_t)rd16(tmp);
    }
    while (got < want) a->buf[got++] = 0;
  } else {
    for (uint32_t i = 0; i < n; i++) {
      double t = (double)(a->pos + i) / a->cfg.rate;
      int16_t s = (int16_t)lrint(16383.0 * sin(2 * M_PI * a->hz * t));
      for (uint32_t c = 0; c < chs; c++) a->buf[i * chs + c] = s;
    }
  }
  a->frame.samples = a->buf;
  a->frame.samples_per_channel = n;
  a->frame.channels = chs;
  a->frame.pts_us = a->pos * 1000000u / a->cfg.rate;
  a->frame.seq = (uint32_t)(a->pos / n);
  a->pos += n;
  a->lent = 1;
  *out = &a->frame;
  return 0;
}

int hal_audio_in_release(hal_handle h, hal_audio_frame *frame) {
  audio_in *a;
  int rc = hk_get(HK_AIN, h, (void **)&a);
  if (rc) return rc;
  if (!a->lent || frame != &a->frame) return HAL_EINVAL;
  a->lent = 0;
  return 0;
}

int hal_audio_in_close(hal_handle h) {
  audio_in *a;
  int rc = hk_get(HK_AIN, h, (void **)&a);
  if (rc) return rc;
  hk_free(h);
  if (a->wav) fclose(a->wav);
  free(a->buf);
  free(a);
  return 0;
}

static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* RIFF/WAVE with fmt, then "clk " (the clock time of the first sample, hal/audio.h), then data. */
static void wav_header(FILE *f, const hal_audio_config *c, uint64_t samples, uint64_t first_us) {
  uint8_t h[60];
  uint32_t data = (uint32_t)(samples * c->channels * 2);
  memcpy(h, "RIFF", 4);
  wr32(h + 4, (uint32_t)sizeof h - 8 + data);
  memcpy(h + 8, "WAVEfmt ", 8);
  wr32(h + 16, 16);
  h[20] = 1, h[21] = 0;                     /* PCM */
  h[22] = (uint8_t)c->channels, h[23] = 0;
  wr32(h + 24, c->rate);
  wr32(h + 28, c->rate * c->channels * 2);
  h[32] = (uint8_t)(c->channels * 2), h[33] = 0;
  h[34] = 16, h[35] = 0;
  memcpy(h + 36, "clk ", 4);
  wr32(h + 40, 8);
  wr32(h + 44, (uint32_t)first_us);
  wr32(h + 48, (uint32_t)(first_us >> 32));
  memcpy(h + 52, "data", 4);
  wr32(h + 56, data);
  fseek(f, 0, SEEK_SET);
  fwrite(h, 1, sizeof h, f);
  fseek(f, 0, SEEK_END);
}

int hal_audio_out_open(const hal_audio_config *cfg, hal_handle *out) {
  if (!cfg_ok(cfg) || !out || cfg->dev != HAL_AUDIO_I2S) return HAL_EINVAL;
  audio_out *a = calloc(1, sizeof *a);
  if (!a) return HAL_ENOMEM;
  a->cfg = *cfg;
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  a->pace = !(pace && strcmp(pace, "0") == 0);
  pthread_mutex_init(&a->mu, NULL);
  audio_clock_init(&a->clk, cfg->rate);
  const char *dst = getenv("K230JS_SIM_AUDIO_OUT");
  int rc = 0;
  if (dst && strncmp(dst, "wav:", 4) == 0) {
    a->wav = fopen(dst + 4, "wb");
    if (!a->wav) rc = HAL_ENOENT;
    else wav_header(a->wav, cfg, 0, 0);
  } else if (dst && *dst && strcmp(dst, "none") != 0) {
    rc = HAL_EINVAL;
  }
  if (!rc) rc = hk_alloc(HK_AOUT, a, &a->h);
  if (rc) {
    if (a->wav) fclose(a->wav);
    pthread_mutex_destroy(&a->mu);
    free(a);
    return rc;
  }
  *out = a->h;
  return 0;
}

static void wav_put(audio_out *a, const int16_t *samples, uint64_t count) {
  uint8_t buf[512];
  size_t n = 0;
  for (uint64_t i = 0; i < count * a->cfg.channels; i++) {
    int16_t v = samples ? samples[i] : 0;
    buf[n++] = (uint8_t)v;
    buf[n++] = (uint8_t)((uint16_t)v >> 8);
    if (n == sizeof buf || i + 1 == count * a->cfg.channels) {
      fwrite(buf, 1, n, a->wav);
      n = 0;
    }
  }
  a->samples += count;
}

int hal_audio_out_write(hal_handle h, const int16_t *samples, uint32_t count, int timeout_ms) {
  audio_out *a;
  int rc = hk_get(HK_AOUT, h, (void **)&a);
  if (rc) return rc;
  if (!samples && count) return HAL_EINVAL;
  pthread_mutex_lock(&a->mu);
  if (a->pace) {
    /* Wait for room in the device's queue, as the AO makes its writer wait. */
    uint64_t cap = (uint64_t)OUT_QUEUE_FRAMES * a->cfg.samples_per_frame;
    if (cap < count) cap = count;
    uint64_t start = hal_clock_us();
    for (;;) {
      uint64_t now = hal_clock_us();
      uint64_t queued = a->clk.written - audio_clock_played(&a->clk, now);
      if (queued + count <= cap) break;
      uint64_t wake = audio_clock_when(&a->clk, a->clk.written + count - cap);
      if (timeout_ms >= 0 && wake > start + (uint64_t)timeout_ms * 1000u) {
        pthread_mutex_unlock(&a->mu);
        hal_sleep_us((uint64_t)timeout_ms * 1000u);
        return HAL_ETIMEDOUT;
      }
      pthread_mutex_unlock(&a->mu);
      hal_sleep_us(wake > now ? wake - now : 100);
      pthread_mutex_lock(&a->mu);
    }
  }
  uint64_t gap = audio_clock_write(&a->clk, count, hal_clock_us());
  if (a->wav) {
    /* What the speaker played: the silence of an underrun, then these samples. */
    if (a->pace && gap) wav_put(a, NULL, gap);
    wav_put(a, samples, count);
  }
  pthread_mutex_unlock(&a->mu);
  return 0;
}

int hal_audio_out_position(hal_handle h, uint64_t *played) {
  audio_out *a;
  int rc = hk_get(HK_AOUT, h, (void **)&a);
  if (rc) return rc;
  if (!played) return HAL_EINVAL;
  pthread_mutex_lock(&a->mu);
  *played = a->pace ? audio_clock_played(&a->clk, hal_clock_us()) : a->clk.written;
  pthread_mutex_unlock(&a->mu);
  return 0;
}

int hal_audio_out_close(hal_handle h) {
  audio_out *a;
  int rc = hk_get(HK_AOUT, h, (void **)&a);
  if (rc) return rc;
  hk_free(h);
  if (a->wav) {
    wav_header(a->wav, &a->cfg, a->samples, a->clk.first_us);
    fclose(a->wav);
  }
  pthread_mutex_destroy(&a->mu);
  free(a);
  return 0;
}
