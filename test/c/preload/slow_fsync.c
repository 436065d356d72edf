/*
 * LD_PRELOAD shim for tests (built by the test that uses it, never linked into the runtime):
 * every fsync() first sleeps K230JS_TEST_FSYNC_MS milliseconds, as an SD card that stalls in a
 * flush does, and counts in K230JS_TEST_FSYNC_LOG (a file it appends one byte to per call).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  const char *ms = getenv("K230JS_TEST_FSYNC_MS");
  long d = ms ? atol(ms) : 0;
  struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
  const char *log = getenv("K230JS_TEST_FSYNC_LOG");
  if (log) {
    int l = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (l >= 0) {
      (void)!write(l, ".", 1);
      close(l);
    }
  }
  return real(fd);
}
