/*
 * kjs/media.h — the media modules' state (k230:media, k230:audio, Mp4Recorder): one per
 * runtime (kjs_vm), made with it and released at its end.
 *
 * The board is one per process, and so is the HAL (hal/); several runtimes in one process share
 * it. Each runtime owns what it made: its objects' channels, its links, the display it brought
 * up, its VB pools and blocks, its Players, and what it lent to JS. Resetting a runtime — a soft
 * reset (its kjs_vm freed and a new one made) or MediaManager.resetAll() in it — releases
 * exactly that, in the board's teardown order (its Players stopped first, then
 * hal_reset_handles), and leaves every other runtime's objects working. Only when no other
 * runtime is left does a reset end the HAL's run as well (hal_reset_all: whatever no runtime
 * accounts for, such as Mp4Recorder's private channels, and on the board the VB set-up), so one
 * runtime alone behaves as the board's single app always has. Runtimes are made and reset one
 * at a time: a runtime made while the last other one is being reset may lose what it opens.
 */
#ifndef KJS_MEDIA_H
#define KJS_MEDIA_H

#include "hal/vb.h"
#include "media/annexb.h"
#include "quickjs.h"

typedef struct kjs_media_state kjs_media_state;

/* For the native modules that make HAL objects outside k230:media (k230:audio): record one in
 * its runtime's state after making it (ERR_ENOMEM: nothing recorded, close it and fail), and
 * forget it when closing it, so that a reset of this runtime releases it and only it. */
int kjs_media_own(JSRuntime *rt, hal_handle h);
void kjs_media_disown(JSRuntime *rt, hal_handle h);

/* For k230:mp4's Mp4Muxer.writeFrame: when the bytes p[0..n) (of a buffer JS passed, not
 * detached) are exactly the unit an AnnexBReader of a file has lent and not yet taken back
 * (read-only: JS cannot change them), the start codes its splitter found there, so the muxer
 * need not search them again; else NULL (part of a unit, a buffer source's unit, which JS can
 * change, any other bytes: the muxer searches them). Valid until JS runs again. */
const media_nal_table *kjs_media_annexb_nals(JSContext *ctx, const uint8_t *p, size_t n);

/* For kjs_vm_new: a runtime's empty state; NULL when out of memory. */
kjs_media_state *kjs_media_state_new(void);

/* For kjs_vm_free, once every object of the runtime was finalized (their finalizers closed
 * what they held): releases what the runtime still holds (the display it brought up, anything
 * a finalizer left) as described above, and frees the state. Never interrupted, never calls into JS.
 * Returns the number of HAL objects released; NULL is ignored (0). */
int kjs_media_state_free(kjs_media_state *ms);

#endif
