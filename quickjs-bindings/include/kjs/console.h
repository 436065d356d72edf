/*
 * kjs/console.h — the global `console` and the value inspector shared with the REPL.
 */
#ifndef KJS_CONSOLE_H
#define KJS_CONSOLE_H

#include "quickjs.h"

/* Installs `console` (log, info, debug, warn, error, assert, time, timeEnd) on the global object. */
int kjs_console_install(JSContext *ctx);
/* Returns a JS string describing `v` the way console.log prints it (strings are quoted when
 * `quote_strings`). Caller frees with JS_FreeCString. NULL on exception. */
const char *kjs_inspect(JSContext *ctx, JSValueConst v, int quote_strings);

#endif
