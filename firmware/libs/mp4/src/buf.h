/* Internal: a growing byte writer with a sticky error, and box size placeholders patched at the end
   (ISO/IEC 14496-12 §4.2 box header: 32-bit size + 4cc). */
#ifndef MP4_BUF_H
#define MP4_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that belong in the output at a point of the buffer but stay where they are (a big table
   kept elsewhere in its final form): written by mp4_buf_write, never copied in. */
typedef struct mp4_buf_gap {
  size_t at;          /* offset in data where they go */
  size_t logical_at;  /* their offset in the output */
  const uint8_t *src; /* must outlive the buffer's last write */
  size_t n;
} mp4_buf_gap;

typedef struct mp4_buf {
  uint8_t *data;
  size_t len, cap, max; /* len: bytes in data (the output is len + gap_bytes) */
  int err;              /* first error; later writes are dropped */
  mp4_buf_gap *gaps;
  int ngaps, cap_gaps;
  size_t gap_bytes;
} mp4_buf;

void mp4_buf_init(mp4_buf *b, size_t max);
void mp4_buf_free(mp4_buf *b);
void mp4_buf_reset(mp4_buf *b);
/* Drops the bytes from len on (a write rolled back) and clears the error. */
void mp4_buf_truncate(mp4_buf *b, size_t len);
void mp4_buf_bytes(mp4_buf *b, const void *p, size_t n);
/* n more bytes at the end for the caller to fill (mp4_buf_truncate gives back what it does not
   use); NULL, with the error set, past max or out of memory. */
uint8_t *mp4_buf_grow(mp4_buf *b, size_t n);
void mp4_buf_zeros(mp4_buf *b, size_t n);
void mp4_buf_u8(mp4_buf *b, uint32_t v);
void mp4_buf_u16(mp4_buf *b, uint32_t v);
void mp4_buf_u24(mp4_buf *b, uint32_t v);
void mp4_buf_u32(mp4_buf *b, uint32_t v);
void mp4_buf_u64(mp4_buf *b, uint64_t v);
void mp4_buf_4cc(mp4_buf *b, const char *t);
/* n bytes at src go here in the output, not copied (see mp4_buf_gap). */
void mp4_buf_gap_add(mp4_buf *b, const uint8_t *src, size_t n);
/* Bytes of the output: len plus the gaps. */
size_t mp4_buf_size(const mp4_buf *b);
/* Writes the output (data with the gaps in place) through io->write: 0 or its error. */
struct mp4_io;
int mp4_buf_write(const mp4_buf *b, const struct mp4_io *io);
/* Writes a size placeholder and the type; returns the box's output offset for mp4_box_end (the
   offset in data, unless gaps came before it). */
size_t mp4_box_begin(mp4_buf *b, const char *type);
size_t mp4_fullbox_begin(mp4_buf *b, const char *type, unsigned version, uint32_t flags);
void mp4_box_end(mp4_buf *b, size_t start);
/* at: an offset in data (b->len when the field was written). */
void mp4_buf_patch_u32(mp4_buf *b, size_t at, uint32_t v);

static inline uint32_t mp4_rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t mp4_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint64_t mp4_rd_u64(const uint8_t *p) { return (uint64_t)mp4_rd_u32(p) << 32 | mp4_rd_u32(p + 4); }
static inline void mp4_wr_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

#endif
