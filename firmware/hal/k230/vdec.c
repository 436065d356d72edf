/* hal/vdec.h on the K230 (k230-platform.md §2.5 "Decoder"): input VB pool + output pool
 * (vdec_outbuf_*.c) -> create_chn -> start_chn; send = take an input block, copy, send_stream,
 * release the block (the decoder keeps its own reference until it has consumed it); end of
 * stream = an EOS stream, then poll status; teardown stop -> detach -> destroy -> pools. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hal/vdec.h"
#include "k230_internal.h"
#include "mpi_sys_api.h"
#include "mpi_vb_api.h"
#include "mpi_vdec_api.h"

typedef struct kvdec {
  hal_handle h;
  int chn;
  hal_vdec_config cfg;
  k_u32 in_pool, out_pool;
  uint64_t in_size;
  int running, eos_sent;
  uint64_t bytes_in, chunks_in;
  pthread_t watcher;
  int watching;
  volatile int quit;
} kvdec;

static kvdec *g_chn[HAL_VDEC_MAX_CHN];

static int describe(void *obj, int chn, hal_bind_info *out) {
  kvdec *d = obj;
  memset(out, 0, sizeof *out);
  out->src = (hal_chn){HAL_MOD_VDEC, 0, d->chn};
  out->width = d->cfg.max_width;
  out->height = d->cfg.max_height;
  out->format = HAL_PIXFMT_NV12;
  return 0;
}

/* Frame-ready and end-of-stream events: the MPP user API has none, so a watcher polls the
 * channel status (only when the app asked for an event). */
static void *watch(void *arg) {
  kvdec *d = arg;
  k_u32 last = 0;
  int eos = 0;
  while (!d->quit) {
    k_vdec_chn_status st;
    if (d->running && kd_mpi_vdec_query_status((k_u32)d->chn, &st) == 0) {
      if (st.dec_stream_frames != last && d->cfg.on_frame) d->cfg.on_frame(d->cfg.user, d->chn);
      last = st.dec_stream_frames;
      if (st.end_of_stream && !eos && d->cfg.on_eos) d->cfg.on_eos(d->cfg.user, d->chn);
      eos = st.end_of_stream;
    }
    usleep(5000);
  }
  return NULL;
}

int hal_vdec_create(int chn, const hal_vdec_config *cfg, hal_handle *out, int *out_chn) {
  if (!cfg || !out || chn < -1 || chn >= HAL_VDEC_MAX_CHN) return ERR_EINVAL;
  if ((cfg->codec != HAL_VDEC_H264 && cfg->codec != HAL_VDEC_H265) ||
      (cfg->mode != HAL_VDEC_MODE_STREAM && cfg->mode != HAL_VDEC_MODE_FRAME) || cfg->max_width < 64 ||
      cfg->max_height < 64 || cfg->max_width > 4096 || cfg->max_height > 4096 || cfg->in_buf_cnt < 1 ||
      cfg->in_buf_cnt > 64 || cfg->out_buf_cnt < 1 || cfg->out_buf_cnt > 64)
    return ERR_EINVAL;
  if (chn == -1) {
    for (int i = 0; i < HAL_VDEC_MAX_CHN && chn < 0; i++)
      if (!g_chn[i]) chn = i;
    if (chn < 0) return ERR_EBUSY;
  } else if (g_chn[chn]) {
    return ERR_EBUSY;
  }
  int rc = k230_vb_ensure_init();
  if (rc) return rc;
  kvdec *d = calloc(1, sizeof *d);
  if (!d) return ERR_ENOMEM;
  d->chn = chn;
  d->cfg = *cfg;
  d->in_pool = d->out_pool = VB_INVALID_POOLID;
  /* §2.5: input blocks of w*h bytes (a compressed picture never exceeds that at sane rates),
   * output frames of w*h*2 as CanMV sizes them (room for the decoder's alignment). */
  d->in_size = K_ALIGN_UP((uint64_t)cfg->max_width * cfg->max_height, 4096);
  d->in_pool = k230_pool_create(d->in_size, cfg->in_buf_cnt);
  if (d->in_pool == VB_INVALID_POOLID) {
    rc = ERR_ENOMEM;
    goto fail;
  }
  k_vdec_chn_attr a;
  memset(&a, 0, sizeof a);
  a.type = cfg->codec == HAL_VDEC_H265 ? K_PT_H265 : K_PT_H264;
  a.mode = cfg->mode == HAL_VDEC_MODE_FRAME ? K_VDEC_SEND_MODE_FRAME : K_VDEC_SEND_MODE_STREAM;
  a.pic_width = cfg->max_width;
  a.pic_height = cfg->max_height;
  a.stream_buf_size = (k_u32)d->in_size;
  uint64_t out_size = K_ALIGN_UP((uint64_t)cfg->max_width * cfg->max_height * 2, 4096);
  if ((rc = k230_vdec_outbuf_prepare((k_u32)chn, &a, out_size, cfg->out_buf_cnt, &d->out_pool))) goto fail;
  if ((rc = k230_err(kd_mpi_vdec_create_chn((k_u32)chn, &a)))) {
    k230_vdec_outbuf_detach((k_u32)chn, d->out_pool);
    goto fail;
  }
  if ((rc = hal_handle_alloc(HAL_KIND_VDEC, d, &d->h))) {
    kd_mpi_vdec_destroy_chn((k_u32)chn);
    k230_vdec_outbuf_detach((k_u32)chn, d->out_pool);
    goto fail;
  }
  if ((cfg->on_frame || cfg->on_eos) && pthread_create(&d->watcher, NULL, watch, d) == 0) d->watching = 1;
  g_chn[chn] = d;
  k230_ep_register(HAL_MOD_VDEC, chn, d, describe, NULL);
  *out = d->h;
  if (out_chn) *out_chn = chn;
  return 0;
fail:
  k230_pool_destroy(d->out_pool);
  k230_pool_destroy(d->in_pool);
  free(d);
  return rc;
}

static void stop_chn(kvdec *d);

int hal_vdec_start(hal_handle vdec) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (d->running) {
    if (!d->eos_sent) return 0;
    stop_chn(d); /* restart after eos resets the decoder */
  }
  if ((rc = k230_err(kd_mpi_vdec_start_chn((k_u32)d->chn)))) return rc;
  d->running = 1;
  d->eos_sent = 0;
  return 0;
}

static int send_one(kvdec *d, const uint8_t *data, size_t len, uint64_t pts, int eos, int timeout_ms) {
  uint32_t blk = k230_block_get(d->in_pool, d->in_size, timeout_ms);
  if (blk == VB_INVALID_HANDLE) return ERR_ETIMEDOUT;
  uint64_t phys = kd_mpi_vb_handle_to_phyaddr(blk);
  if (len) {
    void *map = kd_mpi_sys_mmap(phys, (k_u32)d->in_size);
    if (!map) {
      kd_mpi_vb_release_block(blk);
      return ERR_EIO;
    }
    memcpy(map, data, len);
    kd_mpi_sys_munmap(map, (k_u32)d->in_size);
  }
  k_vdec_stream s;
  memset(&s, 0, sizeof s);
  s.end_of_stream = eos ? K_TRUE : K_FALSE;
  s.pts = pts;
  s.len = (k_u32)len;
  s.phy_addr = phys;
  int rc = k230_err(kd_mpi_vdec_send_stream((k_u32)d->chn, &s, timeout_ms));
  kd_mpi_vb_release_block(blk);
  if (rc == ERR_EIO) rc = ERR_ETIMEDOUT;
  return rc;
}

int hal_vdec_send_stream(hal_handle vdec, const uint8_t *data, size_t len, uint64_t pts_us, int eos, int timeout_ms) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if ((!data && len) || (!len && !eos)) return ERR_EINVAL;
  if (!d->running || d->eos_sent) return ERR_ESTATE;
  if (d->cfg.mode == HAL_VDEC_MODE_FRAME && len > d->in_size) return ERR_ELIMIT;
  size_t off = 0;
  while (off < len) {
    size_t n = len - off > d->in_size ? (size_t)d->in_size : len - off;
    if ((rc = send_one(d, data + off, n, pts_us, 0, timeout_ms))) return rc;
    off += n;
    d->chunks_in++;
    d->bytes_in += n;
  }
  if (eos) {
    if ((rc = send_one(d, NULL, 0, pts_us, 1, timeout_ms))) return rc;
    d->eos_sent = 1;
  }
  return 0;
}

static void frame_back(k230_frame *f) { kd_mpi_vdec_release_frame((k_u32)f->chn, &f->info); }

int hal_vdec_get_frame(hal_handle vdec, hal_frame **out, int timeout_ms) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  if (k230_link_involves(HAL_MOD_VDEC, 0, d->chn)) return ERR_EBUSY;
  if (!d->running) return ERR_ESTATE;
  k_video_frame_info info;
  k_vdec_supplement_info sup;
  memset(&info, 0, sizeof info);
  memset(&sup, 0, sizeof sup);
  k_s32 r = kd_mpi_vdec_get_frame((k_u32)d->chn, &info, &sup, timeout_ms);
  if (r) {
    if (d->eos_sent) {
      k_vdec_chn_status st;
      if (kd_mpi_vdec_query_status((k_u32)d->chn, &st) == 0 && st.end_of_stream) return ERR_ESTATE;
    }
    rc = k230_err(r);
    return rc == ERR_EIO ? ERR_ETIMEDOUT : rc;
  }
  if (sup.end_of_stream && !sup.is_valid_frame) {
    kd_mpi_vdec_release_frame((k_u32)d->chn, &info);
    return ERR_ESTATE;
  }
  k230_frame *f = k230_frame_wrap(&info, frame_back, d, 0, d->chn);
  if (!f) {
    kd_mpi_vdec_release_frame((k_u32)d->chn, &info);
    return ERR_EIO;
  }
  k230_frame_give(f);
  *out = &f->pub;
  return 0;
}

int hal_vdec_status_get(hal_handle vdec, hal_vdec_status *out) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  k_vdec_chn_status st;
  memset(&st, 0, sizeof st);
  kd_mpi_vdec_query_status((k_u32)d->chn, &st);
  out->chn = (uint32_t)d->chn;
  out->bytes_in = d->bytes_in;
  out->chunks_in = d->chunks_in;
  out->frames_decoded = st.dec_stream_frames;
  out->errors = (uint64_t)(st.dec_err.stream_unsupport + st.dec_err.format_err + st.dec_err.set_pic_buf_size_err);
  out->width = st.width;
  out->height = st.height;
  out->latest_pts_us = st.latest_frame_pts;
  out->end_of_stream = st.end_of_stream ? 1 : 0;
  return 0;
}

int hal_vdec_bind_info(hal_handle vdec, int x, int y, uint32_t width, uint32_t height, hal_bind_info *out) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (!out) return ERR_EINVAL;
  describe(d, d->chn, out);
  out->x = x;
  out->y = y;
  if (width) out->width = width;
  if (height) out->height = height;
  return 0;
}

/* Stop the channel as the vendor does: an end-of-stream stream, then wait until the decoder
 * reports it (vdecoder.py:92-145; sample_vdec.c:226, :325, :524). Pictures nobody takes (no
 * bound display, the app gone) are given back on the way so the decoder can finish. */
static void stop_chn(kvdec *d) {
  k230_frames_release_owner(d);
  if (!d->eos_sent && send_one(d, NULL, 0, 0, 1, 1000) == 0) d->eos_sent = 1;
  int bound = k230_link_involves(HAL_MOD_VDEC, 0, d->chn);
  for (int waited = 0; d->eos_sent && waited < 2000; waited += 5) {
    k_vdec_chn_status st;
    if (kd_mpi_vdec_query_status((k_u32)d->chn, &st) != 0 || st.end_of_stream) break;
    k_video_frame_info info;
    k_vdec_supplement_info sup;
    if (!bound && kd_mpi_vdec_get_frame((k_u32)d->chn, &info, &sup, 0) == 0) {
      kd_mpi_vdec_release_frame((k_u32)d->chn, &info);
      continue;
    }
    usleep(5000);
  }
  kd_mpi_vdec_stop_chn((k_u32)d->chn);
  d->running = 0;
}

int hal_vdec_stop(hal_handle vdec) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (!d->running) return 0;
  stop_chn(d);
  return 0;
}

int hal_vdec_destroy(hal_handle vdec) {
  kvdec *d;
  int rc = hal_handle_get(HAL_KIND_VDEC, vdec, (void **)&d);
  if (rc) return rc;
  if (k230_link_involves(HAL_MOD_VDEC, 0, d->chn)) return ERR_EBUSY;
  if (d->watching) {
    d->quit = 1;
    pthread_join(d->watcher, NULL);
  }
  if (d->running) stop_chn(d);
  k230_frames_release_owner(d);
  k230_vdec_outbuf_detach((k_u32)d->chn, d->out_pool);
  kd_mpi_vdec_destroy_chn((k_u32)d->chn);
  k230_pool_destroy(d->out_pool);
  k230_pool_destroy(d->in_pool);
  k230_ep_unregister(HAL_MOD_VDEC, d->chn);
  g_chn[d->chn] = NULL;
  hal_handle_free(vdec);
  free(d);
  return 0;
}
