/* The calls of base/fd.h, base/stat.h and base/filemap.h on Linux (docs/board.md, "System calls"). */
#define _GNU_SOURCE /* MAP_POPULATE */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "base/fd.h"
#include "base/stat.h"
#include "filemap_callset.h"

/* A child started through qjs:std's popen must not inherit the runtime's sockets and pipes (a
 * listening RTSP port would outlive the runtime). */
void fd_cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

int fs_lstat(const char *path, struct stat *st) { return lstat(path, st); }

void *filemap_mmap(int fd, size_t size, int prot, unsigned populate, int *err) {
  void *p = mmap(NULL, size, prot, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  if (p == MAP_FAILED) *err = errno;
  return p;
}
