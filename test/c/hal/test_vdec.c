/* vdec: whole vs 40 KB chunks give identical frames equal to ffmpeg's decode; vdec -> display
 * shows the source (Y4M sink, PSNR against ffmpeg); frame mode on venc output; H.265; garbage
 * and misuse give codes, not crashes. */
#include <sys/stat.h>

#include "check.h"
#include "hal/display.h"
#include "base/errors.h"
#include "hal/vdec.h"
#include "hal/venc.h"

#define W 640
#define H 360
#define N 60

/* Decode `buf` sent in `chunk`-byte pieces; returns all frames (NV12, tight) concatenated. */
static uint8_t *decode(hal_vdec_codec codec, const uint8_t *buf, size_t len, size_t chunk, int *nframes) {
  hal_handle d;
  hal_vdec_config c = HAL_VDEC_CONFIG_DEFAULT;
  c.codec = codec;
  CHECK_EQ_INT(hal_vdec_create(-1, &c, &d, NULL), 0);
  CHECK_EQ_INT(hal_vdec_send_stream(d, buf, 100, 0, 0, 0), ERR_ESTATE); /* not started */
  CHECK_EQ_INT(hal_vdec_start(d), 0);
  size_t fsz = (size_t)W * H * 3 / 2, cap = 8, n = 0;
  uint8_t *out = malloc(cap * fsz);
  size_t off = 0;
  int eos_sent = 0;
  for (;;) {
    if (!eos_sent) {
      size_t k = len - off < chunk ? len - off : chunk;
      int eos = off + k == len;
      /* short timeout: the decoder may wait for us to take frames */
      int rc = hal_vdec_send_stream(d, buf + off, k, 0, eos, 10);
      if (rc == 0) {
        off += k;
        eos_sent = eos;
      } else {
        CHECK_EQ_INT(rc, ERR_ETIMEDOUT);
      }
    }
    hal_frame *f;
    int rc = hal_vdec_get_frame(d, &f, eos_sent ? 2000 : 0);
    if (rc == ERR_ESTATE) break;
    if (rc == ERR_ETIMEDOUT) {
      if (eos_sent) CHECK(0);
      if (eos_sent) break;
      continue;
    }
    CHECK_EQ_INT(rc, 0);
    if (rc) break;
    CHECK_EQ_INT(f->width, W);
    CHECK_EQ_INT(f->height, H);
    if (n == cap) out = realloc(out, (cap *= 2) * fsz);
    memcpy(out + n * fsz, f->data[0], (size_t)W * H);
    memcpy(out + n * fsz + (size_t)W * H, f->data[1], (size_t)W * H / 2);
    n++;
    hal_frame_release(f);
  }
  hal_vdec_status st;
  CHECK_EQ_INT(hal_vdec_status_get(d, &st), 0);
  CHECK_EQ_INT(st.end_of_stream, 1);
  CHECK_EQ_INT(st.frames_decoded, n);
  CHECK_EQ_INT(st.errors, 0);
  CHECK_EQ_INT(st.bytes_in, len);
  CHECK_EQ_INT(hal_vdec_send_stream(d, buf, 10, 0, 0, 0), ERR_ESTATE); /* after eos */
  CHECK_EQ_INT(hal_vdec_destroy(d), 0);
  CHECK_EQ_INT(hal_vdec_destroy(d), ERR_ECLOSED);
  *nframes = (int)n;
  return out;
}

static void stream_mode(void) {
  const char *file = tu_path("src.264");
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=%dx%d:rate=30 -frames:v %d -c:v libx264 "
           "-preset veryfast -g 20 -bf 2 -pix_fmt yuv420p -y %s",
           W, H, N, file);
  CHECK_EQ_INT(system(cmd), 0);
  size_t len = 0;
  uint8_t *buf = tu_read(file, &len);
  CHECK(buf && len > 3 * 40960);
  int n_whole = 0, n_chunk = 0, n_tiny = 0;
  uint8_t *whole = decode(HAL_VDEC_H264, buf, len, len, &n_whole);
  uint8_t *chunked = decode(HAL_VDEC_H264, buf, len, 40960, &n_chunk);
  uint8_t *tiny = decode(HAL_VDEC_H264, buf, len, 777, &n_tiny);
  size_t fsz = (size_t)W * H * 3 / 2;
  CHECK_EQ_INT(n_whole, N);
  CHECK_EQ_INT(n_chunk, N);
  CHECK_EQ_INT(n_tiny, N);
  CHECK(n_whole == n_chunk && memcmp(whole, chunked, fsz * (size_t)N) == 0);
  CHECK(n_whole == n_tiny && memcmp(whole, tiny, fsz * (size_t)N) == 0);
  /* against ffmpeg's own decode */
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -i %s -f rawvideo -pix_fmt nv12 -", file);
  size_t rlen = 0;
  char *ref = tu_output(cmd, &rlen);
  CHECK_EQ_INT(rlen, fsz * N);
  double worst = 99;
  for (int k = 0; k < N && rlen == fsz * N; k++) {
    double p = tu_psnr(whole + k * fsz, (uint8_t *)ref + k * fsz, fsz);
    if (p < worst) worst = p;
  }
  printf("vdec vs ffmpeg: worst PSNR %.1f dB over %d frames\n", worst, N);
  CHECK(worst > 35);
  free(whole);
  free(chunked);
  free(tiny);

  /* vdec bound to the display: every decoded frame is composed and written to the Y4M sink. */
  const char *y4m = tu_path("shown.y4m");
  const char *pngdir = tu_path("png");
  mkdir(pngdir, 0755);
  snprintf(cmd, sizeof cmd, "y4m:%s+png:%s:30", y4m, pngdir);
  setenv("K230JS_SIM_DISPLAY", cmd, 1);
  hal_handle disp, d, link;
  hal_display_config dc = HAL_DISPLAY_CONFIG_DEFAULT;
  dc.width = W, dc.height = H, dc.fps = 30;
  CHECK_EQ_INT(hal_display_init(&dc, &disp), 0);
  hal_vdec_config vc = HAL_VDEC_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_vdec_create(2, &vc, &d, NULL), 0);
  hal_bind_info bi;
  CHECK_EQ_INT(hal_vdec_bind_info(d, 0, 0, W, H, &bi), 0);
  hal_chn dst = {HAL_MOD_DISPLAY, 0, HAL_LAYER_VIDEO1};
  hal_chn osd = {HAL_MOD_DISPLAY, 0, HAL_LAYER_OSD0};
  CHECK_EQ_INT(hal_link(&bi.src, &osd, &link), ERR_EINVAL); /* NV12 onto an OSD layer */
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  lc.width = W, lc.height = H;
  CHECK_EQ_INT(hal_display_layer_set(disp, HAL_LAYER_VIDEO1, &lc), 0);
  CHECK_EQ_INT(hal_link(&bi.src, &dst, &link), 0);
  hal_vdec_start(d);
  for (size_t off = 0; off < len;) {
    size_t k = len - off < 40960 ? len - off : 40960;
    CHECK_EQ_INT(hal_vdec_send_stream(d, buf + off, k, 0, off + k == len, -1), 0);
    off += k;
  }
  hal_frame *f;
  CHECK_EQ_INT(hal_vdec_get_frame(d, &f, 0), ERR_EBUSY);
  hal_display_info di;
  for (int i = 0; i < 500; i++) {
    hal_display_info_get(disp, &di);
    if (di.frames_composed >= N) break;
    usleep(10000);
  }
  CHECK_EQ_INT(di.frames_composed, N);
  hal_frame *wb;
  CHECK_EQ_INT(hal_display_writeback(disp, &wb), 0);
  CHECK_EQ_INT(wb->width, W);
  hal_frame_release(wb);
  CHECK_EQ_INT(hal_display_deinit(disp), ERR_EBUSY);
  CHECK_EQ_INT(hal_unlink(link), 0);
  CHECK_EQ_INT(hal_vdec_destroy(d), 0);
  CHECK_EQ_INT(hal_display_deinit(disp), 0);
  unsetenv("K230JS_SIM_DISPLAY");
  /* The Y4M is what the panel showed: compare each picture with ffmpeg's decode. */
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -i %s -f rawvideo -pix_fmt nv12 -", y4m);
  size_t slen = 0;
  char *shown = tu_output(cmd, &slen);
  CHECK_EQ_INT(slen, fsz * N);
  worst = 99;
  for (int k = 0; k < N && slen == rlen; k++) {
    double p = tu_psnr((uint8_t *)shown + k * fsz, (uint8_t *)ref + k * fsz, fsz);
    if (p < worst) worst = p;
  }
  printf("display vs ffmpeg: worst PSNR %.1f dB over %d frames\n", worst, N);
  CHECK(worst > 35);
  free(shown);
  free(ref);
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 %s/frame-000030.png", pngdir);
  char *o = tu_output(cmd, NULL);
  CHECK(o && strncmp(o, "png,640,360", 11) == 0);
  free(o);
  free(buf);
}

/* Frame mode: each venc stream (HEADER + I, or P) is one access unit. */
static void frame_mode_from_venc(void) {
  hal_handle e, d;
  hal_venc_config ec = HAL_VENC_CONFIG_DEFAULT;
  ec.width = 320, ec.height = 240, ec.gop = 5, ec.bitrate_kbps = 2000;
  CHECK_EQ_INT(hal_venc_create(-1, &ec, &e, NULL), 0);
  hal_venc_start(e);
  hal_vdec_config dc = HAL_VDEC_CONFIG_DEFAULT;
  dc.mode = HAL_VDEC_MODE_FRAME;
  CHECK_EQ_INT(hal_vdec_create(-1, &dc, &d, NULL), 0);
  hal_vdec_start(d);
  tu_pic pic;
  int bad = 0;
  for (int k = 0; k < 12; k++) {
    tu_pic_init(&pic, 320, 240, (uint32_t)k * 7);
    pic.f.pts_us = (uint64_t)k * 1000;
    CHECK_EQ_INT(hal_venc_send_frame(e, &pic.f, 1000), 0);
    tu_pic_free(&pic);
    hal_venc_stream *st;
    CHECK_EQ_INT(hal_venc_get_stream(e, &st, 2000), 0);
    uint8_t au[65536];
    size_t n = 0;
    for (uint32_t p = 0; p < st->pack_cnt; p++) {
      memcpy(au + n, st->pack[p].data, st->pack[p].len);
      n += st->pack[p].len;
    }
    hal_venc_release_stream(e, st);
    CHECK_EQ_INT(hal_vdec_send_stream(d, au, n, (uint64_t)k * 1000, 0, 1000), 0);
    hal_frame *f;
    CHECK_EQ_INT(hal_vdec_get_frame(d, &f, 2000), 0);
    if (hal_sim_stamp_read(f->data[0], f->stride[0], f->width, f->height) != k * 7) bad++;
    CHECK_EQ_INT(f->pts_us, (uint64_t)k * 1000);
    hal_frame_release(f);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(hal_vdec_send_stream(d, NULL, 0, 0, 1, 1000), 0);
  hal_frame *f;
  CHECK_EQ_INT(hal_vdec_get_frame(d, &f, 2000), ERR_ESTATE);
  /* restart after eos */
  CHECK_EQ_INT(hal_vdec_start(d), 0);
  hal_vdec_status st;
  hal_vdec_status_get(d, &st);
  CHECK_EQ_INT(st.end_of_stream, 0);
  hal_venc_destroy(e);
  hal_vdec_destroy(d);
}

static void h265(void) {
  const char *file = tu_path("src.265");
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=%dx%d:rate=30 -frames:v 20 -c:v libx265 "
           "-x265-params log-level=error -preset ultrafast -pix_fmt yuv420p -y %s",
           W, H, file);
  CHECK_EQ_INT(system(cmd), 0);
  size_t len = 0;
  uint8_t *buf = tu_read(file, &len);
  int n = 0;
  uint8_t *fr = decode(HAL_VDEC_H265, buf, len, 40960, &n);
  CHECK_EQ_INT(n, 20);
  free(fr);
  free(buf);
}

static void garbage(void) {
  hal_handle d;
  hal_vdec_config c = HAL_VDEC_CONFIG_DEFAULT;
  c.codec = (hal_vdec_codec)9;
  CHECK_EQ_INT(hal_vdec_create(0, &c, &d, NULL), ERR_ENOTSUP);
  c.codec = HAL_VDEC_H264;
  c.max_width = 7;
  CHECK_EQ_INT(hal_vdec_create(0, &c, &d, NULL), ERR_EINVAL);
  c.max_width = 1920;
  for (int variant = 0; variant < 2; variant++) {
    CHECK_EQ_INT(hal_vdec_create(0, &c, &d, NULL), 0);
    hal_vdec_start(d);
    uint8_t junk[100000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
      x = x * 1103515245 + 12345;
      junk[i] = (uint8_t)(x >> 16);
    }
    if (variant == 1) /* start codes with slice/SPS NAL headers in front of noise */
      for (size_t i = 0; i + 5 < sizeof junk; i += 997) {
        junk[i] = 0, junk[i + 1] = 0, junk[i + 2] = 1, junk[i + 3] = (i / 997) % 2 ? 0x65 : 0x67;
      }
    for (size_t off = 0; off < sizeof junk; off += 40960) {
      size_t k = sizeof junk - off < 40960 ? sizeof junk - off : 40960;
      CHECK_EQ_INT(hal_vdec_send_stream(d, junk + off, k, 0, off + k == sizeof junk, 2000), 0);
    }
    hal_frame *f;
    int rc;
    int got = 0;
    while ((rc = hal_vdec_get_frame(d, &f, 3000)) == 0) {
      got++;
      hal_frame_release(f);
    }
    CHECK_EQ_INT(rc, ERR_ESTATE);
    hal_vdec_status st;
    hal_vdec_status_get(d, &st);
    CHECK(st.errors > 0);
    CHECK_EQ_INT(st.frames_decoded, got);
    CHECK_EQ_INT(hal_vdec_destroy(d), 0);
  }
}

int main(void) {
  stream_mode();
  frame_mode_from_venc();
  h265();
  garbage();
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
