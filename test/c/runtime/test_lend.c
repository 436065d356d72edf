/* kjs/lend.h: every loan returns exactly once (revoke, GC, or at once when empty). */
#include "check.h"
#include "kjs/lend.h"

static int returned;
static void on_return(JSRuntime *rt, void *opaque) { returned += *(int *)opaque; }

int main(void) {
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JSValue owner = JS_NewObject(ctx);
  static uint8_t memory[64];
  int one = 1;

  /* Revoked: detached, returned once, a second revoke is a no-op. */
  JSValue ab = kjs_lend_buffer(ctx, memory, sizeof memory, owner, on_return, &one);
  size_t len;
  CHECK(JS_GetArrayBuffer(ctx, &len, ab) == memory);
  CHECK_EQ_INT(len, 64);
  CHECK_EQ_INT(returned, 0);
  kjs_lend_revoke(ctx, ab);
  CHECK_EQ_INT(returned, 1);
  kjs_lend_revoke(ctx, ab);
  CHECK_EQ_INT(returned, 1);
  JS_FreeValue(ctx, ab);
  CHECK_EQ_INT(returned, 1);

  /* Dropped by JS: returned when the buffer is freed. */
  ab = kjs_lend_buffer(ctx, memory, 8, owner, on_return, &one);
  JS_FreeValue(ctx, ab);
  CHECK_EQ_INT(returned, 2);

  /* Empty: returned before kjs_lend_buffer returns, and the buffer is an ordinary one. */
  ab = kjs_lend_buffer(ctx, NULL, 0, owner, on_return, &one);
  CHECK_EQ_INT(returned, 3);
  CHECK(!JS_IsException(ab));
  JS_FreeValue(ctx, ab);
  CHECK_EQ_INT(returned, 3);

  JS_FreeValue(ctx, owner);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return CHECK_DONE();
}
