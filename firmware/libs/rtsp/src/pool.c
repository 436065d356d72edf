// Fixed-size object slabs (pool.h).
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_BYTES 8192 /* two pages: a server with one client holds three slabs, 24 kB */
#define HDR 16          /* each object's header: its slab (keeps objects 16-aligned) */

struct rtsp_pool_slab {
  rtsp_pool_slab *prev, *next; /* in the pool's partial list while it has a free slot */
  void *free;                  /* free objects, linked through their first bytes */
  int live;
  int unused; /* slots never handed out yet, from `fresh` on */
  uint8_t *fresh;
  max_align_t align[]; /* the slots */
};

void rtsp_pool_init(rtsp_pool *p, size_t size) {
  memset(p, 0, sizeof *p);
  if (size < sizeof(void *)) size = sizeof(void *);
  p->slot = HDR + (size + 15) / 16 * 16;
  size_t room = SLAB_BYTES - sizeof(rtsp_pool_slab);
  p->per_slab = room >= p->slot ? (int)(room / p->slot) : 1;
}

static void unlink_slab(rtsp_pool *p, rtsp_pool_slab *s) {
  if (s->prev) s->prev->next = s->next;
  else p->partial = s->next;
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = NULL;
}

static void push_slab(rtsp_pool *p, rtsp_pool_slab *s) {
  s->prev = NULL;
  s->next = p->partial;
  if (s->next) s->next->prev = s;
  p->partial = s;
}

void *rtsp_pool_alloc(rtsp_pool *p) {
  rtsp_pool_slab *s = p->partial;
  if (!s) {
    s = malloc(sizeof *s + (size_t)p->per_slab * p->slot);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->unused = p->per_slab;
    s->fresh = (uint8_t *)s->align;
    push_slab(p, s);
    p->slabs++;
  }
  uint8_t *slot;
  if (s->free) {
    slot = (uint8_t *)s->free - HDR;
    memcpy(&s->free, slot + HDR, sizeof s->free);
  } else {
    slot = s->fresh;
    s->fresh += p->slot;
    s->unused--;
  }
  s->live++;
  if (!s->free && !s->unused) unlink_slab(p, s); /* full */
  memcpy(slot, &s, sizeof s);
  memset(slot + HDR, 0, p->slot - HDR);
  return slot + HDR;
}

void rtsp_pool_free(rtsp_pool *p, void *obj) {
  if (!obj) return;
  rtsp_pool_slab *s;
  memcpy(&s, (uint8_t *)obj - HDR, sizeof s);
  int was_full = !s->free && !s->unused;
  memcpy(obj, &s->free, sizeof s->free);
  s->free = obj;
  if (--s->live == 0) {
    if (!was_full) unlink_slab(p, s);
    free(s);
    p->slabs--;
    return;
  }
  if (was_full) push_slab(p, s);
}
