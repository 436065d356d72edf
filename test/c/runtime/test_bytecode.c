/* kjs/bytecode.h: round trip, and every kind of bad file gives a clear error. */
#include <stdlib.h>

#include "check.h"
#include "kjs/bytecode.h"

static char *error_text(JSContext *ctx) {
  static char buf[512];
  JSValue exc = JS_GetException(ctx);
  const char *s = JS_ToCString(ctx, exc);
  snprintf(buf, sizeof buf, "%s", s ? s : "");
  JS_FreeCString(ctx, s);
  JS_FreeValue(ctx, exc);
  return buf;
}

int main(void) {
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  const char *src = "export const answer = 6 * 7;\n";
  size_t len;
  uint8_t *bc = kjs_bytecode_compile(ctx, "t.js", src, strlen(src), false, &len);
  CHECK(bc != NULL);
  CHECK(kjs_bytecode_is(bc, len));
  CHECK(len > KJS_BYTECODE_HEADER_SIZE);

  JSValue m = kjs_bytecode_load(ctx, bc, len);
  CHECK(!JS_IsException(m));
  CHECK(JS_ResolveModule(ctx, m) == 0);
  JSValue r = JS_EvalFunction(ctx, m);
  CHECK(!JS_IsException(r));
  JS_FreeValue(ctx, r);

  uint8_t *copy = malloc(len);

  memcpy(copy, bc, len);
  memcpy(copy + 12, "0.16.2\0\0\0\0\0\0\0\0\0\0", 16);
  CHECK(JS_IsException(kjs_bytecode_load(ctx, copy, len)));
  CHECK(strstr(error_text(ctx), "compiled for QuickJS-ng 0.16.2") != NULL);

  memcpy(copy, bc, len);
  copy[len - 3] ^= 0x55;
  CHECK(JS_IsException(kjs_bytecode_load(ctx, copy, len)));
  CHECK(strstr(error_text(ctx), "checksum") != NULL);

  /* The engine's own checksum is off (the CRC-32 covers the payload): every payload byte, the
     last four included, is still checked, whatever the payload's length. */
  static const uint8_t unchecked[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  CHECK(memcmp(bc + KJS_BYTECODE_HEADER_SIZE + 1, unchecked, 4) == 0);
  for (size_t at = KJS_BYTECODE_HEADER_SIZE; at < len; at++) {
    memcpy(copy, bc, len);
    copy[at] ^= 0x01;
    CHECK(JS_IsException(kjs_bytecode_load(ctx, copy, len)));
    CHECK(strstr(error_text(ctx), "checksum mismatch") != NULL);
  }

  CHECK(JS_IsException(kjs_bytecode_load(ctx, bc, len - 5)));
  CHECK(strstr(error_text(ctx), "truncated") != NULL);

  CHECK(JS_IsException(kjs_bytecode_load(ctx, bc, 20)));
  CHECK(strstr(error_text(ctx), "truncated (header)") != NULL);

  memcpy(copy, bc, len);
  copy[8] = 9;
  CHECK(JS_IsException(kjs_bytecode_load(ctx, copy, len)));
  CHECK(strstr(error_text(ctx), "format 9") != NULL);

  /* A syntax error leaves the exception for the caller. */
  CHECK(kjs_bytecode_compile(ctx, "bad.js", "let x = ;", 9, false, &len) == NULL);
  CHECK(strstr(error_text(ctx), "SyntaxError") != NULL);

  CHECK_EQ_INT(kjs_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
  /* The table loop (eight bytes a step) and, from 64 bytes on where the CPU has it, the
     carry-less multiplication folding agree with the bit-by-bit definition at every length and
     alignment. */
  static uint8_t data[1100];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 37 + (i >> 3) + (i * i >> 7));
  for (size_t at = 0; at < 8; at++)
    for (size_t n = 0; at + n <= sizeof data; n += n < 300 ? 1 : 13) {
      uint32_t crc = 0xFFFFFFFFu;
      for (size_t i = 0; i < n; i++) {
        crc ^= data[at + i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
      }
      CHECK_EQ_INT(kjs_crc32(data + at, n), ~crc);
    }

  free(copy);
  free(bc);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return CHECK_DONE();
}
