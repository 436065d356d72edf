/* sensor: config validation, formats, pts/seq, stamps, snapshot, bind info, stats. */
#include "check.h"
#include "hal/clock.h"
#include "base/errors.h"
#include "hal/sensor.h"

int main(void) {
  setenv("K230JS_SIM_SENSOR", "pattern", 1);
  hal_handle s, s2;
  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.dev = 3;
  CHECK_EQ_INT(hal_sensor_open(&sc, &s), ERR_EINVAL);
  sc.dev = 1, sc.fps = 61;
  CHECK_EQ_INT(hal_sensor_open(&sc, &s), ERR_EINVAL);
  sc.fps = 30;
  CHECK_EQ_INT(hal_sensor_open(&sc, &s), 0);
  CHECK_EQ_INT(hal_sensor_open(&sc, &s2), ERR_EBUSY);
  CHECK_EQ_INT(hal_sensor_run(s), ERR_ESTATE); /* no channel */
  hal_frame *f;
  CHECK_EQ_INT(hal_sensor_snapshot(s, 0, 10, &f), ERR_ESTATE); /* not running says so first */
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = 1920, cc.height = 1080;
  CHECK_EQ_INT(hal_sensor_chn_config_set(s, 3, &cc), ERR_EINVAL);
  cc.width = 2000;
  CHECK_EQ_INT(hal_sensor_chn_config_set(s, 1, &cc), ERR_EINVAL); /* chn1 max 1920 */
  cc.width = 321;
  CHECK_EQ_INT(hal_sensor_chn_config_set(s, 0, &cc), ERR_EINVAL);
  cc.width = 320, cc.height = 240, cc.format = (hal_pixfmt)42;
  CHECK_EQ_INT(hal_sensor_chn_config_set(s, 0, &cc), ERR_ENOTSUP);
  hal_pixfmt fmts[3] = {HAL_PIXFMT_NV12, HAL_PIXFMT_RGB888, HAL_PIXFMT_GRAYSCALE};
  for (int c = 0; c < 3; c++) {
    cc.format = fmts[c];
    CHECK_EQ_INT(hal_sensor_chn_config_set(s, c, &cc), 0);
  }
  CHECK_EQ_INT(hal_sensor_snapshot(s, 0, 100, &f), ERR_ESTATE);
  CHECK_EQ_INT(hal_sensor_run(s), 0);
  CHECK_EQ_INT(hal_sensor_chn_config_set(s, 0, &cc), ERR_ESTATE);
  int last = -1, bad = 0;
  for (int i = 0; i < 5; i++) {
    CHECK_EQ_INT(hal_sensor_snapshot(s, 0, 1000, &f), 0);
    int stamp = hal_sim_stamp_read(f->data[0], f->stride[0], f->width, f->height);
    if (stamp != (int)f->seq || (int)f->seq <= last) bad++;
    if (f->pts_us != (uint64_t)f->seq * 1000000 / 30) bad++;
    last = (int)f->seq;
    hal_frame_release(f);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(hal_sensor_snapshot(s, 1, 1000, &f), 0);
  CHECK_EQ_INT(f->format, HAL_PIXFMT_RGB888);
  CHECK_EQ_INT(f->stride[0], 320 * 3);
  CHECK_EQ_INT(f->data[0][0], 0); /* stamp cell 0 is the counter's MSB: 0 -> black */
  hal_frame_release(f);
  CHECK_EQ_INT(hal_sensor_snapshot(s, 2, 1000, &f), 0);
  CHECK_EQ_INT(hal_sim_stamp_read(f->data[0], f->stride[0], 320, 240), (int)f->seq);
  /* hold it across stop/close: the block stays valid until released */
  hal_bind_info bi;
  CHECK_EQ_INT(hal_sensor_bind_info(s, 2, 10, 20, &bi), 0);
  CHECK(bi.src.mod == HAL_MOD_SENSOR && bi.src.dev == 1 && bi.src.chn == 2 && bi.x == 10 && bi.y == 20);
  CHECK(bi.width == 320 && bi.format == HAL_PIXFMT_GRAYSCALE);
  hal_sensor_stats st;
  CHECK_EQ_INT(hal_sensor_stats_get(s, &st), 0);
  CHECK(st.frames >= 5 * 3);
  CHECK_EQ_INT(hal_sensor_stop(s), 0);
  CHECK_EQ_INT(hal_sensor_close(s), 0);
  CHECK_EQ_INT(hal_sim_stamp_read(f->data[0], f->stride[0], 320, 240), (int)f->seq);
  hal_frame_release(f);
  CHECK_EQ_INT(hal_sensor_snapshot(s, 0, 10, &f), ERR_ECLOSED);
  /* v4l2 / file sources fail cleanly */
  setenv("K230JS_SIM_SENSOR", "v4l2:/dev/video-none", 1);
  CHECK_EQ_INT(hal_sensor_open(&sc, &s), ERR_ENODEV);
  setenv("K230JS_SIM_SENSOR", "v4l2:/dev/null", 1); /* a file that is no camera */
  CHECK(hal_sensor_open(&sc, &s) < 0);
  setenv("K230JS_SIM_SENSOR", "file:/nonexistent.mp4", 1);
  CHECK(hal_sensor_open(&sc, &s) < 0);
  setenv("K230JS_SIM_SENSOR", "bogus", 1);
  CHECK(hal_sensor_open(&sc, &s) < 0);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
