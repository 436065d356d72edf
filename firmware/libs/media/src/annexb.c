/* Annex-B start-code scanning and NAL classification. */
#include "media/annexb.h"

#include <string.h>

static inline bool is_start(const uint8_t *b, size_t i) { return b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1; }

#if defined(__SSE2__) && !defined(MEDIA_ANNEXB_PORTABLE)
#include <immintrin.h>

#include "base/cpu.h"

/* How far ahead the search asks for the bytes: one page. Mapped file pages are scattered in
   memory and the hardware prefetcher stops at each page's end; asked for early, a page arrives
   while the one before is searched (-10% CPU for the muxer of a mapped stream here). */
enum { PREFETCH_AHEAD = 4096 };

/* Bit k of the result: byte k of the 64 at p equals the byte in every lane of v. */
static inline uint64_t eq_mask64(const uint8_t *p, __m128i v) {
  uint64_t a = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), v));
  uint64_t b = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), v));
  uint64_t c = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), v));
  uint64_t d = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), v));
  return a | b << 16 | c << 32 | d << 48;
}

/* 64 bytes a step with SSE2 (every x86-64 has it), one load per 16 bytes: the zero bytes whose
   successor is zero too (the next block's first byte carried in) are the candidate start codes.
   See the portable version for why this loop matters. Built without SSE2 (or with
   MEDIA_ANNEXB_PORTABLE, as the tests also do) the portable version below is used. */
size_t media_annexb_find_start(const uint8_t *buf, size_t len, size_t from) {
  if (len < 3 || from > len - 3) return len;
  const __m128i zero = _mm_setzero_si128();
  size_t i = from;
  if (len - i >= 128) {
    uint64_t z = eq_mask64(buf + i, zero);
    for (; i + 128 <= len; i += 64) {
      _mm_prefetch((const char *)buf + i + PREFETCH_AHEAD, _MM_HINT_T0);
      uint64_t zn = eq_mask64(buf + i + 64, zero);
      for (uint64_t m = z & (z >> 1 | zn << 63); m; m &= m - 1) {
        size_t k = i + (size_t)__builtin_ctzll(m);
        if (buf[k + 2] == 1) return k;
      }
      z = zn;
    }
  }
  for (; i <= len - 3; i++)
    if (is_start(buf, i)) return i;
  return len;
}

/* The tail of a copy: byte by byte up to the stop. */
static size_t copy_tail(uint8_t *dst, const uint8_t *buf, size_t len, size_t from, size_t i, size_t stop) {
  for (; i < stop; i++) {
    if (i + 3 <= len && is_start(buf, i)) return i;
    dst[i - from] = buf[i];
  }
  return stop;
}

#ifndef MEDIA_ANNEXB_NO_AVX2
/* 32 bytes a step where the CPU has AVX2 (nearly twice the SSE2 loop on data in the cache, where
   the muxer's copy finds it: the splitter has just read it). */
__attribute__((target("avx2"))) static size_t copy_to_start_avx2(uint8_t *dst, const uint8_t *buf, size_t len,
                                                                 size_t from, size_t stop) {
  size_t i = from;
  const __m256i zero = _mm256_setzero_si256();
  for (; i + 33 <= len && i + 32 <= stop; i += 32) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
    __m256i b = _mm256_loadu_si256((const __m256i *)(buf + i + 1));
    unsigned m =
        (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, zero), _mm256_cmpeq_epi8(b, zero)));
    for (; m; m &= m - 1) {
      size_t k = i + (size_t)__builtin_ctz(m);
      if (k + 3 <= len && buf[k + 2] == 1) {
        memcpy(dst + (i - from), buf + i, k - i);
        return k;
      }
    }
    _mm256_storeu_si256((__m256i *)(dst + (i - from)), a);
  }
  return copy_tail(dst, buf, len, from, i, stop);
}
#endif

static size_t copy_to_start_sse2(uint8_t *dst, const uint8_t *buf, size_t len, size_t from, size_t stop) {
  size_t i = from;
  const __m128i zero = _mm_setzero_si128();
  /* 16 bytes a step: loaded once, checked for a zero pair (the byte after them too), stored. */
  for (; i + 17 <= len && i + 16 <= stop; i += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(buf + i + 1));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(b, zero)));
    for (; m; m &= m - 1) {
      size_t k = i + (size_t)__builtin_ctz(m);
      if (k + 3 <= len && buf[k + 2] == 1) {
        memcpy(dst + (i - from), buf + i, k - i);
        return k;
      }
    }
    _mm_storeu_si128((__m128i *)(dst + (i - from)), a);
  }
  return copy_tail(dst, buf, len, from, i, stop);
}

size_t media_annexb_copy_to_start(uint8_t *dst, size_t cap, const uint8_t *buf, size_t len, size_t from) {
  if (from >= len) return len;
  size_t stop = cap < len - from ? from + cap : len; /* copy no further */
#ifdef MEDIA_ANNEXB_NO_AVX2                          /* the tests' build of the SSE2 loop */
  return copy_to_start_sse2(dst, buf, len, from, stop);
#else
  return base_cpu_avx2() ? copy_to_start_avx2(dst, buf, len, from, stop)
                         : copy_to_start_sse2(dst, buf, len, from, stop);
#endif
}
#else
/* 0x80 in every byte of w that is zero, nothing elsewhere (no false positives, unlike the
   shorter (w - 0x01..) & ~w & 0x80.. test). */
static inline uint64_t zero_bytes(uint64_t w) {
  const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu;
  return ~(((w & low7) + low7) | w | low7);
}

/* Eight bytes at a time: a start code's first two bytes are zeros side by side, which compressed
   slice data almost never has (emulation prevention), while single zero or 01 bytes are common
   (about 1 in 100 in x264 CAVLC output, where memchr stops too often to be fast). This scan runs
   over every byte of every stream recorded or played: it is the splitter's and the muxer's inner
   loop. Loads are aligned (riscv64 cores may trap on misaligned ones). */
size_t media_annexb_find_start(const uint8_t *buf, size_t len, size_t from) {
  if (len < 3 || from > len - 3) return len;
  const size_t last = len - 3; /* the last offset a start code can begin at */
  size_t i = from;
  while (i <= last && ((uintptr_t)(buf + i) & 7u)) {
    if (is_start(buf, i)) return i;
    i++;
  }
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, buf + i, 8);
    uint64_t z = zero_bytes(w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    bool maybe = (z & (z << 8)) || (z & 0x80u); /* a pair inside, or a zero last byte (pair across) */
#else
    bool maybe = (z & (z >> 8)) || (z >> 63);
#endif
    if (!maybe) continue;
    size_t end = i + 8 <= last + 1 ? i + 8 : last + 1;
    for (size_t k = i; k < end; k++)
      if (is_start(buf, k)) return k;
  }
  for (; i <= last; i++)
    if (is_start(buf, i)) return i;
  return len;
}

size_t media_annexb_copy_to_start(uint8_t *dst, size_t cap, const uint8_t *buf, size_t len, size_t from) {
  if (from >= len) return len;
  size_t stop = cap < len - from ? from + cap : len;
  /* The search runs ahead of the copy a word at a time; the bytes before each start code found
     (or the stop) are then copied in one go while they are still in the cache. */
  size_t sc = media_annexb_find_start(buf, stop + 2 < len ? stop + 2 : len, from);
  size_t end = sc < stop ? sc : stop;
  memcpy(dst, buf + from, end - from);
  return end;
}

#endif

/* The NAL whose bytes run from `start` (after its start code) to `next` (the next start code or the
   end): false if it is empty. */
static bool nal_between(media_codec codec, const uint8_t *buf, size_t start, size_t next, media_nal *nal) {
  size_t end = next;
  /* Zero bytes before the next start code are its zero_byte or trailing_zero_8bits, never NAL data
     (a NAL's last byte is the non-zero rbsp_stop_one_bit byte or cabac_zero_words' 0x0000 03). */
  while (end > start && buf[end - 1] == 0) end--;
  if (end == start) return false;
  nal->data = buf + start;
  nal->size = end - start;
  nal->type = media_nal_type(codec, nal->data, nal->size);
  return true;
}

int media_annexb_next(media_codec codec, const uint8_t *buf, size_t len, size_t *pos, media_nal *nal) {
  if (!buf || !pos || !nal) return 0;
  size_t p = *pos;
  while (p < len) {
    size_t sc = media_annexb_find_start(buf, len, p);
    if (sc >= len) break;
    p = media_annexb_find_start(buf, len, sc + 3);
    if (nal_between(codec, buf, sc + 3, p, nal)) {
      *pos = p;
      return 1;
    }
  }
  *pos = len;
  return 0;
}

int media_nal_table_next(media_codec codec, const media_nal_table *t, const uint8_t *buf, size_t len, size_t *pos,
                         media_nal *nal) {
  if (!t || !buf || !pos || !nal) return 0;
  for (size_t i = *pos; i < t->count; i++) {
    size_t next = i + 1 < t->count ? t->starts[i + 1] : len;
    if (nal_between(codec, buf, t->starts[i] + 3, next, nal)) {
      *pos = i + 1;
      return 1;
    }
  }
  *pos = t->count;
  return 0;
}

bool media_nal_table_fits(const media_nal_table *t, const uint8_t *buf, size_t len) {
  if (!t || !t->count || !t->starts || !buf || len < 3) return false;
  size_t next = 0;
  for (size_t i = 0; i < t->count; i++) {
    size_t sc = t->starts[i];
    if (sc < next || sc > len - 3 || !is_start(buf, sc)) return false;
    next = sc + 3;
  }
  return true;
}

int media_nal_type(media_codec codec, const uint8_t *nal, size_t size) {
  if (!nal) return -1;
  if (codec == MEDIA_CODEC_H265) return size >= 2 ? (nal[0] >> 1) & 0x3f : -1;
  return size >= 1 ? nal[0] & 0x1f : -1;
}

bool media_nal_is_idr(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= 16 && type <= 21;
  return type == MEDIA_H264_NAL_IDR;
}

bool media_nal_is_param_set(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= MEDIA_H265_NAL_VPS && type <= MEDIA_H265_NAL_PPS;
  return type == MEDIA_H264_NAL_SPS || type == MEDIA_H264_NAL_PPS;
}

bool media_nal_is_vcl(media_codec codec, int type) {
  if (codec == MEDIA_CODEC_H265) return type >= 0 && type <= 31;
  return type >= 1 && type <= 5;
}
