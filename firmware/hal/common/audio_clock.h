/*
 * hal/common/audio_clock.h — a sound output's clock, modelled from what was written to it and
 * when; shared by the HAL backends, not part of the contract in hal/include.
 *
 * The device plays `rate` samples per second per channel while it has samples and stops when it
 * runs dry (an underrun), to start again with the next write. The host simulator's audio out is
 * this model (exact by definition); the board's AO has no position query, so there it is an
 * estimate that holds while the I2S clock runs at its nominal rate. Not thread-safe: the
 * backend locks around it.
 */
#ifndef HAL_COMMON_AUDIO_CLOCK_H
#define HAL_COMMON_AUDIO_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct audio_clock {
  uint32_t rate;
  uint64_t written;  /* samples queued since open */
  uint64_t base;     /* samples played before the current run */
  uint64_t run_us;   /* when the current run's first sample started playing */
  uint64_t first_us; /* when the very first sample started playing; 0 before */
  bool running;      /* a run was started (it may have run dry since) */
} audio_clock;

void audio_clock_init(audio_clock *c, uint32_t rate);
/* Samples played by `now_us` (never more than written). */
uint64_t audio_clock_played(const audio_clock *c, uint64_t now_us);
/* Queues n samples at now_us. Returns how many samples of silence the device played since it
 * ran dry (0 when it had not), so a recording of the output can keep its timeline. */
uint64_t audio_clock_write(audio_clock *c, uint64_t n, uint64_t now_us);
/* When the device will have played `samples` (the current run extrapolated). */
uint64_t audio_clock_when(const audio_clock *c, uint64_t samples);

#endif
