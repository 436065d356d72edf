/* The K230 backend's registry of what an app holds, and hal_reset_all in the
 * K230 teardown order (k230-platform.md §2.5). */
#include <string.h>

#include "k230_internal.h"
#include "k_errno.h"
#include "reset.h" /* hal/common */

/* MPP codes are K_DEF_ERR(module, level, id): the low 13 bits are the id (k_errno.h). */
int k230_err(k_s32 rc) {
  if (rc == 0) return 0;
  switch (rc & 0x1fff) {
    case K_ERR_INVALID_DEVID:
    case K_ERR_INVALID_CHNID:
    case K_ERR_ILLEGAL_PARAM:
    case K_ERR_NULL_PTR: return ERR_EINVAL;
    case K_ERR_EXIST:
    case K_ERR_BUSY: return ERR_EBUSY;
    case K_ERR_UNEXIST: return ERR_ENODEV;
    case K_ERR_NOT_CONFIG:
    case K_ERR_NOTREADY:
    case K_ERR_NOT_PERM: return ERR_ESTATE;
    case K_ERR_NOT_SUPPORT: return ERR_ENOTSUP;
    case K_ERR_NOMEM:
    case K_ERR_NOBUF: return ERR_ENOMEM;
    case K_ERR_BUF_EMPTY: return ERR_ETIMEDOUT;
    case K_ERR_BUF_FULL: return ERR_EAGAIN;
    default: return ERR_EIO;
  }
}

/* Nothing is copied on the board's zero-copy paths; only vdec/venc app sends copy into VB. */
void hal_copy_stats_get(hal_copy_stats *out) { memset(out, 0, sizeof *out); }

void hal_registry_stats_get(hal_registry_stats *o) { hal_handle_counts(o, k230_frames_held()); }

int hal_reset_all(void) {
  hal_registry_stats before;
  hal_registry_stats_get(&before);
  /* Frames go back to their (still live) channels first: VICAP dump_release and
   * vdec_release_frame after the channel is gone are errors on the MPP. Then the §2.5 order:
   * sensor stop -> unbind -> venc stop/detach/destroy -> vdec -> display -> audio -> sensor
   * close -> blocks -> pools -> VB exit. Each destroy below also returns what its object lent out
   * (venc streams, audio frames). */
  k230_frames_release_all();
  hal_reset_objects();
  /* The run is over: VB goes too (CanMV MediaManager.deinit -> kd_mpi_vb_exit), so the next run
   * configures it afresh. */
  k230_vb_exit();
  return (int)before.total;
}
