/* The raw protocol's file operations, confined to /sdcard and /data (docs/protocol.md). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/stat.h"
#include "kjs/paths.h"
#include "repl_internal.h"

int kjs_fs_resolve(kjs_vm *vm, const char *path, char *out, size_t size) {
  char board[PATH_MAX];
  const char *roots[] = {"/sdcard", "/data"};
  const char *root = NULL;
  /* Relative paths are relative to /sdcard, as in CanMV's IDE protocol. */
  if (path[0] != '/') {
    if (snprintf(board, sizeof board, "/sdcard/%s", path) >= (int)sizeof board) return -ENAMETOOLONG;
  } else if (snprintf(board, sizeof board, "%s", path) >= (int)sizeof board) {
    return -ENAMETOOLONG;
  }
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(roots[i]);
    if (strncmp(board, roots[i], n) == 0 && (board[n] == 0 || board[n] == '/')) root = roots[i];
  }
  if (!root) return -EACCES;
  /* Rebuild the path from its components, refusing "." and ".." outright: nothing may climb out
   * of the root, even when it would land inside again. */
  char norm[PATH_MAX];
  size_t len = (size_t)snprintf(norm, sizeof norm, "%s", root);
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", board + strlen(root));
  char *save = NULL;
  for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) return -EACCES;
    for (const char *q = c; *q; q++)
      if ((unsigned char)*q < 0x20 || *q == '\\') return -EINVAL;
    int w = snprintf(norm + len, sizeof norm - len, "/%s", c);
    if (w < 0 || (size_t)w >= sizeof norm - len) return -ENAMETOOLONG;
    len += (size_t)w;
  }
  /* No symlink anywhere below the root: a link could point outside it (with the card's FAT
   * semantics the mapping itself refuses them). */
  int rc = kjs_path_map(vm, norm, out, size);
  if (rc != 0) return rc == ERR_ENOENT ? -EACCES : -ENAMETOOLONG;
  char host_root[PATH_MAX];
  if (kjs_path_map(vm, root, host_root, sizeof host_root) != 0) return -ENAMETOOLONG;
  size_t rlen = strlen(host_root);
  char prefix[PATH_MAX];
  snprintf(prefix, sizeof prefix, "%s", out);
  for (size_t i = rlen + 1; i <= strlen(out); i++) {
    if (out[i] != '/' && out[i] != 0) continue;
    prefix[i] = 0;
    struct stat st;
    if (fs_lstat(prefix, &st) != 0) break;
    if (S_ISLNK(st.st_mode)) return -EACCES;
    prefix[i] = out[i];
  }
  return 0;
}

static void reply_errno(kjs_session *s, int err, const char *what) {
  char msg[300];
  if (err == EACCES)
    snprintf(msg, sizeof msg, "%.200s: permission denied (only /sdcard and /data, no '..' or symlinks)", what);
  else snprintf(msg, sizeof msg, "%.200s: %s", what, strerror(err));
  kjs_raw_reply_err(s, -err, msg);
}

/* Copies a path out of a payload (not NUL-terminated on the wire). */
static bool take_path(const uint8_t *p, size_t len, char *out, size_t size) {
  if (len == 0 || len >= size || memchr(p, 0, len)) return false;
  memcpy(out, p, len);
  out[len] = 0;
  return true;
}

static int resolve_payload(kjs_session *s, const uint8_t *p, size_t len, char *host, size_t size, char *board) {
  if (!take_path(p, len, board, PATH_MAX)) {
    kjs_raw_reply_err(s, -EINVAL, "bad path");
    return -1;
  }
  int rc = kjs_fs_resolve(s->vm, board, host, size);
  if (rc < 0) {
    reply_errno(s, -rc, board);
    return -1;
  }
  return 0;
}

static uint8_t type_of(mode_t m) { return S_ISREG(m) ? 1 : S_ISDIR(m) ? 2 : 3; }

static void op_stat(kjs_session *s, const char *host, const char *board) {
  struct stat st;
  if (fs_lstat(host, &st) != 0) {
    reply_errno(s, errno, board);
    return;
  }
  uint8_t b[17];
  b[0] = type_of(st.st_mode);
  put_le64(b + 1, (uint64_t)st.st_size);
  put_le64(b + 9, (uint64_t)st.st_mtime);
  kjs_raw_reply_ok(s, b, sizeof b);
}

static void op_list(kjs_session *s, const char *host, const char *board) {
  DIR *d = opendir(host);
  if (!d) {
    reply_errno(s, errno, board);
    return;
  }
  uint8_t *buf = malloc(RAW_MAX_PAYLOAD);
  size_t fill = 0;
  uint32_t count = 0;
  struct dirent *e;
  while (buf && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || kjs_path_is_transient(e->d_name)) continue;
    char full[PATH_MAX];
    struct stat st;
    if (snprintf(full, sizeof full, "%s/%s", host, e->d_name) >= (int)sizeof full || fs_lstat(full, &st) != 0) continue;
    size_t nl = strlen(e->d_name);
    size_t need = 1 + 8 + 8 + 2 + nl;
    if (fill + need > RAW_MAX_PAYLOAD) {
      kjs_raw_send(s, 'L', buf, fill, NULL, 0);
      fill = 0;
    }
    buf[fill] = type_of(st.st_mode);
    put_le64(buf + fill + 1, (uint64_t)st.st_size);
    put_le64(buf + fill + 9, (uint64_t)st.st_mtime);
    buf[fill + 17] = (uint8_t)nl;
    buf[fill + 18] = (uint8_t)(nl >> 8);
    memcpy(buf + fill + 19, e->d_name, nl);
    fill += need;
    count++;
  }
  closedir(d);
  if (fill) kjs_raw_send(s, 'L', buf, fill, NULL, 0);
  free(buf);
  uint8_t c[4];
  put_le32(c, count);
  kjs_raw_reply_ok(s, c, 4);
}

static void op_read(kjs_session *s, const uint8_t *p, size_t len) {
  char host[PATH_MAX], board[PATH_MAX];
  if (len < 8) {
    kjs_raw_reply_err(s, -EINVAL, "read: short request");
    return;
  }
  uint64_t off = get_le64(p);
  if (resolve_payload(s, p + 8, len - 8, host, sizeof host, board) < 0) return;
  FILE *f = fopen(host, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0) {
    reply_errno(s, errno, board);
    if (f) fclose(f);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    fclose(f);
    reply_errno(s, EISDIR, board);
    return;
  }
  uint64_t size = (uint64_t)st.st_size;
  uint8_t b[8];
  put_le64(b, size);
  kjs_raw_reply_ok(s, b, 8);
  uint8_t *chunk = malloc(8 + RAW_CHUNK);
  kjs_sha256 sha;
  kjs_sha256_init(&sha);
  uint64_t pos = 0;
  while (chunk) {
    size_t n = fread(chunk + 8, 1, RAW_CHUNK, f);
    if (n == 0) break;
    kjs_sha256_update(&sha, chunk + 8, n);
    if (pos + n > off) {
      /* Resuming at `off`: hash the prefix, send from there. */
      size_t skip = pos < off ? (size_t)(off - pos) : 0;
      put_le64(chunk + skip, pos + skip);
      kjs_raw_send(s, 'D', chunk + skip, 8, chunk + 8 + skip, n - skip);
    }
    pos += n;
  }
  fclose(f);
  free(chunk);
  uint8_t fin[8 + 32];
  put_le64(fin, pos);
  kjs_sha256_final(&sha, fin + 8);
  kjs_raw_send(s, 'F', fin, sizeof fin, NULL, 0);
}

void kjs_fs_op(kjs_session *s, uint8_t type, const uint8_t *p, size_t len) {
  char host[PATH_MAX], board[PATH_MAX];
  if (type == 'r') {
    op_read(s, p, len);
    return;
  }
  if (type == 'n') {
    const uint8_t *z = memchr(p, 0, len);
    char host2[PATH_MAX], board2[PATH_MAX];
    if (!z) {
      kjs_raw_reply_err(s, -EINVAL, "rename: needs 'from\\0to'");
      return;
    }
    size_t n1 = (size_t)(z - p);
    if (resolve_payload(s, p, n1, host, sizeof host, board) < 0) return;
    if (resolve_payload(s, z + 1, len - n1 - 1, host2, sizeof host2, board2) < 0) return;
    int rc = kjs_path_rename(s->vm, host, host2);
    if (rc < 0) reply_errno(s, -rc, rc == -EEXIST ? board2 : board);
    else kjs_raw_reply_ok(s, NULL, 0);
    return;
  }
  if (resolve_payload(s, p, len, host, sizeof host, board) < 0) return;
  switch (type) {
    case 's': op_stat(s, host, board); break;
    case 'l': op_list(s, host, board); break;
    case 'm':
      if (mkdir(host, 0755) != 0) reply_errno(s, errno, board);
      else kjs_raw_reply_ok(s, NULL, 0);
      break;
    case 'u': {
      struct stat st;
      int rc = fs_lstat(host, &st);
      if (rc == 0) rc = S_ISDIR(st.st_mode) ? rmdir(host) : unlink(host);
      if (rc != 0) reply_errno(s, errno, board);
      else kjs_raw_reply_ok(s, NULL, 0);
      break;
    }
    default: kjs_raw_reply_err(s, -EINVAL, "unknown file operation"); break;
  }
}

void kjs_fs_write_begin(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  char board[PATH_MAX];
  if (len < 8) {
    kjs_raw_reply_err(s, -EINVAL, "write: short request");
    return;
  }
  uint64_t size = get_le64(p);
  if (resolve_payload(s, p + 8, len - 8, r->wdst, sizeof r->wdst, board) < 0) return;
  struct stat st;
  if (stat(r->wdst, &st) == 0 && S_ISDIR(st.st_mode)) {
    reply_errno(s, EISDIR, board);
    return;
  }
  /* The data goes to a hidden temporary beside the target and replaces it only once the
   * whole-file hash matches, so a cut connection never leaves a half-written file. */
  if (kjs_path_sibling(r->wdst, KJS_PATH_PART_SUFFIX, r->wtmp, sizeof r->wtmp) < 0) {
    reply_errno(s, ENAMETOOLONG, board);
    return;
  }
  r->wf = fopen(r->wtmp, "wb");
  if (!r->wf) {
    reply_errno(s, errno, board);
    return;
  }
  kjs_sha256_init(&r->wsha);
  r->xfer = XFER_WRITE;
  r->xfer_off = 0;
  r->xfer_size = size;
  r->nak_sent = false;
  uint8_t w[4];
  put_le32(w, RAW_WINDOW);
  kjs_raw_reply_ok(s, w, 4);
}

int kjs_fs_write_chunk(kjs_session *s, const uint8_t *data, size_t len) {
  raw_state *r = &s->raw;
  if (len && fwrite(data, 1, len, r->wf) != len) return errno == ENOSPC ? -ENOSPC : -EIO;
  kjs_sha256_update(&r->wsha, data, len);
  return 0;
}

void kjs_fs_write_abort(kjs_session *s) {
  raw_state *r = &s->raw;
  if (r->wf) {
    fclose(r->wf);
    r->wf = NULL;
    unlink(r->wtmp);
  }
}

void kjs_fs_write_end(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  uint8_t sha[32];
  kjs_sha256_final(&r->wsha, sha);
  int rc = fflush(r->wf) == 0 && fsync(fileno(r->wf)) == 0 ? 0 : errno;
  if (fclose(r->wf) != 0 && !rc) rc = errno;
  r->wf = NULL;
  if (rc) {
    unlink(r->wtmp);
    reply_errno(s, rc, "write");
    return;
  }
  if (len != 32 || memcmp(p, sha, 32) != 0) {
    unlink(r->wtmp);
    kjs_raw_reply_err(s, -EIO, "write: whole-file SHA-256 mismatch; the old file is kept");
    return;
  }
  int e = kjs_path_replace(s->vm, r->wtmp, r->wdst);
  if (e < 0) {
    unlink(r->wtmp);
    reply_errno(s, -e, "write");
    return;
  }
  kjs_raw_reply_ok(s, sha, 32);
}
