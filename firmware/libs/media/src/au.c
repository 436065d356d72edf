/* Access-unit splitting: one boundary scanner (au_cut / au_last) under two front ends, the push
   splitter (media_au_feed: bytes copied into its buffer) and the pull reader (media_au_next:
   units in place in a caller's buffer, or in a buffer read() fills directly). */
#include "media/au.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/grow.h"

/* Bytes after a start code needed to classify a NAL: 2-byte H.265 header + first slice byte. */
#define PEEK 3
#define NONE SIZE_MAX

/* The reader's record of the start codes it classified (offsets in its buffer), from which each
   unit gets its NAL table: a consumer then needs no second search (media_nal_table). */
typedef struct au_tab {
  size_t *at;
  size_t n, cap, delivered; /* delivered: the first entries, the last unit's, dropped at the next */
  uint32_t *rel;            /* the last unit's table, offsets in its data */
  size_t rel_cap;
  bool off; /* out of memory once: no more tables (units are searched instead) */
} au_tab;

static void tab_push(au_tab *t, size_t sc) {
  if (!t || t->off) return;
  size_t *a = base_grow(t->at, &t->cap, t->n + 1, sizeof *a, 64);
  if (!a) {
    t->off = true;
    return;
  }
  t->at = a;
  t->at[t->n++] = sc;
}

/* Drops the first k entries. */
static void tab_drop(au_tab *t, size_t k) {
  if (!k) return;
  t->n -= k;
  memmove(t->at, t->at + k, t->n * sizeof *t->at);
}

/* The table of the unit [from, to), made relative to from. Its entries, and any before it (a
   skipped unit's), are dropped at the next call (tab_drop(t, t->delivered)). */
static media_nal_table tab_unit(au_tab *t, size_t from, size_t to) {
  size_t first = 0, k;
  while (first < t->n && t->at[first] < from) first++;
  for (k = first; k < t->n && t->at[k] < to;) k++;
  t->delivered = k;
  k -= first;
  uint32_t *rel = t->off || !k ? NULL : base_grow(t->rel, &t->rel_cap, k, sizeof *rel, 64);
  if (!rel) {
    if (k) t->off = true;
    return (media_nal_table){NULL, 0};
  }
  t->rel = rel;
  for (size_t i = 0; i < k; i++) rel[i] = (uint32_t)(t->at[first + i] - from);
  return (media_nal_table){rel, k};
}

/* Where the scan of one buffer stands. Offsets index the buffer being scanned. */
typedef struct au_state {
  media_codec codec;
  size_t start; /* first byte of the pending unit; before the first start code, the first byte
                   that may still belong to one */
  size_t scan;  /* next offset to look for a start code */
  size_t nal;   /* start code (00 00 01) of the last classified NAL, or NONE before the first */
  bool vcl, key, skipping;
  au_tab *tab; /* the reader's, NULL for the splitter */
} au_state;

/* The table, if any, is left as it is: au_last's unit still takes its entries. */
static void au_reset(au_state *s, media_codec codec) { *s = (au_state){.codec = codec, .nal = NONE, .tab = s->tab}; }

static bool starts_au(media_codec codec, const uint8_t *h, bool *vcl, bool *key) {
  *vcl = *key = false;
  if (codec == MEDIA_CODEC_H265) {
    int t = (h[0] >> 1) & 0x3f, layer = ((h[0] & 1) << 5) | (h[1] >> 3);
    if (layer > 0) return false;
    if (t <= 31) {
      *vcl = true;
      *key = t >= 16 && t <= 21;
      return (h[2] & 0x80) != 0;
    }
    return (t >= 32 && t <= 35) || t == 39 || (t >= 41 && t <= 44) || (t >= 48 && t <= 55);
  }
  int t = h[0] & 0x1f;
  if (t >= 1 && t <= 5) {
    *vcl = true;
    *key = t == 5;
    return (h[1] & 0x80) != 0; /* ue(v) first_mb_in_slice == 0 is the single bit '1' */
  }
  return (t >= 6 && t <= 9) || (t >= 14 && t <= 18);
}

/* Scans b[0..len) on from s->scan. Returns true with [*from, *to) a complete unit (holding a
   picture; *key if an IDR/IRAP one) once the next unit's first NAL has been classified; false
   when the bytes run out (the caller appends more or calls au_last). A skipped (oversized) unit
   is not returned. */
static bool au_cut(au_state *s, const uint8_t *b, size_t len, size_t *from, size_t *to, bool *key) {
  for (;;) {
    size_t sc = media_annexb_find_start(b, len, s->scan);
    if (sc >= len) {
      /* Garbage before the first start code: keep only a possible zero_byte + partial start code. */
      if (s->nal == NONE && len > 4 && len - 4 > s->start) s->start = len - 4;
      /* A start code may straddle the end: rescan its first two bytes. */
      size_t next = len > 2 ? len - 2 : 0;
      if (s->nal != NONE && next < s->nal + 3) next = s->nal + 3;
      if (next < s->start) next = s->start;
      s->scan = next;
      return false;
    }
    if (sc + 3 + PEEK > len) {
      s->scan = sc;
      return false;
    }
    /* Bytes before the first start code are not part of any NAL; its zero_byte is. */
    if (s->nal == NONE) s->start = sc > s->start && b[sc - 1] == 0 ? sc - 1 : sc;
    bool vcl, k;
    bool begins = starts_au(s->codec, b + sc + 3, &vcl, &k);
    /* A 4-byte start code's zero_byte (and trailing zeros) belong to the new unit. */
    size_t boundary = sc;
    while (boundary > s->start && b[boundary - 1] == 0 && (s->nal == NONE || boundary > s->nal + 4)) boundary--;
    bool done = false;
    if (begins && s->vcl) {
      done = !s->skipping;
      *from = s->start;
      *to = boundary;
      *key = s->key;
      s->start = boundary;
      s->vcl = s->key = s->skipping = false;
    }
    if (vcl) {
      s->vcl = true;
      s->key |= k;
    }
    s->nal = sc;
    s->scan = sc + 3;
    tab_push(s->tab, sc);
    if (done) return true;
  }
}

/* End of stream: the pending unit, trailing zeros dropped. Returns false if there is none. Leaves
   the state reset for a new stream. */
static bool au_last(au_state *s, const uint8_t *b, size_t len, size_t *from, size_t *to, bool *key, bool *vcl) {
  bool have = false;
  /* Classify a short final NAL that never got its PEEK bytes. */
  size_t sc = media_annexb_find_start(b, len, s->nal == NONE ? s->start : s->scan);
  if (sc < len && s->nal == NONE) s->nal = s->start = sc;
  for (size_t k = sc; k < len; k = media_annexb_find_start(b, len, k + 3)) tab_push(s->tab, k);
  if (s->nal != NONE) {
    if (sc < len && sc + 3 + media_nal_header_size(s->codec) <= len) {
      int t = media_nal_type(s->codec, b + sc + 3, len - sc - 3);
      if (media_nal_is_vcl(s->codec, t)) {
        s->vcl = true;
        s->key |= media_nal_is_idr(s->codec, t);
      }
    }
    size_t end = len;
    while (end > s->start && b[end - 1] == 0) end--;
    if (end > s->start && !s->skipping) {
      *from = s->start;
      *to = end;
      *key = s->key;
      *vcl = s->vcl;
      have = true;
    }
  }
  au_reset(s, s->codec);
  return have;
}

/* Drops the buffer's first n bytes (they were delivered or skipped). */
static void au_shift(au_state *s, uint8_t *buf, size_t *len, size_t n) {
  memmove(buf, buf + n, *len - n);
  *len -= n;
  s->start -= n;
  s->scan -= n;
  if (s->nal != NONE) s->nal -= n;
  if (s->tab) {
    size_t gone = 0;
    while (gone < s->tab->n && s->tab->at[gone] < n) gone++; /* a skipped unit's */
    tab_drop(s->tab, gone);
    for (size_t i = 0; i < s->tab->n; i++) s->tab->at[i] -= n; /* the pending unit's few */
  }
}

/* The buffer is full of one unit: keep a possible partial start code and skip everything up to
   the next access-unit start. */
static void au_skip(au_state *s, uint8_t *buf, size_t *len) {
  enum { KEEP = 5 };
  memmove(buf, buf + *len - KEEP, KEEP);
  *len = KEEP;
  s->start = s->scan = s->nal = 0;
  if (s->tab) s->tab->n = 0;
  /* The skipped unit ends where it would have: at the next unit start after its picture (the
     vcl flag is kept, so a large prefix SEI does not end it at its own first slice). */
  s->skipping = true;
}

static bool valid_codec(media_codec c) { return c == MEDIA_CODEC_H264 || c == MEDIA_CODEC_H265; }

/* ---- push splitter ---- */

struct media_au_splitter {
  media_au_config cfg;
  uint8_t *buf;
  size_t cap, len;
  uint64_t consumed; /* stream bytes dropped from the buffer's front so far */
  au_state st;
  uint64_t index, dropped;
};

int media_au_open(media_au_splitter **out, const media_au_config *cfg) {
  if (!out || !cfg || !cfg->on_au || cfg->max_au_size < 16 || !valid_codec(cfg->codec)) return ERR_EINVAL;
  media_au_splitter *s = calloc(1, sizeof(*s));
  if (!s) return ERR_ENOMEM;
  s->cfg = *cfg;
  s->cap = cfg->max_au_size + 8;
  s->buf = malloc(s->cap);
  if (!s->buf) {
    free(s);
    return ERR_ENOMEM;
  }
  au_reset(&s->st, cfg->codec);
  *out = s;
  return 0;
}

void media_au_close(media_au_splitter *s) {
  if (!s) return;
  free(s->buf);
  free(s);
}

uint64_t media_au_dropped(const media_au_splitter *s) { return s ? s->dropped : 0; }

static void deliver(media_au_splitter *s, size_t from, size_t to, bool key, bool vcl) {
  media_au au = {s->buf + from, to - from, key, vcl, s->index++, s->consumed + from};
  s->cfg.on_au(s->cfg.user, &au);
}

int media_au_feed(media_au_splitter *s, const uint8_t *data, size_t len) {
  if (!s || (!data && len)) return ERR_EINVAL;
  int rc = 0;
  while (len > 0) {
    if (s->len == s->cap) {
      /* Room is made only when needed, by dropping what was delivered: a unit is never moved
         more than once per buffer's worth of input. */
      if (s->st.start > 0) {
        s->consumed += s->st.start;
        au_shift(&s->st, s->buf, &s->len, s->st.start);
      } else {
        if (!s->st.skipping) s->dropped++;
        s->consumed += s->len - 5;
        au_skip(&s->st, s->buf, &s->len);
        rc = ERR_ELIMIT;
      }
      continue;
    }
    size_t n = s->cap - s->len;
    if (n > len) n = len;
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    data += n;
    len -= n;
    size_t from, to;
    bool key;
    while (au_cut(&s->st, s->buf, s->len, &from, &to, &key)) deliver(s, from, to, key, true);
  }
  return rc;
}

int media_au_flush(media_au_splitter *s) {
  if (!s) return ERR_EINVAL;
  size_t from, to;
  bool key, vcl;
  if (au_last(&s->st, s->buf, s->len, &from, &to, &key, &vcl)) deliver(s, from, to, key, vcl);
  s->consumed += s->len;
  s->len = 0;
  return 0;
}

/* ---- pull reader ---- */

struct media_au_reader {
  media_au_reader_config cfg;
  const uint8_t *data; /* the bytes scanned: the caller's buffer, or buf */
  uint8_t *buf;        /* owned (read source) */
  size_t cap, len;
  uint64_t consumed;
  bool eof;
  au_state st;
  au_tab tab;
  uint64_t index, dropped;
};

int media_au_reader_open(media_au_reader **out, const media_au_reader_config *cfg) {
  if (!out || !cfg || !valid_codec(cfg->codec) || cfg->max_au_size < 16 || (!cfg->read && !cfg->data && cfg->size))
    return ERR_EINVAL;
  media_au_reader *r = calloc(1, sizeof(*r));
  if (!r) return ERR_ENOMEM;
  r->cfg = *cfg;
  if (cfg->read) {
    size_t chunk = cfg->read_size ? cfg->read_size : MEDIA_AU_READ_SIZE;
    r->cap = chunk < cfg->max_au_size ? chunk : cfg->max_au_size;
    r->buf = malloc(r->cap);
    if (!r->buf) {
      free(r);
      return ERR_ENOMEM;
    }
    r->data = r->buf;
  } else {
    r->data = cfg->data;
    r->len = cfg->size;
    r->eof = true;
  }
  r->st.tab = &r->tab;
  au_reset(&r->st, cfg->codec);
  *out = r;
  return 0;
}

void media_au_reader_close(media_au_reader *r) {
  if (!r) return;
  free(r->tab.at);
  free(r->tab.rel);
  free(r->buf);
  free(r);
}

uint64_t media_au_reader_dropped(const media_au_reader *r) { return r ? r->dropped : 0; }

/* Room for at least one more read: drop what was delivered, else grow up to the unit limit. */
static int reader_make_room(media_au_reader *r) {
  size_t chunk = r->cfg.read_size ? r->cfg.read_size : MEDIA_AU_READ_SIZE;
  if (r->st.start > 0 && r->cap - r->len < chunk) {
    r->consumed += r->st.start;
    au_shift(&r->st, r->buf, &r->len, r->st.start);
  }
  if (r->len < r->cap) return 0;
  size_t limit = r->cfg.max_au_size + 8;
  if (r->cap < limit) {
    size_t cap = r->cap * 2 < limit ? r->cap * 2 : limit;
    uint8_t *p = realloc(r->buf, cap);
    if (!p) return ERR_ENOMEM;
    r->buf = p;
    r->data = p;
    r->cap = cap;
    return 0;
  }
  bool again = r->st.skipping; /* the same unit goes on: reported once */
  r->consumed += r->len - 5;
  au_skip(&r->st, r->buf, &r->len);
  if (again) return 0;
  r->dropped++;
  return ERR_ELIMIT;
}

int media_au_next(media_au_reader *r, media_au *au) {
  if (!r || !au) return ERR_EINVAL;
  tab_drop(&r->tab, r->tab.delivered);
  r->tab.delivered = 0;
  for (;;) {
    size_t from, to;
    bool key, vcl = true;
    bool have = au_cut(&r->st, r->data, r->len, &from, &to, &key);
    if (!have && r->eof) {
      have = au_last(&r->st, r->data, r->len, &from, &to, &key, &vcl);
      r->st.start = r->st.scan = r->len; /* nothing more: later calls return 0 */
      if (!have) return 0;
    }
    if (have && to - from > r->cfg.max_au_size) {
      /* A read buffer drops such units as it fills; this catches a buffer source (and the read
         buffer's few bytes of slack). */
      tab_unit(&r->tab, from, to); /* its entries go at the next call */
      r->dropped++;
      return ERR_ELIMIT;
    }
    if (have) {
      *au =
          (media_au){r->data + from, to - from, key, vcl, r->index++, r->consumed + from, tab_unit(&r->tab, from, to)};
      return 1;
    }
    int rc = reader_make_room(r);
    if (rc) return rc;
    int64_t n = r->cfg.read(r->cfg.user, r->buf + r->len, r->cap - r->len);
    if (n < 0) return (int)n;
    if (n == 0) r->eof = true;
    r->len += (size_t)n;
  }
}
