/* base/grow.h: capacity from the first size doubled until the need fits, contents kept, and a
 * size that would overflow refused with the array and its capacity unchanged. */
#include <stdint.h>
#include <stdlib.h>

#include "base/grow.h"
#include "check.h"

int main(void) {
  size_t cap = 0;
  int *a = base_grow(NULL, &cap, 5, sizeof *a, 16);
  CHECK(a != NULL);
  CHECK_EQ_INT(cap, 16);
  for (int i = 0; i < 16; i++) a[i] = i;
  CHECK(base_grow(a, &cap, 16, sizeof *a, 16) == a); /* fits: the same array */
  CHECK_EQ_INT(cap, 16);
  a = base_grow(a, &cap, 70, sizeof *a, 16); /* 16 -> 32 -> 64 -> 128 */
  CHECK(a != NULL);
  CHECK_EQ_INT(cap, 128);
  int kept = 1;
  for (int i = 0; i < 16; i++) kept &= a[i] == i;
  CHECK(kept);
  /* under ASan: the whole capacity is there */
  a[127] = 7;
  CHECK(base_grow(a, &cap, SIZE_MAX / 2, sizeof *a, 16) == NULL); /* the bytes would overflow */
  CHECK(base_grow(a, &cap, SIZE_MAX, 1, 16) == NULL);             /* the count would */
  CHECK_EQ_INT(cap, 128);
  CHECK_EQ_INT(a[127], 7);
  free(a);
  size_t bcap = 0;
  uint8_t *b = base_grow(NULL, &bcap, 3, 1, 0); /* first 0 counts as 1: 1 -> 2 -> 4 */
  CHECK(b != NULL);
  CHECK_EQ_INT(bcap, 4);
  free(b);
  return CHECK_DONE();
}
