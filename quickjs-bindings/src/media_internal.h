/*
 * Internal to k230:media: what mod_media.c (module init) and the class files share —
 * media_sensor.c, media_encoder.c (Encoder, EncoderStream, Pipe, NullSink), media_decoder.c
 * (Decoder, Frame), media_display.c, media_manager.c (Link, VBPool, Buffer, stats, reset),
 * media_file.c (MediaFile), media_player.c (Player, on player.c), media_annexb.c (AnnexBReader)
 * and media_common.c (module state, shared helpers).
 *
 * Memory crossing into JS is lent (kjs/lend.h): encoder packs and frames are ArrayBuffers over
 * HAL memory, given back by releaseStream()/release(), at the latest by GC. A soft reset
 * (media_reset) releases whatever the app leaked; lent buffers of an older reset
 * generation (media_state.gen) never touch the HAL again.
 */
#ifndef KJS_MEDIA_INTERNAL_H
#define KJS_MEDIA_INTERNAL_H

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/display.h"
#include "base/errors.h"
#include "hal/sensor.h"
#include "hal/vb.h"
#include "hal/vdec.h"
#include "hal/venc.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/console.h"
#include "kjs/errors.h"
#include "kjs/lend.h"
#include "kjs/loop.h"
#include "kjs/media.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/sink.h"
#include "kjs/vm.h"

/* ---- private structs ---- */

/* A link made through this module (MediaManager.link or Display.bindLayer). */
typedef struct media_link {
  hal_handle h; /* 0 once unbound */
  hal_chn src, dst;
  int refs; /* the list + a Link object */
  struct media_link *next;
} media_link;

typedef struct media_sensor {
  hal_handle h; /* 0 once closed */
  int dev;
  uint32_t width, height, fps;
  hal_sensor_chn_config chn[HAL_SENSOR_MAX_CHN];
  bool chn_on[HAL_SENSOR_MAX_CHN];
} media_sensor;

typedef struct media_enc media_enc;

/* One encoder -> target path. Lives while attached to its encoder or referenced by its Pipe. */
typedef struct media_pipe {
  int refs;       /* the encoder's list while attached + the Pipe object */
  bool attached;  /* in the encoder's list: the sink is called */
  bool synced;    /* a stream that opens a picture sequence (HEADER first, or JPEG) came */
  int pending_rc; /* the sink failed in this drain; broken once the stream is given back */
  kjs_media_sink sink;
  JSValue target;   /* counted while attached, marked by the encoder */
  JSValue on_error; /* counted while attached, marked by the encoder */
  uint64_t frames, bytes, errors;
  int last_error;
  struct media_pipe *next;
} media_pipe;

/* A stream lent to JS: released to the HAL when the stream object and every pack buffer are
 * gone (or at releaseStream()). */
typedef struct lent_stream {
  media_enc *e;
  hal_venc_stream *st;
  uint32_t gen;
  int refs;
  bool dead;                       /* the encoder went away: nothing to give back */
  JSValue bufs[HAL_VENC_PACK_MAX]; /* not counted; cleared when each buffer returns */
  struct pack_ref {
    struct lent_stream *ls;
    int idx;
  } pack[HAL_VENC_PACK_MAX];
  uint32_t npacks;
  struct lent_stream *next;
} lent_stream;

struct media_enc {
  int refs; /* the Encoder object + each lent stream */
  struct kjs_media_state *ms;
  hal_handle h;
  int chn;
  uint32_t id;
  uint32_t width, height;
  hal_venc_codec codec;
  JSContext *ctx;
  kjs_loop *loop;
  lent_stream *streams;
  /* pipes (loop thread, except the two atomics read by the encoder thread) */
  atomic_int piped, post_pending; /* piped: number of attached pipes */
  media_pipe *pipes;
  uint64_t delivered; /* streams fetched (by getStream or a drain) since the channel was made */
  struct media_enc *next;
};

typedef struct stream_obj {
  lent_stream *ls; /* NULL once released */
} stream_obj;

typedef struct pipe_obj {
  JSValue enc_obj; /* counted, marked */
  media_pipe *p;   /* counted */
} pipe_obj;

typedef struct media_dec {
  hal_handle h;
  int chn;
  hal_vdec_codec codec;
  bool eos;
} media_dec;

typedef struct lent_frame {
  hal_frame *f;
  uint32_t gen;
  JSContext *ctx;
  JSValue buf; /* not counted */
  struct lent_frame *next;
} lent_frame;

typedef struct frame_obj {
  JSValue buf; /* counted, marked */
  uint32_t width, height, stride[3], seq;
  hal_pixfmt format;
  uint64_t pts_us;
  size_t size, plane1; /* offset of the second plane in buf */
} frame_obj;

typedef struct link_obj {
  media_link *l;
} link_obj;

typedef struct pool_obj {
  hal_handle h;
} pool_obj;

typedef struct block_obj {
  hal_handle h;
  JSValue buf; /* counted, marked */
  uint32_t gen;
} block_obj;

typedef struct file_obj {
  FILE *f;
  char *path; /* as the app gave it, for messages */
} file_obj;

/* A pipe target that counts and drops (benchmarks, tests): the C path with no consumer cost. */
typedef struct null_sink {
  uint64_t frames, bytes;
} null_sink;

/* ---- module state: one per runtime (kjs/media.h; media_common.c) ---- */

struct audio_pipe;
struct annexb_reader;
struct js_player;
#define MEDIA_AUDIO_PIPES 16

/* What one runtime holds of the media blocks. Reached from a context, a runtime (finalizers) or
 * the runtime's loop (posts from the HAL's threads): a pointer away, never a search. */
struct kjs_media_state {
  uint32_t gen;              /* bumped by every reset of this runtime */
  media_link *links;         /* every live link this runtime made */
  media_enc *encs;           /* every live encoder, found by id from a post to the loop */
  uint32_t next_enc_id;      /* encoder ids: a stale post finds nothing */
  lent_frame *frames;        /* every frame lent to JS */
  hal_handle disp;           /* the display, 0 before Display.init */
  struct js_player *players; /* media_player.c: found by id from the engine's posts */
  uint32_t next_player_id;
  struct audio_pipe *audio_pipes[MEDIA_AUDIO_PIPES]; /* audio_pipe.c: found by id likewise */
  struct annexb_reader *annexb_lent;                 /* media_annexb.c: AnnexBReaders with a file's unit lent */
  uint32_t next_audio_pipe_id;
  hal_handle *owned; /* every HAL object this runtime made and has not closed (a reset's set) */
  size_t nowned, capowned;
};
typedef struct kjs_media_state media_state;

media_state *media_state_of(JSContext *ctx);
media_state *media_state_rt(JSRuntime *rt); /* from a finalizer */
media_state *media_state_loop(kjs_loop *loop);
/* Whether the calling runtime is the only one in the process (its reset ends the HAL's run). */
bool media_state_alone(void);

/* The HAL objects this runtime holds: media_own after making one (ERR_ENOMEM when it cannot be
 * recorded: the caller closes it and fails), media_disown when closing it. A reset releases
 * exactly these (hal_reset_handles), so other runtimes' objects stay. */
int media_own(media_state *ms, hal_handle h);
void media_disown(media_state *ms, hal_handle h);

/* The display's one way up and down, for Display.init/deinit and a Player that brings it up:
 * up sets ms->disp and offers the display to the preview on the link (kjs/preview.h) when
 * to_ide; down unbinds what feeds it, stops the preview first, then the HAL. 0 or an ERR_E* code
 * (up leaves ms->disp 0 on failure). */
int media_display_up(media_state *ms, const hal_display_config *cfg, bool to_ide);
int media_display_down(media_state *ms);

/* ---- class ids (each defined in its class file) ---- */

extern JSClassID sensor_class_id;                                                      /* media_sensor.c */
extern JSClassID encoder_class_id, stream_class_id, pipe_class_id, null_sink_class_id; /* media_encoder.c */
extern JSClassID decoder_class_id, frame_class_id;                                     /* media_decoder.c */
extern JSClassID link_class_id, pool_class_id, block_class_id;                         /* media_manager.c */
extern JSClassID file_class_id;                                                        /* media_file.c */

/* ---- shared helpers (media_common.c) ---- */

/* The names of the hal_mod values (MediaManager.*_MOD_ID), NULL-terminated. */
extern const char *const media_mod_names[];

/* Throws the coded error for HAL result `rc` from `fn`; returns JS_EXCEPTION. */
JSValue media_fail(JSContext *ctx, int rc, const char *fn);
/* Throws ERR_ECLOSED: "fn: the <what> is closed"; returns JS_EXCEPTION. */
JSValue media_closed(JSContext *ctx, const char *fn, const char *what);
/* A new object of class `id` holding `opaque`, its prototype from new_target (a constructor
 * call) or else the class prototype. JS_EXCEPTION on failure (`opaque` stays the caller's). */
JSValue media_new_obj(JSContext *ctx, JSValueConst new_target, JSClassID id, void *opaque);
/* A channel {mod, dev, chn} to and from JS; media_chn_from_js returns -1 with an exception. */
JSValue media_chn_to_js(JSContext *ctx, const hal_chn *c);
int media_chn_from_js(JSContext *ctx, JSValueConst v, const char *fn, hal_chn *out);
/* A hal_bind_info as a JS object. */
JSValue media_bind_info_to_js(JSContext *ctx, const hal_bind_info *b);
/* Option `name` of `opts` as a pixel format (`def` when absent); -1 with an exception. */
int media_pixfmt_from(JSContext *ctx, JSValueConst opts, const char *fn, const char *name, hal_pixfmt def,
                      hal_pixfmt *out);
/* The bytes of a lent buffer, or NULL (no exception left pending) once it was released. */
uint8_t *media_buf_ptr(JSContext *ctx, JSValueConst buf, size_t *len);

/* ---- links (media_manager.c) ---- */

/* Whether channel `a` is (mod, dev, chn); chn -1 matches any channel. */
bool media_chn_eq(const hal_chn *a, hal_mod mod, int dev, int chn);
/* Unbind every link touching (mod, dev, chn) (chn -1 = any) so the object can close. */
void media_unbind_touching(media_state *ms, hal_mod mod, int dev, int chn);
/* Bind src -> dst and record the link (one reference, owned by the caller). */
int media_link_make(media_state *ms, const hal_chn *src, const hal_chn *dst, media_link **out);
/* Revoke everything this runtime lent to JS, then release everything it holds (kjs/media.h);
 * returns the number of HAL objects released. */
int media_reset(media_state *ms);

/* ---- encoder (media_encoder.c) ---- */

/* Detach every pipe of `e`; `rt` non-NULL from a finalizer (no JS may run). */
void media_enc_break_pipes(media_enc *e, JSRuntime *rt);
/* Detach every pack buffer still lent (they point into encoder memory about to go). */
void media_enc_revoke_streams(media_enc *e);
/* The kjs/sink.h getter that makes a NullSink a pipe target. */
int media_null_sink_getter(JSContext *ctx, JSValueConst target, kjs_media_sink *out);

/* ---- frames (media_decoder.c) ---- */

/* Wrap a HAL frame into a Frame object whose `data` is lent (released with the buffer). */
JSValue media_frame_wrap(JSContext *ctx, hal_frame *f);

/* ---- MediaFile (media_file.c) ---- */

/* openFile(path, mode) and removeFile(path): the module-level functions. */
JSValue media_open_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);
JSValue media_remove_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);

/* ---- class registration ---- */

#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

/* mod_media.c: registers class `id` with prototype `funcs`; returns its constructor, or
 * JS_UNDEFINED when `ctor` is NULL (instances made only from C). */
/* mod_media.c: the constructor of the static-only classes (Display, MediaManager): throws. */
JSValue media_no_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv);

/* Each class file registers its classes and returns the constructor the module exports. */
JSValue media_sensor_class(JSContext *ctx);    /* Sensor */
JSValue media_encoder_class(JSContext *ctx);   /* Encoder (+ EncoderStream, Pipe) */
JSValue media_null_sink_class(JSContext *ctx); /* NullSink */
JSValue media_decoder_class(JSContext *ctx);   /* Decoder (+ Frame) */
JSValue media_display_class(JSContext *ctx);   /* Display */
JSValue media_manager_class(JSContext *ctx);   /* MediaManager (+ Link, VBPool, Buffer) */
void media_file_class(JSContext *ctx);         /* MediaFile (made by openFile) */
JSValue media_player_class(JSContext *ctx);    /* Player */
/* media_player.c: stops every Player of this runtime (a reset; the objects stay, loaded). */
void media_players_stop(media_state *ms);
JSValue media_annexb_class(JSContext *ctx); /* AnnexBReader */

#endif
