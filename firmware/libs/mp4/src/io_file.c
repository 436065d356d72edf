/* stdio file adapter for mp4_io, with an optional mapping of the whole file ("m"). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/filemap.h"
#include "mp4/io.h"

typedef struct file_io {
  FILE *f;
  base_filemap map; /* "m": the whole file, else map.data NULL */
} file_io;

static int err_code(int e) { return e == ENOSPC || e == EDQUOT ? ERR_ENOSPC : ERR_EIO; }

static int f_write(void *u, const void *data, size_t size) {
  if (size && fwrite(data, 1, size, ((file_io *)u)->f) != size) return err_code(errno);
  return 0;
}

static int64_t f_read(void *u, void *data, size_t size) {
  FILE *f = ((file_io *)u)->f;
  size_t n = fread(data, 1, size, f);
  if (n < size && ferror(f)) return ERR_EIO;
  return (int64_t)n;
}

static int f_seek(void *u, uint64_t off) {
  if (off > INT64_MAX) return ERR_EINVAL;
  return fseeko(((file_io *)u)->f, (off_t)off, SEEK_SET) == 0 ? 0 : ERR_EIO;
}

static int64_t f_tell(void *u) {
  off_t o = ftello(((file_io *)u)->f);
  return o < 0 ? ERR_EIO : (int64_t)o;
}

static int64_t f_size(void *u) {
  FILE *f = ((file_io *)u)->f;
  off_t cur = ftello(f);
  if (cur < 0 || fseeko(f, 0, SEEK_END) != 0) return ERR_EIO;
  off_t end = ftello(f);
  if (fseeko(f, cur, SEEK_SET) != 0) return ERR_EIO;
  return end < 0 ? ERR_EIO : (int64_t)end;
}

static int f_flush(void *u) { return fflush(((file_io *)u)->f) == 0 ? 0 : err_code(errno); }

static int f_sync(void *u) {
  FILE *f = ((file_io *)u)->f;
  if (fflush(f) != 0) return err_code(errno);
  return fsync(fileno(f)) == 0 ? 0 : err_code(errno);
}

static const uint8_t *f_view(void *u, uint64_t off, size_t size) {
  const base_filemap *m = &((file_io *)u)->map;
  return off <= m->size && size <= m->size - off ? m->data + off : NULL;
}

static int f_view_check(void *u) { return base_filemap_truncated(&((file_io *)u)->map) ? ERR_ETRUNC : 0; }

int mp4_io_file_open(mp4_io *io, const char *path, const char *mode) {
  if (!io || !path || !mode || (mode[0] != 'r' && mode[0] != 'w' && mode[0] != 'm')) return ERR_EINVAL;
  bool write = mode[0] == 'w';
  file_io *fi = calloc(1, sizeof(*fi));
  if (!fi) return ERR_ENOMEM;
  fi->f = fopen(path, write ? "w+b" : "rb");
  if (!fi->f) {
    int e = errno;
    free(fi);
    return e == ENOENT ? ERR_ENOENT : e == ENOSPC ? ERR_ENOSPC : ERR_EIO;
  }
  /* Readers (the demuxer) read large runs themselves: a stdio buffer would split each read in two
     system calls and copy part of it twice, and every seek would drop and refill it. */
  if (!write) setvbuf(fi->f, NULL, _IONBF, 0);
  /* Frames are lent from the mapping in place, and a consumer may write into a lent frame (as
     into a read buffer): writable, privately. Without a mapping (map.data NULL) the file is read. */
  if (mode[0] == 'm') base_filemap_open(&fi->map, fileno(fi->f), BASE_FILEMAP_WRITABLE);
  memset(io, 0, sizeof(*io));
  io->write = f_write;
  io->read = f_read;
  io->seek = f_seek;
  io->tell = f_tell;
  io->size = f_size;
  io->flush = f_flush;
  io->sync = f_sync;
  io->user = fi;
  if (fi->map.data) {
    io->view = f_view;
    io->view_check = f_view_check;
  }
  return 0;
}

int mp4_io_file_close(mp4_io *io) {
  if (!io || !io->user) return ERR_EINVAL;
  file_io *fi = io->user;
  base_filemap_close(&fi->map);
  int rc = fclose(fi->f) == 0 ? 0 : err_code(errno);
  free(fi);
  io->user = NULL;
  return rc;
}
