/* VENC output buffers on MPP before attach_vb_pool (the 2024 MPP): the channel attributes carry
 * the output buffer size and count, and the MPP takes the buffers from a common pool of that
 * size, which must be in the VB configuration (CanMV vencoder.py SetOutBufs). */
#include "k230_internal.h"
#include "mpi_vb_api.h"
#include "mpi_venc_api.h"

int k230_venc_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k230_outbuf *ob) {
  (void)chn;
  k_venc_chn_attr *a = chn_attr;
  a->venc_attr.stream_buf_size = (k_u32)K_ALIGN_UP(size, 4096);
  a->venc_attr.stream_buf_cnt = cnt;
  *ob = K230_OUTBUF_NONE;
  return k230_vb_common_claim(size, cnt, &ob->common_slot);
}

void k230_venc_outbuf_detach(k_u32 chn, const k230_outbuf *ob) {
  (void)chn;
  (void)ob;
}
