/*
 * kjs/events.h — named events on native objects: `on(event, listener)` / `off(...)` and the
 * emitting side (RtspServer, LAN/WLAN, Player).
 *
 * The listener lists are JS arrays held by the native object: it initialises them in its
 * constructor, reports them from its gc_mark (kjs_events_mark) and frees them in its finalizer
 * (kjs_events_free). Emit only from the loop thread, never from inside a finalizer.
 */
#ifndef KJS_EVENTS_H
#define KJS_EVENTS_H

#include <stdbool.h>

#include "quickjs.h"

#define KJS_EVENTS_MAX 8

typedef struct kjs_events {
  const char *const *names; /* NULL-terminated, at most KJS_EVENTS_MAX; static */
  JSValue lists[KJS_EVENTS_MAX];
  int counts[KJS_EVENTS_MAX]; /* list lengths, readable without touching JS (e.g. to skip work) */
} kjs_events;

/* Every list empty. -1 with an exception pending on failure (then kjs_events_free is still safe). */
int kjs_events_init(JSContext *ctx, kjs_events *e, const char *const *names);
void kjs_events_free(JSRuntime *rt, kjs_events *e);
void kjs_events_mark(JSRuntime *rt, const kjs_events *e, JS_MarkFunc *mark_func);

/* The index of event `name`, -1 when it is not one of them. */
int kjs_events_index(const kjs_events *e, const char *name);

/* The body of `on(event, listener)` (off: `off(...)`): TypeError naming `fn` for an unknown event
 * or a listener that is not a function; returns this_val (dup'd) or JS_EXCEPTION. */
JSValue kjs_events_on(JSContext *ctx, kjs_events *e, JSValueConst this_val, int argc, JSValueConst *argv,
                      const char *fn, bool off);

/* Calls the listeners of event `index` in order with (ev), `this` = this_val, each as a task
 * (kjs_vm_call: an exception stops the VM). A listener may add or remove listeners: those
 * registered when the emit started are the ones called. Stops early when the VM is stopping. */
void kjs_events_emit(JSContext *ctx, const kjs_events *e, int index, JSValueConst this_val, JSValueConst ev);

#endif
