/* VDEC output frames on current MPP (kd_mpi_vdec_attach_vb_pool): a pool we create, attached
 * before kd_mpi_vdec_create_chn, detached after stop (§2.5 "Decoder"). */
#include "k230_internal.h"
#include "mpi_vb_api.h"
#include "mpi_vdec_api.h"

int k230_vdec_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k_u32 *pool) {
  (void)chn_attr;
  *pool = k230_pool_create(size, cnt);
  if (*pool == VB_INVALID_POOLID) return ERR_ENOMEM;
  k_s32 r = kd_mpi_vdec_attach_vb_pool(chn, *pool);
  if (r) {
    k230_pool_destroy(*pool);
    *pool = VB_INVALID_POOLID;
    return k230_err(r);
  }
  return 0;
}

void k230_vdec_outbuf_detach(k_u32 chn, k_u32 pool) {
  if (pool != VB_INVALID_POOLID) kd_mpi_vdec_detach_vb_pool(chn);
}
