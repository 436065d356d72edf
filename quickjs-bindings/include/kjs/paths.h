/*
 * kjs/paths.h — the board's file namespace on the host: "/sdcard/..." and "/data/..." map to the
 * directories given with --sdcard and --data; other paths pass through unchanged. On the board
 * the mapping is the identity. Every native module that opens a file goes through this.
 */
#ifndef KJS_PATHS_H
#define KJS_PATHS_H

#include <stddef.h>

typedef struct kjs_vm kjs_vm;

/* Writes the host path for `path` into out. Returns 0, or ERR_ELIMIT if it does not fit. */
int kjs_path_map(kjs_vm *vm, const char *path, char *out, size_t size);

#endif
