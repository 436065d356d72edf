/* hal_reset_objects (hal/common/reset.h). */
#include "reset.h"

#include "handles.h"
#include "hal/audio.h"
#include "hal/display.h"
#include "hal/sensor.h"
#include "hal/vdec.h"
#include "hal/venc.h"

void hal_reset_objects(void) {
  hal_handle_each(HAL_KIND_SENSOR, hal_sensor_stop);
  hal_handle_each(HAL_KIND_LINK, hal_unlink);
  hal_handle_each(HAL_KIND_VENC, hal_venc_destroy);
  hal_handle_each(HAL_KIND_VDEC, hal_vdec_destroy);
  hal_handle_each(HAL_KIND_DISPLAY, hal_display_deinit);
  hal_handle_each(HAL_KIND_AIN, hal_audio_in_close);
  hal_handle_each(HAL_KIND_AOUT, hal_audio_out_close);
  hal_handle_each(HAL_KIND_SENSOR, hal_sensor_close);
  hal_handle_each(HAL_KIND_BLOCK, hal_vb_block_release);
  hal_handle_each(HAL_KIND_POOL, hal_vb_pool_destroy);
}
