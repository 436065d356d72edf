/* A sound output's clock from its writes (audio_clock.h). */
#include "audio_clock.h"

void audio_clock_init(audio_clock *c, uint32_t rate) { *c = (audio_clock){.rate = rate}; }

uint64_t audio_clock_played(const audio_clock *c, uint64_t now_us) {
  if (!c->running || now_us <= c->run_us) return c->running ? c->base : c->written;
  uint64_t p = c->base + (now_us - c->run_us) * c->rate / 1000000u;
  return p < c->written ? p : c->written;
}

uint64_t audio_clock_when(const audio_clock *c, uint64_t samples) {
  if (!c->running || samples <= c->base) return c->run_us;
  return c->run_us + (samples - c->base) * 1000000u / c->rate;
}

uint64_t audio_clock_write(audio_clock *c, uint64_t n, uint64_t now_us) {
  uint64_t gap = 0;
  if (!c->running || audio_clock_played(c, now_us) >= c->written) {
    /* Dry (or never started): a new run begins with these samples. */
    if (c->running) {
      uint64_t dry_since = audio_clock_when(c, c->written);
      gap = now_us > dry_since ? (now_us - dry_since) * c->rate / 1000000u : 0;
    }
    c->base = c->written;
    c->run_us = now_us;
    c->running = true;
    if (!c->first_us) c->first_us = now_us;
  }
  c->written += n;
  return gap;
}
