/* The K230 backend's handle table, the registry of what an app holds, and hal_reset_all in the
 * K230 teardown order (k230-platform.md §2.5). */
#include <errno.h>
#include <string.h>

#include "hal/audio.h"
#include "hal/display.h"
#include "hal/sensor.h"
#include "hal/vdec.h"
#include "hal/venc.h"
#include "handles.h"
#include "k230_internal.h"
#include "k_errno.h"

/* The handle table is shared with the host backend (hal/common/handles.c). */
int kh_alloc(kh_kind kind, void *obj, hal_handle *out) { return hal_handle_alloc(kind, obj, out); }
int kh_get(kh_kind kind, hal_handle h, void **obj) { return hal_handle_get(kind, h, obj); }
void kh_free(hal_handle h) { hal_handle_free(h); }
int kh_list(kh_kind kind, hal_handle *out, int max) { return hal_handle_list(kind, out, max); }

/* MPP codes are K_DEF_ERR(module, level, id): the low 13 bits are the id (k_errno.h). */
int k230_err(k_s32 rc) {
  if (rc == 0) return 0;
  switch (rc & 0x1fff) {
    case K_ERR_INVALID_DEVID:
    case K_ERR_INVALID_CHNID:
    case K_ERR_ILLEGAL_PARAM:
    case K_ERR_NULL_PTR: return HAL_EINVAL;
    case K_ERR_EXIST:
    case K_ERR_BUSY: return HAL_EBUSY;
    case K_ERR_UNEXIST: return HAL_ENODEV;
    case K_ERR_NOT_CONFIG:
    case K_ERR_NOTREADY:
    case K_ERR_NOT_PERM: return HAL_ESTATE;
    case K_ERR_NOT_SUPPORT: return HAL_ENOTSUP;
    case K_ERR_NOMEM:
    case K_ERR_NOBUF: return HAL_ENOMEM;
    case K_ERR_BUF_EMPTY: return HAL_ETIMEDOUT;
    case K_ERR_BUF_FULL: return HAL_EAGAIN;
    default: return HAL_EIO;
  }
}

void k230_deadline(struct timespec *ts, int timeout_ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  if (timeout_ms < 0) return;
  ts->tv_sec += timeout_ms / 1000;
  ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* Nothing is copied on the board's zero-copy paths; only vdec/venc app sends copy into VB. */
void hal_copy_stats_get(hal_copy_stats *out) { memset(out, 0, sizeof *out); }

_Static_assert((int)KH_POOL == (int)HAL_KIND_POOL && (int)KH_AOUT == (int)HAL_KIND_AOUT, "kh_kind follows hal/common's kinds");

void hal_registry_stats_get(hal_registry_stats *o) { hal_handle_counts(o, k230_frames_held()); }

static void each(kh_kind kind, int (*fn)(hal_handle)) {
  static hal_handle hs[KH_SLOTS];
  int n = kh_list(kind, hs, KH_SLOTS);
  for (int i = 0; i < n && i < KH_SLOTS; i++) fn(hs[i]);
}

static int sensor_stop(hal_handle h) { return hal_sensor_stop(h); }

int hal_reset_all(void) {
  hal_registry_stats before;
  hal_registry_stats_get(&before);
  /* Frames go back to their (still live) channels first: VICAP dump_release and
   * vdec_release_frame after the channel is gone are errors on the MPP. Then the §2.5 order:
   * sensor stop -> unbind -> venc stop/detach/destroy -> vdec -> display -> audio -> sensor
   * close -> blocks -> pools -> VB exit. Each destroy below also returns what its object lent out
   * (venc streams, audio frames). */
  k230_frames_release_all();
  each(KH_SENSOR, sensor_stop);
  each(KH_LINK, hal_unlink);
  each(KH_VENC, hal_venc_destroy);
  each(KH_VDEC, hal_vdec_destroy);
  each(KH_DISPLAY, hal_display_deinit);
  each(KH_AIN, hal_audio_in_close);
  each(KH_AOUT, hal_audio_out_close);
  each(KH_SENSOR, hal_sensor_close);
  each(KH_BLOCK, hal_vb_block_release);
  each(KH_POOL, hal_vb_pool_destroy);
  /* The run is over: VB goes too (CanMV MediaManager.deinit -> kd_mpi_vb_exit), so the next run
   * configures it afresh. */
  k230_vb_exit();
  return (int)before.total;
}
