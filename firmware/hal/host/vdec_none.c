/* Decoder backend for builds without FFmpeg: there is no decoder. */
#include "internal.h"

int vdec_codec_open(hal_vdec_codec codec, vdec_codec **out) { return ERR_ENOTSUP; }
int vdec_codec_send(vdec_codec *c, const uint8_t *data, size_t len, uint64_t pts_us, vdec_emit_fn emit, void *arg) {
  return 0;
}
void vdec_codec_close(vdec_codec *c) {}
