/* The simulator's display sinks (K230JS_SIM_DISPLAY, hal/display.h): PNG snapshots, a Y4M file
 * and the browser live view. hal/host's display and the MPP double's VO (test/mpp-double) both
 * hand their screens here, so the same option shows either one. */
#include <stdio.h>
#include <string.h>

#include "hal/clock.h"
#include "hal_sim.h"
#include "internal.h"

struct sim_display_sinks {
  uint32_t width, height;
  FILE *y4m;
  char png_dir[512];
  uint32_t png_every;
  uint8_t *rgb; /* PNG scratch */
  liveview *live;
};

static int parse(sim_display_sinks *s, uint32_t fps, hal_frame *(*latest)(void *user), void *user) {
  const char *env = getenv("K230JS_SIM_DISPLAY");
  if (!env || !*env) return 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", env);
  char *save = NULL;
  for (char *tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
    if (strcmp(tok, "none") == 0) continue;
    if (strncmp(tok, "y4m:", 4) == 0) {
      s->y4m = fopen(tok + 4, "wb");
      if (!s->y4m) return ERR_ENOENT;
      fprintf(s->y4m, "YUV4MPEG2 W%u H%u F%u:1 Ip A1:1 C420mpeg2\n", s->width, s->height, fps);
    } else if (strncmp(tok, "http:", 5) == 0) {
      char *end;
      unsigned long port = strtoul(tok + 5, &end, 10);
      if (*end || port < 1 || port > 65535 || s->live) return ERR_EINVAL;
      int rc = liveview_start((uint16_t)port, fps, latest, user, &s->live);
      if (rc) return rc;
      fprintf(stderr, "k230js: display live view on http://127.0.0.1:%lu/\n", port);
    } else if (strncmp(tok, "png:", 4) == 0) {
      char *dir = tok + 4, *every = strrchr(dir, ':');
      s->png_every = 1;
      if (every) {
        *every = 0;
        s->png_every = (uint32_t)strtoul(every + 1, NULL, 10);
        if (!s->png_every) s->png_every = 1;
      }
      snprintf(s->png_dir, sizeof s->png_dir, "%s", dir);
      s->rgb = malloc((size_t)s->width * s->height * 3);
      if (!s->rgb) return ERR_ENOMEM;
    } else {
      return ERR_EINVAL;
    }
  }
  return 0;
}

int sim_display_sinks_open(uint32_t width, uint32_t height, uint32_t fps, hal_frame *(*latest)(void *user), void *user,
                           sim_display_sinks **out) {
  sim_display_sinks *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->width = width;
  s->height = height;
  int rc = parse(s, fps, latest, user);
  if (rc) {
    sim_display_sinks_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

void sim_display_sinks_write(sim_display_sinks *s, const hal_frame *screen, uint64_t n) {
  if (s->y4m) {
    fprintf(s->y4m, "FRAME XSHOWN_US=%llu\n", (unsigned long long)hal_clock_us()); /* hal/display.h */
    for (uint32_t y = 0; y < screen->height; y++)
      fwrite(screen->data[0] + (size_t)y * screen->stride[0], 1, screen->width, s->y4m);
    for (int plane = 0; plane < 2; plane++)
      for (uint32_t y = 0; y < screen->height / 2; y++) {
        const uint8_t *uv = screen->data[1] + (size_t)y * screen->stride[1];
        for (uint32_t x = 0; x < screen->width / 2; x++) fputc(uv[2 * x + plane], s->y4m);
      }
    fflush(s->y4m);
  }
  if (s->png_dir[0] && s->rgb && n % s->png_every == 0) {
    nv12_to_rgb(screen, s->rgb);
    char path[600];
    snprintf(path, sizeof path, "%s/frame-%06llu.png", s->png_dir, (unsigned long long)n);
    png_write_rgb(path, s->rgb, screen->width, screen->height);
  }
}

void sim_display_sinks_close(sim_display_sinks *s) {
  if (!s) return;
  liveview_stop(s->live); /* first: it reads the owner's latest screen */
  if (s->y4m) fclose(s->y4m);
  free(s->rgb);
  free(s);
}
