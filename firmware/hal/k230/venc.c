/* hal/venc.h on the K230 (k230-platform.md §2.5 "Encoder"): private output pool -> attach ->
 * create_chn -> enable_idr -> [bind] -> start_chn; get_stream = query_status + get_stream +
 * sys_mmap of every pack (zero copy, lent until release) ; teardown stop -> detach -> destroy ->
 * pool. How output buffers reach the channel depends on the MPP generation
 * (venc_outbuf_pool.c | venc_outbuf_legacy.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/sensor.h"
#include "hal/venc.h"
#include "k230_internal.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"
#include "mpi_venc_api.h"

#define MAX_LENT 64

typedef struct lent {
  hal_venc_stream pub; /* first */
  k_venc_pack packs[HAL_VENC_PACK_MAX];
  k_venc_stream mpp;
  void *map[HAL_VENC_PACK_MAX];
  uint32_t map_len[HAL_VENC_PACK_MAX];
  int used;
} lent;

typedef struct kvenc {
  hal_handle h;
  int chn;
  hal_venc_config cfg;
  k230_outbuf out;
  k_u32 in_pool;
  uint64_t in_blk_size;
  int created, running, stopped_drained;
  lent lent[MAX_LENT];
  uint32_t seq;
  uint64_t frames_in, streams_out, bytes_out;
  uint64_t dropped, last_pts; /* pictures missing between the streams of a bound camera */
  int have_last;
  pthread_t watcher;
  int watching;
  volatile int quit;
} kvenc;

static kvenc *g_chn[HAL_VENC_MAX_CHN];

static int accepts(void *obj, int chn, const hal_bind_info *src) {
  kvenc *v = obj;
  if (src->format != HAL_PIXFMT_NV12 || src->width != v->cfg.width || src->height != v->cfg.height) return ERR_EINVAL;
  /* The encoder's input planes are 4 KiB-aligned (CanMV set_framesize(..., alignment=12) on
   * every camera -> encoder path; the MPP double's VICAP-ENCODER-ALIGN). */
  if (src->src.mod == HAL_MOD_SENSOR && src->alignment != HAL_SENSOR_ALIGN_ENCODER) return ERR_EINVAL;
  return 0;
}

static k_venc_profile profile_of(const hal_venc_config *c) {
  switch (c->profile) {
    case HAL_VENC_PROFILE_H264_BASELINE: return VENC_PROFILE_H264_BASELINE;
    case HAL_VENC_PROFILE_H264_MAIN: return VENC_PROFILE_H264_MAIN;
    case HAL_VENC_PROFILE_H264_HIGH: return VENC_PROFILE_H264_HIGH;
    case HAL_VENC_PROFILE_H265_MAIN: return VENC_PROFILE_H265_MAIN;
    default: return c->codec == HAL_VENC_H265 ? VENC_PROFILE_H265_MAIN : VENC_PROFILE_H264_HIGH;
  }
}

/* 0, or the code with *why naming the constraint (hal_venc_config_why). */
static int check(const hal_venc_config *c, const char **why) {
#define REFUSE(code, text) \
  do { \
    *why = text; \
    return code; \
  } while (0)
  *why = NULL;
  if (c->width > 4096 || c->height > 4096) REFUSE(ERR_EINVAL, "width and height must be at most 4096");
  if (c->width < 128 || c->height < 64) REFUSE(ERR_EINVAL, "width must be at least 128 and height at least 64");
  if (c->width % 2 || c->height % 2) REFUSE(ERR_EINVAL, "width and height must be even");
  if (c->src_fps < 1) REFUSE(ERR_EINVAL, "the source frame rate must be at least 1");
  if (c->dst_fps < 1 || c->dst_fps > c->src_fps) REFUSE(ERR_EINVAL, "fps must be 1..the source frame rate");
  if (c->gop < 1) REFUSE(ERR_EINVAL, "the GOP must be at least 1");
  if (c->stream_buf_cnt < 1 || c->stream_buf_cnt > MAX_LENT)
    REFUSE(ERR_EINVAL, "the stream buffer count must be 1..64");
  if (c->codec == HAL_VENC_JPEG) {
    if (c->jpeg_quality < 1 || c->jpeg_quality > 99) REFUSE(ERR_EINVAL, "the JPEG quality must be 1..99");
    return 0;
  }
  if (c->codec != HAL_VENC_H264 && c->codec != HAL_VENC_H265) REFUSE(ERR_EINVAL, "the codec is h264, h265 or jpeg");
  if (c->codec == HAL_VENC_H265 && c->profile != HAL_VENC_PROFILE_DEFAULT && c->profile != HAL_VENC_PROFILE_H265_MAIN)
    REFUSE(ERR_ENOTSUP, "H.265 takes the main profile only");
  if (c->codec == HAL_VENC_H264 && c->profile == HAL_VENC_PROFILE_H265_MAIN)
    REFUSE(ERR_ENOTSUP, "H.264 takes the baseline, main or high profile");
  if (c->rc == HAL_VENC_RC_FIXQP && (c->i_qp > 51 || c->p_qp > 51)) REFUSE(ERR_EINVAL, "the QP must be 0..51");
  if (c->rc != HAL_VENC_RC_CBR && c->rc != HAL_VENC_RC_VBR && c->rc != HAL_VENC_RC_FIXQP)
    REFUSE(ERR_EINVAL, "unknown rate control");
  return 0;
#undef REFUSE
}

const char *hal_venc_config_why(const hal_venc_config *cfg) {
  const char *why = NULL;
  if (cfg) check(cfg, &why);
  return why;
}

static void fill_attr(const hal_venc_config *c, k_venc_chn_attr *a) {
  memset(a, 0, sizeof *a);
  a->venc_attr.pic_width = c->width;
  a->venc_attr.pic_height = c->height;
  if (c->codec == HAL_VENC_JPEG) {
    a->venc_attr.type = K_PT_JPEG;
    a->rc_attr.rc_mode = K_VENC_RC_MODE_MJPEG_FIXQP;
    a->rc_attr.mjpeg_fixqp.src_frame_rate = c->src_fps;
    a->rc_attr.mjpeg_fixqp.dst_frame_rate = c->dst_fps;
    a->rc_attr.mjpeg_fixqp.q_factor = c->jpeg_quality;
    return;
  }
  a->venc_attr.type = c->codec == HAL_VENC_H265 ? K_PT_H265 : K_PT_H264;
  a->venc_attr.profile = profile_of(c);
  switch (c->rc) {
    case HAL_VENC_RC_VBR:
      a->rc_attr.rc_mode = K_VENC_RC_MODE_VBR;
      a->rc_attr.vbr.gop = c->gop;
      a->rc_attr.vbr.stats_time = 1;
      a->rc_attr.vbr.src_frame_rate = c->src_fps;
      a->rc_attr.vbr.dst_frame_rate = c->dst_fps;
      a->rc_attr.vbr.bit_rate = c->bitrate_kbps;
      a->rc_attr.vbr.max_bit_rate = c->max_bitrate_kbps ? c->max_bitrate_kbps : 2 * c->bitrate_kbps;
      break;
    case HAL_VENC_RC_FIXQP:
      a->rc_attr.rc_mode = K_VENC_RC_MODE_FIXQP;
      a->rc_attr.fixqp.gop = c->gop;
      a->rc_attr.fixqp.src_frame_rate = c->src_fps;
      a->rc_attr.fixqp.dst_frame_rate = c->dst_fps;
      a->rc_attr.fixqp.i_qp = c->i_qp;
      a->rc_attr.fixqp.p_qp = c->p_qp;
      break;
    default:
      a->rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
      a->rc_attr.cbr.gop = c->gop;
      a->rc_attr.cbr.stats_time = 1;
      a->rc_attr.cbr.src_frame_rate = c->src_fps;
      a->rc_attr.cbr.dst_frame_rate = c->dst_fps;
      a->rc_attr.cbr.bit_rate = c->bitrate_kbps;
      break;
  }
}

/* The MPP has no stream-ready callback for user space: a watcher polls the channel status and
 * raises on_stream while a stream is ready. cur_packs is the pack count of the next stream (2
 * for header + IDR, 1 for a P picture), not a count of streams, so its changes say nothing: a
 * second P picture behind the first leaves it at 1. The event may repeat; consumers drain.
 * Only started when the app asked for the event. */
static void *watch(void *arg) {
  kvenc *v = arg;
  while (!v->quit) {
    k_venc_chn_status st;
    if (v->running && kd_mpi_venc_query_status((k_u32)v->chn, &st) == 0 && st.cur_packs > 0 && v->cfg.on_stream)
      v->cfg.on_stream(v->cfg.user, v->chn);
    usleep(5000);
  }
  return NULL;
}

int hal_venc_create(int chn, const hal_venc_config *cfg, hal_handle *out, int *out_chn) {
  if (!cfg || !out || chn < -1 || chn >= HAL_VENC_MAX_CHN) return ERR_EINVAL;
  const char *why;
  int rc = check(cfg, &why);
  if (rc) return rc;
  if (chn == -1) {
    for (int i = 0; i < HAL_VENC_MAX_CHN && chn < 0; i++)
      if (!g_chn[i]) chn = i;
    if (chn < 0) return ERR_EBUSY;
  } else if (g_chn[chn]) {
    return ERR_EBUSY;
  }
  kvenc *v = calloc(1, sizeof *v);
  if (!v) return ERR_ENOMEM;
  v->chn = chn;
  v->cfg = *cfg;
  v->out = K230_OUTBUF_NONE;
  v->in_pool = VB_INVALID_POOLID;
  k_venc_chn_attr a;
  fill_attr(cfg, &a);
  /* §2.5: blk_size = ALIGN_UP(w*h*3/4, 4K) per output stream buffer. */
  uint64_t out_size = K_ALIGN_UP((uint64_t)cfg->width * cfg->height * 3 / 4, 4096);
  /* Output buffers first: on the 2024 MPP they are a common pool VB must be initialised with. */
  if ((rc = k230_venc_outbuf_prepare((k_u32)chn, &a, out_size, cfg->stream_buf_cnt, &v->out))) goto fail;
  if ((rc = k230_vb_ensure_init())) goto fail;
  if ((rc = k230_err(kd_mpi_venc_create_chn((k_u32)chn, &a)))) goto fail;
  v->created = 1;
  if (cfg->codec != HAL_VENC_JPEG) kd_mpi_venc_enable_idr((k_u32)chn, K_TRUE);
  if ((rc = hal_handle_alloc(HAL_KIND_VENC, v, &v->h))) goto fail;
  if (cfg->on_stream) {
    if (pthread_create(&v->watcher, NULL, watch, v) == 0) v->watching = 1;
  }
  g_chn[chn] = v;
  k230_ep_register(HAL_MOD_VENC, chn, v, NULL, accepts);
  *out = v->h;
  if (out_chn) *out_chn = chn;
  return 0;
fail:
  k230_venc_outbuf_detach((k_u32)chn, &v->out);
  if (v->created) kd_mpi_venc_destroy_chn((k_u32)chn);
  k230_outbuf_free(&v->out); /* the output pool (or common claim) made for this channel */
  free(v);
  return rc;
}

int hal_venc_start(hal_handle venc) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (v->running) return 0;
  if ((rc = k230_err(kd_mpi_venc_start_chn((k_u32)v->chn)))) return rc;
  v->running = 1;
  v->seq = 0;
  v->have_last = 0;
  return 0;
}

int hal_venc_stop(hal_handle venc) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (!v->running) return 0;
  kd_mpi_venc_stop_chn((k_u32)v->chn);
  v->running = 0;
  return 0;
}

int hal_venc_request_idr(hal_handle venc) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (v->cfg.codec == HAL_VENC_JPEG) return 0;
  return k230_err(kd_mpi_venc_request_idr((k_u32)v->chn));
}

int hal_venc_send_frame(hal_handle venc, const hal_frame *f, int timeout_ms) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (!f || f->format != HAL_PIXFMT_NV12 || f->width != v->cfg.width || f->height != v->cfg.height) return ERR_EINVAL;
  if (!v->running) return ERR_ESTATE;
  k_video_frame_info info;
  memset(&info, 0, sizeof info);
  info.v_frame.width = f->width;
  info.v_frame.height = f->height;
  info.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
  info.v_frame.stride[0] = info.v_frame.stride[1] = f->width;
  info.v_frame.pts = f->pts_us;
  info.mod_id = K_ID_VENC;
  uint32_t blk = VB_INVALID_HANDLE;
  void *map = NULL;
  /* A HAL frame lives in a VB block already (4 KiB-aligned base, contiguous planes): hand the
   * hardware its physical address. Anything else is copied into a block of a private pool. */
  if (f->phys[0] && !(f->phys[0] & 4095) && f->phys[1] == f->phys[0] + (uint64_t)f->width * f->height &&
      f->stride[0] == f->width) {
    info.v_frame.phys_addr[0] = f->phys[0];
    info.v_frame.phys_addr[1] = f->phys[1];
    info.pool_id = kd_mpi_vb_handle_to_pool_id(kd_mpi_vb_phyaddr_to_handle(f->phys[0]));
  } else {
    size_t size = hal_pixfmt_size(HAL_PIXFMT_NV12, f->width, f->height);
    if (v->in_pool == VB_INVALID_POOLID) {
      v->in_blk_size = K_ALIGN_UP(size, 4096);
      v->in_pool = k230_pool_create(v->in_blk_size, 2);
      if (v->in_pool == VB_INVALID_POOLID) return ERR_ENOMEM;
    }
    blk = k230_block_get(v->in_pool, v->in_blk_size, timeout_ms);
    if (blk == VB_INVALID_HANDLE) return ERR_ETIMEDOUT;
    uint64_t phys = kd_mpi_vb_handle_to_phyaddr(blk);
    map = kd_mpi_sys_mmap(phys, (k_u32)v->in_blk_size);
    if (!map) {
      kd_mpi_vb_release_block(blk);
      return ERR_EIO;
    }
    uint8_t *dst = map;
    for (uint32_t y = 0; y < f->height; y++)
      memcpy(dst + (size_t)y * f->width, f->data[0] + (size_t)y * f->stride[0], f->width);
    dst += (size_t)f->width * f->height;
    for (uint32_t y = 0; y < f->height / 2; y++)
      memcpy(dst + (size_t)y * f->width, f->data[1] + (size_t)y * f->stride[1], f->width);
    info.v_frame.phys_addr[0] = phys;
    info.v_frame.phys_addr[1] = phys + (uint64_t)f->width * f->height;
    info.pool_id = v->in_pool;
  }
  rc = k230_err(kd_mpi_venc_send_frame((k_u32)v->chn, &info, timeout_ms));
  if (map) kd_mpi_sys_munmap(map, (k_u32)v->in_blk_size);
  /* The encoder holds its own reference on the block until it has read it (VB user count). */
  if (blk != VB_INVALID_HANDLE) kd_mpi_vb_release_block(blk);
  if (rc == ERR_EIO) rc = ERR_ETIMEDOUT;
  if (!rc) v->frames_in++;
  return rc;
}

/* The MPP does not report dropped input to user space. A bound camera stamps frame n with
 * pts n * 1e6 / fps (hal/sensor.h), so the pictures missing between two streams are the pts step
 * over one (decimated) frame period, less one: frames the camera had no buffer for or the
 * encoder had no room for, as the host's counters report them. */
static void count_dropped(kvenc *v, uint64_t pts) {
  hal_chn me = {HAL_MOD_VENC, 0, v->chn}, src;
  uint32_t fps = k230_link_source(&me, &src) && src.mod == HAL_MOD_SENSOR ? k230_sensor_fps(src.dev) : 0;
  if (fps && v->have_last && pts > v->last_pts) {
    double period = 1e6 / fps * v->cfg.src_fps / v->cfg.dst_fps;
    uint64_t steps = (uint64_t)((double)(pts - v->last_pts) / period + 0.5);
    if (steps > 1) v->dropped += steps - 1;
  }
  v->last_pts = pts;
  v->have_last = 1;
}

static void unmap_lent(lent *l) {
  for (uint32_t i = 0; i < l->mpp.pack_cnt && i < HAL_VENC_PACK_MAX; i++)
    if (l->map[i]) kd_mpi_sys_munmap(l->map[i], l->map_len[i]);
}

int hal_venc_get_stream(hal_handle venc, hal_venc_stream **out, int timeout_ms) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  lent *l = NULL;
  for (uint32_t i = 0; i < v->cfg.stream_buf_cnt && !l; i++)
    if (!v->lent[i].used) l = &v->lent[i];
  if (!l) return ERR_EBUSY; /* every stream buffer is lent: release one first */
  struct timespec dl, now;
  base_deadline(&dl, timeout_ms);
  k_venc_chn_status st;
  for (;;) {
    if ((rc = k230_err(kd_mpi_venc_query_status((k_u32)v->chn, &st)))) return rc;
    if (st.cur_packs > 0) break;
    if (!v->running) return ERR_ESTATE;
    if (timeout_ms == 0) return ERR_ETIMEDOUT;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (timeout_ms > 0 && (now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec)))
      return ERR_ETIMEDOUT;
    usleep(2000);
  }
  memset(l, 0, sizeof *l);
  l->mpp.pack = l->packs;
  l->mpp.pack_cnt = st.cur_packs > HAL_VENC_PACK_MAX ? HAL_VENC_PACK_MAX : st.cur_packs;
  if ((rc = k230_err(kd_mpi_venc_get_stream((k_u32)v->chn, &l->mpp, 1000)))) return rc;
  for (uint32_t i = 0; i < l->mpp.pack_cnt; i++) {
    const k_venc_pack *p = &l->packs[i];
    uint64_t base = p->phys_addr & ~(uint64_t)4095;
    l->map_len[i] = (uint32_t)K_ALIGN_UP(p->len + (p->phys_addr - base), 4096);
    l->map[i] = kd_mpi_sys_mmap(base, l->map_len[i]);
    if (!l->map[i]) {
      unmap_lent(l);
      kd_mpi_venc_release_stream((k_u32)v->chn, &l->mpp);
      return ERR_EIO;
    }
    hal_venc_pack *hp = &l->pub.pack[i];
    hp->data = (const uint8_t *)l->map[i] + (p->phys_addr - base);
    hp->len = p->len;
    hp->pts_us = p->pts;
    hp->type = p->type == K_VENC_HEADER    ? HAL_VENC_PACK_HEADER
               : p->type == K_VENC_I_FRAME ? HAL_VENC_PACK_I
                                           : HAL_VENC_PACK_P;
    if (v->cfg.codec == HAL_VENC_JPEG) hp->type = HAL_VENC_PACK_I;
    v->bytes_out += p->len;
  }
  l->pub.pack_cnt = l->mpp.pack_cnt;
  if (l->mpp.pack_cnt) count_dropped(v, l->packs[l->mpp.pack_cnt - 1].pts);
  l->pub.seq = v->seq++;
  l->used = 1;
  v->streams_out++;
  *out = &l->pub;
  return 0;
}

static int release_lent(kvenc *v, lent *l) {
  unmap_lent(l);
  k_s32 r = kd_mpi_venc_release_stream((k_u32)v->chn, &l->mpp);
  l->used = 0;
  return k230_err(r);
}

int hal_venc_release_stream(hal_handle venc, hal_venc_stream *stream) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  for (int i = 0; i < MAX_LENT; i++)
    if (v->lent[i].used && &v->lent[i].pub == stream) return release_lent(v, &v->lent[i]);
  return ERR_EINVAL;
}

int hal_venc_status_get(hal_handle venc, hal_venc_status *out) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  k_venc_chn_status st;
  memset(&st, 0, sizeof st);
  kd_mpi_venc_query_status((k_u32)v->chn, &st);
  uint32_t lent_n = 0;
  for (int i = 0; i < MAX_LENT; i++) lent_n += v->lent[i].used ? 1 : 0;
  out->chn = (uint32_t)v->chn;
  /* The MPP counts packs, not pictures: a ready IDR shows as 2 (header + I). */
  out->ready_streams = st.cur_packs ? 1 : 0;
  out->outstanding_streams = lent_n + out->ready_streams;
  out->frames_in = v->frames_in;
  out->streams_out = v->streams_out;
  out->bytes_out = v->bytes_out;
  out->dropped_frames = v->dropped;
  out->running = v->running;
  return 0;
}

int hal_venc_destroy(hal_handle venc) {
  kvenc *v;
  int rc = hal_handle_get(HAL_KIND_VENC, venc, (void **)&v);
  if (rc) return rc;
  if (k230_link_involves(HAL_MOD_VENC, 0, v->chn)) return ERR_EBUSY;
  if (v->watching) {
    v->quit = 1;
    pthread_join(v->watcher, NULL);
  }
  for (int i = 0; i < MAX_LENT; i++)
    if (v->lent[i].used) release_lent(v, &v->lent[i]);
  if (v->running && !k230_double_break("venc-destroy-before-stop")) kd_mpi_venc_stop_chn((k_u32)v->chn);
  k230_venc_outbuf_detach((k_u32)v->chn, &v->out); /* detach, then destroy (§2.5) */
  kd_mpi_venc_destroy_chn((k_u32)v->chn);
  k230_outbuf_free(&v->out);
  k230_pool_destroy(v->in_pool);
  k230_ep_unregister(HAL_MOD_VENC, v->chn);
  g_chn[v->chn] = NULL;
  hal_handle_free(venc);
  free(v);
  return 0;
}
