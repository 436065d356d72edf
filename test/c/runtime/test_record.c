/* kjs/record.h: fields in order as own data properties (a setter up the prototype chain is never
   called), every value taken, at most KJS_RECORD_MAX_FIELDS names. */
#include <string.h>

#include "check.h"
#include "kjs/record.h"

static JSValue eval(JSContext *ctx, const char *src) {
  return JS_Eval(ctx, src, strlen(src), "<test>", JS_EVAL_TYPE_GLOBAL);
}

int main(void) {
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  static const char *const fields[] = {"data", "ptsUs", "eof"};
  kjs_record_names names;
  CHECK_EQ_INT(kjs_record_names_init(ctx, &names, fields, 3), 0);
  CHECK_EQ_INT(names.count, 3);

  /* A setter for "data" on Object.prototype: a record's own field must not reach it. */
  JS_FreeValue(ctx, eval(ctx,
                         "globalThis.setterCalls = 0; Object.defineProperty(Object.prototype, 'data', "
                         "{ set(v) { setterCalls++; }, configurable: true });"));
  JSValue values[] = {JS_NewString(ctx, "bytes"), JS_NewInt64(ctx, 40000), JS_FALSE};
  JSValue r = kjs_record_new(ctx, &names, values);
  CHECK(JS_IsObject(r));
  JSValue global = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, global, "r", r); /* takes r */
  JSValue got = eval(ctx,
                     "JSON.stringify([Object.keys(r), r.data, r.ptsUs, r.eof, setterCalls, "
                     "Object.getOwnPropertyDescriptor(r, 'data').writable])");
  const char *s = JS_ToCString(ctx, got);
  CHECK(s && !strcmp(s, "[[\"data\",\"ptsUs\",\"eof\"],\"bytes\",40000,false,0,true]"));
  JS_FreeCString(ctx, s);
  JS_FreeValue(ctx, got);
  JS_FreeValue(ctx, global);

  /* Too many names: an exception, nothing to free. */
  static const char *const many[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  kjs_record_names too;
  CHECK_EQ_INT(kjs_record_names_init(ctx, &too, many, 9), -1);
  CHECK_EQ_INT(too.count, 0);
  JS_FreeValue(ctx, JS_GetException(ctx));

  kjs_record_names_free(rt, &names);
  CHECK_EQ_INT(names.count, 0);
  kjs_record_names_free(rt, &names); /* twice: harmless */
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt); /* asserts, in a debug engine, that nothing leaked */
  return CHECK_DONE();
}
