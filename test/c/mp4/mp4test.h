/* Shared helpers of the MP4 tests: media made with ffmpeg at test time, ffprobe packet lists. */
#ifndef MP4TEST_H
#define MP4TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/au.h"
#include "mp4/demuxer.h"
#include "mp4/muxer.h"

typedef struct pkt {
  int stream;
  long long pts;
  int key;
  long long pts_us;
} pkt;
typedef struct pkts {
  pkt *p;
  size_t n;
} pkts;

/* ffprobe's pts_time ("1.234567", 6 decimals, rounded to nearest) as integer µs, exactly. */
static inline long long parse_time_us(const char *s) {
  int neg = *s == '-';
  if (neg) s++;
  long long whole = 0, frac = 0;
  int digits = 0;
  for (; *s >= '0' && *s <= '9'; s++) whole = whole * 10 + (*s - '0');
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9' && digits < 6; s++, digits++) frac = frac * 10 + (*s - '0');
  for (; digits < 6; digits++) frac *= 10;
  long long us = whole * 1000000 + frac;
  return neg ? -us : us;
}

/* ffprobe's packets of a file: stream index, pts in the stream time base and as its printed
   pts_time in µs, keyframe flag. */
static inline int probe_packets(const char *path, pkts *out) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries packet=stream_index,pts,pts_time,flags -of csv=p=0 '%s'",
           path);
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  char line[256];
  out->n = 0;
  out->p = NULL;
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    int s;
    long long pts;
    char flags[16] = {0}, t[32] = {0};
    if (sscanf(line, "%d,%lld,%31[^,],%15s", &s, &pts, t, flags) < 4) continue;
    if (out->n == cap) {
      cap = cap ? cap * 2 : 256;
      out->p = realloc(out->p, cap * sizeof(pkt));
    }
    out->p[out->n++] = (pkt){s, pts, flags[0] == 'K', parse_time_us(t)};
  }
  return pclose(f) == 0 ? 0 : -1;
}

/* Packets of one stream in order. */
static inline size_t stream_packets(const pkts *all, int stream, pkt *out, size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < all->n; i++)
    if (all->p[i].stream == stream && k < max) out[k++] = all->p[i];
  return k;
}

/* Output of a command ("" if none). */
static inline size_t run_capture(const char *cmd, char *buf, size_t cap) {
  FILE *f = popen(cmd, "r");
  size_t n = 0;
  if (!f) return 0;
  while (n + 1 < cap) {
    size_t r = fread(buf + n, 1, cap - 1 - n, f);
    if (!r) break;
    n += r;
  }
  buf[n] = 0;
  pclose(f);
  return n;
}

/* Access units of an Annex-B file. */
typedef struct aus {
  uint8_t **data;
  size_t *size;
  int *key;
  size_t n, cap;
} aus;
static inline void aus_cb(void *user, const media_au *au) {
  aus *a = user;
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 64;
    a->data = realloc(a->data, a->cap * sizeof(*a->data));
    a->size = realloc(a->size, a->cap * sizeof(*a->size));
    a->key = realloc(a->key, a->cap * sizeof(*a->key));
  }
  a->data[a->n] = malloc(au->size);
  memcpy(a->data[a->n], au->data, au->size);
  a->size[a->n] = au->size;
  a->key[a->n] = au->keyframe;
  a->n++;
}
static inline int load_aus(const char *path, media_codec codec, aus *a) {
  size_t len;
  uint8_t *buf = tu_read(path, &len);
  if (!buf) return -1;
  memset(a, 0, sizeof(*a));
  media_au_config cfg = MEDIA_AU_CONFIG_DEFAULT;
  cfg.codec = codec;
  cfg.on_au = aus_cb;
  cfg.user = a;
  media_au_splitter *s;
  if (media_au_open(&s, &cfg)) return -1;
  media_au_feed(s, buf, len);
  media_au_flush(s);
  media_au_close(s);
  free(buf);
  return 0;
}
static inline void free_aus(aus *a) {
  for (size_t i = 0; i < a->n; i++) free(a->data[i]);
  free(a->data);
  free(a->size);
  free(a->key);
}

#endif
