/* hal_reset_handles: one runtime's objects released in the teardown order (a block before its
 * pool, a running sensor stopped then closed), a closed handle skipped, everything else left. */
#include "check.h"
#include "base/errors.h"
#include "hal/sensor.h"

/* A running camera, a pool and one of its blocks on sensor device `dev`. */
static void make(int dev, hal_handle out[3]) {
  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.dev = dev, sc.width = 320, sc.height = 240;
  CHECK_EQ_INT(hal_sensor_open(&sc, &out[0]), 0);
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = 320, cc.height = 240;
  CHECK_EQ_INT(hal_sensor_chn_config_set(out[0], 0, &cc), 0);
  CHECK_EQ_INT(hal_sensor_run(out[0]), 0);
  hal_vb_pool_config pc = {.blk_size = 4096, .blk_cnt = 2};
  CHECK_EQ_INT(hal_vb_pool_create(&pc, &out[1]), 0);
  CHECK_EQ_INT(hal_vb_block_get(out[1], 0, &out[2]), 0);
}

int main(void) {
  setenv("K230JS_SIM_SENSOR", "pattern", 1);
  hal_handle a[3], b[3];
  make(0, a);
  make(1, b);
  hal_handle stale;
  hal_vb_pool_config pc = {.blk_size = 4096, .blk_cnt = 1};
  CHECK_EQ_INT(hal_vb_pool_create(&pc, &stale), 0);
  CHECK_EQ_INT(hal_vb_pool_destroy(stale), 0);
  /* Listed pool first: released in the order anyway, or the pool would still hold its block. */
  hal_handle set[] = {a[1], stale, a[2], a[0]};
  CHECK_EQ_INT(hal_reset_handles(set, 4), 3);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 3);
  CHECK_EQ_INT(rs.sensors, 1);
  CHECK_EQ_INT(rs.pools, 1);
  CHECK_EQ_INT(rs.blocks, 1);
  CHECK_EQ_INT(hal_vb_pool_destroy(a[1]), ERR_ECLOSED);
  CHECK_EQ_INT(hal_sensor_close(a[0]), ERR_ECLOSED);
  /* The other set still works: its camera delivers, its block is there. */
  hal_frame *f;
  CHECK_EQ_INT(hal_sensor_snapshot(b[0], 0, 2000, &f), 0);
  hal_frame_release(f);
  hal_vb_block_info bi;
  CHECK_EQ_INT(hal_vb_block_info_get(b[2], &bi), 0);
  CHECK_EQ_INT(hal_reset_handles(set, 4), 0); /* all closed now */
  CHECK_EQ_INT(hal_reset_handles(b, 3), 3);
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
