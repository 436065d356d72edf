/*
 * LD_PRELOAD shim for tests (built by the test that uses it, never linked into the runtime): the
 * first mmap() of the file named by K230JS_TEST_SHRINK_ON_MAP (an absolute path) truncates that
 * file to half the mapped length right after mapping it, as another process shrinking it while
 * the runtime reads it would, at the one moment a test cannot otherwise reach (mapped, not read).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  static void *(*real)(void *, size_t, int, int, int, off_t);
  static int done;
  if (!real) real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
  void *p = real(addr, len, prot, flags, fd, off);
  const char *want = getenv("K230JS_TEST_SHRINK_ON_MAP");
  if (p == MAP_FAILED || fd < 0 || !want || done) return p;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return p;
  path[n] = 0;
  if (strcmp(path, want) == 0) {
    done = 1;
    if (truncate(path, (off_t)(len / 2)) != 0) perror("shrink_on_map: truncate");
  }
  return p;
}
