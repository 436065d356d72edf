/* VB: configuration, init/exit, common / private / module pools, and blocks with a user count
 * per module (kd_mpi_vb_inquire_user_cnt is their sum). Every pool is one MMZ range. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "double.h"
#include "mpi_vb_api.h"

typedef enum pool_kind { POOL_FREE = 0, POOL_COMMON, POOL_PRIVATE, POOL_INTERNAL } pool_kind;

typedef struct vpool {
  pool_kind kind;
  const char *owner; /* POOL_INTERNAL: the module that made it */
  uint64_t blk_size, stride;
  uint32_t blk_cnt;
  uint64_t phys;
  uint16_t (*users)[VB_UID_BUTT]; /* per block, per module */
} vpool;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static vpool g_pools[VB_MAX_POOLS];
static k_vb_config g_config;
static int g_configured, g_inited;
static k_u32 g_supplement;

#define HANDLE(pool, blk) ((k_vb_blk_handle)((((pool) + 1u) << 8) | (blk)))

static vpool *pool_of(k_vb_blk_handle h, uint32_t *blk) {
  if (h == VB_INVALID_HANDLE) return NULL;
  uint32_t p = (h >> 8) - 1, b = h & 0xff;
  if (p >= VB_MAX_POOLS || g_pools[p].kind == POOL_FREE || b >= g_pools[p].blk_cnt) return NULL;
  *blk = b;
  return &g_pools[p];
}

static int block_users(const vpool *p, uint32_t b) {
  int n = 0;
  for (int u = 0; u < VB_UID_BUTT; u++) n += p->users[b][u];
  return n;
}

/* mu held. VB_INVALID_POOLID when no slot or no MMZ. */
static k_u32 pool_new(pool_kind kind, uint64_t blk_size, uint32_t blk_cnt, const char *owner) {
  int id = -1;
  for (int i = 0; i < VB_MAX_POOLS && id < 0; i++)
    if (g_pools[i].kind == POOL_FREE) id = i;
  if (id < 0 || !blk_size || !blk_cnt || blk_cnt > VB_SINGLE_MAX_BLKS) return VB_INVALID_POOLID;
  vpool *p = &g_pools[id];
  p->stride = (blk_size + 4095) & ~4095ull;
  p->phys = dbl_mmz_alloc(p->stride * blk_cnt);
  if (!p->phys) return VB_INVALID_POOLID;
  p->users = calloc(blk_cnt, sizeof *p->users);
  if (!p->users) {
    dbl_mmz_free(p->phys);
    return VB_INVALID_POOLID;
  }
  p->kind = kind;
  p->owner = owner;
  p->blk_size = blk_size;
  p->blk_cnt = blk_cnt;
  return (k_u32)id;
}

static void pool_free(vpool *p) {
  dbl_mmz_free(p->phys);
  free(p->users);
  memset(p, 0, sizeof *p);
}

static int pool_busy(const vpool *p) {
  for (uint32_t b = 0; b < p->blk_cnt; b++)
    if (block_users(p, b)) return 1;
  return 0;
}

/* ---- configuration, init, exit ---- */
k_s32 kd_mpi_vb_set_config(const k_vb_config *config) {
  if (!config) return K_ERR_VB_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int inited = g_inited;
  if (!inited) {
    g_config = *config;
    g_configured = 1;
  }
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(!inited, "VB-CONFIG-BEFORE-INIT", "kd_mpi_vb_set_config while VB is initialised"))
    return K_ERR_VB_BUSY;
  return 0;
}

k_s32 kd_mpi_vb_get_config(k_vb_config *config) {
  if (!config) return K_ERR_VB_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  *config = g_config;
  int ok = g_configured;
  pthread_mutex_unlock(&g_mu);
  return ok ? 0 : K_ERR_VB_NOTREADY;
}

k_s32 kd_mpi_vb_set_supplement_config(const k_vb_supplement_config *c) {
  if (!c) return K_ERR_VB_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int inited = g_inited;
  if (!inited) g_supplement = c->supplement_config;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(!inited, "VB-SUPPLEMENT-BEFORE-INIT", "kd_mpi_vb_set_supplement_config while VB is initialised"))
    return K_ERR_VB_BUSY;
  return 0;
}

k_s32 kd_mpi_vb_get_supplement_config(k_vb_supplement_config *c) {
  if (!c) return K_ERR_VB_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  c->supplement_config = g_supplement;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_vb_init(void) {
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  if (g_inited) goto out; /* "can be called repeatedly" (mpi_vb_api.h) */
  if (!dbl_check(g_configured, "VB-INIT-CONFIGURED", "kd_mpi_vb_init before kd_mpi_vb_set_config")) {
    rc = K_ERR_VB_NOT_PERM;
    goto out;
  }
  for (int i = 0; i < VB_MAX_COMM_POOLS; i++) {
    const k_vb_pool_config *c = &g_config.comm_pool[i];
    if (!c->blk_size || !c->blk_cnt) continue;
    if (pool_new(POOL_COMMON, c->blk_size, c->blk_cnt, NULL) == VB_INVALID_POOLID) {
      for (int j = 0; j < VB_MAX_POOLS; j++)
        if (g_pools[j].kind == POOL_COMMON) pool_free(&g_pools[j]);
      rc = K_ERR_VB_NOMEM; /* MMZ too small for the configuration: not a rule, the board's size */
      goto out;
    }
  }
  g_inited = 1;
out:
  pthread_mutex_unlock(&g_mu);
  return rc;
}

k_s32 kd_mpi_vb_exit(void) {
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  if (!g_inited) goto out;
  int busy = 0;
  char what[160] = "";
  for (int i = 0; i < VB_MAX_POOLS && !busy; i++)
    if (g_pools[i].kind != POOL_FREE && pool_busy(&g_pools[i])) {
      busy = 1;
      snprintf(what, sizeof what, "kd_mpi_vb_exit while pool %d (%s) has a block in use", i,
               g_pools[i].kind == POOL_COMMON ? "common"
               : g_pools[i].owner             ? g_pools[i].owner
                                              : "private");
    }
  if (!dbl_check(!busy, "VB-EXIT-IDLE", "%s", what)) {
    rc = K_ERR_VB_BUSY;
    goto out;
  }
  for (int i = 0; i < VB_MAX_POOLS; i++)
    if (g_pools[i].kind == POOL_COMMON) pool_free(&g_pools[i]);
  g_inited = 0;
out:
  pthread_mutex_unlock(&g_mu);
  return rc;
}

int dbl_vb_ready(void) {
  pthread_mutex_lock(&g_mu);
  int r = g_inited;
  pthread_mutex_unlock(&g_mu);
  return r;
}

k_u32 dbl_vb_supplement(void) {
  pthread_mutex_lock(&g_mu);
  k_u32 s = g_supplement;
  pthread_mutex_unlock(&g_mu);
  return s;
}

/* ---- pools ---- */
k_s32 kd_mpi_vb_create_pool(k_vb_pool_config *config) {
  if (!config) return (k_s32)VB_INVALID_POOLID;
  pthread_mutex_lock(&g_mu);
  int inited = g_inited;
  k_u32 id = VB_INVALID_POOLID;
  if (inited) id = pool_new(POOL_PRIVATE, config->blk_size, config->blk_cnt, NULL);
  pthread_mutex_unlock(&g_mu);
  dbl_check(inited, "VB-POOL-AFTER-INIT", "kd_mpi_vb_create_pool before kd_mpi_vb_init");
  return (k_s32)id;
}

k_s32 kd_mpi_vb_destory_pool(k_u32 pool_id) {
  pthread_mutex_lock(&g_mu);
  vpool *p = pool_id < VB_MAX_POOLS ? &g_pools[pool_id] : NULL;
  int own = p && p->kind == POOL_PRIVATE, busy = own && pool_busy(p);
  if (own && !busy) pool_free(p);
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(own, "VB-DESTROY-OWN", "kd_mpi_vb_destory_pool(%u): no pool made by kd_mpi_vb_create_pool", pool_id))
    return K_ERR_VB_UNEXIST;
  if (!dbl_check(!busy, "VB-DESTROY-IDLE", "kd_mpi_vb_destory_pool(%u) with a block in use", pool_id))
    return K_ERR_VB_BUSY;
  return 0;
}

k_u32 dbl_vb_pool_create_internal(uint64_t blk_size, uint32_t blk_cnt, const char *owner) {
  pthread_mutex_lock(&g_mu);
  k_u32 id = pool_new(POOL_INTERNAL, blk_size, blk_cnt, owner);
  pthread_mutex_unlock(&g_mu);
  return id;
}

void dbl_vb_pool_destroy_internal(k_u32 pool) {
  pthread_mutex_lock(&g_mu);
  if (pool < VB_MAX_POOLS && g_pools[pool].kind == POOL_INTERNAL) pool_free(&g_pools[pool]);
  pthread_mutex_unlock(&g_mu);
}

int dbl_vb_pool_fits(k_u32 pool, uint64_t size) {
  pthread_mutex_lock(&g_mu);
  int r = pool < VB_MAX_POOLS && g_pools[pool].kind != POOL_FREE
              ? (g_pools[pool].blk_size >= size ? (int)g_pools[pool].blk_cnt : 0)
              : -1;
  pthread_mutex_unlock(&g_mu);
  return r;
}

/* ---- blocks ---- */
/* mu held. Smallest common block that fits, or a free block of `pool`. */
static k_vb_blk_handle take(k_u32 pool, uint64_t size, k_vb_uid uid) {
  int best = -1;
  uint32_t best_blk = 0;
  for (int i = 0; i < VB_MAX_POOLS; i++) {
    vpool *p = &g_pools[i];
    if (pool == VB_INVALID_POOLID ? p->kind != POOL_COMMON : (k_u32)i != pool) continue;
    if (p->kind == POOL_FREE || p->blk_size < size) continue;
    if (best >= 0 && g_pools[best].blk_size <= p->blk_size) continue;
    for (uint32_t b = 0; b < p->blk_cnt; b++)
      if (!block_users(p, b)) {
        best = i;
        best_blk = b;
        break;
      }
  }
  if (best < 0) return VB_INVALID_HANDLE;
  g_pools[best].users[best_blk][uid] = 1;
  return HANDLE((uint32_t)best, best_blk);
}

k_vb_blk_handle dbl_vb_take(k_u32 pool, uint64_t size, k_vb_uid uid) {
  pthread_mutex_lock(&g_mu);
  k_vb_blk_handle h = take(pool, size, uid);
  pthread_mutex_unlock(&g_mu);
  return h;
}

uint32_t dbl_vb_free_blocks(k_u32 pool, uint64_t size) {
  uint32_t n = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < VB_MAX_POOLS; i++) {
    vpool *p = &g_pools[i];
    if (pool == VB_INVALID_POOLID ? p->kind != POOL_COMMON : (k_u32)i != pool) continue;
    if (p->kind == POOL_FREE || p->blk_size < size) continue;
    for (uint32_t b = 0; b < p->blk_cnt; b++) n += block_users(p, b) == 0;
  }
  pthread_mutex_unlock(&g_mu);
  return n;
}

k_vb_blk_handle kd_mpi_vb_get_block(k_u32 pool_id, k_u64 blk_size, const k_char *mmz_name) {
  pthread_mutex_lock(&g_mu);
  vpool *p = pool_id < VB_MAX_POOLS ? &g_pools[pool_id] : NULL;
  int too_big = p && p->kind != POOL_FREE && blk_size > p->blk_size;
  uint64_t pool_size = p ? p->blk_size : 0;
  k_vb_blk_handle h = too_big ? VB_INVALID_HANDLE : take(pool_id, blk_size, VB_UID_USER);
  pthread_mutex_unlock(&g_mu);
  dbl_check(!too_big, "VB-GET-SIZE", "kd_mpi_vb_get_block(%u, %llu): the pool's blocks are %llu bytes", pool_id,
            (unsigned long long)blk_size, (unsigned long long)pool_size);
  return h;
}

k_s32 kd_mpi_vb_release_block(k_vb_blk_handle block) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(block, &b);
  int held = p && p->users[b][VB_UID_USER] > 0;
  if (held) p->users[b][VB_UID_USER]--;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(held, "VB-RELEASE-HELD", "kd_mpi_vb_release_block(0x%x): not a block the user holds", block))
    return K_ERR_VB_ILLEGAL_PARAM;
  return 0;
}

void dbl_vb_ref(k_vb_blk_handle h, k_vb_uid uid) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(h, &b);
  if (p) p->users[b][uid]++;
  pthread_mutex_unlock(&g_mu);
}

void dbl_vb_unref(k_vb_blk_handle h, k_vb_uid uid) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(h, &b);
  if (p && p->users[b][uid]) p->users[b][uid]--;
  pthread_mutex_unlock(&g_mu);
}

int dbl_vb_users(k_vb_blk_handle h) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(h, &b);
  int n = p ? block_users(p, b) : -1;
  pthread_mutex_unlock(&g_mu);
  return n;
}

uint64_t dbl_vb_phys(k_vb_blk_handle h) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(h, &b);
  uint64_t phys = p ? p->phys + p->stride * b : 0;
  pthread_mutex_unlock(&g_mu);
  return phys;
}

uint64_t dbl_vb_size(k_vb_blk_handle h) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(h, &b);
  uint64_t size = p ? p->blk_size : 0;
  pthread_mutex_unlock(&g_mu);
  return size;
}

k_vb_blk_handle dbl_vb_find(uint64_t phys) {
  k_vb_blk_handle h = VB_INVALID_HANDLE;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < VB_MAX_POOLS && h == VB_INVALID_HANDLE; i++) {
    vpool *p = &g_pools[i];
    if (p->kind == POOL_FREE || phys < p->phys || phys >= p->phys + p->stride * p->blk_cnt) continue;
    h = HANDLE((uint32_t)i, (uint32_t)((phys - p->phys) / p->stride));
  }
  pthread_mutex_unlock(&g_mu);
  return h;
}

k_u64 kd_mpi_vb_handle_to_phyaddr(k_vb_blk_handle block) { return dbl_vb_phys(block); }
k_vb_blk_handle kd_mpi_vb_phyaddr_to_handle(k_u64 phys_addr) { return dbl_vb_find(phys_addr); }

k_s32 kd_mpi_vb_handle_to_pool_id(k_vb_blk_handle block) {
  pthread_mutex_lock(&g_mu);
  uint32_t b;
  vpool *p = pool_of(block, &b);
  k_s32 id = p ? (k_s32)(p - g_pools) : (k_s32)VB_INVALID_POOLID;
  pthread_mutex_unlock(&g_mu);
  return id;
}

k_s32 kd_mpi_vb_inquire_user_cnt(k_vb_blk_handle block) {
  int n = dbl_vb_users(block);
  return n < 0 ? K_ERR_VB_ILLEGAL_PARAM : n;
}

/* ---- exit accounting ---- */
static const char *uid_name(int u) {
  static const char *names[VB_UID_BUTT] = {"VI",   "VENC", "VDEC", "VO",   "USER", "AI",  "AREC",    "AENC",
                                           "ADEC", "AO",   "V_VI", "V_VO", "DMA",  "DPU", "NONAI_2D"};
  return u >= 0 && u < VB_UID_BUTT && names[u] ? names[u] : "?";
}

static void vb_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  if (g_inited) leak(ctx, "VB initialised and never exited (VB-EXIT-AT-END: %s)", dbl_rule("VB-EXIT-AT-END")->cite);
  for (int i = 0; i < VB_MAX_POOLS; i++) {
    vpool *p = &g_pools[i];
    if (p->kind == POOL_FREE) continue;
    if (p->kind == POOL_PRIVATE)
      leak(ctx, "pool %d (%u x %llu bytes) never destroyed", i, p->blk_cnt, (unsigned long long)p->blk_size);
    if (p->kind == POOL_INTERNAL) leak(ctx, "%s's pool %d never released", p->owner, i);
    for (uint32_t b = 0; b < p->blk_cnt; b++)
      for (int u = 0; u < VB_UID_BUTT; u++)
        if (p->users[b][u]) leak(ctx, "block 0x%x of pool %d held by %s", HANDLE((uint32_t)i, b), i, uid_name(u));
  }
  pthread_mutex_unlock(&g_mu);
}

static const dbl_module vb_module = {"vb", vb_leaks};
DBL_MODULE(vb_module)
