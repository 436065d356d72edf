/* Event loop: timers in a binary min-heap over a slot table (O(log n) start, cancel and expiry),
 * poll(2) over watched fds plus a self-pipe, a locked post queue. */
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

/* A timer lives in a slot; its id is (generation << 32) | (slot + 1), and the generation changes
 * when the slot is freed, so the id of a timer that ran or was cancelled never matches again. */
typedef struct timer {
  kjs_timer_cb *cb;
  void *user;
  uint32_t gen;
  int32_t heap_at; /* index in the heap; -1 while the slot is free */
  uint32_t next_free;
  bool weak; /* does not keep the loop alive */
} timer;

/* Heap entries carry their keys, so sifting compares without touching the slots. */
typedef struct heap_entry {
  uint64_t due_us;
  uint64_t seq; /* start order: equal due times fire in it, and it tells this turn's new timers */
  uint32_t slot;
} heap_entry;

#define NO_SLOT UINT32_MAX

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
  timer *slots;
  uint32_t nslots, free_slot;
  heap_entry *heap; /* a min-heap by (due_us, seq) */
  uint32_t nheap;
  uint32_t nstrong; /* timers in the heap that keep the loop alive (not weak) */
  uint64_t next_seq;
  fd_watch *fds;
  int nfds, cap_fds;
  struct pollfd *pollfds;
  int wake_pipe[2];
  pthread_mutex_t post_lock;
  post *posts_head, *posts_tail;
  int refs;
  void *owner;
  uint64_t turns; /* polls so far: a callback that turns the loop itself changes it */
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
  loop->free_slot = NO_SLOT;
  pthread_mutex_init(&loop->post_lock, NULL);
  return loop;
}

void kjs_loop_free(kjs_loop *loop) {
  if (!loop) return;
  free(loop->slots);
  free(loop->heap);
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

void kjs_loop_set_owner(kjs_loop *loop, void *owner) { loop->owner = owner; }
void *kjs_loop_owner(kjs_loop *loop) { return loop->owner; }

/* ---- the timer heap ---- */

static bool earlier(const heap_entry *a, const heap_entry *b) {
  return a->due_us != b->due_us ? a->due_us < b->due_us : a->seq < b->seq;
}

static void heap_put(kjs_loop *loop, uint32_t at, heap_entry e) {
  loop->heap[at] = e;
  loop->slots[e.slot].heap_at = (int32_t)at;
}

static void sift_up(kjs_loop *loop, uint32_t at, heap_entry e) {
  while (at > 0) {
    uint32_t parent = (at - 1) / 2;
    if (!earlier(&e, &loop->heap[parent])) break;
    heap_put(loop, at, loop->heap[parent]);
    at = parent;
  }
  heap_put(loop, at, e);
}

static void sift_down(kjs_loop *loop, uint32_t at, heap_entry e) {
  for (;;) {
    uint32_t child = 2 * at + 1;
    if (child >= loop->nheap) break;
    if (child + 1 < loop->nheap && earlier(&loop->heap[child + 1], &loop->heap[child])) child++;
    if (!earlier(&loop->heap[child], &e)) break;
    heap_put(loop, at, loop->heap[child]);
    at = child;
  }
  heap_put(loop, at, e);
}

/* Takes the timer in `slot` out of the heap and frees the slot. */
static void timer_remove(kjs_loop *loop, uint32_t slot) {
  timer *t = &loop->slots[slot];
  uint32_t at = (uint32_t)t->heap_at;
  heap_entry last = loop->heap[--loop->nheap];
  if (at < loop->nheap) {
    if (at > 0 && earlier(&last, &loop->heap[(at - 1) / 2])) sift_up(loop, at, last);
    else sift_down(loop, at, last);
  }
  if (!t->weak) loop->nstrong--;
  t->heap_at = -1;
  t->gen++;
  t->next_free = loop->free_slot;
  loop->free_slot = slot;
}

static int grow_slots(kjs_loop *loop) {
  if (loop->nslots >= (uint32_t)INT32_MAX) return ERR_ENOMEM;
  uint32_t cap = loop->nslots ? loop->nslots * 2 : 64;
  timer *slots = realloc(loop->slots, (size_t)cap * sizeof *slots);
  if (!slots) return ERR_ENOMEM;
  loop->slots = slots;
  heap_entry *heap = realloc(loop->heap, (size_t)cap * sizeof *heap);
  if (!heap) return ERR_ENOMEM;
  loop->heap = heap;
  for (uint32_t i = cap; i-- > loop->nslots;) {
    slots[i] = (timer){.gen = 1, .heap_at = -1, .next_free = loop->free_slot};
    loop->free_slot = i;
  }
  loop->nslots = cap;
  return 0;
}

static uint64_t timer_start(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user, bool weak) {
  if (loop->free_slot == NO_SLOT && grow_slots(loop) != 0) return 0;
  uint32_t slot = loop->free_slot;
  timer *t = &loop->slots[slot];
  loop->free_slot = t->next_free;
  t->cb = cb;
  t->user = user;
  t->weak = weak;
  if (!weak) loop->nstrong++;
  heap_entry e = {hal_clock_us() + delay_ms * 1000u, ++loop->next_seq, slot};
  sift_up(loop, loop->nheap++, e);
  return (uint64_t)t->gen << 32 | (slot + 1);
}

static timer *timer_of(kjs_loop *loop, uint64_t id, uint32_t *slot) {
  uint32_t s = (uint32_t)id - 1;
  if (s >= loop->nslots) return NULL;
  timer *t = &loop->slots[s];
  if (t->gen != (uint32_t)(id >> 32) || t->heap_at < 0) return NULL;
  *slot = s;
  return t;
}

uint64_t kjs_loop_timer_start(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user) {
  return timer_start(loop, delay_ms, cb, user, false);
}

uint64_t kjs_loop_timer_start_weak(kjs_loop *loop, uint64_t delay_ms, kjs_timer_cb *cb, void *user) {
  return timer_start(loop, delay_ms, cb, user, true);
}

bool kjs_loop_timer_cancel(kjs_loop *loop, uint64_t id) {
  uint32_t slot;
  if (!timer_of(loop, id, &slot)) return false;
  timer_remove(loop, slot);
  return true;
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
  if (loop->posts_tail) loop->posts_tail->next = p;
  else loop->posts_head = p;
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
  if (loop->nstrong || loop->refs > 0 || has_posts(loop)) return true;
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
  /* Timers started by these callbacks wait for the next turn, so a 0 ms interval cannot spin.
   * Their seq is higher than any due now, and they sort after every older timer due now. */
  uint64_t last_seq = loop->next_seq;
  int n = 0;
  while (loop->nheap) {
    const heap_entry *top = &loop->heap[0];
    if (top->due_us > now || top->seq > last_seq) break;
    uint32_t slot = top->slot;
    timer *t = &loop->slots[slot];
    kjs_timer_cb *cb = t->cb;
    void *user = t->user;
    uint64_t id = (uint64_t)t->gen << 32 | (slot + 1);
    timer_remove(loop, slot);
    cb(loop, id, user);
    n++;
  }
  return n;
}

int kjs_loop_run_once(kjs_loop *loop, int max_wait_ms) {
  int wait = max_wait_ms;
  if (loop->nheap) {
    uint64_t now = hal_clock_us();
    uint64_t due = loop->heap[0].due_us;
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
  uint64_t turn = ++loop->turns;
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
      /* The callback turned the loop (a nested run): the array now holds that turn's results, which
       * it dispatched. What this turn did not reach is polled again next turn (poll is level-triggered). */
      if (loop->turns != turn) break;
    }
  }
  ran += run_posts(loop);
  ran += run_due_timers(loop);
  return ran;
}
