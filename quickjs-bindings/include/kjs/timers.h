/*
 * kjs/timers.h — setTimeout, setInterval, clearTimeout, clearInterval on the VM's loop.
 */
#ifndef KJS_TIMERS_H
#define KJS_TIMERS_H

#include "quickjs.h"

typedef struct kjs_vm kjs_vm;
typedef struct kjs_timers kjs_timers;

kjs_timers *kjs_timers_new(kjs_vm *vm);
/* Cancels every pending timer and frees the JS values they hold. */
void kjs_timers_free(kjs_timers *t);
int kjs_timers_install(JSContext *ctx);

#endif
