/* The VO calls of hal/k230's display, one file per MPP generation, chosen by CMake from the
 * compile checks of ports/k230/mpp.cmake:
 *   display_vo_legacy.c  the 2024 video-layer/OSD API (K230_MPP_VO_API)
 *   display_vo_layer.c   the newer layer-id API (K230_MPP_VO_LAYER_API)
 * display.c owns the layers' pictures (VB blocks) and everything the app sees; these functions
 * only program the connector and the VO. Layers are named by their HAL number (hal/display.h). */
#ifndef K230_DISPLAY_VO_H
#define K230_DISPLAY_VO_H

#include "hal/display.h"
#include "k230_internal.h"
#include "mpi_connector_api.h"

/* A layer as the panel sees it: the rectangle on the panel, the pictures' format and row size in
 * bytes, whether the layer turns its pictures by 90 degrees clockwise (video layer 1 on a turned
 * panel), and the layer's global alpha (OSD). */
typedef struct k230_vo_layer_cfg {
  k_u32 x, y, width, height;
  k_pixel_format format;
  k_u32 row_bytes;
  int turn;
  k_u8 alpha;
} k230_vo_layer_cfg;

/* Bring the connector up (the panel powered) and the VO on it; *conn_fd is the connector kept
 * open for k230_vo_down, or -1. 0 or an ERR_ code, nothing left up on failure. */
int k230_vo_up(const k_connector_info *info, int *conn_fd);
/* Take it all down in the generation's order: layers_off(arg) turns every enabled layer off
 * (and lets go of its pictures), wbc_on says whether the write-back is to be disabled. */
void k230_vo_down(const k_connector_info *info, int conn_fd, int wbc_on, void (*layers_off)(void *), void *arg);
/* Program a layer (off) and enable it. */
int k230_vo_layer_on(int hal_layer, const k230_vo_layer_cfg *c);
void k230_vo_layer_off(int hal_layer);
/* Show a picture on an enabled layer (its VB block stays the caller's, see display.c). */
int k230_vo_insert(int hal_layer, const k_video_frame_info *info);

#endif
