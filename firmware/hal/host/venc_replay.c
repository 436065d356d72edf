/* Encoder backend for builds without FFmpeg: replays a pre-encoded Annex-B file
 * (env K230JS_SIM_VENC_REPLAY) one access unit per input frame, looped, with the same pack
 * semantics as the real encoder (HEADER pack of parameter sets, then I or P). Packs point into
 * the file image, which lives as long as the channel: zero copy. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct au_span {
  size_t off, hdr_len, len; /* parameter sets are [off, off + hdr_len) */
  int irap;
} au_span;

#define PTS_Q 8

struct venc_codec {
  uint8_t *buf;
  size_t len;
  au_span *aus;
  size_t n_aus, next;
  uint64_t pts[PTS_Q];
  int pts_head, pts_cnt;
};

/* Is this VCL NAL the first slice of a picture? (H.264 first_mb_in_slice == 0 is ue(v) "1";
 * H.265 first_slice_segment_in_pic_flag is the first bit after the 2-byte header.) */
static int first_slice(int h265, const uint8_t *p, size_t n) {
  if (h265) return n > 2 && (p[2] & 0x80);
  return n > 1 && (p[1] & 0x80);
}

static int split(venc_codec *c, int h265) {
  size_t pos = 0, nal, payload, end, cap = 0;
  au_span cur = {0};
  int in_au = 0, have_vcl = 0, hdr_open = 1;
  while (annexb_next(c->buf, c->len, &pos, &nal, &payload, &end) == 0) {
    int t = annexb_nal_type(h265, c->buf[payload]);
    int vcl = annexb_is_vcl(h265, t), ps = annexb_is_param_set(h265, t);
    int starts = (ps && have_vcl) || (vcl && have_vcl && first_slice(h265, c->buf + payload, end - payload));
    if (!in_au || starts) {
      if (in_au) {
        if (c->n_aus == cap) {
          cap = cap ? cap * 2 : 64;
          au_span *n = realloc(c->aus, cap * sizeof *n);
          if (!n) return HAL_ENOMEM;
          c->aus = n;
        }
        c->aus[c->n_aus++] = cur;
      }
      cur = (au_span){.off = nal};
      in_au = 1;
      have_vcl = 0;
      hdr_open = 1;
    }
    if (ps && hdr_open) cur.hdr_len = end - cur.off;
    if (!ps) hdr_open = 0;
    if (vcl) {
      have_vcl = 1;
      if (annexb_is_irap(h265, t)) cur.irap = 1;
    }
    cur.len = end - cur.off;
  }
  if (in_au && have_vcl) {
    au_span *n = realloc(c->aus, (c->n_aus + 1) * sizeof *n);
    if (!n) return HAL_ENOMEM;
    c->aus = n;
    c->aus[c->n_aus++] = cur;
  }
  return c->n_aus ? 0 : HAL_EBADDATA;
}

void venc_codec_close(venc_codec *c) {
  if (!c) return;
  free(c->buf);
  free(c->aus);
  free(c);
}

int venc_codec_open(const hal_venc_config *cfg, venc_codec **out) {
  const char *path = getenv("K230JS_SIM_VENC_REPLAY");
  if (!path || !*path || cfg->codec == HAL_VENC_JPEG) return HAL_ENOTSUP;
  FILE *f = fopen(path, "rb");
  if (!f) return HAL_ENOENT;
  venc_codec *c = calloc(1, sizeof *c);
  int rc = c ? 0 : HAL_ENOMEM;
  if (!rc && fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    c->buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!c->buf || fread(c->buf, 1, (size_t)n, f) != (size_t)n) rc = HAL_EIO;
    c->len = (size_t)n;
  }
  fclose(f);
  if (!rc) rc = split(c, cfg->codec == HAL_VENC_H265);
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
  if (c->pts_cnt == PTS_Q) return HAL_EAGAIN;
  c->pts[(c->pts_head + c->pts_cnt++) % PTS_Q] = pts_us;
  return 0;
}

int venc_codec_receive(venc_codec *c, venc_au *au) {
  if (!c->pts_cnt) return HAL_EAGAIN;
  uint64_t pts = c->pts[c->pts_head];
  c->pts_head = (c->pts_head + 1) % PTS_Q;
  c->pts_cnt--;
  const au_span *a = &c->aus[c->next];
  c->next = (c->next + 1) % c->n_aus;
  memset(au, 0, sizeof *au);
  if (a->hdr_len)
    au->pack[au->pack_cnt++] = (hal_venc_pack){c->buf + a->off, (uint32_t)a->hdr_len, pts, HAL_VENC_PACK_HEADER};
  if (a->len > a->hdr_len)
    au->pack[au->pack_cnt++] = (hal_venc_pack){c->buf + a->off + a->hdr_len, (uint32_t)(a->len - a->hdr_len),
                                               pts, a->irap ? HAL_VENC_PACK_I : HAL_VENC_PACK_P};
  return 0;
}

void venc_codec_au_free(venc_codec *c, venc_au *au) { au->owner = NULL; }
