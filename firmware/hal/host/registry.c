/* The host backend's registry of what an app holds, copy counters, and hal_reset_all in the
 * K230 teardown order (k230-platform.md §2.5). */
#include "internal.h"
#include "reset.h" /* hal/common */

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
  /* App-held frames first, as on the board; then every object in the §2.5 order. */
  frames_release_all();
  hal_reset_objects();
  return (int)before.total;
}
