/* The calls of base/fd.h and base/stat.h on Linux (docs/board.md, "System calls"). */
#include <fcntl.h>

#include "base/fd.h"
#include "base/stat.h"

/* A child started through qjs:std's popen must not inherit the runtime's sockets and pipes (a
 * listening RTSP port would outlive the runtime). */
void fd_cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

int fs_lstat(const char *path, struct stat *st) { return lstat(path, st); }
