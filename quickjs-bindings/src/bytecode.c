/* k230js bytecode files (format in kjs/bytecode.h). */
#include "kjs/bytecode.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Table CRC-32 (IEEE 802.3, reflected), eight bytes a step ("slicing-by-8"): checking a 1 MB
 * bundle is on the critical path of every boot; a byte at a time it took ~2 ms of a ~10 ms
 * start here, the bitwise loop ~20 ms. crc_table[k][b] is the CRC of byte b followed by k
 * zero bytes. */
static uint32_t crc_table[8][256];

static void crc_table_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    crc_table[0][i] = c;
  }
  for (int k = 1; k < 8; k++)
    for (uint32_t i = 0; i < 256; i++)
      crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^ crc_table[0][crc_table[k - 1][i] & 0xFFu];
}

/* CRC state (pre- and post-inversion left to the caller) over buf, eight bytes a step. */
static uint32_t crc_table_update(uint32_t crc, const uint8_t *buf, size_t len) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, crc_table_init);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint32_t lo = crc ^ get_le32(buf + i), hi = get_le32(buf + i + 4);
    crc = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^ crc_table[5][(lo >> 16) & 0xFFu] ^
          crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFFu] ^ crc_table[2][(hi >> 8) & 0xFFu] ^
          crc_table[1][(hi >> 16) & 0xFFu] ^ crc_table[0][hi >> 24];
  }
  for (; i < len; i++) crc = crc_table[0][(crc ^ buf[i]) & 0xFFu] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__) && !defined(KJS_CRC32_PORTABLE)
#include <immintrin.h>

#include "base/cpu.h"

/* Carry-less multiplication folding (Gopal et al., "Fast CRC Computation for Generic Polynomials
 * Using PCLMULQDQ Instruction", Intel, 2009), for the reflected CRC-32 polynomial: four 128-bit
 * lanes fold 64 bytes a step, then one lane, then a Barrett reduction to 32 bits. About ten times
 * the table loop: it took ~0.5 ms of a ~10 ms start from a 1 MB bundle's bytecode. The constants
 * are x^k mod P(x) for the fold distances (bit-reflected, as in the paper): k1 = x^(4*128+32),
 * k2 = x^(4*128-32), k3 = x^(128+32), k4 = x^(128-32), k5 = x^64; mu = floor(x^64 / P(x)), and P.
 * len is a multiple of 16, at least 64. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc_fold_update(uint32_t crc, const uint8_t *buf, size_t len) {
  const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
  const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);
  const __m128i pmu = _mm_set_epi64x(0x01f7011641, 0x01db710641);
  const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
#define FOLD(x, k, next) \
  _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next)
  __m128i x1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)buf), _mm_cvtsi32_si128((int)crc));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(buf + 16));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(buf + 32));
  __m128i x4 = _mm_loadu_si128((const __m128i *)(buf + 48));
  for (buf += 64, len -= 64; len >= 64; buf += 64, len -= 64) {
    x1 = FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)buf));
    x2 = FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(buf + 16)));
    x3 = FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(buf + 32)));
    x4 = FOLD(x4, k1k2, _mm_loadu_si128((const __m128i *)(buf + 48)));
  }
  x1 = FOLD(x1, k3k4, x2);
  x1 = FOLD(x1, k3k4, x3);
  x1 = FOLD(x1, k3k4, x4);
  for (; len >= 16; buf += 16, len -= 16) x1 = FOLD(x1, k3k4, _mm_loadu_si128((const __m128i *)buf));
#undef FOLD
  /* 128 -> 64 bits, then 64 -> 32 (k5), then Barrett. */
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(x1, k3k4, 0x10));
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), _mm_clmulepi64_si128(_mm_and_si128(x1, low32), k5, 0x00));
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), pmu, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), pmu, 0x00);
  return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, t), 1);
}

static uint32_t crc_update(uint32_t crc, const uint8_t *buf, size_t len) {
  if (len >= 64 && base_cpu_clmul_sse41()) {
    size_t n = len & ~(size_t)15;
    crc = crc_fold_update(crc, buf, n);
    buf += n;
    len -= n;
  }
  return crc_table_update(crc, buf, len);
}
#else
static uint32_t crc_update(uint32_t crc, const uint8_t *buf, size_t len) { return crc_table_update(crc, buf, len); }
#endif

uint32_t kjs_crc32(const uint8_t *buf, size_t len) { return ~crc_update(0xFFFFFFFFu, buf, len); }

bool kjs_bytecode_is(const uint8_t *buf, size_t len) { return len >= 8 && memcmp(buf, KJS_BYTECODE_MAGIC, 8) == 0; }

uint8_t *kjs_bytecode_compile(JSContext *ctx, const char *name, const char *src, size_t len, bool strip,
                              size_t *out_len) {
  JSValue func = JS_Eval(ctx, src, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
  if (JS_IsException(func)) return NULL;
  size_t size;
  int flags = JS_WRITE_OBJ_BYTECODE | (strip ? JS_WRITE_OBJ_STRIP_SOURCE : 0);
  uint8_t *payload = JS_WriteObject(ctx, &size, func, flags);
  JS_FreeValue(ctx, func);
  if (!payload) return NULL;
  /* The engine's own checksum of the payload (a u32 after its version byte) is turned off: the
   * header's CRC-32 covers every byte of the payload (the engine's hash skips the last four when
   * their count is a multiple of 4) and is checked first, so reading it twice bought nothing but
   * ~0.5 ms of a 1 MB bundle's ~10 ms start. The engine reads the value UINT32_MAX as "not
   * checked" (quickjs.c JS_ReadObject: "allow UINT32_MAX as an escape hatch"). */
  if (size >= 5) memset(payload + 1, 0xFF, 4);
  uint8_t *out = malloc(KJS_BYTECODE_HEADER_SIZE + size);
  if (!out) {
    js_free(ctx, payload);
    JS_ThrowOutOfMemory(ctx);
    return NULL;
  }
  memset(out, 0, KJS_BYTECODE_HEADER_SIZE);
  memcpy(out, KJS_BYTECODE_MAGIC, 8);
  put_le32(out + 8, KJS_BYTECODE_FORMAT);
  strncpy((char *)out + 12, JS_GetVersion(), 15);
  put_le32(out + 28, (uint32_t)size);
  put_le32(out + 32, kjs_crc32(payload, size));
  memcpy(out + KJS_BYTECODE_HEADER_SIZE, payload, size);
  js_free(ctx, payload);
  *out_len = KJS_BYTECODE_HEADER_SIZE + size;
  return out;
}

JSValue kjs_bytecode_load(JSContext *ctx, const uint8_t *buf, size_t len) {
  if (!kjs_bytecode_is(buf, len)) return JS_ThrowTypeError(ctx, "not a k230js bytecode file");
  if (len < KJS_BYTECODE_HEADER_SIZE) return JS_ThrowTypeError(ctx, "bytecode file is truncated (header)");
  uint32_t format = get_le32(buf + 8);
  if (format != KJS_BYTECODE_FORMAT)
    return JS_ThrowTypeError(ctx, "bytecode file format %u is not supported (this runtime reads format %u)", format,
                             KJS_BYTECODE_FORMAT);
  char version[17] = {0};
  memcpy(version, buf + 12, 16);
  if (strcmp(version, JS_GetVersion()) != 0)
    return JS_ThrowTypeError(ctx,
                             "bytecode was compiled for QuickJS-ng %s but this runtime has %s "
                             "(rebuild it with `k230js build --bytecode`)",
                             version, JS_GetVersion());
  uint32_t size = get_le32(buf + 28);
  if (size != len - KJS_BYTECODE_HEADER_SIZE)
    return JS_ThrowTypeError(ctx, "bytecode file is truncated or padded (%zu payload bytes, header says %u)",
                             len - KJS_BYTECODE_HEADER_SIZE, size);
  if (kjs_crc32(buf + KJS_BYTECODE_HEADER_SIZE, size) != get_le32(buf + 32))
    return JS_ThrowTypeError(ctx, "bytecode file is corrupt (checksum mismatch)");
  JSValue obj = JS_ReadObject(ctx, buf + KJS_BYTECODE_HEADER_SIZE, size, JS_READ_OBJ_BYTECODE);
  if (JS_IsException(obj)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    return JS_ThrowTypeError(ctx, "bytecode file is corrupt (the engine could not read it)");
  }
  if (JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE) {
    JS_FreeValue(ctx, obj);
    return JS_ThrowTypeError(ctx, "bytecode file does not hold a module");
  }
  return obj;
}
