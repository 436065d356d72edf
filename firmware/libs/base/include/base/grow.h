/*
 * base/grow.h — the one way a growing array gets room: capacity doubled from a first size until
 * the need fits, one realloc, overflow refused. Used by buffers and tables across libs/ and the
 * runtime (outbuf, REPL input, the media and segment tables...).
 */
#ifndef BASE_GROW_H
#define BASE_GROW_H

#include <stddef.h>

/* Returns `p` (an array of *cap elements of `elem` bytes, or NULL with *cap 0) made to hold at least
 * `need` (>= 1) elements: itself when it does already, else reallocated to `first` (at least 1)
 * doubled until it fits, *cap updated. NULL, with p still valid and *cap untouched, when out of
 * memory or when the size would overflow. */
void *base_grow(void *p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
