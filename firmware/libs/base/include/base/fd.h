/*
 * base/fd.h — descriptor flags, set with the system calls the platform has.
 *
 * The runtime's loop and the socket adapters use these instead of fcntl(): RT-Smart (the board)
 * handles F_GETFL/F_SETFL only, so close-on-exec comes in one file per system-call set,
 * chosen at link time (docs/board.md, "System calls"): callset_linux.c, callset_rtsmart.c.
 */
#ifndef BASE_FD_H
#define BASE_FD_H

/* Makes fd non-blocking. 0, or ERR_EIO when the descriptor refuses. */
int fd_nonblock(int fd);
/* Marks fd close-on-exec. Does nothing on RT-Smart, whose kernel has no FD_CLOEXEC (k230js
 * never execs; a child an app starts with qjs:std's popen inherits the descriptors there). */
void fd_cloexec(int fd);

#endif
