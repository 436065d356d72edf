/* setTimeout / setInterval on the VM's loop. Each JS timer owns its callback and arguments. */
#include "kjs/timers.h"

#include <stdlib.h>

#include "hal/clock.h"
#include "kjs/loop.h"
#include "kjs/vm.h"
#include "vm_internal.h"

typedef struct js_timer {
  struct js_timer *next;
  kjs_timers *owner;
  uint32_t id;          /* the number JS sees */
  uint64_t loop_timer;  /* the loop's id for the pending expiry */
  uint64_t interval_ms; /* 0 for a one-shot */
  uint64_t due_us;      /* an interval's current tick on hal_clock_us(): the next is one interval on */
  JSValue fn;
  int argc;
  JSValue *argv;
} js_timer;

struct kjs_timers {
  kjs_vm *vm;
  js_timer *list;
  uint32_t next_id;
};

kjs_timers *kjs_timers_new(kjs_vm *vm) {
  kjs_timers *t = calloc(1, sizeof *t);
  if (t) t->vm = vm;
  return t;
}

static void timer_free(JSContext *ctx, js_timer *jt) {
  JS_FreeValue(ctx, jt->fn);
  for (int i = 0; i < jt->argc; i++) JS_FreeValue(ctx, jt->argv[i]);
  free(jt->argv);
  free(jt);
}

static js_timer *unlink_timer(kjs_timers *t, uint32_t id) {
  for (js_timer **pp = &t->list; *pp; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      js_timer *jt = *pp;
      *pp = jt->next;
      return jt;
    }
  }
  return NULL;
}

void kjs_timers_free(kjs_timers *t) {
  if (!t) return;
  JSContext *ctx = kjs_vm_context(t->vm);
  kjs_loop *loop = kjs_vm_loop(t->vm);
  while (t->list) {
    js_timer *jt = t->list;
    t->list = jt->next;
    kjs_loop_timer_cancel(loop, jt->loop_timer);
    timer_free(ctx, jt);
  }
  free(t);
}

static kjs_timers *timers_of(JSContext *ctx);

/* An interval ticks at start + k * interval, however late each callback ran, so it does not drift
 * (a 5 s status line of a 10 s run comes at 5 s and at 10 s, before a 10 s timeout started just
 * after it). Ticks missed while the loop was busy are skipped, not run in a burst. The delay is
 * rounded down: the loop counts whole ms, and a tick must not fall behind a later timer's. */
static uint64_t next_tick_ms(js_timer *jt) {
  uint64_t now = hal_clock_us(), step = jt->interval_ms * 1000u;
  jt->due_us += step;
  if (jt->due_us <= now) jt->due_us += ((now - jt->due_us) / step + 1) * step;
  return (jt->due_us - now) / 1000u;
}

static void on_expire(kjs_loop *loop, uint64_t loop_id, void *user) {
  (void)loop_id;
  js_timer *jt = user;
  kjs_timers *t = jt->owner;
  JSContext *ctx = kjs_vm_context(t->vm);
  /* The callback may clear (and so free) its own interval: call with our own references. */
  int argc = jt->argc;
  JSValue fn = JS_DupValue(ctx, jt->fn);
  JSValue *args = argc ? malloc((size_t)argc * sizeof *args) : NULL;
  if (argc && !args) argc = 0;
  for (int i = 0; i < argc; i++) args[i] = JS_DupValue(ctx, jt->argv[i]);
  if (jt->interval_ms) {
    jt->loop_timer = kjs_loop_timer_start(loop, next_tick_ms(jt), on_expire, jt);
  } else {
    unlink_timer(t, jt->id);
    timer_free(ctx, jt);
  }
  kjs_vm_call(t->vm, fn, JS_UNDEFINED, argc, (JSValueConst *)args);
  for (int i = 0; i < argc; i++) JS_FreeValue(ctx, args[i]);
  free(args);
  JS_FreeValue(ctx, fn);
}

static JSValue set_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int repeat) {
  (void)this_val;
  kjs_timers *t = timers_of(ctx);
  if (argc < 1 || !JS_IsFunction(ctx, argv[0]))
    return JS_ThrowTypeError(ctx, "%s: callback must be a function", repeat ? "setInterval" : "setTimeout");
  double delay = 0;
  if (argc > 1 && JS_ToFloat64(ctx, &delay, argv[1]) < 0) return JS_EXCEPTION;
  if (!(delay >= 1)) delay = repeat ? 1 : 0; /* NaN, negative and < 1 behave like the web's 0/1 */
  if (delay > 2147483647.0) delay = 2147483647.0;
  js_timer *jt = calloc(1, sizeof *jt);
  if (!jt) return JS_ThrowOutOfMemory(ctx);
  jt->owner = t;
  jt->fn = JS_DupValue(ctx, argv[0]);
  jt->argc = argc > 2 ? argc - 2 : 0;
  if (jt->argc) {
    jt->argv = malloc((size_t)jt->argc * sizeof *jt->argv);
    if (!jt->argv) {
      JS_FreeValue(ctx, jt->fn);
      free(jt);
      return JS_ThrowOutOfMemory(ctx);
    }
    for (int i = 0; i < jt->argc; i++) jt->argv[i] = JS_DupValue(ctx, argv[i + 2]);
  }
  jt->id = ++t->next_id;
  if (jt->id == 0) jt->id = ++t->next_id;
  jt->interval_ms = repeat ? (uint64_t)delay : 0;
  jt->due_us = hal_clock_us() + (uint64_t)delay * 1000u;
  jt->loop_timer = kjs_loop_timer_start(kjs_vm_loop(t->vm), (uint64_t)delay, on_expire, jt);
  jt->next = t->list;
  t->list = jt;
  return JS_NewUint32(ctx, jt->id);
}

static JSValue clear_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  uint32_t id;
  if (argc < 1 || JS_IsUndefined(argv[0]) || JS_IsNull(argv[0])) return JS_UNDEFINED;
  if (JS_ToUint32(ctx, &id, argv[0]) < 0) return JS_EXCEPTION;
  kjs_timers *t = timers_of(ctx);
  js_timer *jt = unlink_timer(t, id);
  if (jt) {
    kjs_loop_timer_cancel(kjs_vm_loop(t->vm), jt->loop_timer);
    timer_free(ctx, jt);
  }
  return JS_UNDEFINED;
}

static const JSCFunctionListEntry timer_funcs[] = {
    JS_CFUNC_MAGIC_DEF("setTimeout", 2, set_timer, 0),
    JS_CFUNC_MAGIC_DEF("setInterval", 2, set_timer, 1),
    JS_CFUNC_DEF("clearTimeout", 1, clear_timer),
    JS_CFUNC_DEF("clearInterval", 1, clear_timer),
};

static kjs_timers *timers_of(JSContext *ctx) { return kjs_vm_timers(kjs_vm_from_context(ctx)); }

int kjs_timers_install(JSContext *ctx) {
  JSValue global = JS_GetGlobalObject(ctx);
  JS_SetPropertyFunctionList(ctx, global, timer_funcs, sizeof timer_funcs / sizeof timer_funcs[0]);
  JS_FreeValue(ctx, global);
  return 0;
}
