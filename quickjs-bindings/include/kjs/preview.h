/*
 * kjs/preview.h — the display's live preview on the console link (CanMV's IDE frame buffer;
 * docs/protocol.md "Display preview").
 *
 * While a host on the link in raw mode asks for it (`k230js preview`), the console session
 * (kjs/repl.h) takes what the display shows (hal_display_writeback) at the rate asked for,
 * encodes it as JPEG with an encoder channel of its own (the highest free one) and sends it as
 * framed packets between the session's own output, one picture in flight at a time: a picture
 * the link or the encoder is still busy with makes the next ones be skipped, never queued. Which
 * displays are shown is the runtime's `preview` setting (KJS_PREVIEW_*): by default those brought
 * up with `Display.init(..., { toIde: true })`.
 *
 * k230:media calls kjs_preview_display when the display comes up or goes; without a console
 * session (an app run on its own) it does nothing.
 */
#ifndef KJS_PREVIEW_H
#define KJS_PREVIEW_H

#include <stdbool.h>

#include "hal/vb.h"

/* The display the app brought up (0: none any more) and whether it asked for the IDE. */
void kjs_preview_display(hal_handle disp, bool to_ide);

#endif
