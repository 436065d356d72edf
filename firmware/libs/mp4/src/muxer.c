/* MP4 muxer: buffers one fragment per track, writes moof+mdat, finalizes per mode at close. */
#include "mp4/muxer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxes.h"
#include "finalize.h"
#include "base/errors.h"
#include "media/annexb.h"

#define MAX_TRACKS 4

/* A video track's fragment buffer keeps this much room in front of its samples, where a flush
   puts the moof, the mdat header and the other tracks' bytes (a second of G.711 is 8 KB): the
   fragment then goes out in one write from there, its video not copied again, instead of one
   write per piece. A fragment that does not fit is written piece by piece. */
enum { FRAG_HEAD = 32 << 10 };

typedef struct wtrack {
  mp4_trak_desc d;
  media_ps_cache ps;
  mp4_buf data; /* `head` bytes of room, this fragment's sample bytes, then those of the sample
                   being written */
  size_t head;  /* FRAG_HEAD for video, 0 for audio */
  uint32_t n, cap;
  uint32_t *size, *dur;
  uint8_t *sync;
  int64_t first_dts; /* of this fragment, track ticks */
  bool pending;      /* the last sample's duration is not known yet */
  bool started;
  int64_t last_dts;
  uint32_t last_dur;
  mp4_index index; /* INDEXED / FASTSTART: every committed sample, for the final moov */
} wtrack;

struct mp4_muxer {
  mp4_muxer_config cfg;
  mp4_io io;
  wtrack t[MAX_TRACKS];
  int nt;
  bool has_video, have_t0, init_written;
  int64_t t0_us, frag_start_us;
  uint64_t pos;        /* file offset of the next write */
  uint64_t mehd_at;    /* file offset of mehd's fragment_duration, 0 if none */
  uint64_t reserve_at; /* INDEXED: file offset of the box finalize turns into the mdat */
  uint32_t seq;
  int err;
  /* The sample being written: its bytes are converted straight into its track's fragment buffer
     at `pending_at`, and stay out of a fragment flushed before it is added. */
  int pending_track; /* index, -1 if none */
  size_t pending_at;
  mp4_buf box;
  char msg[200];
};

static int fail(mp4_muxer *m, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->msg, sizeof m->msg, fmt, ap);
  va_end(ap);
  return code;
}

/* I/O errors are sticky: the file ends at the last complete fragment. */
static int io_fail(mp4_muxer *m, int code, const char *what) {
  if (!m->err) m->err = code;
  return fail(m, code, "%s failed (%s); recording stopped after fragment %u", what, err_str(code), m->seq);
}

const char *mp4_muxer_last_error(const mp4_muxer *m) { return m ? m->msg : "no muxer"; }
uint32_t mp4_muxer_fragments(const mp4_muxer *m) { return m ? m->seq : 0; }

const char *mp4_codec_name(mp4_codec c) {
  switch (c) {
    case MP4_CODEC_H264: return "h264";
    case MP4_CODEC_H265: return "h265";
    case MP4_CODEC_G711A: return "alaw";
    case MP4_CODEC_G711U: return "ulaw";
    default: return "none";
  }
}

int mp4_muxer_open(mp4_muxer **out, const mp4_muxer_config *cfg, const mp4_io *io) {
  if (!out || !io || !io->write || !io->seek) return ERR_EINVAL;
  mp4_muxer_config c = MP4_MUXER_CONFIG_DEFAULT;
  if (cfg) c = *cfg;
  if (c.max_tracks <= 0 || c.max_tracks > MAX_TRACKS || c.max_fragment_bytes < 1024 || c.mode > MP4_MODE_FASTSTART)
    return ERR_EINVAL;
  mp4_muxer *m = calloc(1, sizeof(*m));
  if (!m) return ERR_ENOMEM;
  m->cfg = c;
  m->io = *io;
  mp4_buf_init(&m->box, 64u << 20);
  m->pending_track = -1;
  if (io->tell) {
    int64_t p = io->tell(io->user);
    if (p > 0) m->pos = (uint64_t)p;
  }
  *out = m;
  return 0;
}

static void free_muxer(mp4_muxer *m);

static int add_track(mp4_muxer *m, mp4_track_kind kind, mp4_codec codec, uint32_t timescale) {
  if (m->init_written || m->have_t0) return fail(m, ERR_ESTATE, "tracks must be added before the first write");
  if (m->nt >= m->cfg.max_tracks) return fail(m, ERR_ELIMIT, "at most %d tracks", m->cfg.max_tracks);
  wtrack *t = &m->t[m->nt];
  memset(t, 0, sizeof(*t));
  t->d.id = m->nt + 1;
  t->d.kind = kind;
  t->d.codec = codec;
  t->d.timescale = timescale;
  t->d.ps = &t->ps;
  /* a full fragment plus the sample that does not fit it any more */
  t->head = kind == MP4_TRACK_VIDEO ? FRAG_HEAD : 0;
  mp4_buf_init(&t->data, 2 * m->cfg.max_fragment_bytes + t->head);
  if (t->head && !mp4_buf_grow(&t->data, t->head)) return fail(m, ERR_ENOMEM, "out of memory");
  media_ps_cache_init(&t->ps, codec == MP4_CODEC_H265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264);
  m->nt++;
  return t->d.id;
}

int mp4_muxer_open_next(mp4_muxer **out, const mp4_muxer *prev, const mp4_io *io) {
  if (!out || !prev) return ERR_EINVAL;
  int rc = mp4_muxer_open(out, &prev->cfg, io);
  if (rc) return rc;
  mp4_muxer *m = *out;
  for (int i = 0; i < prev->nt; i++) {
    const wtrack *p = &prev->t[i];
    int id = add_track(m, p->d.kind, p->d.codec, p->d.timescale);
    if (id < 0) {
      free_muxer(m);
      *out = NULL;
      return id;
    }
    wtrack *t = &m->t[id - 1];
    t->d.width = p->d.width;
    t->d.height = p->d.height;
    t->d.sample_rate = p->d.sample_rate;
    t->d.channels = p->d.channels;
    t->ps = p->ps; /* the parameter sets the next keyframe may not repeat */
  }
  m->has_video = prev->has_video;
  return 0;
}

int mp4_muxer_add_video(mp4_muxer *m, mp4_codec codec, int width, int height) {
  if (!m) return ERR_EINVAL;
  if (codec != MP4_CODEC_H264 && codec != MP4_CODEC_H265)
    return fail(m, ERR_EINVAL, "video codec must be h264 or h265");
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) return fail(m, ERR_EINVAL, "bad video size");
  if (m->has_video) return fail(m, ERR_ELIMIT, "one video track per file");
  int id = add_track(m, MP4_TRACK_VIDEO, codec, 90000);
  if (id > 0) {
    m->t[id - 1].d.width = width;
    m->t[id - 1].d.height = height;
    m->has_video = true;
  }
  return id;
}

int mp4_muxer_add_audio(mp4_muxer *m, mp4_codec codec, int sample_rate, int channels) {
  if (!m) return ERR_EINVAL;
  if (codec != MP4_CODEC_G711A && codec != MP4_CODEC_G711U)
    return fail(m, ERR_EINVAL, "audio codec must be alaw or ulaw");
  if (sample_rate <= 0 || sample_rate > 65535 || channels <= 0 || channels > 8)
    return fail(m, ERR_EINVAL, "bad audio rate/channels");
  int id = add_track(m, MP4_TRACK_AUDIO, codec, (uint32_t)sample_rate);
  if (id > 0) {
    m->t[id - 1].d.sample_rate = sample_rate;
    m->t[id - 1].d.channels = channels;
  }
  return id;
}

static int io_write(mp4_muxer *m, const void *p, size_t n) {
  int rc = m->io.write(m->io.user, p, n);
  if (rc < 0) return io_fail(m, rc, "write");
  m->pos += n;
  return 0;
}

static int write_init(mp4_muxer *m) {
  mp4_trak_desc d[MAX_TRACKS];
  for (int i = 0; i < m->nt; i++) d[i] = m->t[i].d;
  mp4_buf_reset(&m->box);
  mp4_write_ftyp(&m->box, true, d, m->nt);
  size_t reserve = m->box.len;
  if (m->cfg.mode == MP4_MODE_INDEXED) {
    /* Room for the one-write switch to the indexed layout (finalize.c). */
    mp4_buf_u32(&m->box, MP4_FINALIZE_RESERVE);
    mp4_buf_4cc(&m->box, "free");
    mp4_buf_u64(&m->box, 0);
  }
  mp4_write_moov(&m->box, d, m->nt, 0, true);
  if (m->box.err) return fail(m, m->box.err, "init segment too large");
  uint64_t start = m->pos;
  for (size_t i = 8; i + 12 <= m->box.len; i++)
    if (!memcmp(m->box.data + i, "mehd", 4)) {
      m->mehd_at = start + i + 8;
      break;
    }
  if (m->cfg.mode == MP4_MODE_INDEXED) m->reserve_at = start + reserve;
  int rc = io_write(m, m->box.data, m->box.len);
  if (rc == 0) m->init_written = true;
  return rc;
}

/* Durations of samples still waiting for their successor, at a fragment cut. */
static uint32_t guess_duration(const wtrack *t) {
  if (t->d.kind == MP4_TRACK_AUDIO) {
    uint32_t bytes = t->n ? t->size[t->n - 1] : 0;
    return bytes / (uint32_t)t->d.channels ? bytes / (uint32_t)t->d.channels : 1;
  }
  return t->last_dur ? t->last_dur : t->d.timescale / 30;
}

/* Per the sync policy: bytes written so far reach the OS (FLUSH) or the medium (FSYNC). */
static int barrier(mp4_muxer *m) {
  int rc;
  if (m->cfg.sync >= MP4_SYNC_FLUSH && m->io.flush && (rc = m->io.flush(m->io.user)) < 0)
    return io_fail(m, rc, "flush");
  if (m->cfg.sync >= MP4_SYNC_FSYNC && m->io.sync && (rc = m->io.sync(m->io.user)) < 0) return io_fail(m, rc, "fsync");
  return 0;
}

/* Adds a committed fragment's runs to the tracks' indexes (data_at: where its mdat payload starts). */
static int index_fragment(mp4_muxer *m, const mp4_frag_track *ft, int k, uint64_t data_at) {
  for (int j = 0; j < k; j++) {
    wtrack *t = &m->t[ft[j].id - 1];
    int rc = mp4_index_add_run(&t->index, data_at + ft[j].data_start, t->size, t->dur,
                               t->d.kind == MP4_TRACK_VIDEO ? t->sync : NULL, t->n, (uint64_t)t->first_dts);
    if (rc) return rc;
  }
  return 0;
}

/* Where track i's fragment bytes end in its buffer (the sample being written follows). */
static size_t fragment_end(const mp4_muxer *m, int i) {
  return i == m->pending_track ? m->pending_at : m->t[i].data.len;
}

/* Bytes of track i that belong to the fragment. */
static size_t fragment_bytes(const mp4_muxer *m, int i) { return fragment_end(m, i) - m->t[i].head; }

/* The fragment's moof + mdat header (in m->box) and its tracks' bytes, in the mdat's order
   (`order`, the track with room in front last): one write when the rest fits that room. */
static int write_fragment(mp4_muxer *m, const int *order, int k) {
  wtrack *last = &m->t[order[k - 1]];
  size_t front = m->box.len;
  for (int j = 0; j < k - 1; j++) front += fragment_bytes(m, order[j]);
  if (front <= last->head) {
    uint8_t *p = last->data.data + last->head - front;
    memcpy(p, m->box.data, m->box.len);
    size_t at = m->box.len;
    for (int j = 0; j < k - 1; j++) {
      memcpy(p + at, m->t[order[j]].data.data + m->t[order[j]].head, fragment_bytes(m, order[j]));
      at += fragment_bytes(m, order[j]);
    }
    return io_write(m, p, front + fragment_bytes(m, order[k - 1]));
  }
  int rc = io_write(m, m->box.data, m->box.len);
  for (int j = 0; j < k && !rc; j++)
    rc = io_write(m, m->t[order[j]].data.data + m->t[order[j]].head, fragment_bytes(m, order[j]));
  return rc;
}

static int flush_fragment(mp4_muxer *m) {
  uint32_t total = 0;
  mp4_frag_track ft[MAX_TRACKS];
  int order[MAX_TRACKS]; /* the tracks with samples, in the mdat's order: one with room in front last */
  int k = 0, roomy = -1;
  for (int i = 0; i < m->nt; i++) {
    wtrack *t = &m->t[i];
    if (t->pending && t->n) {
      t->dur[t->n - 1] = guess_duration(t);
      t->last_dts += t->dur[t->n - 1];
      t->pending = false;
    }
    if (!t->n) continue;
    if (t->head && roomy < 0) roomy = i;
    else order[k++] = i;
  }
  if (roomy >= 0) order[k++] = roomy;
  if (!k) return 0;
  for (int j = 0; j < k; j++) {
    wtrack *t = &m->t[order[j]];
    ft[j] = (mp4_frag_track){t->d.id, (uint64_t)t->first_dts,       t->n, t->size, t->dur,
                             t->sync, t->d.kind == MP4_TRACK_VIDEO, total};
    total += (uint32_t)fragment_bytes(m, order[j]);
  }
  if (!m->init_written) {
    int rc = write_init(m);
    if (rc) return rc;
  }
  mp4_buf_reset(&m->box);
  mp4_write_moof(&m->box, m->seq + 1, ft, k);
  mp4_buf_u32(&m->box, 8 + total);
  mp4_buf_4cc(&m->box, "mdat");
  if (m->box.err) return fail(m, m->box.err, "fragment header too large");
  /* Two-phase commit. The moof goes out typed `free` (same size), then its mdat; only once both
     are on the medium does the 4-byte type become `moof`. Until then readers skip the header and
     ignore the mdat nobody references, so a cut never exposes a fragment with missing bytes. A
     torn type write ("mooe", "frof", ...) is an unknown box: skipped too. */
  uint64_t moof_at = m->pos;
  uint64_t data_at = moof_at + m->box.len;
  memcpy(m->box.data + 4, "free", 4);
  int rc = write_fragment(m, order, k);
  if (rc || (rc = barrier(m))) return rc;
  if ((rc = m->io.seek(m->io.user, moof_at + 4)) < 0) return io_fail(m, rc, "seek");
  if ((rc = m->io.write(m->io.user, "moof", 4)) < 0) return io_fail(m, rc, "write");
  if ((rc = m->io.seek(m->io.user, m->pos)) < 0) return io_fail(m, rc, "seek");
  if ((rc = barrier(m))) return rc;
  m->seq++;
  if (m->cfg.mode != MP4_MODE_FRAGMENTED && (rc = index_fragment(m, ft, k, data_at)))
    return fail(m, rc, "out of memory for the index");
  for (int i = 0; i < m->nt; i++) {
    wtrack *t = &m->t[i];
    size_t keep = t->data.len - fragment_end(m, i);
    if (keep) memmove(t->data.data + t->head, t->data.data + (t->data.len - keep), keep); /* once per fragment */
    t->n = 0;
    mp4_buf_truncate(&t->data, t->head + keep);
  }
  if (m->pending_track >= 0) m->pending_at = m->t[m->pending_track].head;
  return 0;
}

/* Adds the sample whose `size` bytes end the track's fragment buffer. */
static int push_sample(mp4_muxer *m, wtrack *t, int64_t dts, bool sync, uint32_t size) {
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *s = realloc(t->size, cap * sizeof(uint32_t));
    if (s) t->size = s;
    uint32_t *d = realloc(t->dur, cap * sizeof(uint32_t));
    if (d) t->dur = d;
    uint8_t *y = realloc(t->sync, cap);
    if (y) t->sync = y;
    if (!s || !d || !y) return fail(m, ERR_ENOMEM, "out of memory");
    t->cap = cap;
  }
  if (t->n == 0) t->first_dts = dts;
  t->size[t->n] = size;
  t->dur[t->n] = 0;
  t->sync[t->n] = sync;
  t->n++;
  t->pending = true;
  t->last_dts = dts;
  t->started = true;
  return 0;
}

/* A parameter set or AUD: to the cache (an AUD is dropped). */
static int keep_param_set(mp4_muxer *m, wtrack *t, int type, const uint8_t *nal, size_t n) {
  const int aud = t->ps.codec == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_AUD : MEDIA_H264_NAL_AUD;
  if (type != aud && n && media_ps_cache_put(&t->ps, nal, n) < 0) return fail(m, ERR_ELIMIT, "parameter set too large");
  return 0;
}

/* Annex-B -> length-prefixed, the NAL spans known from the caller's table (no search): the same
   bytes as convert_video's search gives for the same data. */
static int convert_video_known(mp4_muxer *m, wtrack *t, const uint8_t *data, size_t size, const media_nal_table *nals,
                               bool *key, bool *vcl) {
  media_codec mc = t->ps.codec;
  const int aud = mc == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_AUD : MEDIA_H264_NAL_AUD;
  mp4_buf *b = &t->data;
  *key = *vcl = false;
  for (size_t i = 0; i < nals->count; i++) {
    size_t start = nals->starts[i] + 3, next = i + 1 < nals->count ? nals->starts[i + 1] : size, end;
    int type = media_nal_type(mc, data + start, size - start);
    for (end = next; end > start && data[end - 1] == 0;) end--; /* see convert_video */
    if (media_nal_is_param_set(mc, type) || type == aud) {
      int rc = keep_param_set(m, t, type, data + start, end - start);
      if (rc) return rc;
      continue;
    }
    if (b->max - b->len < 5 || next - start > b->max - b->len - 4)
      return fail(m, ERR_ELIMIT, "frame larger than max_fragment_bytes");
    if (end == start) continue; /* an empty NAL */
    uint8_t *out = mp4_buf_grow(b, 4 + (end - start));
    if (!out) return fail(m, ERR_ELIMIT, "frame larger than max_fragment_bytes");
    mp4_wr_u32(out, (uint32_t)(end - start));
    memcpy(out + 4, data + start, end - start);
    if (media_nal_is_vcl(mc, type)) {
      *vcl = true;
      *key |= media_nal_is_idr(mc, type);
    }
  }
  return 0;
}

/* Annex-B -> length-prefixed sample appended to the fragment buffer; parameter sets to the cache.
   Each NAL's bytes are copied as they are searched for the next start code (one pass over them,
   not a search then a copy). */
static int convert_video(mp4_muxer *m, wtrack *t, const uint8_t *data, size_t size, bool *key, bool *vcl) {
  media_codec mc = t->ps.codec;
  const int aud = mc == MEDIA_CODEC_H265 ? MEDIA_H265_NAL_AUD : MEDIA_H264_NAL_AUD;
  mp4_buf *b = &t->data;
  *key = *vcl = false;
  for (size_t sc = media_annexb_find_start(data, size, 0); sc < size;) {
    size_t start = sc + 3, end;
    int type = media_nal_type(mc, data + start, size - start);
    if (media_nal_is_param_set(mc, type) || type == aud) {
      sc = media_annexb_find_start(data, size, start);
      /* Zero bytes before the next start code are its zero_byte or trailing_zero_8bits, never NAL
         data (a NAL's last byte is the rbsp_stop_one_bit byte or cabac_zero_words' 00 00 03). */
      for (end = sc; end > start && data[end - 1] == 0;) end--;
      int rc = keep_param_set(m, t, type, data + start, end - start);
      if (rc) return rc;
      continue;
    }
    /* Room for the length and the rest of the unit, within the buffer's limit. */
    size_t at = b->len, room = b->max - b->len, want = 4 + (size - start);
    uint8_t *out = mp4_buf_grow(b, want < room ? want : room);
    if (!out || room < 5) return fail(m, ERR_ELIMIT, "frame larger than max_fragment_bytes");
    sc = media_annexb_copy_to_start(out + 4, (want < room ? want : room) - 4, data, size, start);
    if (sc < size && media_annexb_find_start(data, size, sc) != sc)
      return fail(m, ERR_ELIMIT, "frame larger than max_fragment_bytes"); /* out of room */
    for (end = sc; end > start && data[end - 1] == 0;) end--;
    mp4_buf_truncate(b, end > start ? at + 4 + (end - start) : at);
    if (end == start) continue; /* an empty NAL */
    mp4_wr_u32(out, (uint32_t)(end - start));
    if (media_nal_is_vcl(mc, type)) {
      *vcl = true;
      *key |= media_nal_is_idr(mc, type);
    }
  }
  return 0;
}

static int64_t to_ticks(int64_t us, uint32_t timescale) {
  /* Rounded to nearest so µs stamps from a 90 kHz or 8 kHz clock map back exactly. */
  return (us * (int64_t)timescale + (us >= 0 ? 500000 : -500000)) / 1000000;
}

enum { CUT_NONE, CUT, CUT_FIRST_EARLY };

/* The fragment buffers hold the sample being written too: a cut leaves it for the next fragment. */
static int frag_due(mp4_muxer *m, int64_t pts_us, bool key) {
  size_t bytes = 0;
  bool any = false;
  for (int i = 0; i < m->nt; i++) {
    bytes += m->t[i].data.len - m->t[i].head;
    any |= m->t[i].n > 0;
  }
  if (!any) return CUT_NONE;
  if (bytes > m->cfg.max_fragment_bytes) return CUT;
  int64_t age = pts_us - m->frag_start_us;
  if (m->seq == 0 && ((key && age > 0) || age >= (int64_t)m->cfg.first_fragment_us)) return CUT_FIRST_EARLY;
  if (key && age >= (int64_t)m->cfg.fragment_us) return CUT;
  return m->cfg.max_fragment_us && age >= (int64_t)m->cfg.max_fragment_us ? CUT : CUT_NONE;
}

/* Converts the sample to the end of its track's fragment buffer (m->pending_at) and adds it:
   1 once added, 0 when there is nothing to add, or an error. */
static int write_sample(mp4_muxer *m, wtrack *t, const uint8_t *data, size_t size, const media_nal_table *nals,
                        int64_t pts_us, unsigned flags) {
  bool key = true;
  int rc;
  if (t->d.kind == MP4_TRACK_VIDEO) {
    bool vcl;
    rc = media_nal_table_fits(nals, data, size) ? convert_video_known(m, t, data, size, nals, &key, &vcl)
                                                : convert_video(m, t, data, size, &key, &vcl);
    if (rc) return rc;
    if (!vcl) return 0; /* a header pack: parameter sets cached */
    if (flags & (MP4_FRAME_KEYFRAME | MP4_FRAME_DELTA)) key = flags & MP4_FRAME_KEYFRAME;
    if (!t->started) {
      if (!key) return fail(m, ERR_ESTATE, "the first video frame must be a keyframe (IDR/IRAP)");
      if (!media_ps_cache_complete(&t->ps))
        return fail(m, ERR_ESTATE, "no %s before the first keyframe",
                    t->d.codec == MP4_CODEC_H265 ? "VPS/SPS/PPS" : "SPS/PPS");
      media_sps_info si;
      if (media_sps_parse(t->ps.codec, t->ps.sps, t->ps.sps_size, &si) == 0) {
        t->d.width = si.width;
        t->d.height = si.height;
      }
      if (!m->have_t0) {
        m->have_t0 = true;
        m->t0_us = m->frag_start_us = pts_us;
      }
    }
  } else {
    if (!m->have_t0) {
      if (m->has_video) return 0; /* the timeline starts at the first video keyframe */
      m->have_t0 = true;
      m->t0_us = m->frag_start_us = pts_us;
    }
    if (pts_us < m->t0_us) return 0;
    if (size == 0) return 0;
    mp4_buf_bytes(&t->data, data, size);
  }
  size_t len = t->data.len - m->pending_at;
  if (t->data.err || len > m->cfg.max_fragment_bytes)
    return fail(m, ERR_ELIMIT, "frame larger than max_fragment_bytes");
  if (pts_us < m->t0_us) return fail(m, ERR_EINVAL, "pts before the start of the file");
  int64_t dts = to_ticks(pts_us - m->t0_us, t->d.timescale);
  if (t->pending) {
    int64_t d = dts - t->last_dts;
    if (d <= 0) {
      if (t->d.kind == MP4_TRACK_VIDEO)
        return fail(m, ERR_EINVAL, "video pts must increase (%lld after %lld us)", (long long)pts_us,
                    (long long)(t->last_dts * 1000000 / t->d.timescale + m->t0_us));
      d = guess_duration(t); /* audio jitter: keep the sample, trust its length */
      dts = t->last_dts + d;
    }
    if (d > UINT32_MAX) d = UINT32_MAX;
    t->dur[t->n - 1] = (uint32_t)d;
    t->last_dur = (uint32_t)d;
    t->pending = false;
  }
  bool cut_point = m->has_video ? (t->d.kind == MP4_TRACK_VIDEO && key) : true;
  int cut = frag_due(m, pts_us, cut_point);
  if (cut != CUT_NONE) {
    if ((rc = flush_fragment(m))) return rc;
    /* After an early first fragment the next one is timed from the start, so it still ends at a
     * keyframe about fragment_us in (not a whole GOP later). */
    if (cut == CUT) m->frag_start_us = pts_us;
  }
  rc = push_sample(m, t, dts, key, (uint32_t)len);
  return rc ? rc : 1;
}

int mp4_muxer_write(mp4_muxer *m, int track, const uint8_t *data, size_t size, int64_t pts_us, unsigned flags) {
  return mp4_muxer_write_nals(m, track, data, size, NULL, pts_us, flags);
}

int mp4_muxer_write_nals(mp4_muxer *m, int track, const uint8_t *data, size_t size, const media_nal_table *nals,
                         int64_t pts_us, unsigned flags) {
  if (!m) return ERR_EINVAL;
  if (m->err) return m->err;
  if (track < 1 || track > m->nt) return fail(m, ERR_EINVAL, "no track %d", track);
  if ((flags & MP4_FRAME_KEYFRAME) && (flags & MP4_FRAME_DELTA))
    return fail(m, ERR_EINVAL, "a frame cannot be both a keyframe and a delta frame");
  if (!data && size) return fail(m, ERR_EINVAL, "no data");
  if (pts_us < 0 || pts_us > ((int64_t)1 << 50)) return fail(m, ERR_EINVAL, "pts out of range");
  wtrack *t = &m->t[track - 1];
  m->pending_track = track - 1;
  m->pending_at = t->data.len;
  int rc = write_sample(m, t, data, size, nals, pts_us, flags);
  if (rc <= 0) mp4_buf_truncate(&t->data, m->pending_at); /* not added: its bytes go */
  m->pending_track = -1;
  return rc < 0 ? rc : 0;
}

static void free_muxer(mp4_muxer *m) {
  for (int i = 0; i < m->nt; i++) {
    free(m->t[i].size);
    free(m->t[i].dur);
    free(m->t[i].sync);
    mp4_buf_free(&m->t[i].data);
    mp4_index_free(&m->t[i].index);
  }
  mp4_buf_free(&m->box);
  free(m);
}

int mp4_muxer_close(mp4_muxer *m) {
  if (!m) return ERR_EINVAL;
  int rc = m->err;
  if (!rc) rc = flush_fragment(m);
  if (!rc && !m->init_written && m->nt) rc = ERR_ESTATE; /* nothing was recorded */
  if (!rc && m->cfg.mode == MP4_MODE_FRAGMENTED && m->mehd_at) {
    uint64_t ms = 0;
    for (int i = 0; i < m->nt; i++) {
      uint64_t t_ms = m->t[i].started ? (uint64_t)m->t[i].last_dts * 1000 / m->t[i].d.timescale : 0;
      if (t_ms > ms) ms = t_ms;
    }
    uint8_t v[8];
    mp4_wr_u32(v, (uint32_t)(ms >> 32));
    mp4_wr_u32(v + 4, (uint32_t)ms);
    if (!(rc = m->io.seek(m->io.user, m->mehd_at))) rc = m->io.write(m->io.user, v, 8);
    if (!rc) rc = m->io.seek(m->io.user, m->pos);
  }
  if (!rc && m->cfg.mode != MP4_MODE_FRAGMENTED) {
    mp4_trak_desc d[MAX_TRACKS];
    for (int i = 0; i < m->nt; i++) {
      d[i] = m->t[i].d;
      d[i].index = &m->t[i].index;
    }
    rc = mp4_finalize(&m->io, d, m->nt, m->pos, m->cfg.mode == MP4_MODE_FASTSTART, m->reserve_at,
                      m->cfg.sync == MP4_SYNC_FSYNC);
  }
  if (!rc && m->io.flush) rc = m->io.flush(m->io.user);
  if (!rc && m->cfg.sync == MP4_SYNC_FSYNC && m->io.sync) rc = m->io.sync(m->io.user);
  free_muxer(m);
  return rc;
}
