/* Zero-copy ArrayBuffers over native memory (kjs/lend.h). */
#include "kjs/lend.h"

#include <stdlib.h>

typedef struct loan {
  JSValue owner;
  kjs_lend_return_fn *on_return;
  void *opaque;
} loan;

/* The engine calls this with size 0 when the buffer is detached or finalized; a lent buffer
 * can never be resized. */
static void *loan_realloc(JSRuntime *rt, void *opaque, void *ptr, size_t size) {
  (void)ptr;
  if (size != 0) return NULL;
  loan *l = opaque;
  if (l->on_return) l->on_return(rt, l->opaque);
  JS_FreeValueRT(rt, l->owner);
  free(l);
  return NULL;
}

JSValue kjs_lend_buffer(JSContext *ctx, const uint8_t *data, size_t len, JSValueConst owner,
                        kjs_lend_return_fn *on_return, void *opaque) {
  if (len == 0) {
    /* Nothing to alias: the engine never hands an empty buffer's memory back, so the loan ends
     * here and JS gets an ordinary empty ArrayBuffer. */
    if (on_return) on_return(JS_GetRuntime(ctx), opaque);
    return JS_NewArrayBufferCopy(ctx, NULL, 0);
  }
  loan *l = malloc(sizeof *l);
  if (!l) return JS_ThrowOutOfMemory(ctx);
  *l = (loan){JS_DupValue(ctx, owner), on_return, opaque};
  JSValue ab = JS_NewArrayBuffer(ctx, (uint8_t *)data, len, 0, loan_realloc, l, false);
  if (JS_IsException(ab)) {
    JS_FreeValue(ctx, l->owner);
    free(l);
  }
  return ab;
}

void kjs_lend_revoke(JSContext *ctx, JSValueConst buffer) { JS_DetachArrayBuffer(ctx, buffer); }
