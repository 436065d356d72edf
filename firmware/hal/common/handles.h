/*
 * hal/common/handles.h — the table behind every hal_handle, shared by the HAL backends (host
 * simulator and K230); not part of the contract in hal/include.
 *
 * A handle is kind << 28 | generation << 16 | slot. The 12-bit generation changes every time a
 * slot is reused, so a stale handle is told apart from a live one (ERR_ECLOSED) for a long
 * while; a made-up value or a handle of another kind is ERR_EINVAL. Thread-safe.
 */
#ifndef HAL_COMMON_HANDLES_H
#define HAL_COMMON_HANDLES_H

#include "hal/vb.h"

#define HAL_HANDLE_SLOTS 4096

/* The kinds of object the registry counts. */
typedef enum hal_kind {
  HAL_KIND_POOL = 1,
  HAL_KIND_BLOCK,
  HAL_KIND_LINK,
  HAL_KIND_SENSOR,
  HAL_KIND_VENC,
  HAL_KIND_VDEC,
  HAL_KIND_DISPLAY,
  HAL_KIND_AIN,
  HAL_KIND_AOUT,
} hal_kind;

/* The kind a handle says it is (0 for none); whether it is live is hal_handle_get's answer. */
hal_kind hal_handle_kind(hal_handle h);

/* ERR_EINVAL for a kind outside the enum, ERR_ELIMIT when every slot is taken. */
int hal_handle_alloc(hal_kind kind, void *obj, hal_handle *out);
/* 0 with *obj, ERR_ECLOSED for a closed handle of that kind, ERR_EINVAL otherwise. */
int hal_handle_get(hal_kind kind, hal_handle h, void **obj);
void hal_handle_free(hal_handle h);
/* Live handles of one kind into out (up to max); returns how many exist. out may be NULL. */
int hal_handle_list(hal_kind kind, hal_handle *out, int max);

/* Calls fn on every live handle of one kind, from a snapshot taken first (fn may free them);
 * fn's result is ignored. For hal_reset_all. */
void hal_handle_each(hal_kind kind, int (*fn)(hal_handle));

/* A registry snapshot (hal_registry_stats_get): live handles per kind, plus `frames` the app holds. */
void hal_handle_counts(hal_registry_stats *out, uint32_t frames);

#endif
