/*
 * base/deadline.h — timed waits on CLOCK_MONOTONIC (wall-clock steps do not move them), for the
 * HAL backends, the MPP double and the runtime's own threads (the mp4 writer, the player).
 *
 * Timeouts follow the HAL's convention: -1 waits forever, 0 does not wait, n waits n ms.
 */
#ifndef BASE_DEADLINE_H
#define BASE_DEADLINE_H

#include <pthread.h>
#include <time.h>

/* The CLOCK_MONOTONIC time timeout_ms from now (now for timeout_ms <= 0). */
void base_deadline(struct timespec *ts, int timeout_ms);
/* A condition variable that waits on CLOCK_MONOTONIC, the clock base_deadline reads. */
void base_cond_init_mono(pthread_cond_t *cv);
/* Waits on cv until `deadline` (from base_deadline(deadline, timeout_ms)): forever for -1, not at
 * all for 0. 0 when woken, ETIMEDOUT. */
int base_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline, int timeout_ms);

#endif
