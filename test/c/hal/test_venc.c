/* venc: sensor-bound H.264/H.265 streams checked by ffmpeg/ffprobe, pack semantics, pts,
 * stamped counters, back-pressure, IDR requests, JPEG, errors. */
#include "check.h"
#include "base/errors.h"
#include "hal/sensor.h"
#include "hal/venc.h"

#define W 320
#define H 240
#define FPS 30

static int nal_type(int h265, uint8_t b) { return h265 ? (b >> 1) & 0x3f : b & 0x1f; }

/* Every NAL in the pack is a parameter set. */
static int header_only_params(int h265, const uint8_t *d, uint32_t len) {
  int n = 0;
  for (uint32_t i = 0; i + 3 < len; i++) {
    if (d[i] || d[i + 1] || d[i + 2] != 1) continue;
    int t = nal_type(h265, d[i + 3]);
    if (h265 ? (t < 32 || t > 34) : (t != 7 && t != 8)) return 0;
    n++;
  }
  return n >= (h265 ? 3 : 2);
}

static void bound_run(hal_venc_codec codec, const char *file, int frames) {
  int h265 = codec == HAL_VENC_H265;
  hal_handle sen, venc, link;
  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.width = 640, sc.height = 480, sc.fps = FPS;
  CHECK_EQ_INT(hal_sensor_open(&sc, &sen), 0);
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = W, cc.height = H;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 0, &cc), 0);
  hal_venc_config vc = HAL_VENC_CONFIG_DEFAULT;
  vc.codec = codec, vc.width = W, vc.height = H, vc.bitrate_kbps = 1500, vc.gop = 30;
  int chn = -1;
  CHECK_EQ_INT(hal_venc_create(-1, &vc, &venc, &chn), 0);
  CHECK_EQ_INT(chn, 0);
  CHECK_EQ_INT(hal_venc_start(venc), 0);
  hal_chn src = {HAL_MOD_SENSOR, 0, 0}, dst = {HAL_MOD_VENC, 0, chn};
  CHECK_EQ_INT(hal_link(&src, &dst, &link), 0);
  CHECK_EQ_INT(hal_sensor_run(sen), 0);

  FILE *out = fopen(file, "wb");
  int i_packs = 0, bad_order = 0, bad_hdr = 0;
  uint64_t *pts = calloc((size_t)frames, sizeof *pts);
  for (int k = 0; k < frames; k++) {
    hal_venc_stream *st = NULL;
    int rc = hal_venc_get_stream(venc, &st, 2000);
    CHECK_EQ_INT(rc, 0);
    if (rc) break;
    pts[k] = st->pack[0].pts_us;
    for (uint32_t p = 0; p < st->pack_cnt; p++) {
      const hal_venc_pack *pk = &st->pack[p];
      fwrite(pk->data, 1, pk->len, out);
      if (pk->pts_us != pts[k]) bad_order++; /* every pack of a picture carries its pts */
      if (pk->type == HAL_VENC_PACK_HEADER && !header_only_params(h265, pk->data, pk->len)) bad_hdr++;
      if (pk->type == HAL_VENC_PACK_I) i_packs++;
    }
    int key = k % 30 == 0;
    if (key) {
      if (!(st->pack_cnt == 2 && st->pack[0].type == HAL_VENC_PACK_HEADER && st->pack[1].type == HAL_VENC_PACK_I))
        bad_order++;
    } else if (!(st->pack_cnt == 1 && st->pack[0].type == HAL_VENC_PACK_P)) {
      bad_order++;
    }
    CHECK_EQ_INT(hal_venc_release_stream(venc, st), 0);
  }
  fclose(out);
  CHECK_EQ_INT(bad_order, 0);
  CHECK_EQ_INT(bad_hdr, 0);
  CHECK_EQ_INT(i_packs, (frames + 29) / 30);
  hal_venc_status vs;
  CHECK_EQ_INT(hal_venc_status_get(venc, &vs), 0);
  /* The sensor runs in real time: on a starved machine (sanitizers, parallel builds) the encoder
   * drops input frames as the board would. Then the stamps must still match the pts one to one. */
  if (vs.dropped_frames)
    fprintf(stderr, "note: the encoder dropped %llu frames (machine slower than real time)\n",
            (unsigned long long)vs.dropped_frames);

  /* Teardown in the K230 order; destroying a bound encoder is refused first. */
  CHECK_EQ_INT(hal_venc_destroy(venc), ERR_EBUSY);
  CHECK_EQ_INT(hal_sensor_stop(sen), 0);
  CHECK_EQ_INT(hal_unlink(link), 0);
  CHECK_EQ_INT(hal_unlink(link), ERR_ECLOSED);
  CHECK_EQ_INT(hal_venc_stop(venc), 0);
  CHECK_EQ_INT(hal_venc_destroy(venc), 0);
  CHECK_EQ_INT(hal_venc_start(venc), ERR_ECLOSED);
  CHECK_EQ_INT(hal_sensor_close(sen), 0);

  /* Peers: ffmpeg decodes with no error; ffprobe counts the frames. */
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -i %s -f null - 2>&1", file);
  char *errs = tu_output(cmd, NULL);
  CHECK(errs && errs[0] == 0);
  if (errs && errs[0]) fprintf(stderr, "ffmpeg: %s\n", errs);
  free(errs);
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
           "-of csv=p=0 %s",
           file);
  char *n = tu_output(cmd, NULL);
  CHECK_EQ_INT(n ? atoi(n) : -1, frames);
  free(n);
  /* The stamped counters come out 0, 1, 2, ... */
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -i %s -f rawvideo -pix_fmt gray -", file);
  size_t len = 0;
  char *raw = tu_output(cmd, &len);
  CHECK_EQ_INT(len, (size_t)frames * W * H);
  int bad_stamp = 0, bad_pts = 0, prev = -1;
  for (int k = 0; raw && (size_t)(k + 1) * W * H <= len; k++) {
    int stamp = hal_sim_stamp_read((uint8_t *)raw + (size_t)k * W * H, W, W, H);
    if (stamp <= prev || (!vs.dropped_frames && stamp != k)) bad_stamp++;
    if (stamp >= 0 && pts[k] != (uint64_t)stamp * 1000000 / FPS) bad_pts++;
    prev = stamp;
  }
  CHECK_EQ_INT(bad_stamp, 0);
  CHECK_EQ_INT(bad_pts, 0);
  CHECK(prev + 1 - frames <= (int)vs.dropped_frames);
  free(raw);
  free(pts);
}

static void backpressure(void) {
  hal_handle sen, venc, link;
  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.width = W, sc.height = H, sc.fps = 60;
  CHECK_EQ_INT(hal_sensor_open(&sc, &sen), 0);
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = W, cc.height = H;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 0, &cc), 0);
  hal_venc_config vc = HAL_VENC_CONFIG_DEFAULT;
  vc.width = W, vc.height = H, vc.stream_buf_cnt = 3, vc.bitrate_kbps = 800;
  CHECK_EQ_INT(hal_venc_create(1, &vc, &venc, NULL), 0);
  hal_venc_start(venc);
  hal_chn src = {HAL_MOD_SENSOR, 0, 0}, dst = {HAL_MOD_VENC, 0, 1};
  CHECK_EQ_INT(hal_link(&src, &dst, &link), 0);
  hal_sensor_run(sen);
  hal_venc_stream *held[3];
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(hal_venc_get_stream(venc, &held[i], 2000), 0);
  usleep(300000); /* ~18 frames arrive while the app holds every stream buffer */
  hal_venc_status vs;
  hal_venc_status_get(venc, &vs);
  CHECK_EQ_INT(vs.outstanding_streams, 3);
  CHECK(vs.dropped_frames >= 10);
  hal_venc_stream *more;
  CHECK_EQ_INT(hal_venc_get_stream(venc, &more, 0), ERR_ETIMEDOUT);
  CHECK_EQ_INT(hal_venc_release_stream(venc, (hal_venc_stream *)&vs), ERR_EINVAL);
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(hal_venc_release_stream(venc, held[i]), 0);
  CHECK_EQ_INT(hal_venc_release_stream(venc, held[0]), ERR_EINVAL); /* twice */
  CHECK_EQ_INT(hal_venc_get_stream(venc, &more, 2000), 0);          /* flowing again */
  CHECK_EQ_INT(hal_venc_release_stream(venc, more), 0);
  hal_copy_stats cs;
  hal_copy_stats_get(&cs);
  CHECK_EQ_INT(cs.stream_bytes_copied, 0);
  CHECK_EQ_INT(cs.frame_bytes_copied, 0);
  /* leave everything to the soft reset */
  CHECK(hal_reset_all() >= 3);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
}

static void app_frames_idr_jpeg(void) {
  hal_handle venc;
  hal_venc_config vc = HAL_VENC_CONFIG_DEFAULT;
  vc.width = W, vc.height = H, vc.gop = 100, vc.rc = HAL_VENC_RC_FIXQP, vc.p_qp = 28;
  vc.profile = HAL_VENC_PROFILE_H264_BASELINE;
  CHECK_EQ_INT(hal_venc_create(2, &vc, &venc, NULL), 0);
  tu_pic pic;
  tu_pic_init(&pic, W, H, 0);
  CHECK_EQ_INT(hal_venc_send_frame(venc, &pic.f, 100), ERR_ESTATE); /* not started */
  hal_venc_start(venc);
  for (int k = 0; k < 8; k++) {
    if (k == 5) CHECK_EQ_INT(hal_venc_request_idr(venc), 0);
    pic.f.pts_us = (uint64_t)k * 40000;
    CHECK_EQ_INT(hal_venc_send_frame(venc, &pic.f, 1000), 0);
    hal_venc_stream *st;
    CHECK_EQ_INT(hal_venc_get_stream(venc, &st, 2000), 0);
    int want_key = k == 0 || k == 5;
    CHECK_EQ_INT(st->pack_cnt, want_key ? 2 : 1);
    CHECK_EQ_INT(st->pack[0].type, want_key ? HAL_VENC_PACK_HEADER : HAL_VENC_PACK_P);
    CHECK_EQ_INT(st->pack[0].pts_us, (uint64_t)k * 40000);
    hal_venc_release_stream(venc, st);
  }
  hal_frame bad = pic.f;
  bad.width = W / 2;
  CHECK_EQ_INT(hal_venc_send_frame(venc, &bad, 0), ERR_EINVAL);
  CHECK_EQ_INT(hal_venc_destroy(venc), 0);

  vc = (hal_venc_config)HAL_VENC_CONFIG_DEFAULT;
  vc.codec = HAL_VENC_JPEG, vc.width = W, vc.height = H, vc.jpeg_quality = 80;
  CHECK_EQ_INT(hal_venc_create(3, &vc, &venc, NULL), 0);
  hal_venc_start(venc);
  CHECK_EQ_INT(hal_venc_send_frame(venc, &pic.f, 1000), 0);
  hal_venc_stream *st;
  CHECK_EQ_INT(hal_venc_get_stream(venc, &st, 2000), 0);
  CHECK_EQ_INT(st->pack_cnt, 1);
  CHECK_EQ_INT(st->pack[0].type, HAL_VENC_PACK_I);
  CHECK(st->pack[0].len > 100 && st->pack[0].data[0] == 0xff && st->pack[0].data[1] == 0xd8);
  FILE *f = fopen(tu_path("x.jpg"), "wb");
  fwrite(st->pack[0].data, 1, st->pack[0].len, f);
  fclose(f);
  hal_venc_release_stream(venc, st);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries stream=codec_name,width -of csv=p=0 %s", tu_path("x.jpg"));
  char *o = tu_output(cmd, NULL);
  CHECK(o && strncmp(o, "mjpeg,320", 9) == 0);
  free(o);
  hal_venc_stop(venc);
  CHECK_EQ_INT(hal_venc_get_stream(venc, &st, 100), ERR_ESTATE);
  CHECK_EQ_INT(hal_venc_destroy(venc), 0);
  tu_pic_free(&pic);
}

static void errors(void) {
  hal_handle venc, sen, link;
  hal_venc_config vc = HAL_VENC_CONFIG_DEFAULT;
  vc.width = W, vc.height = H;
  vc.codec = (hal_venc_codec)7;
  CHECK_EQ_INT(hal_venc_create(0, &vc, &venc, NULL), ERR_ENOTSUP);
  vc.codec = HAL_VENC_H265, vc.profile = HAL_VENC_PROFILE_H264_HIGH;
  CHECK_EQ_INT(hal_venc_create(0, &vc, &venc, NULL), ERR_ENOTSUP);
  vc = (hal_venc_config)HAL_VENC_CONFIG_DEFAULT;
  vc.width = 100, vc.height = H;
  CHECK_EQ_INT(hal_venc_create(0, &vc, &venc, NULL), ERR_EINVAL);
  vc.width = W;
  CHECK_EQ_INT(hal_venc_create(4, &vc, &venc, NULL), ERR_EINVAL);
  CHECK_EQ_INT(hal_venc_create(0, &vc, &venc, NULL), 0);
  hal_handle v2;
  CHECK_EQ_INT(hal_venc_create(0, &vc, &v2, NULL), ERR_EBUSY);
  CHECK_EQ_INT(hal_venc_start(0), ERR_EINVAL);
  CHECK_EQ_INT(hal_venc_start(0x12345678), ERR_EINVAL);

  hal_sensor_config sc = HAL_SENSOR_CONFIG_DEFAULT;
  sc.width = 640, sc.height = 480;
  CHECK_EQ_INT(hal_sensor_open(&sc, &sen), 0);
  CHECK_EQ_INT(hal_venc_start(sen), ERR_EINVAL); /* wrong kind of handle */
  hal_sensor_chn_config cc = HAL_SENSOR_CHN_CONFIG_DEFAULT;
  cc.width = W, cc.height = H, cc.format = HAL_PIXFMT_RGB888;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 1, &cc), 0);
  cc.format = HAL_PIXFMT_NV12, cc.width = 640, cc.height = 480;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 0, &cc), 0);
  hal_chn s0 = {HAL_MOD_SENSOR, 0, 0}, s1 = {HAL_MOD_SENSOR, 0, 1}, s2 = {HAL_MOD_SENSOR, 0, 2};
  hal_chn v0 = {HAL_MOD_VENC, 0, 0}, v3 = {HAL_MOD_VENC, 0, 3};
  CHECK_EQ_INT(hal_link(&s1, &v0, &link), ERR_EINVAL); /* RGB888 into the encoder */
  CHECK_EQ_INT(hal_link(&s0, &v0, &link), ERR_EINVAL); /* 640x480 into a 320x240 encoder */
  CHECK_EQ_INT(hal_link(&s2, &v0, &link), ERR_EINVAL); /* channel not enabled */
  CHECK_EQ_INT(hal_link(&s1, &v3, &link), ERR_ENODEV); /* no encoder on chn 3 */
  CHECK_EQ_INT(hal_link(&v0, &s0, &link), ERR_EINVAL); /* sink -> source */
  cc.width = W, cc.height = H;
  CHECK_EQ_INT(hal_sensor_chn_config_set(sen, 0, &cc), 0);
  CHECK_EQ_INT(hal_link(&s0, &v0, &link), 0);
  hal_handle l2;
  CHECK_EQ_INT(hal_link(&s0, &v0, &l2), ERR_EBUSY);
  CHECK_EQ_INT(hal_sensor_close(sen), ERR_EBUSY);
  CHECK_EQ_INT(hal_unlink(link), 0);
  CHECK_EQ_INT(hal_sensor_close(sen), 0);
  CHECK_EQ_INT(hal_sensor_close(sen), ERR_ECLOSED);
  CHECK_EQ_INT(hal_venc_destroy(venc), 0);
  hal_venc_stream *st;
  CHECK_EQ_INT(hal_venc_get_stream(venc, &st, 0), ERR_ECLOSED);
}

int main(void) {
  setenv("K230JS_SIM_SENSOR", "pattern", 1);
  bound_run(HAL_VENC_H264, tu_path("x.264"), 65);
  bound_run(HAL_VENC_H265, tu_path("x.265"), 35);
  backpressure();
  app_frames_idr_jpeg();
  errors();
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
