/*
 * The object pool (firmware/libs/rtsp/src/pool.h): objects come zeroed, one slab's objects lie
 * side by side, a freed slot is reused before a new slab is taken, and a slab goes back to the
 * heap when its last object does (ASan's leak check covers the rest).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "pool.h"

static bool zeroed(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return false;
  return true;
}

static void test_packed_and_reused(void) {
  enum { SIZE = 200 };
  rtsp_pool p;
  rtsp_pool_init(&p, SIZE);
  CHECK(p.per_slab > 1);
  CHECK_EQ_INT(p.slabs, 0);
  int n = p.per_slab;
  uint8_t *o[512];
  CHECK(n + 1 <= 512);
  for (int i = 0; i <= n; i++) {
    o[i] = rtsp_pool_alloc(&p);
    CHECK(o[i] != NULL);
    CHECK(((uintptr_t)o[i] & 15) == 0);
    CHECK(zeroed(o[i], SIZE));
    memset(o[i], 0xa5, SIZE);
  }
  /* the first slab's objects are adjacent; one more took a second slab */
  for (int i = 1; i < n; i++) CHECK_EQ_INT(o[i] - o[i - 1], p.slot);
  CHECK_EQ_INT(p.slabs, 2);
  /* a freed object's slot comes back first, zeroed, and no slab is added */
  uint8_t *mid = o[n / 2];
  rtsp_pool_free(&p, mid);
  o[n / 2] = rtsp_pool_alloc(&p);
  CHECK(o[n / 2] == mid);
  CHECK(zeroed(mid, SIZE));
  CHECK_EQ_INT(p.slabs, 2);
  /* the second slab's only object goes: so does the slab */
  rtsp_pool_free(&p, o[n]);
  CHECK_EQ_INT(p.slabs, 1);
  /* a full slab with a freed slot serves the next allocation */
  rtsp_pool_free(&p, o[0]);
  CHECK(rtsp_pool_alloc(&p) == o[0]);
  CHECK_EQ_INT(p.slabs, 1);
  for (int i = 0; i < n; i++) rtsp_pool_free(&p, o[i]);
  CHECK_EQ_INT(p.slabs, 0);
  rtsp_pool_free(&p, NULL);
}

/* Objects larger than a slab: one per slab, still zeroed and freed. */
static void test_large(void) {
  enum { SIZE = 40000 };
  rtsp_pool p;
  rtsp_pool_init(&p, SIZE);
  CHECK_EQ_INT(p.per_slab, 1);
  uint8_t *a = rtsp_pool_alloc(&p), *b = rtsp_pool_alloc(&p);
  CHECK(a && b && a != b);
  CHECK(zeroed(a, SIZE) && zeroed(b, SIZE));
  memset(a, 1, SIZE);
  memset(b, 2, SIZE);
  CHECK_EQ_INT(p.slabs, 2);
  rtsp_pool_free(&p, a);
  CHECK_EQ_INT(p.slabs, 1);
  rtsp_pool_free(&p, b);
  CHECK_EQ_INT(p.slabs, 0);
}

/* Many objects freed in a scattered order and taken again: no two live objects overlap (each
 * keeps the bytes written into it), and every slab is returned in the end. */
static bool holds(const uint8_t *o, int v) {
  for (int k = 0; k < 24; k++)
    if (o[k] != (uint8_t)v) return false;
  return true;
}

static void test_churn(void) {
  rtsp_pool p;
  rtsp_pool_init(&p, 24);
  enum { N = 3000 };
  static uint8_t *o[N];
  int bad = 0;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      if (o[i]) continue;
      o[i] = rtsp_pool_alloc(&p);
      if (!o[i] || !zeroed(o[i], 24)) bad++;
      else memset(o[i], i & 0xff, 24);
    }
    for (int i = round; i < N; i += 3 + round) {
      if (!holds(o[i], i)) bad++;
      rtsp_pool_free(&p, o[i]);
      o[i] = NULL;
    }
  }
  for (int i = 0; i < N; i++) {
    if (o[i] && !holds(o[i], i)) bad++;
    rtsp_pool_free(&p, o[i]);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(p.slabs, 0);
}

int main(void) {
  test_packed_and_reused();
  test_large();
  test_churn();
  return CHECK_DONE();
}
