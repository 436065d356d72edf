/*
 * hal/display.h — display output (K230 VO + connector; CanMV `media.display.Display`).
 *
 * One display. Layers: VIDEO1..VIDEO3 take NV12 frames (bound from a sensor channel or a
 * decoder, or inserted by the app); OSD0..OSD3 take ARGB8888, RGB888 or RGB565 images. A layer's
 * width and every picture's width are multiples of 8 pixels (the K230 VO's rule; CanMV raises
 * the same error), and a layer's rectangle lies on the screen. Each frame arriving on
 * an enabled layer recomposes the screen: video layers in order, then OSD layers alpha-blended
 * on top, each scaled (nearest) into its rectangle. The composed picture (NV12, display size) is
 * what the panel shows; hal_display_writeback hands it out (K230 WBC; the host's live view and
 * tests read it).
 *
 * Host simulator sinks, chosen by env K230JS_SIM_DISPLAY (read at hal_display_init), '+'-joined:
 *   none (default) | png:DIR (DIR/frame-000000.png per composed frame; png:DIR:N keeps every
 *   Nth) | y4m:PATH (every composed frame appended, 4:2:0; each FRAME header carries
 *   XSHOWN_US=<hal_clock_us() when it was composed>, i.e. shown) | http:PORT (live view in a browser:
 *   http://127.0.0.1:PORT/ shows the screen, /frame.png is the latest one; loopback only;
 *   hal_display_init fails with ERR_EBUSY when the port is taken)
 */
#ifndef HAL_DISPLAY_H
#define HAL_DISPLAY_H

#include "hal/vb.h"

typedef enum hal_display_type {
  HAL_DISPLAY_VIRT = 300,   /* any 64..4096 size (width multiple of 8), 1-200 fps; default 640x480@90 */
  HAL_DISPLAY_ST7701 = 302, /* MIPI panel, 800x480 / 480x800 @60, 854x480 @30 (also 640x480, 368x544) */
  HAL_DISPLAY_LT9611 = 305, /* HDMI: 1920x1080@30/60, 1280x720@30/50/60, 640x480@60 */
} hal_display_type;

typedef enum hal_display_layer {
  HAL_LAYER_VIDEO1 = 0,
  HAL_LAYER_VIDEO2 = 1,
  HAL_LAYER_VIDEO3 = 2,
  HAL_LAYER_OSD0 = 3,
  HAL_LAYER_OSD1 = 4,
  HAL_LAYER_OSD2 = 5,
  HAL_LAYER_OSD3 = 6,
  HAL_LAYER_COUNT = 7,
} hal_display_layer;

typedef struct hal_display_config {
  hal_display_type type;
  uint32_t width, height; /* 0 = the type's default mode */
  uint32_t fps;           /* 0 = the type's default */
  uint32_t osd_num;       /* OSD layers usable, 0..4 */
} hal_display_config;
#define HAL_DISPLAY_CONFIG_DEFAULT \
  { .type = HAL_DISPLAY_VIRT, .width = 0, .height = 0, .fps = 0, .osd_num = 1 }

typedef struct hal_display_layer_config {
  int x, y;               /* placement on the screen */
  uint32_t width, height; /* rectangle; 0 = the display size */
  hal_pixfmt format;      /* NV12 for video layers, ARGB8888 / RGB888 / RGB565 for OSD */
  uint8_t alpha;          /* global alpha for OSD layers (255 = opaque) */
} hal_display_layer_config;
#define HAL_DISPLAY_LAYER_CONFIG_DEFAULT \
  { .x = 0, .y = 0, .width = 0, .height = 0, .format = HAL_PIXFMT_NV12, .alpha = 255 }

typedef struct hal_display_info {
  hal_display_type type;
  uint32_t width, height, fps;
  uint64_t frames_composed;
} hal_display_info;

/* Called on the display thread after each composition with the new screen; the frame is only
 * valid during the call (take hal_display_writeback for a reference). May be NULL. */
typedef void (*hal_display_frame_cb)(void *user, const hal_frame *screen);

/* Bring the display up. ERR_EBUSY when already initialised, ERR_EINVAL for a mode the type
 * does not have. */
int hal_display_init(const hal_display_config *cfg, hal_handle *out);
int hal_display_info_get(hal_handle disp, hal_display_info *out);
/* Configure and enable a layer (CanMV config_layer / the layer part of bind_layer). Binding a
 * source to it is hal_link(src, (HAL_MOD_DISPLAY, 0, layer)). ERR_EINVAL for a format the
 * layer cannot show or a layer beyond osd_num. */
int hal_display_layer_set(hal_handle disp, hal_display_layer layer, const hal_display_layer_config *cfg);
int hal_display_layer_disable(hal_handle disp, hal_display_layer layer);
/* Put a picture on a layer (copied; CanMV show_image / kd_mpi_vo_chn_insert_frame). The frame's
 * format must match the layer's. ERR_EBUSY when the layer is bound. */
int hal_display_show(hal_handle disp, hal_display_layer layer, const hal_frame *img);
/* Latest composed screen (NV12), a reference the app releases with hal_frame_release.
 * ERR_EAGAIN before the first composition. */
int hal_display_writeback(hal_handle disp, hal_frame **out);
/* Set the per-composition hook (one; NULL clears). */
int hal_display_set_frame_cb(hal_handle disp, hal_display_frame_cb cb, void *user);
/* Unbind-checked teardown: ERR_EBUSY while a layer is bound. */
int hal_display_deinit(hal_handle disp);

#endif
