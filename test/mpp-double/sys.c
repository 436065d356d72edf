/* SYS: the bind table (kd_mpi_sys_bind / unbind / get_bind_by_dest) and frame routing from a
 * source channel to the sinks bound to it. */
#include <pthread.h>
#include <string.h>

#include "double.h"
#include "mpi_sys_api.h"

#define MAX_BINDS K_BIND_DEST_MAXNUM
#define MAX_SINKS 8
#define MAX_CHECKS 8

typedef struct bind {
  int used;
  k_mpp_chn src, dst;
} bind;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static bind g_binds[MAX_BINDS];
static struct {
  k_mod_id mod;
  dbl_sink_fn fn;
} g_sinks[MAX_SINKS];
static dbl_bind_check_fn g_checks[MAX_CHECKS];

static int chn_eq(const k_mpp_chn *a, const k_mpp_chn *b) {
  return a->mod_id == b->mod_id && a->dev_id == b->dev_id && a->chn_id == b->chn_id;
}

void dbl_sink_register(k_mod_id mod, dbl_sink_fn fn) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_SINKS; i++)
    if (!g_sinks[i].fn) {
      g_sinks[i].mod = mod;
      g_sinks[i].fn = fn;
      break;
    }
  pthread_mutex_unlock(&g_mu);
}

void dbl_bind_check_register(dbl_bind_check_fn fn) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_CHECKS; i++)
    if (!g_checks[i]) {
      g_checks[i] = fn;
      break;
    }
  pthread_mutex_unlock(&g_mu);
}

k_s32 kd_mpi_sys_bind(k_mpp_chn *src, k_mpp_chn *dst) {
  if (!src || !dst) return K_ERR_SYS_NULL_PTR;
  dbl_bind_check_fn checks[MAX_CHECKS];
  pthread_mutex_lock(&g_mu);
  memcpy(checks, g_checks, sizeof checks);
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < MAX_CHECKS && checks[i]; i++) {
    k_s32 rc = checks[i](src, dst);
    if (rc) return rc;
  }
  pthread_mutex_lock(&g_mu);
  int taken = 0, slot = -1;
  for (int i = 0; i < MAX_BINDS; i++) {
    if (g_binds[i].used && chn_eq(&g_binds[i].dst, dst)) taken = 1;
    if (!g_binds[i].used && slot < 0) slot = i;
  }
  if (!taken && slot >= 0) g_binds[slot] = (bind){1, *src, *dst};
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(!taken, "SYS-BIND-ONE-SOURCE", "kd_mpi_sys_bind: (%d,%d,%d) already has a source", dst->mod_id,
                 dst->dev_id, dst->chn_id))
    return K_ERR_SYS_EXIST;
  return slot >= 0 ? 0 : K_ERR_SYS_NOMEM;
}

k_s32 kd_mpi_sys_unbind(k_mpp_chn *src, k_mpp_chn *dst) {
  if (!src || !dst) return K_ERR_SYS_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int found = 0;
  for (int i = 0; i < MAX_BINDS && !found; i++)
    if (g_binds[i].used && chn_eq(&g_binds[i].src, src) && chn_eq(&g_binds[i].dst, dst)) {
      g_binds[i].used = 0;
      found = 1;
    }
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(found, "SYS-UNBIND-BOUND", "kd_mpi_sys_unbind (%d,%d,%d) -> (%d,%d,%d): not bound", src->mod_id,
                 src->dev_id, src->chn_id, dst->mod_id, dst->dev_id, dst->chn_id))
    return K_ERR_SYS_UNEXIST;
  return 0;
}

k_s32 kd_mpi_sys_get_bind_by_dest(k_mpp_chn *dst, k_mpp_chn *src) {
  if (!src || !dst) return K_ERR_SYS_NULL_PTR;
  return dbl_bind_source(dst, src) ? 0 : K_ERR_SYS_UNEXIST;
}

int dbl_bind_source(const k_mpp_chn *dst, k_mpp_chn *src) {
  int found = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_BINDS && !found; i++)
    if (g_binds[i].used && chn_eq(&g_binds[i].dst, dst)) {
      *src = g_binds[i].src;
      found = 1;
    }
  pthread_mutex_unlock(&g_mu);
  return found;
}

int dbl_bind_involves(k_mod_id mod, k_s32 dev, k_s32 chn) {
  int found = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_BINDS && !found; i++) {
    const bind *b = &g_binds[i];
    if (!b->used) continue;
    const k_mpp_chn *e[2] = {&b->src, &b->dst};
    for (int k = 0; k < 2; k++)
      if (e[k]->mod_id == mod && e[k]->dev_id == dev && (chn < 0 || e[k]->chn_id == chn)) found = 1;
  }
  pthread_mutex_unlock(&g_mu);
  return found;
}

int dbl_bind_push(const k_mpp_chn *src, const k_video_frame_info *frame) {
  k_mpp_chn dsts[MAX_BINDS];
  dbl_sink_fn fns[MAX_BINDS];
  int n = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_BINDS; i++) {
    if (!g_binds[i].used || !chn_eq(&g_binds[i].src, src)) continue;
    for (int s = 0; s < MAX_SINKS; s++)
      if (g_sinks[s].fn && g_sinks[s].mod == g_binds[i].dst.mod_id) {
        dsts[n] = g_binds[i].dst;
        fns[n++] = g_sinks[s].fn;
        break;
      }
  }
  pthread_mutex_unlock(&g_mu);
  /* Outside the lock: a sink takes its own locks and VB references. */
  for (int i = 0; i < n; i++) fns[i](&dsts[i], frame);
  return n;
}

static void sys_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < MAX_BINDS; i++)
    if (g_binds[i].used)
      leak(ctx, "bind (%d,%d,%d) -> (%d,%d,%d) never unbound", g_binds[i].src.mod_id, g_binds[i].src.dev_id,
           g_binds[i].src.chn_id, g_binds[i].dst.mod_id, g_binds[i].dst.dev_id, g_binds[i].dst.chn_id);
  pthread_mutex_unlock(&g_mu);
}

static const dbl_module sys_module = {"sys", sys_leaks};
DBL_MODULE(sys_module)
