/* The global console: formatting happens in inspect.js, output here. */
#include "kjs/console.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "kjs/vm.h"
#include "vm_internal.h"

enum { TO_STDOUT = KJS_STDOUT, TO_STDERR = KJS_STDERR };

static kjs_console_write_fn *writer;
static void *writer_user;

void kjs_console_set_writer(kjs_console_write_fn *fn, void *user) {
  writer = fn;
  writer_user = user;
}

void kjs_console_write(int stream, const char *buf, size_t len) {
  if (writer) {
    writer(writer_user, stream, buf, len);
    return;
  }
  FILE *f = stream == KJS_STDERR ? stderr : stdout;
  fwrite(buf, 1, len, f);
  fflush(f);
}

void kjs_console_printf(int stream, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    kjs_console_write(stream, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) return;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  kjs_console_write(stream, big, (size_t)n);
  free(big);
}

const char *kjs_inspect(JSContext *ctx, JSValueConst v, int quote_strings) {
  kjs_vm *vm = kjs_vm_from_context(ctx);
  JSValue fn = kjs_vm_inspect_fn(vm);
  if (JS_IsException(fn)) return NULL;
  JSValueConst args[2] = {v, JS_NewBool(ctx, quote_strings)};
  JSValue s = JS_Call(ctx, fn, JS_UNDEFINED, 2, args);
  if (JS_IsException(s)) return NULL;
  const char *str = JS_ToCString(ctx, s);
  JS_FreeValue(ctx, s);
  return str;
}

/* The line as inspect.js's format() makes it, for the common case it leaves as it is: strings
 * only, the first without a directive when others follow. NULL (nothing pending) otherwise. */
static char *plain_line(JSContext *ctx, int argc, JSValueConst *argv, size_t *out_len) {
  enum { MAX_PARTS = 16 };
  if (argc > MAX_PARTS) return NULL;
  for (int i = 0; i < argc; i++)
    if (!JS_IsString(argv[i])) return NULL;
  const char *part[MAX_PARTS];
  size_t len[MAX_PARTS], total = 0;
  int n = 0;
  char *line = NULL;
  for (; n < argc; n++) {
    if (!(part[n] = JS_ToCStringLen(ctx, &len[n], argv[n]))) goto done;
    total += len[n] + 1;
  }
  if (argc > 1 && memchr(part[0], '%', len[0])) goto done;
  if (!(line = malloc(total ? total : 1))) goto done;
  size_t at = 0;
  for (int i = 0; i < argc; i++) {
    if (i) line[at++] = ' ';
    memcpy(line + at, part[i], len[i]);
    at += len[i];
  }
  *out_len = at;
done:
  for (int i = 0; i < n; i++) JS_FreeCString(ctx, part[i]);
  if (JS_HasException(ctx)) JS_FreeValue(ctx, JS_GetException(ctx)); /* out of memory: format() decides */
  return line;
}

static JSValue print_formatted(JSContext *ctx, int argc, JSValueConst *argv, int stream) {
  kjs_vm *vm = kjs_vm_from_context(ctx);
  size_t len;
  char *plain = plain_line(ctx, argc, argv, &len);
  if (plain) {
    plain[len] = '\n'; /* room for it: one byte per part */
    kjs_console_write(stream, plain, len + 1);
    free(plain);
    return JS_UNDEFINED;
  }
  JSValue fn = kjs_vm_format_fn(vm);
  if (JS_IsException(fn)) return fn;
  JSValue s = JS_Call(ctx, fn, JS_UNDEFINED, argc, argv);
  if (JS_IsException(s)) return s;
  const char *str = JS_ToCStringLen(ctx, &len, s);
  JS_FreeValue(ctx, s);
  if (!str) return JS_EXCEPTION;
  /* One write per call so a framed transport sends the line in one frame. */
  char *line = malloc(len + 1);
  if (line) {
    memcpy(line, str, len);
    line[len] = '\n';
    kjs_console_write(stream, line, len + 1);
    free(line);
  }
  JS_FreeCString(ctx, str);
  return JS_UNDEFINED;
}

static JSValue console_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  (void)this_val;
  return print_formatted(ctx, argc, argv, magic);
}

static JSValue console_assert(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  if (argc > 0 && JS_ToBool(ctx, argv[0])) return JS_UNDEFINED;
  JSValue args[16];
  int n = 0;
  args[n++] = JS_NewString(ctx, "Assertion failed:");
  for (int i = 1; i < argc && n < 16; i++) args[n++] = JS_DupValue(ctx, argv[i]);
  if (n == 1) {
    JS_FreeValue(ctx, args[0]);
    args[0] = JS_NewString(ctx, "Assertion failed");
  }
  JSValue r = print_formatted(ctx, n, (JSValueConst *)args, TO_STDERR);
  for (int i = 0; i < n; i++) JS_FreeValue(ctx, args[i]);
  return r;
}

/* console.time/timeEnd keep their start times on a hidden object of the console itself. */
static JSValue console_time(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  const char *label = argc > 0 && !JS_IsUndefined(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  const char *name = label ? label : "default";
  JSValue table = JS_GetPropertyStr(ctx, this_val, "__timers");
  if (!JS_IsObject(table)) {
    JS_FreeValue(ctx, table);
    table = JS_NewObject(ctx);
    JS_DefinePropertyValueStr(ctx, this_val, "__timers", JS_DupValue(ctx, table), 0);
  }
  double now = (double)hal_clock_us() / 1000.0;
  if (magic == 0) {
    JS_SetPropertyStr(ctx, table, name, JS_NewFloat64(ctx, now));
  } else {
    JSValue start = JS_GetPropertyStr(ctx, table, name);
    double t0;
    if (JS_IsUndefined(start) || JS_ToFloat64(ctx, &t0, start) < 0) {
      kjs_console_printf(KJS_STDERR, "Warning: no such label '%s' for console.timeEnd()\n", name);
    } else {
      kjs_console_printf(KJS_STDOUT, "%s: %.3fms\n", name, now - t0);
      JSAtom a = JS_NewAtom(ctx, name);
      JS_DeleteProperty(ctx, table, a, 0);
      JS_FreeAtom(ctx, a);
    }
    JS_FreeValue(ctx, start);
  }
  JS_FreeValue(ctx, table);
  JS_FreeCString(ctx, label);
  return JS_UNDEFINED;
}

static const JSCFunctionListEntry console_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 1, console_log, TO_STDOUT),
    JS_CFUNC_MAGIC_DEF("info", 1, console_log, TO_STDOUT),
    JS_CFUNC_MAGIC_DEF("debug", 1, console_log, TO_STDOUT),
    JS_CFUNC_MAGIC_DEF("warn", 1, console_log, TO_STDERR),
    JS_CFUNC_MAGIC_DEF("error", 1, console_log, TO_STDERR),
    JS_CFUNC_MAGIC_DEF("trace", 1, console_log, TO_STDERR),
    JS_CFUNC_DEF("assert", 1, console_assert),
    JS_CFUNC_MAGIC_DEF("time", 1, console_time, 0),
    JS_CFUNC_MAGIC_DEF("timeEnd", 1, console_time, 1),
};

int kjs_console_install(JSContext *ctx) {
  JSValue console = JS_NewObject(ctx);
  if (JS_IsException(console)) return -1;
  JS_SetPropertyFunctionList(ctx, console, console_funcs, sizeof console_funcs / sizeof console_funcs[0]);
  JSValue global = JS_GetGlobalObject(ctx);
  int r = JS_SetPropertyStr(ctx, global, "console", console);
  JS_FreeValue(ctx, global);
  return r < 0 ? -1 : 0;
}
