/* The calls of base/fd.h, base/stat.h and base/filemap.h that differ on RT-Smart (docs/board.md,
 * "System calls"). */
#include <errno.h>
#include <sys/mman.h>

#include "base/fd.h"
#include "base/stat.h"
#include "filemap_callset.h"

/* Its kernel has no FD_CLOEXEC (fcntl reaches the DFS as ioctl, which knows F_GETFL/F_SETFL
 * only). k230js itself never execs; a child an app starts through qjs:std's popen would inherit
 * the runtime's descriptors there. */
void fd_cloexec(int fd) { (void)fd; }

/* No lstat slot in the kernel's table, and no symbolic links on its FAT volumes. */
int fs_lstat(const char *path, struct stat *st) { return stat(path, st); }

/* Its mmap2 maps device files only: a regular file (FAT) gets MAP_FAILED
 * (canmv-k230/rtsmart@123aadc:kernel/rt-thread/components/lwp/lwp_user_mm.c:404, lwp_mmap2:
 * `d->fnode->type == FT_DEVICE`). Not asking spares the call; files are read instead. */
void *filemap_mmap(int fd, size_t size, int prot, unsigned populate, int *err) {
  (void)fd, (void)size, (void)prot, (void)populate;
  *err = ENOTSUP;
  return MAP_FAILED;
}
