/*
 * kjs/loop.h — the runtime's event loop: timers, file descriptors and work posted from threads.
 *
 * One loop per VM, driven from the VM thread only, except kjs_loop_post() and kjs_loop_wake(),
 * which any thread may call (kjs_loop_wake() also from a signal handler). Callbacks run on the
 * loop thread. The loop knows nothing of JavaScript: native modules plug their sockets and media
 * callbacks in here and call into JS through kjs_vm_call() themselves. Timers cost O(log n) to
 * start, cancel and fire.
 *
 * Liveness: the loop is alive while it has a pending timer (not a weak one), a watched fd
 * without KJS_FD_WEAK, a pending post, or a reference taken with kjs_loop_ref() (e.g. a running
 * encoder thread).
 */
#ifndef KJS_LOOP_H
#define KJS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct kjs_loop kjs_loop;

/* revents are poll(2) bits (POLLIN, POLLOUT, POLLERR, POLLHUP). */
typedef void kjs_fd_cb(kjs_loop *loop, int fd, int revents, void *user);
typedef void kjs_timer_cb(kjs_loop *loop, uint64_t id, void *user);
typedef void kjs_post_cb(kjs_loop *loop, void *user);

enum { KJS_FD_WEAK = 1 }; /* a watched fd that does not keep the loop alive (e.g. a console) */

kjs_loop *kjs_loop_new(void);
/* Frees the loop; pending timers and posts are dropped without being called. */
void kjs_loop_free(kjs_loop *loop);
/* What the loop runs for (the VM that made it: kjs_vm_new), so that a post finds its runtime's
 * state from the loop it runs on; NULL until set. */
void kjs_loop_set_owner(kjs_loop *loop, void *owner);
void *kjs_loop_owner(kjs_loop *loop);

/* Runs `cb` once `delay_ms` has passed. Returns a non-zero id. */
uint64_t kjs_loop_timer_start(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user);
/* The same, for a timer that does not keep the loop alive (a console service's ticker). */
uint64_t kjs_loop_timer_start_weak(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user);
/* Cancels a pending timer; returns false if it already ran or never existed. */
bool kjs_loop_timer_cancel(kjs_loop *loop, uint64_t id);

/* Watches `fd` for `events` (POLLIN/POLLOUT); replaces an existing watch of the same fd.
 * Returns 0 or ERR_ENOMEM. The caller keeps ownership of the fd. */
int kjs_loop_fd_watch(kjs_loop *loop, int fd, short events, int flags, kjs_fd_cb *cb, void *user);
/* Changes the events of a watched fd (0 pauses it without removing it). */
void kjs_loop_fd_set_events(kjs_loop *loop, int fd, short events);
void kjs_loop_fd_unwatch(kjs_loop *loop, int fd);

/* Thread-safe: queues `cb(loop, user)` to run on the loop thread and wakes the loop.
 * Returns 0 or ERR_ENOMEM. */
int kjs_loop_post(kjs_loop *loop, kjs_post_cb *cb, void *user);
/* Async-signal-safe: makes a blocked kjs_loop_run_once() return early. */
void kjs_loop_wake(kjs_loop *loop);

/* Keep-alive references held by sources that will post work later. */
void kjs_loop_ref(kjs_loop *loop);
void kjs_loop_unref(kjs_loop *loop);

bool kjs_loop_alive(kjs_loop *loop);
/* Waits up to `max_wait_ms` (-1: until something happens) and dispatches what is ready.
 * Returns the number of callbacks run. */
int kjs_loop_run_once(kjs_loop *loop, int max_wait_ms);

#endif
