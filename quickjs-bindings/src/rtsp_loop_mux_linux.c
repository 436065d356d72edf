/* k230:rtsp's fds on the runtime's loop through one epoll set (rtsp_internal.h): the loop polls the
 * set's fd, and a turn with something ready reads what is ready, however many clients are
 * connected. Level-triggered like poll(2), so the adapters see the same reports either way. */
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "rtsp_internal.h"

#define BATCH 64

/* poll(2) and epoll bits have the same values on Linux; spelled out all the same. */
static uint32_t to_epoll(short events) { return (events & POLLIN ? EPOLLIN : 0u) | (events & POLLOUT ? EPOLLOUT : 0u); }

static int to_poll(uint32_t ev) {
  return (ev & EPOLLIN ? POLLIN : 0) | (ev & EPOLLOUT ? POLLOUT : 0) | (ev & EPOLLERR ? POLLERR : 0) |
         (ev & EPOLLHUP ? POLLHUP : 0);
}

/* The set's fd is watched while some fd waits for something (the loop's liveness rule). */
static void sync_set(rtsp_js_loop *l) { kjs_loop_fd_set_events(l->loop, l->mux_fd, l->active ? POLLIN : 0); }

static void on_set(kjs_loop *loop, int fd, int revents, void *user) {
  rtsp_js_loop *l = user;
  struct epoll_event ev[BATCH];
  int n = epoll_wait(l->mux_fd, ev, BATCH, 0);
  /* a callback may unwatch (and close, and a later one reuse) an fd reported here: the
   * generation in each report tells */
  for (int i = 0; i < n; i++)
    rtsp_js_loop_dispatch(l, (int)(uint32_t)ev[i].data.u64, (uint32_t)(ev[i].data.u64 >> 32), to_poll(ev[i].events));
}

static int ctl(rtsp_js_loop *l, int op, int fd, short events) {
  struct epoll_event e = {.events = to_epoll(events), .data.u64 = (uint64_t)l->fds[fd].gen << 32 | (uint32_t)fd};
  return epoll_ctl(l->mux_fd, op, fd, &e);
}

int rtsp_js_mux_watch(rtsp_js_loop *l, int fd, short events) {
  if (l->mux_fd < 0) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return ERR_EIO;
    /* Not KJS_FD_WEAK: an open server or pusher keeps the app running. */
    if (kjs_loop_fd_watch(l->loop, ep, 0, 0, on_set, l) < 0) {
      close(ep);
      return ERR_ENOMEM;
    }
    l->mux_fd = ep;
  }
  if (ctl(l, EPOLL_CTL_ADD, fd, events) < 0) return ERR_EIO;
  sync_set(l);
  return 0;
}

void rtsp_js_mux_events(rtsp_js_loop *l, int fd, short events) {
  ctl(l, EPOLL_CTL_MOD, fd, events);
  sync_set(l);
}

void rtsp_js_mux_unwatch(rtsp_js_loop *l, int fd) {
  epoll_ctl(l->mux_fd, EPOLL_CTL_DEL, fd, NULL);
  sync_set(l);
}

void rtsp_js_mux_free(rtsp_js_loop *l) {
  if (l->mux_fd < 0) return;
  kjs_loop_fd_unwatch(l->loop, l->mux_fd);
  close(l->mux_fd);
  l->mux_fd = -1;
}
