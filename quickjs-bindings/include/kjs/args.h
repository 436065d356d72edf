/*
 * kjs/args.h — reading arguments and option objects in native modules, with the errors the JS
 * surface promises: TypeError / RangeError naming the function and the argument.
 *
 * Every getter returns 0, or -1 with the exception pending (return JS_EXCEPTION then).
 * `what` is the name used in messages, e.g. "Mp4Muxer: options.width".
 */
#ifndef KJS_ARGS_H
#define KJS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

/* Bytes of an ArrayBuffer, TypedArray or DataView, without copying. The pointer is valid while
 * the value is alive and not detached (do not call into JS before using it). */
int kjs_get_bytes(JSContext *ctx, JSValueConst v, const char *what, const uint8_t **data, size_t *len);

/* An integer in [min, max]. */
int kjs_get_int(JSContext *ctx, JSValueConst v, const char *what, int64_t min, int64_t max, int64_t *out);

/* Option `name` of object `opts` (undefined/absent -> *out = def). opts may be undefined. */
int kjs_opt_int(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, int64_t def, int64_t min,
                int64_t max, int64_t *out);
int kjs_opt_bool(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, bool def, bool *out);

/* A string option that must be one of `choices` (NULL-terminated); *out gets its index. */
int kjs_opt_enum(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, const char *const *choices,
                 int def, int *out);

/* Throws TypeError unless opts is undefined or an object whose own enumerable names are all in
 * `names` (NULL-terminated; KJS_OPTIONS builds one): a misspelt option is an error, never
 * silently its default ("new Sensor: unknown option 'widht' (options: id, width, ...)"). */
int kjs_check_options(JSContext *ctx, JSValueConst opts, const char *fn, const char *const *names);
#define KJS_OPTIONS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Sizes in command lines and config files: "65536", "64k", "32m", "1g" (powers of 1024).
 * False on garbage or overflow. */
bool kjs_parse_size(const char *s, size_t *out);

#endif
