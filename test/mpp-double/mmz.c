/* MMZ: the physical arena (a memfd) every VB pool lives in, and the user mappings of it
 * (kd_mpi_sys_mmap / kd_mpi_sys_munmap are real mmaps, paired and length-checked). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "double.h"
#include "mpi_sys_api.h"

#define PAGE 4096ull
#define MAX_RANGES 1024
#define MAX_MAPS 4096

typedef struct range {
  uint64_t phys, size;
} range;

typedef struct umap {
  void *virt;     /* what kd_mpi_sys_mmap returned */
  uint32_t size;  /* what it was asked for */
  void *map_base; /* the page-aligned mapping */
  size_t map_len;
} umap;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_fd = -1;
static uint8_t *g_view; /* the double's own view of the whole arena */
static range g_used[MAX_RANGES];
static int g_used_count;
static umap g_maps[MAX_MAPS];

static void arena_open(void) {
  g_fd = memfd_create("mpp-double-mmz", MFD_CLOEXEC);
  if (g_fd < 0 || ftruncate(g_fd, (off_t)DBL_MMZ_SIZE) != 0) {
    perror("mpp-double: MMZ memfd");
    abort();
  }
  g_view = mmap(NULL, DBL_MMZ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g_fd, 0);
  if (g_view == MAP_FAILED) {
    perror("mpp-double: MMZ view");
    abort();
  }
}

static void arena(void) { pthread_once(&g_once, arena_open); }

uint64_t dbl_mmz_alloc(uint64_t size) {
  arena();
  size = (size + PAGE - 1) & ~(PAGE - 1);
  if (!size) return 0;
  pthread_mutex_lock(&g_mu);
  /* First fit over the sorted list of used ranges. */
  uint64_t at = DBL_MMZ_BASE;
  int i = 0;
  for (; i < g_used_count; i++) {
    if (g_used[i].phys - at >= size) break;
    at = g_used[i].phys + g_used[i].size;
  }
  uint64_t phys = 0;
  if (g_used_count < MAX_RANGES && at + size <= DBL_MMZ_BASE + DBL_MMZ_SIZE) {
    for (int j = g_used_count; j > i; j--) g_used[j] = g_used[j - 1];
    g_used[i] = (range){at, size};
    g_used_count++;
    phys = at;
  }
  pthread_mutex_unlock(&g_mu);
  /* Fresh memory reads as zeros, as a pool's blocks do after the MPP clears them. */
  if (phys) madvise(g_view + (phys - DBL_MMZ_BASE), size, MADV_REMOVE);
  return phys;
}

void dbl_mmz_free(uint64_t phys) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_used_count; i++)
    if (g_used[i].phys == phys) {
      for (int j = i; j < g_used_count - 1; j++) g_used[j] = g_used[j + 1];
      g_used_count--;
      break;
    }
  pthread_mutex_unlock(&g_mu);
}

void *dbl_mmz_ptr(uint64_t phys, uint64_t len) {
  arena();
  if (phys < DBL_MMZ_BASE || phys + len > DBL_MMZ_BASE + DBL_MMZ_SIZE || phys + len < phys) return NULL;
  return g_view + (phys - DBL_MMZ_BASE);
}

void *kd_mpi_sys_mmap(k_u64 phy_addr, k_u32 size) {
  arena();
  if (!size || phy_addr < DBL_MMZ_BASE || phy_addr + size > DBL_MMZ_BASE + DBL_MMZ_SIZE)
    return NULL; /* not MMZ: the board's /dev/mem mapping would show something else entirely */
  uint64_t base = phy_addr & ~(PAGE - 1);
  size_t len = (size_t)(((phy_addr + size + PAGE - 1) & ~(PAGE - 1)) - base);
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, g_fd, (off_t)(base - DBL_MMZ_BASE));
  if (m == MAP_FAILED) return NULL;
  void *virt = (uint8_t *)m + (phy_addr - base);
  pthread_mutex_lock(&g_mu);
  int slot = -1;
  for (int i = 0; i < MAX_MAPS && slot < 0; i++)
    if (!g_maps[i].virt) slot = i;
  if (slot >= 0) g_maps[slot] = (umap){virt, size, m, len};
  pthread_mutex_unlock(&g_mu);
  if (slot < 0) {
    munmap(m, len);
    return NULL;
  }
  return virt;
}

void *kd_mpi_sys_mmap_cached(k_u64 phy_addr, k_u32 size) { return kd_mpi_sys_mmap(phy_addr, size); }

k_s32 kd_mpi_sys_munmap(void *virt_addr, k_u32 size) {
  pthread_mutex_lock(&g_mu);
  umap *u = NULL;
  for (int i = 0; i < MAX_MAPS && !u; i++)
    if (g_maps[i].virt && g_maps[i].virt == virt_addr) u = &g_maps[i];
  umap found = u ? *u : (umap){0};
  if (u && u->size == size) *u = (umap){0};
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(u != NULL, "MMZ-MUNMAP-PAIR", "kd_mpi_sys_munmap(%p, %u): no mapping starts there", virt_addr, size))
    return K_ERR_SYS_ILLEGAL_PARAM;
  if (!dbl_check(found.size == size, "MMZ-MUNMAP-PAIR", "kd_mpi_sys_munmap(%p, %u): it was mapped with size %u",
                 virt_addr, size, found.size))
    return K_ERR_SYS_ILLEGAL_PARAM;
  munmap(found.map_base, found.map_len);
  return 0;
}

static void mmz_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_MAPS; i++)
    if (g_maps[i].virt) leak(ctx, "mapping %p (%u bytes) never unmapped", g_maps[i].virt, g_maps[i].size);
  pthread_mutex_unlock(&g_mu);
}

static const dbl_module mmz_module = {"mmz", mmz_leaks};
DBL_MODULE(mmz_module)
