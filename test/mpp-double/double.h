/*
 * double.h — the MPP double's module interface (test code: linked only into the
 * -DK230JS_PORT=k230-double build, never into the board image).
 *
 * The double implements the kd_mpi_* functions hal/k230 calls, compiled against the real MPP
 * headers (K230_MPP_DIR), and holds state the way the MPP does. It is made of modules, one file
 * each (vb.c, mmz.c, sys.c, vicap.c, venc.c, ...); this header is what a module may use from
 * the others. README.md says how to add a module and a rule.
 *
 * Threading: every function here may be called from any thread (module threads included); the
 * core serialises what it owns. A module guards its own state.
 *
 * Generation: ports/k230/mpp.cmake's compile checks (K230_MPP_VENC_ATTACH_ARGS,
 * K230_MPP_VICAP_POOL_ID, ...) are compile definitions here too, so a module models the MPP
 * generation whose headers it is built against.
 */
#ifndef MPP_DOUBLE_H
#define MPP_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#include "hal/vb.h" /* hal_frame: the simulator's codec module takes frames in this form */
#include "k_module.h"
#include "k_type.h"
#include "k_vb_comm.h"
#include "k_video_comm.h"

/* ---- rules (rules.c: the table; core.c: reporting) ----
 * Every rule is one row of dbl_rules[] in rules.c: an id, what it requires, and the vendor line
 * that shows it, as repo@commit:path:line. dbl_check() with an id not in the table aborts. */
typedef struct dbl_rule_def {
  const char *id;       /* "VB-EXIT-IDLE" */
  const char *requires; /* one sentence */
  const char *cite;     /* repo@commit:path:line[, more] */
} dbl_rule_def;
extern const dbl_rule_def dbl_rules[];
extern const int dbl_rule_count;
/* The rows of VDEC, VO and audio (rules_av.c): a table of its own, so the two groups of modules
 * grow their tables without merge conflicts. */
extern const dbl_rule_def dbl_rules_av[];
extern const int dbl_rule_av_count;
/* The rows of the netmgmt device (rules_net.c). */
extern const dbl_rule_def dbl_rules_net[];
extern const int dbl_rule_net_count;
/* The row of rule `id`; aborts when there is none. */
const dbl_rule_def *dbl_rule(const char *id);

/* When `ok` is false: print "mpp-double: VIOLATION <id>: <what> (<cite>)" on stderr and count
 * it. Returns ok, so a module can write `if (!dbl_check(...)) return K_ERR_...;`. */
int dbl_check(int ok, const char *id, const char *what_fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- modules and exit accounting (core.c) ----
 * At process exit the core asks every module what it still holds (pools, blocks, mappings,
 * binds, channels, VB initialised without exit), prints one summary line and makes the process
 * exit with DBL_EXIT_STATUS when there were violations or leaks. */
#define DBL_EXIT_STATUS 3
typedef void (*dbl_leak_fn)(void *ctx, const char *what_fmt, ...) __attribute__((format(printf, 2, 3)));
typedef struct dbl_module {
  const char *name;
  /* Report each object still allocated (one call of `leak` per object). May be NULL. */
  void (*leaks)(dbl_leak_fn leak, void *ctx);
} dbl_module;
void dbl_module_register(const dbl_module *m);
#define DBL_MODULE(m) \
  static void __attribute__((constructor)) m##_register(void) { dbl_module_register(&m); }

/* ---- time: module waits are on CLOCK_MONOTONIC (base_deadline, base_cond_init_mono) ---- */
#include "base/deadline.h"

/* ---- MMZ (mmz.c): the physical arena every VB pool lives in ----
 * A memfd of DBL_MMZ_SIZE bytes at physical DBL_MMZ_BASE (the 512 MiB boards' MMZ,
 * k230-platform.md §1.5); user mappings (kd_mpi_sys_mmap) are real mmaps of it. */
#define DBL_MMZ_BASE 0x10000000ull
#define DBL_MMZ_SIZE (256ull << 20)
/* 4 KiB-aligned physical range of `size` bytes; 0 when MMZ is exhausted. */
uint64_t dbl_mmz_alloc(uint64_t size);
void dbl_mmz_free(uint64_t phys);
/* The double's own view of [phys, phys + len) (no user mapping is created); NULL outside MMZ. */
void *dbl_mmz_ptr(uint64_t phys, uint64_t len);

/* ---- VB (vb.c): pools and blocks with per-module user counts ---- */
/* Take a block of at least `size` bytes from `pool` (VB_INVALID_POOLID: the smallest common
 * block that fits), for module `uid`. VB_INVALID_HANDLE when none is free. */
k_vb_blk_handle dbl_vb_take(k_u32 pool, uint64_t size, k_vb_uid uid);
void dbl_vb_ref(k_vb_blk_handle b, k_vb_uid uid);
void dbl_vb_unref(k_vb_blk_handle b, k_vb_uid uid);
/* Users of a block over all modules (kd_mpi_vb_inquire_user_cnt). */
int dbl_vb_users(k_vb_blk_handle b);
uint64_t dbl_vb_phys(k_vb_blk_handle b);
uint64_t dbl_vb_size(k_vb_blk_handle b);
/* The block containing phys, VB_INVALID_HANDLE if none. */
k_vb_blk_handle dbl_vb_find(uint64_t phys);
/* kd_mpi_vb_init done and not exited. */
int dbl_vb_ready(void);
/* Supplement mask VB was initialised with. */
k_u32 dbl_vb_supplement(void);
/* Free blocks of at least `size` bytes in the common pools, or in `pool`. */
uint32_t dbl_vb_free_blocks(k_u32 pool, uint64_t size);
/* A pool made by a module (VICAP's auto-created pool): counted under its owner, not the app. */
k_u32 dbl_vb_pool_create_internal(uint64_t blk_size, uint32_t blk_cnt, const char *owner);
void dbl_vb_pool_destroy_internal(k_u32 pool);
/* Blocks of `pool` of at least `size`, -1 when the pool does not exist. */
int dbl_vb_pool_fits(k_u32 pool, uint64_t size);

/* ---- binding (sys.c) ---- */
/* A sink module's entry: a frame from a bound source arrives; the sink takes its own VB
 * reference when it keeps the frame (must not block). */
typedef void (*dbl_sink_fn)(const k_mpp_chn *dst, const k_video_frame_info *frame);
void dbl_sink_register(k_mod_id mod, dbl_sink_fn fn);
/* Deliver a frame from source channel `src` to every sink bound to it; returns how many. */
int dbl_bind_push(const k_mpp_chn *src, const k_video_frame_info *frame);
/* Is (mod, dev, chn) the source or the sink of a bind? chn -1 = any channel. */
int dbl_bind_involves(k_mod_id mod, k_s32 dev, k_s32 chn);
/* The source bound to dst; 0 when none. */
int dbl_bind_source(const k_mpp_chn *dst, k_mpp_chn *src);
/* Called by sys.c for every bind: a module checks the pair (rules) and says 0/K_ERR_*. */
typedef k_s32 (*dbl_bind_check_fn)(const k_mpp_chn *src, const k_mpp_chn *dst);
void dbl_bind_check_register(dbl_bind_check_fn fn);

/* ---- frames for the simulator's codec module (codec.c) ----
 * A VB block seen as a hal_frame: the FFmpeg module (libk230js-sim-ffmpeg.so) takes pictures in
 * this form and holds them with frame_ref/frame_unref, which the double maps onto the block's
 * VB user count (uid). The frame starts with one reference. */
hal_frame *dbl_frame_wrap(const k_video_frame_info *info, k_vb_uid uid);

#endif
