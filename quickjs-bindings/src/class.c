/* Native classes and their tracked instances (kjs/class.h). Every class made here is registered
 * with a finalizer and gc_mark of our own that keep the VM's registry (registry.h) in step and
 * call the class's own ones. */
#include "kjs/class.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* Our classes' ids come from a range of our own, handed out once per process and the same in
 * every runtime. The engine's JS_NewClassID counts per runtime from JS_CLASS_INIT_COUNT (67 in
 * this engine) and leaves an id already set untouched, so a class made first in a later runtime
 * (after a soft reset) got an id an earlier runtime had given another class, one this runtime
 * had registered again: its objects became that class's (a Sensor counted, and was finalized,
 * as an Mp4Muxer). quickjs-libc's classes (qjs:std's FILE, Worker) still take ids from that
 * counter in each runtime, one per class: two ids past the built-in classes, far below this
 * range. */
enum { ID_BASE = 128, ID_MAX = 64 };

/* The class's own definition, by class id. Each slot is written once, under `lock` (VMs on
 * other threads may make classes too), and never moved: finalizers read it without the lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const JSClassDef *defs[ID_MAX];
static JSClassID next_id = ID_BASE;

static const JSClassDef *def_of(JSClassID id) {
  return id >= ID_BASE && id < ID_BASE + ID_MAX ? __atomic_load_n(&defs[id - ID_BASE], __ATOMIC_ACQUIRE) : NULL;
}

/* Gives *id its process-wide value on its first use (0 if the range is full). */
static JSClassID class_id_of(JSClassID *id, const JSClassDef *def) {
  pthread_mutex_lock(&lock);
  if (*id == 0 && next_id < ID_BASE + ID_MAX) {
    __atomic_store_n(&defs[next_id - ID_BASE], def, __ATOMIC_RELEASE);
    *id = next_id++;
  }
  JSClassID got = *id;
  pthread_mutex_unlock(&lock);
  return got;
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
  JSClassID cid = class_id_of(id, def);
  if (!cid)
    return JS_ThrowInternalError(ctx, "%s: more native classes than the %d kjs_class_create has ids for",
                                 def->class_name, ID_MAX);
  if (!JS_IsRegisteredClass(rt, cid)) {
    JSClassDef tracked = *def;
    tracked.finalizer = tracked_finalizer;
    tracked.gc_mark = def->gc_mark ? tracked_gc_mark : NULL;
    if (JS_NewClass(rt, cid, &tracked) < 0) return JS_EXCEPTION;
  }
  JSValue proto = JS_NewObject(ctx);
  if (JS_IsException(proto)) return proto;
  if (JS_SetPropertyFunctionList(ctx, proto, funcs, nfuncs) < 0) {
    JS_FreeValue(ctx, proto);
    return JS_EXCEPTION;
  }
  if (!ctor) {
    JS_SetClassProto(ctx, cid, proto);
    return JS_UNDEFINED;
  }
  JSValue cls = JS_NewCFunction2(ctx, ctor, def->class_name, ctor_argc, JS_CFUNC_constructor, 0);
  if (JS_IsException(cls)) {
    JS_FreeValue(ctx, proto);
    return cls;
  }
  JS_SetConstructor(ctx, cls, proto);
  JS_SetClassProto(ctx, cid, proto); /* takes ownership of proto */
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
  if (e->kind == KJS_REG_OBJECT && !e->released && def_of(e->class_id)) counts[e->class_id - ID_BASE]++;
}

JSValue kjs_class_live_counts(JSContext *ctx) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  kjs_registry *r = kjs_registry_of(rt);
  int counts[ID_MAX] = {0};
  if (r) kjs_registry_each(r, count_one, counts);
  JSValue o = JS_NewObject(ctx);
  for (JSClassID id = ID_BASE; id < ID_BASE + ID_MAX && !JS_IsException(o); id++)
    if (def_of(id) && JS_IsRegisteredClass(rt, id))
      JS_SetPropertyStr(ctx, o, def_of(id)->class_name, JS_NewInt32(ctx, counts[id - ID_BASE]));
  return o;
}
