/* The display preview on the link (kjs/preview.h, docs/protocol.md "Display preview"): a ticker
 * on the VM's loop takes the screen at the rate the host asked for, a JPEG encoder channel
 * encodes it, and the picture goes out through the uart's side writer as 'V' frames, one picture
 * in flight until the host acknowledges it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "hal/display.h"
#include "base/errors.h"
#include "hal/venc.h"
#include "kjs/preview.h"
#include "kjs/vm.h"
#include "repl_internal.h"

enum { ST_STOPPED = 0, ST_WAITING = 1, ST_RUNNING = 2, ST_FAILED = 3 };

#define V_HDR 16               /* u32 seq, u32 offset, u32 total, u16 width, u16 height */
#define ACK_TIMEOUT_US 2000000 /* a picture not acknowledged by then was lost (or the host left) */
#define DEFAULT_QUALITY 50
#define OWED_MAX 2

/* Tells the host what the preview does ('Y'), when that changed or `force`. */
static void report(kjs_session *s, int state, bool force, const char *fmt, ...) {
  preview_state *p = &s->preview;
  char why[sizeof p->why];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  if (!force && state == p->state && strcmp(why, p->why) == 0) return;
  p->state = state;
  memcpy(p->why, why, sizeof why);
  if (s->mode != MODE_RAW) return;
  uint8_t h[16];
  h[0] = (uint8_t)state;
  h[1] = (uint8_t)p->quality;
  h[2] = (uint8_t)p->fps;
  h[3] = (uint8_t)(p->fps >> 8);
  put_le32(h + 4, p->frames);
  put_le32(h + 8, p->dropped);
  h[12] = (uint8_t)p->width;
  h[13] = (uint8_t)(p->width >> 8);
  h[14] = (uint8_t)p->height;
  h[15] = (uint8_t)(p->height >> 8);
  kjs_raw_send(s, 'Y', h, sizeof h, why, strlen(why));
}

static void encoder_close(preview_state *p) {
  if (p->venc) hal_venc_destroy(p->venc); /* joins its threads: no wake-up comes after this */
  p->venc = 0;
  p->encoding = false;
}

static void stream_ready(kjs_loop *loop, void *user);

static void on_stream(void *user, int chn) {
  (void)chn;
  kjs_session *s = user;
  kjs_loop_post(s->preview.loop, stream_ready, s);
}

/* An encoder for w x h at the current quality; the highest free channel, so an app asking for
 * a channel by number finds the low ones free. */
static int encoder_open(kjs_session *s, uint32_t w, uint32_t h) {
  preview_state *p = &s->preview;
  if (p->venc && p->vw == w && p->vh == h && p->vq == p->quality) return 0;
  encoder_close(p);
  hal_venc_config c = HAL_VENC_CONFIG_DEFAULT;
  c.codec = HAL_VENC_JPEG;
  c.width = w;
  c.height = h;
  c.jpeg_quality = p->quality;
  c.stream_buf_cnt = 2;
  c.on_stream = on_stream;
  c.user = s;
  int rc = ERR_EBUSY;
  for (int chn = HAL_VENC_MAX_CHN - 1; chn >= 0 && rc == ERR_EBUSY; chn--)
    rc = hal_venc_create(chn, &c, &p->venc, NULL);
  if (!rc) rc = hal_venc_start(p->venc);
  if (rc) {
    if (p->venc) hal_venc_destroy(p->venc);
    p->venc = 0;
    if (rc == ERR_EBUSY) report(s, ST_FAILED, false, "every encoder channel is taken by the app");
    else report(s, ST_FAILED, false, "no JPEG encoder for a %ux%u screen: %s", w, h, err_str(rc));
    return rc;
  }
  p->vw = w;
  p->vh = h;
  p->vq = p->quality;
  return 0;
}

static bool eligible(const preview_state *p) {
  return p->disp && (p->policy == KJS_PREVIEW_ALL || (p->policy == KJS_PREVIEW_TOIDE && p->to_ide));
}

/* Takes a picture that is due, unless the last one is still in the encoder or on the link: then
 * it stays due and is taken when the host acknowledges the last one. At most OWED_MAX pictures are
 * due (a late one is caught up once, right after the last); a tick beyond that is skipped: the
 * preview never queues. */
static void step(kjs_session *s) {
  preview_state *p = &s->preview;
  uint64_t now = hal_clock_us();
  if (!p->owed) return;
  if (!eligible(p)) {
    p->owed = 0;
    encoder_close(p);
    if (p->policy == KJS_PREVIEW_OFF)
      report(s, ST_FAILED, false, "the preview is off in this runtime's settings (preview = off)");
    else
      report(s, ST_WAITING, false,
             p->disp ? "the app's display was not brought up with toIde: true" : "waiting for the app's display");
    return;
  }
  if (p->seq != p->acked) {
    if (now - p->sent_us < ACK_TIMEOUT_US) return;
    if (++p->timeouts >= 3) {
      kjs_preview_stop(s, "the host stopped acknowledging pictures");
      return;
    }
    p->acked = p->seq; /* lost on the link: go on */
  }
  if (p->encoding && now - p->encode_us < ACK_TIMEOUT_US) return;
  p->encoding = false;
  if (!kjs_uart_side_idle(s->u)) return;
  p->owed--;
  hal_frame *f;
  int rc = hal_display_writeback(p->disp, &f);
  if (rc == ERR_ECLOSED) {
    p->disp = 0; /* MediaManager.resetAll() took it */
    return;
  }
  if (rc) return; /* nothing composed yet */
  /* An unchanged screen is sent again once a second only. */
  if (p->frames && f->seq == p->shown_seq && now - p->sent_us < 1000000) {
    hal_frame_release(f);
    return;
  }
  p->width = f->width;
  p->height = f->height;
  if (encoder_open(s, f->width, f->height)) {
    hal_frame_release(f);
    return;
  }
  p->shown_seq = f->seq;
  /* Stamped with the time it was taken: the screen's own pts stands still while only OSD layers
   * change, and an encoder takes a repeated pts for a repeated picture. */
  hal_frame shot = *f;
  shot.pts_us = now;
  rc = hal_venc_send_frame(p->venc, &shot, 0);
  hal_frame_release(f);
  if (rc == ERR_ECLOSED) {
    p->venc = 0;
    return;
  }
  if (rc) {
    p->dropped++;
    return;
  }
  p->encoding = true;
  p->encode_us = now;
  report(s, ST_RUNNING, false, "%ux%u JPEG at %u fps", p->width, p->height, p->fps);
}

static void tick(kjs_loop *loop, uint64_t id, void *user) {
  (void)id;
  kjs_session *s = user;
  preview_state *p = &s->preview;
  p->timer = 0;
  if (!p->on) return;
  /* Ticks keep to the schedule, whatever the loop's delays: fps ticks a second, no bursts. */
  uint64_t period = 1000000u / p->fps, now = hal_clock_us();
  p->next_us = p->next_us + period > now ? p->next_us + period : now + period;
  p->timer = kjs_loop_timer_start_weak(loop, (p->next_us - now + 999) / 1000, tick, s);
  if (p->owed < OWED_MAX) p->owed++;
  else p->dropped++; /* the link or the encoder has been busy for that long: this one is skipped */
  if (++p->ticks % p->fps == 0 && p->state == ST_RUNNING) /* the counters, once a second */
    report(s, ST_RUNNING, true, "%s", p->why);
  step(s);
}

static void step_posted(kjs_loop *loop, void *user) {
  (void)loop;
  step(user);
}

/* Pictures stay under 3/4 of a known link rate: the quality follows the size of the last one. */
static void adapt_quality(preview_state *p, size_t size, uint64_t now) {
  if (!p->rate || now - p->quality_us < 500000) return;
  uint64_t budget = (uint64_t)p->rate * 3 / 4 / p->fps;
  uint32_t q = p->quality;
  if (size > budget && q > 10) {
    uint32_t step = (uint32_t)((uint64_t)q * (size - budget) / size);
    q = q > 10 + (step < 5 ? 5 : step) ? q - (step < 5 ? 5 : step) : 10;
  } else if (size < budget / 2 && q < p->base_quality) {
    q = q + 5 < p->base_quality ? q + 5 : p->base_quality;
  }
  if (q != p->quality) {
    p->quality = q;
    p->quality_us = now;
  }
}

/* Bytes of picture per 'V' frame: about 10 ms of a known line (so the console waits no longer
 * behind one), else the largest frame. */
static size_t chunk_size(const preview_state *p) {
  size_t c = p->rate ? p->rate / 100 : RAW_CHUNK;
  if (c < 512) c = 512;
  return c > RAW_MAX_PAYLOAD - V_HDR ? RAW_MAX_PAYLOAD - V_HDR : c;
}

static void stream_ready(kjs_loop *loop, void *user) {
  (void)loop;
  kjs_session *s = user;
  preview_state *p = &s->preview;
  if (!p->venc) return;
  hal_venc_stream *st;
  int rc = hal_venc_get_stream(p->venc, &st, 0);
  if (rc) {
    if (rc == ERR_ECLOSED) p->venc = 0, p->encoding = false;
    return;
  }
  p->encoding = false;
  size_t total = 0;
  for (uint32_t i = 0; i < st->pack_cnt; i++) total += st->pack[i].len;
  size_t chunk = chunk_size(p);
  size_t n = total ? (total + chunk - 1) / chunk : 0;
  uint8_t *buf = p->on && n && s->mode == MODE_RAW ? malloc(total + n * (RAW_HDR + V_HDR + RAW_TRAILER)) : NULL;
  size_t *pieces = buf ? malloc(n * sizeof *pieces) : NULL;
  if (pieces) {
    /* The packs of a JPEG stream are one picture: chunk across them. */
    uint8_t *pic = malloc(total);
    size_t at = 0;
    for (uint32_t i = 0; pic && i < st->pack_cnt; i++) {
      memcpy(pic + at, st->pack[i].data, st->pack[i].len);
      at += st->pack[i].len;
    }
    size_t off = 0;
    uint32_t seq = p->seq + 1;
    for (size_t i = 0; pic && i < n; i++) {
      size_t len = total - i * chunk < chunk ? total - i * chunk : chunk;
      uint8_t h[V_HDR];
      put_le32(h, seq);
      put_le32(h + 4, (uint32_t)(i * chunk));
      put_le32(h + 8, (uint32_t)total);
      h[12] = (uint8_t)p->width;
      h[13] = (uint8_t)(p->width >> 8);
      h[14] = (uint8_t)p->height;
      h[15] = (uint8_t)(p->height >> 8);
      pieces[i] = kjs_raw_frame(buf + off, 'V', h, V_HDR, pic + i * chunk, len);
      off += pieces[i];
    }
    if (pic && kjs_uart_side_write(s->u, buf, pieces, n) == 0) {
      buf = NULL; /* the uart's now */
      p->seq = seq;
      p->sent_us = hal_clock_us();
      p->frames++;
      adapt_quality(p, total, p->sent_us);
    } else {
      p->dropped++;
    }
    free(pic);
  }
  free(pieces);
  free(buf);
  hal_venc_release_stream(p->venc, st);
}

void kjs_preview_stop(kjs_session *s, const char *why) {
  preview_state *p = &s->preview;
  bool was = p->on;
  p->on = false;
  if (p->timer && p->loop) kjs_loop_timer_cancel(p->loop, p->timer);
  p->timer = 0;
  encoder_close(p);
  kjs_uart_side_cancel(s->u);
  kjs_uart_side_set_rate(s->u, 0);
  if (was) report(s, ST_STOPPED, true, "%s", why);
}

static void start(kjs_session *s, const uint8_t *p8, size_t len) {
  preview_state *p = &s->preview;
  if (len < 7) {
    report(s, ST_FAILED, true, "preview: short start request");
    return;
  }
  uint32_t fps = (uint32_t)p8[0] | (uint32_t)p8[1] << 8;
  uint32_t rate = get_le32(p8 + 2);
  uint32_t q = p8[6];
  p->fps = fps < 1 ? 1 : fps > 60 ? 60 : fps;
  p->rate = rate;
  p->base_quality = q == 0 ? DEFAULT_QUALITY : q < 10 ? 10 : q > 95 ? 95 : q;
  p->quality = p->base_quality;
  p->quality_us = 0;
  p->seq = p->acked = 0;
  p->timeouts = 0;
  p->frames = p->dropped = 0;
  p->ticks = 0;
  p->owed = 0;
  p->shown_seq = 0;
  p->encoding = false;
  p->state = -1;
  p->why[0] = 0;
  p->on = true;
  kjs_uart_side_set_rate(s->u, rate);
  if (p->loop && !p->timer) p->timer = kjs_loop_timer_start_weak(p->loop, 0, tick, s);
  report(s, eligible(p) ? ST_RUNNING : ST_WAITING, true, "%s",
         eligible(p) ? "starting" : "waiting for the app's display");
}

void kjs_preview_control(kjs_session *s, const uint8_t *p8, size_t len) {
  preview_state *p = &s->preview;
  if (len < 1) return;
  switch (p8[0]) {
    case 's': start(s, p8 + 1, len - 1); break;
    case 'x': kjs_preview_stop(s, "stopped by the host"); break;
    case 'a':
      if (len >= 5 && get_le32(p8 + 1) == p->seq) {
        p->acked = p->seq;
        p->timeouts = 0;
        /* A picture waiting for this one goes now, from the loop (this may run inside a wait). */
        if (p->on && p->owed && p->loop) kjs_loop_post(p->loop, step_posted, s);
      }
      break;
    default: break;
  }
}

void kjs_preview_attach(kjs_session *s) {
  preview_state *p = &s->preview;
  p->loop = kjs_vm_loop(s->vm);
  if (p->on && !p->timer) p->timer = kjs_loop_timer_start_weak(p->loop, 0, tick, s);
}

void kjs_preview_detach(kjs_session *s) {
  preview_state *p = &s->preview;
  if (p->timer && p->loop) kjs_loop_timer_cancel(p->loop, p->timer);
  p->timer = 0;
  encoder_close(p);
  p->loop = NULL;
  p->disp = 0; /* the next VM's app brings its own display up */
  p->to_ide = false;
}

int kjs_preview_policy_parse(const char *name) {
  return !strcmp(name, "toide") ? KJS_PREVIEW_TOIDE
         : !strcmp(name, "all") ? KJS_PREVIEW_ALL
         : !strcmp(name, "off") ? KJS_PREVIEW_OFF
                                : -1;
}

void kjs_preview_display(hal_handle disp, bool to_ide) {
  kjs_session *s = kjs_the_session;
  if (!s) return;
  preview_state *p = &s->preview;
  p->disp = disp;
  p->to_ide = to_ide;
  if (!disp) encoder_close(p);
}
