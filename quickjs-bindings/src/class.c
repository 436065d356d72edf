/* Native class definition helpers (kjs/class.h). */
#include "kjs/class.h"

JSValue kjs_class_create(JSContext *ctx, JSClassID *id, const JSClassDef *def, JSCFunction *ctor, int ctor_argc,
                         const JSCFunctionListEntry *funcs, int nfuncs) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  JS_NewClassID(rt, id);
  if (!JS_IsRegisteredClass(rt, *id) && JS_NewClass(rt, *id, def) < 0) return JS_EXCEPTION;
  JSValue proto = JS_NewObject(ctx);
  if (JS_IsException(proto)) return proto;
  if (JS_SetPropertyFunctionList(ctx, proto, funcs, nfuncs) < 0) {
    JS_FreeValue(ctx, proto);
    return JS_EXCEPTION;
  }
  if (!ctor) {
    JS_SetClassProto(ctx, *id, proto);
    return JS_UNDEFINED;
  }
  JSValue cls = JS_NewCFunction2(ctx, ctor, def->class_name, ctor_argc, JS_CFUNC_constructor, 0);
  if (JS_IsException(cls)) {
    JS_FreeValue(ctx, proto);
    return cls;
  }
  JS_SetConstructor(ctx, cls, proto);
  JS_SetClassProto(ctx, *id, proto); /* takes ownership of proto */
  return cls;
}

JSValue kjs_class_new_instance(JSContext *ctx, JSValueConst new_target, JSClassID id) {
  JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
  if (JS_IsException(proto)) return proto;
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, id);
  JS_FreeValue(ctx, proto);
  return obj;
}
