/* The simulator's microphone and speaker (hal_sim.h): a sine or a looping WAV file paced by the
 * clock (K230JS_SIM_AUDIO_IN, K230JS_SIM_AUDIO_PACE), and a WAV file out (K230JS_SIM_AUDIO_OUT).
 * hal/host's audio and the MPP double's AI/AO both use them, so both hear and play the same. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hal/clock.h"
#include "hal_sim.h"
#include "internal.h"

struct sim_audio_src {
  uint32_t rate, channels;
  uint64_t pos; /* samples per channel produced */
  uint64_t t0;
  int pace;
  double hz;
  FILE *wav; /* NULL: sine */
  long data_off;
};

struct sim_audio_sink {
  uint32_t rate, channels;
  FILE *wav;
  uint64_t samples;
  bool timeline;
  uint64_t first_us; /* when the first sample was heard (timeline sinks) */
};

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Find fmt and data chunks of a RIFF/WAVE file; leaves the file at the data. */
static int wav_open_read(FILE *f, uint32_t rate, uint32_t channels, long *data_off) {
  uint8_t h[12], ch[8], fmt[16];
  if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) return ERR_EBADDATA;
  int have_fmt = 0;
  while (fread(ch, 1, 8, f) == 8) {
    uint32_t len = rd32(ch + 4);
    if (!memcmp(ch, "fmt ", 4) && len >= 16) {
      if (fread(fmt, 1, 16, f) != 16) return ERR_EBADDATA;
      fseek(f, (long)(len - 16 + (len & 1)), SEEK_CUR);
      if (rd16(fmt) != 1 || rd16(fmt + 14) != 16) return ERR_ENOTSUP;
      if (rd16(fmt + 2) != channels || rd32(fmt + 4) != rate) return ERR_EINVAL;
      have_fmt = 1;
    } else if (!memcmp(ch, "data", 4)) {
      if (!have_fmt) return ERR_EBADDATA;
      *data_off = ftell(f);
      return 0;
    } else {
      fseek(f, (long)(len + (len & 1)), SEEK_CUR);
    }
  }
  return ERR_EBADDATA;
}

int sim_audio_src_open(uint32_t rate, uint32_t channels, sim_audio_src **out) {
  sim_audio_src *a = calloc(1, sizeof *a);
  if (!a) return ERR_ENOMEM;
  a->rate = rate;
  a->channels = channels;
  a->hz = 440;
  const char *pace = getenv("K230JS_SIM_AUDIO_PACE");
  a->pace = !(pace && strcmp(pace, "0") == 0);
  const char *src = getenv("K230JS_SIM_AUDIO_IN");
  int rc = 0;
  if (src && strncmp(src, "wav:", 4) == 0) {
    a->wav = fopen(src + 4, "rb");
    rc = a->wav ? wav_open_read(a->wav, rate, channels, &a->data_off) : ERR_ENOENT;
  } else if (src && strncmp(src, "sine:", 5) == 0) {
    a->hz = atof(src + 5);
    if (a->hz <= 0 || a->hz >= rate / 2.0) rc = ERR_EINVAL;
  } else if (src && *src && strcmp(src, "sine") != 0) {
    rc = ERR_EINVAL;
  }
  if (rc) {
    sim_audio_src_close(a);
    return rc;
  }
  a->t0 = hal_clock_us();
  *out = a;
  return 0;
}

int sim_audio_src_read(sim_audio_src *a, int16_t *buf, uint32_t n, int timeout_ms, uint64_t *pts_us) {
  if (a->pace) {
    uint64_t due = a->t0 + (a->pos + n) * 1000000u / a->rate, now = hal_clock_us();
    if (due > now) {
      if (timeout_ms >= 0 && due - now > (uint64_t)timeout_ms * 1000) {
        hal_sleep_us((uint64_t)timeout_ms * 1000);
        return ERR_ETIMEDOUT;
      }
      hal_sleep_us(due - now);
    }
  }
  uint32_t chs = a->channels;
  if (a->wav) {
    size_t got = 0, want = (size_t)n * chs;
    uint8_t tmp[4];
    while (got < want) {
      if (fread(tmp, 1, 2, a->wav) != 2) { /* end of data: loop */
        clearerr(a->wav);
        fseek(a->wav, a->data_off, SEEK_SET);
        if (fread(tmp, 1, 2, a->wav) != 2) break; /* empty data chunk */
      }
      buf[got++] = (int16_t)rd16(tmp);
    }
    while (got < want) buf[got++] = 0;
  } else {
    for (uint32_t i = 0; i < n; i++) {
      double t = (double)(a->pos + i) / a->rate;
      int16_t s = (int16_t)lrint(16383.0 * sin(2 * M_PI * a->hz * t));
      for (uint32_t c = 0; c < chs; c++) buf[i * chs + c] = s;
    }
  }
  if (pts_us) *pts_us = a->pos * 1000000u / a->rate;
  a->pos += n;
  return 0;
}

void sim_audio_src_close(sim_audio_src *a) {
  if (!a) return;
  if (a->wav) fclose(a->wav);
  free(a);
}

static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* RIFF/WAVE: fmt, on a timeline sink "clk " (first_us, 8 bytes), then data. */
static void wav_header(sim_audio_sink *s) {
  uint8_t h[60];
  size_t hl = s->timeline ? 60 : 44;
  uint32_t data = (uint32_t)(s->samples * s->channels * 2);
  memcpy(h, "RIFF", 4);
  wr32(h + 4, (uint32_t)(hl - 8 + data));
  memcpy(h + 8, "WAVEfmt ", 8);
  wr32(h + 16, 16);
  h[20] = 1, h[21] = 0; /* PCM */
  h[22] = (uint8_t)s->channels, h[23] = 0;
  wr32(h + 24, s->rate);
  wr32(h + 28, s->rate * s->channels * 2);
  h[32] = (uint8_t)(s->channels * 2), h[33] = 0;
  h[34] = 16, h[35] = 0;
  uint8_t *d = h + 36;
  if (s->timeline) {
    memcpy(d, "clk ", 4);
    wr32(d + 4, 8);
    wr32(d + 8, (uint32_t)s->first_us);
    wr32(d + 12, (uint32_t)(s->first_us >> 32));
    d += 16;
  }
  memcpy(d, "data", 4);
  wr32(d + 4, data);
  fseek(s->wav, 0, SEEK_SET);
  fwrite(h, 1, hl, s->wav);
  fseek(s->wav, 0, SEEK_END);
}

void sim_audio_sink_timeline(sim_audio_sink *s) {
  s->timeline = true;
  if (s->wav && !s->samples) wav_header(s);
}

int sim_audio_sink_open(uint32_t rate, uint32_t channels, sim_audio_sink **out) {
  sim_audio_sink *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->rate = rate;
  s->channels = channels;
  const char *dst = getenv("K230JS_SIM_AUDIO_OUT");
  int rc = 0;
  if (dst && strncmp(dst, "wav:", 4) == 0) {
    s->wav = fopen(dst + 4, "wb");
    if (!s->wav) rc = ERR_ENOENT;
    else wav_header(s);
  } else if (dst && *dst && strcmp(dst, "none") != 0) {
    rc = ERR_EINVAL;
  }
  if (rc) {
    if (s->wav) fclose(s->wav);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* count samples (NULL: silence). */
static void put(sim_audio_sink *s, const int16_t *samples, uint64_t count) {
  if (s->wav)
    for (size_t i = 0; i < (size_t)count * s->channels; i++) {
      int16_t v = samples ? samples[i] : 0;
      uint8_t b[2] = {(uint8_t)v, (uint8_t)((uint16_t)v >> 8)};
      fwrite(b, 1, 2, s->wav);
    }
  s->samples += count;
}

void sim_audio_sink_write(sim_audio_sink *s, const int16_t *samples, uint32_t count) { put(s, samples, count); }

void sim_audio_sink_write_at(sim_audio_sink *s, const int16_t *samples, uint32_t count, uint64_t start_us) {
  if (s->timeline && !s->first_us) s->first_us = start_us;
  if (s->timeline) {
    uint64_t due = s->first_us + s->samples * 1000000u / s->rate; /* when the previous samples ran out */
    if (start_us > due) put(s, NULL, (start_us - due) * s->rate / 1000000u);
  }
  put(s, samples, count);
}

void sim_audio_sink_close(sim_audio_sink *s) {
  if (!s) return;
  if (s->wav) {
    wav_header(s);
    fclose(s->wav);
  }
  free(s);
}
