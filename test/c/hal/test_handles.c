/* The handle table (hal/common/handles.c): a handle in any slot is listed and counted, however far
 * up the table the runtime has gone and whatever was freed below it; freed slots are reused from
 * the bottom; a stale handle stays closed. */
#include "check.h"
#include "base/errors.h"
#include "handles.h"

enum { N = 3000 };
static hal_handle h[N];
static int obj;

int main(void) {
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_POOL, NULL, 0), 0);
  for (int i = 0; i < N; i++) CHECK_EQ_INT(hal_handle_alloc(i % 2 ? HAL_KIND_BLOCK : HAL_KIND_POOL, &obj, &h[i]), 0);
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_POOL, NULL, 0), N / 2);
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_BLOCK, NULL, 0), N / 2);
  /* All but the topmost block freed: the one left is still found, at the table's high end. */
  for (int i = 0; i < N - 1; i++) hal_handle_free(h[i]);
  hal_handle out[4];
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_POOL, out, 4), 0);
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_BLOCK, out, 4), 1);
  CHECK_EQ_INT(out[0], h[N - 1]);
  void *got = NULL;
  CHECK_EQ_INT(hal_handle_get(HAL_KIND_BLOCK, h[N - 1], &got), 0);
  CHECK(got == &obj);
  CHECK_EQ_INT(hal_handle_get(HAL_KIND_POOL, h[0], &got), ERR_ECLOSED);
  /* The lowest free slot is taken again, with a new generation. */
  hal_handle again;
  CHECK_EQ_INT(hal_handle_alloc(HAL_KIND_LINK, &obj, &again), 0);
  CHECK_EQ_INT(again & 0xffff, h[0] & 0xffff);
  CHECK(again != h[0]);
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_LINK, out, 4), 1);
  CHECK_EQ_INT(out[0], again);
  /* Every slot taken, the last one too, then ELIMIT. */
  int made = 0;
  hal_handle x;
  while (hal_handle_alloc(HAL_KIND_VENC, &obj, &x) == 0) made++;
  CHECK_EQ_INT(made, HAL_HANDLE_SLOTS - 1 - 2);
  CHECK_EQ_INT(hal_handle_list(HAL_KIND_VENC, NULL, 0), made);
  CHECK_EQ_INT(x & 0xffff, HAL_HANDLE_SLOTS - 1); /* the last made took the top slot */
  return CHECK_DONE();
}
