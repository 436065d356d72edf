/*
 * kjs/lend.h — lending native memory to JS as an ArrayBuffer without copying.
 *
 * The buffer aliases `data`. `owner` (a JS object, typically the native object the memory
 * belongs to) is kept alive while the buffer lives, so the memory cannot be freed under it.
 * `on_return(rt, opaque)` runs exactly once: when the lender revokes the buffer with
 * kjs_lend_revoke() (the ArrayBuffer becomes detached, byteLength 0), or when the ArrayBuffer
 * is garbage-collected. It must not run JS. A zero-length loan returns at once (on_return runs
 * before kjs_lend_buffer returns) and yields an ordinary empty ArrayBuffer.
 */
#ifndef KJS_LEND_H
#define KJS_LEND_H

#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

typedef void kjs_lend_return_fn(JSRuntime *rt, void *opaque);

JSValue kjs_lend_buffer(JSContext *ctx, const uint8_t *data, size_t len, JSValueConst owner,
                        kjs_lend_return_fn *on_return, void *opaque);
/* Detaches a lent buffer now (a no-op if it is already detached). */
void kjs_lend_revoke(JSContext *ctx, JSValueConst buffer);
/* Detaches every buffer still lent in this VM (its teardown: owners release their memory next).
 * Returns how many there were. */
int kjs_lend_revoke_all(JSContext *ctx);

#endif
