/*
 * k230_internal.h — shared plumbing of the K230 backend (kd_mpi_*): registry of
 * app-held frames, MPP error mapping, phys<->virt mapping, and the per-MPP-generation output
 * buffer strategy for VENC/VDEC (venc_outbuf_*.c, vdec_outbuf_*.c, chosen by CMake from the MPP
 * headers). Not part of the contract.
 */
#ifndef HAL_K230_INTERNAL_H
#define HAL_K230_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "base/errors.h"
#include "base/deadline.h"
#include "handles.h"
#include "hal/vb.h"
#include "pixfmt.h"

#include "k_type.h"
#include "k_module.h"
#include "k_video_comm.h"

#define K_ALIGN_UP(x, a) (((x) + (a)-1) / (a) * (a))

/* ---- MPP errors -> HAL codes ---- */
int k230_err(k_s32 mpp_rc);

/* ---- VB (vb.c) ---- */
/* VB is initialised once per run before pools are created (kd_mpi_vb_init), lazily, so the
 * common pools claimed before it are in its configuration; k230_vb_exit ends the run. */
int k230_vb_ensure_init(void);
void k230_vb_exit(void);
/* Claim a common pool of cnt blocks of size bytes (the 2024 MPP's VICAP channel buffers and
 * VENC output buffers come from common pools). ERR_ENOMEM when VB is initialised without one
 * that fits and cannot be re-initialised now (media objects alive). *slot is for the release. */
int k230_vb_common_claim(uint64_t size, uint32_t cnt, int *slot);
void k230_vb_common_release(int slot);
/* The common pool the microphone needs in every VB configuration (audio.c): 1 with its size and
 * count on MPPs whose AI takes its frames from common pools, 0 elsewhere. */
int k230_audio_common_need(uint64_t *size, uint32_t *cnt);
/* A HAL-private pool (not in the registry). VB_INVALID_POOLID on failure. */
k_u32 k230_pool_create(uint64_t blk_size, uint32_t blk_cnt);
/* 0 for VB_INVALID_POOLID too. */
int k230_pool_destroy(k_u32 pool_id);
/* Takes a block from a private pool, waiting up to timeout_ms (-1 forever) in 5 ms steps.
 * Returns VB_INVALID_HANDLE when none came. */
uint32_t k230_block_get(k_u32 pool_id, uint64_t size, int timeout_ms);

/* ---- frames handed to the app ---- */
typedef struct k230_frame k230_frame;
typedef void (*k230_frame_release_fn)(k230_frame *f);
struct k230_frame {
  hal_frame pub; /* first: a hal_frame * is a k230_frame * */
  k_video_frame_info info;
  void *map;
  size_t map_len;
  k230_frame_release_fn release; /* gives the MPP frame back (dump_release, release_frame...) */
  void *owner;                   /* the object that produced it */
  int dev, chn;
  k230_frame *prev, *next; /* registry list */
};
/* Map an MPP video frame into a new k230_frame (uncached mmap of the planes). NULL on failure
 * (the caller still owns the MPP frame). */
k230_frame *k230_frame_wrap(const k_video_frame_info *info, k230_frame_release_fn release, void *owner, int dev,
                            int chn);
/* Track as app-held; hal_frame_release/hal_reset_all give it back. */
void k230_frame_give(k230_frame *f);
/* Release every app-held frame produced by `owner` (before the owner is destroyed). */
void k230_frames_release_owner(void *owner);
/* Number of app-held frames. */
uint32_t k230_frames_held(void);
/* Release all app-held frames. */
void k230_frames_release_all(void);

/* ---- pixel formats ---- */
k_pixel_format k230_pixfmt(hal_pixfmt f);

/* ---- sensor (sensor.c) ---- */
/* The frame rate a camera device delivers (its sensor mode's), 0 when it is not open. */
uint32_t k230_sensor_fps(int dev);

/* ---- display layers -> VO (display.c, sys.c) ----
 * CanMV's LAYER_VIDEO1 is VO video layer 1, the one that turns pictures, and LAYER_VIDEO2 layer
 * 2; layer 0 is not used (display.py:66, :89; k_vo_comm.h of the current MPP: "can not use this
 * layer"), so HAL_LAYER_VIDEO3 has no VO layer. OSD0..3 are VO OSD 0..3. The VO channel of a
 * layer (binds, inserted pictures) is, on the 2024 API, K_VO_DISPLAY_CHN_ID<n>: 1, 2 video,
 * 3..6 OSD; on the newer layer-id API (K230_MPP_VO_LAYER_API) the k_vo_layer_id: 1, 2 video,
 * 4..7 OSD (k_vo_comm.h of canmv-k230/mpp@8a886b7:60; a bind's chn_id is the layer id,
 * sgf201/k230_pangofly@1aea4ae:src/rtsmart/examples/mpp/sample_vo_video/vo_test_video.c,
 * sample_vicap_bind_vo). VIDEO3 keeps no VO layer there either: no vendor code shows layer 3. */
static inline int k230_vo_chn(int hal_layer) {
#if K230_MPP_VO_LAYER_API
  return hal_layer == 0 ? 1 : hal_layer == 1 ? 2 : hal_layer >= 3 && hal_layer <= 6 ? hal_layer + 1 : -1;
#else
  return hal_layer == 0 ? 1 : hal_layer == 1 ? 2 : hal_layer >= 3 && hal_layer <= 6 ? hal_layer : -1;
#endif
}

/* The display's layer lost its bound source (hal_unlink): display.c turns it off. */
void k230_display_unbound(int hal_layer);

/* ---- binding (sys.c) ---- */
int k230_mpp_chn(const hal_chn *c, k_mpp_chn *out);
/* Is (mod, dev, chn) an end of a live link? chn -1 = any channel. */
int k230_link_involves(hal_mod mod, int dev, int chn);
/* The source bound to a sink, 0 when none. */
int k230_link_source(const hal_chn *dst, hal_chn *src);
/* Registered source descriptions and sink checks (a sensor channel, a vdec channel). */
typedef int (*k230_describe_fn)(void *obj, int chn, hal_bind_info *out);
typedef int (*k230_accepts_fn)(void *obj, int chn, const hal_bind_info *src);
void k230_ep_register(hal_mod mod, int dev, void *obj, k230_describe_fn describe, k230_accepts_fn accepts);
void k230_ep_unregister(hal_mod mod, int dev);

/* ---- VENC / VDEC output buffers: one implementation per MPP generation ---- */
/* The buffers behind a channel: a pool we made, a common pool we claimed, or neither. */
typedef struct k230_outbuf {
  k_u32 pool;
  int common_slot; /* k230_vb_common_claim's, -1 for none */
} k230_outbuf;
#define K230_OUTBUF_NONE ((k230_outbuf){VB_INVALID_POOLID, -1})
/* Give back what k230_venc_outbuf_prepare set up (after kd_mpi_venc_destroy_chn). */
void k230_outbuf_free(k230_outbuf *ob);
/* Before kd_mpi_venc_create_chn (and before VB is initialised, so a common pool can still be
 * claimed): give the channel `cnt` output buffers of `size` bytes. */
int k230_venc_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k230_outbuf *ob);
/* Before kd_mpi_venc_destroy_chn (current MPP: detach the pool). */
void k230_venc_outbuf_detach(k_u32 chn, const k230_outbuf *ob);
int k230_vdec_outbuf_prepare(k_u32 chn, void *chn_attr, uint64_t size, uint32_t cnt, k_u32 *pool);
void k230_vdec_outbuf_detach(k_u32 chn, k_u32 pool);

/* ---- test-build switch ----
 * Only in the k230-double build (K230JS_DOUBLE_BUILD): K230JS_DOUBLE_BREAK=<name> makes one call
 * sequence deliberately wrong, so a test can show the MPP double failing it with the vendor's
 * citation (test/mpp-double/README.md). Names: venc-destroy-before-stop,
 * display-clear-before-disable (layer-id VO API). */
#if K230JS_DOUBLE_BUILD
#include <stdlib.h>
#include <string.h>
static inline int k230_double_break(const char *name) {
  const char *b = getenv("K230JS_DOUBLE_BREAK");
  return b && strcmp(b, name) == 0;
}
#else
#define k230_double_break(name) 0
#endif

#endif
