/*
 * hal/clock.h — monotonic time and sleeping.
 *
 * Time is counted from an arbitrary origin fixed at first use (process start on the host,
 * boot on the board), never jumps and never goes backwards. Thread-safe.
 */
#ifndef HAL_CLOCK_H
#define HAL_CLOCK_H

#include <stdint.h>

/* Microseconds since the origin. */
uint64_t hal_clock_us(void);
/* Sleep the calling thread for at least `us` microseconds. */
void hal_sleep_us(uint64_t us);

#endif
