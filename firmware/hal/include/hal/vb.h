/*
 * hal/vb.h — video buffers, frames, bindings and the registry of what an app holds.
 *
 * Mirrors the K230 MPP VB/SYS layer (kd_mpi_vb_*, kd_mpi_sys_bind): memory for frames comes from
 * pools of equal-size blocks, each block has a physical address (phys-like on the host) and a
 * virtual pointer; a source channel (sensor, vdec) is bound to a sink channel (venc, display
 * layer) so frames flow between blocks without the app touching them.
 *
 * Handles. Every media object an app creates (pool, block, link, sensor, venc, vdec, display,
 * audio in/out) is a `hal_handle`: a non-zero 32-bit value carrying the object's kind and a
 * generation. A closed handle is never reused for a while (12-bit generation), and every call on
 * it returns ERR_ECLOSED; a handle of the wrong kind or a made-up value gives ERR_EINVAL.
 * The set of live handles plus the frames the app holds is the registry: hal_reset_all()
 * releases all of it in the K230 teardown order (k230-platform.md §2.5), so the next app starts
 * clean (CanMV's "vb config failed" on the second recording cannot happen).
 *
 * Threading. Calls on one object are made from one thread at a time (the runtime's loop thread);
 * different objects may be used from different threads. Event callbacks declared in the block
 * headers run on backend threads: they must not block and must not call back into the HAL
 * object that raised them; the runtime posts them to its loop.
 */
#ifndef HAL_VB_H
#define HAL_VB_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t hal_handle; /* 0 is never a valid handle */

/* ---- pixel formats and frames ---- */

typedef enum hal_pixfmt {
  HAL_PIXFMT_NONE = 0,
  HAL_PIXFMT_NV12,      /* YUV420 semi-planar (K230 PIXEL_FORMAT_YUV_SEMIPLANAR_420) */
  HAL_PIXFMT_RGB888,    /* packed R,G,B bytes */
  HAL_PIXFMT_RGB565,    /* 16-bit little-endian, R in the high 5 bits */
  HAL_PIXFMT_GRAYSCALE, /* 8-bit luma */
  HAL_PIXFMT_ARGB8888,  /* 32-bit little-endian word 0xAARRGGBB (bytes B,G,R,A) */
} hal_pixfmt;

/* "NV12", "RGB888", ...; "NONE" for anything else. Never NULL. */
const char *hal_pixfmt_name(hal_pixfmt fmt);
/* Bytes for a width x height image in `fmt` with the HAL's layout (tight rows), or 0 when the
 * format is unknown or the size invalid (NV12 needs even width and height). */
size_t hal_pixfmt_size(hal_pixfmt fmt, uint32_t width, uint32_t height);

/* A picture in a VB block. Produced by the HAL only (sensor snapshot, vdec output, display
 * writeback); the app reads it in place (zero-copy) and gives it back with hal_frame_release().
 * Planes: NV12 has data[0]=Y (stride[0]) and data[1]=interleaved UV (stride[1]); packed formats
 * use data[0] only. Valid until released; the fields never change while the app holds it. */
typedef struct hal_frame {
  uint32_t width, height;
  hal_pixfmt format;
  uint32_t stride[3];
  uint8_t *data[3];
  uint64_t phys[3]; /* phys-like address of each plane (4 KiB-aligned block base) */
  size_t size;      /* bytes of the whole picture from data[0] */
  uint64_t pts_us;  /* presentation time, microseconds */
  uint32_t seq;     /* frame number from its source, starting at 0 */
  hal_handle pool;  /* pool the block came from (0 for HAL-private pools) */
} hal_frame;

/* Give back a frame the HAL handed out. NULL is ignored. Each handed-out frame is released
 * exactly once; hal_reset_all() releases the ones the app forgot. */
void hal_frame_release(hal_frame *frame);

/* ---- pools and blocks (kd_mpi_vb_create_pool / get_block) ---- */

typedef struct hal_vb_pool_config {
  size_t blk_size;  /* bytes per block, > 0; rounded up to 4 KiB */
  uint32_t blk_cnt; /* 1..HAL_VB_MAX_BLOCKS */
} hal_vb_pool_config;
#define HAL_VB_POOL_CONFIG_DEFAULT \
  { .blk_size = 0, .blk_cnt = 4 }
#define HAL_VB_MAX_POOLS 256
#define HAL_VB_MAX_BLOCKS 256

/* Create a pool. Memory is committed lazily on the host, eagerly (MMZ) on the board. */
int hal_vb_pool_create(const hal_vb_pool_config *cfg, hal_handle *out_pool);
/* Destroy a pool. ERR_EBUSY while any of its blocks is held (by the app or by a frame). */
int hal_vb_pool_destroy(hal_handle pool);

typedef struct hal_vb_block_info {
  hal_handle pool;
  size_t size;   /* usable bytes (the pool's block size) */
  uint64_t phys; /* phys-like address, 4 KiB-aligned */
  void *virt;    /* the mapping; valid until the block is released */
} hal_vb_block_info;

/* Take a free block of at least `size` bytes from `pool` (size 0 = the pool's block size).
 * ERR_EAGAIN when every block is in use, ERR_EINVAL when size exceeds the block size. */
int hal_vb_block_get(hal_handle pool, size_t size, hal_handle *out_block);
int hal_vb_block_info_get(hal_handle block, hal_vb_block_info *out);
int hal_vb_block_release(hal_handle block);

/* ---- binding (kd_mpi_sys_bind) ---- */

typedef enum hal_mod {
  HAL_MOD_NONE = 0,
  HAL_MOD_SENSOR,  /* source: (SENSOR, dev 0-2, chn 0-2)   K_ID_VI */
  HAL_MOD_VENC,    /* sink:   (VENC, 0, chn 0-3)           K_ID_VENC */
  HAL_MOD_VDEC,    /* source: (VDEC, 0, chn 0-3)           K_ID_VDEC */
  HAL_MOD_DISPLAY, /* sink:   (DISPLAY, 0, hal_display_layer) K_ID_VO */
  HAL_MOD_AI,
  HAL_MOD_AO,
} hal_mod;

typedef struct hal_chn {
  hal_mod mod;
  int dev;
  int chn;
} hal_chn;

/* What a source produces, for binding (CanMV `bind_info()`): source channel, the rectangle the
 * frames should occupy on a display, and their pixel format. */
typedef struct hal_bind_info {
  hal_chn src;
  int x, y;
  uint32_t width, height;
  hal_pixfmt format;
  int alignment; /* a camera channel's plane alignment (hal/sensor.h); 0 for other sources */
} hal_bind_info;

/* Bind a source channel to a sink channel; both objects must exist. Errors: ERR_EINVAL (not a
 * source/sink pair, or the sink cannot take the source's size/format, e.g. RGB888 into a
 * video encoder), ERR_ENODEV (no such object open), ERR_EBUSY (sink already bound).
 * A source may feed several sinks; a sink has one source. */
int hal_link(const hal_chn *src, const hal_chn *dst, hal_handle *out_link);
int hal_unlink(hal_handle link);

/* ---- registry and soft reset ---- */

typedef struct hal_registry_stats {
  uint32_t pools, blocks, links, sensors, vencs, vdecs, displays, audio_ins, audio_outs;
  uint32_t frames; /* frames handed to the app and not released */
  uint32_t total;  /* sum of the above */
} hal_registry_stats;

void hal_registry_stats_get(hal_registry_stats *out);

/* Release everything the app holds, in order: sensors stop, links unbind, encoders stop and
 * destroy, decoders, displays, audio, sensors close, frames, blocks, pools. Never interrupted;
 * afterwards the registry is empty. Returns the number of objects released. */
int hal_reset_all(void);

/* Release only the listed objects (what one runtime holds when several share the HAL; see
 * quickjs-bindings/include/kjs/media.h), in the order of hal_reset_all. Handles already closed
 * are skipped; frames are not touched (whoever holds one gives it back first) and the backend's
 * own set-up stays (hal_reset_all ends the run). Returns how many of them were live. */
int hal_reset_handles(const hal_handle *handles, size_t n);

/* Debug counters of the zero-copy paths (all processes-wide, monotonic). */
typedef struct hal_copy_stats {
  uint64_t stream_bytes_copied; /* venc get_stream path: bytes copied into packs (goal 0) */
  uint64_t frame_bytes_copied;  /* frames copied between blocks on bound paths (goal 0) */
  uint64_t convert_bytes;       /* format conversions that are inherent (decoder output, scaling) */
} hal_copy_stats;
void hal_copy_stats_get(hal_copy_stats *out);

#endif
