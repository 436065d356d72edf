/* The calls of hal/fd.h and hal/stat.h on Linux (docs/board.md, "System calls"). */
#include <fcntl.h>

#include "hal/fd.h"
#include "hal/stat.h"

/* A child started through qjs:std's popen must not inherit the runtime's sockets and pipes (a
 * listening RTSP port would outlive the runtime). */
void hal_fd_cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

int hal_lstat(const char *path, struct stat *st) { return lstat(path, st); }
