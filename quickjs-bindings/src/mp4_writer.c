/* k230:mp4's writer (mp4_internal.h): a recording's files behind a lock, and the thread that
 * writes what pipes hand over. Two locks: file_mu is held over each write (the card's time, an
 * fsync included); mu guards the queue and what is published after each write, and is never held
 * over one, so the loop thread that queues never waits for the card. Until a pipe starts the
 * thread, the VM thread (which is also the loop thread, kjs/loop.h) is the writer's only user:
 * writeFrame then takes neither lock (three lock pairs a frame: ~1.5% of a 600 s JS mux in perf). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/deadline.h"
#include "hal/clock.h"
#include "mp4_internal.h"

/* A card that stalls for seconds in an fsync must not grow the queue without bound: at 4 Mbit/s
 * this is 16 s of video (a 1080p IDR is a few hundred KB, so the count limit rarely bites). */
enum { QUEUE_MAX_ITEMS = 512, QUEUE_MAX_BYTES = 8 << 20 };

/* Waking the thread for every frame cost the loop thread more than the write it hands over (a
 * futex wake, an IPI under a hypervisor: 33% of that thread's samples, 37-40 us a frame against
 * 14-15 before the thread). So while frames come the thread naps: it wakes by itself every
 * MP4JS_WRITER_NAP_MS and writes what came meanwhile, and the loop thread wakes it only for what
 * must not wait: parameter sets, a keyframe and the picture after it (the muxer ends a fragment
 * when the sample after it comes: a keyframe ends a fragment or a file, the picture after a
 * keyframe a file's first fragment; those bytes then go to the card and, with sync
 * "flush"/"fsync", are flushed at once, as before), a queue a quarter full (so a batch never fills
 * it), a writeFrame or close waiting for the queue. What bounds the delay of any other frame is
 * the nap: it reaches the segmenter at most MP4JS_WRITER_NAP_MS (plus the writes queued before it)
 * after it was queued, so a fragment cut by time or size (maxFragmentMs, firstFragmentMs) is on
 * the card that much later at most. A frame held in the queue is no less durable than one in the
 * muxer's open fragment: neither is in the file until that fragment ends. A nap that finds nothing
 * (the frames stopped) turns into a wait that the next frame ends. */
enum { WRITER_AWAKE, WRITER_NAPPING, WRITER_IDLE };

struct mp4js_item {
  struct mp4js_item *next;
  int track;
  unsigned flags;
  bool header;
  int64_t pts_us;
  size_t len;
  uint8_t data[];
};

/* Under mu (or with no writer thread): what JS reads without waiting for the card, after
 * mp4js_files_update under file_mu said whether the path changed. */
static void published(mp4js_writer *w, bool renamed) {
  w->seg = w->files.last;
  if (renamed) snprintf(w->path, sizeof w->path, "%s", w->files.js_path);
}

/* Under file_mu: refreshes the files' stats, then takes mu and publishes them. */
static void publish(mp4js_writer *w) {
  bool renamed = mp4js_files_update(&w->files);
  pthread_mutex_lock(&w->mu);
  published(w, renamed);
}

/* The one place a sample reaches the segmenter, from the thread or from writeFrame. `locked`:
 * whether the writer thread exists (the locks are taken), else only the VM thread is here. */
static int write_one(mp4js_writer *w, int track, const uint8_t *data, size_t len, const media_nal_table *nals,
                     int64_t pts_us, unsigned flags, bool header, bool locked, char *why, size_t why_len) {
  if (locked) pthread_mutex_lock(&w->file_mu);
  int rc = w->files.seg ? mp4_segmenter_write_nals(w->files.seg, track, data, len, nals, pts_us, flags) : ERR_ECLOSED;
  if (rc < 0) {
    const char *detail = w->files.seg ? mp4_segmenter_last_error(w->files.seg) : "";
    snprintf(why, why_len, "%s", *detail ? detail : err_str(rc));
  }
  bool renamed = mp4js_files_update(&w->files);
  if (locked) {
    pthread_mutex_lock(&w->mu);
    pthread_mutex_unlock(&w->file_mu);
  }
  published(w, renamed);
  if (rc >= 0 && track == w->video_track) {
    w->st.bytes += len;
    if (!header) {
      w->st.frames++;
      w->video_started = true;
    }
  } else if (rc >= 0 && track == w->audio_track && w->video_started) {
    w->st.audio_frames++; /* the file's timeline starts at the first picture: none before it */
  }
  if (locked) pthread_mutex_unlock(&w->mu);
  return rc < 0 ? rc : 0;
}

/* Under mu. */
static void free_queue(mp4js_writer *w) {
  while (w->head) {
    mp4js_item *it = w->head;
    w->head = it->next;
    free(it);
  }
  w->tail = NULL;
  w->queued = 0;
  w->queued_bytes = 0;
}

/* Under mu: a sleeping thread is woken; an awake one looks at the queue before it sleeps. Marked
 * awake at once, so that the frames queued before it runs do not wake it again. */
static void writer_wake(mp4js_writer *w) {
  if (w->asleep == WRITER_AWAKE) return;
  w->asleep = WRITER_AWAKE;
  pthread_cond_signal(&w->cv);
}

static void *writer_thread(void *arg) {
  mp4js_writer *w = arg;
  bool nap = true;        /* frames are coming: wait a nap, not until woken */
  uint64_t woke_loop = 0; /* when the loop was last woken (w->wake) */
  pthread_mutex_lock(&w->mu);
  for (;;) {
    if (!w->head) {
      if (w->quit) break; /* everything written */
      w->asleep = nap ? WRITER_NAPPING : WRITER_IDLE;
      if (nap) {
        struct timespec t;
        base_deadline(&t, MP4JS_WRITER_NAP_MS);
        base_cond_wait(&w->cv, &w->mu, &t, MP4JS_WRITER_NAP_MS);
      } else {
        pthread_cond_wait(&w->cv, &w->mu);
      }
      w->asleep = WRITER_AWAKE;
      nap = w->head != NULL;
      continue;
    }
    mp4js_item *it = w->head;
    w->head = it->next;
    if (!w->head) w->tail = NULL;
    w->queued--;
    w->queued_bytes -= it->len;
    w->busy = true;
    pthread_mutex_unlock(&w->mu);
    char why[sizeof w->err_text];
    int rc = write_one(w, it->track, it->data, it->len, NULL, it->pts_us, it->flags, it->header, true, why, sizeof why);
    free(it);
    pthread_mutex_lock(&w->mu);
    if (rc < 0 && !w->err) {
      w->err = rc;
      snprintf(w->err_text, sizeof w->err_text, "%s", why);
      free_queue(w); /* nothing after a failed write can reach the file */
    }
    w->busy = false;
    if (!w->head && w->draining) pthread_cond_broadcast(&w->drained);
    /* Mp4Recorder.process() waits on the loop for the next picture: once the queue is written,
     * and every nap while a slow card keeps it from emptying. */
    kjs_loop *wake = w->wake;
    uint64_t now = wake ? hal_clock_us() : 0;
    if (wake && (!w->head || now - woke_loop >= MP4JS_WRITER_NAP_MS * 1000ull)) {
      woke_loop = now;
      pthread_mutex_unlock(&w->mu);
      kjs_loop_wake(wake);
      pthread_mutex_lock(&w->mu);
    }
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int mp4js_writer_open(JSContext *ctx, const char *fn, const char *path, const mp4_segment_config *sc,
                      const mp4_muxer_config *mc, mp4js_writer *w) {
  memset(w, 0, sizeof *w);
  if (mp4js_files_open(ctx, fn, path, sc, mc, &w->files) < 0) return -1;
  pthread_mutex_init(&w->mu, NULL);
  pthread_mutex_init(&w->file_mu, NULL);
  base_cond_init_mono(&w->cv);
  pthread_cond_init(&w->drained, NULL);
  w->seg = w->files.last;
  snprintf(w->path, sizeof w->path, "%s", w->files.js_path);
  w->open = true;
  return 0;
}

int mp4js_writer_add_track(mp4js_writer *w, mp4_track_kind kind, mp4_codec codec, int a, int b, char *why,
                           size_t why_len) {
  pthread_mutex_lock(&w->file_mu);
  int rc = ERR_ECLOSED;
  if (w->files.seg) {
    rc = kind == MP4_TRACK_VIDEO ? mp4_segmenter_add_video(w->files.seg, codec, a, b)
                                 : mp4_segmenter_add_audio(w->files.seg, codec, a, b);
    if (rc < 0) snprintf(why, why_len, "%s", mp4_segmenter_last_error(w->files.seg));
  }
  pthread_mutex_unlock(&w->file_mu);
  pthread_mutex_lock(&w->mu);
  if (rc > 0 && kind == MP4_TRACK_VIDEO && !w->video_track) w->video_track = rc;
  if (rc > 0 && kind == MP4_TRACK_AUDIO && !w->audio_track) w->audio_track = rc;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int mp4js_writer_write(mp4js_writer *w, int track, const uint8_t *data, size_t len, const media_nal_table *nals,
                       int64_t pts_us, unsigned flags, char *why, size_t why_len) {
  /* w->thread is set by mp4js_writer_queue on this same thread, so it is read without mu. */
  if (!w->thread) return write_one(w, track, data, len, nals, pts_us, flags, false, false, why, why_len);
  pthread_mutex_lock(&w->mu);
  w->draining++;
  if (w->head) writer_wake(w);
  while ((w->head || w->busy) && !w->err) pthread_cond_wait(&w->drained, &w->mu); /* after what is queued */
  w->draining--;
  int rc = w->err;
  if (rc) snprintf(why, why_len, "%s", w->err_text);
  pthread_mutex_unlock(&w->mu);
  return rc ? rc : write_one(w, track, data, len, nals, pts_us, flags, false, true, why, why_len);
}

int mp4js_writer_queue(mp4js_writer *w, int track, const uint8_t *data, size_t len, int64_t pts_us, unsigned flags,
                       bool header) {
  pthread_mutex_lock(&w->mu);
  int rc = w->err ? w->err : w->files.seg ? 0 : ERR_ECLOSED;
  if (rc == 0 && !w->thread && pthread_create(&w->th, NULL, writer_thread, w) != 0) rc = ERR_ENOMEM;
  if (rc == 0) w->thread = true;
  bool video = track == w->video_track;
  /* After a drop the pictures that depend on the lost one are worthless: wait for a keyframe. */
  bool wait_key = video && w->resync && !header && !(flags & MP4_FRAME_KEYFRAME);
  if (rc == 0 && (wait_key || w->queued >= QUEUE_MAX_ITEMS || w->queued_bytes + len > QUEUE_MAX_BYTES)) {
    w->st.dropped++;
    if (video && !header) w->resync = true;
    pthread_mutex_unlock(&w->mu);
    return 0;
  }
  mp4js_item *it = rc == 0 ? malloc(sizeof *it + len) : NULL;
  if (rc == 0 && !it) rc = ERR_ENOMEM;
  if (it) {
    *it = (mp4js_item){NULL, track, flags, header, pts_us, len};
    memcpy(it->data, data, len);
    if (w->tail) w->tail->next = it;
    else w->head = it;
    w->tail = it;
    w->queued++;
    w->queued_bytes += len;
    bool key = flags & MP4_FRAME_KEYFRAME;
    bool urgent = header || key || (video && w->after_key) || w->queued >= QUEUE_MAX_ITEMS / 4 ||
                  w->queued_bytes >= QUEUE_MAX_BYTES / 4;
    if (video && !header) {
      w->resync = false;
      w->after_key = key;
    }
    if (w->asleep == WRITER_IDLE || urgent) writer_wake(w);
  }
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int mp4js_writer_close(mp4js_writer *w, char *why, size_t why_len) {
  if (why_len) why[0] = 0;
  if (!w->open) return 0;
  pthread_mutex_lock(&w->mu);
  w->quit = true;
  writer_wake(w);
  pthread_mutex_unlock(&w->mu);
  if (w->thread) pthread_join(w->th, NULL); /* it writes what is queued first */
  w->thread = false;
  char closing[256];
  pthread_mutex_lock(&w->file_mu);
  int rc2 = mp4js_files_close(&w->files, closing, sizeof closing);
  publish(w); /* takes mu */
  pthread_mutex_unlock(&w->file_mu);
  int rc = w->err;
  if (rc) snprintf(why, why_len, "%s", w->err_text);
  if (!rc && rc2) {
    rc = rc2;
    snprintf(why, why_len, "%s", closing);
  }
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void mp4js_writer_free(mp4js_writer *w) {
  if (!w->open) return;
  mp4js_writer_close(w, NULL, 0);
  free_queue(w);
  pthread_mutex_destroy(&w->mu);
  pthread_mutex_destroy(&w->file_mu);
  pthread_cond_destroy(&w->cv);
  pthread_cond_destroy(&w->drained);
  w->open = false;
}

int mp4js_writer_error(mp4js_writer *w, char *why, size_t why_len) {
  pthread_mutex_lock(&w->mu);
  int rc = w->err;
  if (rc && why_len) snprintf(why, why_len, "%s", w->err_text);
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void mp4js_writer_read(mp4js_writer *w, mp4js_writer_stats *st, mp4_segment_stats *seg, char *path, size_t path_len) {
  pthread_mutex_lock(&w->mu);
  if (st) *st = w->st;
  if (seg) *seg = w->seg;
  if (path_len) snprintf(path, path_len, "%s", w->path);
  pthread_mutex_unlock(&w->mu);
}
