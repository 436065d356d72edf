/* The mapping call of base/filemap.h, one per system-call set (callset_linux.c,
 * callset_rtsmart.c). Internal to libs/base. */
#ifndef BASE_FILEMAP_CALLSET_H
#define BASE_FILEMAP_CALLSET_H

#include <stddef.h>

/* `size` bytes of the file `fd` from offset 0, MAP_PRIVATE with `prot`, read in at once if
 * `populate`; MAP_FAILED with *err (an errno value) when it cannot be mapped. */
void *filemap_mmap(int fd, size_t size, int prot, unsigned populate, int *err);

#endif
