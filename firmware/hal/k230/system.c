/* hal/system.h on the board. The board name is fixed at build time (-DK230JS_BOARD_NAME="...",
 * set by the SDK app Makefile from the defconfig); RSS comes from /proc/self/statm when the
 * RT-Smart build has procfs for LWPs, else -1. */
#include <stdio.h>
#include <unistd.h>

#include "hal/system.h"

#ifndef K230JS_BOARD_NAME
#define K230JS_BOARD_NAME "CanMV-K230"
#endif

const char *hal_system_platform(void) { return "k230"; }

const char *hal_system_board(void) { return K230JS_BOARD_NAME; }

int64_t hal_system_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages = 0, rss = 0;
  int n = fscanf(f, "%ld %ld", &pages, &rss);
  fclose(f);
  if (n != 2 || rss <= 0) return -1;
  long page = sysconf(_SC_PAGESIZE);
  return (int64_t)rss * (page > 0 ? page : 4096);
}
