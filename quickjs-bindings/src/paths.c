/* The /sdcard and /data namespace and the card's file semantics (kjs/paths.h). */
#include "kjs/paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/stat.h"
#include "kjs/vm.h"

#define RECOVER_MAX_DEPTH 16

static const char *under(const char *path, const char *root) {
  size_t n = strlen(root);
  if (strncmp(path, root, n) != 0) return NULL;
  if (path[n] == 0 || path[n] == '/') return path + n;
  return NULL;
}

/* The entry of directory `dir` whose name equals name[0..n) ignoring ASCII case (FatFs folds
 * non-ASCII letters too; the simulator does not). */
static bool find_nocase(const char *dir, const char *name, size_t n, char *found, size_t size) {
  DIR *d = opendir(dir);
  if (!d) return false;
  bool ok = false;
  struct dirent *e;
  while (!ok && (e = readdir(d))) {
    if (strlen(e->d_name) == n && strncasecmp(e->d_name, name, n) == 0 && n < size) {
      memcpy(found, e->d_name, n + 1);
      ok = true;
    }
  }
  closedir(d);
  return ok;
}

/* dir + rest, each component of rest looked up as FAT does: case-insensitively, no symlinks. A
 * component that does not exist keeps its spelling (that is the name a create gives it). */
static int map_fat(const char *dir, const char *rest, char *out, size_t size) {
  size_t len = strlen(dir);
  if (len >= size) return ERR_ELIMIT;
  memcpy(out, dir, len + 1);
  bool missing = false;
  for (const char *p = rest; *p;) {
    if (*p == '/') {
      p++;
      continue;
    }
    size_t n = strcspn(p, "/");
    if (len + 1 + n >= size) return ERR_ELIMIT;
    out[len] = '/';
    memcpy(out + len + 1, p, n);
    out[len + 1 + n] = 0;
    struct stat st;
    if (!missing && fs_lstat(out, &st) != 0) {
      char found[NAME_MAX + 1];
      out[len] = 0;
      if (errno == ENOENT && find_nocase(out, p, n, found, sizeof found)) memcpy(out + len + 1, found, n + 1);
      else missing = true;
      out[len] = '/';
      if (!missing && fs_lstat(out, &st) != 0) missing = true;
    }
    if (!missing && S_ISLNK(st.st_mode)) return ERR_ENOENT;
    len += 1 + n;
    p += n;
  }
  if (*rest && rest[strlen(rest) - 1] == '/') {
    if (len + 1 >= size) return ERR_ELIMIT;
    out[len++] = '/';
    out[len] = 0;
  }
  return 0;
}

int kjs_path_map(kjs_vm *vm, const char *path, char *out, size_t size) {
  const kjs_vm_config *cfg = kjs_vm_config_of(vm);
  const char *rest = NULL, *dir = NULL;
  if (cfg->sdcard_dir && (rest = under(path, "/sdcard"))) dir = cfg->sdcard_dir;
  else if (cfg->data_dir && (rest = under(path, "/data"))) dir = cfg->data_dir;
  if (dir && cfg->sdcard_fat) return map_fat(dir, rest, out, size);
  int n = dir ? snprintf(out, size, "%s%s", dir, rest) : snprintf(out, size, "%s", path);
  return (n < 0 || (size_t)n >= size) ? ERR_ELIMIT : 0;
}

int kjs_path_sibling(const char *path, const char *suffix, char *out, size_t size) {
  const char *slash = strrchr(path, '/');
  int dlen = slash ? (int)(slash - path) : 0;
  const char *base = slash ? slash + 1 : path;
  int n =
      slash ? snprintf(out, size, "%.*s/.%s%s", dlen, path, base, suffix) : snprintf(out, size, ".%s%s", base, suffix);
  return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static int rename_sem(bool fat, const char *from, const char *to) {
  struct stat st;
  /* FatFs f_rename: FR_EXIST when the new name is taken, whatever it is. */
  if (fat && fs_lstat(to, &st) == 0) return -EEXIST;
  return rename(from, to) == 0 ? 0 : -errno;
}

int kjs_path_rename(kjs_vm *vm, const char *from, const char *to) {
  return rename_sem(kjs_vm_config_of(vm)->sdcard_fat, from, to);
}

/* The recovery rule for one name and its backup (kjs/paths.h). Returns 1 when it acted, 0 when
 * there was nothing to do, or a negative errno. */
static int settle(bool fat, const char *dst, const char *bak) {
  struct stat st;
  if (fs_lstat(bak, &st) != 0) return 0;
  if (fs_lstat(dst, &st) == 0) return unlink(bak) == 0 ? 1 : -errno; /* committed: the backup is stale */
  int rc = rename_sem(fat, bak, dst);                                /* not committed: the old file returns */
  return rc < 0 ? rc : 1;
}

int kjs_path_replace(kjs_vm *vm, const char *tmp, const char *dst) {
  bool fat = kjs_vm_config_of(vm)->sdcard_fat;
  char bak[PATH_MAX];
  int rc = kjs_path_sibling(dst, KJS_PATH_OLD_SUFFIX, bak, sizeof bak);
  if (rc < 0) return rc;
  /* A backup left by an interrupted replacement of this name is settled first, so step 2 finds
   * its name free. */
  if ((rc = settle(fat, dst, bak)) < 0) return rc;
  rc = rename_sem(fat, tmp, dst);
  if (rc == 0) return 0;
  struct stat st;
  /* Only "the name is taken by a file" takes the long way; FatFs may report it as something
   * other than EEXIST through DFS, so the file's presence decides. */
  if (stat(dst, &st) != 0 || !S_ISREG(st.st_mode)) return rc;
  if ((rc = rename_sem(fat, dst, bak)) < 0) return rc;
  if ((rc = rename_sem(fat, tmp, dst)) < 0) {
    rename_sem(fat, bak, dst);
    return rc;
  }
  unlink(bak); /* if this fails the next start-up removes it: dst is committed */
  return 0;
}

/* ---- start-up recovery ---- */

static bool has_suffix(const char *name, const char *suffix) {
  size_t n = strlen(name), k = strlen(suffix);
  return name[0] == '.' && n > k + 1 && strcmp(name + n - k, suffix) == 0;
}

bool kjs_path_is_transient(const char *name) {
  return has_suffix(name, KJS_PATH_PART_SUFFIX) || has_suffix(name, KJS_PATH_OLD_SUFFIX);
}

typedef struct recover_ctx {
  bool fat;
  void (*note)(const char *line);
  int count;
  char path[PATH_MAX];
} recover_ctx;

static void report(recover_ctx *c, const char *what) {
  c->count++;
  if (!c->note) return;
  char line[PATH_MAX + 64];
  snprintf(line, sizeof line, "%s %s", what, c->path);
  c->note(line);
}

/* Acts on the entry named `name` in the directory c->path (length len). */
static void recover_entry(recover_ctx *c, size_t len, const char *name) {
  if (len + 1 + strlen(name) >= sizeof c->path) return;
  snprintf(c->path + len, sizeof c->path - len, "/%s", name);
  if (has_suffix(name, KJS_PATH_PART_SUFFIX)) {
    if (unlink(c->path) == 0) report(c, "removed the unfinished transfer");
  } else if (has_suffix(name, KJS_PATH_OLD_SUFFIX)) {
    char dst[PATH_MAX];
    size_t base = strlen(name) - strlen(KJS_PATH_OLD_SUFFIX) - 1;
    snprintf(dst, sizeof dst, "%.*s/%.*s", (int)len, c->path, (int)base, name + 1);
    bool back = access(dst, F_OK) != 0;
    if (settle(c->fat, dst, c->path) > 0)
      report(c, back ? "restored the previous file from" : "removed the stale backup");
  }
  c->path[len] = 0;
}

static int walk(recover_ctx *c, int depth) {
  DIR *d = opendir(c->path);
  if (!d) return -errno;
  size_t len = strlen(c->path);
  /* Matches are acted on after the listing ends: renaming or removing entries of a directory
   * being read is not something every file system handles the same way. */
  char **hits = NULL;
  size_t nhits = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    if (kjs_path_is_transient(name)) {
      char **grown = realloc(hits, (nhits + 1) * sizeof *hits);
      char *copy = strdup(name);
      if (!grown || !copy) {
        free(copy);
        if (grown) hits = grown;
        continue;
      }
      hits = grown;
      hits[nhits++] = copy;
      continue;
    }
    bool dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      snprintf(c->path + len, sizeof c->path - len, "/%s", name);
      dir = fs_lstat(c->path, &st) == 0 && S_ISDIR(st.st_mode);
      c->path[len] = 0;
    }
    if (dir && depth < RECOVER_MAX_DEPTH && len + 1 + strlen(name) < sizeof c->path) {
      snprintf(c->path + len, sizeof c->path - len, "/%s", name);
      walk(c, depth + 1);
      c->path[len] = 0;
    }
  }
  closedir(d);
  for (size_t i = 0; i < nhits; i++) {
    recover_entry(c, len, hits[i]);
    free(hits[i]);
  }
  free(hits);
  return 0;
}

int kjs_path_recover(const char *dir, bool fat, void (*note)(const char *line)) {
  recover_ctx *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->fat = fat;
  c->note = note;
  snprintf(c->path, sizeof c->path, "%s", dir);
  int rc = walk(c, 0);
  int count = c->count;
  free(c);
  return rc < 0 ? rc : count;
}
