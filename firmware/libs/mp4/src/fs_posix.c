/* mp4_fs on POSIX calls (mp4/fs.h). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/errors.h"
#include "mp4/fs.h"

static int code_of(int e) {
  switch (e) {
    case ENOENT: return ERR_ENOENT;
    case ENOSPC: return ERR_ENOSPC;
    case ENOMEM: return ERR_ENOMEM;
    default: return ERR_EIO;
  }
}

static int px_create(void *user, const char *path, mp4_io *io) { return mp4_io_file_open(io, path, "w"); }
static int px_close(void *user, mp4_io *io) { return mp4_io_file_close(io); }
static int px_remove(void *user, const char *path) { return unlink(path) == 0 ? 0 : code_of(errno); }
static int px_mkdir(void *user, const char *path) {
  return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : code_of(errno);
}

static int px_list(void *user, const char *dir, int (*fn)(void *ctx, const char *name), void *ctx) {
  DIR *d = opendir(dir);
  if (!d) return code_of(errno);
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && fn(ctx, e->d_name)) break;
  closedir(d);
  return 0;
}

static int64_t px_free_bytes(void *user, const char *dir) {
  struct statvfs st;
  if (statvfs(dir, &st) != 0) return code_of(errno);
  return (int64_t)st.f_bavail * (int64_t)st.f_frsize;
}

const mp4_fs mp4_fs_posix = {px_create, px_close, px_remove, px_mkdir, px_list, px_free_bytes, NULL};
