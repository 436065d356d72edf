/*
 * k230:media MediaFile — binary file reads and writes for streaming apps (openFile; paths through
 * kjs_path_map), and removeFile. Types and docs: js-lib/types/k230-media.d.ts.
 */

#include <errno.h>
#include <unistd.h>

#include "kjs/mount.h"
#include "media_internal.h"

/* ---- class ids ---- */

JSClassID file_class_id;

/* ---- close / finalize ---- */

static void file_finalizer(JSRuntime *rt, JSValueConst val) {
  file_obj *fo = JS_GetOpaque(val, file_class_id);
  if (!fo) return;
  if (fo->f) fclose(fo->f);
  free(fo->path);
  free(fo);
}

/* ---- class defs ---- */

static const JSClassDef file_class = {"MediaFile", .finalizer = file_finalizer};

/* ---- helpers ---- */

/* Throws the coded error for C library errno `e`, in the runtime's form "fn: cannot <what>
 * 'path': <reason>" (the C library's reason, lower-case as the runtime's own), .code by name. */
static JSValue file_fail(JSContext *ctx, const char *fn, const char *what, const char *path, int e) {
  char reason[128];
  snprintf(reason, sizeof reason, "%s", strerror(e));
  if (reason[0] >= 'A' && reason[0] <= 'Z' && reason[1] >= 'a' && reason[1] <= 'z')
    reason[0] = (char)(reason[0] - 'A' + 'a');
  return kjs_throw(ctx, err_from_errno(e), "%s: cannot %s '%s': %s", fn, what, path, reason);
}

static char *map_path(JSContext *ctx, JSValueConst arg, const char *fn, char *host, size_t cap) {
  const char *path = JS_IsString(arg) ? JS_ToCString(ctx, arg) : NULL;
  if (!path) {
    JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
    return NULL;
  }
  char *copy = strdup(path);
  int rc = copy ? kjs_path_map(kjs_vm_from_context(ctx), path, host, cap) : ERR_ENOMEM;
  if (rc) {
    kjs_throw(ctx, rc, "%s: cannot map '%s': %s", fn, path, err_str(rc));
    free(copy);
    copy = NULL;
  }
  JS_FreeCString(ctx, path);
  return copy;
}

/* A file under the host's mount (kjs/mount.h), which is read-only; NULL with the error thrown. */
static FILE *mount_open(JSContext *ctx, const char *fn, const char *mode, const char *path) {
  if (mode[0] != 'r') {
    kjs_throw(ctx, ERR_ENOTSUP, "%s: '%s' is on the host's mount, which is read-only", fn, path);
    return NULL;
  }
  char msg[200];
  int rc = 0;
  FILE *f = kjs_mount_fopen(path, &rc, msg, sizeof msg);
  if (!f) {
    if (rc == ERR_EINTR) kjs_vm_throw_interrupt(ctx);
    else kjs_throw(ctx, rc, "%s: cannot open '%s' on the mount: %s", fn, path, msg);
  }
  return f;
}

/* ---- MediaFile: binary file reads for streaming apps (paths through kjs_path_map) ---- */

JSValue media_open_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "openFile";
  const char *mode = argc > 1 && JS_IsString(argv[1]) ? JS_ToCString(ctx, argv[1]) : NULL;
  const char *m = mode && strcmp(mode, "w") == 0 ? "wb" : mode && strcmp(mode, "a") == 0 ? "ab" : "rb";
  bool bad_mode = mode && strcmp(mode, "r") && strcmp(mode, "w") && strcmp(mode, "a");
  JS_FreeCString(ctx, mode);
  if (bad_mode) return JS_ThrowRangeError(ctx, "%s: mode must be \"r\", \"w\" or \"a\"", fn);
  char host[PATH_MAX];
  char *path = map_path(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, fn, host, sizeof host);
  if (!path) return JS_EXCEPTION;
  FILE *f;
  if (kjs_mount_owns(path)) { /* a host directory on the console link: read-only (kjs/mount.h) */
    f = mount_open(ctx, fn, m, path);
    if (!f) {
      free(path);
      return JS_EXCEPTION;
    }
  } else if (!(f = fopen(host, m))) {
    JSValue e = file_fail(ctx, fn, "open", path, errno);
    free(path);
    return e;
  }
  file_obj *fo = calloc(1, sizeof *fo);
  if (!fo) {
    fclose(f);
    free(path);
    return JS_ThrowOutOfMemory(ctx);
  }
  fo->f = f;
  fo->path = path;
  JSValue obj = media_new_obj(ctx, JS_UNDEFINED, file_class_id, fo);
  if (JS_IsException(obj)) {
    fclose(f);
    free(path);
    free(fo);
  }
  return obj;
}

JSValue media_remove_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "removeFile";
  char host[PATH_MAX];
  char *path = map_path(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, fn, host, sizeof host);
  if (!path) return JS_EXCEPTION;
  JSValue r = unlink(host) == 0 ? JS_UNDEFINED : file_fail(ctx, fn, "remove", path, errno);
  free(path);
  return r;
}

static file_obj *file_of(JSContext *ctx, JSValueConst this_val, const char *fn) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (fo && !fo->f) {
    media_closed(ctx, fn, "file");
    return NULL;
  }
  return fo;
}

/* The engine's own memory behind a read's ArrayBuffer: it can be transferred and resized as any. */
static void *read_buffer_realloc(JSRuntime *rt, void *opaque, void *ptr, size_t size) {
  (void)opaque;
  if (size) return js_realloc_rt(rt, ptr, size);
  js_free_rt(rt, ptr);
  return NULL;
}

static JSValue file_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = file_of(ctx, this_val, "MediaFile.read");
  if (!fo) return JS_EXCEPTION;
  int64_t n;
  if (argc < 1 || kjs_get_int(ctx, argv[0], "MediaFile.read: size", 1, 64 << 20, &n) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.read(size) needs a size") : JS_EXCEPTION;
  /* Read straight into the memory the ArrayBuffer will own (the engine's, so the heap limit
   * counts it): a copy into a second buffer cost every read a second set of fresh pages. */
  uint8_t *buf = js_malloc(ctx, (size_t)n);
  if (!buf) return JS_EXCEPTION;
  size_t got = fread(buf, 1, (size_t)n, fo->f);
  if (!got) {
    int e = errno;
    bool failed = ferror(fo->f);
    js_free(ctx, buf);
    return failed ? file_fail(ctx, "MediaFile.read", "read", fo->path, e) : JS_NULL;
  }
  if (got < (size_t)n) {
    uint8_t *fit = js_realloc(ctx, buf, got);
    if (fit) buf = fit;
    else JS_FreeValue(ctx, JS_GetException(ctx)); /* a failed shrink keeps the larger block */
  }
  JSValue r = JS_NewArrayBuffer(ctx, buf, got, 0, read_buffer_realloc, NULL, false);
  if (JS_IsException(r)) js_free(ctx, buf);
  return r;
}

static JSValue file_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = file_of(ctx, this_val, "MediaFile.write");
  if (!fo) return JS_EXCEPTION;
  const uint8_t *data;
  size_t len;
  if (argc < 1 || kjs_get_bytes(ctx, argv[0], "MediaFile.write: data", &data, &len) < 0)
    return argc < 1 ? JS_ThrowTypeError(ctx, "MediaFile.write(data) needs data") : JS_EXCEPTION;
  if (fwrite(data, 1, len, fo->f) != len) return file_fail(ctx, "MediaFile.write", "write", fo->path, errno);
  return JS_UNDEFINED;
}

/* The C library's buffer to the file system, then the file system's cache to the medium (on
 * FAT, FatFs f_sync): a full card shows here at the latest. */
static JSValue file_sync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = file_of(ctx, this_val, "MediaFile.sync");
  if (!fo) return JS_EXCEPTION;
  if (fflush(fo->f) != 0 || fsync(fileno(fo->f)) != 0)
    return file_fail(ctx, "MediaFile.sync", "write", fo->path, errno);
  return JS_UNDEFINED;
}

static JSValue file_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  file_obj *fo = JS_GetOpaque2(ctx, this_val, file_class_id);
  if (!fo) return JS_EXCEPTION;
  if (!fo->f) return JS_UNDEFINED;
  /* The last buffered bytes are written here: a failure means they are lost, so it throws (the
   * file is closed either way). */
  int rc = fclose(fo->f);
  fo->f = NULL;
  return rc == 0 ? JS_UNDEFINED : file_fail(ctx, "MediaFile.close", "write", fo->path, errno);
}

/* ---- function lists ---- */

static const JSCFunctionListEntry file_proto_funcs[] = {
    JS_CFUNC_DEF("read", 1, file_read),
    JS_CFUNC_DEF("write", 1, file_write),
    JS_CFUNC_DEF("sync", 0, file_sync),
    JS_CFUNC_DEF("close", 0, file_close),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "MediaFile", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

void media_file_class(JSContext *ctx) {
  kjs_class_create(ctx, &file_class_id, &file_class, NULL, 1, file_proto_funcs, COUNT(file_proto_funcs));
}
