/* stdio file adapter for mp4_io. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "mp4/io.h"

static int err_code(int e) { return e == ENOSPC || e == EDQUOT ? ERR_ENOSPC : ERR_EIO; }

static int f_write(void *u, const void *data, size_t size) {
  if (size && fwrite(data, 1, size, (FILE *)u) != size) return err_code(errno);
  return 0;
}

static int64_t f_read(void *u, void *data, size_t size) {
  size_t n = fread(data, 1, size, (FILE *)u);
  if (n < size && ferror((FILE *)u)) return ERR_EIO;
  return (int64_t)n;
}

static int f_seek(void *u, uint64_t off) {
  if (off > INT64_MAX) return ERR_EINVAL;
  return fseeko((FILE *)u, (off_t)off, SEEK_SET) == 0 ? 0 : ERR_EIO;
}

static int64_t f_tell(void *u) {
  off_t o = ftello((FILE *)u);
  return o < 0 ? ERR_EIO : (int64_t)o;
}

static int64_t f_size(void *u) {
  FILE *f = u;
  off_t cur = ftello(f);
  if (cur < 0 || fseeko(f, 0, SEEK_END) != 0) return ERR_EIO;
  off_t end = ftello(f);
  if (fseeko(f, cur, SEEK_SET) != 0) return ERR_EIO;
  return end < 0 ? ERR_EIO : (int64_t)end;
}

static int f_flush(void *u) { return fflush((FILE *)u) == 0 ? 0 : err_code(errno); }

static int f_sync(void *u) {
  FILE *f = u;
  if (fflush(f) != 0) return err_code(errno);
  return fsync(fileno(f)) == 0 ? 0 : err_code(errno);
}

int mp4_io_file_open(mp4_io *io, const char *path, const char *mode) {
  if (!io || !path || !mode) return ERR_EINVAL;
  bool write = mode[0] == 'w';
  FILE *f = fopen(path, write ? "w+b" : "rb");
  if (!f) return errno == ENOENT ? ERR_ENOENT : errno == ENOSPC ? ERR_ENOSPC : ERR_EIO;
  memset(io, 0, sizeof(*io));
  io->write = f_write;
  io->read = f_read;
  io->seek = f_seek;
  io->tell = f_tell;
  io->size = f_size;
  io->flush = f_flush;
  io->sync = f_sync;
  io->user = f;
  return 0;
}

int mp4_io_file_close(mp4_io *io) {
  if (!io || !io->user) return ERR_EINVAL;
  int rc = fclose((FILE *)io->user) == 0 ? 0 : err_code(errno);
  io->user = NULL;
  return rc;
}
