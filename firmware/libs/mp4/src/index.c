/* The sample index an indexed recording keeps for its final moov, in the form the sample tables
   store it (ISO/IEC 14496-12 §8.6.1.2 stts runs, §8.6.2 stss numbers, §8.7.3 stsz sizes, §8.7.4-5
   chunks): 4 bytes per sample plus a few per keyframe and per fragment, built as fragments are
   committed. The sizes never move (fixed blocks): growing them copies nothing and leaves no
   freed holes behind. */
#include <stdlib.h>
#include <string.h>

#include "boxes.h"
#include "base/errors.h"

/* Makes room for `more` entries of `elem` bytes in *p (cap in entries). */
static int grow(void **p, uint32_t *cap, uint32_t used, uint32_t more, size_t elem) {
  if (used + (uint64_t)more <= *cap) return 0;
  uint64_t cap2 = *cap ? *cap : 64;
  while (cap2 < used + (uint64_t)more) cap2 *= 2;
  if (cap2 > UINT32_MAX / 2) return ERR_ELIMIT;
  void *q = realloc(*p, (size_t)cap2 * elem);
  if (!q) return ERR_ENOMEM;
  *p = q;
  *cap = (uint32_t)cap2;
  return 0;
}

static int add_duration(mp4_index *x, uint32_t d) {
  if (x->nstts && x->stts[2 * x->nstts - 1] == d) {
    x->stts[2 * x->nstts - 2]++;
    return 0;
  }
  int rc = grow((void **)&x->stts, &x->cap_stts, 2 * x->nstts, 2, sizeof(uint32_t));
  if (rc) return rc;
  x->stts[2 * x->nstts] = 1;
  x->stts[2 * x->nstts + 1] = d;
  x->nstts++;
  return 0;
}

int mp4_index_add_run(mp4_index *x, uint64_t offset, const uint32_t *size, const uint32_t *dur, const uint8_t *sync,
                      uint32_t n, uint64_t first_dts) {
  if (!n) return 0;
  int rc = grow((void **)&x->chunk, &x->cap_chunks, x->nchunks, 1, sizeof(uint64_t));
  if (!rc) rc = grow((void **)&x->chunk_n, &x->cap_chunk_n, x->nchunks, 1, sizeof(uint32_t));
  if (rc) return rc;
  x->chunk[x->nchunks] = offset;
  x->chunk_n[x->nchunks++] = n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t d = dur[i];
    /* The track's first fragment may start after 0 (tfdt): fold that into its first sample so
       the timeline is the same without an edit list. */
    if (x->n == 0 && first_dts <= UINT32_MAX - d) d += (uint32_t)first_dts;
    if (sync && sync[i]) {
      if ((rc = grow((void **)&x->sync, &x->cap_sync, x->nsync, 1, sizeof(uint32_t)))) return rc;
      x->sync[x->nsync++] = x->n + 1;
    }
    if ((rc = add_duration(x, d))) return rc;
    if (x->n % MP4_INDEX_BLOCK == 0) {
      if ((rc = grow((void **)&x->sizes, &x->cap_blocks, x->nblocks, 1, sizeof(uint8_t *)))) return rc;
      if (!(x->sizes[x->nblocks] = malloc(4 * MP4_INDEX_BLOCK))) return ERR_ENOMEM;
      x->nblocks++;
    }
    mp4_wr_u32(x->sizes[x->n / MP4_INDEX_BLOCK] + 4 * (x->n % MP4_INDEX_BLOCK), size[i]);
    x->n++;
    x->duration += d;
  }
  return 0;
}

void mp4_index_free(mp4_index *x) {
  for (uint32_t i = 0; i < x->nblocks; i++) free(x->sizes[i]);
  free(x->sizes);
  free(x->stts);
  free(x->sync);
  free(x->chunk);
  free(x->chunk_n);
  memset(x, 0, sizeof(*x));
}
