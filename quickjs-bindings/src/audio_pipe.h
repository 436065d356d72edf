/*
 * Internal to k230:audio: `audioIn.pipeTo(target)` — a thread reads the microphone, encodes
 * G.711 and hands the chunks to the loop thread, which gives them to the target's sink.audio
 * (kjs/sink.h) with no JS per chunk. One pipe per AudioIn; the input is the pipe's while it runs.
 */
#ifndef KJS_AUDIO_PIPE_H
#define KJS_AUDIO_PIPE_H

#include "hal/vb.h"
#include "quickjs.h"

typedef struct audio_pipe audio_pipe;

/* Starts the pipe on an open input (8 kHz mono). law: 0 A-law, 1 µ-law. on_error: a function
 * called with the Error once the sink fails (the pipe stops), or undefined. NULL with an
 * exception pending. */
audio_pipe *audio_pipe_start(JSContext *ctx, hal_handle in, JSValueConst target, int law, JSValueConst on_error);
/* Stops the thread and frees the pipe (the input stays open); safe from a finalizer. */
void audio_pipe_stop(audio_pipe *p, JSRuntime *rt);
/* A reset (media_reset) closes the inputs: first it halts every pipe of the runtime, their threads
 * joined, quietly (ECLOSED, no onError, the loop no longer held); audio_pipe_stop frees them. */
struct kjs_media_state;
void audio_pipes_halt(struct kjs_media_state *ms);
void audio_pipe_mark(JSRuntime *rt, audio_pipe *p, JS_MarkFunc *mark_func);
/* 0 while it runs, else the negative code that stopped it. */
int audio_pipe_error(const audio_pipe *p);

#endif
