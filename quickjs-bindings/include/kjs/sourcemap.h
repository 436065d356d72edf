/*
 * kjs/sourcemap.h — Source Map v3 lookup, so stack traces of a bundle name the .ts file and line.
 *
 * Only "sources" and "mappings" are read (esbuild's output); segments are kept sorted per
 * generated line. Lines and columns are 1-based on both sides of the API.
 */
#ifndef KJS_SOURCEMAP_H
#define KJS_SOURCEMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kjs_sourcemap kjs_sourcemap;

/* Parses a map held in memory. The JSON is parsed by a minimal reader for the two fields we
 * need. Returns NULL when the text is not a usable v3 map. */
kjs_sourcemap *kjs_sourcemap_parse(const char *json, size_t len);
void kjs_sourcemap_free(kjs_sourcemap *map);

/* Maps a generated position to its original one. `source` points into the map (valid until it
 * is freed). Returns false when the position has no mapping. */
bool kjs_sourcemap_lookup(const kjs_sourcemap *map, int line, int col, const char **source, int *orig_line,
                          int *orig_col);

#endif
