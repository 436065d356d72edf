/* audio: sine in with exact pts, WAV out read back by ffprobe, WAV in, lending rules. */
#include "check.h"
#include "hal/audio.h"
#include "base/errors.h"

int main(void) {
  setenv("K230JS_SIM_AUDIO_PACE", "0", 1);
  setenv("K230JS_SIM_AUDIO_IN", "sine:1000", 1);
  const char *wav = tu_path("out.wav");
  char spec[600];
  snprintf(spec, sizeof spec, "wav:%s", wav);
  setenv("K230JS_SIM_AUDIO_OUT", spec, 1);
  hal_handle in, out;
  hal_audio_config c = HAL_AUDIO_CONFIG_DEFAULT;
  c.rate = 7000;
  CHECK_EQ_INT(hal_audio_in_open(&c, &in), ERR_EINVAL);
  c = (hal_audio_config)HAL_AUDIO_CONFIG_DEFAULT;
  c.rate = 16000, c.channels = 2, c.samples_per_frame = 160;
  CHECK_EQ_INT(hal_audio_in_open(&c, &in), 0);
  CHECK_EQ_INT(hal_audio_out_open(&c, &out), 0);
  int bad = 0, peak = 0;
  for (int k = 0; k < 100; k++) {
    hal_audio_frame *f, *g;
    CHECK_EQ_INT(hal_audio_in_read(in, &f, 1000), 0);
    if (k == 0) CHECK_EQ_INT(hal_audio_in_read(in, &g, 0), ERR_EBUSY);
    if (f->pts_us != (uint64_t)k * 10000 || f->seq != (uint32_t)k || f->samples_per_channel != 160) bad++;
    for (int i = 0; i < 320; i++) peak = abs(f->samples[i]) > peak ? abs(f->samples[i]) : peak;
    CHECK_EQ_INT(hal_audio_out_write(out, f->samples, 160, 1000), 0);
    CHECK_EQ_INT(hal_audio_in_release(in, f), 0);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(peak > 16000 && peak < 16500);
  CHECK_EQ_INT(hal_audio_out_close(out), 0);
  CHECK_EQ_INT(hal_audio_in_close(in), 0);
  CHECK_EQ_INT(hal_audio_in_close(in), ERR_ECLOSED);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries stream=sample_rate,channels,duration -of csv=p=0 %s", wav);
  char *o = tu_output(cmd, NULL);
  CHECK(o && strncmp(o, "16000,2,1.000000", 16) == 0);
  free(o);
  /* read it back as input (looped) */
  snprintf(spec, sizeof spec, "wav:%s", wav);
  setenv("K230JS_SIM_AUDIO_IN", spec, 1);
  CHECK_EQ_INT(hal_audio_in_open(&c, &in), 0);
  hal_audio_frame *f;
  for (int k = 0; k < 150; k++) {
    CHECK_EQ_INT(hal_audio_in_read(in, &f, 1000), 0);
    hal_audio_in_release(in, f);
  }
  hal_audio_in_close(in);
  c.channels = 1; /* format mismatch with the file */
  CHECK_EQ_INT(hal_audio_in_open(&c, &in), ERR_EINVAL);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
