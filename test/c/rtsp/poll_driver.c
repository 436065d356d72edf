// A poll(2) loop behind rtsp_io_ops, for tests and tools.
#include "poll_driver.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"

#define MAXW 4096

typedef struct watch {
  int fd;
  short events;
  void (*cb)(void *loop, int fd, int revents, void *user);
  void *user;
} watch;

struct rtsp_poll_loop {
  watch w[MAXW];
  int n;
  struct pollfd pf[MAXW];
};

uint64_t rtsp_poll_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static watch *find(rtsp_poll_loop *l, int fd) {
  for (int i = 0; i < l->n; i++)
    if (l->w[i].fd == fd) return &l->w[i];
  return NULL;
}

static int p_watch(void *loop, int fd, short events, void (*cb)(void *, int, int, void *), void *user) {
  rtsp_poll_loop *l = loop;
  watch *w = find(l, fd);
  if (!w) {
    if (l->n >= MAXW) return ERR_ENOMEM;
    w = &l->w[l->n++];
  }
  w->fd = fd;
  w->events = events;
  w->cb = cb;
  w->user = user;
  return 0;
}

static void p_set(void *loop, int fd, short events) {
  watch *w = find(loop, fd);
  if (w) w->events = events;
}

static void p_unwatch(void *loop, int fd) {
  rtsp_poll_loop *l = loop;
  watch *w = find(l, fd);
  if (w) *w = l->w[--l->n];
}

static uint64_t p_now(void *loop) { return rtsp_poll_now_us(); }

const rtsp_io_ops rtsp_poll_ops = {p_watch, p_set, p_unwatch, p_now};

rtsp_poll_loop *rtsp_poll_new(void) { return calloc(1, sizeof(rtsp_poll_loop)); }
void rtsp_poll_free(rtsp_poll_loop *l) { free(l); }

int rtsp_poll_run_once(rtsp_poll_loop *l, int timeout_ms) {
  int n = l->n;
  for (int i = 0; i < n; i++) {
    l->pf[i].fd = l->w[i].fd;
    l->pf[i].events = l->w[i].events;
    l->pf[i].revents = 0;
  }
  int r = poll(l->pf, (nfds_t)n, timeout_ms);
  if (r < 0) return errno == EINTR ? 0 : -1;
  int done = 0;
  for (int i = 0; i < n; i++) {
    if (!l->pf[i].revents) continue;
    /* callbacks may add or remove watches (and fd numbers get reused): re-check by fd */
    watch *w = find(l, l->pf[i].fd);
    if (!w || !(w->events & l->pf[i].events)) {
      if (!w || !(l->pf[i].revents & (POLLERR | POLLHUP | POLLNVAL))) continue;
    }
    w->cb(l, w->fd, l->pf[i].revents, w->user);
    done++;
  }
  return done;
}
