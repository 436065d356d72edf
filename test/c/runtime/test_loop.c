/* kjs/loop.h: timer order, zero-delay fairness, fd readiness, posts from another thread. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "hal/clock.h"
#include "kjs/loop.h"

static char order[16];
static int norder;

static void record(kjs_loop *loop, uint64_t id, void *user) { order[norder++] = *(const char *)user; }

static void rearm(kjs_loop *loop, uint64_t id, void *user) {
  int *count = user;
  if (++*count < 1000) kjs_loop_timer_start(loop, 0, rearm, user);
}

/* Many timers: each checks it is not early and that, among timers of its delay, it comes in
 * start order. */
enum { MANY = 20000 };
static int delays[MANY];
static uint64_t started_us[MANY];
static int last_of_delay[20];
static int nfired, bad_order, early, resurrected;
static void many_cb(kjs_loop *loop, uint64_t id, void *user) {
  int i = (int)(intptr_t)user;
  if (delays[i] < 0) {
    resurrected++; /* it was cancelled */
    return;
  }
  if (hal_clock_us() < started_us[i] + (uint64_t)delays[i] * 1000) early++;
  if (last_of_delay[delays[i]] > i) bad_order++;
  last_of_delay[delays[i]] = i;
  nfired++;
}

static int fd_hits;
static void on_readable(kjs_loop *loop, int fd, int revents, void *user) {
  char c;
  CHECK(revents & POLLIN);
  CHECK_EQ_INT(read(fd, &c, 1), 1);
  fd_hits++;
  kjs_loop_fd_unwatch(loop, fd);
}

/* A callback that watches more fds while the loop dispatches (the fd table grows under it). */
static int grow_fds[32][2];
static int grew;
static void on_grow(kjs_loop *loop, int fd, int revents, void *user) {
  char c;
  CHECK_EQ_INT(read(fd, &c, 1), 1);
  for (int i = 0; i < 32; i++) {
    CHECK_EQ_INT(pipe(grow_fds[i]), 0);
    kjs_loop_fd_watch(loop, grow_fds[i][0], POLLIN, 0, on_readable, NULL);
  }
  grew++;
  kjs_loop_fd_unwatch(loop, fd);
}

/* A callback that turns the loop itself (Mp4Recorder.process() from a socket callback): the inner
 * turn dispatches what it polled; the outer turn must not dispatch the inner turn's results again. */
static int nest_a[2], nest_b[2];
static int nest_b_calls, nest_b_spurious;
static void on_nest_b(kjs_loop *loop, int fd, int revents, void *user) {
  char c;
  nest_b_calls++;
  if (read(fd, &c, 1) != 1) nest_b_spurious++; /* nothing there: a stale event */
}
static void on_nest_a(kjs_loop *loop, int fd, int revents, void *user) {
  char c;
  CHECK_EQ_INT(read(fd, &c, 1), 1);
  kjs_loop_run_once(loop, 0);
}

static int posted;
static void on_post(kjs_loop *loop, void *user) {
  posted += *(int *)user;
  kjs_loop_unref(loop);
}

static void *poster(void *arg) {
  static int one = 1;
  hal_sleep_us(20000);
  kjs_loop_post(arg, on_post, &one);
  return NULL;
}

int main(void) {
  kjs_loop *loop = kjs_loop_new();
  CHECK(loop != NULL);
  CHECK(!kjs_loop_alive(loop));

  /* Timers fire by due time, ties by start order; a cancelled one never fires. */
  kjs_loop_timer_start(loop, 30, record, "c");
  kjs_loop_timer_start(loop, 10, record, "a");
  kjs_loop_timer_start(loop, 10, record, "b");
  uint64_t gone = kjs_loop_timer_start(loop, 20, record, "x");
  CHECK(kjs_loop_timer_cancel(loop, gone));
  CHECK(!kjs_loop_timer_cancel(loop, gone));
  uint64_t t0 = hal_clock_us();
  while (kjs_loop_alive(loop)) kjs_loop_run_once(loop, -1);
  order[norder] = 0;
  CHECK_EQ_STR(order, "abc");
  CHECK(hal_clock_us() - t0 >= 30000);

  /* A timer re-arming itself with 0 ms runs once per turn, not in a tight inner loop. */
  int count = 0;
  kjs_loop_timer_start(loop, 0, rearm, &count);
  int turns = 0;
  while (kjs_loop_alive(loop)) {
    kjs_loop_run_once(loop, -1);
    turns++;
  }
  CHECK_EQ_INT(count, 1000);
  CHECK(turns >= 1000);

  /* Thousands of timers fire, none early, equal delays in start order; a cancelled one never
   * fires; an id that fired or was cancelled is refused, even once its slot is reused. */
  static uint64_t ids[MANY];
  uint32_t seed = 7;
  for (int i = 0; i < MANY; i++) {
    seed = seed * 1103515245u + 12345u;
    delays[i] = (int)((seed >> 16) % 20);
    started_us[i] = hal_clock_us();
    ids[i] = kjs_loop_timer_start(loop, (uint64_t)delays[i], many_cb, (void *)(intptr_t)i);
  }
  int cancelled = 0;
  for (int i = 0; i < MANY; i += 3) {
    CHECK(kjs_loop_timer_cancel(loop, ids[i]));
    delays[i] = -1;
    cancelled++;
  }
  CHECK(!kjs_loop_timer_cancel(loop, ids[0]));
  uint64_t reused = kjs_loop_timer_start(loop, 1, record, "r");
  CHECK(!kjs_loop_timer_cancel(loop, ids[0]));
  CHECK(kjs_loop_timer_cancel(loop, reused));
  while (kjs_loop_alive(loop)) kjs_loop_run_once(loop, -1);
  CHECK_EQ_INT(nfired, MANY - cancelled);
  CHECK_EQ_INT(bad_order, 0);
  CHECK_EQ_INT(early, 0);
  CHECK_EQ_INT(resurrected, 0);
  CHECK(!kjs_loop_timer_cancel(loop, ids[1]));

  /* fd readiness */
  int p[2];
  CHECK_EQ_INT(pipe(p), 0);
  kjs_loop_fd_watch(loop, p[0], POLLIN, 0, on_readable, NULL);
  CHECK(kjs_loop_alive(loop));
  CHECK_EQ_INT(write(p[1], "z", 1), 1);
  while (kjs_loop_alive(loop)) kjs_loop_run_once(loop, -1);
  CHECK_EQ_INT(fd_hits, 1);

  /* Watching new fds from inside a callback (the fd table is reallocated mid-dispatch). */
  int g1[2], g2[2];
  CHECK_EQ_INT(pipe(g1), 0);
  CHECK_EQ_INT(pipe(g2), 0);
  kjs_loop_fd_watch(loop, g1[0], POLLIN, 0, on_grow, NULL);
  kjs_loop_fd_watch(loop, g2[0], POLLIN, 0, on_readable, NULL);
  CHECK_EQ_INT(write(g1[1], "a", 1), 1);
  CHECK_EQ_INT(write(g2[1], "b", 1), 1);
  kjs_loop_run_once(loop, 100);
  CHECK_EQ_INT(grew, 1);
  CHECK_EQ_INT(fd_hits, 2);
  for (int i = 0; i < 32; i++) {
    kjs_loop_fd_unwatch(loop, grow_fds[i][0]);
    close(grow_fds[i][0]);
    close(grow_fds[i][1]);
  }
  close(g1[0]), close(g1[1]), close(g2[0]), close(g2[1]);

  /* A nested turn: a's callback turns the loop, which reads b; the outer turn, whose poll saw both,
   * must not call b's callback again for the byte already read. Both orders of the fd table. */
  for (int order_ab = 0; order_ab < 2; order_ab++) {
    CHECK_EQ_INT(pipe(nest_a), 0);
    CHECK_EQ_INT(pipe(nest_b), 0);
    fcntl(nest_b[0], F_SETFL, O_NONBLOCK);
    if (order_ab) {
      kjs_loop_fd_watch(loop, nest_a[0], POLLIN, 0, on_nest_a, NULL);
      kjs_loop_fd_watch(loop, nest_b[0], POLLIN, 0, on_nest_b, NULL);
    } else {
      kjs_loop_fd_watch(loop, nest_b[0], POLLIN, 0, on_nest_b, NULL);
      kjs_loop_fd_watch(loop, nest_a[0], POLLIN, 0, on_nest_a, NULL);
    }
    nest_b_calls = nest_b_spurious = 0;
    CHECK_EQ_INT(write(nest_a[1], "a", 1), 1);
    CHECK_EQ_INT(write(nest_b[1], "b", 1), 1);
    kjs_loop_run_once(loop, 1000);
    kjs_loop_run_once(loop, 0);
    CHECK_EQ_INT(nest_b_calls, 1);
    CHECK_EQ_INT(nest_b_spurious, 0);
    kjs_loop_fd_unwatch(loop, nest_a[0]);
    kjs_loop_fd_unwatch(loop, nest_b[0]);
    close(nest_a[0]), close(nest_a[1]), close(nest_b[0]), close(nest_b[1]);
  }

  /* A weak fd does not keep the loop alive. */
  kjs_loop_fd_watch(loop, p[0], POLLIN, KJS_FD_WEAK, on_readable, NULL);
  CHECK(!kjs_loop_alive(loop));
  kjs_loop_fd_unwatch(loop, p[0]);
  close(p[0]);
  close(p[1]);

  /* Posts from another thread wake a blocked loop; a ref keeps it alive until then. */
  kjs_loop_ref(loop);
  pthread_t th;
  pthread_create(&th, NULL, poster, loop);
  while (kjs_loop_alive(loop)) kjs_loop_run_once(loop, -1);
  pthread_join(th, NULL);
  CHECK_EQ_INT(posted, 1);

  /* Freeing with pending work drops it. */
  kjs_loop_timer_start(loop, 1000, record, "z");
  kjs_loop_free(loop);
  return CHECK_DONE();
}
