/* fd_nonblock (base/fd.h): F_GETFL/F_SETFL, which every platform has (RT-Smart's musl routes
 * them through ioctl: canmv-k230/rtsmart@123aadc kernel/rt-thread/components/dfs/src/dfs_file.c:407,
 * components/net/sal_socket/impl/af_inet_lwip.c:229). */
#include <fcntl.h>

#include "base/errors.h"
#include "base/fd.h"

int fd_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return ERR_EIO;
  return 0;
}
