/*
 * mp4/io.h — the byte I/O the MP4 muxer and demuxer run on: a small callback table, plus a
 * file adapter and a memory adapter.
 *
 * Every callback returns 0 / a negative ERR_E* code (read returns the byte count). `write` writes
 * all bytes or fails (ERR_ENOSPC when the medium is full, ERR_EIO otherwise). The muxer needs
 * write/seek/tell and, to move the index to the front (faststart), read too; the demuxer needs
 * read/seek/size. flush/sync may be NULL.
 */
#ifndef MP4_IO_H
#define MP4_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mp4_io {
  int (*write)(void *user, const void *data, size_t size);
  int64_t (*read)(void *user, void *data, size_t size); /* bytes read, 0 at end, or < 0 */
  int (*seek)(void *user, uint64_t offset);             /* absolute */
  int64_t (*tell)(void *user);
  int64_t (*size)(void *user);
  int (*flush)(void *user); /* hand buffered bytes to the OS */
  int (*sync)(void *user);  /* make them durable (fsync) */
  void *user;
  /* Optional: the `size` bytes at `offset` in place, read-only and valid until the io is closed,
     or NULL (then the caller reads). The demuxer hands frames stored as-is out of it without
     copying them. */
  const uint8_t *(*view)(void *user, uint64_t offset, size_t size);
  /* Optional, with view: 0 while the view holds the file's bytes; ERR_ETRUNC once the file has
     shrunk under it (what the view showed past the new end reads as zeros from then on). The
     demuxer asks at each call and after reading a view itself, and fails with that code rather
     than hand out zeros as a frame. */
  int (*view_check)(void *user);
} mp4_io;

/* A file, through its descriptor with no buffer of its own: reads go straight into the caller's
   memory and writes straight to the OS (the muxer hands over whole fragments). mode "r" for
   reading, "w" to create/truncate for writing (opened read-write so the muxer can finalize), "m"
   for reading with a view of the whole file mapped into memory (base/filemap.h; where the file
   cannot be mapped, e.g. on the board, it works as "r"). The mapping is private
   and writable: bytes written through a frame stay in this process (copy-on-write), never reach
   the file. A file that shrinks while mapped does not crash the reader: the view reads zeros past
   the new end and view_check() says ERR_ETRUNC. The adapter owns the descriptor;
   mp4_io_file_close() closes it (and unmaps). */
int mp4_io_file_open(mp4_io *io, const char *path, const char *mode);
int mp4_io_file_close(mp4_io *io);

/* Memory. A reader over caller-owned bytes (not copied, must outlive the io; with a view), or a
   writer into a growing buffer owned by the adapter, failing with ERR_ENOSPC past `limit` bytes
   (0 = no limit). */
typedef struct mp4_mem {
  uint8_t *data;
  size_t size; /* bytes of content */
  size_t cap;
  size_t pos;
  size_t limit;
  bool owned;
} mp4_mem;

void mp4_io_mem_reader(mp4_io *io, mp4_mem *mem, const void *data, size_t size);
void mp4_io_mem_writer(mp4_io *io, mp4_mem *mem, size_t limit);
void mp4_mem_free(mp4_mem *mem);

#endif
