/* Encoder backend for builds without FFmpeg: replays a pre-encoded Annex-B file
 * (env K230JS_SIM_VENC_REPLAY) one access unit per input frame, looped, with the same pack
 * semantics as the real encoder (HEADER pack of parameter sets, then I or P). Packs point into
 * the file image, which lives as long as the channel: zero copy. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "media/au.h"

typedef struct au_span {
  size_t off, hdr_len, len; /* in venc_codec.buf; parameter sets are [off, off + hdr_len) */
  int irap;
} au_span;

#define PTS_Q 8

struct venc_codec {
  uint8_t *buf; /* the file's access units, back to back */
  size_t len, cap;
  au_span *aus;
  size_t n_aus, next;
  int h265, rc;
  uint64_t pts[PTS_Q];
  int pts_head, pts_cnt;
};

/* Splitter callback: keep the unit (its data is valid during the call only). */
static void keep_au(void *user, const media_au *au) {
  venc_codec *c = user;
  if (c->rc || !au->has_vcl) return;
  au_span *a = realloc(c->aus, (c->n_aus + 1) * sizeof *a);
  if (!a) {
    c->rc = ERR_ENOMEM;
    return;
  }
  c->aus = a;
  if (c->len + au->size > c->cap) { /* spans are offsets: the buffer may move */
    size_t cap = (c->len + au->size) * 2;
    uint8_t *b = realloc(c->buf, cap);
    if (!b) {
      c->rc = ERR_ENOMEM;
      return;
    }
    c->buf = b;
    c->cap = cap;
  }
  memcpy(c->buf + c->len, au->data, au->size);
  c->aus[c->n_aus++] = (au_span){c->len, venc_header_len(c->h265, au->data, au->size), au->size, au->keyframe};
  c->len += au->size;
}

/* Access units of the file, by libs/media's splitter. */
static int split(venc_codec *c, const uint8_t *file, size_t n) {
  media_au_config cfg = MEDIA_AU_CONFIG_DEFAULT;
  cfg.codec = c->h265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
  cfg.max_au_size = n;
  cfg.on_au = keep_au;
  cfg.user = c;
  media_au_splitter *s;
  c->buf = malloc(n);
  c->cap = n;
  c->len = 0;
  if (!c->buf) return ERR_ENOMEM;
  int rc = media_au_open(&s, &cfg);
  if (rc) return rc;
  media_au_feed(s, file, n);
  media_au_flush(s);
  media_au_close(s);
  if (c->rc) return c->rc;
  return c->n_aus ? 0 : ERR_EBADDATA;
}

void venc_codec_close(venc_codec *c) {
  if (!c) return;
  free(c->buf);
  free(c->aus);
  free(c);
}

int venc_codec_open(const hal_venc_config *cfg, venc_codec **out) {
  const char *path = getenv("K230JS_SIM_VENC_REPLAY");
  if (!path || !*path || cfg->codec == HAL_VENC_JPEG) return ERR_ENOTSUP;
  FILE *f = fopen(path, "rb");
  if (!f) return ERR_ENOENT;
  venc_codec *c = calloc(1, sizeof *c);
  int rc = c ? 0 : ERR_ENOMEM;
  if (!rc && fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    c->buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!c->buf || fread(c->buf, 1, (size_t)n, f) != (size_t)n) rc = ERR_EIO;
    c->len = (size_t)n;
  }
  fclose(f);
  if (!rc) {
    c->h265 = cfg->codec == HAL_VENC_H265;
    uint8_t *file = c->buf;
    c->buf = NULL;
    rc = split(c, file, c->len);
    free(file);
  }
  if (rc) {
    venc_codec_close(c);
    return rc;
  }
  *out = c;
  return 0;
}

int venc_codec_send(venc_codec *c, const hal_frame *f, uint64_t pts_us, int force_idr) {
  if (!f) return 0;
  if (force_idr) c->next = 0; /* the file starts with parameter sets and an IDR */
  if (c->pts_cnt == PTS_Q) return ERR_EAGAIN;
  c->pts[(c->pts_head + c->pts_cnt++) % PTS_Q] = pts_us;
  return 0;
}

int venc_codec_receive(venc_codec *c, venc_au *au) {
  if (!c->pts_cnt) return ERR_EAGAIN;
  uint64_t pts = c->pts[c->pts_head];
  c->pts_head = (c->pts_head + 1) % PTS_Q;
  c->pts_cnt--;
  const au_span *a = &c->aus[c->next];
  c->next = (c->next + 1) % c->n_aus;
  memset(au, 0, sizeof *au);
  if (a->hdr_len)
    au->pack[au->pack_cnt++] = (hal_venc_pack){c->buf + a->off, (uint32_t)a->hdr_len, pts, HAL_VENC_PACK_HEADER};
  if (a->len > a->hdr_len)
    au->pack[au->pack_cnt++] = (hal_venc_pack){c->buf + a->off + a->hdr_len, (uint32_t)(a->len - a->hdr_len), pts,
                                               a->irap ? HAL_VENC_PACK_I : HAL_VENC_PACK_P};
  return 0;
}

void venc_codec_au_free(venc_codec *c, venc_au *au) { au->owner = NULL; }
