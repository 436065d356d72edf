/* hal/vb.h on the K230: VB pools and blocks (kd_mpi_vb_*), app-held frames, MPP pixel formats. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/vb.h"
#include "k230_internal.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"
#include "k_errno.h"

/* ---------------- VB init ----------------
 * One VB configuration per run (kd_mpi_vb_set_config + supplement + kd_mpi_vb_init; exited by
 * hal_reset_all). Blocks the runtime uses come from private pools their owners size and destroy,
 * except where the MPP itself takes them from common pools: on the 2024 MPP, VICAP channel
 * buffers and VENC output buffers (CanMV configures a common pool for each before
 * MediaManager.init: sensor.py set_framesize, vencoder.py SetOutBufs). Those needs are claimed
 * here before VB is initialised (k230_vb_common_claim); a claim made after init is served by a
 * released pool that fits, or by re-initialising VB while nothing holds it. */
#define COMMON_MAX VB_MAX_COMM_POOLS

typedef struct common_slot {
  uint64_t size;
  uint32_t cnt;
  int claimed;
} common_slot;

static pthread_mutex_t g_vb_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_vb_ready;
static int g_vb_ours; /* we initialised it (and exit it) */
static common_slot g_common[COMMON_MAX];
static uint32_t g_private_pools; /* pools made by k230_pool_create and not destroyed */

/* g_vb_mu held. A common pool every configuration has (the microphone's, audio.c), left
 * unclaimed for k230_vb_common_claim to find even after VB is initialised. */
static void standing_pool(void) {
  uint64_t size;
  uint32_t cnt;
  if (!k230_audio_common_need(&size, &cnt)) return;
  size = K_ALIGN_UP(size, 4096);
  for (int i = 0; i < COMMON_MAX; i++)
    if (g_common[i].cnt && !g_common[i].claimed && g_common[i].size >= size && g_common[i].cnt >= cnt) return;
  for (int i = 0; i < COMMON_MAX; i++)
    if (!g_common[i].cnt) {
      g_common[i] = (common_slot){size, cnt, 0};
      return;
    }
}

/* g_vb_mu held. */
static int vb_init_locked(void) {
  k_vb_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_pool_cnt = 64;
  standing_pool();
  int n = 0;
  for (int i = 0; i < COMMON_MAX; i++) {
    if (!g_common[i].cnt) continue;
    cfg.comm_pool[n].blk_size = g_common[i].size;
    cfg.comm_pool[n].blk_cnt = g_common[i].cnt;
    cfg.comm_pool[n].mode = VB_REMAP_MODE_NOCACHE;
    n++;
  }
  k_s32 r = kd_mpi_vb_set_config(&cfg);
  if (r == 0) {
    /* JPEG encoding needs the DCF supplement on every block (CanMV media.py sets it always). */
    k_vb_supplement_config sup;
    memset(&sup, 0, sizeof sup);
    sup.supplement_config = VB_SUPPLEMENT_JPEG_MASK;
    r = kd_mpi_vb_set_supplement_config(&sup);
  }
  if (r == 0) r = kd_mpi_vb_init();
  if (r == 0) {
    g_vb_ready = g_vb_ours = 1;
    return 0;
  }
  /* Already configured by someone else in this boot (e.g. a previous run of us that was
   * killed): the existing configuration serves private pools just as well. */
  if ((r & 0x1fff) == K_ERR_EXIST || (r & 0x1fff) == K_ERR_BUSY || (r & 0x1fff) == K_ERR_NOT_PERM) {
    g_vb_ready = 1;
    return 0;
  }
  return k230_err(r);
}

int k230_vb_ensure_init(void) {
  pthread_mutex_lock(&g_vb_mu);
  int rc = g_vb_ready ? 0 : vb_init_locked();
  pthread_mutex_unlock(&g_vb_mu);
  return rc;
}

int k230_vb_common_claim(uint64_t size, uint32_t cnt, int *slot) {
  size = K_ALIGN_UP(size, 4096);
  pthread_mutex_lock(&g_vb_mu);
  int rc = 0, s = -1;
  /* A pool of the current configuration nobody claims, big enough. */
  for (int i = 0; i < COMMON_MAX && s < 0; i++)
    if (g_common[i].cnt && !g_common[i].claimed && g_common[i].size >= size && g_common[i].cnt >= cnt) s = i;
  if (s < 0 && g_vb_ready) {
    int busy = g_private_pools > 0;
    for (int i = 0; i < COMMON_MAX; i++) busy |= g_common[i].claimed;
    if (busy || !g_vb_ours || kd_mpi_vb_exit() != 0) {
      rc = ERR_ENOMEM; /* the common pools are fixed until every media object is closed */
      goto out;
    }
    g_vb_ready = g_vb_ours = 0;
    memset(g_common, 0, sizeof g_common); /* unclaimed pools go with the old configuration */
  }
  for (int i = 0; i < COMMON_MAX && s < 0; i++)
    if (!g_common[i].cnt) {
      s = i;
      g_common[i].size = size;
      g_common[i].cnt = cnt;
    }
  if (s < 0) {
    rc = ERR_ELIMIT;
    goto out;
  }
  g_common[s].claimed = 1;
  *slot = s;
out:
  pthread_mutex_unlock(&g_vb_mu);
  return rc;
}

void k230_vb_common_release(int slot) {
  if (slot < 0 || slot >= COMMON_MAX) return;
  pthread_mutex_lock(&g_vb_mu);
  g_common[slot].claimed = 0;
  pthread_mutex_unlock(&g_vb_mu);
}

void k230_outbuf_free(k230_outbuf *ob) {
  k230_pool_destroy(ob->pool);
  k230_vb_common_release(ob->common_slot);
  *ob = K230_OUTBUF_NONE;
}

void k230_vb_exit(void) {
  pthread_mutex_lock(&g_vb_mu);
  if (g_vb_ready && g_vb_ours && kd_mpi_vb_exit() == 0) {
    g_vb_ready = g_vb_ours = 0;
    memset(g_common, 0, sizeof g_common);
  }
  pthread_mutex_unlock(&g_vb_mu);
}

k_u32 k230_pool_create(uint64_t blk_size, uint32_t blk_cnt) {
  if (k230_vb_ensure_init()) return VB_INVALID_POOLID;
  k_vb_pool_config pc;
  memset(&pc, 0, sizeof pc);
  pc.blk_size = K_ALIGN_UP(blk_size, 4096);
  pc.blk_cnt = blk_cnt;
  pc.mode = VB_REMAP_MODE_NOCACHE;
  k_u32 id = (k_u32)kd_mpi_vb_create_pool(&pc);
  if (id != VB_INVALID_POOLID) {
    pthread_mutex_lock(&g_vb_mu);
    g_private_pools++;
    pthread_mutex_unlock(&g_vb_mu);
  }
  return id;
}

int k230_pool_destroy(k_u32 pool_id) {
  if (pool_id == VB_INVALID_POOLID) return 0;
  k_s32 r = kd_mpi_vb_destory_pool(pool_id);
  if (r == 0) {
    pthread_mutex_lock(&g_vb_mu);
    g_private_pools--;
    pthread_mutex_unlock(&g_vb_mu);
  }
  return k230_err(r);
}

uint32_t k230_block_get(k_u32 pool_id, uint64_t size, int timeout_ms) {
  struct timespec dl, now;
  base_deadline(&dl, timeout_ms);
  for (;;) {
    k_vb_blk_handle b = kd_mpi_vb_get_block(pool_id, size, NULL);
    if (b != VB_INVALID_HANDLE) return b;
    if (timeout_ms == 0) return VB_INVALID_HANDLE;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (timeout_ms > 0 && (now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec)))
      return VB_INVALID_HANDLE;
    usleep(5000); /* the MPP has no "wait for a free block"; CanMV spins too (vdecoder.py) */
  }
}

/* ---------------- app pools and blocks ---------------- */
typedef struct kpool {
  hal_handle h;
  k_u32 id;
  size_t blk_size;
  uint32_t blk_cnt;
  uint32_t in_use;
} kpool;

typedef struct kblock {
  hal_handle h;
  kpool *pool;
  k_vb_blk_handle blk;
  uint64_t phys;
  void *virt;
} kblock;

int hal_vb_pool_create(const hal_vb_pool_config *cfg, hal_handle *out_pool) {
  if (!cfg || !out_pool || cfg->blk_size == 0 || cfg->blk_cnt == 0 || cfg->blk_cnt > HAL_VB_MAX_BLOCKS ||
      cfg->blk_size > ((size_t)1 << 30))
    return ERR_EINVAL;
  if (hal_handle_list(HAL_KIND_POOL, NULL, 0) >= HAL_VB_MAX_POOLS) return ERR_ELIMIT;
  int rc = k230_vb_ensure_init();
  if (rc) return rc;
  kpool *p = calloc(1, sizeof *p);
  if (!p) return ERR_ENOMEM;
  p->blk_size = K_ALIGN_UP(cfg->blk_size, 4096);
  p->blk_cnt = cfg->blk_cnt;
  p->id = k230_pool_create(p->blk_size, p->blk_cnt);
  if (p->id == VB_INVALID_POOLID) {
    free(p);
    return ERR_ENOMEM; /* MMZ exhausted (k230-platform.md §1.5: MMZ holds every pool) */
  }
  if ((rc = hal_handle_alloc(HAL_KIND_POOL, p, &p->h))) {
    k230_pool_destroy(p->id);
    free(p);
    return rc;
  }
  *out_pool = p->h;
  return 0;
}

int hal_vb_pool_destroy(hal_handle pool) {
  kpool *p;
  int rc = hal_handle_get(HAL_KIND_POOL, pool, (void **)&p);
  if (rc) return rc;
  if (p->in_use) return ERR_EBUSY;
  if ((rc = k230_pool_destroy(p->id))) return rc;
  hal_handle_free(pool);
  free(p);
  return 0;
}

int hal_vb_block_get(hal_handle pool, size_t size, hal_handle *out_block) {
  kpool *p;
  int rc = hal_handle_get(HAL_KIND_POOL, pool, (void **)&p);
  if (rc) return rc;
  if (!out_block || size > p->blk_size) return ERR_EINVAL;
  kblock *b = calloc(1, sizeof *b);
  if (!b) return ERR_ENOMEM;
  b->blk = kd_mpi_vb_get_block(p->id, size ? size : p->blk_size, NULL);
  if (b->blk == VB_INVALID_HANDLE) {
    free(b);
    return ERR_EAGAIN;
  }
  b->phys = kd_mpi_vb_handle_to_phyaddr(b->blk);
  b->virt = b->phys ? kd_mpi_sys_mmap(b->phys, (k_u32)p->blk_size) : NULL;
  if (!b->virt || (rc = hal_handle_alloc(HAL_KIND_BLOCK, b, &b->h))) {
    if (b->virt) kd_mpi_sys_munmap(b->virt, (k_u32)p->blk_size);
    kd_mpi_vb_release_block(b->blk);
    free(b);
    return rc ? rc : ERR_EIO;
  }
  b->pool = p;
  p->in_use++;
  *out_block = b->h;
  return 0;
}

int hal_vb_block_info_get(hal_handle block, hal_vb_block_info *out) {
  kblock *b;
  int rc = hal_handle_get(HAL_KIND_BLOCK, block, (void **)&b);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  out->pool = b->pool->h;
  out->size = b->pool->blk_size;
  out->phys = b->phys;
  out->virt = b->virt;
  return 0;
}

int hal_vb_block_release(hal_handle block) {
  kblock *b;
  int rc = hal_handle_get(HAL_KIND_BLOCK, block, (void **)&b);
  if (rc) return rc;
  hal_handle_free(block);
  kd_mpi_sys_munmap(b->virt, (k_u32)b->pool->blk_size);
  kd_mpi_vb_release_block(b->blk);
  b->pool->in_use--;
  free(b);
  return 0;
}

/* ---------------- frames ---------------- */
static pthread_mutex_t g_fr_mu = PTHREAD_MUTEX_INITIALIZER;
static k230_frame *g_frames;
static uint32_t g_frame_count;

static hal_pixfmt hal_fmt_of(k_pixel_format f) {
  switch (f) {
    case PIXEL_FORMAT_YUV_SEMIPLANAR_420: return HAL_PIXFMT_NV12;
    case PIXEL_FORMAT_RGB_888: return HAL_PIXFMT_RGB888;
    case PIXEL_FORMAT_RGB_565: return HAL_PIXFMT_RGB565;
    case PIXEL_FORMAT_YUV_400: return HAL_PIXFMT_GRAYSCALE;
    case PIXEL_FORMAT_ARGB_8888: return HAL_PIXFMT_ARGB8888;
    default: return HAL_PIXFMT_NONE;
  }
}

k230_frame *k230_frame_wrap(const k_video_frame_info *info, k230_frame_release_fn release, void *owner, int dev,
                            int chn) {
  const k_video_frame *v = &info->v_frame;
  hal_pixfmt fmt = hal_fmt_of(v->pixel_format);
  size_t size = hal_pixfmt_size(fmt, v->width, v->height);
  if (!size) return NULL;
  k230_frame *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->info = *info;
  /* One mapping from the first plane's page to the end of the picture: the MPP puts the planes
   * of a frame in one block (UV right after Y for NV12). */
  uint64_t base = v->phys_addr[0] & ~(uint64_t)4095;
  uint64_t end = v->phys_addr[0] + size;
  if (fmt == HAL_PIXFMT_NV12 && v->phys_addr[1] > v->phys_addr[0])
    end = v->phys_addr[1] + (size_t)v->stride[1] * (v->height / 2);
  f->map_len = K_ALIGN_UP(end - base, 4096);
  /* Planes apart (a channel with aligned planes): the picture runs to the end of UV. */
  if (fmt == HAL_PIXFMT_NV12 && v->phys_addr[1] > v->phys_addr[0]) size = (size_t)(end - v->phys_addr[0]);
  f->map = kd_mpi_sys_mmap(base, (k_u32)f->map_len);
  if (!f->map) {
    free(f);
    return NULL;
  }
  hal_frame *p = &f->pub;
  p->width = v->width;
  p->height = v->height;
  p->format = fmt;
  p->size = size;
  p->pts_us = v->pts;
  p->seq = v->time_ref;
  p->pool = 0;
  for (int i = 0; i < hal_pixfmt_planes(fmt); i++) {
    p->phys[i] = v->phys_addr[i];
    p->data[i] = (uint8_t *)f->map + (v->phys_addr[i] - base);
    p->stride[i] = v->stride[i]                         ? v->stride[i]
                   : (i == 0 && fmt != HAL_PIXFMT_NV12) ? (uint32_t)(size / v->height)
                                                        : v->width;
  }
  f->release = release;
  f->owner = owner;
  f->dev = dev;
  f->chn = chn;
  return f;
}

void k230_frame_give(k230_frame *f) {
  pthread_mutex_lock(&g_fr_mu);
  f->prev = NULL;
  f->next = g_frames;
  if (g_frames) g_frames->prev = f;
  g_frames = f;
  g_frame_count++;
  pthread_mutex_unlock(&g_fr_mu);
}

static int unlink_frame(k230_frame *f) {
  /* Only frames on the list are released: a second release is a caller bug and is ignored. */
  k230_frame *it = g_frames;
  while (it && it != f) it = it->next;
  if (!it) return 0;
  if (f->prev) f->prev->next = f->next;
  else g_frames = f->next;
  if (f->next) f->next->prev = f->prev;
  g_frame_count--;
  return 1;
}

static void frame_destroy(k230_frame *f) {
  kd_mpi_sys_munmap(f->map, (k_u32)f->map_len);
  if (f->release) f->release(f);
  free(f);
}

void hal_frame_release(hal_frame *frame) {
  if (!frame) return;
  k230_frame *f = (k230_frame *)frame;
  pthread_mutex_lock(&g_fr_mu);
  int ok = unlink_frame(f);
  pthread_mutex_unlock(&g_fr_mu);
  if (ok) frame_destroy(f);
}

void k230_frames_release_owner(void *owner) {
  for (;;) {
    pthread_mutex_lock(&g_fr_mu);
    k230_frame *f = g_frames;
    while (f && f->owner != owner) f = f->next;
    if (f) unlink_frame(f);
    pthread_mutex_unlock(&g_fr_mu);
    if (!f) return;
    frame_destroy(f);
  }
}

void k230_frames_release_all(void) {
  for (;;) {
    pthread_mutex_lock(&g_fr_mu);
    k230_frame *f = g_frames;
    if (f) unlink_frame(f);
    pthread_mutex_unlock(&g_fr_mu);
    if (!f) return;
    frame_destroy(f);
  }
}

uint32_t k230_frames_held(void) {
  pthread_mutex_lock(&g_fr_mu);
  uint32_t n = g_frame_count;
  pthread_mutex_unlock(&g_fr_mu);
  return n;
}

/* ---------------- pixel formats (names, sizes, layout: hal/common/pixfmt.c) ---------------- */
k_pixel_format k230_pixfmt(hal_pixfmt f) {
  switch (f) {
    case HAL_PIXFMT_NV12: return PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    case HAL_PIXFMT_RGB888: return PIXEL_FORMAT_RGB_888;
    case HAL_PIXFMT_RGB565: return PIXEL_FORMAT_RGB_565;
    case HAL_PIXFMT_GRAYSCALE: return PIXEL_FORMAT_YUV_400;
    case HAL_PIXFMT_ARGB8888: return PIXEL_FORMAT_ARGB_8888;
    default: return PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  }
}
