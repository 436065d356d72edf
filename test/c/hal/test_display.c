/* display: modes per type, layers, show_image on video and OSD, composition read back through
 * writeback, PNG sink readable by ffprobe, the browser live view over HTTP. Needs no codec. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "check.h"
#include "hal/display.h"
#include "base/errors.h"

static int frames_hook;
static void on_frame(void *user, const hal_frame *s) { frames_hook++; }

static void wait_composed(hal_handle d, uint64_t n) {
  hal_display_info di;
  for (int i = 0; i < 300; i++) {
    hal_display_info_get(d, &di);
    if (di.frames_composed >= n) return;
    usleep(5000);
  }
}

/* One HTTP/1.0 GET to 127.0.0.1:port; the whole response (malloc'd) and its size. */
static char *http_get(int port, const char *path, size_t *len) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
    if (fd >= 0) close(fd);
    return NULL;
  }
  char req[256];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
  if (write(fd, req, (size_t)n) != n) abort();
  size_t cap = 1 << 16, got = 0;
  char *buf = malloc(cap + 1);
  for (ssize_t r; (r = read(fd, buf + got, cap - got)) > 0;) {
    got += (size_t)r;
    if (got == cap) buf = realloc(buf, (cap *= 2) + 1);
  }
  close(fd);
  buf[got] = 0;
  *len = got;
  return buf;
}

/* http:PORT serves the composed screen as PNG to a browser, on loopback only. */
static void live_view(void) {
  int port = 20000 + (int)(getpid() % 20000);
  char spec[32];
  snprintf(spec, sizeof spec, "http:%d", port);
  setenv("K230JS_SIM_DISPLAY", spec, 1);
  hal_display_config c = HAL_DISPLAY_CONFIG_DEFAULT;
  c.width = 320, c.height = 240;
  hal_handle d;
  CHECK_EQ_INT(hal_display_init(&c, &d), 0);
  size_t len;
  char *r = http_get(port, "/frame.png", &len);
  CHECK(r && strncmp(r, "HTTP/1.1 503", 12) == 0); /* nothing composed yet */
  free(r);
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_VIDEO1, &lc), 0);
  tu_pic pic;
  tu_pic_init(&pic, 320, 240, 77);
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_VIDEO1, &pic.f), 0);
  wait_composed(d, 1);
  r = http_get(port, "/", &len);
  /* The page (liveview.html) fetches `frame` at the display's rate: 1000 / 90 fps = 11 ms. */
  CHECK(r && strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "text/html") && strstr(r, "'frame?'") &&
        strstr(r, "every = 11,") && !strstr(r, "@INTERVAL@"));
  free(r);
  r = http_get(port, "/frame?t=1", &len);
  char *body = r ? strstr(r, "\r\n\r\n") : NULL;
  CHECK(body && strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "Content-Type: image/png"));
  if (body) {
    body += 4;
    size_t blen = len - (size_t)(body - r);
    FILE *f = fopen(tu_path("live.png"), "wb");
    fwrite(body, 1, blen, f);
    fclose(f);
    char cmd[700];
    /* ffmpeg decodes what the browser gets; the stamp survives (lossless PNG of the screen). */
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -i %s -f rawvideo -pix_fmt gray -", tu_path("live.png"));
    size_t glen = 0;
    char *gray = tu_output(cmd, &glen);
    CHECK_EQ_INT(glen, 320 * 240);
    if (gray && glen == 320 * 240) CHECK(hal_sim_stamp_read((uint8_t *)gray, 320, 320, 240) == 77);
    free(gray);
  }
  free(r);
  r = http_get(port, "/secret", &len);
  CHECK(r && strncmp(r, "HTTP/1.1 404", 12) == 0);
  free(r);
  /* The port is taken while the view runs: a second display could not serve. */
  hal_handle d2;
  CHECK_EQ_INT(hal_display_init(&c, &d2), ERR_EBUSY);
  CHECK_EQ_INT(hal_display_deinit(d), 0);
  tu_pic_free(&pic);
  CHECK(http_get(port, "/", &len) == NULL); /* gone with the display */
  setenv("K230JS_SIM_DISPLAY", "http:99999", 1);
  CHECK_EQ_INT(hal_display_init(&c, &d), ERR_EINVAL);
  unsetenv("K230JS_SIM_DISPLAY");
}

/* A layer disabled while the display thread composes it: the thread composes what it took under
 * the lock, never a picture taken away meanwhile (it crashed the Player's stop on a loaded host). */
static void disable_while_composing(void) {
  hal_handle d;
  hal_display_config c = HAL_DISPLAY_CONFIG_DEFAULT;
  c.type = HAL_DISPLAY_LT9611; /* 1920x1080: long compositions, a wide window */
  CHECK_EQ_INT(hal_display_init(&c, &d), 0);
  tu_pic pic;
  tu_pic_init(&pic, 1920, 1080, 1);
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  int shown = 0;
  for (int i = 0; i < 300; i++) {
    CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_VIDEO1, &lc), 0);
    shown += hal_display_show(d, HAL_LAYER_VIDEO1, &pic.f) == 0;
    usleep((useconds_t)(i % 7) * 500); /* land the disable anywhere in a composition */
    CHECK_EQ_INT(hal_display_layer_disable(d, HAL_LAYER_VIDEO1), 0);
  }
  CHECK(shown > 0);
  CHECK_EQ_INT(hal_display_deinit(d), 0);
  tu_pic_free(&pic);
}

int main(void) {
  live_view();
  disable_while_composing();
  hal_handle d;
  hal_display_config c = HAL_DISPLAY_CONFIG_DEFAULT;
  c.type = HAL_DISPLAY_LT9611, c.width = 1280, c.height = 720, c.fps = 25;
  CHECK_EQ_INT(hal_display_init(&c, &d), ERR_EINVAL);
  c.type = HAL_DISPLAY_ST7701, c.width = 1920, c.height = 1080, c.fps = 0;
  CHECK_EQ_INT(hal_display_init(&c, &d), ERR_EINVAL);
  c.type = (hal_display_type)1;
  CHECK_EQ_INT(hal_display_init(&c, &d), ERR_ENOTSUP);
  c = (hal_display_config)HAL_DISPLAY_CONFIG_DEFAULT;
  c.type = HAL_DISPLAY_LT9611;
  CHECK_EQ_INT(hal_display_init(&c, &d), 0);
  hal_display_info di;
  hal_display_info_get(d, &di);
  CHECK(di.width == 1920 && di.height == 1080 && di.fps == 30);
  hal_handle d2;
  CHECK_EQ_INT(hal_display_init(&c, &d2), ERR_EBUSY);
  CHECK_EQ_INT(hal_display_deinit(d), 0);

  char spec[600];
  const char *dir = tu_path("png");
  mkdir(dir, 0755);
  snprintf(spec, sizeof spec, "png:%s", dir);
  setenv("K230JS_SIM_DISPLAY", spec, 1);
  c = (hal_display_config)HAL_DISPLAY_CONFIG_DEFAULT; /* VIRT 640x480 */
  CHECK_EQ_INT(hal_display_init(&c, &d), 0);
  hal_display_set_frame_cb(d, on_frame, NULL);
  hal_frame *wb;
  CHECK_EQ_INT(hal_display_writeback(d, &wb), ERR_EAGAIN);
  hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  lc.format = HAL_PIXFMT_ARGB8888;
  CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_VIDEO1, &lc), ERR_EINVAL);
  CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_OSD1, &lc), ERR_EINVAL); /* osd_num 1 */
  lc.x = 100, lc.y = 100, lc.width = 64, lc.height = 64, lc.alpha = 255;
  CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_OSD0, &lc), 0);
  lc = (hal_display_layer_config)HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
  CHECK_EQ_INT(hal_display_layer_set(d, HAL_LAYER_VIDEO1, &lc), 0); /* full screen */

  tu_pic pic;
  tu_pic_init(&pic, 640, 480, 1234);
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_VIDEO2, &pic.f), ERR_ESTATE); /* not enabled */
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_OSD0, &pic.f), ERR_EINVAL);   /* NV12 on OSD */
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_VIDEO1, &pic.f), 0);
  /* a 32x32 opaque red ARGB image scaled into the 64x64 OSD rectangle */
  uint8_t argb[32 * 32 * 4];
  for (int i = 0; i < 32 * 32; i++) argb[i * 4] = 0, argb[i * 4 + 1] = 0, argb[i * 4 + 2] = 255, argb[i * 4 + 3] = 255;
  hal_frame img = {.width = 32, .height = 32, .format = HAL_PIXFMT_ARGB8888, .stride = {128}, .data = {argb}};
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_OSD0, &img), 0);
  wait_composed(d, 2);
  CHECK_EQ_INT(hal_display_writeback(d, &wb), 0);
  CHECK_EQ_INT(hal_sim_stamp_read(wb->data[0], wb->stride[0], 640, 480), 1234);
  uint8_t r, g, b;
  const uint8_t *uv = wb->data[1] + (130 / 2) * wb->stride[1] + 130;
  extern void pix_yuv_to_rgb(int, int, int, uint8_t *, uint8_t *, uint8_t *);
  pix_yuv_to_rgb(wb->data[0][130 * wb->stride[0] + 130], uv[0], uv[1], &r, &g, &b);
  CHECK(r > 200 && g < 60 && b < 60);                  /* the OSD square is red */
  CHECK(wb->data[0][300 * wb->stride[0] + 300] != 81); /* outside: the video picture */
  hal_frame_release(wb);
  CHECK(frames_hook >= 2);
  CHECK_EQ_INT(hal_display_layer_disable(d, HAL_LAYER_OSD0), 0);
  CHECK_EQ_INT(hal_display_deinit(d), 0);
  CHECK_EQ_INT(hal_display_show(d, HAL_LAYER_VIDEO1, &pic.f), ERR_ECLOSED);
  tu_pic_free(&pic);
  unsetenv("K230JS_SIM_DISPLAY");
  char cmd[700];
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 %s/frame-000001.png", dir);
  char *o = tu_output(cmd, NULL);
  CHECK(o && strncmp(o, "png,640,480", 11) == 0);
  free(o);
  hal_registry_stats rs;
  hal_registry_stats_get(&rs);
  CHECK_EQ_INT(rs.total, 0);
  return CHECK_DONE();
}
