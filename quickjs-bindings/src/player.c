/* The MP4 player's engine (player.h): feeder, audio and video threads around one clock. */
#include "player.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/audio.h"
#include "hal/clock.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "hal/vdec.h"
#include "media/g711.h"
#include "mp4/demuxer.h"

enum {
  LATE_MS = 150,         /* a frame this late is dropped */
  AUDIO_AHEAD_MS = 1000, /* decoded audio queued beyond what is being played */
  AUDIO_KEEP_MS = 1000,  /* audio kept behind the clock, for resume to replay from the pause */
  CHUNK_MS = 20,         /* audio written per call, so a pause stops it quickly */
  STALL_MS = 300,        /* the device's position still this long after the last sample: over */
  WAIT_STEP_MS = 10,
};
#define NO_CLOCK INT64_MIN

typedef struct pcm_chunk {
  int64_t pts_us;
  uint32_t n; /* samples per channel */
  struct pcm_chunk *next;
  int16_t pcm[]; /* n * channels */
} pcm_chunk;

struct player {
  /* the file (feeder thread while playing) */
  mp4_io io;
  mp4_demuxer *dmx;
  player_info info;
  int vtrack, atrack;

  /* start .. stop */
  player_config cfg;
  hal_vdec_config vcfg;
  hal_handle vdec, aout;
  bool use_audio, threads;
  pthread_t feeder_th, audio_th, video_th;
  uint32_t layer_w, layer_h;

  pthread_mutex_t mu;
  pthread_cond_t cv; /* every state change is broadcast */

  /* under mu: control */
  bool stop, paused;
  player_state state;
  uint32_t gen;     /* bumped by every seek */
  int64_t start_us; /* media time this playback (re)started from: 0 or the seek target */
  bool seek_pending;
  int64_t seek_us;
  bool video_park, video_parked;
  bool showing; /* the video thread is handing a frame to the display */
  bool shown_since_seek;

  /* under mu: the clock */
  int64_t pause_us; /* the clock while paused */
  bool sys_started; /* without audio: the monotonic clock from (sys_pts at sys_us) */
  int64_t sys_pts;
  uint64_t sys_us;
  bool seg_valid; /* with audio: device sample seg_pos plays media time seg_pts */
  uint64_t seg_pos;
  int64_t seg_pts;
  uint64_t dev_written, inflight;
  bool aend; /* the audio is over and played out: the monotonic clock from (aend_pts at aend_us) */
  int64_t aend_pts;
  uint64_t aend_us;
  uint64_t last_pos, last_pos_us; /* the device's position when it last moved */

  /* under mu: the audio queue, oldest first; the cursor is the next sample to write */
  pcm_chunk *qhead, *qtail, *cur;
  uint32_t cur_off;
  uint32_t qepoch; /* bumped when the cursor is moved for the audio thread (seek, rewind) */
  bool audio_eof, rewind;

  /* under mu: how it ends */
  bool feeder_done, video_done, audio_done, ended;
  player_stats st;
  uint64_t errors_before; /* decode errors of the decoders replaced by seeks */
};

/* ---- helpers ---- */

/* Waits on cv up to ms (not at all for ms <= 0). mu held. */
static void wait_ms(player *p, int ms) {
  struct timespec t;
  base_deadline(&t, ms);
  base_cond_wait(&p->cv, &p->mu, &t, ms > 0 ? ms : 0);
}

/* The first fatal error wins. mu held. */
static void fail(player *p, int rc, const char *fmt, const char *detail) {
  if (p->st.error) return;
  p->st.error = rc;
  snprintf(p->st.error_text, sizeof p->st.error_text, fmt, detail);
}

/* A stop or seek is waiting (for loops that run unlocked). */
static bool interrupted(player *p) {
  pthread_mutex_lock(&p->mu);
  bool r = p->stop || p->seek_pending;
  pthread_mutex_unlock(&p->mu);
  return r;
}

static int64_t chunk_end(const player *p, const pcm_chunk *c) {
  return c->pts_us + (int64_t)c->n * 1000000 / p->info.rate;
}

static void queue_clear(player *p) {
  while (p->qhead) {
    pcm_chunk *c = p->qhead;
    p->qhead = c->next;
    free(c);
  }
  p->qtail = p->cur = NULL;
  p->cur_off = 0;
  p->qepoch++;
}

/* Samples queued from the cursor on. */
static uint64_t queued_ahead(const player *p) {
  uint64_t n = 0;
  for (const pcm_chunk *c = p->cur; c; c = c->next) n += c->n - (c == p->cur ? p->cur_off : 0);
  return n;
}

/* ---- the clock (mu held) ---- */

static int64_t clock_now(player *p) {
  if (p->paused) return p->pause_us;
  uint64_t now = hal_clock_us();
  if (p->use_audio) {
    if (p->aend) return p->aend_pts + (int64_t)(now - p->aend_us);
    if (!p->seg_valid) return NO_CLOCK;
    uint64_t pos = 0;
    hal_audio_out_position(p->aout, &pos);
    int64_t t = p->seg_pts + ((int64_t)pos - (int64_t)p->seg_pos) * 1000000 / p->info.rate;
    if (pos != p->last_pos) {
      p->last_pos = pos;
      p->last_pos_us = now;
    }
    /* Played out (or the device stopped short of it: a board's AO keeps a partial frame), then
     * what video is left runs on the monotonic clock from here. */
    bool stalled = now - p->last_pos_us > STALL_MS * 1000;
    if (p->audio_eof && !p->cur && !p->inflight && (pos >= p->dev_written || stalled)) {
      p->aend = true;
      p->aend_pts = t;
      p->aend_us = now;
    }
    return t;
  }
  return p->sys_started ? p->sys_pts + (int64_t)(now - p->sys_us) : NO_CLOCK;
}

/* ---- the end (mu held) ---- */

static void check_end(player *p) {
  if (p->ended || !p->feeder_done || (p->info.has_video && !p->video_done) || (p->use_audio && !p->audio_done)) return;
  p->ended = true;
  p->state = PLAYER_ENDED;
  if (!p->st.error && p->info.warning[0])
    fail(p, ERR_ETRUNC, "the file is damaged (%s): played to its last good frame", p->info.warning);
  pthread_cond_broadcast(&p->cv);
  if (p->cfg.on_event) p->cfg.on_event(p->cfg.user, p->st.error ? PLAYER_EV_ERROR : PLAYER_EV_EOS);
}

/* ---- feeder ---- */

static int open_vdec(player *p, hal_handle *out) {
  int chn;
  int rc = hal_vdec_create(-1, &p->vcfg, out, &chn);
  if (!rc && (rc = hal_vdec_start(*out))) hal_vdec_destroy(*out);
  return rc;
}

/* Ends a decoder as the VDEC wants it ended (canmv-k230/mpp@a94906c:userapps/sample/sample_vdec/
 * sample_vdec.c:325,524): the end of stream sent and decoded, its pictures discarded, then
 * destroyed. Nobody else may use it meanwhile. */
static void vdec_retire(hal_handle v) {
  bool eos_sent = false;
  for (int waited = 0; waited < 3000; waited += 10) {
    if (!eos_sent) {
      int rc = hal_vdec_send_stream(v, NULL, 0, 0, 1, 0);
      eos_sent = rc != ERR_ETIMEDOUT; /* sent, or it was already (ERR_ESTATE) */
    }
    hal_frame *f;
    int rc = hal_vdec_get_frame(v, &f, 10);
    if (rc == 0) hal_frame_release(f);
    else if (rc == ERR_ESTATE && eos_sent) break; /* everything up to the end handed out */
    else if (rc != ERR_ETIMEDOUT) break;
  }
  hal_vdec_destroy(v);
}

/* Repositions everything at p->seek_us. mu held on entry and exit. */
static void do_seek(player *p) {
  int64_t target = p->seek_us;
  p->seek_pending = false;
  p->gen++;
  if (p->info.has_video) {
    p->video_park = true;
    pthread_cond_broadcast(&p->cv);
    while (!p->video_parked && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
  }
  queue_clear(p);
  p->start_us = target;
  p->seg_valid = p->sys_started = p->aend = p->rewind = false;
  p->audio_eof = p->feeder_done = p->video_done = p->audio_done = p->ended = false;
  p->shown_since_seek = false;
  p->st.error = 0;
  p->st.error_text[0] = 0;
  if (p->paused) {
    p->pause_us = target;
    p->state = PLAYER_PAUSED;
  } else {
    p->state = PLAYER_PLAYING;
  }
  hal_handle old = p->vdec;
  hal_vdec_status vs;
  if (old && hal_vdec_status_get(old, &vs) == 0) p->errors_before += vs.errors;
  p->vdec = 0; /* nobody else uses it from here: the video thread is parked */
  pthread_mutex_unlock(&p->mu);
  /* A fresh decoder: nothing decoded for the old position can come out of it. */
  int rc = 0;
  if (p->info.has_video) {
    if (old) vdec_retire(old);
    rc = open_vdec(p, &old);
  }
  int srch = mp4_demuxer_seek(p->dmx, target);
  pthread_mutex_lock(&p->mu);
  p->vdec = rc ? 0 : old;
  if (rc) fail(p, rc, "the video decoder could not restart: %s", err_str(rc));
  else if (srch) fail(p, srch, "seeking in the file failed: %s", err_str(srch));
  if (rc || srch) p->feeder_done = p->video_done = p->audio_done = true;
  p->video_park = false;
  pthread_cond_broadcast(&p->cv);
  check_end(p);
}

/* Decoded audio into the queue, from start_us on. mu held. */
static void push_audio(player *p, const mp4_frame *fr) {
  uint32_t ch = (uint32_t)p->info.channels, n = (uint32_t)(fr->size / ch);
  int64_t pts = fr->pts_us;
  uint32_t skip = 0;
  if (pts < p->start_us) { /* before the seek target: not played */
    int64_t s = (p->start_us - pts) * p->info.rate / 1000000;
    if (s >= n) return;
    skip = (uint32_t)s;
    pts += (int64_t)skip * 1000000 / p->info.rate;
  }
  pcm_chunk *c = malloc(sizeof *c + (size_t)(n - skip) * ch * sizeof(int16_t));
  if (!c) {
    fail(p, ERR_ENOMEM, "out of memory for audio%s", "");
    return;
  }
  c->pts_us = pts;
  c->n = n - skip;
  c->next = NULL;
  if (p->info.acodec == MP4_CODEC_G711A) media_alaw_decode_buf(fr->data + (size_t)skip * ch, c->pcm, (size_t)c->n * ch);
  else media_ulaw_decode_buf(fr->data + (size_t)skip * ch, c->pcm, (size_t)c->n * ch);
  if (p->qtail) p->qtail->next = c;
  else p->qhead = c;
  p->qtail = c;
  if (!p->cur) {
    p->cur = c;
    p->cur_off = 0;
  }
  pthread_cond_broadcast(&p->cv);
}

static void *feeder_main(void *arg) {
  player *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    if (p->seek_pending) {
      do_seek(p);
      continue;
    }
    if (p->feeder_done) {
      pthread_cond_wait(&p->cv, &p->mu);
      continue;
    }
    if (p->use_audio && queued_ahead(p) > (uint64_t)p->info.rate * AUDIO_AHEAD_MS / 1000) {
      wait_ms(p, WAIT_STEP_MS * 5);
      continue;
    }
    uint32_t gen = p->gen;
    pthread_mutex_unlock(&p->mu);
    mp4_frame fr;
    int rc = mp4_demuxer_get_frame(p->dmx, &fr);
    if (rc == 0 && !fr.eof && p->info.has_video && fr.track_id == p->vtrack) {
      /* The decoder's input queue is bounded: wait for room, but never past a stop or seek. */
      do {
        rc = hal_vdec_send_stream(p->vdec, fr.data, fr.size, (uint64_t)(fr.pts_us > 0 ? fr.pts_us : 0), 0, 100);
      } while (rc == ERR_ETIMEDOUT && !interrupted(p));
      if (rc == ERR_ETIMEDOUT) rc = 0;
      else if (rc) fr.eof = true; /* the decoder is gone: end here */
    } else if (rc == 0 && fr.eof && p->info.has_video) {
      hal_vdec_send_stream(p->vdec, NULL, 0, 0, 1, 1000);
    }
    pthread_mutex_lock(&p->mu);
    if (gen != p->gen) continue;
    if (rc < 0) {
      char at[32];
      snprintf(at, sizeof at, "%.3f s", (double)(p->st.last_shown_us > 0 ? p->st.last_shown_us : 0) / 1e6);
      fail(p, rc, rc == ERR_ETRUNC ? "the file shrank while playing (near %s)" : "reading the file failed near %s", at);
      if (p->info.has_video) {
        pthread_mutex_unlock(&p->mu);
        hal_vdec_send_stream(p->vdec, NULL, 0, 0, 1, 1000);
        pthread_mutex_lock(&p->mu);
      }
      fr.eof = true;
    }
    if (fr.eof) {
      p->feeder_done = true;
      p->audio_eof = true;
      pthread_cond_broadcast(&p->cv);
      check_end(p);
    } else if (p->use_audio && fr.track_id == p->atrack) {
      push_audio(p, &fr);
    }
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* ---- audio ---- */

/* Moves the cursor to media time t (the pause point). mu held. */
static void cursor_to(player *p, int64_t t) {
  pcm_chunk *c = p->qhead;
  while (c && chunk_end(p, c) <= t) c = c->next;
  p->cur = c;
  p->cur_off = c && t > c->pts_us ? (uint32_t)((t - c->pts_us) * p->info.rate / 1000000) : 0;
  if (c && p->cur_off >= c->n) p->cur_off = c->n - 1;
}

/* Frees what is behind both the cursor and the clock by more than AUDIO_KEEP_MS. mu held. */
static void prune(player *p) {
  int64_t now = clock_now(p);
  if (now == NO_CLOCK) return;
  while (p->qhead && p->qhead != p->cur && chunk_end(p, p->qhead) < now - AUDIO_KEEP_MS * 1000) {
    pcm_chunk *c = p->qhead;
    p->qhead = c->next;
    if (p->qtail == c) p->qtail = NULL;
    free(c);
  }
}

static void *audio_main(void *arg) {
  player *p = arg;
  uint32_t ch = (uint32_t)p->info.channels, step = (uint32_t)p->info.rate * CHUNK_MS / 1000;
  int16_t *buf = malloc((size_t)step * ch * sizeof(int16_t));
  uint32_t gen = ~0u;
  bool need_seg = true;
  pthread_mutex_lock(&p->mu);
  while (!p->stop && buf) {
    if (gen != p->gen) {
      gen = p->gen;
      need_seg = true;
    }
    if (p->rewind) { /* resume: the pause point again (its segment was set by resume) */
      p->rewind = false;
      cursor_to(p, p->pause_us);
      p->qepoch++;
      need_seg = false;
    }
    if (p->paused || p->video_park || p->audio_done) {
      wait_ms(p, WAIT_STEP_MS * 5);
      continue;
    }
    if (!p->cur) {
      if (p->audio_eof && !p->inflight && p->seg_valid && p->dev_written % step) {
        /* The last samples complete a device frame with silence, or a board's AO keeps them. */
        uint32_t pad = step - (uint32_t)(p->dev_written % step);
        p->inflight = pad;
        pthread_mutex_unlock(&p->mu);
        memset(buf, 0, (size_t)pad * ch * sizeof(int16_t));
        int rc = hal_audio_out_write(p->aout, buf, pad, 1000);
        pthread_mutex_lock(&p->mu);
        p->inflight = 0;
        if (!rc) p->dev_written += pad;
        else p->dev_written += step - pad; /* give up padding: the stall rule ends it */
        continue;
      }
      if (p->audio_eof && !p->inflight) {
        clock_now(p); /* notices when the device has played it all */
        if (p->aend || !p->seg_valid) {
          p->audio_done = true;
          check_end(p);
          continue;
        }
      }
      wait_ms(p, WAIT_STEP_MS);
      continue;
    }
    /* Up to CHUNK_MS from the cursor, within one chunk. */
    pcm_chunk *c = p->cur;
    uint32_t n = c->n - p->cur_off < step ? c->n - p->cur_off : step;
    memcpy(buf, c->pcm + (size_t)p->cur_off * ch, (size_t)n * ch * sizeof(int16_t));
    int64_t pts = c->pts_us + (int64_t)p->cur_off * 1000000 / p->info.rate;
    uint32_t pad = 0;
    if (need_seg) {
      /* The audio track starts later than playback: silence until it does. */
      if (pts > p->start_us) pad = (uint32_t)((pts - p->start_us) * p->info.rate / 1000000);
      if (pad > (uint32_t)p->info.rate * 5) pad = 0;
      p->seg_pos = p->dev_written + p->inflight;
      p->seg_pts = pts - (int64_t)pad * 1000000 / p->info.rate;
      p->seg_valid = true;
      need_seg = false;
      pthread_cond_broadcast(&p->cv);
    }
    uint32_t epoch = p->qepoch;
    p->inflight = pad + n;
    pthread_mutex_unlock(&p->mu);
    int rc = 0;
    while (pad && !rc) { /* silence, in steps */
      uint32_t k = pad < step ? pad : step;
      int16_t zero[320 * 2] = {0};
      for (uint32_t done = 0; done < k && !rc; done += 320) {
        uint32_t m = k - done < 320 ? k - done : 320;
        rc = hal_audio_out_write(p->aout, zero, m, 1000);
      }
      pad -= k;
    }
    if (!rc) rc = hal_audio_out_write(p->aout, buf, n, 1000);
    pthread_mutex_lock(&p->mu);
    p->dev_written += p->inflight;
    p->inflight = 0;
    if (rc && rc != ERR_ETIMEDOUT) {
      fail(p, rc, "audio output failed: %s", err_str(rc));
      p->audio_done = true;
      check_end(p);
      continue;
    }
    p->st.audio_samples += n;
    if (gen == p->gen && epoch == p->qepoch && p->cur == c) {
      p->cur_off += n;
      if (p->cur_off >= c->n) {
        p->cur = c->next;
        p->cur_off = 0;
      }
    }
    prune(p);
  }
  pthread_mutex_unlock(&p->mu);
  free(buf);
  return NULL;
}

/* ---- video ---- */

static int show(player *p, hal_frame *f) {
  if (f->width != p->layer_w || f->height != p->layer_h) {
    hal_display_info di;
    int rc = hal_display_info_get(p->cfg.display, &di);
    if (rc) return rc;
    hal_display_layer_config lc = HAL_DISPLAY_LAYER_CONFIG_DEFAULT;
    lc.width = f->width;
    lc.height = f->height;
    lc.x = di.width > f->width ? (int)(di.width - f->width) / 2 & ~1 : 0;
    lc.y = di.height > f->height ? (int)(di.height - f->height) / 2 & ~1 : 0;
    if ((rc = hal_display_layer_set(p->cfg.display, p->cfg.layer, &lc))) return rc;
    p->layer_w = f->width;
    p->layer_h = f->height;
  }
  return hal_display_show(p->cfg.display, p->cfg.layer, f);
}

static void *video_main(void *arg) {
  player *p = arg;
  hal_frame *f = NULL;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    if (p->video_park) {
      if (f) {
        pthread_mutex_unlock(&p->mu);
        hal_frame_release(f);
        pthread_mutex_lock(&p->mu);
        f = NULL;
      }
      p->video_parked = true;
      pthread_cond_broadcast(&p->cv);
      while (p->video_park && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
      p->video_parked = false;
      continue;
    }
    if (p->video_done || !p->vdec) {
      pthread_cond_wait(&p->cv, &p->mu);
      continue;
    }
    if (!f) {
      hal_handle v = p->vdec;
      pthread_mutex_unlock(&p->mu);
      int rc = hal_vdec_get_frame(v, &f, 50);
      pthread_mutex_lock(&p->mu);
      if (rc == ERR_ETIMEDOUT) {
        f = NULL;
        continue;
      }
      if (rc || p->video_park) {
        if (!rc) {
          pthread_mutex_unlock(&p->mu);
          hal_frame_release(f);
          pthread_mutex_lock(&p->mu);
        }
        f = NULL;
        if (rc && !p->video_park) {
          if (rc != ERR_ESTATE) fail(p, rc, "video decoding failed: %s", err_str(rc));
          p->video_done = true; /* ERR_ESTATE: every frame before the end was handed out */
          check_end(p);
        }
        continue;
      }
      p->st.frames_decoded++;
      hal_vdec_status vs;
      if (hal_vdec_status_get(v, &vs) == 0) p->st.decode_errors = p->errors_before + vs.errors;
      /* A frame-accurate seek: the pictures before the target are decoded, not shown. */
      if ((int64_t)f->pts_us < p->start_us) {
        pthread_mutex_unlock(&p->mu);
        hal_frame_release(f);
        pthread_mutex_lock(&p->mu);
        f = NULL;
        continue;
      }
    }
    if (p->seek_pending) { /* a picture of the old position: never shown after seek() */
      pthread_mutex_unlock(&p->mu);
      hal_frame_release(f);
      pthread_mutex_lock(&p->mu);
      f = NULL;
      /* Rechecked under the lock: the feeder may have asked us to park while it was released. */
      while (p->seek_pending && !p->video_park && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
      continue;
    }
    int64_t pts = (int64_t)f->pts_us;
    /* Without audio the clock starts with the first picture shown (below). */
    bool starts = !p->use_audio && !p->sys_started;
    int64_t now = starts ? pts : clock_now(p);
    bool first = !p->shown_since_seek; /* the picture at a seek shows even while paused */
    if (!(first && p->paused) && (now == NO_CLOCK || pts - now > 1000)) {
      int64_t ms = now == NO_CLOCK ? WAIT_STEP_MS : (pts - now) / 1000;
      wait_ms(p, (int)(ms < WAIT_STEP_MS ? ms : WAIT_STEP_MS));
      continue;
    }
    bool late = now - pts > LATE_MS * 1000 && !first;
    p->showing = true;
    pthread_mutex_unlock(&p->mu);
    int rc = late ? 0 : show(p, f);
    hal_frame_release(f);
    f = NULL;
    pthread_mutex_lock(&p->mu);
    p->showing = false;
    pthread_cond_broadcast(&p->cv);
    if (starts && !rc && !p->paused) {
      p->sys_started = true;
      p->sys_pts = pts;
      p->sys_us = hal_clock_us();
    }
    if (late) {
      p->st.frames_dropped++;
    } else if (rc) {
      fail(p, rc, "showing a frame failed: %s", err_str(rc));
      p->video_done = true;
      check_end(p);
    } else {
      p->st.frames_shown++;
      p->st.last_shown_us = pts;
      p->shown_since_seek = true;
    }
  }
  pthread_mutex_unlock(&p->mu);
  if (f) hal_frame_release(f);
  return NULL;
}

/* ---- API ---- */

int player_open(player **out, const char *path, char *why, size_t why_size) {
  player *p = calloc(1, sizeof *p);
  if (!p) return ERR_ENOMEM;
  pthread_mutex_init(&p->mu, NULL);
  base_cond_init_mono(&p->cv);
  p->st.last_shown_us = -1;
  int rc = mp4_io_file_open(&p->io, path, "m"); /* mapped where files map (no read() copy), else read */
  if (rc) {
    snprintf(why, why_size, "cannot open it: %s", err_str(rc));
    player_close(p);
    return rc;
  }
  if ((rc = mp4_demuxer_open(&p->dmx, NULL, &p->io))) {
    snprintf(why, why_size, "not a playable MP4: %s", err_str(rc));
    mp4_io_file_close(&p->io);
    player_close(p);
    return rc;
  }
  mp4_file_info fi;
  mp4_demuxer_file_info(p->dmx, &fi);
  p->info.duration_us = (int64_t)fi.duration_us;
  for (int i = 0; i < fi.track_count; i++) {
    mp4_track_info t;
    if (mp4_demuxer_track(p->dmx, i, &t)) continue;
    if (t.kind == MP4_TRACK_VIDEO && !p->info.has_video && (t.codec == MP4_CODEC_H264 || t.codec == MP4_CODEC_H265)) {
      p->info.has_video = true;
      p->vtrack = t.track_id;
      p->info.vcodec = t.codec;
      p->info.width = t.width;
      p->info.height = t.height;
    } else if (t.kind == MP4_TRACK_AUDIO && !p->info.has_audio &&
               (t.codec == MP4_CODEC_G711A || t.codec == MP4_CODEC_G711U) && t.channels >= 1 && t.channels <= 2 &&
               t.sample_rate >= 8000 && t.sample_rate <= 192000) {
      p->info.has_audio = true;
      p->atrack = t.track_id;
      p->info.acodec = t.codec;
      p->info.rate = t.sample_rate;
      p->info.channels = t.channels;
    }
  }
  if (!p->info.has_video && !p->info.has_audio) {
    snprintf(why, why_size, "it has no H.264/H.265 video and no G.711 audio track");
    player_close(p);
    return ERR_ENOTSUP;
  }
  snprintf(p->info.warning, sizeof p->info.warning, "%s", mp4_demuxer_warning(p->dmx));
  *out = p;
  return 0;
}

const player_info *player_get_info(const player *p) { return &p->info; }

int player_start(player *p, const player_config *cfg, char *why, size_t why_size) {
  if (p->threads) return ERR_ESTATE;
  p->cfg = *cfg;
  int rc = 0;
  if (p->info.has_video) {
    hal_display_info di;
    if ((rc = hal_display_info_get(cfg->display, &di))) {
      snprintf(why, why_size, "the display: %s", err_str(rc));
      return rc;
    }
    if ((uint32_t)p->info.width > di.width || (uint32_t)p->info.height > di.height) {
      snprintf(why, why_size, "the video (%dx%d) is larger than the display (%ux%u)", p->info.width, p->info.height,
               di.width, di.height);
      return ERR_EINVAL;
    }
    p->vcfg = (hal_vdec_config)HAL_VDEC_CONFIG_DEFAULT;
    p->vcfg.codec = p->info.vcodec == MP4_CODEC_H265 ? HAL_VDEC_H265 : HAL_VDEC_H264;
    p->vcfg.mode = HAL_VDEC_MODE_FRAME;
    p->vcfg.max_width = (uint32_t)(p->info.width > 64 ? p->info.width : 64);
    p->vcfg.max_height = (uint32_t)(p->info.height > 64 ? p->info.height + 16 : 64);
    if ((rc = open_vdec(p, &p->vdec))) {
      snprintf(why, why_size, "cannot create the %s decoder: %s", mp4_codec_name(p->info.vcodec), err_str(rc));
      return rc;
    }
  }
  p->use_audio = p->info.has_audio && cfg->audio;
  if (p->use_audio) {
    hal_audio_config ac = HAL_AUDIO_CONFIG_DEFAULT;
    ac.rate = (uint32_t)p->info.rate;
    ac.channels = (uint32_t)p->info.channels;
    ac.samples_per_frame = ac.rate * CHUNK_MS / 1000; /* the device queue: 5 of them */
    if ((rc = hal_audio_out_open(&ac, &p->aout))) {
      snprintf(why, why_size, "cannot open the audio output: %s", err_str(rc));
      if (p->vdec) hal_vdec_destroy(p->vdec);
      p->vdec = 0;
      return rc;
    }
  }
  p->layer_w = p->layer_h = 0;
  p->stop = p->paused = p->video_park = p->video_parked = false;
  p->seek_pending = true; /* the feeder positions the file first */
  p->seek_us = p->start_us;
  p->dev_written = p->inflight = 0;
  p->state = PLAYER_PLAYING;
  p->st = (player_stats){.last_shown_us = -1};
  p->errors_before = 0;
  p->ended = true; /* until the feeder has positioned */
  pthread_create(&p->feeder_th, NULL, feeder_main, p);
  if (p->use_audio) pthread_create(&p->audio_th, NULL, audio_main, p);
  if (p->info.has_video) pthread_create(&p->video_th, NULL, video_main, p);
  p->threads = true;
  return 0;
}

int player_pause(player *p) {
  if (!p->threads) return ERR_ESTATE;
  pthread_mutex_lock(&p->mu);
  if (!p->paused) {
    int64_t now = clock_now(p);
    p->pause_us = now == NO_CLOCK ? p->start_us : now;
    p->paused = true;
    if (p->state == PLAYER_PLAYING) p->state = PLAYER_PAUSED;
    pthread_cond_broadcast(&p->cv);
    while (p->showing) pthread_cond_wait(&p->cv, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return 0;
}

int player_resume(player *p) {
  if (!p->threads) return ERR_ESTATE;
  pthread_mutex_lock(&p->mu);
  if (p->paused) {
    p->paused = false;
    if (p->state == PLAYER_PAUSED) p->state = PLAYER_PLAYING;
    if (p->use_audio && p->seg_valid && !p->aend) {
      /* The device played out its queue after the pause: the audio goes on from the pause point. */
      p->seg_pos = p->dev_written + p->inflight;
      p->seg_pts = p->pause_us;
      p->rewind = true;
    } else if (p->use_audio && p->aend) {
      p->aend_pts = p->pause_us;
      p->aend_us = hal_clock_us();
    } else if (p->sys_started) {
      p->sys_pts = p->pause_us;
      p->sys_us = hal_clock_us();
    }
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return 0;
}

int player_seek(player *p, int64_t us) {
  if (us < 0) us = 0;
  if (p->info.duration_us > 0 && us > p->info.duration_us) us = p->info.duration_us;
  pthread_mutex_lock(&p->mu);
  if (p->threads) {
    p->seek_pending = true;
    p->seek_us = us;
    pthread_cond_broadcast(&p->cv);
    /* Once seek() returns, no picture of the old position reaches the display. */
    while (p->showing) pthread_cond_wait(&p->cv, &p->mu);
  } else {
    p->start_us = us; /* where start() begins */
  }
  pthread_mutex_unlock(&p->mu);
  return 0;
}

int64_t player_position_us(player *p) {
  pthread_mutex_lock(&p->mu);
  int64_t t;
  if (p->seek_pending) t = p->seek_us;
  else if (!p->threads || (t = clock_now(p)) == NO_CLOCK) t = p->start_us;
  if (p->state == PLAYER_ENDED && p->st.last_shown_us > t) t = p->st.last_shown_us;
  pthread_mutex_unlock(&p->mu);
  if (t < 0) t = 0;
  if (p->info.duration_us > 0 && t > p->info.duration_us) t = p->info.duration_us;
  return t;
}

void player_stats_get(player *p, player_stats *out) {
  pthread_mutex_lock(&p->mu);
  *out = p->st;
  out->state = p->threads ? p->state : PLAYER_LOADED;
  out->audio_clock = p->use_audio;
  pthread_mutex_unlock(&p->mu);
}

void player_stop(player *p) {
  if (!p->threads) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->feeder_th, NULL);
  if (p->use_audio) pthread_join(p->audio_th, NULL);
  if (p->info.has_video) pthread_join(p->video_th, NULL);
  p->threads = false;
  if (p->vdec) vdec_retire(p->vdec);
  if (p->aout) hal_audio_out_close(p->aout);
  if (p->layer_w) hal_display_layer_disable(p->cfg.display, p->cfg.layer);
  p->vdec = p->aout = 0;
  queue_clear(p);
  p->start_us = 0;
  p->state = PLAYER_LOADED;
}

void player_close(player *p) {
  if (!p) return;
  player_stop(p);
  if (p->dmx) {
    mp4_demuxer_close(p->dmx);
    mp4_io_file_close(&p->io);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}
