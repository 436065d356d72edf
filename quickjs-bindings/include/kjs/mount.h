/*
 * kjs/mount.h — a host directory in the board's name space, served over the console link
 * (`k230js mount DIR`, as mpremote mount; docs/protocol.md "Mount").
 *
 * While a host on the link in raw mode serves a mount at a board path ("/remote" by default),
 * paths under it are read from the host's directory: the module loader imports modules from it
 * (the host turns TypeScript modules into JavaScript on the way) and k230:media openFile reads
 * files from it. Reads block the calling (VM) thread until the host answers; Ctrl-C interrupts
 * them. Everything else (writes, qjs:std, listings, k230:mp4 and k230:audio files) sees the board's
 * own files only. Without a console session, or once the host unmounts, nothing is mounted.
 */
#ifndef KJS_MOUNT_H
#define KJS_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when `path` lies under the mount (an absolute board path). */
bool kjs_mount_owns(const char *path);
/* The whole file: *out is malloc'd and NUL-terminated (*len bytes before the NUL). `module`: a
 * module import (TypeScript comes back as JavaScript). Returns 0 or a ERR_E* code, with the
 * host's reason in msg. */
int kjs_mount_read(const char *path, bool module, char **out, size_t *len, char *msg, size_t msgsize);
/* The file as a read-only stream (fclose ends it), or NULL with *err (ERR_E*) and msg. */
FILE *kjs_mount_fopen(const char *path, int *err, char *msg, size_t msgsize);

#endif
