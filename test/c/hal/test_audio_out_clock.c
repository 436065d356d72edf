/* audio out as a device: writes wait for room in a 5-frame queue, the position is the samples
 * played (the audio clock), an underrun plays silence, and the WAV records that timeline with
 * the clock time of its first sample ("clk " chunk). */
#include <math.h>

#include "check.h"
#include "hal/audio.h"
#include "hal/clock.h"
#include "base/errors.h"

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

int main(void) {
  unsetenv("K230JS_SIM_AUDIO_PACE");
  const char *wav = tu_path("clock.wav");
  char spec[600];
  snprintf(spec, sizeof spec, "wav:%s", wav);
  setenv("K230JS_SIM_AUDIO_OUT", spec, 1);
  hal_audio_config c = HAL_AUDIO_CONFIG_DEFAULT; /* 8 kHz mono, 320-sample frames: 200 ms queue */
  hal_handle out;
  CHECK_EQ_INT(hal_audio_out_open(&c, &out), 0);
  int16_t tone[320];
  for (int i = 0; i < 320; i++) tone[i] = (int16_t)(8000 * sin(i * 0.3));

  /* 1 s of audio written as fast as the device takes it: the writer waits once the 200 ms queue
   * is full, so it is done after no less than 0.8 s, with at most 200 ms queued. (Upper bounds are
   * loose: a loaded machine may run this thread late, never early.) */
  uint64_t t0 = hal_clock_us(), played = 0;
  CHECK_EQ_INT(hal_audio_out_position(out, &played), 0);
  CHECK_EQ_INT(played, 0);
  for (int k = 0; k < 25; k++) CHECK_EQ_INT(hal_audio_out_write(out, tone, 320, 1000), 0);
  uint64_t took = hal_clock_us() - t0;
  CHECK(took > 780000 && took < 3000000);
  CHECK_EQ_INT(hal_audio_out_position(out, &played), 0);
  CHECK(played <= 8000 && 8000 - played <= 1600);
  /* A full queue and a short timeout: nothing queued, ETIMEDOUT. */
  CHECK_EQ_INT(hal_audio_out_write(out, tone, 320, 5), ERR_ETIMEDOUT);
  /* The device drains, then plays silence for 300 ms before the next write. */
  hal_sleep_us(500000);
  CHECK_EQ_INT(hal_audio_out_position(out, &played), 0);
  CHECK_EQ_INT(played, 8000);
  uint64_t t_last = hal_clock_us();
  CHECK_EQ_INT(hal_audio_out_write(out, tone, 320, 1000), 0);
  hal_sleep_us(100000);
  CHECK_EQ_INT(hal_audio_out_close(out), 0);

  size_t len;
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cat %s", wav);
  uint8_t *f = (uint8_t *)tu_output(cmd, &len);
  CHECK(len > 60 && memcmp(f + 36, "clk ", 4) == 0 && rd32(f + 40) == 8);
  uint64_t first = rd32(f + 44) | (uint64_t)rd32(f + 48) << 32;
  CHECK(first >= t0 && first < t0 + 5000);
  CHECK(memcmp(f + 52, "data", 4) == 0);
  uint32_t n = rd32(f + 56) / 2;
  /* 1 s of tone, silence from when the queue ran dry to the last write, 40 ms of tone. */
  int64_t silence = (int64_t)n - 8000 - 320, want = (int64_t)(t_last - first) * 8000 / 1000000 - 8000;
  CHECK(silence >= 2400 - 80);
  CHECK(silence >= want - 8 && silence <= want + 80);
  const int16_t *s = (const int16_t *)(f + 60);
  int silent = 0;
  for (uint32_t i = 8000; i < n - 320; i++) silent += s[i] == 0;
  CHECK_EQ_INT(silent, (int)(n - 320 - 8000));
  CHECK(memcmp(s + n - 320, tone, sizeof tone) == 0);
  free(f);
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries stream=sample_rate -of csv=p=0 %s", wav);
  char *o = tu_output(cmd, NULL);
  CHECK(o && strncmp(o, "8000", 4) == 0);
  free(o);
  return CHECK_DONE();
}
