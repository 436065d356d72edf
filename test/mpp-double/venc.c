/* VENC: channels with the MPP's create -> start -> stop -> destroy sequence, input from a bound
 * VI channel or kd_mpi_venc_send_frame (the encoder holds each input block by a VB user count
 * until it has read it), real encoding by the simulator's codec module, and output streams in VB
 * blocks: common pools on the 2024 MPP (stream_buf_size x stream_buf_cnt in the channel
 * attributes), the attached pool on the current MPP. Packs are handed out by phys address and
 * held until kd_mpi_venc_release_stream. A picture arriving while every output buffer is held is
 * dropped, as the hardware drops input. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double.h"
#include "internal.h" /* hal/host: venc_codec_* (the codec module) */
#include "mpi_vb_api.h"
#include "mpi_venc_api.h"

#define IN_DEPTH 3
#define MAX_OUT 64
#define MAX_PACKS 4

typedef struct ostream {
  int state; /* 0 free, 1 ready, 2 lent */
  k_vb_blk_handle blk;
  k_venc_pack packs[MAX_PACKS];
  uint32_t pack_cnt;
  uint64_t seq;
} ostream;

typedef struct vchn {
  int created, started;
  k_venc_chn_attr attr;
  venc_codec *codec;
  /* output buffers, held by VENC for the channel's life */
  k_vb_blk_handle out[MAX_OUT];
  ostream os[MAX_OUT];
  uint32_t nout;
  uint64_t out_seq;
  /* attached pool (current MPP) */
  k_u32 attached;
  uint32_t attach_num;
  /* input */
  hal_frame *inq[IN_DEPTH];
  int in_head, in_cnt, encoding;
  int idr_req;
  uint64_t dropped;
  pthread_t th;
  int quit;
} vchn;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static vchn g_chn[VENC_MAX_CHN_NUMS];

static vchn *chn_of(k_u32 chn) { return chn < VENC_MAX_CHN_NUMS ? &g_chn[chn] : NULL; }

static int free_out(const vchn *c) {
  int n = 0;
  for (uint32_t i = 0; i < c->nout; i++) n += c->os[i].state == 0;
  return n;
}

static hal_venc_config hal_config_of(const k_venc_chn_attr *a) {
  hal_venc_config c = HAL_VENC_CONFIG_DEFAULT;
  c.width = a->venc_attr.pic_width;
  c.height = a->venc_attr.pic_height;
  switch (a->venc_attr.type) {
    case K_PT_H265: c.codec = HAL_VENC_H265; break;
    case K_PT_JPEG: c.codec = HAL_VENC_JPEG; break;
    default: c.codec = HAL_VENC_H264; break;
  }
  switch (a->rc_attr.rc_mode) {
    case K_VENC_RC_MODE_VBR:
      c.rc = HAL_VENC_RC_VBR;
      c.gop = a->rc_attr.vbr.gop;
      c.src_fps = a->rc_attr.vbr.src_frame_rate;
      c.dst_fps = a->rc_attr.vbr.dst_frame_rate;
      c.bitrate_kbps = a->rc_attr.vbr.bit_rate;
      c.max_bitrate_kbps = a->rc_attr.vbr.max_bit_rate;
      break;
    case K_VENC_RC_MODE_FIXQP:
      c.rc = HAL_VENC_RC_FIXQP;
      c.gop = a->rc_attr.fixqp.gop;
      c.src_fps = a->rc_attr.fixqp.src_frame_rate;
      c.dst_fps = a->rc_attr.fixqp.dst_frame_rate;
      c.i_qp = a->rc_attr.fixqp.i_qp;
      c.p_qp = a->rc_attr.fixqp.p_qp;
      break;
    case K_VENC_RC_MODE_MJPEG_FIXQP:
      c.src_fps = a->rc_attr.mjpeg_fixqp.src_frame_rate;
      c.dst_fps = a->rc_attr.mjpeg_fixqp.dst_frame_rate;
      c.jpeg_quality = a->rc_attr.mjpeg_fixqp.q_factor;
      break;
    default:
      c.rc = HAL_VENC_RC_CBR;
      c.gop = a->rc_attr.cbr.gop;
      c.src_fps = a->rc_attr.cbr.src_frame_rate;
      c.dst_fps = a->rc_attr.cbr.dst_frame_rate;
      c.bitrate_kbps = a->rc_attr.cbr.bit_rate;
      break;
  }
  c.profile = a->venc_attr.profile == VENC_PROFILE_H264_BASELINE ? HAL_VENC_PROFILE_H264_BASELINE
              : a->venc_attr.profile == VENC_PROFILE_H264_MAIN   ? HAL_VENC_PROFILE_H264_MAIN
                                                                 : HAL_VENC_PROFILE_DEFAULT;
  return c;
}

/* ---- channel life ---- */
k_s32 kd_mpi_venc_create_chn(k_u32 chn_num, k_venc_chn_attr *attr) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  if (!attr) return K_ERR_VENC_NULL_PTR;
  if (!dbl_check(dbl_vb_ready(), "VENC-VB-FIRST", "kd_mpi_venc_create_chn(%u) before kd_mpi_vb_init", chn_num))
    return K_ERR_VENC_NOTREADY;
  if (attr->venc_attr.type == K_PT_JPEG &&
      !dbl_check(dbl_vb_supplement() & VB_SUPPLEMENT_JPEG_MASK, "VENC-JPEG-SUPPLEMENT",
                 "JPEG channel %u on VB initialised without VB_SUPPLEMENT_JPEG_MASK", chn_num))
    return K_ERR_VENC_NOT_PERM;
  pthread_mutex_lock(&g_mu);
  int exists = c->created;
  pthread_mutex_unlock(&g_mu);
  if (exists) return K_ERR_VENC_EXIST;
  hal_venc_config hc = hal_config_of(attr);
  uint32_t want;
  uint64_t blk_size;
  k_u32 from;
#if K230_MPP_VENC_ATTACH_ARGS
  pthread_mutex_lock(&g_mu);
  from = c->attached;
  want = c->attach_num;
  pthread_mutex_unlock(&g_mu);
  blk_size = (uint64_t)hc.width * hc.height * 3 / 4;
  if (from == VB_INVALID_POOLID) { /* no pool attached: the MPP keeps its own output buffers */
    from = dbl_vb_pool_create_internal(blk_size, 4, "VENC");
    want = 4;
  }
  if (from == VB_INVALID_POOLID) return K_ERR_VENC_NOMEM;
  blk_size = 0;
#else
  from = VB_INVALID_POOLID;
  want = attr->venc_attr.stream_buf_cnt;
  blk_size = attr->venc_attr.stream_buf_size;
  uint32_t free_common = dbl_vb_free_blocks(VB_INVALID_POOLID, blk_size);
  if (!dbl_check(want > 0 && blk_size > 0 && free_common >= want, "VENC-COMMON-OUTBUF",
                 "chn %u wants %u output buffers of %llu bytes, %u common blocks of that size are free", chn_num, want,
                 (unsigned long long)blk_size, free_common))
    return K_ERR_VENC_NOBUF;
#endif
  if (want > MAX_OUT) want = MAX_OUT;
  venc_codec *codec = NULL;
  int rc = venc_codec_open(&hc, &codec);
  if (rc) return rc == ERR_ENOMEM ? K_ERR_VENC_NOMEM : K_ERR_VENC_NOT_SUPPORT;
  pthread_mutex_lock(&g_mu);
  memset(c->os, 0, sizeof c->os);
  c->nout = 0;
  for (uint32_t i = 0; i < want; i++) {
    k_vb_blk_handle b = dbl_vb_take(from, blk_size, VB_UID_VENC);
    if (b == VB_INVALID_HANDLE) break;
    c->out[c->nout++] = b;
  }
  int ok = c->nout == want;
  if (ok) {
    c->created = 1;
    c->attr = *attr;
    c->codec = codec;
    c->out_seq = 0;
    c->dropped = 0;
    c->in_cnt = c->in_head = c->encoding = 0;
  } else {
    for (uint32_t i = 0; i < c->nout; i++) dbl_vb_unref(c->out[i], VB_UID_VENC);
    c->nout = 0;
  }
  pthread_mutex_unlock(&g_mu);
  if (!ok) {
    venc_codec_close(codec);
    return K_ERR_VENC_NOBUF;
  }
  return 0;
}

static void *encoder(void *arg);

k_s32 kd_mpi_venc_start_chn(k_u32 chn_num) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(created, "VENC-START-CREATED", "kd_mpi_venc_start_chn(%u) on a channel never created", chn_num))
    return K_ERR_VENC_UNEXIST;
  if (started) return 0;
  c->quit = 0;
  if (pthread_create(&c->th, NULL, encoder, c) != 0) return K_ERR_VENC_NOMEM;
  pthread_mutex_lock(&g_mu);
  c->started = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_venc_stop_chn(k_u32 chn_num) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int started = c->started;
  c->quit = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (!started) return c->created ? 0 : K_ERR_VENC_UNEXIST;
  pthread_join(c->th, NULL);
  pthread_mutex_lock(&g_mu);
  c->started = 0;
  while (c->in_cnt) { /* input not encoded goes back to its owner */
    frame_unref(c->inq[c->in_head]);
    c->in_head = (c->in_head + 1) % IN_DEPTH;
    c->in_cnt--;
  }
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_venc_destroy_chn(k_u32 chn_num) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started, lent = 0;
  for (uint32_t i = 0; i < c->nout; i++) lent += c->os[i].state == 2;
  pthread_mutex_unlock(&g_mu);
  if (!created) return K_ERR_VENC_UNEXIST;
  if (!dbl_check(!started, "VENC-STOP-BEFORE-DESTROY", "kd_mpi_venc_destroy_chn(%u) while started", chn_num))
    kd_mpi_venc_stop_chn(chn_num);
  dbl_check(!dbl_bind_involves(K_ID_VENC, 0, (k_s32)chn_num), "VENC-UNBIND-BEFORE-DESTROY",
            "kd_mpi_venc_destroy_chn(%u) while bound", chn_num);
  dbl_check(lent == 0, "VENC-RELEASE-BEFORE-DESTROY", "kd_mpi_venc_destroy_chn(%u) with %d stream(s) not released",
            chn_num, lent);
  pthread_mutex_lock(&g_mu);
  venc_codec *codec = c->codec;
  k_u32 internal = VB_INVALID_POOLID;
  for (uint32_t i = 0; i < c->nout; i++) {
    dbl_vb_unref(c->out[i], VB_UID_VENC);
#if K230_MPP_VENC_ATTACH_ARGS
    if (c->attached == VB_INVALID_POOLID) internal = (k_u32)kd_mpi_vb_handle_to_pool_id(c->out[i]);
#endif
  }
  c->nout = 0;
  c->created = 0;
  c->codec = NULL;
  pthread_mutex_unlock(&g_mu);
  if (internal != VB_INVALID_POOLID) dbl_vb_pool_destroy_internal(internal);
  venc_codec_close(codec);
  return 0;
}

#if K230_MPP_VENC_ATTACH_ARGS
#if K230_MPP_VENC_ATTACH_ARGS == 3
k_s32 kd_mpi_venc_attach_vb_pool(k_u32 chn_num, k_u32 pool_id, k_u32 buff_num) {
#else
k_s32 kd_mpi_venc_attach_vb_pool(k_u32 chn_num, k_u32 pool_id) {
  k_u32 buff_num = 0;
#endif
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  int fits = dbl_vb_pool_fits(pool_id, 0);
  if (fits <= 0) return K_ERR_VENC_ILLEGAL_PARAM;
  pthread_mutex_lock(&g_mu);
  c->attached = pool_id;
  c->attach_num = buff_num && buff_num <= (uint32_t)fits ? buff_num : (uint32_t)fits;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_venc_detach_vb_pool(k_u32 chn_num) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  c->attached = VB_INVALID_POOLID;
  c->attach_num = 0;
  pthread_mutex_unlock(&g_mu);
  return 0;
}
#endif

k_s32 kd_mpi_venc_enable_idr(k_u32 chn_num, k_bool idr_enable) {
  return chn_of(chn_num) ? 0 : K_ERR_VENC_INVALID_CHNID;
}

k_s32 kd_mpi_venc_request_idr(k_u32 chn_num) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  c->idr_req = 1;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

/* ---- input ---- */
/* mu held. Room for one more picture: a queue slot and an output buffer for its stream. */
static int has_room(const vchn *c) { return c->in_cnt < IN_DEPTH && free_out(c) > c->in_cnt + c->encoding; }

static void enqueue(vchn *c, hal_frame *f) {
  c->inq[(c->in_head + c->in_cnt) % IN_DEPTH] = f;
  c->in_cnt++;
  pthread_cond_broadcast(&g_cv);
}

static void sink(const k_mpp_chn *dst, const k_video_frame_info *frame) {
  vchn *c = chn_of((k_u32)dst->chn_id);
  if (!c) return;
  pthread_mutex_lock(&g_mu);
  int take = c->started && has_room(c);
  if (!take && c->started) c->dropped++;
  pthread_mutex_unlock(&g_mu);
  if (!take) return;
  hal_frame *f = dbl_frame_wrap(frame, VB_UID_VENC);
  if (!f) return;
  pthread_mutex_lock(&g_mu);
  if (c->started && has_room(c)) {
    enqueue(c, f);
    f = NULL;
  }
  pthread_mutex_unlock(&g_mu);
  frame_unref(f);
}

k_s32 kd_mpi_venc_send_frame(k_u32 chn_num, k_video_frame_info *frame, k_s32 milli_sec) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  if (!frame) return K_ERR_VENC_NULL_PTR;
  hal_frame *f = dbl_frame_wrap(frame, VB_UID_VENC);
  if (!f) return K_ERR_VENC_ILLEGAL_PARAM; /* not a picture in a VB block */
  struct timespec dl;
  base_deadline(&dl, milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  while (c->started && !has_room(c) && rc == 0) {
    if (milli_sec == 0) rc = K_ERR_VENC_BUF_FULL;
    else if (milli_sec < 0) pthread_cond_wait(&g_cv, &g_mu);
    else if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) rc = K_ERR_VENC_BUF_FULL;
  }
  if (!rc && !c->started) rc = K_ERR_VENC_NOT_PERM;
  if (!rc) {
    enqueue(c, f);
    f = NULL;
  }
  pthread_mutex_unlock(&g_mu);
  frame_unref(f);
  return rc;
}

/* ---- the encoder ---- */
static void store(vchn *c, const venc_au *au) {
  size_t total = 0;
  for (uint32_t i = 0; i < au->pack_cnt; i++) total += au->pack[i].len;
  pthread_mutex_lock(&g_mu);
  ostream *o = NULL;
  for (uint32_t i = 0; i < c->nout && !o; i++)
    if (c->os[i].state == 0) {
      o = &c->os[i];
      o->blk = c->out[i];
    }
  uint64_t phys = o ? dbl_vb_phys(o->blk) : 0;
  if (!o || total > dbl_vb_size(o->blk) || au->pack_cnt > MAX_PACKS) {
    c->dropped++;
    pthread_mutex_unlock(&g_mu);
    return;
  }
  uint8_t *mem = dbl_mmz_ptr(phys, total);
  size_t off = 0;
  for (uint32_t i = 0; i < au->pack_cnt; i++) {
    const hal_venc_pack *p = &au->pack[i];
    memcpy(mem + off, p->data, p->len);
    o->packs[i].phys_addr = phys + off;
    o->packs[i].len = p->len;
    o->packs[i].pts = p->pts_us;
    o->packs[i].type = p->type == HAL_VENC_PACK_HEADER ? K_VENC_HEADER
                       : p->type == HAL_VENC_PACK_I    ? K_VENC_I_FRAME
                                                       : K_VENC_P_FRAME;
    off += p->len;
  }
  o->pack_cnt = au->pack_cnt;
  o->seq = c->out_seq++;
  o->state = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
}

static void *encoder(void *arg) {
  vchn *c = arg;
  pthread_mutex_lock(&g_mu);
  for (;;) {
    while (!c->quit && c->in_cnt == 0) pthread_cond_wait(&g_cv, &g_mu);
    if (c->quit) break;
    hal_frame *f = c->inq[c->in_head];
    c->in_head = (c->in_head + 1) % IN_DEPTH;
    c->in_cnt--;
    c->encoding++;
    int idr = c->idr_req;
    c->idr_req = 0;
    pthread_mutex_unlock(&g_mu);
    venc_codec_send(c->codec, f, f->pts_us, idr);
    frame_unref(f);
    venc_au au;
    while (venc_codec_receive(c->codec, &au) == 0) {
      store(c, &au);
      venc_codec_au_free(c->codec, &au);
    }
    pthread_mutex_lock(&g_mu);
    c->encoding--;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

/* ---- output ---- */
/* mu held. The oldest ready stream. */
static ostream *next_ready(vchn *c) {
  ostream *best = NULL;
  for (uint32_t i = 0; i < c->nout; i++)
    if (c->os[i].state == 1 && (!best || c->os[i].seq < best->seq)) best = &c->os[i];
  return best;
}

k_s32 kd_mpi_venc_query_status(k_u32 chn_num, k_venc_chn_status *status) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  if (!status) return K_ERR_VENC_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int created = c->created;
  ostream *o = next_ready(c);
  memset(status, 0, sizeof *status);
  status->cur_packs = o ? o->pack_cnt : 0;
  pthread_mutex_unlock(&g_mu);
  return created ? 0 : K_ERR_VENC_UNEXIST;
}

k_s32 kd_mpi_venc_get_stream(k_u32 chn_num, k_venc_stream *stream, k_s32 milli_sec) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  if (!stream || !stream->pack) return K_ERR_VENC_NULL_PTR;
  struct timespec dl;
  base_deadline(&dl, milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = c->created ? 0 : K_ERR_VENC_UNEXIST;
  ostream *o = NULL;
  while (!rc && !(o = next_ready(c))) {
    if (milli_sec == 0) rc = K_ERR_VENC_BUF_EMPTY;
    else if (milli_sec < 0) pthread_cond_wait(&g_cv, &g_mu);
    else if (pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) rc = K_ERR_VENC_BUF_EMPTY;
  }
  uint32_t want = o ? o->pack_cnt : 0, room = stream->pack_cnt;
  if (!rc && room >= want) {
    memcpy(stream->pack, o->packs, sizeof(k_venc_pack) * want);
    stream->pack_cnt = want;
    o->state = 2;
  }
  pthread_mutex_unlock(&g_mu);
  if (rc) return rc;
  if (!dbl_check(room >= want, "VENC-PACKS-FIT", "kd_mpi_venc_get_stream(%u): room for %u packs, the stream has %u",
                 chn_num, room, want))
    return K_ERR_VENC_ILLEGAL_PARAM;
  return 0;
}

k_s32 kd_mpi_venc_release_stream(k_u32 chn_num, k_venc_stream *stream) {
  vchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VENC_INVALID_CHNID;
  if (!stream || !stream->pack || !stream->pack_cnt) return K_ERR_VENC_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int found = 0;
  for (uint32_t i = 0; i < c->nout && !found; i++)
    if (c->os[i].state == 2 && c->os[i].packs[0].phys_addr == stream->pack[0].phys_addr) {
      c->os[i].state = 0;
      found = 1;
      pthread_cond_broadcast(&g_cv);
    }
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(found, "VENC-RELEASE-LENT", "kd_mpi_venc_release_stream(%u): not a stream the channel lent", chn_num))
    return K_ERR_VENC_ILLEGAL_PARAM;
  return 0;
}

/* ---- module ---- */
static void venc_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < VENC_MAX_CHN_NUMS; i++)
    if (g_chn[i].created) leak(ctx, "VENC chn %d created and never destroyed", i);
  pthread_mutex_unlock(&g_mu);
}

static void __attribute__((constructor)) venc_init(void) {
  base_cond_init_mono(&g_cv);
  for (int i = 0; i < VENC_MAX_CHN_NUMS; i++) g_chn[i].attached = VB_INVALID_POOLID;
  dbl_sink_register(K_ID_VENC, sink);
}

static const dbl_module venc_module = {"venc", venc_leaks};
DBL_MODULE(venc_module)
