/* The host backend's registry of what an app holds, copy counters, and hal_reset_all in the
 * K230 teardown order (k230-platform.md §2.5). */
#include "hal/audio.h"
#include "hal/display.h"
#include "hal/sensor.h"
#include "internal.h"

/* Bytes copied on paths the board does zero-copy (hal_copy_stats_get). */
_Atomic uint64_t g_stream_bytes_copied, g_frame_bytes_copied, g_convert_bytes;

void hal_copy_stats_get(hal_copy_stats *out) {
  out->stream_bytes_copied = atomic_load(&g_stream_bytes_copied);
  out->frame_bytes_copied = atomic_load(&g_frame_bytes_copied);
  out->convert_bytes = atomic_load(&g_convert_bytes);
}

void hal_registry_stats_get(hal_registry_stats *o) { hal_handle_counts(o, frames_held()); }

int hal_reset_all(void) {
  hal_registry_stats before;
  hal_registry_stats_get(&before);
  /* k230-platform.md §2.5: sensor stop -> unbind -> venc stop/destroy -> ... -> pools. */
  hal_handle_each(HAL_KIND_SENSOR, hal_sensor_stop);
  hal_handle_each(HAL_KIND_LINK, hal_unlink);
  hal_handle_each(HAL_KIND_VENC, hal_venc_destroy);
  hal_handle_each(HAL_KIND_VDEC, hal_vdec_destroy);
  hal_handle_each(HAL_KIND_DISPLAY, hal_display_deinit);
  hal_handle_each(HAL_KIND_AIN, hal_audio_in_close);
  hal_handle_each(HAL_KIND_AOUT, hal_audio_out_close);
  hal_handle_each(HAL_KIND_SENSOR, hal_sensor_close);
  frames_release_all();
  hal_handle_each(HAL_KIND_BLOCK, hal_vb_block_release);
  hal_handle_each(HAL_KIND_POOL, hal_vb_pool_destroy);
  return (int)before.total;
}
