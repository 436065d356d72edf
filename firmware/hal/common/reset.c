/* hal_reset_objects (hal/common/reset.h) and hal_reset_handles (hal/vb.h). */
#include "reset.h"

#include <stddef.h>

#include "handles.h"
#include "hal/audio.h"
#include "hal/display.h"
#include "hal/sensor.h"
#include "hal/vdec.h"
#include "hal/venc.h"

/* The K230 teardown order (k230-platform.md §2.5), one step per kind and call. */
static const struct {
  hal_kind kind;
  int (*fn)(hal_handle);
} steps[] = {
    {HAL_KIND_SENSOR, hal_sensor_stop},     {HAL_KIND_LINK, hal_unlink},
    {HAL_KIND_VENC, hal_venc_destroy},      {HAL_KIND_VDEC, hal_vdec_destroy},
    {HAL_KIND_DISPLAY, hal_display_deinit}, {HAL_KIND_AIN, hal_audio_in_close},
    {HAL_KIND_AOUT, hal_audio_out_close},   {HAL_KIND_SENSOR, hal_sensor_close},
    {HAL_KIND_BLOCK, hal_vb_block_release}, {HAL_KIND_POOL, hal_vb_pool_destroy},
};

void hal_reset_objects(void) {
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) hal_handle_each(steps[s].kind, steps[s].fn);
}

int hal_reset_handles(const hal_handle *handles, size_t n) {
  int live = 0;
  for (size_t i = 0; i < n; i++) {
    void *obj;
    if (hal_handle_get(hal_handle_kind(handles[i]), handles[i], &obj) == 0) live++;
  }
  /* Closed handles answer ERR_ECLOSED to every step: skipping them needs no check. */
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++)
    for (size_t i = 0; i < n; i++)
      if (hal_handle_kind(handles[i]) == steps[s].kind) steps[s].fn(handles[i]);
  return live;
}
