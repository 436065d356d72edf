/*
 * hal/audio.h — audio in and out (K230 AI/AO over I2S or PDM; CanMV `media.pyaudio`).
 *
 * Signed 16-bit little-endian PCM, interleaved channels. Input delivers frames of
 * `samples_per_frame` samples per channel with pts in microseconds (sample index * 1e6 / rate);
 * output takes arbitrary-length writes. G.711 lives in libs/media (g711.h), not here.
 *
 * Host simulator: input from env K230JS_SIM_AUDIO_IN = sine[:HZ] (default sine:440, amplitude
 * 0.5 FS) | wav:PATH (16-bit PCM, looped; converted neither in rate nor channels: its format
 * must match, else ERR_EINVAL); output to env K230JS_SIM_AUDIO_OUT = none (default) | wav:PATH.
 * Both are paced in real time unless K230JS_SIM_AUDIO_PACE=0: the output is a simulated device
 * that plays `rate` samples a second from a queue of 5 frames (the board's AO depth), makes
 * writes wait for room, and plays silence when it runs dry. The WAV file is what that device
 * played, from its first sample on (underruns as silence), and carries the hal_clock_us() time
 * of its first sample in a "clk " chunk (8 bytes, little-endian) before "data", so sample k was
 * heard at that time + k / rate.
 */
#ifndef HAL_AUDIO_H
#define HAL_AUDIO_H

#include "hal/vb.h"

typedef enum hal_audio_dev { HAL_AUDIO_I2S = 0, HAL_AUDIO_PDM = 1 } hal_audio_dev;

typedef struct hal_audio_config {
  hal_audio_dev dev;
  uint32_t rate;              /* 8000..192000 Hz */
  uint32_t channels;          /* 1 or 2 */
  uint32_t samples_per_frame; /* per channel, 1..8192 */
} hal_audio_config;
#define HAL_AUDIO_CONFIG_DEFAULT \
  { .dev = HAL_AUDIO_I2S, .rate = 8000, .channels = 1, .samples_per_frame = 320 }

typedef struct hal_audio_frame {
  const int16_t *samples; /* samples_per_frame * channels interleaved; owned by the HAL */
  uint32_t samples_per_channel;
  uint32_t channels;
  uint64_t pts_us;
  uint32_t seq;
} hal_audio_frame;

int hal_audio_in_open(const hal_audio_config *cfg, hal_handle *out);
/* Next input frame, lent until hal_audio_in_release (one outstanding at a time: ERR_EBUSY).
 * Waits up to timeout_ms (-1 forever): ERR_ETIMEDOUT. */
int hal_audio_in_read(hal_handle in, hal_audio_frame **out, int timeout_ms);
int hal_audio_in_release(hal_handle in, hal_audio_frame *frame);
int hal_audio_in_close(hal_handle in);

int hal_audio_out_open(const hal_audio_config *cfg, hal_handle *out);
/* Play `count` samples per channel (interleaved). Returns 0 once queued; waits up to timeout_ms
 * (-1 forever) while the device's queue is full: ERR_ETIMEDOUT. */
int hal_audio_out_write(hal_handle out, const int16_t *samples, uint32_t count, int timeout_ms);
/* Samples per channel the device has played since open: the audio clock (what is heard now).
 * Written samples not yet played are the output latency. Host: the simulated device's, exact;
 * board: modelled from the writes (the AO reports no position), exact while it never runs dry. */
int hal_audio_out_position(hal_handle out, uint64_t *played);
int hal_audio_out_close(hal_handle out);

#endif
