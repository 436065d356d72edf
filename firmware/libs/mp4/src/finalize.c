/* Finalize a fragmented recording into an indexed file without copying media (INDEXED), and
   optionally move the index to the front (FASTSTART). The fragment sample data is already laid out
   as chunks, so a moov whose stco points into the mdat payloads indexes it in place.

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

#include "demux_internal.h"
#include "base/errors.h"

static int patch_type(mp4_io *io, uint64_t off, const char *type) {
  int rc = io->seek(io->user, off + 4);
  return rc ? rc : io->write(io->user, type, 4);
}

static int build_moov(mp4_demuxer *d, mp4_trak_desc *t, int n, int64_t shift, mp4_buf *out) {
  mp4_index idx[8];
  memset(idx, 0, sizeof idx);
  uint64_t dur_ms = 0;
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    uint32_t cnt;
    const mp4_dsample *s = mp4_demuxer_samples(d, t[i].id, &cnt);
    idx[i].n = cnt;
    idx[i].size = malloc((cnt + 1) * sizeof(uint32_t));
    idx[i].duration = malloc((cnt + 1) * sizeof(uint32_t));
    idx[i].offset = malloc((cnt + 1) * sizeof(uint64_t));
    idx[i].sync = malloc(cnt + 1);
    if (!idx[i].size || !idx[i].duration || !idx[i].offset || !idx[i].sync) {
      rc = ERR_ENOMEM;
      break;
    }
    uint64_t total = 0;
    for (uint32_t k = 0; k < cnt; k++) {
      idx[i].size[k] = s[k].size;
      idx[i].duration[k] = s[k].duration;
      idx[i].offset[k] = (uint64_t)((int64_t)s[k].offset + shift);
      idx[i].sync[k] = s[k].sync;
      total += s[k].duration;
    }
    /* The first fragment of a track may start after 0 (tfdt); fold that into its first sample so
       the timeline is the same without an edit list. */
    if (cnt && s[0].dts > 0) idx[i].duration[0] += (uint32_t)s[0].dts, total += (uint64_t)s[0].dts;
    t[i].duration = total;
    t[i].index = &idx[i];
    uint64_t ms = t[i].timescale ? total * 1000 / t[i].timescale : 0;
    if (ms > dur_ms) dur_ms = ms;
  }
  if (!rc) {
    mp4_buf_reset(out);
    mp4_write_moov(out, t, n, dur_ms, false);
    rc = out->err;
  }
  for (int i = 0; i < n; i++) {
    free(idx[i].size);
    free(idx[i].duration);
    free(idx[i].offset);
    free(idx[i].sync);
    t[i].index = NULL;
  }
  return rc;
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

static int finalize_indexed(mp4_io *io, mp4_demuxer *d, mp4_trak_desc *t, int n, uint64_t end, uint64_t reserve_at,
                            bool durable) {
  mp4_buf moov;
  mp4_buf_init(&moov, 1u << 30);
  int rc = build_moov(d, t, n, 0, &moov);
  uint8_t h[8];
  if (!rc) {
    mp4_wr_u32(h, (uint32_t)(8 + moov.len));
    memcpy(h + 4, "free", 4);
    if (!(rc = io->seek(io->user, end)) && !(rc = io->write(io->user, h, 8))) rc = io->write(io->user, moov.data, moov.len);
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
  if (!rc) rc = io->seek(io->user, end + 8 + moov.len);
  mp4_buf_free(&moov);
  return rc;
}

int mp4_finalize(mp4_io *io, mp4_trak_desc *t, int n, uint64_t end, bool faststart, uint64_t reserve_at, bool durable) {
  if (!io->read || !io->size) return ERR_ENOTSUP;
  if (io->flush) io->flush(io->user);
  mp4_demuxer_config dc = MP4_DEMUXER_CONFIG_DEFAULT;
  mp4_demuxer *d;
  int rc = mp4_demuxer_open(&d, &dc, io);
  if (rc) return rc;
  if (!faststart) {
    rc = reserve_at ? finalize_indexed(io, d, t, n, end, reserve_at, durable) : ERR_ESTATE;
    mp4_demuxer_close(d);
    return rc;
  }
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
  if (!rc) rc = build_moov(d, t, n, 0, &moov);
  if (!rc) {
    /* Offsets grow by the moov size; co64 would change the size, so build until it is stable. */
    uint64_t sz = moov.len;
    for (int pass = 0; pass < 3 && !rc; pass++) {
      rc = build_moov(d, t, n, (int64_t)sz, &moov);
      if (moov.len == sz) break;
      sz = moov.len;
    }
    if (!rc) rc = shift_forward(io, ftyp_end, end, moov.len);
    if (!rc && !(rc = io->seek(io->user, ftyp_end))) rc = io->write(io->user, moov.data, moov.len);
    for (size_t i = 0; i < nmoof && !rc; i++) rc = patch_type(io, moofs[i] + moov.len, "free");
    if (!rc && init_moov != UINT64_MAX) rc = patch_type(io, init_moov + moov.len, "free");
  }
  free(moofs);
  mp4_buf_free(&moov);
  mp4_demuxer_close(d);
  return rc;
}
