/* k230:mp4's recordings on the card (mp4_internal.h): the segment options, the board path of the
 * file being written, and the segmenter on the host's file system. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "kjs/args.h"
#include "kjs/errors.h"
#include "kjs/paths.h"
#include "kjs/vm.h"
#include "mp4_internal.h"

int mp4js_segment_options(JSContext *ctx, JSValueConst opts, const char *fn, mp4_segment_config *out) {
  *out = (mp4_segment_config)MP4_SEGMENT_CONFIG_DEFAULT;
  if (JS_IsUndefined(opts)) return 0;
  JSValue seg = JS_GetPropertyStr(ctx, opts, "segment");
  if (JS_IsException(seg)) return -1;
  char what[96];
  snprintf(what, sizeof what, "%s: options.segment", fn);
  int64_t dur, mb, keep, free_mb;
  int rc = kjs_check_options(ctx, seg, what, KJS_OPTIONS("durationMs", "maxMB", "keepFiles", "minFreeMB")) < 0 ||
                   kjs_opt_int(ctx, seg, what, "durationMs", 0, 0, INT64_C(1) << 40, &dur) < 0 ||
                   kjs_opt_int(ctx, seg, what, "maxMB", 0, 0, 1 << 20, &mb) < 0 ||
                   kjs_opt_int(ctx, seg, what, "keepFiles", 0, 0, 1000000, &keep) < 0 ||
                   kjs_opt_int(ctx, seg, what, "minFreeMB", 0, 0, 1 << 24, &free_mb) < 0
               ? -1
               : 0;
  bool given = JS_IsObject(seg);
  JS_FreeValue(ctx, seg);
  if (rc) return -1;
  if (given && !dur && !mb && !keep && !free_mb) {
    JS_ThrowTypeError(ctx, "%s needs durationMs, maxMB, keepFiles or minFreeMB", what);
    return -1;
  }
  out->max_duration_us = (uint64_t)dur * 1000;
  out->max_bytes = (uint64_t)mb << 20;
  out->keep_files = (uint32_t)keep;
  out->min_free_bytes = (uint64_t)free_mb << 20;
  return 0;
}

int mp4js_files_open(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                     const mp4_muxer_config *mc, mp4js_files *out) {
  memset(out, 0, sizeof *out);
  bool segmented = sc->max_duration_us || sc->max_bytes || sc->keep_files || sc->min_free_bytes;
  const char *problem = mp4_segment_pattern_problem(path, segmented);
  if (problem) {
    kjs_throw(ctx, ERR_EINVAL, "%s: '%s': %s", fn, path, problem);
    return -1;
  }
  const char *slash = strrchr(path, '/');
  if (slash && (size_t)(slash - path) >= sizeof out->js_dir) {
    kjs_throw(ctx, ERR_ELIMIT, "%s: '%s' is too long", fn, path);
    return -1;
  }
  if (slash) snprintf(out->js_dir, sizeof out->js_dir, "%.*s", (int)(slash - path), path);
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  if (rc == 0) rc = mp4_segmenter_open(&out->seg, host, sc, mc, &mp4_fs_posix);
  if (rc) {
    kjs_throw(ctx, rc, "%s: cannot open '%s': %s", fn, path, err_str(rc));
    return -1;
  }
  mp4js_files_update(out);
  return 0;
}

bool mp4js_files_update(mp4js_files *f) {
  if (!f->seg) return false;
  uint32_t files = f->last.files;
  mp4_segmenter_stats(f->seg, &f->last);
  /* Runs after every frame written: the path is formatted only when the file is a new one. */
  if (f->js_path[0] && f->last.files == files) return false;
  const char *host = mp4_segmenter_path(f->seg);
  const char *name = strrchr(host, '/') ? strrchr(host, '/') + 1 : host;
  if (f->js_dir[0] || strchr(host, '/')) snprintf(f->js_path, sizeof f->js_path, "%s/%s", f->js_dir, name);
  else snprintf(f->js_path, sizeof f->js_path, "%s", name);
  return true;
}

int mp4js_files_close(mp4js_files *f, char *why, size_t why_len) {
  if (why_len) why[0] = 0;
  if (!f->seg) return 0;
  mp4js_files_update(f);
  int rc = mp4_segmenter_close(f->seg, why, why_len);
  f->seg = NULL;
  return rc;
}

JSValue mp4js_segment_stats_to_js(JSContext *ctx, const mp4_segment_stats *st) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "index", JS_NewUint32(ctx, st->index));
  JS_SetPropertyStr(ctx, o, "files", JS_NewUint32(ctx, st->files));
  JS_SetPropertyStr(ctx, o, "deleted", JS_NewUint32(ctx, st->deleted));
  JS_SetPropertyStr(ctx, o, "recovered", JS_NewUint32(ctx, st->recovered));
  return o;
}
