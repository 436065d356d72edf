/* hal/display.h on an MPP whose VO user API does not compile (ports/k230/mpp.cmake sets
 * K230_MPP_VO_API=0 and says so at configure time): the display is absent from this build, and
 * every call says so with ERR_ENOTSUP rather than pretending to show anything. */
#include "hal/display.h"
#include "base/errors.h"
#include "k230_internal.h"

int hal_display_init(const hal_display_config *cfg, hal_handle *out) { return ERR_ENOTSUP; }
int hal_display_info_get(hal_handle disp, hal_display_info *out) { return ERR_ENOTSUP; }
int hal_display_layer_set(hal_handle disp, hal_display_layer layer, const hal_display_layer_config *cfg) {
  return ERR_ENOTSUP;
}
int hal_display_layer_disable(hal_handle disp, hal_display_layer layer) { return ERR_ENOTSUP; }
int hal_display_show(hal_handle disp, hal_display_layer layer, const hal_frame *img) { return ERR_ENOTSUP; }
int hal_display_writeback(hal_handle disp, hal_frame **out) { return ERR_ENOTSUP; }
int hal_display_set_frame_cb(hal_handle disp, hal_display_frame_cb cb, void *user) { return ERR_ENOTSUP; }
int hal_display_deinit(hal_handle disp) { return ERR_ENOTSUP; }
void k230_display_unbound(int hal_layer) {}
