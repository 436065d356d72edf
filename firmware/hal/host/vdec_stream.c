/* The simulator's decoding engine (internal.h): the codec module fed one access unit at a time.
 * Stream mode finds the units with libs/media's splitter, as hal/k230 feeds VDEC, and tags them
 * with the pts rule of hal/vdec.h; frame mode takes each chunk as one unit. hal/host's decoder
 * and the MPP double's VDEC both decode through it. */
#include <string.h>

#include "internal.h"
#include "media/au.h"

struct sim_vdec {
  hal_vdec_codec codec_id;
  vdec_codec *codec;
  vdec_emit_fn emit;
  void *arg;
  /* stream mode: the splitter and the pts of the unit it is filling */
  media_au_splitter *au;
  uint64_t au_pts, chunk_pts;
  int au_open, chunk_tag_free, au_errs, discard;
};

/* Splitter callback: a unit is complete because the next one started in the chunk being fed. */
static void on_au(void *user, const media_au *au) {
  sim_vdec *v = user;
  uint64_t pts = v->au_pts;
  /* hal/vdec.h: a chunk's pts tags the first picture starting in it; later ones have none. */
  v->au_pts = v->chunk_tag_free ? v->chunk_pts : VDEC_PTS_NONE;
  v->chunk_tag_free = 0;
  if (au->has_vcl && !v->discard) v->au_errs += vdec_codec_send(v->codec, au->data, au->size, pts, v->emit, v->arg);
}

int sim_vdec_open(hal_vdec_codec codec, int stream_mode, size_t max_au_size, vdec_emit_fn emit, void *arg,
                  sim_vdec **out) {
  sim_vdec *v = calloc(1, sizeof *v);
  if (!v) return ERR_ENOMEM;
  v->codec_id = codec;
  v->emit = emit;
  v->arg = arg;
  int rc = vdec_codec_open(codec, &v->codec);
  if (!rc && stream_mode) {
    media_au_config ac = MEDIA_AU_CONFIG_DEFAULT;
    ac.codec = codec == HAL_VDEC_H265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
    if (max_au_size > ac.max_au_size) ac.max_au_size = max_au_size;
    ac.on_au = on_au;
    ac.user = v;
    rc = media_au_open(&v->au, &ac);
  }
  if (rc) {
    sim_vdec_close(v);
    return rc;
  }
  *out = v;
  return 0;
}

int sim_vdec_feed(sim_vdec *v, const uint8_t *data, size_t len, uint64_t pts, int eos) {
  if (!v->au) {
    int errs = 0;
    if (len) errs += vdec_codec_send(v->codec, data, len, pts, v->emit, v->arg);
    if (eos) errs += vdec_codec_send(v->codec, NULL, 0, 0, v->emit, v->arg);
    return errs;
  }
  v->au_errs = 0;
  if (len) {
    v->chunk_pts = pts;
    v->chunk_tag_free = 1;
    if (!v->au_open) {
      v->au_pts = pts;
      v->chunk_tag_free = 0;
      v->au_open = 1;
    }
    if (media_au_feed(v->au, data, len) == ERR_ELIMIT) v->au_errs++;
  }
  if (eos) {
    media_au_flush(v->au);
    v->au_open = 0;
    v->au_errs += vdec_codec_send(v->codec, NULL, 0, 0, v->emit, v->arg);
  }
  return v->au_errs;
}

int sim_vdec_restart(sim_vdec *v) {
  if (v->au) { /* a stream stopped before its end: what the splitter holds is dropped */
    v->discard = 1;
    media_au_flush(v->au);
    v->discard = 0;
  }
  vdec_codec *fresh;
  int rc = vdec_codec_open(v->codec_id, &fresh);
  if (rc) return rc;
  vdec_codec_close(v->codec);
  v->codec = fresh;
  v->au_open = 0;
  return 0;
}

void sim_vdec_pic_to_nv12(const vdec_pic *p, hal_frame *f) {
  for (uint32_t y = 0; y < p->height; y++)
    memcpy(f->data[0] + (size_t)y * f->stride[0], p->data[0] + (size_t)y * p->linesize[0], p->width);
  for (uint32_t y = 0; y < p->height / 2; y++) {
    uint8_t *uv = f->data[1] + (size_t)y * f->stride[1];
    if (p->nv12) {
      memcpy(uv, p->data[1] + (size_t)y * p->linesize[1], p->width);
      continue;
    }
    const uint8_t *u = p->data[1] + (size_t)y * p->linesize[1], *v = p->data[2] + (size_t)y * p->linesize[2];
    for (uint32_t x = 0; x < p->width / 2; x++) {
      uv[2 * x] = u[x];
      uv[2 * x + 1] = v[x];
    }
  }
}

void sim_vdec_close(sim_vdec *v) {
  if (!v) return;
  if (v->codec) vdec_codec_close(v->codec);
  media_au_close(v->au);
  free(v);
}
