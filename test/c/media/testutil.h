/* Helpers for tests that make media with the real ffmpeg at test time. */
#ifndef MEDIA_TESTUTIL_H
#define MEDIA_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int tu_have(const char *tool) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  return system(cmd) == 0;
}

/* A fresh temporary directory, removed by tu_cleanup(). */
static char tu_dir[64];
static inline const char *tu_tmpdir(void) {
  strcpy(tu_dir, "/tmp/k230js-test-XXXXXX");
  return mkdtemp(tu_dir);
}
static inline void tu_cleanup(void) {
  char cmd[128];
  if (!tu_dir[0]) return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tu_dir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

static inline int tu_run(const char *cmd) {
  int rc = system(cmd);
  if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
  return rc;
}

static inline unsigned char *tu_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return p;
}

/* First line of a command's output as a number, or -1. */
static inline long tu_popen_num(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[128] = {0};
  long v = -1;
  if (fgets(line, sizeof line, p)) v = strtol(line, NULL, 10);
  pclose(p);
  return v;
}

#endif
