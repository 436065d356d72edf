/* The handle table (hal/common/handles.h). */
#include "handles.h"

#include <pthread.h>
#include <string.h>

#include "base/errors.h"

typedef struct slot {
  void *obj;
  uint16_t gen;
  uint8_t kind; /* 0 = free */
} slot;

static slot g_slots[HAL_HANDLE_SLOTS];
/* One past the highest slot ever used: the scans stop there (every run's end lists each kind, and
 * a run uses a few slots of the 4096). */
static uint32_t g_top = 1;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static hal_handle make(uint32_t kind, uint32_t gen, uint32_t i) { return kind << 28 | gen << 16 | i; }

int hal_handle_alloc(hal_kind kind, void *obj, hal_handle *out) {
  if (kind == 0 || kind > 15) return ERR_EINVAL;
  pthread_mutex_lock(&g_mu);
  for (uint32_t i = 1; i < HAL_HANDLE_SLOTS; i++) {
    if (g_slots[i].kind) continue;
    g_slots[i].gen = (uint16_t)((g_slots[i].gen + 1) & 0xfff);
    if (g_slots[i].gen == 0) g_slots[i].gen = 1;
    g_slots[i].kind = (uint8_t)kind;
    g_slots[i].obj = obj;
    if (i >= g_top) g_top = i + 1;
    *out = make(kind, g_slots[i].gen, i);
    pthread_mutex_unlock(&g_mu);
    return 0;
  }
  pthread_mutex_unlock(&g_mu);
  return ERR_ELIMIT;
}

int hal_handle_get(hal_kind kind, hal_handle h, void **obj) {
  uint32_t i = h & 0xffff, gen = (h >> 16) & 0xfff, k = h >> 28;
  if (k != kind || i == 0 || i >= HAL_HANDLE_SLOTS || gen == 0) return ERR_EINVAL;
  int rc = ERR_ECLOSED;
  pthread_mutex_lock(&g_mu);
  if (g_slots[i].kind == kind && g_slots[i].gen == gen) {
    *obj = g_slots[i].obj;
    rc = 0;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

hal_kind hal_handle_kind(hal_handle h) { return (hal_kind)(h >> 28); }

void hal_handle_free(hal_handle h) {
  uint32_t i = h & 0xffff;
  if (i == 0 || i >= HAL_HANDLE_SLOTS) return;
  pthread_mutex_lock(&g_mu);
  g_slots[i].kind = 0;
  g_slots[i].obj = NULL;
  pthread_mutex_unlock(&g_mu);
}

int hal_handle_list(hal_kind kind, hal_handle *out, int max) {
  int n = 0;
  pthread_mutex_lock(&g_mu);
  for (uint32_t i = 1; i < g_top; i++) {
    if (g_slots[i].kind != kind) continue;
    if (out && n < max) out[n] = make(kind, g_slots[i].gen, i);
    n++;
  }
  pthread_mutex_unlock(&g_mu);
  return n;
}

void hal_handle_each(hal_kind kind, int (*fn)(hal_handle)) {
  /* Static: 16 KiB is much for the board's main stack; resets do not run concurrently. */
  static hal_handle hs[HAL_HANDLE_SLOTS];
  static pthread_mutex_t each_mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&each_mu);
  int n = hal_handle_list(kind, hs, HAL_HANDLE_SLOTS);
  for (int i = 0; i < n && i < HAL_HANDLE_SLOTS; i++) fn(hs[i]);
  pthread_mutex_unlock(&each_mu);
}

void hal_handle_counts(hal_registry_stats *o, uint32_t frames) {
  memset(o, 0, sizeof *o);
  o->pools = (uint32_t)hal_handle_list(HAL_KIND_POOL, NULL, 0);
  o->blocks = (uint32_t)hal_handle_list(HAL_KIND_BLOCK, NULL, 0);
  o->links = (uint32_t)hal_handle_list(HAL_KIND_LINK, NULL, 0);
  o->sensors = (uint32_t)hal_handle_list(HAL_KIND_SENSOR, NULL, 0);
  o->vencs = (uint32_t)hal_handle_list(HAL_KIND_VENC, NULL, 0);
  o->vdecs = (uint32_t)hal_handle_list(HAL_KIND_VDEC, NULL, 0);
  o->displays = (uint32_t)hal_handle_list(HAL_KIND_DISPLAY, NULL, 0);
  o->audio_ins = (uint32_t)hal_handle_list(HAL_KIND_AIN, NULL, 0);
  o->audio_outs = (uint32_t)hal_handle_list(HAL_KIND_AOUT, NULL, 0);
  o->frames = frames;
  o->total = o->pools + o->blocks + o->links + o->sensors + o->vencs + o->vdecs + o->displays + o->audio_ins +
             o->audio_outs + o->frames;
}
