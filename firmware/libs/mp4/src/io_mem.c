/* Memory adapters for mp4_io: a reader over caller bytes, a growing writer with a size limit. */
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "mp4/io.h"

static int m_write(void *u, const void *data, size_t size) {
  mp4_mem *m = u;
  if (!m->owned) return ERR_EIO;
  if (size > SIZE_MAX - m->pos) return ERR_ENOSPC;
  size_t end = m->pos + size;
  if (m->limit && end > m->limit) {
    /* Like a full disk: the part that fits is written, the call fails. */
    size_t fit = m->limit > m->pos ? m->limit - m->pos : 0;
    if (fit) {
      size_t r = m_write(u, data, fit) == 0 ? 0 : 1;
      (void)r;
    }
    return ERR_ENOSPC;
  }
  if (end > m->cap) {
    size_t cap = m->cap ? m->cap : 4096;
    while (cap < end) cap = cap > SIZE_MAX / 2 ? end : cap * 2;
    uint8_t *p = realloc(m->data, cap);
    if (!p) return ERR_ENOMEM;
    m->data = p;
    m->cap = cap;
  }
  if (m->pos > m->size) memset(m->data + m->size, 0, m->pos - m->size);
  memcpy(m->data + m->pos, data, size);
  m->pos = end;
  if (end > m->size) m->size = end;
  return 0;
}

static int64_t m_read(void *u, void *data, size_t size) {
  mp4_mem *m = u;
  if (m->pos >= m->size) return 0;
  size_t n = m->size - m->pos < size ? m->size - m->pos : size;
  memcpy(data, m->data + m->pos, n);
  m->pos += n;
  return (int64_t)n;
}

static int m_seek(void *u, uint64_t off) {
  mp4_mem *m = u;
  if (off > SIZE_MAX) return ERR_EINVAL;
  m->pos = (size_t)off;
  return 0;
}

static int64_t m_tell(void *u) { return (int64_t)((mp4_mem *)u)->pos; }
static int64_t m_size(void *u) { return (int64_t)((mp4_mem *)u)->size; }

static const uint8_t *m_view(void *u, uint64_t off, size_t size) {
  mp4_mem *m = u;
  return off <= m->size && size <= m->size - off ? m->data + off : NULL;
}

static void setup(mp4_io *io, mp4_mem *mem) {
  memset(io, 0, sizeof(*io));
  io->write = m_write;
  io->read = m_read;
  io->seek = m_seek;
  io->tell = m_tell;
  io->size = m_size;
  io->user = mem;
}

void mp4_io_mem_reader(mp4_io *io, mp4_mem *mem, const void *data, size_t size) {
  memset(mem, 0, sizeof(*mem));
  mem->data = (uint8_t *)(uintptr_t)data;
  mem->size = mem->cap = data ? size : 0;
  setup(io, mem);
  io->view = m_view; /* a writer's buffer moves as it grows: no view */
}

void mp4_io_mem_writer(mp4_io *io, mp4_mem *mem, size_t limit) {
  memset(mem, 0, sizeof(*mem));
  mem->owned = true;
  mem->limit = limit;
  setup(io, mem);
}

void mp4_mem_free(mp4_mem *mem) {
  if (mem && mem->owned) free(mem->data);
  if (mem) memset(mem, 0, sizeof(*mem));
}
