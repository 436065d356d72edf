/* VENC output buffers on current MPP (kd_mpi_venc_attach_vb_pool): the channel encodes into
 * blocks of a pool we create, attached before kd_mpi_venc_create_chn and detached before
 * kd_mpi_venc_destroy_chn. Chosen by ports/k230/mpp.cmake when mpi_venc_api.h declares
 * attach_vb_pool; K230_MPP_VENC_ATTACH_ARGS says whether it takes the block count (current MPP:
 * (chn, pool_id, buff_num)) or not. */
#include "k230_internal.h"
#include "mpi_vb_api.h"
#include "mpi_venc_api.h"

int k230_venc_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k230_outbuf *ob) {
  (void)chn_attr;
  *ob = K230_OUTBUF_NONE;
  ob->pool = k230_pool_create(size, cnt);
  if (ob->pool == VB_INVALID_POOLID) return ERR_ENOMEM;
#if K230_MPP_VENC_ATTACH_ARGS == 3
  k_s32 r = kd_mpi_venc_attach_vb_pool(chn, ob->pool, cnt);
#else
  k_s32 r = kd_mpi_venc_attach_vb_pool(chn, ob->pool);
#endif
  if (r) {
    k230_outbuf_free(ob);
    return k230_err(r);
  }
  return 0;
}

void k230_venc_outbuf_detach(k_u32 chn, const k230_outbuf *ob) {
  if (ob->pool != VB_INVALID_POOLID) kd_mpi_venc_detach_vb_pool(chn);
}
