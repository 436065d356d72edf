/* display_vo.h on the 2024 MPP's VO API (K230_MPP_VO_API): video layers 1-2 and OSD 0-3 set up
 * by their own calls, pictures inserted by VO channel (k230_vo_chn), the display taken down with
 * kd_display_reset, as CanMV 2024's display.py does. */
#include <string.h>

#include "display_vo.h"
#include "mpi_vo_api.h"

int k230_vo_up(const k_connector_info *info, int *conn_fd) {
  *conn_fd = kd_mpi_connector_open(info->connector_name);
  if (*conn_fd < 0) return ERR_ENODEV;
  kd_mpi_connector_power_set(*conn_fd, K_TRUE);
  int rc = k230_err(kd_mpi_connector_init(*conn_fd, *info));
  if (rc) k230_vo_down(info, *conn_fd, 0, NULL, NULL);
  return rc;
}

void k230_vo_down(const k_connector_info *info, int conn_fd, int wbc_on, void (*layers_off)(void *), void *arg) {
  (void)info;
  if (wbc_on) kd_mpi_vo_disable_wbc();
  if (layers_off) layers_off(arg);
  /* The panel off and the display subsystem reset, as CanMV's deinit ends (display.py:327-334). */
  kd_mpi_connector_power_set(conn_fd, K_FALSE);
  kd_mpi_connector_close(conn_fd);
  kd_display_reset();
}

int k230_vo_layer_on(int hal_layer, const k230_vo_layer_cfg *c) {
  int rc;
  if (hal_layer <= HAL_LAYER_VIDEO3) {
    k_vo_video_layer_attr a;
    memset(&a, 0, sizeof a);
    a.display_rect = (k_vo_point){c->x, c->y};
    a.img_size = (k_vo_size){c->width, c->height};
    a.pixel_format = c->format;
    /* VO video layers take the stride in 8-byte units, minus one, with (height - 1) above. */
    a.stride = (c->width / 8 - 1) + ((c->height - 1) << 16);
    a.func = c->turn ? K_ROTATION_90 : 0;
    k_vo_layer vl = (k_vo_layer)k230_vo_chn(hal_layer);
    if ((rc = k230_err(kd_mpi_vo_set_video_layer_attr(vl, &a)))) return rc;
    return k230_err(kd_mpi_vo_enable_video_layer(vl));
  }
  k_vo_video_osd_attr a;
  memset(&a, 0, sizeof a);
  a.display_rect = (k_vo_point){c->x, c->y};
  a.img_size = (k_vo_size){c->width, c->height};
  a.pixel_format = c->format;
  a.stride = c->row_bytes / 8;
  a.global_alptha = c->alpha;
  k_vo_osd osd = (k_vo_osd)(hal_layer - HAL_LAYER_OSD0);
  if ((rc = k230_err(kd_mpi_vo_set_video_osd_attr(osd, &a)))) return rc;
  return k230_err(kd_mpi_vo_osd_enable(osd));
}

void k230_vo_layer_off(int hal_layer) {
  if (hal_layer <= HAL_LAYER_VIDEO3) kd_mpi_vo_disable_video_layer((k_vo_layer)k230_vo_chn(hal_layer));
  else kd_mpi_vo_osd_disable((k_vo_osd)(hal_layer - HAL_LAYER_OSD0));
}

int k230_vo_insert(int hal_layer, const k_video_frame_info *info) {
  k_video_frame_info f = *info; /* the 2024 call takes a non-const pointer */
  return k230_err(kd_mpi_vo_chn_insert_frame((k_u32)k230_vo_chn(hal_layer), &f));
}
