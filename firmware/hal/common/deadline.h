/*
 * hal/common/deadline.h — timed waits on CLOCK_MONOTONIC, shared by the HAL backends and the
 * MPP double (test/mpp-double); not part of the contract in hal/include.
 *
 * Timeouts follow the HAL's convention: -1 waits forever, 0 does not wait, n waits n ms.
 */
#ifndef HAL_COMMON_DEADLINE_H
#define HAL_COMMON_DEADLINE_H

#include <pthread.h>
#include <time.h>

/* The CLOCK_MONOTONIC time timeout_ms from now (now for timeout_ms <= 0). */
void hal_deadline(struct timespec *ts, int timeout_ms);
/* A condition variable that waits on CLOCK_MONOTONIC, the clock hal_deadline reads. */
void hal_cond_init_mono(pthread_cond_t *cv);
/* Waits on cv until `deadline` (from hal_deadline(deadline, timeout_ms)): forever for -1, not at
 * all for 0. 0 when woken, ETIMEDOUT. */
int hal_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *deadline, int timeout_ms);

#endif
