/* fd_cloexec (base/fd.h) for Linux: a child started through qjs:std's popen must not inherit
 * the runtime's sockets and pipes (a listening RTSP port would outlive the runtime). */
#include <fcntl.h>

#include "base/fd.h"

void fd_cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }
