/*
 * mp4/fs.h — the file-system operations a segmented recording needs beyond one file's bytes:
 * create a file, delete one, list a directory, and how much room is left. A small callback
 * table, like mp4_io, with a POSIX implementation (stdio, unlink, opendir, statvfs: on the board
 * these reach open/unlink/getdents/statfs of RT-Smart's DFS).
 *
 * Every callback returns 0 or a negative HAL_E* code. Nothing here renames: on FAT (the board's
 * /sdcard) a rename never replaces an existing name.
 */
#ifndef MP4_FS_H
#define MP4_FS_H

#include <stdint.h>

#include "mp4/io.h"

typedef struct mp4_fs {
  /* Creates (or truncates) `path` for writing, as mp4_io_file_open(io, path, "w") does. */
  int (*create)(void *user, const char *path, mp4_io *io);
  /* Closes what create() opened; returns the close's error (a delayed write failure). */
  int (*close)(void *user, mp4_io *io);
  int (*remove)(void *user, const char *path);
  /* Creates directory `path` (its parent exists). */
  int (*mkdir)(void *user, const char *path);
  /* Calls fn(ctx, name) for every entry of `dir` but "." and ".."; stops early when fn returns
   * non-zero. */
  int (*list)(void *user, const char *dir, int (*fn)(void *ctx, const char *name), void *ctx);
  /* Bytes free for files on the file system holding `dir`, or a negative code. */
  int64_t (*free_bytes)(void *user, const char *dir);
  void *user;
} mp4_fs;

extern const mp4_fs mp4_fs_posix;

#endif
