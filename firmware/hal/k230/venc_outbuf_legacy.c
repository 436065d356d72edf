/* VENC output buffers on MPP before attach_vb_pool (canmv_k230 2024): the channel attributes
 * carry the output buffer size and count and the MPP allocates them itself. */
#include "k230_internal.h"
#include "mpi_vb_api.h"
#include "mpi_venc_api.h"

int k230_venc_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k_u32 *pool) {
  (void)chn;
  k_venc_chn_attr *a = chn_attr;
  a->venc_attr.stream_buf_size = (k_u32)size;
  a->venc_attr.stream_buf_cnt = cnt;
  *pool = VB_INVALID_POOLID;
  return 0;
}

void k230_venc_outbuf_detach(k_u32 chn, k_u32 pool) {
  (void)chn;
  (void)pool;
}
