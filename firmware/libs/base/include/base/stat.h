/*
 * base/stat.h — file status without following a final symbolic link, with the system calls the
 * platform has (one file per call set, chosen at link time: callset_linux.c, callset_rtsmart.c).
 */
#ifndef BASE_STAT_H
#define BASE_STAT_H

#include <sys/stat.h>

/* lstat() where the kernel has it; stat() on RT-Smart, whose table has no lstat slot and whose
 * FAT file systems have no symbolic links to tell apart. 0 or -1 with errno, as lstat(). */
int fs_lstat(const char *path, struct stat *st);

#endif
