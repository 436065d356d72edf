/* The calls of base/fd.h and base/stat.h that differ on RT-Smart (docs/board.md, "System calls"). */
#include "base/fd.h"
#include "base/stat.h"

/* Its kernel has no FD_CLOEXEC (fcntl reaches the DFS as ioctl, which knows F_GETFL/F_SETFL
 * only). k230js itself never execs; a child an app starts through qjs:std's popen would inherit
 * the runtime's descriptors there. */
void fd_cloexec(int fd) { (void)fd; }

/* No lstat slot in the kernel's table, and no symbolic links on its FAT volumes. */
int fs_lstat(const char *path, struct stat *st) { return stat(path, st); }
