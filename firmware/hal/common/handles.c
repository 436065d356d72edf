/* The handle table (hal/common/handles.h). */
#include "handles.h"

#include <pthread.h>

#include "hal/errors.h"

typedef struct slot {
  void *obj;
  uint16_t gen;
  uint8_t kind; /* 0 = free */
} slot;

static slot g_slots[HAL_HANDLE_SLOTS];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static hal_handle make(uint32_t kind, uint32_t gen, uint32_t i) { return kind << 28 | gen << 16 | i; }

int hal_handle_alloc(unsigned kind, void *obj, hal_handle *out) {
  if (kind == 0 || kind > 15) return HAL_EINVAL;
  pthread_mutex_lock(&g_mu);
  for (uint32_t i = 1; i < HAL_HANDLE_SLOTS; i++) {
    if (g_slots[i].kind) continue;
    g_slots[i].gen = (uint16_t)((g_slots[i].gen + 1) & 0xfff);
    if (g_slots[i].gen == 0) g_slots[i].gen = 1;
    g_slots[i].kind = (uint8_t)kind;
    g_slots[i].obj = obj;
    *out = make(kind, g_slots[i].gen, i);
    pthread_mutex_unlock(&g_mu);
    return 0;
  }
  pthread_mutex_unlock(&g_mu);
  return HAL_ELIMIT;
}

int hal_handle_get(unsigned kind, hal_handle h, void **obj) {
  uint32_t i = h & 0xffff, gen = (h >> 16) & 0xfff, k = h >> 28;
  if (k != kind || i == 0 || i >= HAL_HANDLE_SLOTS || gen == 0) return HAL_EINVAL;
  int rc = HAL_ECLOSED;
  pthread_mutex_lock(&g_mu);
  if (g_slots[i].kind == kind && g_slots[i].gen == gen) {
    *obj = g_slots[i].obj;
    rc = 0;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

void hal_handle_free(hal_handle h) {
  uint32_t i = h & 0xffff;
  if (i == 0 || i >= HAL_HANDLE_SLOTS) return;
  pthread_mutex_lock(&g_mu);
  g_slots[i].kind = 0;
  g_slots[i].obj = NULL;
  pthread_mutex_unlock(&g_mu);
}

int hal_handle_list(unsigned kind, hal_handle *out, int max) {
  int n = 0;
  pthread_mutex_lock(&g_mu);
  for (uint32_t i = 1; i < HAL_HANDLE_SLOTS; i++) {
    if (g_slots[i].kind != kind) continue;
    if (out && n < max) out[n] = make(kind, g_slots[i].gen, i);
    n++;
  }
  pthread_mutex_unlock(&g_mu);
  return n;
}
