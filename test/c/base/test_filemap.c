/* base/filemap.h: a mapped file that another process truncates does not kill the reader. The
 * pages past the new end read zero, the bytes before it are still the file's, the mapping says
 * it was truncated, and only that mapping (another one of the same file is untouched until it
 * is read there too). A SIGBUS at an address that is not a registered mapping still reaches the
 * handler that was there before (chained), a released prefix is no longer ours, the table's
 * limit is an error rather than an unguarded mapping, and mappings made, faulted and closed on
 * several threads at once stay apart. Under ASan (CI) its own SIGBUS handler is the one chained
 * to, so the test needs ASan's handle_sigbus on (the default) to reach ours. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/filemap.h"
#include "check.h"

enum { MIB = 1 << 20 };

/* A file of `size` bytes, byte i = (i * 7 + seed) & 0xFF, never 0 (so zeros mean "gone"). */
static int make_file(const char *path, size_t size, int seed) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  uint8_t *buf = malloc(size);
  for (size_t i = 0; i < size; i++) buf[i] = (uint8_t)(((i * 7 + (size_t)seed) & 0xFF) | 1);
  ssize_t w = write(fd, buf, size);
  free(buf);
  close(fd);
  return w == (ssize_t)size ? 0 : -1;
}

static uint8_t expect(size_t i, int seed) { return (uint8_t)(((i * 7 + (size_t)seed) & 0xFF) | 1); }

static int map_path(base_filemap *m, const char *path, unsigned flags) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return ERR_ENOENT;
  int rc = base_filemap_open(m, fd, flags);
  close(fd);
  return rc;
}

/* Reads every byte of [from, to): how many were not what the file held (zeros past `end`). */
static size_t mismatches(const base_filemap *m, size_t from, size_t to, size_t end, int seed) {
  size_t bad = 0;
  const volatile uint8_t *p = m->data;
  for (size_t i = from; i < to; i++) bad += p[i] != (i < end ? expect(i, seed) : 0);
  return bad;
}

/* ---- chaining: the handler that was installed first sees SIGBUS that is not ours ---- */

static sigjmp_buf jump;
static volatile sig_atomic_t chained;
static void first_handler(int sig, siginfo_t *si, void *uc) {
  chained++;
  siglongjmp(jump, 1);
}

static void check_chain(const char *path) {
  CHECK_EQ_INT(make_file(path, 3 * MIB, 3), 0);
  int fd = open(path, O_RDONLY);
  uint8_t *raw = mmap(NULL, 3 * MIB, PROT_READ, MAP_PRIVATE, fd, 0); /* not through filemap */
  close(fd);
  CHECK(raw != MAP_FAILED);
  CHECK(tu_truncate_elsewhere(path, MIB));
  if (sigsetjmp(jump, 1) == 0) {
    volatile uint8_t v = raw[2 * MIB]; /* past the end, not registered */
    (void)v;
  }
  CHECK_EQ_INT(chained, 1);
  munmap(raw, 3 * MIB);
}

/* ---- threads ---- */

typedef struct worker {
  char path[300];
  int seed;
  size_t bad;
  int rounds;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  for (int r = 0; r < 20; r++) {
    if (make_file(w->path, 2 * MIB, w->seed) != 0) break;
    base_filemap m;
    if (map_path(&m, w->path, 0) != 0) break;
    w->bad += !tu_truncate_elsewhere(w->path, MIB + 100);
    w->bad += mismatches(&m, 0, m.size, MIB + 100, w->seed);
    w->bad += !base_filemap_truncated(&m);
    base_filemap_close(&m);
    w->rounds++;
  }
  return NULL;
}

int main(void) {
  const char *dir = tu_tmpdir();
  CHECK(dir != NULL);
  if (!dir) return CHECK_DONE();
  char a[300], b[300];
  snprintf(a, sizeof a, "%s/a.bin", dir);
  snprintf(b, sizeof b, "%s/b.bin", dir);

  /* A handler of the program's own, there before the first mapping. */
  struct sigaction sa = {0};
  sa.sa_sigaction = first_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  struct sigaction before;
  sigaction(SIGBUS, &sa, &before);

  /* Truncated under two mappings: the one read past the end reads zeros and says so. */
  CHECK_EQ_INT(make_file(a, 4 * MIB + 123, 1), 0);
  base_filemap m, other;
  CHECK_EQ_INT(map_path(&m, a, 0), 0);
  CHECK_EQ_INT(map_path(&other, a, BASE_FILEMAP_WRITABLE), 0);
  CHECK(m.data != NULL && m.size == 4 * MIB + 123);
  CHECK_EQ_INT(mismatches(&m, 0, m.size, m.size, 1), 0);
  CHECK(!base_filemap_truncated(&m));
  CHECK(tu_truncate_elsewhere(a, MIB + 5000));
  CHECK(!base_filemap_truncated(&m)); /* nothing read past the end yet */
  CHECK_EQ_INT(mismatches(&m, 0, MIB + 5000, MIB + 5000, 1), 0);
  CHECK(!base_filemap_truncated(&m));
  CHECK_EQ_INT(mismatches(&m, 3 * MIB, m.size, MIB + 5000, 1), 0); /* survived, zeros */
  CHECK(base_filemap_truncated(&m));
  CHECK_EQ_INT(mismatches(&m, 0, m.size, MIB + 5000, 1), 0); /* zeros from the first fault on */
  CHECK_EQ_INT(chained, 0);
  CHECK(!base_filemap_truncated(&other));
  CHECK_EQ_INT(mismatches(&other, 0, other.size, MIB + 5000, 1), 0); /* writable: zeros too */
  CHECK(base_filemap_truncated(&other));
  ((volatile uint8_t *)other.data)[4 * MIB] = 9; /* the zero pages are private and writable */
  CHECK_EQ_INT(other.data[4 * MIB], 9);
  base_filemap_close(&m);
  base_filemap_close(&other);
  CHECK(m.data == NULL && !base_filemap_truncated(&m));
  base_filemap_close(&m); /* idempotent */

  /* A released prefix is not ours any more: the rest still is. */
  CHECK_EQ_INT(make_file(a, 10 * MIB, 2), 0);
  CHECK_EQ_INT(map_path(&m, a, BASE_FILEMAP_POPULATE), 0);
  base_filemap_release(&m, 4 * MIB + 77);
  CHECK_EQ_INT(m.released, 4 * MIB);
  base_filemap_release(&m, 3 * MIB); /* behind: nothing */
  CHECK_EQ_INT(m.released, 4 * MIB);
  CHECK(tu_truncate_elsewhere(a, 6 * MIB));
  CHECK_EQ_INT(mismatches(&m, 4 * MIB, m.size, 6 * MIB, 2), 0);
  CHECK(base_filemap_truncated(&m));
  base_filemap_close(&m);

  /* Not a regular file, empty: refused, nothing mapped. */
  int fds[2];
  CHECK_EQ_INT(pipe(fds), 0);
  CHECK_EQ_INT(base_filemap_open(&m, fds[0], 0), ERR_ENOTSUP);
  CHECK(m.data == NULL);
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ_INT(make_file(b, 0, 0), 0);
  CHECK_EQ_INT(map_path(&m, b, 0), ERR_ENOTSUP);

  /* The table's limit: the mapping is refused (the caller reads), a closed one frees its slot. */
  CHECK_EQ_INT(make_file(b, 4096, 4), 0);
  base_filemap many[80];
  int n = 0;
  while (n < 80 && map_path(&many[n], b, 0) == 0) n++;
  CHECK(n >= 16 && n < 80);
  CHECK_EQ_INT(map_path(&m, b, 0), ERR_ELIMIT);
  base_filemap_close(&many[0]);
  CHECK_EQ_INT(map_path(&many[0], b, 0), 0);
  for (int i = 0; i < n; i++) base_filemap_close(&many[i]);

  /* Several threads: each its own file, mapped, shrunk, read, closed, 20 times. */
  worker w[3];
  pthread_t t[3];
  for (int i = 0; i < 3; i++) {
    w[i] = (worker){.seed = 10 + i};
    snprintf(w[i].path, sizeof w[i].path, "%s/t%d.bin", dir, i);
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < 3; i++) {
    pthread_join(t[i], NULL);
    CHECK_EQ_INT(w[i].rounds, 20);
    CHECK_EQ_INT(w[i].bad, 0);
  }
  CHECK_EQ_INT(chained, 0);

  /* Someone else's SIGBUS reaches the handler that was there before ours. */
  check_chain(b);
  return CHECK_DONE();
}
