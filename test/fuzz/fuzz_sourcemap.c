/* Fuzz target: the source map reader (maps sit next to apps on the SD card, so they are input). */
#include <stddef.h>
#include <stdint.h>

#include "kjs/sourcemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kjs_sourcemap *map = kjs_sourcemap_parse((const char *)data, size);
  if (map) {
    const char *src;
    int line, col;
    for (int l = 0; l < 8; l++)
      for (int c = 1; c < 64; c += 7) kjs_sourcemap_lookup(map, l, c, &src, &line, &col);
    kjs_sourcemap_free(map);
  }
  return 0;
}
