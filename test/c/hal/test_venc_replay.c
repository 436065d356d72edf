/* venc on builds without FFmpeg: replays an Annex-B file (K230JS_SIM_VENC_REPLAY) one access
 * unit per input frame, split by libs/media's splitter, with the HEADER / I / P pack semantics
 * of the real encoder, looping, and an IDR request restarting the file. */
#include <stdlib.h>

#include "check.h"
#include "base/errors.h"
#include "hal/venc.h"

/* Three access units: SPS PPS IDR | P | P (slice payloads made up; first_mb_in_slice = 0). */
static const uint8_t k_sps[] = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x0d, 0xda};
static const uint8_t k_pps[] = {0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
static const uint8_t k_idr[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0x43};
static const uint8_t k_p1[] = {0, 0, 0, 1, 0x41, 0x9a, 0x01, 0x02};
static const uint8_t k_p2[] = {0, 0, 1, 0x41, 0x9a, 0x03, 0x04, 0x05};

static int pack_is(const hal_venc_pack *p, hal_venc_pack_type t, const uint8_t *a, size_t na, const uint8_t *b,
                   size_t nb) {
  return p->type == t && p->len == na + nb && memcmp(p->data, a, na) == 0 && (!nb || memcmp(p->data + na, b, nb) == 0);
}

int main(void) {
  const char *file = tu_path("replay.264");
  FILE *f = fopen(file, "wb");
  CHECK(f != NULL);
  fwrite(k_sps, 1, sizeof k_sps, f);
  fwrite(k_pps, 1, sizeof k_pps, f);
  fwrite(k_idr, 1, sizeof k_idr, f);
  fwrite(k_p1, 1, sizeof k_p1, f);
  fwrite(k_p2, 1, sizeof k_p2, f);
  fclose(f);

  hal_venc_config cfg = HAL_VENC_CONFIG_DEFAULT;
  cfg.width = 320, cfg.height = 240;
  hal_handle v;
  unsetenv("K230JS_SIM_VENC_REPLAY");
  CHECK_EQ_INT(hal_venc_create(-1, &cfg, &v, NULL), ERR_ENOTSUP);
  setenv("K230JS_SIM_VENC_REPLAY", file, 1);
  CHECK_EQ_INT(hal_venc_create(-1, &cfg, &v, NULL), 0);
  CHECK_EQ_INT(hal_venc_start(v), 0);

  tu_pic pic;
  tu_pic_init(&pic, 320, 240, 0);
  /* 4 frames: the file's 3 units, then it loops; then an IDR request restarts it. */
  for (int k = 0; k < 6; k++) {
    if (k == 5) CHECK_EQ_INT(hal_venc_request_idr(v), 0);
    pic.f.pts_us = (uint64_t)k * 33333;
    CHECK_EQ_INT(hal_venc_send_frame(v, &pic.f, 1000), 0);
    hal_venc_stream *st;
    CHECK_EQ_INT(hal_venc_get_stream(v, &st, 2000), 0);
    int unit = k == 5 ? 0 : k % 3;
    if (unit == 0) {
      CHECK_EQ_INT(st->pack_cnt, 2);
      CHECK(pack_is(&st->pack[0], HAL_VENC_PACK_HEADER, k_sps, sizeof k_sps, k_pps, sizeof k_pps));
      CHECK(pack_is(&st->pack[1], HAL_VENC_PACK_I, k_idr, sizeof k_idr, NULL, 0));
    } else {
      CHECK_EQ_INT(st->pack_cnt, 1);
      CHECK(pack_is(&st->pack[0], HAL_VENC_PACK_P, unit == 1 ? k_p1 : k_p2, unit == 1 ? sizeof k_p1 : sizeof k_p2, NULL,
                    0));
    }
    for (uint32_t i = 0; i < st->pack_cnt; i++) CHECK_EQ_INT(st->pack[i].pts_us, (uint64_t)k * 33333);
    CHECK_EQ_INT(hal_venc_release_stream(v, st), 0);
  }
  tu_pic_free(&pic);
  CHECK_EQ_INT(hal_venc_destroy(v), 0);

  /* A file with no access unit in it. */
  f = fopen(file, "wb");
  fputs("not a video stream", f);
  fclose(f);
  CHECK_EQ_INT(hal_venc_create(-1, &cfg, &v, NULL), ERR_EBADDATA);
  return CHECK_DONE();
}
