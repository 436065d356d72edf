/* Streaming access-unit splitter. */
#include "media/au.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

/* Bytes after a start code needed to classify a NAL: 2-byte H.265 header + first slice byte. */
#define PEEK 3

struct media_au_splitter {
  media_au_config cfg;
  uint8_t *buf;
  size_t cap, len;
  size_t scan;      /* next offset to look for a start code */
  size_t cur_nal;   /* offset of the start code of the last classified NAL, or SIZE_MAX */
  bool au_has_vcl, au_key, skipping;
  uint64_t index, dropped;
};

int media_au_open(media_au_splitter **out, const media_au_config *cfg) {
  if (!out || !cfg || !cfg->on_au || cfg->max_au_size < 16 ||
      (cfg->codec != MEDIA_CODEC_H264 && cfg->codec != MEDIA_CODEC_H265))
    return ERR_EINVAL;
  media_au_splitter *s = calloc(1, sizeof(*s));
  if (!s) return ERR_ENOMEM;
  s->cfg = *cfg;
  s->cap = cfg->max_au_size + 8;
  s->buf = malloc(s->cap);
  if (!s->buf) {
    free(s);
    return ERR_ENOMEM;
  }
  s->cur_nal = SIZE_MAX;
  *out = s;
  return 0;
}

void media_au_close(media_au_splitter *s) {
  if (!s) return;
  free(s->buf);
  free(s);
}

uint64_t media_au_dropped(const media_au_splitter *s) { return s ? s->dropped : 0; }

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

static void emit(media_au_splitter *s, size_t end) {
  if (end > 0 && !s->skipping) {
    media_au au = {s->buf, end, s->au_key, s->au_has_vcl, s->index++};
    s->cfg.on_au(s->cfg.user, &au);
  }
  memmove(s->buf, s->buf + end, s->len - end);
  s->len -= end;
  s->scan -= end;
  s->au_has_vcl = s->au_key = false;
  s->skipping = false;
}

/* Classifies every start code whose NAL header bytes have arrived. */
static void scan(media_au_splitter *s) {
  for (;;) {
    size_t sc = media_annexb_find_start(s->buf, s->len, s->scan);
    if (sc >= s->len) {
      if (s->cur_nal == SIZE_MAX && s->len > 3) {
        /* Garbage before the first start code: keep only a possible partial 4-byte start code. */
        memmove(s->buf, s->buf + s->len - 3, 3);
        s->len = 3;
      }
      /* Keep the last two bytes for a start code straddling chunks. */
      s->scan = s->len > 2 ? s->len - 2 : 0;
      if (s->scan < (s->cur_nal == SIZE_MAX ? 0 : s->cur_nal + 3)) s->scan = s->cur_nal + 3;
      return;
    }
    if (sc + 3 + PEEK > s->len) {
      s->scan = sc;
      return;
    }
    if (s->cur_nal == SIZE_MAX) {
      /* Bytes before the first start code are not part of any NAL; its zero_byte is. */
      while (sc > 0 && s->buf[sc - 1] == 0) sc--;
      memmove(s->buf, s->buf + sc, s->len - sc);
      s->len -= sc;
      sc = 0;
      while (s->buf[sc] == 0 && s->buf[sc + 1] == 0 && s->buf[sc + 2] == 0) sc++;
    }
    bool vcl, key;
    bool begins = starts_au(s->cfg.codec, s->buf + sc + 3, &vcl, &key);
    size_t boundary = sc;
    /* A 4-byte start code's zero_byte (and trailing zeros) belong to the new unit. */
    while (boundary > 0 && s->buf[boundary - 1] == 0 && (s->cur_nal == SIZE_MAX || boundary > s->cur_nal + 4))
      boundary--;
    if (begins && s->au_has_vcl) {
      emit(s, boundary);
      sc -= boundary;
    }
    if (vcl) {
      s->au_has_vcl = true;
      s->au_key |= key;
    }
    s->cur_nal = sc;
    s->scan = sc + 3;
  }
}

int media_au_feed(media_au_splitter *s, const uint8_t *data, size_t len) {
  if (!s || (!data && len)) return ERR_EINVAL;
  int rc = 0;
  while (len > 0) {
    size_t n = s->cap - s->len;
    if (n > len) n = len;
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    data += n;
    len -= n;
    scan(s);
    if (s->len == s->cap) {
      /* Too big: drop what we hold but keep a possible partial start code, and ignore
         everything up to the next access-unit start. */
      size_t keep = 5;
      memmove(s->buf, s->buf + s->len - keep, keep);
      s->len = keep;
      s->scan = 0;
      s->cur_nal = 0;
      if (!s->skipping) s->dropped++;
      s->skipping = true;
      s->au_has_vcl = true; /* so the next AU start ends the skipped unit */
      rc = ERR_ELIMIT;
    }
  }
  return rc;
}

int media_au_flush(media_au_splitter *s) {
  if (!s) return ERR_EINVAL;
  /* Classify a short final NAL that never got its PEEK bytes. */
  size_t sc = media_annexb_find_start(s->buf, s->len, s->cur_nal == SIZE_MAX ? 0 : s->scan);
  if (sc < s->len && s->cur_nal == SIZE_MAX) {
    memmove(s->buf, s->buf + sc, s->len - sc);
    s->len -= sc;
    sc = 0;
    s->cur_nal = 0;
  }
  if (s->cur_nal != SIZE_MAX) {
    if (sc < s->len && sc + 3 + media_nal_header_size(s->cfg.codec) <= s->len) {
      int t = media_nal_type(s->cfg.codec, s->buf + sc + 3, s->len - sc - 3);
      if (media_nal_is_vcl(s->cfg.codec, t)) {
        s->au_has_vcl = true;
        s->au_key |= media_nal_is_idr(s->cfg.codec, t);
      }
    }
    size_t end = s->len;
    while (end > 0 && s->buf[end - 1] == 0) end--;
    s->len = end;
    emit(s, end);
  }
  s->len = s->scan = 0;
  s->cur_nal = SIZE_MAX;
  s->au_has_vcl = s->au_key = s->skipping = false;
  return 0;
}
