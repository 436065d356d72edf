/* Source Map v3: reads "sources" and "mappings" (base64 VLQ) and answers position lookups. */
#include "kjs/sourcemap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct segment {
  int32_t gen_col; /* 0-based */
  int32_t src;
  int32_t line; /* 0-based */
  int32_t col;  /* 0-based */
} segment;

struct kjs_sourcemap {
  char **sources;
  int nsources;
  segment *segs;
  size_t nsegs;
  size_t *line_start; /* index of the first segment of each generated line; nlines + 1 entries */
  size_t nlines;
};

/* Finds `"key"` followed by ':' at any depth; good enough for the flat objects bundlers write. */
static const char *find_key(const char *json, size_t len, const char *key) {
  size_t klen = strlen(key);
  for (size_t i = 0; i + klen + 2 < len; i++) {
    if (json[i] == '"' && memcmp(json + i + 1, key, klen) == 0 && json[i + 1 + klen] == '"') {
      const char *p = json + i + klen + 2;
      while (p < json + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
      if (p < json + len && *p == ':') return p + 1;
    }
  }
  return NULL;
}

/* Parses a JSON string at p (which must point at '"'); returns a malloc'd copy, advances *end. */
static char *parse_string(const char *p, const char *limit, const char **end) {
  if (p >= limit || *p != '"') return NULL;
  p++;
  size_t cap = 64, n = 0;
  char *s = malloc(cap);
  while (s && p < limit && *p != '"') {
    char c = *p++;
    if (c == '\\' && p < limit) {
      char e = *p++;
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u':
          /* Non-ASCII escapes do not occur in paths we print; keep a placeholder. */
          p += (limit - p >= 4) ? 4 : (limit - p);
          c = '?';
          break;
        default: c = e;
      }
    }
    if (n + 2 > cap) {
      cap *= 2;
      char *g = realloc(s, cap);
      if (!g) free(s);
      s = g;
      if (!s) break;
    }
    s[n++] = c;
  }
  if (!s || p >= limit) {
    free(s);
    return NULL;
  }
  s[n] = 0;
  *end = p + 1;
  return s;
}

static const char *skip_ws(const char *p, const char *limit) {
  while (p < limit && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',')) p++;
  return p;
}

static int b64(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes one base64 VLQ value; returns false on malformed input. */
static bool vlq(const char **pp, const char *end, int32_t *out) {
  const char *p = *pp;
  uint32_t result = 0;
  int shift = 0;
  for (;;) {
    if (p >= end || shift > 30) return false;
    int d = b64(*p++);
    if (d < 0) return false;
    result |= (uint32_t)(d & 31) << shift;
    shift += 5;
    if (!(d & 32)) break;
  }
  *pp = p;
  int32_t v = (int32_t)(result >> 1);
  *out = (result & 1) ? -v : v;
  return true;
}

void kjs_sourcemap_free(kjs_sourcemap *map) {
  if (!map) return;
  for (int i = 0; i < map->nsources; i++) free(map->sources[i]);
  free(map->sources);
  free(map->segs);
  free(map->line_start);
  free(map);
}

/* Positions beyond int32 make a map unusable, not undefined behaviour. */
static bool add_delta(int32_t *acc, int32_t d) { return !__builtin_add_overflow(*acc, d, acc); }

static bool parse_mappings(kjs_sourcemap *map, const char *m, size_t len) {
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += m[i] == ';';
  size_t max_segs = len / 1 + 1;
  map->line_start = calloc(lines + 1, sizeof *map->line_start);
  map->segs = malloc(max_segs * sizeof *map->segs);
  if (!map->line_start || !map->segs) return false;
  map->nlines = lines;
  int32_t src = 0, sline = 0, scol = 0;
  size_t line = 0;
  const char *p = m, *end = m + len;
  map->line_start[0] = 0;
  while (p < end) {
    int32_t gcol = 0;
    while (p < end && *p != ';') {
      if (*p == ',') {
        p++;
        continue;
      }
      int32_t d;
      if (!vlq(&p, end, &d) || !add_delta(&gcol, d)) return false;
      if (p < end && *p != ',' && *p != ';') {
        int32_t ds, dl, dc;
        if (!vlq(&p, end, &ds) || !vlq(&p, end, &dl) || !vlq(&p, end, &dc)) return false;
        if (!add_delta(&src, ds) || !add_delta(&sline, dl) || !add_delta(&scol, dc)) return false;
        if (p < end && *p != ',' && *p != ';') {
          int32_t dn;
          if (!vlq(&p, end, &dn)) return false;
        }
        if (src < 0 || src >= map->nsources) return false;
        map->segs[map->nsegs++] = (segment){gcol, src, sline, scol};
      }
    }
    if (p < end) p++; /* ';' */
    line++;
    if (line <= lines) map->line_start[line] = map->nsegs;
  }
  for (size_t l = line + 1; l <= lines; l++) map->line_start[l] = map->nsegs;
  return true;
}

kjs_sourcemap *kjs_sourcemap_parse(const char *json, size_t len) {
  const char *limit = json + len;
  const char *srcs = find_key(json, len, "sources");
  const char *maps = find_key(json, len, "mappings");
  if (!srcs || !maps) return NULL;
  kjs_sourcemap *map = calloc(1, sizeof *map);
  if (!map) return NULL;
  const char *p = skip_ws(srcs, limit);
  if (p >= limit || *p != '[') goto fail;
  p++;
  int cap = 0;
  for (;;) {
    p = skip_ws(p, limit);
    if (p >= limit) goto fail;
    if (*p == ']') break;
    const char *after;
    char *s = parse_string(p, limit, &after);
    if (!s) goto fail;
    if (map->nsources == cap) {
      cap = cap ? cap * 2 : 8;
      char **g = realloc(map->sources, (size_t)cap * sizeof *g);
      if (!g) {
        free(s);
        goto fail;
      }
      map->sources = g;
    }
    map->sources[map->nsources++] = s;
    p = after;
  }
  const char *after;
  char *mappings = parse_string(skip_ws(maps, limit), limit, &after);
  if (!mappings) goto fail;
  bool ok = parse_mappings(map, mappings, strlen(mappings));
  free(mappings);
  if (!ok) goto fail;
  return map;
fail:
  kjs_sourcemap_free(map);
  return NULL;
}

bool kjs_sourcemap_lookup(const kjs_sourcemap *map, int line, int col, const char **source, int *orig_line,
                          int *orig_col) {
  if (line < 1 || (size_t)line > map->nlines) return false;
  size_t lo = map->line_start[line - 1], hi = map->line_start[line];
  if (lo == hi) return false;
  int32_t gcol = col - 1;
  const segment *best = &map->segs[lo];
  for (size_t i = lo; i < hi; i++) {
    if (map->segs[i].gen_col <= gcol) best = &map->segs[i];
    else break;
  }
  *source = map->sources[best->src];
  *orig_line = best->line + 1;
  *orig_col = best->col + 1;
  return true;
}
