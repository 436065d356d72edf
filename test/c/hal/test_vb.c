/* vb: pools, blocks, handles (closed / wrong kind), pixel format sizes, registry. */
#include "check.h"
#include "base/errors.h"

int main(void) {
  CHECK_EQ_INT(hal_pixfmt_size(HAL_PIXFMT_NV12, 320, 240), 320 * 240 * 3 / 2);
  CHECK_EQ_INT(hal_pixfmt_size(HAL_PIXFMT_NV12, 321, 240), 0);
  CHECK_EQ_INT(hal_pixfmt_size(HAL_PIXFMT_ARGB8888, 10, 10), 400);
  CHECK_EQ_STR(hal_pixfmt_name(HAL_PIXFMT_RGB565), "RGB565");
  CHECK_EQ_STR(hal_pixfmt_name((hal_pixfmt)99), "NONE");

  hal_handle pool, b[3];
  hal_vb_pool_config pc = HAL_VB_POOL_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_vb_pool_create(&pc, &pool), ERR_EINVAL); /* size 0 */
  pc.blk_size = 5000, pc.blk_cnt = 2;
  CHECK_EQ_INT(hal_vb_pool_create(&pc, &pool), 0);
  CHECK_EQ_INT(hal_vb_block_get(pool, 9000, &b[0]), ERR_EINVAL);
  CHECK_EQ_INT(hal_vb_block_get(pool, 0, &b[0]), 0);
  CHECK_EQ_INT(hal_vb_block_get(pool, 100, &b[1]), 0);
  CHECK_EQ_INT(hal_vb_block_get(pool, 0, &b[2]), ERR_EAGAIN);
  hal_vb_block_info i0, i1;
  CHECK_EQ_INT(hal_vb_block_info_get(b[0], &i0), 0);
  CHECK_EQ_INT(hal_vb_block_info_get(b[1], &i1), 0);
  CHECK_EQ_INT(i0.size, 8192);
  CHECK_EQ_INT(i0.pool, pool);
  CHECK(i0.phys % 4096 == 0 && i1.phys != i0.phys && i0.virt && i1.virt != i0.virt);
  CHECK(((uintptr_t)i0.virt & 4095) == 0);
  memset(i0.virt, 0xab, i0.size);
  CHECK_EQ_INT(hal_vb_pool_destroy(pool), ERR_EBUSY);
  CHECK_EQ_INT(hal_vb_block_info_get(pool, &i0), ERR_EINVAL); /* a pool is not a block */
  CHECK_EQ_INT(hal_vb_block_release(b[0]), 0);
  CHECK_EQ_INT(hal_vb_block_release(b[0]), ERR_ECLOSED);
  CHECK_EQ_INT(hal_vb_block_info_get(b[0], &i0), ERR_ECLOSED);
  CHECK_EQ_INT(hal_vb_block_get(pool, 0, &b[2]), 0);
  CHECK(b[2] != b[0]); /* a new handle, never the stale one */
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.pools, 1);
  CHECK_EQ_INT(rs.blocks, 2);
  CHECK_EQ_INT(rs.total, 3);
  CHECK_EQ_INT(hal_reset_all(), 3);
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  CHECK_EQ_INT(hal_vb_pool_destroy(pool), ERR_ECLOSED);
  CHECK_EQ_INT(hal_unlink(0), ERR_EINVAL);
  hal_frame_release(NULL);
  return CHECK_DONE();
}
