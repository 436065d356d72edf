/* Argument and option readers with the JS surface's error messages (kjs/args.h). */
#include "kjs/args.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int detached(JSContext *ctx, const char *what) {
  JS_FreeValue(ctx, JS_GetException(ctx));
  JS_ThrowTypeError(ctx, "%s: the buffer is detached", what);
  return -1;
}

int kjs_get_bytes(JSContext *ctx, JSValueConst v, const char *what, const uint8_t **data, size_t *len) {
  size_t size;
  if (JS_IsArrayBuffer(v)) {
    uint8_t *p = JS_GetArrayBuffer(ctx, &size, v);
    if (!p && size) return detached(ctx, what);
    *data = p;
    *len = size;
    return 0;
  }
  JSValue buf;
  size_t offset, length;
  int type = JS_GetTypedArrayType(v);
  if (type == JS_TYPED_ARRAY_UINT8 || type == JS_TYPED_ARRAY_UINT8C) {
    /* The common case (frames, access units, audio chunks) without taking the buffer. */
    uint8_t *p = JS_GetUint8Array(ctx, &size, v);
    if (!p && JS_HasException(ctx)) return detached(ctx, what);
    *data = p;
    *len = size;
    return 0;
  }
  if (type >= 0) {
    size_t elem;
    buf = JS_GetTypedArrayBuffer(ctx, v, &offset, &length, &elem);
    if (JS_IsException(buf)) return -1;
  } else if (JS_IsObject(v)) {
    /* DataView: its buffer and byte range. */
    buf = JS_GetPropertyStr(ctx, v, "buffer");
    int64_t off = -1, n = -1;
    JSValue o = JS_GetPropertyStr(ctx, v, "byteOffset"), l = JS_GetPropertyStr(ctx, v, "byteLength");
    if (JS_IsNumber(o) && JS_IsNumber(l)) {
      JS_ToInt64(ctx, &off, o);
      JS_ToInt64(ctx, &n, l);
    }
    JS_FreeValue(ctx, o);
    JS_FreeValue(ctx, l);
    if (!JS_IsArrayBuffer(buf) || off < 0 || n < 0) {
      JS_FreeValue(ctx, buf);
      JS_ThrowTypeError(ctx, "%s must be an ArrayBuffer or a typed array", what);
      return -1;
    }
    offset = (size_t)off;
    length = (size_t)n;
  } else {
    JS_ThrowTypeError(ctx, "%s must be an ArrayBuffer or a typed array", what);
    return -1;
  }
  uint8_t *p = JS_GetArrayBuffer(ctx, &size, buf);
  JS_FreeValue(ctx, buf);
  if (!p && length) return detached(ctx, what);
  if (offset + length > size) return detached(ctx, what);
  *data = p + offset;
  *len = length;
  return 0;
}

int kjs_get_int(JSContext *ctx, JSValueConst v, const char *what, int64_t min, int64_t max, int64_t *out) {
  if (!JS_IsNumber(v)) {
    JS_ThrowTypeError(ctx, "%s must be a number", what);
    return -1;
  }
  double d;
  JS_ToFloat64(ctx, &d, v);
  if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d) {
    JS_ThrowRangeError(ctx, "%s must be an integer from %lld to %lld, got %g", what, (long long)min, (long long)max, d);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

static bool known(const char *name, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (strcmp(name, names[i]) == 0) return true;
  return false;
}

int kjs_check_options(JSContext *ctx, JSValueConst opts, const char *fn, const char *const *names) {
  if (JS_IsUndefined(opts)) return 0;
  if (!JS_IsObject(opts)) {
    JS_ThrowTypeError(ctx, "%s: options must be an object", fn);
    return -1;
  }
  JSPropertyEnum *props;
  uint32_t n;
  if (JS_GetOwnPropertyNames(ctx, &props, &n, opts, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY) < 0) return -1;
  int rc = 0;
  for (uint32_t i = 0; i < n && rc == 0; i++) {
    const char *name = JS_AtomToCString(ctx, props[i].atom);
    if (!name) {
      rc = -1;
      break;
    }
    if (!known(name, names)) {
      char list[256] = "";
      size_t len = 0;
      for (int k = 0; names[k] && len < sizeof list; k++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", names[k]);
      JS_ThrowTypeError(ctx, "%s: unknown option '%s' (options: %s)", fn, name, list);
      rc = -1;
    }
    JS_FreeCString(ctx, name);
  }
  JS_FreePropertyEnum(ctx, props, n);
  return rc;
}

static int get_opt(JSContext *ctx, JSValueConst opts, const char *name, JSValue *out) {
  *out = JS_UNDEFINED;
  if (!JS_IsObject(opts)) return 0;
  *out = JS_GetPropertyStr(ctx, opts, name);
  return JS_IsException(*out) ? -1 : 0;
}

int kjs_opt_int(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, int64_t def, int64_t min,
                int64_t max, int64_t *out) {
  JSValue v;
  if (get_opt(ctx, opts, name, &v) < 0) return -1;
  if (JS_IsUndefined(v)) {
    *out = def;
    return 0;
  }
  char what[128];
  snprintf(what, sizeof what, "%s: options.%s", fn, name);
  int r = kjs_get_int(ctx, v, what, min, max, out);
  JS_FreeValue(ctx, v);
  return r;
}

int kjs_opt_bool(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, bool def, bool *out) {
  JSValue v;
  if (get_opt(ctx, opts, name, &v) < 0) return -1;
  if (JS_IsUndefined(v)) {
    *out = def;
    return 0;
  }
  if (!JS_IsBool(v)) {
    JS_FreeValue(ctx, v);
    JS_ThrowTypeError(ctx, "%s: options.%s must be a boolean", fn, name);
    return -1;
  }
  *out = JS_ToBool(ctx, v);
  return 0;
}

int kjs_opt_enum(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, const char *const *choices,
                 int def, int *out) {
  JSValue v;
  if (get_opt(ctx, opts, name, &v) < 0) return -1;
  if (JS_IsUndefined(v)) {
    *out = def;
    return 0;
  }
  const char *s = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
  JS_FreeValue(ctx, v);
  for (int i = 0; s && choices[i]; i++) {
    if (strcmp(s, choices[i]) == 0) {
      JS_FreeCString(ctx, s);
      *out = i;
      return 0;
    }
  }
  char list[256] = "";
  size_t n = 0;
  for (int i = 0; choices[i] && n < sizeof list; i++)
    n += (size_t)snprintf(list + n, sizeof list - n, "%s\"%s\"", i ? ", " : "", choices[i]);
  JS_ThrowRangeError(ctx, "%s: options.%s must be one of %s%s%s%s", fn, name, list, s ? ", got \"" : "", s ? s : "",
                     s ? "\"" : "");
  JS_FreeCString(ctx, s);
  return -1;
}

bool kjs_parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s) return false;
  unsigned long long mul = 1;
  switch (*end) {
    case 0: break;
    case 'k':
    case 'K':
      mul = 1ull << 10;
      end++;
      break;
    case 'm':
    case 'M':
      mul = 1ull << 20;
      end++;
      break;
    case 'g':
    case 'G':
      mul = 1ull << 30;
      end++;
      break;
    default: return false;
  }
  if (*end || v > SIZE_MAX / mul) return false;
  *out = (size_t)(v * mul);
  return true;
}
