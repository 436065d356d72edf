/*
 * The startup floor: the smallest useful embedding of the same pinned engine — runtime, context,
 * a console.log, evaluate one module (source, or k230js bytecode with its header skipped), run
 * the promise jobs, idle 200 ms (like the benched apps), exit. Nothing else. bench/startup
 * compares k230js against it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kjs/bytecode.h"
#include "quickjs.h"

static JSValue floor_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  for (int i = 0; i < argc; i++) {
    const char *s = JS_ToCString(ctx, argv[i]);
    fputs(s ? s : "", stdout);
    fputc(i + 1 < argc ? ' ' : '\n', stdout);
    JS_FreeCString(ctx, s);
  }
  fflush(stdout);
  return JS_UNDEFINED;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 3;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)len + 1);
  if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) return 3;
  buf[len] = 0;
  fclose(f);
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JSValue console = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, console, "log", JS_NewCFunction(ctx, floor_log, "log", 1));
  JSValue global = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, global, "console", console);
  JS_FreeValue(ctx, global);
  JSValue fn;
  if (kjs_bytecode_is((const uint8_t *)buf, (size_t)len))
    fn = JS_ReadObject(ctx, (const uint8_t *)buf + KJS_BYTECODE_HEADER_SIZE, (size_t)len - KJS_BYTECODE_HEADER_SIZE,
                       JS_READ_OBJ_BYTECODE);
  else fn = JS_Eval(ctx, buf, (size_t)len, argv[1], JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
  int status = 0;
  if (JS_IsException(fn) || JS_ResolveModule(ctx, fn) < 0) {
    status = 1;
  } else {
    JSValue r = JS_EvalFunction(ctx, fn);
    if (JS_IsException(r)) status = 1;
    JS_FreeValue(ctx, r);
    JSContext *c;
    while (JS_ExecutePendingJob(rt, &c) > 0) {
    }
    /* Idle before the teardown, as the benched apps do on a timer, so the CPU time read at the
       first line never includes it. */
    usleep(200000);
  }
  free(buf);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return status;
}
