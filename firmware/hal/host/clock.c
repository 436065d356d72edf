/* hal/clock.h on Linux: CLOCK_MONOTONIC relative to the first call. */
#include "hal/clock.h"

#include <errno.h>
#include <time.h>

static uint64_t now_raw_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t origin_us;

/* Runs before main so the origin is fixed without locking on every call. */
__attribute__((constructor)) static void clock_origin_init(void) { origin_us = now_raw_us(); }

uint64_t hal_clock_us(void) { return now_raw_us() - origin_us; }

void hal_sleep_us(uint64_t us) {
  struct timespec ts = {.tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
