/* Finalize a fragmented recording into an indexed file without copying media (INDEXED), and
   optionally move the index to the front (FASTSTART). The fragment sample data is already laid out
   as chunks, so a moov whose stco points into the mdat payloads indexes it in place; the muxer
   kept the index as it committed fragments (index.c), so nothing is read back for it.

   INDEXED switches from the fragmented view to the indexed one in a single write, so a cut at any
   moment leaves a file that every reader plays in full, one way or the other:
     before   ftyp | free(16) | moov(mvex) | moof mdat ... | free[ moov(tables) ]
     after    ftyp | mdat(64-bit size, spanning up to the new moov)      | moov(tables)
   The new moov is first appended inside a `free` box and the 64-bit size stored in the reserved
   box's payload (both invisible), made durable, then the reserved box's 8-byte header becomes
   {1, "mdat"}. Only bytes 3..7 change; every torn prefix of that write is either the old free box
   or an unknown/free box with the 64-bit size, which readers skip up to the new moov. The initial
   moov and the moofs end up as opaque bytes inside the mdat (ISO/IEC 14496-12 §8.1.1).

   FASTSTART moves the data in place to make room for the moov at the front; it is not safe
   against a cut while that runs (the recording itself is). The moofs and the initial moov become
   `free` boxes (§8.1.2) that readers skip. */
#include "finalize.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

static int patch_type(mp4_io *io, uint64_t off, const char *type) {
  int rc = io->seek(io->user, off + 4);
  return rc ? rc : io->write(io->user, type, 4);
}

/* The final moov from the muxer's sample index, chunk offsets moved by `shift`. */
static int build_moov(mp4_trak_desc *t, int n, int64_t shift, mp4_buf *out) {
  uint64_t dur_ms = 0;
  for (int i = 0; i < n; i++) {
    mp4_index *x = (mp4_index *)t[i].index;
    x->chunk_shift = shift;
    t[i].duration = x->duration;
    uint64_t ms = t[i].timescale ? x->duration * 1000 / t[i].timescale : 0;
    if (ms > dur_ms) dur_ms = ms;
  }
  mp4_buf_reset(out);
  mp4_write_moov(out, t, n, dur_ms, false);
  return out->err;
}

/* Moves [from, to) forward by `by` bytes, last block first so nothing is overwritten unread. */
static int shift_forward(mp4_io *io, uint64_t from, uint64_t to, uint64_t by) {
  enum { BLOCK = 256 * 1024 };
  uint8_t *buf = malloc(BLOCK);
  if (!buf) return ERR_ENOMEM;
  int rc = 0;
  uint64_t end = to;
  while (end > from && !rc) {
    size_t n = end - from > BLOCK ? BLOCK : (size_t)(end - from);
    uint64_t at = end - n;
    size_t got = 0;
    if ((rc = io->seek(io->user, at))) break;
    while (got < n) {
      int64_t r = io->read(io->user, buf + got, n - got);
      if (r <= 0) {
        rc = r < 0 ? (int)r : ERR_ETRUNC;
        break;
      }
      got += (size_t)r;
    }
    if (rc || (rc = io->seek(io->user, at + by)) || (rc = io->write(io->user, buf, n))) break;
    end = at;
  }
  free(buf);
  return rc;
}

static int finalize_indexed(mp4_io *io, mp4_trak_desc *t, int n, uint64_t end, uint64_t reserve_at, bool durable) {
  mp4_buf moov;
  mp4_buf_init(&moov, 1u << 30);
  int rc = build_moov(t, n, 0, &moov);
  uint8_t h[8];
  size_t moov_len = mp4_buf_size(&moov);
  if (!rc) {
    mp4_wr_u32(h, (uint32_t)(8 + moov_len));
    memcpy(h + 4, "free", 4);
    if (!(rc = io->seek(io->user, end)) && !(rc = io->write(io->user, h, 8))) rc = mp4_buf_write(&moov, io);
  }
  if (!rc) {
    uint64_t span = end + 8 - reserve_at;
    mp4_wr_u32(h, (uint32_t)(span >> 32));
    mp4_wr_u32(h + 4, (uint32_t)span);
    if (!(rc = io->seek(io->user, reserve_at + 8))) rc = io->write(io->user, h, 8);
  }
  /* Barrier: the new moov and the size must be on the medium before the switch (by policy). */
  if (!rc && io->flush) rc = io->flush(io->user);
  if (!rc && durable && io->sync) rc = io->sync(io->user);
  if (!rc) {
    mp4_wr_u32(h, 1);
    memcpy(h + 4, "mdat", 4);
    if (!(rc = io->seek(io->user, reserve_at))) rc = io->write(io->user, h, 8);
  }
  /* The caller flushes and syncs once more at close. */
  if (!rc) rc = io->seek(io->user, end + 8 + moov_len);
  mp4_buf_free(&moov);
  return rc;
}

int mp4_finalize(mp4_io *io, mp4_trak_desc *t, int n, uint64_t end, bool faststart, uint64_t reserve_at, bool durable) {
  if (!faststart) return reserve_at ? finalize_indexed(io, t, n, end, reserve_at, durable) : ERR_ESTATE;
  if (!io->read) return ERR_ENOTSUP;
  if (io->flush) io->flush(io->user);
  int rc = 0;
  mp4_buf moov;
  mp4_buf_init(&moov, 1u << 30);
  /* Find ftyp end, the initial moov and the moofs before changing anything. */
  uint64_t off = 0, ftyp_end = 0, init_moov = UINT64_MAX;
  uint64_t *moofs = NULL;
  size_t nmoof = 0, cap = 0;
  while (!rc && off + 8 <= end) {
    uint8_t h[8];
    if ((rc = io->seek(io->user, off))) break;
    if (io->read(io->user, h, 8) != 8) {
      rc = ERR_EIO;
      break;
    }
    uint64_t size = mp4_rd_u32(h);
    if (size < 8) {
      rc = ERR_EBADDATA;
      break;
    }
    if (!memcmp(h + 4, "ftyp", 4)) ftyp_end = off + size;
    if (!memcmp(h + 4, "moov", 4) && init_moov == UINT64_MAX) init_moov = off;
    if (!memcmp(h + 4, "moof", 4)) {
      if (nmoof == cap) {
        cap = cap ? cap * 2 : 64;
        uint64_t *p = realloc(moofs, cap * sizeof(uint64_t));
        if (!p) {
          rc = ERR_ENOMEM;
          break;
        }
        moofs = p;
      }
      moofs[nmoof++] = off;
    }
    off += size;
  }
  if (!rc) rc = build_moov(t, n, 0, &moov);
  if (!rc) {
    /* Offsets grow by the moov size; co64 would change the size, so build until it is stable. */
    uint64_t sz = mp4_buf_size(&moov);
    for (int pass = 0; pass < 3 && !rc; pass++) {
      rc = build_moov(t, n, (int64_t)sz, &moov);
      if (mp4_buf_size(&moov) == sz) break;
      sz = mp4_buf_size(&moov);
    }
    if (!rc) rc = shift_forward(io, ftyp_end, end, sz);
    if (!rc && !(rc = io->seek(io->user, ftyp_end))) rc = mp4_buf_write(&moov, io);
    for (size_t i = 0; i < nmoof && !rc; i++) rc = patch_type(io, moofs[i] + sz, "free");
    if (!rc && init_moov != UINT64_MAX) rc = patch_type(io, init_moov + sz, "free");
  }
  free(moofs);
  mp4_buf_free(&moov);
  return rc;
}
