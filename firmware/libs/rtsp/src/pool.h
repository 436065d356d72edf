/* Fixed-size objects packed side by side in slabs, for the state every reader's send touches
 * (its session, connection and socket): the fan-out visits each reader once per frame between
 * sends that go through the kernel, and malloc scattered those objects among the requests,
 * strings and buffers allocated around them, a page or more per reader. At 1000 readers that
 * was more pages than the TLB holds, and every reader's turn began with page walks (bench/
 * README.md, rtsp); packed, 1000 readers' state fits in a few hundred pages.
 *
 * Objects come zeroed. A slab is freed when its last object is, so memory follows the
 * connections. Not thread-safe (the server runs on one loop). */
#ifndef RTSP_POOL_H
#define RTSP_POOL_H

#include <stddef.h>

typedef struct rtsp_pool_slab rtsp_pool_slab;

typedef struct rtsp_pool {
  size_t slot;             /* bytes per object, header included */
  int per_slab;            /* objects per slab */
  rtsp_pool_slab *partial; /* slabs with a free slot, most recently freed into first */
  int slabs;               /* allocated (tests) */
} rtsp_pool;

/* An empty pool of objects of `size` bytes (no allocation yet). */
void rtsp_pool_init(rtsp_pool *p, size_t size);
/* A zeroed object, or NULL when out of memory. */
void *rtsp_pool_alloc(rtsp_pool *p);
/* Gives back an object of this pool (NULL is ignored). */
void rtsp_pool_free(rtsp_pool *p, void *obj);

#endif
