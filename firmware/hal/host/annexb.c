/* Annex-B start-code scanning (ITU-T H.264 / H.265 Annex B) for the encoder backends. */
#include "internal.h"

/* Position of the next 00 00 01 at or after `from`, or len. */
static size_t find_sc(const uint8_t *b, size_t len, size_t from) {
  for (size_t i = from; i + 2 < len; i++) {
    if (b[i + 2] > 1) {
      i += 2; /* no start code can end within the next two bytes */
      continue;
    }
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) return i;
  }
  return len;
}

int annexb_next(const uint8_t *buf, size_t len, size_t *pos, size_t *nal, size_t *payload,
                size_t *end) {
  size_t sc = find_sc(buf, len, *pos);
  if (sc >= len) return -1;
  size_t start = sc;
  if (start > *pos && buf[start - 1] == 0) start--; /* 4-byte start code */
  size_t p = sc + 3;
  size_t next = find_sc(buf, len, p);
  if (next < len && next > p && buf[next - 1] == 0) next--;
  *nal = start;
  *payload = p;
  *end = next;
  *pos = next;
  return p < len ? 0 : -1;
}

int annexb_nal_type(int h265, uint8_t b) { return h265 ? (b >> 1) & 0x3f : b & 0x1f; }

int annexb_is_param_set(int h265, int t) { return h265 ? (t >= 32 && t <= 34) : (t == 7 || t == 8); }

int annexb_is_vcl(int h265, int t) { return h265 ? t < 32 : (t >= 1 && t <= 5); }

int annexb_is_irap(int h265, int t) { return h265 ? (t >= 16 && t <= 23) : t == 5; }
