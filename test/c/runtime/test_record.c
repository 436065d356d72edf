/* kjs/record.h: fields in order as own data properties (a setter up the prototype chain is never
   called), every value taken even when the object cannot be made, the names' atoms given back, at
   most KJS_RECORD_MAX_FIELDS names. */
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

  /* The names are the owner's references: freeing them gives the atoms back (unique names, so no
     one else holds them). */
  static const char *const unique[] = {"kjsRecordTestA", "kjsRecordTestB"};
  JSMemoryUsage mu;
  JS_ComputeMemoryUsage(rt, &mu);
  int64_t atoms = mu.atom_count;
  kjs_record_names own;
  CHECK_EQ_INT(kjs_record_names_init(ctx, &own, unique, 2), 0);
  JS_ComputeMemoryUsage(rt, &mu);
  CHECK_EQ_INT(mu.atom_count, atoms + 2);
  kjs_record_names_free(rt, &own);
  JS_ComputeMemoryUsage(rt, &mu);
  CHECK_EQ_INT(mu.atom_count, atoms);

  /* Out of memory: JS_EXCEPTION, and every value given is freed all the same. */
  JS_RunGC(rt);
  JS_ComputeMemoryUsage(rt, &mu);
  int64_t objects = mu.obj_count;
  JSValue taken[] = {JS_NewObject(ctx), JS_NewObject(ctx), JS_NewObject(ctx)};
  JS_SetMemoryLimit(rt, 1);
  CHECK(JS_IsException(kjs_record_new(ctx, &names, taken)));
  JS_SetMemoryLimit(rt, (size_t)-1);
  JS_FreeValue(ctx, JS_GetException(ctx));
  JS_RunGC(rt);
  JS_ComputeMemoryUsage(rt, &mu);
  CHECK_EQ_INT(mu.obj_count, objects);

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
  JS_FreeRuntime(rt);
  return CHECK_DONE();
}
