/*
 * base/filemap.h — the one way a file is mapped into memory: a whole regular file, privately,
 * guarded against the file shrinking under the mapping.
 *
 * Reading a mapped page that lies past a file's end raises SIGBUS, which kills the process
 * wherever the read happens (a JS frame view included) when another process truncates the
 * file. Every mapping made here is registered in a fixed process-wide table, and one SIGBUS
 * handler (installed with the first mapping, chaining to the handler it replaced for addresses
 * not in the table) maps anonymous zero pages over the mapping from the faulting page to its
 * end and marks it truncated: the read goes on and sees zeros, and whoever owns the mapping
 * checks base_filemap_truncated() and reports the error instead of using those zeros as data.
 * Registering and unregistering take no lock the handler waits for; any thread may map, read
 * and close.
 *
 * Where the system cannot map a file (RT-Smart maps device files only: the `rtsmart` call set)
 * base_filemap_open fails with ERR_ENOTSUP and the caller reads the file instead.
 */
#ifndef BASE_FILEMAP_H
#define BASE_FILEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct base_filemap {
  const uint8_t *data; /* the file's `size` bytes; NULL when not mapped */
  size_t size;
  size_t released; /* the first `released` bytes are unmapped again (base_filemap_release) */
  int slot;        /* the registration, -1 when none */
} base_filemap;

enum {
  BASE_FILEMAP_POPULATE = 1, /* read the whole file in at once (where the system can) */
  BASE_FILEMAP_WRITABLE = 2, /* the pages may be written: copy-on-write, private to this
                                process, never reaching the file */
};

/* Maps the whole of the regular file open as `fd` (which may be closed afterwards). 0, or
 * ERR_ENOTSUP (not a regular file, empty, or no file mapping on this system), ERR_ELIMIT (the
 * table of mappings is full), ERR_ENOMEM / ERR_EIO (the mapping failed): *m is then unmapped. */
int base_filemap_open(base_filemap *m, int fd, unsigned flags);
/* Has the file shrunk under the mapping (a read past its new end found zeros)? Async-signal-safe,
 * one atomic load. */
bool base_filemap_truncated(const base_filemap *m);
/* Unmaps [released, upto & ~(1 MiB - 1)): pages no longer read, so a long file's mapping does
 * not keep it all resident. Does nothing when that is empty. */
void base_filemap_release(base_filemap *m, size_t upto);
/* Makes the pages of [from, from + len) present in one call where the system can
 * (MADV_POPULATE_READ): a reader going through the file ahead of its faults. 0, or ERR_ENOTSUP
 * (not here, or not this kernel: stop asking). Past the end or the released part: clipped. */
int base_filemap_prefetch(base_filemap *m, size_t from, size_t len);
/* Unmaps what is left and unregisters. Idempotent; *m is then unmapped. */
void base_filemap_close(base_filemap *m);

#endif
