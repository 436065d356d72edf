/* display_vo.h on the newer VO API (K230_MPP_VO_LAYER_API): every layer is a k_vo_layer_id
 * (video 1-3, OSD 4-7) set by one kd_mpi_vo_set_layer_attr, pictures inserted by layer id. The
 * call orders are those of the vendor's own wrapper over this API, kd_display.c of the RT-Smart
 * SDK (KD below); the header is MPI (its mpi_vo_api.h), the layer types K_VO (k_vo_comm.h of
 * canmv-k230/mpp@8a886b7, the same layer types as the SDK's).
 *
 * KD = sgf201/k230_pangofly@1aea4ae:src/rtsmart/mpp/userapps/src/framework/kd_display.c
 * MPI = sgf201/k230_pangofly@1aea4ae:src/rtsmart/mpp/userapps/api/mpi_vo_api.h
 * K_VO = canmv-k230/mpp@8a886b7:include/comm/k_vo_comm.h */
#include <string.h>

#include "display_vo.h"
#include "mpi_vo_api.h"

int k230_vo_up(const k_connector_info *info, int *conn_fd) {
  /* KD:69-89: open, init, then power on; the connector is closed at once and opened again by
   * name to power it off (KD:118-124). */
  *conn_fd = -1;
  k_s32 fd = kd_mpi_connector_open(info->connector_name);
  if (fd < 0) return ERR_ENODEV;
  int rc = k230_err(kd_mpi_connector_init(fd, *info));
  if (!rc) rc = k230_err(kd_mpi_connector_power_set(fd, K_TRUE));
  kd_mpi_connector_close(fd);
  if (rc) return rc;
  /* KD:91-96: the VO device after the connector. No device rotation: a turned panel is handled
   * per layer as on the 2024 MPP (display.c), so the rectangles stay the panel's (KD:48 passes 0
   * where nothing is turned). */
  k_vo_dev_attr dev;
  memset(&dev, 0, sizeof dev);
  if ((rc = k230_err(kd_mpi_vo_set_dev_attr(&dev)))) k230_vo_down(info, -1, 0, NULL, NULL);
  return rc;
}

void k230_vo_down(const k_connector_info *info, int conn_fd, int wbc_on, void (*layers_off)(void *), void *arg) {
  (void)conn_fd;
  /* KD:113-135: the panel off first (a bridge may own the write-back), then the layers, the
   * write-back and the VO device. */
  k_s32 fd = kd_mpi_connector_open(info->connector_name);
  if (fd >= 0) {
    kd_mpi_connector_power_set(fd, K_FALSE);
    kd_mpi_connector_close(fd);
  }
  if (k230_double_break("display-clear-before-disable")) kd_mpi_vo_clr_dev_attr();
  if (layers_off) layers_off(arg);
  if (wbc_on) kd_mpi_vo_disable_wbc();
  kd_mpi_vo_clr_dev_attr();
}

int k230_vo_layer_on(int hal_layer, const k230_vo_layer_cfg *c) {
  k_vo_layer_id id = (k_vo_layer_id)k230_vo_chn(hal_layer);
  /* KD:185-196: one attribute set for every kind of layer, its layer_id the layer's own. The
   * video layer takes NV12 only (K_VO:78); the stride is the VO's business now (no field). */
  k_vo_layer_attr a;
  memset(&a, 0, sizeof a);
  a.layer_id = id;
  a.position = (k_vo_position){c->x, c->y};
  a.img_size = (k_vo_size){c->width, c->height};
  a.pixel_format = c->format;
  a.func = c->turn ? GDMA_ROTATE_DEGREE_90 : GDMA_ROTATE_DEGREE_0;
  a.global_alpha = hal_layer >= HAL_LAYER_OSD0 ? c->alpha : 255; /* kd_display.h's default: 255 */
  a.rot_buf_nr = 2; /* "2 is recommended" (K_VO:81), kd_display.h's default */
  int rc = k230_err(kd_mpi_vo_set_layer_attr(id, &a));
  return rc ? rc : k230_err(kd_mpi_vo_enable_layer(id));
}

void k230_vo_layer_off(int hal_layer) { kd_mpi_vo_disable_layer((k_vo_layer_id)k230_vo_chn(hal_layer)); }

int k230_vo_insert(int hal_layer, const k_video_frame_info *info) {
  return k230_err(kd_mpi_vo_insert_frame((k_vo_layer_id)k230_vo_chn(hal_layer), info));
}
