/* hal/system.h on Linux. */
#include "hal/system.h"

#include <stdio.h>
#include <unistd.h>

const char *hal_system_platform(void) { return "host"; }

const char *hal_system_board(void) { return "simulator"; }

int64_t hal_system_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages_total = 0, pages_resident = 0;
  int n = fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  fclose(f);
  if (n != 2) return -1;
  return (int64_t)pages_resident * sysconf(_SC_PAGESIZE);
}
