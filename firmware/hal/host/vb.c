/* hal/vb.h on the host: VB pools and blocks, refcounted frames, app-held frames. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* ---------------- pools ---------------- */
struct vb_pool {
  hal_handle h; /* 0 for HAL-private pools */
  uint32_t id;
  size_t blk_size;
  uint32_t blk_cnt;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint8_t *mem[HAL_VB_MAX_BLOCKS];
  uint8_t used[HAL_VB_MAX_BLOCKS];
  uint32_t in_use;
  int dropped; /* owner let go; free when in_use reaches 0 */
};

static _Atomic uint32_t g_pool_ids;

static void pool_free_now(vb_pool *p) {
  for (uint32_t i = 0; i < p->blk_cnt; i++) free(p->mem[i]);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}

int vb_pool_new(size_t blk_size, uint32_t blk_cnt, vb_pool **out) {
  if (blk_size == 0 || blk_cnt == 0 || blk_cnt > HAL_VB_MAX_BLOCKS) return ERR_EINVAL;
  if (blk_size > ((size_t)1 << 30)) return ERR_EINVAL;
  vb_pool *p = calloc(1, sizeof *p);
  if (!p) return ERR_ENOMEM;
  p->id = atomic_fetch_add(&g_pool_ids, 1) % 4096;
  p->blk_size = ALIGN_UP(blk_size, 4096);
  p->blk_cnt = blk_cnt;
  pthread_mutex_init(&p->mu, NULL);
  base_cond_init_mono(&p->cv);
  *out = p;
  return 0;
}

void vb_pool_drop(vb_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  int now = p->in_use == 0;
  p->dropped = 1;
  pthread_mutex_unlock(&p->mu);
  if (now) pool_free_now(p);
}

/* Take a block: index or a negative code. */
static int pool_take(vb_pool *p, int timeout_ms) {
  struct timespec dl;
  base_deadline(&dl, timeout_ms);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    if (p->in_use < p->blk_cnt) {
      for (uint32_t i = 0; i < p->blk_cnt; i++) {
        if (p->used[i]) continue;
        if (!p->mem[i]) {
          p->mem[i] = aligned_alloc(4096, p->blk_size);
          if (!p->mem[i]) {
            pthread_mutex_unlock(&p->mu);
            return ERR_ENOMEM;
          }
        }
        p->used[i] = 1;
        p->in_use++;
        pthread_mutex_unlock(&p->mu);
        return (int)i;
      }
    }
    if (base_cond_wait(&p->cv, &p->mu, &dl, timeout_ms) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&p->mu);
  return ERR_EAGAIN;
}

static void pool_give(vb_pool *p, int idx) {
  pthread_mutex_lock(&p->mu);
  p->used[idx] = 0;
  p->in_use--;
  int free_now = p->dropped && p->in_use == 0;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  if (free_now) pool_free_now(p);
}

static uint64_t pool_phys(const vb_pool *p, int idx) {
  /* A phys-like address space: one 64 MiB-aligned window per pool id. */
  return 0x100000000ull + ((uint64_t)p->id << 32) + (uint64_t)idx * p->blk_size;
}

int hal_vb_pool_create(const hal_vb_pool_config *cfg, hal_handle *out_pool) {
  if (!cfg || !out_pool) return ERR_EINVAL;
  if (hal_handle_list(HAL_KIND_POOL, NULL, 0) >= HAL_VB_MAX_POOLS) return ERR_ELIMIT;
  vb_pool *p;
  int rc = vb_pool_new(cfg->blk_size, cfg->blk_cnt, &p);
  if (rc) return rc;
  rc = hal_handle_alloc(HAL_KIND_POOL, p, &p->h);
  if (rc) {
    pool_free_now(p);
    return rc;
  }
  *out_pool = p->h;
  return 0;
}

int hal_vb_pool_destroy(hal_handle pool) {
  vb_pool *p;
  int rc = hal_handle_get(HAL_KIND_POOL, pool, (void **)&p);
  if (rc) return rc;
  pthread_mutex_lock(&p->mu);
  uint32_t busy = p->in_use;
  pthread_mutex_unlock(&p->mu);
  if (busy) return ERR_EBUSY;
  hal_handle_free(pool);
  pool_free_now(p);
  return 0;
}

typedef struct vb_block {
  vb_pool *pool;
  int idx;
  hal_handle h;
} vb_block;

int hal_vb_block_get(hal_handle pool, size_t size, hal_handle *out_block) {
  vb_pool *p;
  int rc = hal_handle_get(HAL_KIND_POOL, pool, (void **)&p);
  if (rc) return rc;
  if (!out_block || size > p->blk_size) return ERR_EINVAL;
  int idx = pool_take(p, 0);
  if (idx < 0) return idx;
  vb_block *b = calloc(1, sizeof *b);
  if (!b || hal_handle_alloc(HAL_KIND_BLOCK, b, &b->h)) {
    free(b);
    pool_give(p, idx);
    return ERR_ENOMEM;
  }
  b->pool = p;
  b->idx = idx;
  *out_block = b->h;
  return 0;
}

int hal_vb_block_info_get(hal_handle block, hal_vb_block_info *out) {
  vb_block *b;
  int rc = hal_handle_get(HAL_KIND_BLOCK, block, (void **)&b);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  out->pool = b->pool->h;
  out->size = b->pool->blk_size;
  out->phys = pool_phys(b->pool, b->idx);
  out->virt = b->pool->mem[b->idx];
  return 0;
}

int hal_vb_block_release(hal_handle block) {
  vb_block *b;
  int rc = hal_handle_get(HAL_KIND_BLOCK, block, (void **)&b);
  if (rc) return rc;
  hal_handle_free(block);
  pool_give(b->pool, b->idx);
  free(b);
  return 0;
}

/* ---------------- frames ---------------- */
typedef struct frame_priv {
  hal_frame pub; /* first: a hal_frame * is a frame_priv * */
  _Atomic int refs;
  int app_refs;
  struct frame_priv *app_prev, *app_next;
  vb_pool *pool;
  int idx;
} frame_priv;

static pthread_mutex_t g_app_mu = PTHREAD_MUTEX_INITIALIZER;
static frame_priv *g_app_frames;
static uint32_t g_app_frame_count;

hal_frame *frame_alloc(vb_pool *pool, uint32_t w, uint32_t h, hal_pixfmt fmt, int align_log2, int timeout_ms) {
  size_t need = hal_pixfmt_size_aligned(fmt, w, h, align_log2);
  if (!need || need > pool->blk_size) return NULL;
  frame_priv *fp = calloc(1, sizeof *fp);
  if (!fp) return NULL;
  int idx = pool_take(pool, timeout_ms);
  if (idx < 0) {
    free(fp);
    return NULL;
  }
  fp->pool = pool;
  fp->idx = idx;
  atomic_store(&fp->refs, 1);
  fp->pub.width = w;
  fp->pub.height = h;
  fp->pub.format = fmt;
  fp->pub.size = need;
  fp->pub.pool = pool->h;
  hal_frame_layout(&fp->pub, pool->mem[idx], pool_phys(pool, idx), align_log2);
  return &fp->pub;
}

void frame_ref(hal_frame *f) { atomic_fetch_add(&((frame_priv *)f)->refs, 1); }

void frame_unref(hal_frame *f) {
  if (!f) return;
  frame_priv *fp = (frame_priv *)f;
  if (atomic_fetch_sub(&fp->refs, 1) != 1) return;
  pool_give(fp->pool, fp->idx);
  free(fp);
}

void frame_give_to_app(hal_frame *f) {
  frame_priv *fp = (frame_priv *)f;
  pthread_mutex_lock(&g_app_mu);
  if (fp->app_refs++ == 0) {
    fp->app_prev = NULL;
    fp->app_next = g_app_frames;
    if (g_app_frames) g_app_frames->app_prev = fp;
    g_app_frames = fp;
  }
  g_app_frame_count++;
  pthread_mutex_unlock(&g_app_mu);
}

void hal_frame_release(hal_frame *frame) {
  if (!frame) return;
  frame_priv *fp = (frame_priv *)frame;
  pthread_mutex_lock(&g_app_mu);
  if (fp->app_refs <= 0) {
    /* Not handed out (or released twice): a caller bug, ignored rather than corrupting. */
    pthread_mutex_unlock(&g_app_mu);
    return;
  }
  if (--fp->app_refs == 0) {
    if (fp->app_prev) fp->app_prev->app_next = fp->app_next;
    else g_app_frames = fp->app_next;
    if (fp->app_next) fp->app_next->app_prev = fp->app_prev;
  }
  g_app_frame_count--;
  pthread_mutex_unlock(&g_app_mu);
  frame_unref(frame);
}

uint32_t frames_held(void) {
  pthread_mutex_lock(&g_app_mu);
  uint32_t n = g_app_frame_count;
  pthread_mutex_unlock(&g_app_mu);
  return n;
}

void frames_release_all(void) {
  for (;;) {
    pthread_mutex_lock(&g_app_mu);
    frame_priv *fp = g_app_frames;
    pthread_mutex_unlock(&g_app_mu);
    if (!fp) break;
    hal_frame_release(&fp->pub);
  }
}
