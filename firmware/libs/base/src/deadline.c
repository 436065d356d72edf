/* Timed waits (base/deadline.h). */
#include "base/deadline.h"

#include <errno.h>

void base_deadline(struct timespec *ts, int timeout_ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  if (timeout_ms <= 0) return;
  ts->tv_sec += timeout_ms / 1000;
  ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

void base_cond_init_mono(pthread_cond_t *cv) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(cv, &a);
  pthread_condattr_destroy(&a);
}

int base_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline, int timeout_ms) {
  if (timeout_ms < 0) return pthread_cond_wait(cv, mu);
  if (timeout_ms == 0) return ETIMEDOUT;
  return pthread_cond_timedwait(cv, mu, deadline);
}
