/*
 * k230jsc — compiles an ES module bundle to k230js bytecode with the same pinned engine the
 * runtime uses. The output runs on every build of that engine version (host, riscv64, board).
 *
 *   k230jsc [-s] [-n name] -o out.bin in.js
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kjs/bytecode.h"
#include "quickjs.h"

static int read_all(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      cap *= 2;
      char *g = realloc(buf, cap + 1);
      if (!g) free(buf);
      buf = g;
    }
  }
  fclose(f);
  if (!buf) return -1;
  buf[n] = 0;
  *out = buf;
  *len = n;
  return 0;
}

static int dummy_module_init(JSContext *ctx, JSModuleDef *m) { return 0; }

/* Compiling resolves imports; native modules are bound at run time, so a placeholder does. */
static JSModuleDef *compile_time_loader(JSContext *ctx, const char *name, void *opaque) {
  const char *colon = strchr(name, ':');
  if (colon && colon > name && !memchr(name, '/', (size_t)(colon - name)))
    return JS_NewCModule(ctx, name, dummy_module_init);
  JS_ThrowReferenceError(ctx,
                         "'%s' is not bundled: k230jsc compiles one self-contained module "
                         "(`k230js build` bundles the imports first)",
                         name);
  return NULL;
}

int main(int argc, char **argv) {
  const char *out_path = NULL, *name = NULL;
  bool strip = false;
  int opt;
  while ((opt = getopt(argc, argv, "o:n:sh")) != -1) {
    switch (opt) {
      case 'o': out_path = optarg; break;
      case 'n': name = optarg; break;
      case 's': strip = true; break;
      case 'h':
        printf(
            "usage: k230jsc [-s] [-n name] -o out.bin in.js\n"
            "  -o FILE  output bytecode file\n"
            "  -n NAME  script name used in stack traces (default: the input's file name)\n"
            "  -s       strip the source text (line numbers stay)\n");
        return 0;
      default: return 2;
    }
  }
  if (!out_path || optind != argc - 1) {
    fprintf(stderr, "usage: k230jsc [-s] [-n name] -o out.bin in.js\n");
    return 2;
  }
  const char *in_path = argv[optind];
  if (!name) {
    const char *slash = strrchr(in_path, '/');
    name = slash ? slash + 1 : in_path;
  }
  char *src;
  size_t len;
  if (read_all(in_path, &src, &len) != 0) {
    fprintf(stderr, "k230jsc: cannot read '%s'\n", in_path);
    return 3;
  }
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JS_SetModuleLoaderFunc(rt, NULL, compile_time_loader, NULL);
  size_t out_len;
  uint8_t *out = kjs_bytecode_compile(ctx, name, src, len, strip, &out_len);
  free(src);
  int status = 0;
  if (!out) {
    JSValue exc = JS_GetException(ctx);
    const char *msg = JS_ToCString(ctx, exc);
    JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
    const char *st = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
    fprintf(stderr, "k230jsc: %s: %s%s%s", in_path, msg ? msg : "compile error", st ? "\n" : "\n", st ? st : "");
    JS_FreeCString(ctx, st);
    JS_FreeValue(ctx, stack);
    JS_FreeCString(ctx, msg);
    JS_FreeValue(ctx, exc);
    status = 1;
  } else {
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0) {
      fprintf(stderr, "k230jsc: cannot write '%s'\n", out_path);
      status = 1;
    }
    free(out);
  }
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return status;
}
