/* VDEC: channels with the MPP's create -> start -> stop -> destroy sequence. Streams arrive in VB
 * blocks (kd_mpi_vdec_send_stream); the decoder holds each block by a VB user count until it has
 * read it, and decodes with the simulator's engine (hal/host/vdec_stream.c: libs/media's access-
 * unit splitter in stream mode, the FFmpeg module). Pictures go into blocks of the channel's
 * output pool (frame_buf_pool_id), to the sinks bound to the channel (VO) or to
 * kd_mpi_vdec_get_frame; the decoder waits while every output block is held, as the hardware
 * does. End of stream is a stream with end_of_stream set: once the decoder has flushed,
 * kd_mpi_vdec_query_status reports it. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double.h"
#include "internal.h" /* hal/host: sim_vdec_* (the decoding engine) */
#include "mpi_vb_api.h"
#include "mpi_vdec_api.h"

#define IN_DEPTH 16
#define MAX_OUT 64
#define PAD 64 /* the codec may read this far past a chunk (internal.h) */

typedef struct chunk {
  k_vb_blk_handle blk; /* VB_INVALID_HANDLE: an end of stream without data */
  uint64_t phys;
  uint32_t len;
  uint64_t pts;
  int eos;
} chunk;

typedef struct vdchn {
  int created, started;
  k_vdec_chn_attr attr;
  sim_vdec *dec;
  /* input: streams sent, not yet read by the decoder */
  chunk inq[IN_DEPTH];
  int in_head, in_cnt, busy;
  /* output: decoded pictures for kd_mpi_vdec_get_frame, then lent until released */
  k_video_frame_info outq[MAX_OUT];
  int out_head, out_cnt;
  k_vb_blk_handle lent[MAX_OUT];
  int nlent;
  k_vdec_chn_status st;
  int eos_seen; /* an end-of-stream stream was sent since start */
  uint32_t seq;
  pthread_t th;
  int quit;
} vdchn;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static vdchn g_chn[VDEC_MAX_CHN_NUMS];

static vdchn *chn_of(k_u32 chn) { return chn < VDEC_MAX_CHN_NUMS ? &g_chn[chn] : NULL; }

/* mu held. Waits on g_cv by the MPP's timeout convention (-1 forever, 0 not at all). */
static int wait_ms(const struct timespec *dl, k_s32 ms) {
  if (ms == 0) return ETIMEDOUT;
  if (ms < 0) return pthread_cond_wait(&g_cv, &g_mu);
  return pthread_cond_timedwait(&g_cv, &g_mu, dl);
}

/* ---- the decoder ---- */
/* A decoded picture: into a block of the output pool, then to the bound sinks or the queue. */
static void emit(void *arg, const vdec_pic *p) {
  vdchn *c = arg;
  k_u32 chn = (k_u32)(c - g_chn);
  uint64_t size = (uint64_t)p->width * p->height * 3 / 2;
  pthread_mutex_lock(&g_mu);
  k_u32 pool = c->attr.frame_buf_pool_id;
  int bad = p->width > c->attr.pic_width || p->height > c->attr.pic_height || size > c->attr.frame_buf_size;
  if (bad) c->st.dec_err.set_pic_buf_size_err++;
  pthread_mutex_unlock(&g_mu);
  if (bad) return;
  /* Wait for an output block (the app or a sink holds them all); stay responsive to stop. */
  k_vb_blk_handle blk = VB_INVALID_HANDLE;
  for (;;) {
    blk = dbl_vb_take(pool, size, VB_UID_VDEC);
    if (blk != VB_INVALID_HANDLE) break;
    pthread_mutex_lock(&g_mu);
    struct timespec dl;
    base_deadline(&dl, 10);
    int quit = c->quit;
    if (!quit) pthread_cond_timedwait(&g_cv, &g_mu, &dl);
    pthread_mutex_unlock(&g_mu);
    if (quit) return;
  }
  uint64_t phys = dbl_vb_phys(blk);
  hal_frame pic = {.width = p->width, .height = p->height, .format = HAL_PIXFMT_NV12};
  pic.stride[0] = pic.stride[1] = p->width;
  pic.data[0] = dbl_mmz_ptr(phys, size);
  pic.data[1] = pic.data[0] + (size_t)p->width * p->height;
  sim_vdec_pic_to_nv12(p, &pic);
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  k_video_frame *v = &info.v_frame;
  v->width = p->width;
  v->height = p->height;
  v->pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  v->stride[0] = v->stride[1] = p->width;
  v->phys_addr[0] = phys;
  v->phys_addr[1] = phys + (uint64_t)p->width * p->height;
  v->pts = p->pts_us;
  info.pool_id = pool;
  info.mod_id = K_ID_VDEC;
  pthread_mutex_lock(&g_mu);
  v->time_ref = c->seq++;
  c->st.dec_stream_frames++;
  c->st.width = p->width;
  c->st.height = p->height;
  c->st.latest_frame_pts = p->pts_us;
  pthread_mutex_unlock(&g_mu);
  k_mpp_chn src = {K_ID_VDEC, 0, (k_s32)chn};
  if (dbl_bind_involves(K_ID_VDEC, 0, (k_s32)chn)) {
    dbl_bind_push(&src, &info); /* a sink keeps its own reference */
    dbl_vb_unref(blk, VB_UID_VDEC);
    return;
  }
  pthread_mutex_lock(&g_mu);
  if (c->out_cnt < MAX_OUT) {
    c->outq[(c->out_head + c->out_cnt) % MAX_OUT] = info;
    c->out_cnt++;
    blk = VB_INVALID_HANDLE;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  if (blk != VB_INVALID_HANDLE) dbl_vb_unref(blk, VB_UID_VDEC);
}

static void *decoder(void *arg) {
  vdchn *c = arg;
  pthread_mutex_lock(&g_mu);
  for (;;) {
    while (!c->quit && c->in_cnt == 0) pthread_cond_wait(&g_cv, &g_mu);
    if (c->quit) break;
    chunk k = c->inq[c->in_head];
    c->in_head = (c->in_head + 1) % IN_DEPTH;
    c->in_cnt--;
    c->busy = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    /* The hardware reads the stream into its own buffer: the block goes back at once. */
    uint8_t *data = NULL;
    if (k.len) {
      data = malloc((size_t)k.len + PAD);
      if (data) {
        memcpy(data, dbl_mmz_ptr(k.phys, k.len), k.len);
        memset(data + k.len, 0, PAD);
      }
    }
    if (k.blk != VB_INVALID_HANDLE) dbl_vb_unref(k.blk, VB_UID_VDEC);
    int errs = data || !k.len ? sim_vdec_feed(c->dec, data, data ? k.len : 0, k.pts, k.eos) : 1;
    free(data);
    pthread_mutex_lock(&g_mu);
    c->st.dec_err.stream_unsupport += errs;
    c->busy = 0;
    if (k.eos) c->st.end_of_stream = K_TRUE;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

/* ---- channel life ---- */
k_s32 kd_mpi_vdec_create_chn(k_u32 chn_num, k_vdec_chn_attr *attr) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  if (!attr) return K_ERR_VDEC_NULL_PTR;
  if (!dbl_check(dbl_vb_ready(), "VDEC-VB-FIRST", "kd_mpi_vdec_create_chn(%u) before kd_mpi_vb_init", chn_num))
    return K_ERR_VDEC_NOTREADY;
  if ((attr->type != K_PT_H264 && attr->type != K_PT_H265) || attr->mode >= K_VDEC_SEND_MODE_BUTT)
    return K_ERR_VDEC_NOT_SUPPORT; /* JPEG: hal/k230 never asks for it */
  if (!attr->pic_width || !attr->pic_height || !attr->stream_buf_size) return K_ERR_VDEC_ILLEGAL_PARAM;
#if !K230_MPP_VDEC_ATTACH
  int fits = dbl_vb_pool_fits(attr->frame_buf_pool_id, attr->frame_buf_size);
  if (!dbl_check(attr->frame_buf_size > 0 && attr->frame_buf_cnt > 0 && fits >= (int)attr->frame_buf_cnt,
                 "VDEC-OUTPUT-POOL", "chn %u: frame_buf_pool_id %u %s %u blocks of %u bytes", chn_num,
                 attr->frame_buf_pool_id, fits < 0 ? "is no pool, wanted" : "lacks", attr->frame_buf_cnt,
                 attr->frame_buf_size))
    return K_ERR_VDEC_ILLEGAL_PARAM;
#endif
  pthread_mutex_lock(&g_mu);
  int exists = c->created;
  pthread_mutex_unlock(&g_mu);
  if (exists) return K_ERR_VDEC_EXIST;
  sim_vdec *dec;
  int rc = sim_vdec_open(attr->type == K_PT_H265 ? HAL_VDEC_H265 : HAL_VDEC_H264, attr->mode == K_VDEC_SEND_MODE_STREAM,
                         attr->stream_buf_size, emit, c, &dec);
  if (rc) return rc == ERR_ENOMEM ? K_ERR_VDEC_NOMEM : K_ERR_VDEC_NOT_SUPPORT;
  pthread_mutex_lock(&g_mu);
  memset(c, 0, sizeof *c);
  c->created = 1;
  c->attr = *attr;
  c->dec = dec;
  c->st.type = attr->type;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_vdec_start_chn(k_u32 chn_num) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(created, "VDEC-START-CREATED", "kd_mpi_vdec_start_chn(%u) on a channel never created", chn_num))
    return K_ERR_VDEC_UNEXIST;
  if (started) return 0;
  c->quit = 0;
  if (pthread_create(&c->th, NULL, decoder, c) != 0) return K_ERR_VDEC_NOMEM;
  pthread_mutex_lock(&g_mu);
  c->started = 1;
  c->st.is_started = K_TRUE;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

k_s32 kd_mpi_vdec_stop_chn(k_u32 chn_num) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started, eos = c->eos_seen && c->st.end_of_stream;
  pthread_mutex_unlock(&g_mu);
  if (!created) return K_ERR_VDEC_UNEXIST;
  if (!dbl_check(started, "VDEC-STOP-STARTED", "kd_mpi_vdec_stop_chn(%u) on a channel not started", chn_num))
    return K_ERR_VDEC_NOT_PERM;
  dbl_check(eos, "VDEC-EOS-BEFORE-STOP", "kd_mpi_vdec_stop_chn(%u) before the end of the stream was decoded", chn_num);
  pthread_mutex_lock(&g_mu);
  c->quit = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  pthread_join(c->th, NULL);
  pthread_mutex_lock(&g_mu);
  c->started = 0;
  c->st.is_started = K_FALSE;
  /* Streams not read and pictures not taken go back; a stopped channel starts a new stream. */
  k_vb_blk_handle drop[IN_DEPTH + MAX_OUT];
  int n = 0;
  for (; c->in_cnt; c->in_cnt--, c->in_head = (c->in_head + 1) % IN_DEPTH)
    if (c->inq[c->in_head].blk != VB_INVALID_HANDLE) drop[n++] = c->inq[c->in_head].blk;
  for (; c->out_cnt; c->out_cnt--, c->out_head = (c->out_head + 1) % MAX_OUT)
    drop[n++] = dbl_vb_find(c->outq[c->out_head].v_frame.phys_addr[0]);
  c->eos_seen = 0;
  c->st.end_of_stream = K_FALSE;
  sim_vdec *dec = c->dec;
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n; i++) dbl_vb_unref(drop[i], VB_UID_VDEC);
  sim_vdec_restart(dec);
  return 0;
}

k_s32 kd_mpi_vdec_destroy_chn(k_u32 chn_num) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started;
  pthread_mutex_unlock(&g_mu);
  if (!created) return K_ERR_VDEC_UNEXIST;
  if (!dbl_check(!started, "VDEC-DESTROY-STOPPED", "kd_mpi_vdec_destroy_chn(%u) while started", chn_num))
    kd_mpi_vdec_stop_chn(chn_num);
  dbl_check(!dbl_bind_involves(K_ID_VDEC, 0, (k_s32)chn_num), "VDEC-UNBIND-BEFORE-DESTROY",
            "kd_mpi_vdec_destroy_chn(%u) while bound", chn_num);
  pthread_mutex_lock(&g_mu);
  k_vb_blk_handle lent[MAX_OUT];
  int n = c->nlent;
  memcpy(lent, c->lent, sizeof lent);
  sim_vdec *dec = c->dec;
  memset(c, 0, sizeof *c);
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n; i++) dbl_vb_unref(lent[i], VB_UID_VDEC); /* the MPP takes them back */
  sim_vdec_close(dec);
  return 0;
}

/* ---- input ---- */
k_s32 kd_mpi_vdec_send_stream(k_u32 chn_num, k_vdec_stream *stream, k_s32 milli_sec) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  if (!stream) return K_ERR_VDEC_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int created = c->created, started = c->started;
  uint32_t room = c->attr.stream_buf_size;
  pthread_mutex_unlock(&g_mu);
  if (!created) return K_ERR_VDEC_UNEXIST;
  if (!dbl_check(started, "VDEC-SEND-STARTED", "kd_mpi_vdec_send_stream(%u) on a channel not started", chn_num))
    return K_ERR_VDEC_NOT_PERM;
  k_vb_blk_handle blk = VB_INVALID_HANDLE;
  if (stream->len) {
    blk = dbl_vb_find(stream->phy_addr);
    uint64_t end = blk == VB_INVALID_HANDLE ? 0 : dbl_vb_phys(blk) + dbl_vb_size(blk);
    if (!dbl_check(blk != VB_INVALID_HANDLE && stream->phy_addr + stream->len <= end, "VDEC-STREAM-VB",
                   "kd_mpi_vdec_send_stream(%u): %u bytes at 0x%llx are not inside a VB block", chn_num, stream->len,
                   (unsigned long long)stream->phy_addr))
      return K_ERR_VDEC_ILLEGAL_PARAM;
    if (!dbl_check(stream->len <= room, "VDEC-STREAM-SIZE",
                   "kd_mpi_vdec_send_stream(%u): %u bytes, stream_buf_size is %u", chn_num, stream->len, room))
      return K_ERR_VDEC_ILLEGAL_PARAM;
    dbl_vb_ref(blk, VB_UID_VDEC); /* until the decoder has read it */
  }
  struct timespec dl;
  base_deadline(&dl, milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  while (c->started && c->in_cnt == IN_DEPTH && !rc)
    if (wait_ms(&dl, milli_sec) == ETIMEDOUT) rc = K_ERR_VDEC_BUF_FULL;
  if (!rc && !c->started) rc = K_ERR_VDEC_NOT_PERM;
  if (!rc) {
    c->inq[(c->in_head + c->in_cnt) % IN_DEPTH] =
        (chunk){blk, stream->phy_addr, stream->len, stream->pts, stream->end_of_stream ? 1 : 0};
    c->in_cnt++;
    c->st.recv_stream_frames++;
    if (stream->end_of_stream) c->eos_seen = 1;
    blk = VB_INVALID_HANDLE;
    pthread_cond_broadcast(&g_cv);
  }
  pthread_mutex_unlock(&g_mu);
  if (blk != VB_INVALID_HANDLE) dbl_vb_unref(blk, VB_UID_VDEC);
  return rc;
}

/* ---- output ---- */
k_s32 kd_mpi_vdec_get_frame(k_u32 chn_num, k_video_frame_info *frame, k_vdec_supplement_info *supplement,
                            k_s32 milli_sec) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  if (!frame || !supplement) return K_ERR_VDEC_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int started = c->started;
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(started, "VDEC-GET-STARTED", "kd_mpi_vdec_get_frame(%u) on a channel not started", chn_num))
    return K_ERR_VDEC_NOT_PERM;
  struct timespec dl;
  base_deadline(&dl, milli_sec);
  pthread_mutex_lock(&g_mu);
  k_s32 rc = 0;
  /* Once the end of the stream is decoded and every picture taken, there is nothing to wait for. */
  while (c->started && c->out_cnt == 0 && !rc)
    if ((c->st.end_of_stream && !c->in_cnt && !c->busy) || wait_ms(&dl, milli_sec) == ETIMEDOUT)
      rc = K_ERR_VDEC_BUF_EMPTY;
  if (!rc && !c->started) rc = K_ERR_VDEC_NOT_PERM;
  if (!rc && c->nlent == MAX_OUT) rc = K_ERR_VDEC_BUF_EMPTY;
  if (!rc) {
    *frame = c->outq[c->out_head];
    c->out_head = (c->out_head + 1) % MAX_OUT;
    c->out_cnt--;
    c->lent[c->nlent++] = dbl_vb_find(frame->v_frame.phys_addr[0]);
    memset(supplement, 0, sizeof *supplement);
    supplement->type = c->attr.type;
    supplement->is_valid_frame = K_TRUE;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

k_s32 kd_mpi_vdec_release_frame(k_u32 chn_num, k_video_frame_info *frame) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  if (!frame) return K_ERR_VDEC_NULL_PTR;
  k_vb_blk_handle blk = dbl_vb_find(frame->v_frame.phys_addr[0]);
  pthread_mutex_lock(&g_mu);
  int found = 0;
  for (int i = 0; i < c->nlent && !found; i++)
    if (c->lent[i] == blk) {
      c->lent[i] = c->lent[--c->nlent];
      found = 1;
    }
  if (found) pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (!dbl_check(found, "VDEC-RELEASE-GOT", "kd_mpi_vdec_release_frame(%u): not a frame kd_mpi_vdec_get_frame gave",
                 chn_num))
    return K_ERR_VDEC_ILLEGAL_PARAM;
  dbl_vb_unref(blk, VB_UID_VDEC);
  return 0;
}

k_s32 kd_mpi_vdec_query_status(k_u32 chn_num, k_vdec_chn_status *status) {
  vdchn *c = chn_of(chn_num);
  if (!c) return K_ERR_VDEC_INVALID_CHNID;
  if (!status) return K_ERR_VDEC_NULL_PTR;
  pthread_mutex_lock(&g_mu);
  int created = c->created;
  *status = c->st;
  /* The end of the stream is reached once the decoder has flushed and given out its pictures. */
  status->end_of_stream = c->st.end_of_stream && !c->in_cnt && !c->busy ? K_TRUE : K_FALSE;
  pthread_mutex_unlock(&g_mu);
  return created ? 0 : K_ERR_VDEC_UNEXIST;
}

/* ---- module ---- */
static void vdec_leaks(dbl_leak_fn leak, void *ctx) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < VDEC_MAX_CHN_NUMS; i++) {
    if (g_chn[i].created) leak(ctx, "VDEC chn %d created and never destroyed", i);
    if (g_chn[i].nlent) leak(ctx, "VDEC chn %d: %d frame(s) never released", i, g_chn[i].nlent);
  }
  pthread_mutex_unlock(&g_mu);
}

static void __attribute__((constructor)) vdec_init(void) { base_cond_init_mono(&g_cv); }

static const dbl_module vdec_module = {"vdec", vdec_leaks};
DBL_MODULE(vdec_module)
