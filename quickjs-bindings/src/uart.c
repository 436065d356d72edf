/* The REPL's byte link (kjs/uart.h): a reader thread that catches Ctrl-C, a pipe to the loop. */
#define _GNU_SOURCE
#include "kjs/uart.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/fd.h"
#include "kjs/vm.h"

struct kjs_uart {
  int in_fd, out_fd;
  bool owns_in; /* pty master: closed by kjs_uart_free */
  int slave_fd; /* pty: our own handle on the far end, so it never reports hang-up */
  char *path;
  int rx[2];   /* reader thread -> loop */
  int stop[2]; /* kjs_uart_free -> reader thread */
  pthread_t thread;
  bool thread_started;
  bool restore_tty;
  struct termios saved;
  bool crlf;
  bool out_dead;
  int out_timeout; /* ms a write may stall before output is dropped; -1 forever */
  atomic_int intr_mode;
  atomic_int intr_count;
  pthread_mutex_t vm_lock;
  kjs_vm *vm;
};

static void set_cloexec_nonblock(int fd, bool nonblock) {
  fd_cloexec(fd);
  if (nonblock) fd_nonblock(fd);
}

/* Writes everything; false when the reader is gone or (timeout_ms >= 0) stalls that long. */
static bool write_all(int fd, const char *p, size_t n, int timeout_ms) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        if (poll(&pf, 1, timeout_ms) == 0) return false;
        continue;
      }
      return false;
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

static void *reader_main(void *arg) {
  kjs_uart *u = arg;
  char buf[4096];
  for (;;) {
    struct pollfd pf[2] = {{.fd = u->in_fd, .events = POLLIN}, {.fd = u->stop[0], .events = POLLIN}};
    int r = poll(pf, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pf[1].revents) break;
    if (!pf[0].revents) continue;
    ssize_t n = read(u->in_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break; /* EOF or a dead link: closing rx tells the loop */
    int mode = atomic_load(&u->intr_mode);
    size_t keep = (size_t)n;
    if (mode != KJS_UART_INTR_OFF && memchr(buf, 0x03, (size_t)n)) {
      /* Interrupt first, then queue, so a REPL that reads the 0x03 can take the interrupt. */
      keep = 0;
      for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 0x03) {
          pthread_mutex_lock(&u->vm_lock);
          if (u->vm) kjs_vm_request_interrupt(u->vm);
          pthread_mutex_unlock(&u->vm_lock);
          atomic_fetch_add(&u->intr_count, 1);
          if (mode == KJS_UART_INTR_EAT) continue;
        }
        buf[keep++] = buf[i];
      }
    }
    if (keep && !write_all(u->rx[1], buf, keep, -1)) break;
  }
  close(u->rx[1]);
  u->rx[1] = -1;
  return NULL;
}

static void make_raw(int fd, struct termios *saved) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return;
  if (saved) *saved = t;
  cfmakeraw(&t);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  tcsetattr(fd, TCSANOW, &t);
}

static kjs_uart *uart_new(int in_fd, int out_fd) {
  kjs_uart *u = calloc(1, sizeof *u);
  if (!u) return NULL;
  u->in_fd = in_fd;
  u->out_fd = out_fd;
  u->slave_fd = -1;
  u->rx[0] = u->rx[1] = u->stop[0] = u->stop[1] = -1;
  pthread_mutex_init(&u->vm_lock, NULL);
  u->out_timeout = -1;
  atomic_init(&u->intr_mode, KJS_UART_INTR_QUEUE);
  atomic_init(&u->intr_count, 0);
  return u;
}

static bool uart_start(kjs_uart *u) {
  if (pipe(u->rx) != 0 || pipe(u->stop) != 0) return false;
  set_cloexec_nonblock(u->rx[0], true);
  set_cloexec_nonblock(u->rx[1], false);
  set_cloexec_nonblock(u->stop[0], true);
  set_cloexec_nonblock(u->stop[1], true);
  /* Signals (SIGINT, SIGPIPE) belong to the VM thread, never to the reader. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&u->thread, NULL, reader_main, u);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return false;
  u->thread_started = true;
  return true;
}

kjs_uart *kjs_uart_open_fds(int in_fd, int out_fd) {
  kjs_uart *u = uart_new(in_fd, out_fd);
  if (!u) return NULL;
  if (isatty(in_fd)) {
    make_raw(in_fd, &u->saved);
    u->restore_tty = true;
  }
  u->crlf = isatty(out_fd);
  if (!uart_start(u)) {
    kjs_uart_free(u);
    return NULL;
  }
  return u;
}

kjs_uart *kjs_uart_open_pty(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0) return NULL;
  if (grantpt(m) != 0 || unlockpt(m) != 0) {
    close(m);
    return NULL;
  }
  const char *name = ptsname(m);
  kjs_uart *u = name ? uart_new(m, m) : NULL;
  if (!u) {
    close(m);
    return NULL;
  }
  u->owns_in = true;
  u->path = strdup(name);
  fd_cloexec(m);
  u->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (u->slave_fd >= 0) make_raw(u->slave_fd, NULL);
  u->crlf = true; /* a terminal program is on the other end */
  /* Like a real UART with nobody listening, output that nobody reads is dropped, not queued
   * forever: the master is non-blocking and a write that stalls for 2 s gives up. */
  fd_nonblock(m);
  u->out_timeout = 2000;
  if (!u->path || u->slave_fd < 0 || !uart_start(u)) {
    kjs_uart_free(u);
    return NULL;
  }
  return u;
}

void kjs_uart_free(kjs_uart *u) {
  if (!u) return;
  if (u->thread_started) {
    ssize_t w = write(u->stop[1], "x", 1);
    (void)w;
    /* A reader blocked on a full rx pipe gets EPIPE once the read end is gone. */
    close(u->rx[0]);
    u->rx[0] = -1;
    pthread_join(u->thread, NULL);
  }
  for (int i = 0; i < 2; i++) {
    if (u->rx[i] >= 0) close(u->rx[i]);
    if (u->stop[i] >= 0) close(u->stop[i]);
  }
  if (u->restore_tty) tcsetattr(u->in_fd, TCSANOW, &u->saved);
  if (u->slave_fd >= 0) close(u->slave_fd);
  if (u->owns_in) close(u->in_fd);
  pthread_mutex_destroy(&u->vm_lock);
  free(u->path);
  free(u);
}

const char *kjs_uart_path(const kjs_uart *u) { return u->path; }
int kjs_uart_rx_fd(const kjs_uart *u) { return u->rx[0]; }

ssize_t kjs_uart_read(kjs_uart *u, void *buf, size_t len) {
  for (;;) {
    ssize_t n = read(u->rx[0], buf, len);
    if (n > 0) return n;
    if (n == 0) return -1;
    if (errno == EINTR) continue;
    return errno == EAGAIN ? 0 : -1;
  }
}

int kjs_uart_read_full(kjs_uart *u, void *buf, size_t len, int timeout_ms) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = kjs_uart_read(u, p, len);
    if (n < 0) return -1;
    if (n == 0) {
      struct pollfd pf = {.fd = u->rx[0], .events = POLLIN};
      int r = poll(&pf, 1, timeout_ms);
      if (r == 0) return -1;
      continue;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int kjs_uart_write(kjs_uart *u, const void *buf, size_t len) {
  if (u->out_dead) return -1;
  const char *p = buf;
  bool ok = true;
  if (!u->crlf) {
    ok = write_all(u->out_fd, p, len, u->out_timeout);
  } else {
    /* Expand in slices so a long output is not copied whole. */
    char tmp[1024];
    size_t t = 0;
    for (size_t i = 0; i < len && ok; i++) {
      if (p[i] == '\n') tmp[t++] = '\r';
      tmp[t++] = p[i];
      if (t >= sizeof tmp - 2) {
        ok = write_all(u->out_fd, tmp, t, u->out_timeout);
        t = 0;
      }
    }
    if (ok && t) ok = write_all(u->out_fd, tmp, t, u->out_timeout);
  }
  if (!ok && u->out_timeout < 0) u->out_dead = true;
  return ok ? 0 : -1;
}

void kjs_uart_set_crlf(kjs_uart *u, bool on) { u->crlf = on; }
bool kjs_uart_crlf(const kjs_uart *u) { return u->crlf; }

void kjs_uart_set_vm(kjs_uart *u, kjs_vm *vm) {
  pthread_mutex_lock(&u->vm_lock);
  u->vm = vm;
  pthread_mutex_unlock(&u->vm_lock);
}

int kjs_uart_set_intr(kjs_uart *u, int mode) { return atomic_exchange(&u->intr_mode, mode); }
int kjs_uart_take_intr_count(kjs_uart *u) { return atomic_exchange(&u->intr_count, 0); }
