/*
 * k230:rtsp loop adapter: the libs' rtsp_io_ops (rtsp/server_posix.h) on the runtime's loop, for
 * the server and the pusher alike. The fds reach the loop through a mux, per system-call set
 * (rtsp_internal.h).
 */
#include "rtsp_internal.h"

void rtsp_js_loop_dispatch(rtsp_js_loop *l, int fd, uint32_t gen, int revents) {
  if (fd < 0 || fd >= l->cap_fds || !l->fds[fd].cb || l->fds[fd].gen != gen) return;
  l->fds[fd].cb(l, fd, revents, l->fds[fd].user);
}

/* The mux keeps the runtime's loop alive while any fd waits for something, as the loop's own
 * watches do. */
static void count_events(rtsp_js_loop *l, short before, short after) { l->active += (after != 0) - (before != 0); }

static int io_watch(void *loop, int fd, short events, void (*cb)(void *, int, int, void *), void *user) {
  rtsp_js_loop *l = loop;
  if (fd < 0) return ERR_EINVAL;
  if (fd >= l->cap_fds) {
    int cap = l->cap_fds ? l->cap_fds : 64;
    while (cap <= fd) cap *= 2;
    rtsp_js_fd *n = realloc(l->fds, (size_t)cap * sizeof *n);
    if (!n) return ERR_ENOMEM;
    memset(n + l->cap_fds, 0, (size_t)(cap - l->cap_fds) * sizeof *n);
    l->fds = n;
    l->cap_fds = cap;
  }
  rtsp_js_fd *f = &l->fds[fd];
  f->cb = cb;
  f->user = user;
  count_events(l, 0, events);
  f->events = events;
  int rc = rtsp_js_mux_watch(l, fd, events);
  if (rc < 0) {
    count_events(l, events, 0);
    *f = (rtsp_js_fd){NULL, NULL, f->gen + 1, 0};
  }
  return rc;
}

static void io_set_events(void *loop, int fd, short events) {
  rtsp_js_loop *l = loop;
  if (fd < 0 || fd >= l->cap_fds || !l->fds[fd].cb) return;
  count_events(l, l->fds[fd].events, events);
  l->fds[fd].events = events;
  rtsp_js_mux_events(l, fd, events);
}

static void io_unwatch(void *loop, int fd) {
  rtsp_js_loop *l = loop;
  if (fd < 0 || fd >= l->cap_fds || !l->fds[fd].cb) return;
  count_events(l, l->fds[fd].events, 0);
  rtsp_js_mux_unwatch(l, fd);
  l->fds[fd] = (rtsp_js_fd){NULL, NULL, l->fds[fd].gen + 1, 0};
}

static uint64_t io_now(void *loop) { return hal_clock_us(); }

const rtsp_io_ops rtsp_js_loop_ops = {io_watch, io_set_events, io_unwatch, io_now};

void rtsp_js_loop_init(rtsp_js_loop *l, kjs_loop *loop) {
  memset(l, 0, sizeof *l);
  l->loop = loop;
  l->mux_fd = -1;
}

void rtsp_js_loop_free(rtsp_js_loop *l) {
  rtsp_js_mux_free(l);
  free(l->fds);
  l->fds = NULL;
  l->cap_fds = 0;
}
