/* k230:audio AudioIn.pipeTo (audio_pipe.h). The thread only reads and encodes; every sink call
 * happens on the loop thread. Posts carry the pipe's id, never its address: a stopped pipe's
 * late post finds nothing. */
#include "audio_pipe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hal/audio.h"
#include "base/errors.h"
#include "kjs/errors.h"
#include "kjs/loop.h"
#include "kjs/sink.h"
#include "kjs/vm.h"
#include "media/g711.h"
#include "media_internal.h"

enum { RING = 32, CHUNK_MAX = 8192, MAX_PIPES = MEDIA_AUDIO_PIPES };

typedef struct chunk {
  uint8_t data[CHUNK_MAX];
  size_t len;
  uint64_t pts_us;
} chunk;

struct audio_pipe {
  uint32_t id; /* posts find the pipe by id in its runtime's ms->audio_pipes (loop thread) */
  media_state *ms;
  JSContext *ctx;
  kjs_loop *loop;
  hal_handle in;
  int law;
  kjs_media_sink sink;
  JSValue target, on_error;
  pthread_t th;
  atomic_bool stop, posted;
  int error; /* loop thread */
  bool refd; /* holds a loop reference */
  pthread_mutex_t mu;
  chunk ring[RING]; /* under mu */
  int head, count;
  uint64_t dropped; /* under mu: the loop fell behind by a whole ring */
};

static audio_pipe *find(media_state *ms, uint32_t id) {
  for (int i = 0; i < MAX_PIPES; i++)
    if (ms->audio_pipes[i] && ms->audio_pipes[i]->id == id) return ms->audio_pipes[i];
  return NULL;
}

static void drain(kjs_loop *loop, void *user) {
  audio_pipe *p = find(media_state_loop(loop), (uint32_t)(uintptr_t)user);
  if (!p) return;
  atomic_store(&p->posted, false);
  for (;;) {
    chunk c;
    pthread_mutex_lock(&p->mu);
    bool any = p->count > 0;
    if (any) {
      c = p->ring[p->head]; /* copied out: the thread keeps filling the ring meanwhile */
      p->head = (p->head + 1) % RING;
      p->count--;
    }
    pthread_mutex_unlock(&p->mu);
    if (!any || p->error) return;
    int rc = p->sink.audio(p->sink.user, c.data, c.len, c.pts_us);
    if (rc < 0) {
      p->error = rc;
      atomic_store(&p->stop, true);
      if (p->refd) kjs_loop_unref(p->loop); /* a stopped pipe no longer keeps the app running */
      p->refd = false;
      if (JS_IsFunction(p->ctx, p->on_error)) {
        JSContext *ctx = p->ctx;
        JSValue fn = JS_DupValue(ctx, p->on_error);
        kjs_throw(ctx, rc, "AudioIn.pipeTo: the target (%s) failed: %s", p->sink.name, err_str(rc));
        JSValue e = JS_GetException(ctx);
        kjs_vm_call(kjs_vm_from_context(ctx), fn, JS_UNDEFINED, 1, (JSValueConst *)&e);
        JS_FreeValue(ctx, e);
        JS_FreeValue(ctx, fn);
      }
      return; /* p may be gone now (the listener may close the input) */
    }
  }
}

static void *run(void *arg) {
  audio_pipe *p = arg;
  /* A live pipe starts now: what the input buffered since it was opened would arrive in a burst
   * and put the target's clock for this track late (kjs_sink_clock_map). */
  hal_audio_frame *old;
  for (int i = 0; i < 1000 && hal_audio_in_read(p->in, &old, 0) == 0; i++) hal_audio_in_release(p->in, old);
  while (!atomic_load(&p->stop)) {
    hal_audio_frame *f;
    if (hal_audio_in_read(p->in, &f, 100) != 0) continue;
    size_t n = f->samples_per_channel < CHUNK_MAX ? f->samples_per_channel : CHUNK_MAX;
    pthread_mutex_lock(&p->mu);
    if (p->count == RING) { /* the oldest goes: a live source never waits for its target */
      p->head = (p->head + 1) % RING;
      p->count--;
      p->dropped++;
    }
    chunk *c = &p->ring[(p->head + p->count) % RING];
    if (p->law == 0) media_alaw_encode_buf(f->samples, c->data, n);
    else media_ulaw_encode_buf(f->samples, c->data, n);
    c->len = n;
    c->pts_us = f->pts_us;
    p->count++;
    pthread_mutex_unlock(&p->mu);
    hal_audio_in_release(p->in, f);
    if (!atomic_exchange(&p->posted, true)) kjs_loop_post(p->loop, drain, (void *)(uintptr_t)p->id);
  }
  return NULL;
}

audio_pipe *audio_pipe_start(JSContext *ctx, hal_handle in, JSValueConst target, int law, JSValueConst on_error) {
  media_state *ms = media_state_of(ctx);
  int slot = -1;
  for (int i = 0; i < MAX_PIPES && slot < 0; i++)
    if (!ms->audio_pipes[i]) slot = i;
  if (slot < 0) {
    kjs_throw(ctx, ERR_ELIMIT, "AudioIn.pipeTo: at most %d inputs can be piped at once", MAX_PIPES);
    return NULL;
  }
  audio_pipe *p = calloc(1, sizeof *p);
  if (!p) {
    JS_ThrowOutOfMemory(ctx);
    return NULL;
  }
  if (kjs_media_sink_of(ctx, target, "AudioIn.pipeTo", &p->sink) < 0) {
    free(p);
    return NULL;
  }
  if (!p->sink.audio) {
    JS_ThrowTypeError(ctx, "AudioIn.pipeTo: the target (%s) takes no audio", p->sink.name);
    free(p);
    return NULL;
  }
  p->ms = ms;
  p->id = ms->next_audio_pipe_id++;
  p->ctx = ctx;
  p->loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  p->in = in;
  p->law = law;
  p->target = JS_DupValue(ctx, target);
  p->on_error = JS_DupValue(ctx, on_error);
  pthread_mutex_init(&p->mu, NULL);
  if (pthread_create(&p->th, NULL, run, p) != 0) {
    JS_FreeValue(ctx, p->target);
    JS_FreeValue(ctx, p->on_error);
    pthread_mutex_destroy(&p->mu);
    free(p);
    kjs_throw(ctx, ERR_ENOMEM, "AudioIn.pipeTo: cannot start the audio thread");
    return NULL;
  }
  kjs_loop_ref(p->loop); /* a running pipe keeps the app running, like an encoder */
  p->refd = true;
  ms->audio_pipes[slot] = p;
  return p;
}

void audio_pipe_stop(audio_pipe *p, JSRuntime *rt) {
  if (!p) return;
  atomic_store(&p->stop, true);
  pthread_join(p->th, NULL);
  for (int i = 0; i < MAX_PIPES; i++)
    if (p->ms->audio_pipes[i] == p) p->ms->audio_pipes[i] = NULL;
  if (p->sink.detach) p->sink.detach(p->sink.user);
  if (p->refd) kjs_loop_unref(p->loop);
  JS_FreeValueRT(rt, p->target);
  JS_FreeValueRT(rt, p->on_error);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

void audio_pipe_mark(JSRuntime *rt, audio_pipe *p, JS_MarkFunc *mark_func) {
  if (!p) return;
  JS_MarkValue(rt, p->target, mark_func);
  JS_MarkValue(rt, p->on_error, mark_func);
}

int audio_pipe_error(const audio_pipe *p) { return p ? p->error : 0; }
