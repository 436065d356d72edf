/*
 * kjs/console.h — the global `console` and the value inspector shared with the REPL.
 */
#ifndef KJS_CONSOLE_H
#define KJS_CONSOLE_H

#include <stddef.h>

#include "quickjs.h"

/* Where console output, error reports and runtime messages go. By default stdout/stderr; the
 * REPL routes them to its UART (friendly mode) or into protocol frames (raw mode). */
enum { KJS_STDOUT = 1, KJS_STDERR = 2 };
typedef void kjs_console_write_fn(void *user, int stream, const char *buf, size_t len);

/* Process-wide (there is one console): installs `fn` (NULL restores stdio). Not thread-safe;
 * call from the VM thread. `user` is borrowed and must outlive the installation. */
void kjs_console_set_writer(kjs_console_write_fn *fn, void *user);
/* Writes through the installed writer (stdio: written and flushed at once). */
void kjs_console_write(int stream, const char *buf, size_t len);
void kjs_console_printf(int stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Installs `console` (log, info, debug, warn, error, assert, time, timeEnd) on the global object. */
int kjs_console_install(JSContext *ctx);
/* Returns a JS string describing `v` the way console.log prints it (strings are quoted when
 * `quote_strings`). Caller frees with JS_FreeCString. NULL on exception. */
const char *kjs_inspect(JSContext *ctx, JSValueConst v, int quote_strings);

#endif
