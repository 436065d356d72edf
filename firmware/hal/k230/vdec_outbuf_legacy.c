/* VDEC output frames on MPP before attach_vb_pool (canmv_k230 2024): the pool id, frame size
 * and count go into the channel attributes. */
#include "k230_internal.h"
#include "mpi_vb_api.h"
#include "mpi_vdec_api.h"

int k230_vdec_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k_u32 *pool) {
  (void)chn;
  k_vdec_chn_attr *a = chn_attr;
  *pool = k230_pool_create(size, cnt);
  if (*pool == VB_INVALID_POOLID) return ERR_ENOMEM;
  a->frame_buf_size = (k_u32)K_ALIGN_UP(size, 4096);
  a->frame_buf_cnt = cnt;
  a->frame_buf_pool_id = *pool;
  return 0;
}

void k230_vdec_outbuf_detach(k_u32 chn, k_u32 pool) {
  (void)chn;
  (void)pool;
}
