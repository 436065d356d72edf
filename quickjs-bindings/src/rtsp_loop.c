/*
 * k230:rtsp loop adapter: the libs' rtsp_io_ops (rtsp/server_posix.h) on the runtime's loop, for
 * the server and the pusher alike.
 */
#include "rtsp_internal.h"

static void fd_trampoline(kjs_loop *loop, int fd, int revents, void *user) {
  rtsp_js_loop *l = user;
  if (fd < 0 || fd >= l->cap_fds || !l->fds[fd].cb) return;
  l->fds[fd].cb(l, fd, revents, l->fds[fd].user);
}

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
  l->fds[fd] = (rtsp_js_fd){cb, user};
  /* Not KJS_FD_WEAK: an open server or pusher keeps the app running. */
  int rc = kjs_loop_fd_watch(l->loop, fd, events, 0, fd_trampoline, l);
  if (rc < 0) l->fds[fd] = (rtsp_js_fd){NULL, NULL};
  return rc;
}

static void io_set_events(void *loop, int fd, short events) {
  rtsp_js_loop *l = loop;
  kjs_loop_fd_set_events(l->loop, fd, events);
}

static void io_unwatch(void *loop, int fd) {
  rtsp_js_loop *l = loop;
  kjs_loop_fd_unwatch(l->loop, fd);
  if (fd >= 0 && fd < l->cap_fds) l->fds[fd] = (rtsp_js_fd){NULL, NULL};
}

static uint64_t io_now(void *loop) { return hal_clock_us(); }

const rtsp_io_ops rtsp_js_loop_ops = {io_watch, io_set_events, io_unwatch, io_now};

void rtsp_js_loop_init(rtsp_js_loop *l, kjs_loop *loop) {
  memset(l, 0, sizeof *l);
  l->loop = loop;
}

void rtsp_js_loop_free(rtsp_js_loop *l) {
  free(l->fds);
  l->fds = NULL;
  l->cap_fds = 0;
}
