/* hal/clock.h on RT-Smart: CLOCK_MONOTONIC (the kernel tick counter since boot). */
#include <errno.h>
#include <time.h>

#include "hal/clock.h"

uint64_t hal_clock_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void hal_sleep_us(uint64_t us) {
  struct timespec ts = {.tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}
