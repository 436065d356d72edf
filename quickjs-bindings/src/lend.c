/* Zero-copy ArrayBuffers over native memory (kjs/lend.h). Every loan is in the VM's registry
 * (registry.h) until it returns, so a VM teardown can give them all back first. */
#include "kjs/lend.h"

#include <stdlib.h>

#include "registry.h"

typedef struct loan {
  JSValue owner;
  kjs_lend_return_fn *on_return;
  void *opaque;
  void *buffer; /* the ArrayBuffer object: its registry key */
} loan;

/* The engine calls this with size 0 when the buffer is detached or finalized; a lent buffer
 * can never be resized. */
static void *loan_realloc(JSRuntime *rt, void *opaque, void *ptr, size_t size) {
  (void)ptr;
  if (size != 0) return NULL;
  loan *l = opaque;
  kjs_registry *r = kjs_registry_of(rt);
  if (r) kjs_registry_remove(r, l->buffer);
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
  kjs_registry *r = kjs_registry_of(JS_GetRuntime(ctx));
  loan *l = malloc(sizeof *l);
  if (!l || (r && kjs_registry_reserve(r) < 0)) {
    free(l);
    return JS_ThrowOutOfMemory(ctx);
  }
  *l = (loan){JS_DupValue(ctx, owner), on_return, opaque, NULL};
  JSValue ab = JS_NewArrayBuffer(ctx, (uint8_t *)data, len, 0, loan_realloc, l, false);
  if (JS_IsException(ab)) {
    JS_FreeValue(ctx, l->owner);
    free(l);
    return ab;
  }
  l->buffer = JS_VALUE_GET_PTR(ab);
  if (r) kjs_registry_add(r, l->buffer, KJS_REG_LOAN, 0);
  return ab;
}

void kjs_lend_revoke(JSContext *ctx, JSValueConst buffer) { JS_DetachArrayBuffer(ctx, buffer); }

int kjs_lend_revoke_all(JSContext *ctx) {
  kjs_registry *r = kjs_registry_of(JS_GetRuntime(ctx));
  int n = 0;
  kjs_reg_entry *e;
  /* Each revoke removes its entry (loan_realloc); on_return may revoke others: ask again. */
  while (r && (e = kjs_registry_any(r, KJS_REG_LOAN))) {
    void *buffer = e->obj;
    JS_DetachArrayBuffer(ctx, JS_MKPTR(JS_TAG_OBJECT, buffer));
    kjs_registry_remove(r, buffer); /* already gone unless the engine skipped loan_realloc */
    n++;
  }
  return n;
}
