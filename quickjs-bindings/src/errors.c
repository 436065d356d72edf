/* JS errors from HAL codes; uncaught-error reports with stacks mapped through source maps. */
#include "kjs/errors.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/grow.h"
#include "kjs/console.h"
#include "vm_internal.h"

JSValue kjs_throw(JSContext *ctx, int hal_code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  JSValue err = JS_NewError(ctx);
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE);
  JS_DefinePropertyValueStr(ctx, err, "code", JS_NewString(ctx, err_name(hal_code)),
                            JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE | JS_PROP_ENUMERABLE);
  return JS_Throw(ctx, err);
}

typedef struct strbuf {
  char *p;
  size_t len, cap;
} strbuf;

static void sb_add(strbuf *sb, const char *s, size_t n) {
  char *p = base_grow(sb->p, &sb->cap, sb->len + n + 1, 1, 256);
  if (!p) return;
  sb->p = p;
  memcpy(sb->p + sb->len, s, n);
  sb->len += n;
  sb->p[sb->len] = 0;
}

/* Joins dir and a relative source path, folding "x/.." pairs, so reports name real files. */
static void join_source(char *out, size_t size, const char *dir, const char *src) {
  char tmp[PATH_MAX];
  if (src[0] == '/' || strstr(src, "://")) snprintf(tmp, sizeof tmp, "%s", src);
  else snprintf(tmp, sizeof tmp, "%s/%s", dir, src);
  char *parts[256];
  int n = 0;
  bool abs = tmp[0] == '/';
  for (char *save, *tok = strtok_r(tmp, "/", &save); tok && n < 256; tok = strtok_r(NULL, "/", &save)) {
    if (strcmp(tok, ".") == 0) continue;
    if (strcmp(tok, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
      n--;
      continue;
    }
    parts[n++] = tok;
  }
  size_t len = 0;
  out[0] = 0;
  if (abs) len += (size_t)snprintf(out, size, "/");
  for (int i = 0; i < n && len < size; i++)
    len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "/" : "", parts[i]);
}

/* Rewrites one "file:line:col" location; returns false when no map covers it. */
static bool map_location(kjs_vm *vm, const char *loc, size_t n, strbuf *out) {
  char buf[PATH_MAX + 64];
  if (n >= sizeof buf) return false;
  memcpy(buf, loc, n);
  buf[n] = 0;
  char *c2 = strrchr(buf, ':');
  if (!c2) return false;
  *c2 = 0;
  char *c1 = strrchr(buf, ':');
  int line, col;
  if (c1) {
    *c1 = 0;
    line = atoi(c1 + 1);
    col = atoi(c2 + 1);
  } else {
    line = atoi(c2 + 1);
    col = 1;
  }
  const char *dir;
  const kjs_sourcemap *map = kjs_vm_find_sourcemap(vm, buf, &dir);
  const char *src;
  int oline, ocol;
  if (!map || !kjs_sourcemap_lookup(map, line, col, &src, &oline, &ocol)) return false;
  char path[PATH_MAX];
  join_source(path, sizeof path, dir, src);
  char tail[48];
  snprintf(tail, sizeof tail, ":%d:%d", oline, ocol);
  sb_add(out, path, strlen(path));
  sb_add(out, tail, strlen(tail));
  return true;
}

char *kjs_error_mapped_stack(kjs_vm *vm, JSValueConst exc) {
  JSContext *ctx = kjs_vm_context(vm);
  if (!JS_IsObject(exc)) return NULL;
  JSValue v = JS_GetPropertyStr(ctx, exc, "stack");
  const char *stack = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
  JS_FreeValue(ctx, v);
  if (!stack) return NULL;
  strbuf out = {0};
  for (const char *line = stack; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    /* Frames look like "    at fn (file:line:col)" or "    at file:line:col". */
    const char *at = strstr(line, "at ");
    const char *start = NULL, *end = line + len;
    if (at && at < end) {
      const char *open = memchr(at, '(', (size_t)(end - at));
      if (open && end > open && end[-1] == ')') {
        start = open + 1;
        end = end - 1;
      } else {
        start = at + 3;
      }
    }
    strbuf mapped = {0};
    if (start && map_location(vm, start, (size_t)(end - start), &mapped) && mapped.p) {
      sb_add(&out, line, (size_t)(start - line));
      sb_add(&out, mapped.p, mapped.len);
      sb_add(&out, end, (size_t)(line + len - end));
    } else {
      sb_add(&out, line, len);
    }
    free(mapped.p);
    sb_add(&out, "\n", 1);
    line = nl ? nl + 1 : line + len;
  }
  JS_FreeCString(ctx, stack);
  return out.p;
}

static bool word_char(char c) {
  return c == '_' || c == '$' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

bool kjs_error_find_import(const char *src, size_t len, const char *name, const char *module, int *line, int *col) {
  size_t nl = strlen(name), ml = strlen(module);
  for (size_t i = 0; i + ml + 2 <= len; i++) {
    /* `from "module"` or `from 'module'` ends an import statement; its clause lies back to `import`. */
    if ((src[i] != '"' && src[i] != '\'') || src[i + ml + 1] != src[i] || memcmp(src + i + 1, module, ml) != 0)
      continue;
    size_t j = i;
    while (j > 0 && (src[j - 1] == ' ' || src[j - 1] == '\t' || src[j - 1] == '\n' || src[j - 1] == '\r')) j--;
    if (j < 4 || memcmp(src + j - 4, "from", 4) != 0) continue;
    size_t start = j - 4;
    while (start >= 6 && !(memcmp(src + start - 6, "import", 6) == 0 && (start == 6 || !word_char(src[start - 7]))))
      start--;
    if (start < 6) continue;
    for (size_t k = start; k + nl <= j - 4; k++) {
      if (memcmp(src + k, name, nl) != 0 || word_char(src[k - 1]) || word_char(src[k + nl])) continue;
      int l = 1, c = 1;
      for (size_t p = 0; p < k; p++, c++)
        if (src[p] == '\n') l++, c = 0;
      *line = l;
      *col = c;
      return true;
    }
  }
  return false;
}

/* A link error names the export and the module it is missing from, not the importing line:
 * "    at file:line:col" of the import statement, mapped like any frame. */
static void report_import_site(kjs_vm *vm, const char *msg, FILE *out) {
  static const char *const forms[] = {"Could not find export '%255[^']' in module '%1023[^']'",
                                      "circular reference when looking for export '%255[^']' in module '%1023[^']'",
                                      "export '%255[^']' in module '%1023[^']' is ambiguous"};
  char name[256], module[1024], loc[PATH_MAX + 64];
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    if (sscanf(msg, forms[i], name, module) != 2) continue;
    if (!kjs_vm_locate_import(vm, name, module, loc, sizeof loc)) return;
    strbuf mapped = {0};
    fprintf(out, "    at %s\n", map_location(vm, loc, strlen(loc), &mapped) && mapped.p ? mapped.p : loc);
    free(mapped.p);
    return;
  }
}

void kjs_error_report(kjs_vm *vm, JSValueConst exc, const char *prefix, FILE *out) {
  JSContext *ctx = kjs_vm_context(vm);
  if (JS_IsError(exc)) {
    JSValue name = JS_GetPropertyStr(ctx, exc, "name");
    JSValue msg = JS_GetPropertyStr(ctx, exc, "message");
    const char *n = JS_ToCString(ctx, name);
    const char *m = JS_ToCString(ctx, msg);
    fprintf(out, "%s%s: %s\n", prefix, n ? n : "Error", m ? m : "");
    char *stack = kjs_error_mapped_stack(vm, exc);
    if (stack) fputs(stack, out);
    if (!(stack && strstr(stack, "at ")) && n && m && strcmp(n, "SyntaxError") == 0) report_import_site(vm, m, out);
    free(stack);
    JS_FreeCString(ctx, n);
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, name);
    JS_FreeValue(ctx, msg);
  } else {
    const char *s = kjs_inspect(ctx, exc, 1);
    fprintf(out, "%s%s\n", prefix, s ? s : "(unprintable value)");
    if (!s) JS_FreeValue(ctx, JS_GetException(ctx));
    JS_FreeCString(ctx, s);
  }
  fflush(out);
}

void kjs_error_report_console(kjs_vm *vm, JSValueConst exc, const char *prefix) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) {
    kjs_error_report(vm, exc, prefix, stderr);
    return;
  }
  kjs_error_report(vm, exc, prefix, mem);
  fclose(mem);
  kjs_console_write(KJS_STDERR, text, len);
  free(text);
}
