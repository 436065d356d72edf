/* hal_link on the K230: kd_mpi_sys_bind between MPP channels, with the checks hal/vb.h promises
 * (source/sink pairs, size/format acceptance, one source per sink) done before the MPP call. */
#include <stdlib.h>
#include <string.h>

#include "hal/display.h"
#include "k230_internal.h"
#include "mpi_sys_api.h"

#define LINK_MAX 64
#define EP_MAX 16

typedef struct klink {
  hal_handle h;
  hal_chn src, dst;
} klink;

typedef struct kep {
  hal_mod mod;
  int dev;
  void *obj;
  k230_describe_fn describe;
  k230_accepts_fn accepts;
} kep;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static klink g_links[LINK_MAX];
static kep g_eps[EP_MAX];

int k230_mpp_chn(const hal_chn *c, k_mpp_chn *out) {
  memset(out, 0, sizeof *out);
  out->dev_id = c->dev;
  out->chn_id = c->chn;
  switch (c->mod) {
    case HAL_MOD_SENSOR: out->mod_id = K_ID_VI; break;
    case HAL_MOD_VENC: out->mod_id = K_ID_VENC; break;
    case HAL_MOD_VDEC: out->mod_id = K_ID_VDEC; break;
    case HAL_MOD_DISPLAY: /* a layer's VO channel (k230_internal.h) */
      out->mod_id = K_ID_VO;
      out->chn_id = k230_vo_chn(c->chn);
      if (out->chn_id < 0) return ERR_EINVAL;
      break;
    case HAL_MOD_AI: out->mod_id = K_ID_AI; break;
    case HAL_MOD_AO: out->mod_id = K_ID_AO; break;
    default: return ERR_EINVAL;
  }
  return 0;
}

void k230_ep_register(hal_mod mod, int dev, void *obj, k230_describe_fn describe, k230_accepts_fn accepts) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < EP_MAX; i++)
    if (!g_eps[i].mod) {
      g_eps[i] = (kep){mod, dev, obj, describe, accepts};
      break;
    }
  pthread_mutex_unlock(&g_mu);
}

void k230_ep_unregister(hal_mod mod, int dev) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < EP_MAX; i++)
    if (g_eps[i].mod == mod && g_eps[i].dev == dev) g_eps[i].mod = HAL_MOD_NONE;
  pthread_mutex_unlock(&g_mu);
}

static kep *ep_find(hal_mod mod, int dev) {
  for (int i = 0; i < EP_MAX; i++)
    if (g_eps[i].mod == mod && g_eps[i].dev == dev) return &g_eps[i];
  return NULL;
}

static int chn_eq(const hal_chn *a, hal_mod mod, int dev, int chn) {
  return a->mod == mod && a->dev == dev && (chn == -1 || a->chn == chn);
}

int k230_link_involves(hal_mod mod, int dev, int chn) {
  int found = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < LINK_MAX && !found; i++)
    if (g_links[i].h && (chn_eq(&g_links[i].src, mod, dev, chn) || chn_eq(&g_links[i].dst, mod, dev, chn))) found = 1;
  pthread_mutex_unlock(&g_mu);
  return found;
}

int k230_link_source(const hal_chn *dst, hal_chn *src) {
  int found = 0;
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < LINK_MAX && !found; i++)
    if (g_links[i].h && chn_eq(&g_links[i].dst, dst->mod, dst->dev, dst->chn)) {
      *src = g_links[i].src;
      found = 1;
    }
  pthread_mutex_unlock(&g_mu);
  return found;
}

static int is_source(hal_mod m) { return m == HAL_MOD_SENSOR || m == HAL_MOD_VDEC; }
static int is_sink(hal_mod m) { return m == HAL_MOD_VENC || m == HAL_MOD_DISPLAY; }

int hal_link(const hal_chn *src, const hal_chn *dst, hal_handle *out_link) {
  if (!src || !dst || !out_link || !is_source(src->mod) || !is_sink(dst->mod)) return ERR_EINVAL;
  if (dst->mod == HAL_MOD_DISPLAY && (dst->chn < 0 || dst->chn >= HAL_LAYER_COUNT)) return ERR_EINVAL;
  pthread_mutex_lock(&g_mu);
  int rc = 0, slot = -1;
  hal_bind_info info;
  k_mpp_chn s, d;
  kep *se = ep_find(src->mod, src->dev), *de = ep_find(dst->mod, dst->dev);
  if (dst->mod == HAL_MOD_VENC) de = ep_find(HAL_MOD_VENC, dst->chn); /* one ep per channel */
  if (src->mod == HAL_MOD_VDEC) se = ep_find(HAL_MOD_VDEC, src->chn);
  if (!se || !de) {
    rc = ERR_ENODEV;
    goto out;
  }
  for (int i = 0; i < LINK_MAX; i++) {
    if (!g_links[i].h) {
      if (slot < 0) slot = i;
    } else if (chn_eq(&g_links[i].dst, dst->mod, dst->dev, dst->chn)) {
      rc = ERR_EBUSY;
      goto out;
    }
  }
  if (slot < 0) {
    rc = ERR_ELIMIT;
    goto out;
  }
  if ((rc = se->describe(se->obj, src->chn, &info))) goto out;
  if ((rc = de->accepts(de->obj, dst->chn, &info))) goto out;
  k230_mpp_chn(src, &s);
  k230_mpp_chn(dst, &d);
  if (src->mod == HAL_MOD_VDEC) s.dev_id = 0; /* VDEC_DEV_ID */
  if (dst->mod == HAL_MOD_VENC) d.dev_id = 0; /* VENC_DEV_ID */
  if ((rc = k230_err(kd_mpi_sys_bind(&s, &d)))) goto out;
  if ((rc = hal_handle_alloc(HAL_KIND_LINK, &g_links[slot], &g_links[slot].h))) {
    kd_mpi_sys_unbind(&s, &d);
    goto out;
  }
  g_links[slot].src = *src;
  g_links[slot].dst = *dst;
  *out_link = g_links[slot].h;
out:
  pthread_mutex_unlock(&g_mu);
  return rc;
}

int hal_unlink(hal_handle h) {
  klink *l;
  int rc = hal_handle_get(HAL_KIND_LINK, h, (void **)&l);
  if (rc) return rc;
  pthread_mutex_lock(&g_mu);
  k_mpp_chn s, d;
  k230_mpp_chn(&l->src, &s);
  k230_mpp_chn(&l->dst, &d);
  if (l->src.mod == HAL_MOD_VDEC) s.dev_id = 0;
  if (l->dst.mod == HAL_MOD_VENC) d.dev_id = 0;
  kd_mpi_sys_unbind(&s, &d); /* an error here leaves nothing we could retry */
  int layer = l->dst.mod == HAL_MOD_DISPLAY ? l->dst.chn : -1;
  l->h = 0;
  pthread_mutex_unlock(&g_mu);
  hal_handle_free(h);
  if (layer >= 0) k230_display_unbound(layer);
  return 0;
}
