/*
 * hal/system.h — facts about the platform the runtime runs on.
 */
#ifndef HAL_SYSTEM_H
#define HAL_SYSTEM_H

#include <stdint.h>

/* "host" for the Linux simulator, "k230" on the board. Static string. */
const char *hal_system_platform(void);
/* Board name: "simulator" on the host, e.g. "CanMV-K230" on the board. Static string. */
const char *hal_system_board(void);
/* Resident set size of this process in bytes, or -1 when the platform cannot tell. */
int64_t hal_system_rss_bytes(void);

#endif
