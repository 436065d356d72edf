/* hal_link on the host: sources and sinks register bind endpoints; a link delivers a source
 * channel's frames to its sink, with the checks hal/vb.h promises (source/sink pairs, size/format
 * acceptance, one source per sink). */
#include "internal.h"

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
    if (e->mod && e->mod == c->mod && e->dev == c->dev && (e->chn == -1 || e->chn == c->chn)) return e;
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
    if (g_links[i].h && (chn_eq(&g_links[i].src, mod, dev, chn) || chn_eq(&g_links[i].dst, mod, dev, chn))) found = 1;
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
  if (!src || !dst || !out_link) return ERR_EINVAL;
  if (!is_source(src->mod) || !is_sink(dst->mod)) return ERR_EINVAL;
  pthread_mutex_lock(&g_link_mu);
  int rc = 0;
  endpoint *s = ep_find(src), *d = ep_find(dst);
  hal_bind_info info;
  int slot = -1;
  if (!s || !d) {
    rc = ERR_ENODEV;
    goto out;
  }
  for (int i = 0; i < LINK_MAX; i++) {
    if (!g_links[i].h) {
      if (slot < 0) slot = i;
      continue;
    }
    if (chn_eq(&g_links[i].dst, dst->mod, dst->dev, dst->chn)) {
      rc = ERR_EBUSY;
      goto out;
    }
  }
  if (slot < 0) {
    rc = ERR_ELIMIT;
    goto out;
  }
  if ((rc = s->ops->describe(s->obj, src->chn, &info))) goto out;
  if ((rc = d->ops->accepts(d->obj, dst->chn, &info))) goto out;
  if ((rc = hal_handle_alloc(HAL_KIND_LINK, &g_links[slot], &g_links[slot].h))) goto out;
  g_links[slot].src = *src;
  g_links[slot].dst = *dst;
  *out_link = g_links[slot].h;
out:
  pthread_mutex_unlock(&g_link_mu);
  return rc;
}

int hal_unlink(hal_handle h) {
  link *l;
  int rc = hal_handle_get(HAL_KIND_LINK, h, (void **)&l);
  if (rc) return rc;
  pthread_mutex_lock(&g_link_mu);
  l->h = 0;
  pthread_mutex_unlock(&g_link_mu);
  hal_handle_free(h);
  return 0;
}
