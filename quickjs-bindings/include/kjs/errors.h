/*
 * kjs/errors.h — turning HAL codes into JS errors, and reporting uncaught errors.
 */
#ifndef KJS_ERRORS_H
#define KJS_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "quickjs.h"

typedef struct kjs_vm kjs_vm;

/* Throws an Error whose message is the formatted text and whose `.code` is err_name(code).
 * Always returns JS_EXCEPTION. */
JSValue kjs_throw(JSContext *ctx, int hal_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes "Uncaught <Name>: <message>" and the stack, with frames mapped through any registered
 * source map, to `out`. Does not free `exc`. */
void kjs_error_report(kjs_vm *vm, JSValueConst exc, const char *prefix, FILE *out);

/* Same, written through the console writer (kjs/console.h) as KJS_STDERR. */
void kjs_error_report_console(kjs_vm *vm, JSValueConst exc, const char *prefix);

/* Where `import { ..., name, ... } from "module"` names `name` in a module's source: 1-based
 * line and column of the name. False when no import statement of that module names it. (A link
 * error, "Could not find export 'X' in module 'M'", has no stack; this gives it a place.) */
bool kjs_error_find_import(const char *src, size_t len, const char *name, const char *module, int *line, int *col);

/* The error's stack with "file:line:col" rewritten through registered source maps.
 * Returns a malloc'd string (caller frees) or NULL. */
char *kjs_error_mapped_stack(kjs_vm *vm, JSValueConst exc);

#endif
