/* hal/vb.h on the host: handle table, VB pools, refcounted frames, bindings, registry. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hal/audio.h"
#include "hal/display.h"
#include "hal/sensor.h"
#include "handles.h"
#include "internal.h"

/* ---------------- handles (the shared table in hal/common/handles.c) ---------------- */
int hk_alloc(hk_kind kind, void *obj, hal_handle *out) { return hal_handle_alloc(kind, obj, out); }
int hk_get(hk_kind kind, hal_handle h, void **obj) { return hal_handle_get(kind, h, obj); }
void hk_free(hal_handle h) { hal_handle_free(h); }
static int hk_list(hk_kind kind, hal_handle *out, int max) { return hal_handle_list(kind, out, max); }

/* ---------------- time helpers ---------------- */
void deadline_from_ms(struct timespec *ts, int timeout_ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  if (timeout_ms < 0) return;
  ts->tv_sec += timeout_ms / 1000;
  ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

int cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline,
                 int timeout_ms) {
  if (timeout_ms < 0) return pthread_cond_wait(cv, mu);
  if (timeout_ms == 0) return ETIMEDOUT;
  return pthread_cond_timedwait(cv, mu, deadline);
}

/* Condition variables wait on CLOCK_MONOTONIC so deadlines from deadline_from_ms match. */
void cond_init_mono(pthread_cond_t *cv) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(cv, &a);
  pthread_condattr_destroy(&a);
}

/* ---------------- copy counters ---------------- */
_Atomic uint64_t g_stream_bytes_copied, g_frame_bytes_copied, g_convert_bytes;

void hal_copy_stats_get(hal_copy_stats *out) {
  out->stream_bytes_copied = atomic_load(&g_stream_bytes_copied);
  out->frame_bytes_copied = atomic_load(&g_frame_bytes_copied);
  out->convert_bytes = atomic_load(&g_convert_bytes);
}

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
  if (blk_size == 0 || blk_cnt == 0 || blk_cnt > HAL_VB_MAX_BLOCKS) return HAL_EINVAL;
  if (blk_size > ((size_t)1 << 30)) return HAL_EINVAL;
  vb_pool *p = calloc(1, sizeof *p);
  if (!p) return HAL_ENOMEM;
  p->id = atomic_fetch_add(&g_pool_ids, 1) % 4096;
  p->blk_size = ALIGN_UP(blk_size, 4096);
  p->blk_cnt = blk_cnt;
  pthread_mutex_init(&p->mu, NULL);
  cond_init_mono(&p->cv);
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
  deadline_from_ms(&dl, timeout_ms);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    if (p->in_use < p->blk_cnt) {
      for (uint32_t i = 0; i < p->blk_cnt; i++) {
        if (p->used[i]) continue;
        if (!p->mem[i]) {
          p->mem[i] = aligned_alloc(4096, p->blk_size);
          if (!p->mem[i]) {
            pthread_mutex_unlock(&p->mu);
            return HAL_ENOMEM;
          }
        }
        p->used[i] = 1;
        p->in_use++;
        pthread_mutex_unlock(&p->mu);
        return (int)i;
      }
    }
    if (cond_wait_ms(&p->cv, &p->mu, &dl, timeout_ms) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&p->mu);
  return HAL_EAGAIN;
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
  if (!cfg || !out_pool) return HAL_EINVAL;
  if (hk_list(HK_POOL, NULL, 0) >= HAL_VB_MAX_POOLS) return HAL_ELIMIT;
  vb_pool *p;
  int rc = vb_pool_new(cfg->blk_size, cfg->blk_cnt, &p);
  if (rc) return rc;
  rc = hk_alloc(HK_POOL, p, &p->h);
  if (rc) {
    pool_free_now(p);
    return rc;
  }
  *out_pool = p->h;
  return 0;
}

int hal_vb_pool_destroy(hal_handle pool) {
  vb_pool *p;
  int rc = hk_get(HK_POOL, pool, (void **)&p);
  if (rc) return rc;
  pthread_mutex_lock(&p->mu);
  uint32_t busy = p->in_use;
  pthread_mutex_unlock(&p->mu);
  if (busy) return HAL_EBUSY;
  hk_free(pool);
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
  int rc = hk_get(HK_POOL, pool, (void **)&p);
  if (rc) return rc;
  if (!out_block || size > p->blk_size) return HAL_EINVAL;
  int idx = pool_take(p, 0);
  if (idx < 0) return idx;
  vb_block *b = calloc(1, sizeof *b);
  if (!b || hk_alloc(HK_BLOCK, b, &b->h)) {
    free(b);
    pool_give(p, idx);
    return HAL_ENOMEM;
  }
  b->pool = p;
  b->idx = idx;
  *out_block = b->h;
  return 0;
}

int hal_vb_block_info_get(hal_handle block, hal_vb_block_info *out) {
  vb_block *b;
  int rc = hk_get(HK_BLOCK, block, (void **)&b);
  if (rc) return rc;
  if (!out) return HAL_EINVAL;
  out->pool = b->pool->h;
  out->size = b->pool->blk_size;
  out->phys = pool_phys(b->pool, b->idx);
  out->virt = b->pool->mem[b->idx];
  return 0;
}

int hal_vb_block_release(hal_handle block) {
  vb_block *b;
  int rc = hk_get(HK_BLOCK, block, (void **)&b);
  if (rc) return rc;
  hk_free(block);
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

hal_frame *frame_alloc(vb_pool *pool, uint32_t w, uint32_t h, hal_pixfmt fmt, int timeout_ms) {
  size_t need = hal_pixfmt_size(fmt, w, h);
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
  pix_layout(&fp->pub, pool->mem[idx], pool_phys(pool, idx));
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

/* ---------------- bindings ---------------- */
#define EP_MAX 64
#define LINK_MAX 64

typedef struct endpoint {
  hal_mod mod;
  int dev, chn;
  void *obj;
  const ep_ops *ops;
} endpoint;

typedef struct link {
  hal_handle h;
  hal_chn src, dst;
} link;

static pthread_mutex_t g_link_mu = PTHREAD_MUTEX_INITIALIZER;
static endpoint g_eps[EP_MAX];
static link g_links[LINK_MAX];

void ep_register(hal_mod mod, int dev, int chn, void *obj, const ep_ops *ops) {
  pthread_mutex_lock(&g_link_mu);
  for (int i = 0; i < EP_MAX; i++) {
    if (g_eps[i].mod) continue;
    g_eps[i] = (endpoint){mod, dev, chn, obj, ops};
    break;
  }
  pthread_mutex_unlock(&g_link_mu);
}

void ep_unregister(hal_mod mod, int dev, int chn) {
  pthread_mutex_lock(&g_link_mu);
  for (int i = 0; i < EP_MAX; i++)
    if (g_eps[i].mod == mod && g_eps[i].dev == dev && g_eps[i].chn == chn) g_eps[i].mod = 0;
  pthread_mutex_unlock(&g_link_mu);
}

static endpoint *ep_find(const hal_chn *c) {
  for (int i = 0; i < EP_MAX; i++) {
    endpoint *e = &g_eps[i];
    if (e->mod && e->mod == c->mod && e->dev == c->dev && (e->chn == -1 || e->chn == c->chn))
      return e;
  }
  return NULL;
}

static int chn_eq(const hal_chn *a, hal_mod mod, int dev, int chn) {
  return a->mod == mod && a->dev == dev && (chn == -1 || a->chn == chn);
}

int link_involves(hal_mod mod, int dev, int chn) {
  int found = 0;
  pthread_mutex_lock(&g_link_mu);
  for (int i = 0; i < LINK_MAX && !found; i++)
    if (g_links[i].h &&
        (chn_eq(&g_links[i].src, mod, dev, chn) || chn_eq(&g_links[i].dst, mod, dev, chn)))
      found = 1;
  pthread_mutex_unlock(&g_link_mu);
  return found;
}

void link_push(hal_mod mod, int dev, int chn, hal_frame *f) {
  pthread_mutex_lock(&g_link_mu);
  for (int i = 0; i < LINK_MAX; i++) {
    link *l = &g_links[i];
    if (!l->h || !chn_eq(&l->src, mod, dev, chn)) continue;
    endpoint *e = ep_find(&l->dst);
    if (e && e->ops->push) e->ops->push(e->obj, l->dst.chn, f);
  }
  pthread_mutex_unlock(&g_link_mu);
}

static int is_source(hal_mod m) { return m == HAL_MOD_SENSOR || m == HAL_MOD_VDEC; }
static int is_sink(hal_mod m) { return m == HAL_MOD_VENC || m == HAL_MOD_DISPLAY; }

int hal_link(const hal_chn *src, const hal_chn *dst, hal_handle *out_link) {
  if (!src || !dst || !out_link) return HAL_EINVAL;
  if (!is_source(src->mod) || !is_sink(dst->mod)) return HAL_EINVAL;
  pthread_mutex_lock(&g_link_mu);
  int rc = 0;
  endpoint *s = ep_find(src), *d = ep_find(dst);
  hal_bind_info info;
  int slot = -1;
  if (!s || !d) {
    rc = HAL_ENODEV;
    goto out;
  }
  for (int i = 0; i < LINK_MAX; i++) {
    if (!g_links[i].h) {
      if (slot < 0) slot = i;
      continue;
    }
    if (chn_eq(&g_links[i].dst, dst->mod, dst->dev, dst->chn)) {
      rc = HAL_EBUSY;
      goto out;
    }
  }
  if (slot < 0) {
    rc = HAL_ELIMIT;
    goto out;
  }
  if ((rc = s->ops->describe(s->obj, src->chn, &info))) goto out;
  if ((rc = d->ops->accepts(d->obj, dst->chn, &info))) goto out;
  if ((rc = hk_alloc(HK_LINK, &g_links[slot], &g_links[slot].h))) goto out;
  g_links[slot].src = *src;
  g_links[slot].dst = *dst;
  *out_link = g_links[slot].h;
out:
  pthread_mutex_unlock(&g_link_mu);
  return rc;
}

int hal_unlink(hal_handle h) {
  link *l;
  int rc = hk_get(HK_LINK, h, (void **)&l);
  if (rc) return rc;
  pthread_mutex_lock(&g_link_mu);
  l->h = 0;
  pthread_mutex_unlock(&g_link_mu);
  hk_free(h);
  return 0;
}

/* ---------------- registry ---------------- */
_Static_assert((int)HK_POOL == (int)HAL_KIND_POOL && (int)HK_AOUT == (int)HAL_KIND_AOUT, "hk_kind follows hal/common's kinds");

void hal_registry_stats_get(hal_registry_stats *o) {
  pthread_mutex_lock(&g_app_mu);
  uint32_t frames = g_app_frame_count;
  pthread_mutex_unlock(&g_app_mu);
  hal_handle_counts(o, frames);
}

#define RESET_EACH(kind, call)                              \
  do {                                                      \
    hal_handle hs_[HAL_HANDLE_SLOTS];                               \
    int n_ = hk_list(kind, hs_, HAL_HANDLE_SLOTS);                  \
    for (int i_ = 0; i_ < n_ && i_ < HAL_HANDLE_SLOTS; i_++) call; \
  } while (0)

int hal_reset_all(void) {
  hal_registry_stats before;
  hal_registry_stats_get(&before);
  /* k230-platform.md §2.5: sensor stop -> unbind -> venc stop/destroy -> ... -> pools. */
  RESET_EACH(HK_SENSOR, hal_sensor_stop(hs_[i_]));
  RESET_EACH(HK_LINK, hal_unlink(hs_[i_]));
  RESET_EACH(HK_VENC, hal_venc_destroy(hs_[i_]));
  RESET_EACH(HK_VDEC, hal_vdec_destroy(hs_[i_]));
  RESET_EACH(HK_DISPLAY, hal_display_deinit(hs_[i_]));
  RESET_EACH(HK_AIN, hal_audio_in_close(hs_[i_]));
  RESET_EACH(HK_AOUT, hal_audio_out_close(hs_[i_]));
  RESET_EACH(HK_SENSOR, hal_sensor_close(hs_[i_]));
  for (;;) {
    pthread_mutex_lock(&g_app_mu);
    frame_priv *fp = g_app_frames;
    pthread_mutex_unlock(&g_app_mu);
    if (!fp) break;
    hal_frame_release(&fp->pub);
  }
  RESET_EACH(HK_BLOCK, hal_vb_block_release(hs_[i_]));
  RESET_EACH(HK_POOL, hal_vb_pool_destroy(hs_[i_]));
  return (int)before.total;
}
