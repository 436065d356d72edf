/*
 * kjs/media.h — the media modules' process-wide state (k230:media, k230:audio, Mp4Recorder).
 */
#ifndef KJS_MEDIA_H
#define KJS_MEDIA_H

/* Soft reset: detaches every buffer still lent to JS, breaks encoder pipes and releases
 * everything the app holds in the HAL (hal_reset_all), so the next app starts clean. Call it
 * after the old VM is freed (Ctrl-D in the REPL); it also runs once at process exit. Never
 * interrupted, never calls into JS. Returns the number of HAL objects released. */
int kjs_media_reset(void);

#endif
