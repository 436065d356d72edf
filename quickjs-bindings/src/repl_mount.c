/* A host directory on the link (kjs/mount.h, docs/protocol.md "Mount"): the host declares the
 * mount point ('k'), the device asks for file bytes ('G') and waits on the VM thread for the
 * answer ('g'), which the live scan takes out of the input ahead of anything else. */
#define _GNU_SOURCE /* fopencookie */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "base/errors.h"
#include "kjs/mount.h"
#include "kjs/vm.h"
#include "repl_internal.h"

#define G_HDR 17          /* u32 id, u8 flags, u64 offset, u32 length */
#define REPLY_HDR 24      /* u32 id, i32 code, u64 size, u64 offset */
#define ANSWER_US 3000000 /* silence this long: ask again (the request may have been lost) */
#define MAX_TRIES 3
#define FILE_CHUNK (256 * 1024) /* bytes per request of an open file */
#define MODULE_MAX (64u << 20)

void kjs_mount_drop(kjs_session *s) { s->mount.point[0] = 0; }

void kjs_mount_request(kjs_session *s, const uint8_t *p, size_t len) {
  mount_state *m = &s->mount;
  if (len == 0) {
    kjs_mount_drop(s);
    kjs_raw_reply_ok(s, NULL, 0);
    return;
  }
  bool ok = len < sizeof m->point && p[0] == '/' && len > 1;
  for (size_t i = 1; ok && i < len; i++) {
    uint8_t c = p[i];
    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  }
  if (ok && ((len == 7 && memcmp(p, "/sdcard", 7) == 0) || (len == 5 && memcmp(p, "/data", 5) == 0) ||
             (len == 2 && p[1] == '.') || (len == 3 && p[1] == '.' && p[2] == '.')))
    ok = false;
  if (!ok) {
    kjs_raw_reply_err(s, -22, "mount: the mount point must be one name under / (not /sdcard or /data), e.g. /remote");
    return;
  }
  memcpy(m->point, p, len);
  m->point[len] = 0;
  kjs_raw_reply_ok(s, NULL, 0);
}

void kjs_mount_reply(kjs_session *s, const uint8_t *p, size_t len) {
  mount_state *m = &s->mount;
  if (len < REPLY_HDR || m->done || get_le32(p) != m->id) return; /* stale: an earlier try's */
  int32_t code = (int32_t)get_le32(p + 4);
  if (code < 0) {
    size_t n = len - REPLY_HDR < sizeof m->msg - 1 ? len - REPLY_HDR : sizeof m->msg - 1;
    memcpy(m->msg, p + REPLY_HDR, n);
    m->msg[n] = 0;
    m->code = code;
    m->done = true;
    return;
  }
  m->size = get_le64(p + 8);
  uint64_t off = get_le64(p + 16);
  if (off != m->off + m->got) return; /* out of order: asked again from the gap on a timeout */
  size_t n = len - REPLY_HDR;
  if (n > m->want - m->got) n = m->want - m->got;
  memcpy(m->buf + m->got, p + REPLY_HDR, n);
  m->got += n;
  if (m->got == m->want || m->off + m->got >= m->size) m->done = true;
}

bool kjs_mount_owns(const char *path) {
  kjs_session *s = kjs_the_session;
  if (!s || !s->mount.point[0] || s->mode != MODE_RAW) return false;
  size_t n = strlen(s->mount.point);
  return strncmp(path, s->mount.point, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static int host_code(int code) {
  return code == -2 ? ERR_ENOENT : code == -5 ? ERR_EIO : code == -22 ? ERR_EINVAL : ERR_EIO;
}

/* Asks for `want` bytes at `off` of the file `rel` (relative to the mount) into buf and waits:
 * *got bytes arrive (fewer at the end of the file), *size is the file's. */
static int fetch(kjs_session *s, const char *rel, bool module, uint64_t off, uint8_t *buf, size_t want, size_t *got,
                 uint64_t *size, char *msg, size_t msgsize) {
  mount_state *m = &s->mount;
  size_t have = 0;
  for (int tries = 0; tries < MAX_TRIES;) {
    tries++;
    m->id = ++m->next_id;
    m->off = off + have;
    m->buf = buf + have;
    m->want = want - have;
    m->got = 0;
    m->size = 0;
    m->code = 0;
    m->done = false;
    uint8_t h[G_HDR];
    put_le32(h, m->id);
    h[4] = module ? 1 : 0;
    put_le64(h + 5, m->off);
    put_le32(h + 13, (uint32_t)m->want);
    kjs_raw_send(s, 'G', h, sizeof h, rel, strlen(rel));
    uint64_t deadline = hal_clock_us() + ANSWER_US;
    size_t seen = 0;
    while (!m->done) {
      kjs_raw_live_scan(s);
      if (m->done) break;
      if (kjs_vm_interrupt_pending(s->vm)) {
        snprintf(msg, msgsize, "interrupted");
        return ERR_EINTR;
      }
      uint64_t now = hal_clock_us();
      if (m->got != seen) { /* progress: the host is there */
        seen = m->got;
        deadline = now + ANSWER_US;
        tries = 0;
      }
      if (now >= deadline) break;
      struct pollfd pf = {.fd = kjs_uart_rx_fd(s->u), .events = POLLIN};
      uint64_t left = (deadline - now) / 1000 + 1;
      poll(&pf, 1, left < 50 ? (int)left : 50);
      if (!kjs_session_take_input(s)) {
        snprintf(msg, msgsize, "the link closed");
        return ERR_EIO;
      }
    }
    have += m->got;
    if (!m->done) continue; /* silence: ask again from the first missing byte */
    if (m->code < 0) {
      snprintf(msg, msgsize, "%s", m->msg);
      return host_code(m->code);
    }
    *got = have;
    *size = m->size;
    return 0;
  }
  snprintf(msg, msgsize, "no answer from the host serving the mount");
  return ERR_ETIMEDOUT;
}

/* The path relative to the mount, or NULL (and msg) when the mount is gone. */
static const char *relative(kjs_session **out, const char *path, char *msg, size_t msgsize) {
  kjs_session *s = kjs_the_session;
  if (!kjs_mount_owns(path)) {
    snprintf(msg, msgsize, "nothing is mounted there");
    return NULL;
  }
  *out = s;
  const char *rel = path + strlen(s->mount.point);
  while (*rel == '/') rel++;
  return rel;
}

int kjs_mount_read(const char *path, bool module, char **out, size_t *len, char *msg, size_t msgsize) {
  kjs_session *s;
  const char *rel = relative(&s, path, msg, msgsize);
  if (!rel) return ERR_ENOENT;
  size_t cap = 64 * 1024, have = 0;
  char *buf = malloc(cap + 1);
  if (!buf) return ERR_ENOMEM;
  for (;;) {
    size_t got = 0;
    uint64_t size = 0;
    int rc = fetch(s, rel, module, have, (uint8_t *)buf + have, cap - have, &got, &size, msg, msgsize);
    if (rc) {
      free(buf);
      return rc;
    }
    have += got;
    if (have >= size) break;
    if (size > MODULE_MAX) {
      free(buf);
      snprintf(msg, msgsize, "larger than %u MiB", MODULE_MAX >> 20);
      return ERR_ELIMIT;
    }
    cap = (size_t)size;
    char *p = realloc(buf, cap + 1);
    if (!p) {
      free(buf);
      return ERR_ENOMEM;
    }
    buf = p;
  }
  buf[have] = 0;
  *out = buf;
  *len = have;
  return 0;
}

/* ---- an open file: fopencookie over fetch ---- */

typedef struct mfile {
  char rel[4096];
  uint64_t pos;
  uint8_t *cache; /* the last chunk fetched, at cache_off */
  uint64_t cache_off;
  size_t cache_len;
  uint64_t size;
} mfile;

static ssize_t mfile_read(void *cookie, char *buf, size_t n) {
  mfile *f = cookie;
  kjs_session *s = kjs_the_session;
  if (!s || !s->mount.point[0] || s->mode != MODE_RAW) return -1; /* unmounted meanwhile */
  size_t done = 0;
  while (done < n) {
    if (f->pos >= f->cache_off && f->pos < f->cache_off + f->cache_len) {
      size_t at = (size_t)(f->pos - f->cache_off);
      size_t k = f->cache_len - at < n - done ? f->cache_len - at : n - done;
      memcpy(buf + done, f->cache + at, k);
      done += k;
      f->pos += k;
      continue;
    }
    if (f->cache_len && f->pos >= f->size) break;
    char msg[200];
    size_t got = 0;
    int rc = fetch(s, f->rel, false, f->pos, f->cache, FILE_CHUNK, &got, &f->size, msg, sizeof msg);
    if (rc) return done ? (ssize_t)done : -1;
    f->cache_off = f->pos;
    f->cache_len = got;
    if (!got) break;
  }
  return (ssize_t)done;
}

static int mfile_seek(void *cookie, off_t *off, int whence) {
  mfile *f = cookie;
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos : (int64_t)f->size;
  if (base + *off < 0) return -1;
  f->pos = (uint64_t)(base + *off);
  *off = (off_t)f->pos;
  return 0;
}

static int mfile_close(void *cookie) {
  mfile *f = cookie;
  free(f->cache);
  free(f);
  return 0;
}

FILE *kjs_mount_fopen(const char *path, int *err, char *msg, size_t msgsize) {
  kjs_session *s;
  const char *rel = relative(&s, path, msg, msgsize);
  *err = ERR_ENOENT;
  if (!rel) return NULL;
  mfile *f = calloc(1, sizeof *f);
  *err = ERR_ENOMEM;
  if (!f || strlen(rel) >= sizeof f->rel || !(f->cache = malloc(FILE_CHUNK))) {
    if (f) free(f->cache);
    free(f);
    return NULL;
  }
  snprintf(f->rel, sizeof f->rel, "%s", rel);
  /* The first chunk now: a missing file fails here, at open, as fopen would. */
  size_t got = 0;
  int rc = fetch(s, f->rel, false, 0, f->cache, FILE_CHUNK, &got, &f->size, msg, msgsize);
  if (rc) {
    *err = rc;
    mfile_close(f);
    return NULL;
  }
  f->cache_len = got;
  cookie_io_functions_t io = {.read = mfile_read, .seek = mfile_seek, .close = mfile_close};
  FILE *fp = fopencookie(f, "rb", io);
  if (!fp) mfile_close(f);
  *err = fp ? 0 : ERR_ENOMEM;
  return fp;
}
