/* Named events on native objects (kjs/events.h). */
#include "kjs/events.h"

#include <stdio.h>
#include <string.h>

#include "kjs/vm.h"

int kjs_events_init(JSContext *ctx, kjs_events *e, const char *const *names) {
  e->names = names;
  for (int i = 0; i < KJS_EVENTS_MAX; i++) {
    e->lists[i] = JS_UNDEFINED;
    e->counts[i] = 0;
  }
  for (int i = 0; names[i] && i < KJS_EVENTS_MAX; i++) {
    e->lists[i] = JS_NewArray(ctx);
    if (JS_IsException(e->lists[i])) return -1;
  }
  return 0;
}

void kjs_events_free(JSRuntime *rt, kjs_events *e) {
  for (int i = 0; i < KJS_EVENTS_MAX; i++) {
    JS_FreeValueRT(rt, e->lists[i]);
    e->lists[i] = JS_UNDEFINED;
    e->counts[i] = 0;
  }
}

void kjs_events_mark(JSRuntime *rt, const kjs_events *e, JS_MarkFunc *mark_func) {
  for (int i = 0; i < KJS_EVENTS_MAX; i++) JS_MarkValue(rt, e->lists[i], mark_func);
}

int kjs_events_index(const kjs_events *e, const char *name) {
  for (int i = 0; name && e->names[i] && i < KJS_EVENTS_MAX; i++)
    if (strcmp(name, e->names[i]) == 0) return i;
  return -1;
}

static uint32_t list_length(JSContext *ctx, JSValueConst list) {
  uint32_t len = 0;
  JSValue lv = JS_GetPropertyStr(ctx, list, "length");
  JS_ToUint32(ctx, &len, lv);
  JS_FreeValue(ctx, lv);
  return len;
}

JSValue kjs_events_on(JSContext *ctx, kjs_events *e, JSValueConst this_val, int argc, JSValueConst *argv,
                      const char *fn, bool off) {
  const char *name = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  int idx = kjs_events_index(e, name);
  JS_FreeCString(ctx, name);
  if (idx < 0) {
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; e->names[i] && n < sizeof list; i++)
      n += (size_t)snprintf(list + n, sizeof list - n, "%s\"%s\"",
                            i == 0            ? ""
                            : e->names[i + 1] ? ", "
                                              : " or ",
                            e->names[i]);
    return JS_ThrowTypeError(ctx, "%s: event must be %s", fn, list);
  }
  if (argc < 2 || !JS_IsFunction(ctx, argv[1])) return JS_ThrowTypeError(ctx, "%s: listener must be a function", fn);
  JSValue list = e->lists[idx];
  uint32_t len = list_length(ctx, list);
  if (!off) {
    JS_SetPropertyUint32(ctx, list, len, JS_DupValue(ctx, argv[1]));
    e->counts[idx] = (int)len + 1;
    return JS_DupValue(ctx, this_val);
  }
  for (uint32_t i = 0; i < len; i++) {
    JSValue f = JS_GetPropertyUint32(ctx, list, i);
    bool same = JS_IsStrictEqual(ctx, f, argv[1]);
    JS_FreeValue(ctx, f);
    if (!same) continue;
    JSValue splice = JS_GetPropertyStr(ctx, list, "splice");
    JSValue args[2] = {JS_NewUint32(ctx, i), JS_NewInt32(ctx, 1)};
    JS_FreeValue(ctx, JS_Call(ctx, splice, list, 2, args));
    JS_FreeValue(ctx, splice);
    e->counts[idx] = (int)len - 1;
    break;
  }
  return JS_DupValue(ctx, this_val);
}

void kjs_events_emit(JSContext *ctx, const kjs_events *e, int index, JSValueConst this_val, JSValueConst ev) {
  if (index < 0 || index >= KJS_EVENTS_MAX || !e->counts[index]) return;
  kjs_vm *vm = kjs_vm_from_context(ctx);
  /* A copy of the list: listeners may add or remove listeners. */
  JSValue slice = JS_GetPropertyStr(ctx, e->lists[index], "slice");
  JSValue copy = JS_Call(ctx, slice, e->lists[index], 0, NULL);
  JS_FreeValue(ctx, slice);
  uint32_t len = list_length(ctx, copy);
  for (uint32_t k = 0; k < len && !kjs_vm_stopping(vm); k++) {
    JSValue fn = JS_GetPropertyUint32(ctx, copy, k);
    kjs_vm_call(vm, fn, this_val, 1, &ev);
    JS_FreeValue(ctx, fn);
  }
  JS_FreeValue(ctx, copy);
}
