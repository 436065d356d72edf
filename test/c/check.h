/*
 * check.h — the C tests' one helper header: assertions (CHECK*), then helpers (tu_*): a
 * temporary directory, running peers (ffmpeg, ffprobe), reading files, shrinking one from another
 * process, PSNR, and for HAL tests an NV12 test picture. A test is a program that returns 0 when every CHECK held; each failed
 * CHECK prints file:line and the expression, and the test keeps going so one run shows every
 * failure. Run under ctest (in CI with ASan + UBSan, so leaks fail too).
 */
#ifndef K230JS_CHECK_H
#define K230JS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) \
  do { \
    check_count++; \
    if (!(cond)) { \
      check_failures++; \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    } \
  } while (0)

#define CHECK_EQ_INT(a, b) \
  do { \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
    check_count++; \
    if (check_a_ != check_b_) { \
      check_failures++; \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, check_a_, \
              check_b_); \
    } \
  } while (0)

#define CHECK_EQ_STR(a, b) \
  do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    check_count++; \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
      check_failures++; \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
              check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
    } \
  } while (0)

/* Ends main(): removes the temporary directory (kept, and named, when a check failed), prints a
 * one-line summary and returns the exit status. */
#define CHECK_DONE() tu_done(__FILE__)

/* ---- helpers (tu_*) ---- */

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Is `tool` on PATH? */
static inline int tu_have(const char *tool) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  return system(cmd) == 0;
}

/* The test's temporary directory (under $TMPDIR, else /tmp), made on first use; CHECK_DONE()
 * removes it. */
static char tu_dir[256];
static inline const char *tu_tmpdir(void) {
  if (!tu_dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(tu_dir, sizeof tu_dir, "%s/k230js-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tu_dir)) abort();
  }
  return tu_dir;
}
/* `name` inside tu_tmpdir(); the last 8 results stay valid. */
static inline const char *tu_path(const char *name) {
  static char buf[8][512];
  static int i;
  char *p = buf[i++ % 8];
  snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
  return p;
}
static inline int tu_done(const char *file) {
  if (tu_dir[0] && check_failures) {
    fprintf(stderr, "%s: kept %s for a look\n", file, tu_dir);
  } else if (tu_dir[0]) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tu_dir);
    if (system(cmd) != 0) fprintf(stderr, "%s: could not remove %s\n", file, tu_dir);
  }
  printf("%s: %d checks, %d failed\n", file, check_count, check_failures);
  return check_failures ? 1 : 0;
}

/* Truncates `path` to `size` bytes from another process (as a writer elsewhere would, under a
 * reader that has it open or mapped). 1 if done. Only async-signal-safe calls in the child, so a
 * threaded test may call it. */
static inline int tu_truncate_elsewhere(const char *path, long long size) {
  pid_t pid = fork();
  if (pid == 0) _exit(truncate(path, (off_t)size) == 0 ? 0 : 1);
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return 0;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Runs a shell command; its exit status (printed when not 0). */
static inline int tu_system(const char *cmd) {
  int rc = system(cmd);
  if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
  return rc;
}

/* Runs a shell command and returns its stdout (malloc'd, NUL-terminated; *out_len its size when
 * out_len is not NULL), or NULL. */
static inline char *tu_output(const char *cmd, size_t *out_len) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, p)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  pclose(p);
  if (!buf) return NULL;
  buf[n] = 0;
  if (out_len) *out_len = n;
  return buf;
}

/* The first line of a command's output as a number, or -1. */
static inline long tu_popen_num(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[128] = {0};
  long v = -1;
  if (fgets(line, sizeof line, p)) v = strtol(line, NULL, 10);
  pclose(p);
  return v;
}

/* A whole file (malloc'd, with a NUL after its *len bytes), or NULL. */
static inline unsigned char *tu_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) {
    p[n] = 0;
    *len = (size_t)n;
  }
  return p;
}

/* PSNR in dB of two byte planes (99 when equal). */
static inline double tu_psnr(const uint8_t *a, const uint8_t *b, size_t n) {
  double se = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - b[i];
    se += d * d;
  }
  if (se == 0) return 99;
  double mse = se / n;
  return 10 * __builtin_log10(255.0 * 255.0 / mse);
}

/* ---- HAL tests (they see hal/host): an app-owned NV12 picture with the simulator's stamp ---- */
#if __has_include("hal_sim.h")
#include "hal/vb.h"
#include "hal_sim.h"

typedef struct tu_pic {
  hal_frame f;
  uint8_t *mem;
} tu_pic;

/* The stamp for `counter` (grey elsewhere). */
static inline void tu_pic_init(tu_pic *p, uint32_t w, uint32_t h, uint32_t counter) {
  memset(p, 0, sizeof *p);
  p->mem = malloc((size_t)w * h * 3 / 2);
  p->f.width = w;
  p->f.height = h;
  p->f.format = HAL_PIXFMT_NV12;
  p->f.stride[0] = p->f.stride[1] = w;
  p->f.data[0] = p->mem;
  p->f.data[1] = p->mem + (size_t)w * h;
  p->f.size = (size_t)w * h * 3 / 2;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      int b = hal_sim_stamp_bit(x, y, w, h, counter);
      p->mem[(size_t)y * w + x] = b < 0 ? (uint8_t)(60 + (x + y + counter * 3) % 120) : b ? 235 : 16;
    }
  memset(p->f.data[1], 128, (size_t)w * h / 2);
}

static inline void tu_pic_free(tu_pic *p) { free(p->mem); }
#endif

#endif
