/*
 * bench_runstat — runs one command and reports what it cost, for the benches: wall time from fork to
 * exit, CPU time (user + system, from wait4: the kernel's exact run time), peak RSS and, with
 * --first-line MARKER, the wall and CPU time at which the child's stdout first held MARKER
 * (its CPU read from the process's CPU-time clock once it idles after the line: the app is
 * expected to idle afterwards, e.g. on a timer, so the reading does not race its teardown).
 *
 *   bench_runstat [--first-line MARKER] [--] cmd [args...]
 *
 * The child's stdout is forwarded to ours, its stderr is inherited. The report is the last line
 * on stderr: "@runstat {json}". Exit status: the child's (128 + signal when killed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Whether some thread of pid is running or runnable (state R in its stat file). */
static bool any_running(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d) return false;
  bool running = false;
  struct dirent *e;
  while (!running && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[300], buf[512];
    snprintf(p, sizeof p, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    const char *paren = strrchr(buf, ')'); /* the state follows the command name */
    running = paren && paren[1] == ' ' && paren[2] == 'R';
  }
  closedir(d);
  return running;
}

/* CPU time of the whole process pid so far, in ms (-1 if unreadable), once it idles. The kernel
 * brings a thread's run time up to date when it stops running (or at a tick, or when a wake-up
 * lands on its CPU), not when another process asks: read while the child still runs, right after
 * its line, it could say 0.05 ms for an app that had run 1.5 (when the wake-up of this reader
 * went to the other CPU). The app idles after its line, so this waits (up to 100 ms) until none of
 * its threads is running, then reads the process's CPU-time clock. */
static double cpu_ms(pid_t pid) {
  for (double end = now_ms() + 100; any_running(pid) && now_ms() < end;) usleep(20);
  clockid_t clock;
  struct timespec ts;
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0) return -1;
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  const char *marker = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (!strcmp(argv[i], "--first-line") && i + 1 < argc) marker = argv[++i];
    else {
      fprintf(stderr, "usage: bench_runstat [--first-line MARKER] [--] cmd [args...]\n");
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "usage: bench_runstat [--first-line MARKER] [--] cmd [args...]\n");
    return 2;
  }
  int out[2];
  if (pipe(out) != 0) return 2;
  double t0 = now_ms();
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execvp(argv[i], argv + i);
    fprintf(stderr, "bench_runstat: cannot run %s\n", argv[i]);
    _exit(127);
  }
  close(out[1]);
  double first_ms = -1, first_cpu = -1;
  size_t mlen = marker ? strlen(marker) : 0;
  static char buf[65536];
  char *win = malloc(mlen + sizeof buf); /* the marker may straddle reads: last mlen - 1 bytes + this read */
  size_t wl = 0;
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) {
    if (marker && first_ms < 0 && win) {
      memcpy(win + wl, buf, (size_t)n);
      wl += (size_t)n;
      if (memmem(win, wl, marker, mlen)) {
        first_ms = now_ms() - t0;
        first_cpu = cpu_ms(pid);
      }
      size_t keep = mlen > 1 && wl >= mlen - 1 ? mlen - 1 : 0;
      memmove(win, win + wl - keep, keep);
      wl = keep;
    }
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) break;
  }
  free(win);
  fflush(stdout);
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 2;
  double wall = now_ms() - t0;
  double user = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3;
  double sys = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(stderr,
          "@runstat {\"wallMs\":%.3f,\"cpuMs\":%.3f,\"userMs\":%.3f,\"sysMs\":%.3f,\"rssKiB\":%ld,"
          "\"firstLineMs\":%.3f,\"firstLineCpuMs\":%.3f,\"status\":%d}\n",
          wall, user + sys, user, sys, ru.ru_maxrss, first_ms, first_cpu, code);
  return code;
}
