/*
 * k230:media MediaFile — binary file reads and writes for streaming apps (openFile; paths through
 * kjs_path_map). Types and docs: js-lib/types/k230-media.d.ts.
 */

#include "media_internal.h"

/* ---- class ids ---- */

JSClassID file_class_id;

/* ---- close / finalize ---- */

static void file_finalizer(JSRuntime *rt, JSValueConst val) {
  file_obj *fo = JS_GetOpaque(val, file_class_id);
  if (!fo) return;
  if (fo->f) fclose(fo->f);
  free(fo);
}

/* ---- class defs ---- */

static const JSClassDef file_class = {"MediaFile", .finalizer = file_finalizer};

/* ---- MediaFile: binary file reads for streaming apps (paths through kjs_path_map) ---- */

JSValue media_open_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "openFile";
  const char *path = argc > 0 && JS_IsString(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (!path) return JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
  const char *mode = argc > 1 && JS_IsString(argv[1]) ? JS_ToCString(ctx, argv[1]) : NULL;
  const char *m = mode && strcmp(mode, "w") == 0 ? "wb" : mode && strcmp(mode, "a") == 0 ? "ab" : "rb";
  if (mode && strcmp(mode, "r") && strcmp(mode, "w") && strcmp(mode, "a")) {
    JS_FreeCString(ctx, path);
    JS_FreeCString(ctx, mode);
    return JS_ThrowRangeError(ctx, "%s: mode must be \"r\", \"w\" or \"a\"", fn);
  }
  JS_FreeCString(ctx, mode);
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  FILE *f = rc ? NULL : fopen(host, m);
  if (!f) {
    JSValue e = kjs_throw(ctx, rc ? rc : ERR_ENOENT, "%s: cannot open '%s'", fn, path);
    JS_FreeCString(ctx, path);
    return e;
  }
  JS_FreeCString(ctx, path);
  file_obj *fo = calloc(1, sizeof *fo);
  if (!fo) {
    fclose(f);
    return JS_ThrowOutOfMemory(ctx);
  }
  fo->f = f;
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, file_class_id, fo);
  if (JS_IsException(obj)) {
    fclose(f);
    free(fo);
  }
  return obj;
}

static JSValue file_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (!fo->f) return media_closed(ctx, "MediaFile.read", "file");
  int64_t n;
  if (argc < 1 || kjs_get_int(ctx, argv[0], "MediaFile.read: size", 1, 64 << 20, &n) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.read(size) needs a size") : JS_EXCEPTION;
  uint8_t *buf = malloc((size_t)n);
  if (!buf) return JS_ThrowOutOfMemory(ctx);
  size_t got = fread(buf, 1, (size_t)n, fo->f);
  JSValue r = got ? JS_NewArrayBufferCopy(ctx, buf, got) : JS_NULL;
  free(buf);
  return r;
}

static JSValue file_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (!fo->f) return media_closed(ctx, "MediaFile.write", "file");
  const uint8_t *data;
  size_t len;
  if (argc < 1 || kjs_get_bytes(ctx, argv[0], "MediaFile.write: data", &data, &len) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.write(data) needs data") : JS_EXCEPTION;
  if (fwrite(data, 1, len, fo->f) != len) return kjs_throw(ctx, ERR_EIO, "MediaFile.write: write failed");
  return JS_UNDEFINED;
}

static JSValue file_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (fo->f) fclose(fo->f);
  fo->f = NULL;
  return JS_UNDEFINED;
}

/* ---- function lists ---- */

static const JSCFunctionListEntry file_proto_funcs[] = {
    JS_CFUNC_DEF("read", 1, file_read),
    JS_CFUNC_DEF("write", 1, file_write),
    JS_CFUNC_DEF("close", 0, file_close),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "MediaFile", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

void media_file_class(JSContext *ctx) {
  kjs_class_create(ctx, &file_class_id, &file_class, NULL, 1, file_proto_funcs, COUNT(file_proto_funcs));
}
