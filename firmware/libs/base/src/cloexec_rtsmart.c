/* fd_cloexec (base/fd.h) for RT-Smart: its kernel has no FD_CLOEXEC (fcntl reaches the DFS as
 * ioctl, which knows F_GETFL/F_SETFL only). k230js itself never execs; a child an app starts
 * through qjs:std's popen would inherit the runtime's descriptors there. */
#include "base/fd.h"

void fd_cloexec(int fd) { (void)fd; }
