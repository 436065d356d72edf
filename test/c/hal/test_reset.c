/* "Record twice": the full sensor -> venc pipeline created and torn down twice, then a third
 * run leaked on purpose and cleaned by hal_reset_all(): the registry ends empty. */
#include "check.h"
#include "hal/audio.h"
#include "hal/display.h"
#include "base/errors.h"
#include "hal/sensor.h"
#include "hal/vdec.h"
#include "hal/venc.h"

static int record(int teardown) {
  hal_handle sen, venc, link, disp, link2, pool, blk, ain;
  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.width = 640, sc.height = 480;
  if (hal_sensor_open(&sc, &sen)) return -1;
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = 320, cc.height = 240;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 0, &cc), 0);
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 1, &cc), 0);
  hal_venc_config vc = HAL_VENC_CONFIG_DEFAULT;
  vc.width = 320, vc.height = 240;
  CHECK_EQ_INT(hal_venc_create(0, &vc, &venc, NULL), 0);
  hal_venc_start(venc);
  hal_display_config dc = HAL_DISPLAY_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_display_init(&dc, &disp), 0);
  hal_chn s0 = {HAL_MOD_SENSOR, 0, 0}, s1 = {HAL_MOD_SENSOR, 0, 1}, v0 = {HAL_MOD_VENC, 0, 0},
          l1 = {HAL_MOD_DISPLAY, 0, HAL_LAYER_VIDEO1};
  CHECK_EQ_INT(hal_link(&s0, &v0, &link), 0);
  CHECK_EQ_INT(hal_link(&s1, &l1, &link2), 0); /* the layer takes the source's rectangle */
  hal_vb_pool_config pc = HAL_VB_POOL_CONFIG_DEFAULT;
  pc.blk_size = 1 << 16;
  CHECK_EQ_INT(hal_vb_pool_create(&pc, &pool), 0);
  CHECK_EQ_INT(hal_vb_block_get(pool, 0, &blk), 0);
  hal_audio_config ac = HAL_AUDIO_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_audio_in_open(&ac, &ain), 0);
  CHECK_EQ_INT(hal_sensor_run(sen), 0);
  int streams = 0;
  hal_venc_stream *held = NULL;
  for (int k = 0; k < 15; k++) {
    hal_venc_stream *st;
    if (hal_venc_get_stream(venc, &st, 2000) != 0) break;
    streams++;
    if (k == 14 && !teardown) held = st; /* leak one lent stream */
    else hal_venc_release_stream(venc, st);
  }
  hal_frame *snap = NULL;
  CHECK_EQ_INT(hal_sensor_snapshot(sen, 1, 1000, &snap), 0);
  hal_display_info di;
  hal_display_info_get(disp, &di);
  CHECK(di.frames_composed > 0);
  if (teardown) {
    hal_frame_release(snap);
    CHECK_EQ_INT(hal_sensor_stop(sen), 0);
    CHECK_EQ_INT(hal_unlink(link), 0);
    CHECK_EQ_INT(hal_unlink(link2), 0);
    CHECK_EQ_INT(hal_venc_stop(venc), 0);
    CHECK_EQ_INT(hal_venc_destroy(venc), 0);
    CHECK_EQ_INT(hal_display_deinit(disp), 0);
    CHECK_EQ_INT(hal_sensor_close(sen), 0);
    CHECK_EQ_INT(hal_vb_pool_destroy(pool), ERR_EBUSY);
    CHECK_EQ_INT(hal_vb_block_release(blk), 0);
    CHECK_EQ_INT(hal_vb_pool_destroy(pool), 0);
    CHECK_EQ_INT(hal_audio_in_close(ain), 0);
  } else {
    CHECK(held != NULL);
    hal_registry_stats rs;
    hal_registry_stats_get(&rs);
    CHECK_EQ_INT(rs.sensors, 1);
    CHECK_EQ_INT(rs.links, 2);
    CHECK_EQ_INT(rs.vencs, 1);
    CHECK_EQ_INT(rs.displays, 1);
    CHECK_EQ_INT(rs.pools, 1);
    CHECK_EQ_INT(rs.blocks, 1);
    CHECK_EQ_INT(rs.audio_ins, 1);
    CHECK_EQ_INT(rs.frames, 1);
    CHECK_EQ_INT(hal_reset_all(), 9);
    /* everything the app held is closed */
    CHECK_EQ_INT(hal_venc_get_stream(venc, &held, 0), ERR_ECLOSED);
    CHECK_EQ_INT(hal_sensor_run(sen), ERR_ECLOSED);
    CHECK_EQ_INT(hal_vb_block_release(blk), ERR_ECLOSED);
  }
  return streams;
}

int main(void) {
  setenv("K230JS_SIM_SENSOR", "pattern", 1);
  CHECK_EQ_INT(record(1), 15);
  CHECK_EQ_INT(record(1), 15);
  CHECK_EQ_INT(record(0), 15);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  CHECK_EQ_INT(record(1), 15); /* and it works again after the reset */
  CHECK_EQ_INT(hal_reset_all(), 0);
  return CHECK_DONE();
}
