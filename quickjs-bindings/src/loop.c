/* Event loop: sorted timer list, poll(2) over watched fds plus a self-pipe, a locked post queue. */
#include "kjs/loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/clock.h"
#include "base/errors.h"
#include "base/fd.h"

typedef struct timer {
  struct timer *next;
  uint64_t id;
  uint64_t due_us;
  kjs_timer_cb *cb;
  void *user;
  bool weak;
} timer;

typedef struct fd_watch {
  int fd;
  short events;
  int flags;
  kjs_fd_cb *cb;
  void *user;
} fd_watch;

typedef struct post {
  struct post *next;
  kjs_post_cb *cb;
  void *user;
} post;

struct kjs_loop {
  timer *timers; /* sorted by due time, then by id */
  uint64_t next_timer_id;
  fd_watch *fds;
  int nfds, cap_fds;
  struct pollfd *pollfds;
  int wake_pipe[2];
  pthread_mutex_t post_lock;
  post *posts_head, *posts_tail;
  int refs;
};

kjs_loop *kjs_loop_new(void) {
  kjs_loop *loop = calloc(1, sizeof *loop);
  if (!loop) return NULL;
  if (pipe(loop->wake_pipe) != 0) {
    free(loop);
    return NULL;
  }
  for (int i = 0; i < 2; i++) {
    fd_nonblock(loop->wake_pipe[i]);
    fd_cloexec(loop->wake_pipe[i]);
  }
  pthread_mutex_init(&loop->post_lock, NULL);
  return loop;
}

void kjs_loop_free(kjs_loop *loop) {
  if (!loop) return;
  while (loop->timers) {
    timer *t = loop->timers;
    loop->timers = t->next;
    free(t);
  }
  while (loop->posts_head) {
    post *p = loop->posts_head;
    loop->posts_head = p->next;
    free(p);
  }
  free(loop->fds);
  free(loop->pollfds);
  close(loop->wake_pipe[0]);
  close(loop->wake_pipe[1]);
  pthread_mutex_destroy(&loop->post_lock);
  free(loop);
}

static uint64_t timer_start(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user, bool weak) {
  timer *t = malloc(sizeof *t);
  if (!t) return 0;
  t->id = ++loop->next_timer_id;
  t->due_us = hal_clock_us() + delay_ms * 1000u;
  t->cb = cb;
  t->user = user;
  t->weak = weak;
  timer **pp = &loop->timers;
  while (*pp && (*pp)->due_us <= t->due_us) pp = &(*pp)->next;
  t->next = *pp;
  *pp = t;
  return t->id;
}

uint64_t kjs_loop_timer_start(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user) {
  return timer_start(loop, delay_ms, cb, user, false);
}

uint64_t kjs_loop_timer_start_weak(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user) {
  return timer_start(loop, delay_ms, cb, user, true);
}

bool kjs_loop_timer_cancel(kjs_loop *loop, uint64_t id) {
  for (timer **pp = &loop->timers; *pp; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      timer *t = *pp;
      *pp = t->next;
      free(t);
      return true;
    }
  }
  return false;
}

static fd_watch *find_fd(kjs_loop *loop, int fd) {
  for (int i = 0; i < loop->nfds; i++)
    if (loop->fds[i].fd == fd) return &loop->fds[i];
  return NULL;
}

int kjs_loop_fd_watch(kjs_loop *loop, int fd, short events, int flags, kjs_fd_cb *cb, void *user) {
  fd_watch *w = find_fd(loop, fd);
  if (!w) {
    if (loop->nfds == loop->cap_fds) {
      int cap = loop->cap_fds ? loop->cap_fds * 2 : 8;
      fd_watch *fds = realloc(loop->fds, (size_t)cap * sizeof *fds);
      if (!fds) return ERR_ENOMEM;
      loop->fds = fds;
      struct pollfd *pfds = realloc(loop->pollfds, (size_t)(cap + 1) * sizeof *pfds);
      if (!pfds) return ERR_ENOMEM;
      loop->pollfds = pfds;
      loop->cap_fds = cap;
    }
    w = &loop->fds[loop->nfds++];
  }
  *w = (fd_watch){.fd = fd, .events = events, .flags = flags, .cb = cb, .user = user};
  return 0;
}

void kjs_loop_fd_set_events(kjs_loop *loop, int fd, short events) {
  fd_watch *w = find_fd(loop, fd);
  if (w) w->events = events;
}

void kjs_loop_fd_unwatch(kjs_loop *loop, int fd) {
  fd_watch *w = find_fd(loop, fd);
  if (!w) return;
  *w = loop->fds[--loop->nfds];
  /* A dispatch in progress may still hold this fd in pollfds; mark it so it is skipped. */
  for (int i = 0; i < loop->nfds + 1 && loop->pollfds; i++)
    if (loop->pollfds[i].fd == fd) loop->pollfds[i].fd = -1;
}

int kjs_loop_post(kjs_loop *loop, kjs_post_cb *cb, void *user) {
  post *p = malloc(sizeof *p);
  if (!p) return ERR_ENOMEM;
  p->next = NULL;
  p->cb = cb;
  p->user = user;
  pthread_mutex_lock(&loop->post_lock);
  if (loop->posts_tail)
    loop->posts_tail->next = p;
  else
    loop->posts_head = p;
  loop->posts_tail = p;
  pthread_mutex_unlock(&loop->post_lock);
  kjs_loop_wake(loop);
  return 0;
}

void kjs_loop_wake(kjs_loop *loop) {
  int saved = errno;
  ssize_t r = write(loop->wake_pipe[1], "w", 1);
  (void)r; /* a full pipe already means "wake up" */
  errno = saved;
}

void kjs_loop_ref(kjs_loop *loop) { loop->refs++; }
void kjs_loop_unref(kjs_loop *loop) { loop->refs--; }

static bool has_posts(kjs_loop *loop) {
  pthread_mutex_lock(&loop->post_lock);
  bool any = loop->posts_head != NULL;
  pthread_mutex_unlock(&loop->post_lock);
  return any;
}

bool kjs_loop_alive(kjs_loop *loop) {
  if (loop->refs > 0 || has_posts(loop)) return true;
  for (timer *t = loop->timers; t; t = t->next)
    if (!t->weak) return true;
  for (int i = 0; i < loop->nfds; i++)
    if (!(loop->fds[i].flags & KJS_FD_WEAK) && loop->fds[i].events) return true;
  return false;
}

static int run_posts(kjs_loop *loop) {
  pthread_mutex_lock(&loop->post_lock);
  post *p = loop->posts_head;
  loop->posts_head = loop->posts_tail = NULL;
  pthread_mutex_unlock(&loop->post_lock);
  int n = 0;
  while (p) {
    post *next = p->next;
    p->cb(loop, p->user);
    free(p);
    p = next;
    n++;
  }
  return n;
}

static int run_due_timers(kjs_loop *loop) {
  uint64_t now = hal_clock_us();
  /* Timers started by these callbacks wait for the next turn, so a 0 ms interval cannot spin. */
  uint64_t last_id = loop->next_timer_id;
  int n = 0;
  for (;;) {
    timer **pp = &loop->timers;
    while (*pp && (*pp)->due_us <= now && (*pp)->id > last_id) pp = &(*pp)->next;
    timer *t = *pp;
    if (!t || t->due_us > now) break;
    *pp = t->next;
    kjs_timer_cb *cb = t->cb;
    void *user = t->user;
    uint64_t id = t->id;
    free(t);
    cb(loop, id, user);
    n++;
  }
  return n;
}

int kjs_loop_run_once(kjs_loop *loop, int max_wait_ms) {
  int wait = max_wait_ms;
  if (loop->timers) {
    uint64_t now = hal_clock_us();
    uint64_t due = loop->timers->due_us;
    int until = due <= now ? 0 : (int)((due - now + 999) / 1000);
    if (wait < 0 || until < wait) wait = until;
  }
  if (has_posts(loop)) wait = 0;

  int n = loop->nfds;
  for (int i = 0; i < n; i++) {
    loop->pollfds[i].fd = loop->fds[i].events ? loop->fds[i].fd : -1;
    loop->pollfds[i].events = loop->fds[i].events;
    loop->pollfds[i].revents = 0;
  }
  struct pollfd wake = {.fd = loop->wake_pipe[0], .events = POLLIN};
  struct pollfd *all = loop->pollfds;
  struct pollfd local[1];
  if (!all) all = local;
  all[n] = wake;
  int ready = poll(all, (nfds_t)n + 1, wait);
  int ran = 0;
  if (ready > 0) {
    if (all[n].revents & POLLIN) {
      char buf[64];
      while (read(loop->wake_pipe[0], buf, sizeof buf) > 0) {
      }
    }
    for (int i = 0; i < n; i++) {
      /* Re-read through the loop: a callback that watches a new fd may move the array. */
      struct pollfd pf = loop->pollfds[i];
      if (pf.fd < 0 || !pf.revents) continue;
      fd_watch *w = find_fd(loop, pf.fd);
      if (!w) continue;
      w->cb(loop, pf.fd, pf.revents, w->user);
      ran++;
    }
  }
  ran += run_posts(loop);
  ran += run_due_timers(loop);
  return ran;
}
