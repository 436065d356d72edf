/* Plain objects with a fixed set of interned fields (kjs/record.h). */
#include "kjs/record.h"

int kjs_record_names_init(JSContext *ctx, kjs_record_names *n, const char *const *names, int count) {
  n->count = 0;
  if (count > KJS_RECORD_MAX_FIELDS) {
    JS_ThrowInternalError(ctx, "a record has at most %d fields", KJS_RECORD_MAX_FIELDS);
    return -1;
  }
  for (; n->count < count; n->count++) {
    n->atom[n->count] = JS_NewAtom(ctx, names[n->count]);
    if (n->atom[n->count] == JS_ATOM_NULL) {
      kjs_record_names_free(JS_GetRuntime(ctx), n);
      return -1;
    }
  }
  return 0;
}

void kjs_record_names_free(JSRuntime *rt, kjs_record_names *n) {
  for (int i = 0; i < n->count; i++) JS_FreeAtomRT(rt, n->atom[i]);
  n->count = 0;
}

JSValue kjs_record_new(JSContext *ctx, const kjs_record_names *n, JSValue *values) {
  JSValue o = JS_NewObject(ctx);
  int i = 0;
  if (!JS_IsException(o))
    while (i < n->count && JS_DefinePropertyValue(ctx, o, n->atom[i], values[i], JS_PROP_C_W_E) >= 0) i++;
  if (i == n->count) return o;
  if (!JS_IsException(o)) i++; /* JS_DefinePropertyValue took the value it failed on */
  for (; i < n->count; i++) JS_FreeValue(ctx, values[i]);
  JS_FreeValue(ctx, o);
  return JS_EXCEPTION;
}
