/* k230:rtsp's fds on the runtime's loop, each watched by the loop itself (rtsp_internal.h): RT-Smart
 * has poll(2) and nothing like epoll. */
#include "rtsp_internal.h"

static void on_fd(kjs_loop *loop, int fd, int revents, void *user) {
  rtsp_js_loop *l = user;
  if (fd >= 0 && fd < l->cap_fds) rtsp_js_loop_dispatch(l, fd, l->fds[fd].gen, revents);
}

/* Not KJS_FD_WEAK: an open server or pusher keeps the app running. */
int rtsp_js_mux_watch(rtsp_js_loop *l, int fd, short events) {
  return kjs_loop_fd_watch(l->loop, fd, events, 0, on_fd, l);
}
void rtsp_js_mux_events(rtsp_js_loop *l, int fd, short events) { kjs_loop_fd_set_events(l->loop, fd, events); }
void rtsp_js_mux_unwatch(rtsp_js_loop *l, int fd) { kjs_loop_fd_unwatch(l->loop, fd); }
void rtsp_js_mux_free(rtsp_js_loop *l) {}
