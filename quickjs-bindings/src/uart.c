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
#include "hal/clock.h"
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
  /* Output: kjs_uart_write and the side writer take out_lock per write, so their bytes never
   * interleave inside one. */
  pthread_mutex_t out_lock;
  atomic_int main_waiting; /* kjs_uart_write calls waiting for out_lock: the side writer yields */
  /* The side writer (kjs_uart_side_write): one batch of pieces at a time. */
  pthread_mutex_t side_lock;
  pthread_cond_t side_cv;
  pthread_t side_thread;
  bool side_started, side_quit;
  bool side_writing; /* a piece of side_buf is being written (side_lock released meanwhile) */
  uint8_t *side_buf;
  size_t *side_pieces;
  size_t side_npieces, side_next;
  uint32_t side_rate;    /* bytes/s of the line, 0 = unknown (the write itself paces) */
  uint64_t line_free_us; /* when the modelled line has carried everything written (side_rate) */
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
  pthread_mutex_init(&u->out_lock, NULL);
  pthread_mutex_init(&u->side_lock, NULL);
  pthread_cond_init(&u->side_cv, NULL);
  atomic_init(&u->main_waiting, 0);
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

static void side_stop(kjs_uart *u) {
  if (!u->side_started) return;
  pthread_mutex_lock(&u->side_lock);
  u->side_quit = true;
  pthread_cond_signal(&u->side_cv);
  pthread_mutex_unlock(&u->side_lock);
  pthread_join(u->side_thread, NULL);
  u->side_started = false;
  free(u->side_buf);
  free(u->side_pieces);
  u->side_buf = NULL;
  u->side_pieces = NULL;
}

void kjs_uart_free(kjs_uart *u) {
  if (!u) return;
  side_stop(u);
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
  pthread_mutex_destroy(&u->out_lock);
  pthread_mutex_destroy(&u->side_lock);
  pthread_cond_destroy(&u->side_cv);
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

/* Line time of n bytes at the known rate, added to the model (out_lock held). */
static void line_account(kjs_uart *u, size_t n) {
  if (!u->side_rate) return;
  uint64_t now = hal_clock_us();
  if (u->line_free_us < now) u->line_free_us = now;
  u->line_free_us += (uint64_t)n * 1000000u / u->side_rate;
}

int kjs_uart_write(kjs_uart *u, const void *buf, size_t len) {
  atomic_fetch_add(&u->main_waiting, 1);
  pthread_mutex_lock(&u->out_lock);
  atomic_fetch_sub(&u->main_waiting, 1);
  if (u->out_dead) {
    pthread_mutex_unlock(&u->out_lock);
    return -1;
  }
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
  line_account(u, len);
  if (!ok && u->out_timeout < 0) u->out_dead = true;
  pthread_mutex_unlock(&u->out_lock);
  return ok ? 0 : -1;
}

/* ---- the side writer ---- */

static void *side_main(void *arg) {
  kjs_uart *u = arg;
  pthread_mutex_lock(&u->side_lock);
  for (;;) {
    while (!u->side_quit && u->side_next >= u->side_npieces) pthread_cond_wait(&u->side_cv, &u->side_lock);
    if (u->side_quit) break;
    size_t off = 0;
    for (size_t i = 0; i < u->side_next; i++) off += u->side_pieces[i];
    const uint8_t *piece = u->side_buf + off;
    size_t n = u->side_pieces[u->side_next];
    u->side_writing = true;
    pthread_mutex_unlock(&u->side_lock);
    /* The session's own output goes first: wait while it waits for the line, and (rate known)
     * until the modelled line has carried what was written before. */
    for (;;) {
      while (atomic_load(&u->main_waiting) > 0) hal_sleep_us(200);
      pthread_mutex_lock(&u->out_lock);
      uint64_t now = hal_clock_us();
      if (!u->side_rate || u->line_free_us <= now || atomic_load(&u->main_waiting) > 0) break;
      uint64_t wait = u->line_free_us - now;
      pthread_mutex_unlock(&u->out_lock);
      hal_sleep_us(wait < 20000 ? wait : 20000);
    }
    if (atomic_load(&u->main_waiting) > 0) {
      pthread_mutex_unlock(&u->out_lock);
      pthread_mutex_lock(&u->side_lock);
      u->side_writing = false;
      pthread_cond_broadcast(&u->side_cv);
      continue;
    }
    bool ok = !u->out_dead && write_all(u->out_fd, (const char *)piece, n, u->out_timeout);
    line_account(u, n);
    pthread_mutex_unlock(&u->out_lock);
    pthread_mutex_lock(&u->side_lock);
    u->side_writing = false;
    pthread_cond_broadcast(&u->side_cv);
    if (u->side_next < u->side_npieces)                       /* else cancelled meanwhile */
      u->side_next = ok ? u->side_next + 1 : u->side_npieces; /* a stalled link drops the batch */
  }
  pthread_mutex_unlock(&u->side_lock);
  return NULL;
}

int kjs_uart_side_write(kjs_uart *u, void *buf, const size_t *pieces, size_t npieces) {
  size_t *copy = malloc(npieces * sizeof *copy);
  if (!copy) return -1;
  memcpy(copy, pieces, npieces * sizeof *copy);
  pthread_mutex_lock(&u->side_lock);
  if (u->side_next < u->side_npieces) {
    pthread_mutex_unlock(&u->side_lock);
    free(copy);
    return -1;
  }
  if (!u->side_started) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&u->side_thread, NULL, side_main, u);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
      pthread_mutex_unlock(&u->side_lock);
      free(copy);
      return -1;
    }
    u->side_started = true;
  }
  while (u->side_writing) pthread_cond_wait(&u->side_cv, &u->side_lock);
  free(u->side_buf);
  free(u->side_pieces);
  u->side_buf = buf;
  u->side_pieces = copy;
  u->side_npieces = npieces;
  u->side_next = 0;
  pthread_cond_broadcast(&u->side_cv);
  pthread_mutex_unlock(&u->side_lock);
  return 0;
}

bool kjs_uart_side_idle(kjs_uart *u) {
  pthread_mutex_lock(&u->side_lock);
  bool idle = u->side_next >= u->side_npieces;
  pthread_mutex_unlock(&u->side_lock);
  return idle;
}

void kjs_uart_side_cancel(kjs_uart *u) {
  pthread_mutex_lock(&u->side_lock);
  u->side_next = u->side_npieces;
  /* A piece being written is a whole frame: let it finish, so nothing follows a cancel. */
  while (u->side_writing) pthread_cond_wait(&u->side_cv, &u->side_lock);
  pthread_mutex_unlock(&u->side_lock);
}

void kjs_uart_side_set_rate(kjs_uart *u, uint32_t bytes_per_s) {
  pthread_mutex_lock(&u->out_lock);
  u->side_rate = bytes_per_s;
  u->line_free_us = 0;
  pthread_mutex_unlock(&u->out_lock);
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
