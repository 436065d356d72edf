/*
 * k230:media AnnexBReader — the access units of a raw H.264/H.265 stream (Annex-B), split in C
 * by libs/media's reader (media/au.h) and handed to JS without copying: from a file, a lent
 * view of the file mapped (or, where it cannot be mapped, of the reader's read buffer), read-only
 * (an immutable ArrayBuffer) and detached at the next read; from a buffer, a view into it.
 * A file's unit keeps the start codes the splitter found in it: Mp4Muxer.writeFrame given that
 * unit copies its NALs without searching it again (kjs_media_annexb_nals).
 * Types and docs: js-lib/types/k230-media.d.ts.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/filemap.h"
#include "kjs/record.h"
#include "media/au.h"
#include "media_internal.h"

/* ---- private struct ---- */

typedef struct annexb_reader {
  media_au_reader *r; /* NULL once closed */
  media_codec codec;
  int fd;           /* file source read through read(), else -1 */
  int64_t fd_size;  /* its size when opened (a smaller one at the end: it shrank) */
  bool file;        /* a file source: units are lent (mapped or read) */
  char *path;       /* a file source's path, as given (for errors) */
  base_filemap map; /* file source mapped (map.data), of which the units already read are
                       unmapped again */
  size_t populated; /* file source mapped: bytes from the start made present ahead of the units */
  /* Buffer source: the ArrayBuffer (counted, marked) and the bytes the reader scans, checked
   * before each read so a detached or resized buffer is an error, never a stale pointer. */
  JSValue buffer;
  const uint8_t *base;
  size_t offset, size;
  /* File source: the ArrayBuffer lent for the last unit (not counted: it holds a reference to
   * us), revoked before the reader reuses its memory. JS_UNDEFINED when none is out. While one
   * is, the reader is on its runtime's media_state.annexb_lent list (next_lent), with the unit's
   * bytes and NAL table. */
  JSValue lent;
  struct annexb_reader *next_lent;
  const uint8_t *unit;
  size_t unit_size;
  media_nal_table nals;
  kjs_record_names unit_fields; /* {data, keyframe, index, offset}: read() runs for every picture */
} annexb_reader;

/* ---- class id ---- */

static JSClassID annexb_class_id;

/* ---- close / finalize ---- */

static void annexb_revoke(JSContext *ctx, annexb_reader *a) {
  if (!JS_IsUndefined(a->lent)) kjs_lend_revoke(ctx, a->lent); /* clears a->lent */
}

static void annexb_release(JSRuntime *rt, annexb_reader *a) {
  media_au_reader_close(a->r);
  a->r = NULL;
  base_filemap_close(&a->map);
  if (a->fd >= 0) close(a->fd);
  a->fd = -1;
  JS_FreeValueRT(rt, a->buffer);
  a->buffer = JS_UNDEFINED;
}

static void annexb_free(JSRuntime *rt, annexb_reader *a) {
  annexb_release(rt, a);
  free(a->path);
  kjs_record_names_free(rt, &a->unit_fields);
  free(a);
}

static void annexb_finalizer(JSRuntime *rt, JSValueConst val) {
  annexb_reader *a = JS_GetOpaque(val, annexb_class_id);
  if (!a) return;
  /* No unit can be out: each keeps this object alive. */
  annexb_free(rt, a);
}

/* ---- gc_mark ---- */

static void annexb_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  annexb_reader *a = JS_GetOpaque(val, annexb_class_id);
  if (a) JS_MarkValue(rt, a->buffer, mark);
}

/* ---- JSClassDef ---- */

static const JSClassDef annexb_class = {"AnnexBReader", .finalizer = annexb_finalizer, .gc_mark = annexb_mark};

/* ---- constructor ---- */

/* {data, keyframe, index, offset}. Takes `data`. */
static JSValue unit_new(JSContext *ctx, annexb_reader *a, JSValue data, bool keyframe, uint64_t index,
                        uint64_t offset) {
  JSValue values[] = {data, JS_NewBool(ctx, keyframe), JS_NewInt64(ctx, (int64_t)index),
                      JS_NewInt64(ctx, (int64_t)offset)};
  return kjs_record_new(ctx, &a->unit_fields, values);
}

static int64_t fd_read(void *user, void *buf, size_t n) {
  ssize_t k = read(*(int *)user, buf, n);
  return k < 0 ? ERR_EIO : (int64_t)k;
}

static bool h265_name(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot && (!strcmp(dot, ".265") || !strcmp(dot, ".h265") || !strcmp(dot, ".hevc"));
}

/* A file source mapped read-only: the reader splits it in place, so the bytes reach the units
 * without the read() copy (-8% CPU for a mux of the stream). False if it cannot be (a pipe, an
 * empty file, a system without file mappings): the file is then read. */
static bool annexb_map(annexb_reader *a) {
  if (base_filemap_open(&a->map, a->fd, 0) != 0) return false;
  close(a->fd);
  a->fd = -1;
  return true;
}

/* Pages before the unit just handed out are not read again: unmapped every few MiB, so a long
 * file's mapping does not keep it all resident. */
static void annexb_release_behind(annexb_reader *a, uint64_t offset) {
  enum { RELEASE_STEP = 8 << 20 };
  if (a->map.data && offset >= a->map.released + RELEASE_STEP) base_filemap_release(&a->map, (size_t)offset);
}

/* The mapped file shrank under the reader: what it shows past the new end is zeros, not units. */
static JSValue annexb_shrank(JSContext *ctx, annexb_reader *a, const char *fn) {
  return kjs_throw(ctx, ERR_ETRUNC, "%s: '%s' shrank while it was open: its units past the new end are gone", fn,
                   a->path);
}

/* The pages of the next few MiB after the unit just handed out are made present in one call
 * each time the units come within that distance of the last ones: one system call instead of a
 * page fault per 64 KiB that the splitter's first touch would take (4700 for a 300 MB file),
 * -3% CPU for a mux of a file already in the page cache. Only pages of the page cache: a file
 * that is not in it is read as the faults would read it. Without MADV_POPULATE_READ (older
 * kernels) the faults stay. */
static void annexb_populate_ahead(annexb_reader *a, uint64_t end) {
  enum { AHEAD = 8 << 20 };
  if (!a->map.data || a->populated >= a->map.size || a->populated > end + AHEAD) return;
  size_t from = a->populated > end ? a->populated : (size_t)end & ~(size_t)0xFFFFF;
  size_t len = a->map.size - from < 2 * AHEAD ? a->map.size - from : 2 * AHEAD;
  if (base_filemap_prefetch(&a->map, from, len) != 0) len = a->map.size - from; /* unsupported: stop asking */
  a->populated = from + len;
}

/* The source: a path (opened) or an ArrayBuffer / view (kept). */
static int annexb_source(JSContext *ctx, annexb_reader *a, JSValueConst src, bool *h265) {
  static const char fn[] = "new AnnexBReader";
  if (JS_IsString(src)) {
    const char *path = JS_ToCString(ctx, src);
    if (!path) return -1;
    char host[PATH_MAX];
    int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
    if (rc == 0 && (a->fd = open(host, O_RDONLY)) < 0) rc = errno == ENOENT ? ERR_ENOENT : ERR_EIO;
    if (rc == 0 && !(a->path = strdup(path))) rc = ERR_ENOMEM;
    if (rc) kjs_throw(ctx, rc, "%s: cannot open '%s': %s", fn, path, err_str(rc));
    a->file = rc == 0;
    *h265 = h265_name(path);
    JS_FreeCString(ctx, path);
    return rc ? -1 : 0;
  }
  const uint8_t *p;
  size_t n;
  if (kjs_get_bytes(ctx, src, "new AnnexBReader: source", &p, &n) < 0) return -1;
  size_t off = 0, len, elem;
  JSValue ab;
  if (JS_IsArrayBuffer(src)) ab = JS_DupValue(ctx, src);
  else if (JS_GetTypedArrayType(src) >= 0) ab = JS_GetTypedArrayBuffer(ctx, src, &off, &len, &elem);
  else ab = JS_GetPropertyStr(ctx, src, "buffer"); /* a DataView (kjs_get_bytes took nothing else) */
  if (JS_IsException(ab)) return -1;
  size_t total;
  const uint8_t *base = JS_GetArrayBuffer(ctx, &total, ab);
  if (base) off = (size_t)(p - base); /* the same for a typed array; a DataView's offset */
  a->buffer = ab;
  a->base = base;
  a->offset = off;
  a->size = n;
  return 0;
}

static JSValue annexb_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new AnnexBReader";
  static const char *const codecs[] = {"h264", "h265", NULL};
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(source[, options]) needs a path or a buffer", fn);
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("codec", "maxUnitSize")) < 0) return JS_EXCEPTION;
  annexb_reader *a = calloc(1, sizeof *a);
  if (!a) return JS_ThrowOutOfMemory(ctx);
  a->fd = -1;
  a->map.slot = -1;
  a->buffer = a->lent = JS_UNDEFINED;
  static const char *const unit_fields[] = {"data", "keyframe", "index", "offset"};
  if (kjs_record_names_init(ctx, &a->unit_fields, unit_fields, COUNT(unit_fields)) < 0) {
    annexb_free(JS_GetRuntime(ctx), a);
    return JS_EXCEPTION;
  }
  bool h265 = false;
  int codec;
  int64_t max_unit;
  media_au_reader_config cfg = MEDIA_AU_READER_CONFIG_DEFAULT;
  if (annexb_source(ctx, a, argv[0], &h265) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "codec", codecs, h265 ? 1 : 0, &codec) < 0 ||
      kjs_opt_int(ctx, opts, fn, "maxUnitSize", (int64_t)cfg.max_au_size, 1024, 256 << 20, &max_unit) < 0) {
    annexb_free(JS_GetRuntime(ctx), a);
    return JS_EXCEPTION;
  }
  a->codec = codec ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
  cfg.codec = a->codec;
  cfg.max_au_size = (size_t)max_unit;
  if (a->file && annexb_map(a)) {
    cfg.data = a->map.data;
    cfg.size = a->map.size;
  } else if (a->file) {
    struct stat st;
    a->fd_size = fstat(a->fd, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    cfg.read = fd_read;
    cfg.user = &a->fd;
  } else {
    cfg.data = a->base + a->offset;
    cfg.size = a->size;
  }
  int rc = media_au_reader_open(&a->r, &cfg);
  JSValue obj = rc ? JS_EXCEPTION : media_new_obj(ctx, new_target, annexb_class_id, a);
  if (JS_IsException(obj)) {
    if (rc) media_fail(ctx, rc, fn);
    annexb_free(JS_GetRuntime(ctx), a);
  }
  return obj;
}

/* ---- getters ---- */

/* magic 0 codec, 1 closed */
static JSValue annexb_get(JSContext *ctx, JSValueConst this_val, int magic) {
  annexb_reader *a = JS_GetOpaque2(ctx, this_val, annexb_class_id);
  if (!a) return JS_EXCEPTION;
  if (magic == 0) return JS_NewString(ctx, a->codec == MEDIA_CODEC_H265 ? "h265" : "h264");
  return JS_NewBool(ctx, a->r == NULL);
}

/* ---- methods ---- */

static void unit_returned(JSRuntime *rt, void *opaque) {
  annexb_reader *a = opaque;
  a->lent = JS_UNDEFINED;
  media_state *ms = media_state_rt(rt);
  for (annexb_reader **p = ms ? &ms->annexb_lent : NULL; p && *p; p = &(*p)->next_lent)
    if (*p == a) {
      *p = a->next_lent;
      break;
    }
  a->next_lent = NULL;
}

const media_nal_table *kjs_media_annexb_nals(JSContext *ctx, const uint8_t *p, size_t n) {
  media_state *ms = media_state_of(ctx);
  /* The bytes are enough: a reader is on this list only while its unit's loan is out, and while it
   * is, the unit's memory (the mapping, or the read buffer, which the next read revokes the loan
   * before reusing) is reachable from JS through that immutable buffer alone. Bytes at the same
   * address and length, in a buffer not yet detached, are the unit's, unchanged. */
  for (annexb_reader *a = ms ? ms->annexb_lent : NULL; a; a = a->next_lent)
    if (p == a->unit && n == a->unit_size) return a->nals.count ? &a->nals : NULL;
  return NULL;
}

/* The unit's bytes as a Uint8Array: a view into the source buffer, or over a lent ArrayBuffer. */
static JSValue unit_data(JSContext *ctx, JSValueConst this_val, annexb_reader *a, const media_au *au) {
  JSValue args[3];
  if (!a->file) {
    args[0] = a->buffer;
    args[1] = JS_NewInt64(ctx, (int64_t)(a->offset + au->offset));
    args[2] = JS_NewInt64(ctx, (int64_t)au->size);
    return JS_NewTypedArray(ctx, 3, args, JS_TYPED_ARRAY_UINT8);
  }
  JSValue ab = kjs_lend_buffer(ctx, au->data, au->size, this_val, unit_returned, a);
  if (JS_IsException(ab)) return ab;
  JS_SetImmutableArrayBuffer(ab, true); /* the file's bytes: the splitter's NAL table stays true */
  if (au->size) {                       /* a zero-length loan has returned already */
    media_state *ms = media_state_of(ctx);
    a->lent = ab; /* not dup'd: the buffer owns a reference to us */
    a->unit = au->data;
    a->unit_size = au->size;
    a->nals = au->nals;
    a->next_lent = ms->annexb_lent;
    ms->annexb_lent = a;
  }
  args[0] = ab;
  JSValue u8 = JS_NewTypedArray(ctx, 1, args, JS_TYPED_ARRAY_UINT8);
  JS_FreeValue(ctx, ab); /* the view holds it now */
  return u8;
}

/* The next unit as {data, keyframe, index, offset}, or null at the end. */
static JSValue annexb_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "AnnexBReader.read";
  annexb_reader *a = JS_GetOpaque2(ctx, this_val, annexb_class_id);
  if (!a) return JS_EXCEPTION;
  annexb_revoke(ctx, a);
  if (!a->r) return media_closed(ctx, fn, "reader");
  if (!a->file && a->size) {
    size_t size;
    const uint8_t *p = JS_GetArrayBuffer(ctx, &size, a->buffer);
    if (!p) JS_FreeValue(ctx, JS_GetException(ctx));
    if (p != a->base || size < a->offset + a->size)
      return kjs_throw(ctx, ERR_ESTATE, "%s: the source buffer was detached or resized", fn);
  }
  if (base_filemap_truncated(&a->map)) return annexb_shrank(ctx, a, fn);
  media_au au;
  int rc = media_au_next(a->r, &au);
  if (base_filemap_truncated(&a->map)) return annexb_shrank(ctx, a, fn); /* it read zeros */
  if (rc == 0 && a->fd >= 0 && a->fd_size >= 0) { /* read to the end: the file's, or where it now ends? */
    struct stat st;
    if (fstat(a->fd, &st) == 0 && (int64_t)st.st_size < a->fd_size) return annexb_shrank(ctx, a, fn);
  }
  if (rc == 0) return JS_NULL;
  if (rc == ERR_ELIMIT)
    return kjs_throw(ctx, rc, "%s: an access unit larger than maxUnitSize was skipped (read again to go on)", fn);
  if (rc < 0) return media_fail(ctx, rc, fn);
  annexb_release_behind(a, au.offset);
  annexb_populate_ahead(a, au.offset + au.size);
  JSValue data = unit_data(ctx, this_val, a, &au);
  if (JS_IsException(data)) return data;
  return unit_new(ctx, a, data, au.keyframe, au.index, au.offset);
}

/* for (const unit of reader): the reader is its own iterator, ending at the end of the stream. */
static JSValue annexb_iterator(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return JS_DupValue(ctx, this_val);
}

static JSValue annexb_next(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int *pdone, int magic) {
  JSValue u = annexb_read(ctx, this_val, 0, NULL);
  *pdone = JS_IsNull(u);
  return *pdone ? JS_UNDEFINED : u;
}

static JSValue annexb_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  annexb_reader *a = JS_GetOpaque2(ctx, this_val, annexb_class_id);
  if (!a) return JS_EXCEPTION;
  annexb_revoke(ctx, a);
  annexb_release(JS_GetRuntime(ctx), a);
  return JS_UNDEFINED;
}

/* ---- function list ---- */

static const JSCFunctionListEntry annexb_proto_funcs[] = {
    JS_CFUNC_DEF("read", 0, annexb_read),
    JS_CFUNC_DEF("close", 0, annexb_close),
    JS_CFUNC_DEF("[Symbol.iterator]", 0, annexb_iterator),
    JS_ITERATOR_NEXT_DEF("next", 0, annexb_next, 0),
    JS_CGETSET_MAGIC_DEF("codec", annexb_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("closed", annexb_get, NULL, 1),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "AnnexBReader", JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

JSValue media_annexb_class(JSContext *ctx) {
  return kjs_class_create(ctx, &annexb_class_id, &annexb_class, annexb_ctor, 1, annexb_proto_funcs,
                          COUNT(annexb_proto_funcs));
}
