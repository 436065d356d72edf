/* Native classes and their tracked instances (kjs/class.h). Every class made here is registered
 * with a finalizer and gc_mark of our own that keep the VM's registry (registry.h) in step and
 * call the class's own ones. */
#include "kjs/class.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* The class's own definition, by class id (ids are process-wide). */
static const JSClassDef **defs;
static JSClassID ndefs;

static const JSClassDef *def_of(JSClassID id) { return id < ndefs ? defs[id] : NULL; }

static int remember_def(JSClassID id, const JSClassDef *def) {
  if (id >= ndefs) {
    JSClassID n = id + 16;
    const JSClassDef **d = realloc(defs, n * sizeof *d);
    if (!d) return -1;
    memset(d + ndefs, 0, (n - ndefs) * sizeof *d);
    defs = d;
    ndefs = n;
  }
  defs[id] = def;
  return 0;
}

static void tracked_finalizer(JSRuntime *rt, JSValueConst val) {
  const JSClassDef *def = def_of(JS_GetClassID(val));
  kjs_registry *r = kjs_registry_of(rt);
  void *p = JS_VALUE_GET_PTR(val);
  bool released = false;
  if (r) {
    kjs_reg_entry *e = kjs_registry_find(r, p);
    if (!e) {
      /* Made without kjs_class_new_instance(): a teardown could not release it. */
      fprintf(stderr, "k230js: internal error: a %s was not made by kjs_class_new_instance()\n",
              def ? def->class_name : "native object");
      abort();
    }
    released = e->released;
    kjs_registry_remove(r, p);
  }
  if (!released && def && def->finalizer) def->finalizer(rt, val);
}

static void tracked_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  const JSClassDef *def = def_of(JS_GetClassID(val));
  kjs_registry *r = kjs_registry_of(rt);
  kjs_reg_entry *e = r ? kjs_registry_find(r, JS_VALUE_GET_PTR(val)) : NULL;
  if (e && e->released) return; /* its references were given up by its finalizer */
  if (def && def->gc_mark) def->gc_mark(rt, val, mark);
}

JSValue kjs_class_create(JSContext *ctx, JSClassID *id, const JSClassDef *def, JSCFunction *ctor, int ctor_argc,
                         const JSCFunctionListEntry *funcs, int nfuncs) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  JS_NewClassID(rt, id);
  if (!JS_IsRegisteredClass(rt, *id)) {
    if (remember_def(*id, def) < 0) return JS_ThrowOutOfMemory(ctx);
    JSClassDef tracked = *def;
    tracked.finalizer = tracked_finalizer;
    tracked.gc_mark = def->gc_mark ? tracked_gc_mark : NULL;
    if (JS_NewClass(rt, *id, &tracked) < 0) return JS_EXCEPTION;
  }
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
  kjs_registry *r = kjs_registry_of(JS_GetRuntime(ctx));
  if (r && kjs_registry_reserve(r) < 0) return JS_ThrowOutOfMemory(ctx);
  JSValue proto =
      JS_IsUndefined(new_target) ? JS_GetClassProto(ctx, id) : JS_GetPropertyStr(ctx, new_target, "prototype");
  if (JS_IsException(proto)) return proto;
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, id);
  JS_FreeValue(ctx, proto);
  if (!JS_IsException(obj) && r) kjs_registry_add(r, JS_VALUE_GET_PTR(obj), KJS_REG_OBJECT, id);
  return obj;
}

bool kjs_class_is_live(JSRuntime *rt, JSValueConst obj) {
  if (!JS_IsLiveObject(rt, obj)) return false;
  kjs_registry *r = kjs_registry_of(rt);
  kjs_reg_entry *e = r && JS_IsObject(obj) ? kjs_registry_find(r, JS_VALUE_GET_PTR(obj)) : NULL;
  return !(e && e->released);
}

int kjs_class_release_all(JSRuntime *rt, char *names, size_t names_size) {
  kjs_registry *r = kjs_registry_of(rt);
  if (names_size) names[0] = 0;
  if (!r) return 0;
  int n = 0;
  size_t len = 0;
  kjs_reg_entry *e;
  /* Mark first, then finalize: another finalizer that runs meanwhile (a reference this one
   * drops) must already see the object as gone. A finalizer may remove entries: ask again. */
  while ((e = kjs_registry_any(r, KJS_REG_OBJECT))) {
    e->released = true;
    void *p = e->obj;
    const JSClassDef *def = def_of(e->class_id);
    JSValue obj = JS_MKPTR(JS_TAG_OBJECT, p);
    if (names && len + 1 < names_size)
      len += (size_t)snprintf(names + len, names_size - len, "%s%s", n ? ", " : "", def ? def->class_name : "?");
    n++;
    if (def && def->finalizer) def->finalizer(rt, obj);
    /* Still tracked unless the finalizer dropped the last reference to the object itself. */
    if (kjs_registry_find(r, p)) JS_SetOpaque(obj, NULL);
  }
  return n;
}

static void count_one(const kjs_reg_entry *e, void *user) {
  int *counts = user;
  if (e->kind == KJS_REG_OBJECT && !e->released && e->class_id < ndefs) counts[e->class_id]++;
}

JSValue kjs_class_live_counts(JSContext *ctx) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  kjs_registry *r = kjs_registry_of(rt);
  int *counts = calloc(ndefs ? ndefs : 1, sizeof *counts);
  if (!counts) return JS_ThrowOutOfMemory(ctx);
  if (r) kjs_registry_each(r, count_one, counts);
  JSValue o = JS_NewObject(ctx);
  for (JSClassID id = 0; id < ndefs && !JS_IsException(o); id++)
    if (defs[id] && JS_IsRegisteredClass(rt, id))
      JS_SetPropertyStr(ctx, o, defs[id]->class_name, JS_NewInt32(ctx, counts[id]));
  free(counts);
  return o;
}
