/* MP4 demuxer: walks the box tree with a {type, parent, handler} table, builds a sample index per
   track from stbl (ISO/IEC 14496-12 §8.5-8.7) and from moof/traf/trun (§8.8), then serves samples
   in decode order. Boxes are parsed from memory copies bounded by their parent and the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "base/errors.h"
#include "mp4/demuxer.h"

#define MAX_DEPTH 12
#define MAX_DTRACKS 16
#define MAX_PS_BYTES 4096

/* Times. Ticks are kept within +-MAX_TICKS, so adding a sample duration, a composition offset or
   an edit-list shift to one never overflows int64; microseconds within +-MAX_TIME_US (2^50 us,
   35.7 years: the muxer's own limit). A file whose times go beyond is nonsense (crafted or
   damaged): they are clamped there and the file is flagged (mp4_file_info.times_clamped). */
#define MAX_TICKS ((int64_t)1 << 62)
#define MAX_TIME_US ((int64_t)1 << 50)

typedef struct span {
  const uint8_t *p;
  uint32_t n;
} span; /* raw table payload inside moov */

typedef struct mp4_dsample {
  uint64_t offset;
  uint32_t size;
  uint32_t duration;
  int64_t dts;
  int32_t cts; /* composition offset */
  uint8_t sync;
} mp4_dsample;

typedef struct dtrack {
  int id;
  mp4_track_kind kind;
  mp4_codec codec;
  uint32_t timescale;
  int64_t duration; /* mdhd, ticks; 0 when unknown */
  int width, height, rate, channels, bits;
  int nal_len;              /* bytes of each NAL length prefix */
  uint8_t ps[MAX_PS_BYTES]; /* parameter sets as Annex-B */
  size_t ps_size;
  int64_t shift; /* edit list media_time: subtracted from every timestamp */
  span stts, ctts, stss, stsc, stsz, stco;
  int ctts_version, co64;
  uint32_t trex_dur, trex_size, trex_flags;
  int64_t frag_dts;
  bool frag_dts_valid;
  mp4_dsample *s;
  uint32_t n, cap, next;
  int64_t next_us; /* decode time of sample `next` (set_next) */
  /* Read-ahead: the bytes of a run of this track's samples stored back to back. */
  uint8_t *win;
  uint64_t win_off;
  size_t win_len, win_cap;
} dtrack;

struct mp4_demuxer {
  mp4_demuxer_config cfg;
  mp4_io io;
  uint64_t file_size;
  uint64_t data_end; /* where the last sample's bytes end: read-ahead stops there */
  uint64_t lent_end; /* where the bytes of the farthest frame handed out end */
  dtrack t[MAX_DTRACKS];
  int nt;
  dtrack *cur; /* trak / traf being parsed */
  bool moov_seen, fragmented, cur_skip;
  uint32_t movie_timescale;
  uint64_t movie_duration;
  /* traf state */
  uint64_t moof_off, traf_base;
  uint32_t tf_dur, tf_size, tf_flags;
  uint64_t frag_end; /* bytes of the file covered by complete boxes */
  bool times_clamped;
  uint64_t pos; /* the io's position, UINT64_MAX if unknown */
  uint8_t *frame;
  size_t frame_cap;
  char warn[160];
};

static void warn(mp4_demuxer *d, const char *w) {
  if (!d->warn[0]) snprintf(d->warn, sizeof d->warn, "%s", w);
}

const char *mp4_demuxer_warning(const mp4_demuxer *d) { return d ? d->warn : ""; }

/* ---- time arithmetic that cannot overflow ---- */

static void clamped(mp4_demuxer *d) {
  d->times_clamped = true;
  warn(d, "times beyond 35 years (damaged or crafted file) clamped");
}

static int64_t ticks_u64(mp4_demuxer *d, uint64_t v) {
  if (v <= (uint64_t)MAX_TICKS) return (int64_t)v;
  clamped(d);
  return MAX_TICKS;
}

/* a and b within +-MAX_TICKS: the sum fits int64, then is clamped. */
static int64_t ticks_add(mp4_demuxer *d, int64_t a, int64_t b) {
  int64_t s = a + b;
  if (s > MAX_TICKS || s < -MAX_TICKS) {
    clamped(d);
    return s > 0 ? MAX_TICKS : -MAX_TICKS;
  }
  return s;
}

/* Ticks (within +-2 * MAX_TICKS + 2^32) to microseconds, rounded to nearest (half up), as ffprobe
   prints pts_time, so 1001/30000 s is 33367 us, not 33366; saturated at +-MAX_TIME_US. Split
   into whole seconds and a remainder to keep ticks * 1e6 from overflowing; floor division so
   negative times (edit-list shifts) round the same way. */
static int64_t to_us(int64_t ticks, uint32_t ts) {
  int64_t q = ticks / ts, r = ticks % ts;
  if (r < 0) q--, r += ts;
  if (q >= MAX_TIME_US / 1000000) return MAX_TIME_US;
  if (q < -MAX_TIME_US / 1000000) return -MAX_TIME_US;
  return q * 1000000 + (r * 1000000 + ts / 2) / ts;
}

/* The end of the track's samples, or its header's duration when it has none. A header that
   disagrees with the samples is not believed: the samples are what plays. */
static int64_t track_duration(const dtrack *t) {
  if (!t->n) return t->duration;
  const mp4_dsample *last = &t->s[t->n - 1];
  int64_t end = last->dts + last->duration; /* within MAX_TICKS + 2^32 */
  return end > 0 ? end : 0;
}

/* Moves the track to sample `next` (n: the end), with its decode time ready for get_frame's pick. */
static void set_next(dtrack *t, uint32_t next) {
  t->next = next;
  t->next_us = next < t->n ? to_us(t->s[next].dts - t->shift, t->timescale) : 0;
}

/* ---- the box walker ---- */

typedef int (*box_fn)(mp4_demuxer *d, const uint8_t *p, uint64_t n);
typedef struct box_rule {
  const char *type, *parent;
  box_fn fn;
} box_rule;

static int walk(mp4_demuxer *d, const uint8_t *p, uint64_t n, const char *parent, int depth);

static int box_header(const uint8_t *p, uint64_t n, uint64_t *size, uint32_t *hdr) {
  if (n < 8) return ERR_ETRUNC;
  uint64_t s = mp4_rd_u32(p);
  uint32_t h = 8;
  if (s == 1) {
    if (n < 16) return ERR_ETRUNC;
    s = mp4_rd_u64(p + 8);
    h = 16;
  } else if (s == 0) {
    s = n; /* to the end of the parent */
  }
  if (s < h) return ERR_EBADDATA;
  *size = s;
  *hdr = h;
  return 0;
}

static dtrack *track_by_id(mp4_demuxer *d, uint32_t id) {
  for (int i = 0; i < d->nt; i++)
    if (d->t[i].id == (int)id) return &d->t[i];
  return NULL;
}

static int on_container(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  (void)d, (void)p, (void)n;
  return 0;
}

static int on_mvhd(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (n < 4) return ERR_EBADDATA;
  int v = p[0];
  if (n < (v == 1 ? 32u : 20u)) return ERR_EBADDATA;
  d->movie_timescale = mp4_rd_u32(p + (v == 1 ? 20 : 12));
  d->movie_duration = v == 1 ? mp4_rd_u64(p + 24) : mp4_rd_u32(p + 16);
  return 0;
}

static int on_trak(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (d->nt >= MAX_DTRACKS) {
    warn(d, "too many tracks");
    d->cur = NULL;
    return 0;
  }
  d->cur = &d->t[d->nt++];
  memset(d->cur, 0, sizeof(*d->cur));
  d->cur->nal_len = 4;
  int rc = walk(d, p, n, "trak", 3);
  if (rc < 0) {
    d->nt--;
    return rc;
  }
  if (!d->cur->codec || !d->cur->timescale) {
    warn(d, "skipped a track with an unsupported codec");
    d->nt--;
  }
  d->cur = NULL;
  return 0;
}

static int on_tkhd(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (!d->cur || n < 24) return ERR_EBADDATA;
  d->cur->id = (int)mp4_rd_u32(p + (p[0] == 1 ? 20 : 12));
  return 0;
}

static int on_elst(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (!d->cur || n < 8) return 0;
  uint32_t count = mp4_rd_u32(p + 4);
  uint64_t es = p[0] == 1 ? 20 : 12;
  for (uint32_t i = 0; i < count && 8 + (i + 1) * es <= n; i++) {
    const uint8_t *e = p + 8 + i * es;
    uint64_t raw = p[0] == 1 ? mp4_rd_u64(e + 8) : mp4_rd_u32(e + 4);
    bool empty = p[0] == 1 ? raw == UINT64_MAX : (uint32_t)raw == UINT32_MAX; /* media_time -1 */
    if (!empty) {
      d->cur->shift = ticks_u64(d, p[0] == 1 ? raw : (uint32_t)raw);
      break;
    }
  }
  return 0;
}

static int on_mdhd(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (!d->cur) return ERR_EBADDATA;
  int v = p[0];
  if (n < (v == 1 ? 36u : 24u)) return ERR_EBADDATA;
  d->cur->timescale = mp4_rd_u32(p + (v == 1 ? 20 : 12));
  uint64_t dur = v == 1 ? mp4_rd_u64(p + 24) : mp4_rd_u32(p + 16);
  /* All ones: "cannot be determined" (§8.4.2.3); the samples tell. */
  bool unknown = v == 1 ? dur == UINT64_MAX : dur == UINT32_MAX;
  d->cur->duration = unknown ? 0 : ticks_u64(d, dur);
  return 0;
}

static int on_hdlr(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (!d->cur || n < 12) return ERR_EBADDATA;
  if (!memcmp(p + 8, "vide", 4)) d->cur->kind = MP4_TRACK_VIDEO;
  else if (!memcmp(p + 8, "soun", 4)) d->cur->kind = MP4_TRACK_AUDIO;
  return 0;
}

static void add_ps(dtrack *t, const uint8_t *nal, size_t len) {
  if (t->ps_size + 4 + len > sizeof t->ps) return;
  static const uint8_t sc[4] = {0, 0, 0, 1};
  memcpy(t->ps + t->ps_size, sc, 4);
  memcpy(t->ps + t->ps_size + 4, nal, len);
  t->ps_size += 4 + len;
}

/* ISO/IEC 14496-15 §5.3.3.1 */
static int parse_avcc(dtrack *t, const uint8_t *p, uint64_t n) {
  if (n < 7) return ERR_EBADDATA;
  t->nal_len = (p[4] & 3) + 1;
  uint64_t o = 5;
  for (int list = 0; list < 2; list++) {
    if (o >= n) return ERR_EBADDATA;
    int count = list == 0 ? p[o] & 0x1f : p[o];
    o++;
    for (int i = 0; i < count; i++) {
      if (o + 2 > n) return ERR_EBADDATA;
      uint32_t len = mp4_rd_u16(p + o);
      if (o + 2 + len > n) return ERR_EBADDATA;
      add_ps(t, p + o + 2, len);
      o += 2 + len;
    }
  }
  return 0;
}

/* ISO/IEC 14496-15 §8.3.3.1 */
static int parse_hvcc(dtrack *t, const uint8_t *p, uint64_t n) {
  if (n < 23) return ERR_EBADDATA;
  t->nal_len = (p[21] & 3) + 1;
  int arrays = p[22];
  uint64_t o = 23;
  for (int a = 0; a < arrays; a++) {
    if (o + 3 > n) return ERR_EBADDATA;
    uint32_t count = mp4_rd_u16(p + o + 1);
    o += 3;
    for (uint32_t i = 0; i < count; i++) {
      if (o + 2 > n) return ERR_EBADDATA;
      uint32_t len = mp4_rd_u16(p + o);
      if (o + 2 + len > n) return ERR_EBADDATA;
      add_ps(t, p + o + 2, len);
      o += 2 + len;
    }
  }
  return 0;
}

static int on_stsd(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  dtrack *t = d->cur;
  if (!t || n < 16) return ERR_EBADDATA;
  uint64_t size;
  uint32_t hdr;
  int rc = box_header(p + 8, n - 8, &size, &hdr);
  if (rc) return rc;
  if (size > n - 8) return ERR_EBADDATA;
  const uint8_t *e = p + 8 + hdr, *type = p + 12;
  uint64_t en = size - hdr;
  bool avc = !memcmp(type, "avc1", 4) || !memcmp(type, "avc3", 4);
  bool hevc = !memcmp(type, "hvc1", 4) || !memcmp(type, "hev1", 4);
  if (avc || hevc) {
    if (en < 78) return ERR_EBADDATA;
    t->codec = avc ? MP4_CODEC_H264 : MP4_CODEC_H265;
    t->width = mp4_rd_u16(e + 24);
    t->height = mp4_rd_u16(e + 26);
    /* child boxes after the 78-byte VisualSampleEntry fields */
    bool found = false;
    for (uint64_t o = 78; o + 8 <= en;) {
      if ((rc = box_header(e + o, en - o, &size, &hdr))) break;
      if (size > en - o) return ERR_EBADDATA;
      if (!memcmp(e + o + 4, avc ? "avcC" : "hvcC", 4)) {
        rc = avc ? parse_avcc(t, e + o + hdr, size - hdr) : parse_hvcc(t, e + o + hdr, size - hdr);
        if (rc) return rc;
        found = true;
      }
      o += size;
    }
    if (!found) return ERR_EBADDATA; /* no decoder configuration */
  } else if (!memcmp(type, "alaw", 4) || !memcmp(type, "ulaw", 4)) {
    if (en < 28) return ERR_EBADDATA;
    t->codec = type[0] == 'a' ? MP4_CODEC_G711A : MP4_CODEC_G711U;
    int version = mp4_rd_u16(e + 8);
    t->channels = mp4_rd_u16(e + 16);
    t->rate = (int)(mp4_rd_u32(e + 24) >> 16);
    if (version == 2 && en >= 44) {
      uint64_t bits = mp4_rd_u64(e + 32);
      double rate;
      memcpy(&rate, &bits, sizeof rate);
      t->rate = rate > 0 && rate < 1e6 ? (int)rate : 0;
      t->channels = (int)mp4_rd_u32(e + 40);
    }
    t->bits = 8;
    if (t->channels <= 0 || t->channels > 64) return ERR_EBADDATA;
    if (t->rate <= 0) t->rate = (int)t->timescale;
  }
  return 0;
}

static int table(mp4_demuxer *d, const uint8_t *p, uint64_t n, span *s, uint64_t header, uint64_t entry) {
  if (!d->cur || n < header) return ERR_EBADDATA;
  uint32_t count = mp4_rd_u32(p + header - 4);
  /* Entry counts are trusted only as far as the box holds them. */
  if (entry && count > (n - header) / entry) return ERR_EBADDATA;
  s->p = p;
  s->n = count;
  return 0;
}

static int on_stts(mp4_demuxer *d, const uint8_t *p, uint64_t n) { return table(d, p, n, &d->cur->stts, 8, 8); }
static int on_ctts(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  int rc = table(d, p, n, &d->cur->ctts, 8, 8);
  if (!rc) d->cur->ctts_version = p[0];
  return rc;
}
static int on_stss(mp4_demuxer *d, const uint8_t *p, uint64_t n) { return table(d, p, n, &d->cur->stss, 8, 4); }
static int on_stsc(mp4_demuxer *d, const uint8_t *p, uint64_t n) { return table(d, p, n, &d->cur->stsc, 8, 12); }
static int on_stsz(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (n < 12) return ERR_EBADDATA;
  return table(d, p, n, &d->cur->stsz, 12, mp4_rd_u32(p + 4) ? 0 : 4);
}
static int on_stco(mp4_demuxer *d, const uint8_t *p, uint64_t n) { return table(d, p, n, &d->cur->stco, 8, 4); }
static int on_co64(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  int rc = table(d, p, n, &d->cur->stco, 8, 8);
  if (!rc) d->cur->co64 = 1;
  return rc;
}

static int on_trex(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (n < 24) return ERR_EBADDATA;
  dtrack *t = track_by_id(d, mp4_rd_u32(p + 4));
  if (t) {
    t->trex_dur = mp4_rd_u32(p + 12);
    t->trex_size = mp4_rd_u32(p + 16);
    t->trex_flags = mp4_rd_u32(p + 20);
  }
  return 0;
}

static int grow(dtrack *t, uint64_t more, uint64_t limit) {
  uint64_t need = (uint64_t)t->n + more;
  if (need > limit || need > UINT32_MAX / 2) return ERR_ELIMIT;
  if (need <= t->cap) return 0;
  uint64_t cap = t->cap ? t->cap : 64;
  while (cap < need) cap *= 2;
  mp4_dsample *s = realloc(t->s, cap * sizeof(*s));
  if (!s) return ERR_ENOMEM;
  t->s = s;
  t->cap = (uint32_t)cap;
  return 0;
}

/* §8.8.7 */
static int on_tfhd(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (n < 8) return ERR_EBADDATA;
  uint32_t flags = mp4_rd_u32(p) & 0xFFFFFF;
  d->cur = track_by_id(d, mp4_rd_u32(p + 4));
  if (!d->cur) return 0;
  uint64_t o = 8;
  d->traf_base = d->moof_off;
  if (flags & 0x1) {
    if (o + 8 > n) return ERR_EBADDATA;
    d->traf_base = mp4_rd_u64(p + o);
    o += 8;
  }
  if (flags & 0x2) o += 4;
  d->tf_dur = d->cur->trex_dur, d->tf_size = d->cur->trex_size, d->tf_flags = d->cur->trex_flags;
  if (flags & 0x8) {
    if (o + 4 > n) return ERR_EBADDATA;
    d->tf_dur = mp4_rd_u32(p + o);
    o += 4;
  }
  if (flags & 0x10) {
    if (o + 4 > n) return ERR_EBADDATA;
    d->tf_size = mp4_rd_u32(p + o);
    o += 4;
  }
  if (flags & 0x20) {
    if (o + 4 > n) return ERR_EBADDATA;
    d->tf_flags = mp4_rd_u32(p + o);
    o += 4;
  }
  return 0;
}

static int on_tfdt(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  if (!d->cur) return 0;
  if (n < (p[0] == 1 ? 12u : 8u)) return ERR_EBADDATA;
  d->cur->frag_dts = ticks_u64(d, p[0] == 1 ? mp4_rd_u64(p + 4) : mp4_rd_u32(p + 4));
  d->cur->frag_dts_valid = true;
  return 0;
}

/* §8.8.8 */
static int on_trun(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  dtrack *t = d->cur;
  if (!t) return 0;
  if (n < 8) return ERR_EBADDATA;
  uint32_t flags = mp4_rd_u32(p) & 0xFFFFFF, count = mp4_rd_u32(p + 4);
  uint64_t o = 8;
  uint64_t off = d->traf_base;
  if (flags & 0x1) {
    if (o + 4 > n) return ERR_EBADDATA;
    off = d->traf_base + (uint64_t)(int64_t)(int32_t)mp4_rd_u32(p + o);
    o += 4;
  }
  uint32_t first_flags = d->tf_flags;
  bool has_first = flags & 0x4;
  if (has_first) {
    if (o + 4 > n) return ERR_EBADDATA;
    first_flags = mp4_rd_u32(p + o);
    o += 4;
  }
  uint32_t es = 4 * (((flags >> 8) & 1) + ((flags >> 9) & 1) + ((flags >> 10) & 1) + ((flags >> 11) & 1));
  if (es && count > (n - o) / es) return ERR_EBADDATA;
  if (!es && count > d->file_size) return ERR_EBADDATA;
  int rc = grow(t, count, d->file_size + 1);
  if (rc) return rc;
  int64_t dts = t->frag_dts;
  for (uint32_t i = 0; i < count; i++) {
    mp4_dsample s = {0};
    s.duration = d->tf_dur, s.size = d->tf_size;
    uint32_t sf = i == 0 && has_first ? first_flags : d->tf_flags;
    if (flags & 0x100) s.duration = mp4_rd_u32(p + o), o += 4;
    if (flags & 0x200) s.size = mp4_rd_u32(p + o), o += 4;
    if (flags & 0x400) sf = mp4_rd_u32(p + o), o += 4;
    if (flags & 0x800) s.cts = (int32_t)mp4_rd_u32(p + o), o += 4;
    s.offset = off;
    s.dts = dts;
    s.sync = t->kind == MP4_TRACK_AUDIO || !(sf & 0x00010000);
    off += s.size;
    dts = ticks_add(d, dts, s.duration);
    t->s[t->n++] = s;
  }
  t->frag_dts = dts;
  return 0;
}

static int on_traf(mp4_demuxer *d, const uint8_t *p, uint64_t n) {
  d->cur = NULL;
  int rc = walk(d, p, n, "traf", 3);
  d->cur = NULL;
  return rc;
}

static const box_rule rules[] = {
    {"moov", "", on_container},     {"mvhd", "moov", on_mvhd},      {"trak", "moov", on_trak},
    {"tkhd", "trak", on_tkhd},      {"edts", "trak", on_container}, {"elst", "edts", on_elst},
    {"mdia", "trak", on_container}, {"mdhd", "mdia", on_mdhd},      {"hdlr", "mdia", on_hdlr},
    {"minf", "mdia", on_container}, {"stbl", "minf", on_container}, {"stsd", "stbl", on_stsd},
    {"stts", "stbl", on_stts},      {"ctts", "stbl", on_ctts},      {"stss", "stbl", on_stss},
    {"stsc", "stbl", on_stsc},      {"stsz", "stbl", on_stsz},      {"stco", "stbl", on_stco},
    {"co64", "stbl", on_co64},      {"mvex", "moov", on_container}, {"trex", "mvex", on_trex},
    {"moof", "", on_container},     {"traf", "moof", on_traf},      {"tfhd", "traf", on_tfhd},
    {"tfdt", "traf", on_tfdt},      {"trun", "traf", on_trun},
};

static bool is_container(const char *t) {
  return !strcmp(t, "moov") || !strcmp(t, "edts") || !strcmp(t, "mdia") || !strcmp(t, "minf") || !strcmp(t, "stbl") ||
         !strcmp(t, "mvex") || !strcmp(t, "moof");
}

/* Children of a box. trak and traf recurse themselves to set up their state. */
static int walk(mp4_demuxer *d, const uint8_t *p, uint64_t n, const char *parent, int depth) {
  if (depth > MAX_DEPTH) return ERR_ELIMIT;
  uint64_t o = 0;
  while (o + 8 <= n) {
    uint64_t size;
    uint32_t hdr;
    int rc = box_header(p + o, n - o, &size, &hdr);
    if (rc) return rc;
    if (size > n - o) return ERR_EBADDATA; /* extends past its parent */
    char type[5] = {0};
    memcpy(type, p + o + 4, 4);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
      if (strcmp(rules[i].type, type) || strcmp(rules[i].parent, parent)) continue;
      const uint8_t *body = p + o + hdr;
      uint64_t bn = size - hdr;
      if (is_container(type)) rc = walk(d, body, bn, type, depth + 1);
      else rc = rules[i].fn(d, body, bn);
      if (rc) return rc;
      break;
    }
    o += size;
  }
  return 0;
}

/* ---- classic sample tables -> index ---- */

/* Raw audio stored one sample per table entry (QuickTime PCM / G.711: fixed size, duration 1):
   players serve runs of up to 1024 contiguous samples as one frame. Built straight from the
   chunk table, so a minute of 8 kHz G.711 costs ~470 frames of index, not 480000 samples. */
#define PCM_FRAME 1024

static bool raw_audio(const dtrack *t, uint32_t count, uint32_t fixed) {
  return t->kind == MP4_TRACK_AUDIO && fixed && fixed <= 64 && t->stts.n == 1 && mp4_rd_u32(t->stts.p + 12) == 1 &&
         mp4_rd_u32(t->stts.p + 8) >= count && !t->ctts.p && !t->stss.p;
}

static int build_raw_audio(mp4_demuxer *d, dtrack *t, uint32_t count, uint32_t fixed) {
  mp4_dsample cur = {0};
  uint32_t in_cur = 0, k = 0;
  for (uint32_t e = 0; e < t->stsc.n && k < count; e++) {
    const uint8_t *r = t->stsc.p + 8 + 12 * (uint64_t)e;
    uint32_t first = mp4_rd_u32(r), per = mp4_rd_u32(r + 4);
    uint32_t last = e + 1 < t->stsc.n ? mp4_rd_u32(r + 12) : t->stco.n + 1;
    if (first < 1 || last > t->stco.n + 1 || first > last || per == 0) return ERR_EBADDATA;
    for (uint32_t c = first; c < last && k < count; c++) {
      uint64_t off = t->co64 ? mp4_rd_u64(t->stco.p + 8 + 8 * (uint64_t)(c - 1))
                             : mp4_rd_u32(t->stco.p + 8 + 4 * (uint64_t)(c - 1));
      uint32_t left = per < count - k ? per : count - k;
      while (left) {
        if (!in_cur || in_cur == PCM_FRAME || off != cur.offset + cur.size) {
          if (in_cur) {
            int rc = grow(t, 1, d->file_size + 1);
            if (rc) return rc;
            t->s[t->n++] = cur;
          }
          cur = (mp4_dsample){.offset = off, .dts = k, .sync = 1};
          in_cur = 0;
        }
        uint32_t take = left < PCM_FRAME - in_cur ? left : PCM_FRAME - in_cur;
        cur.size += take * fixed;
        cur.duration += take;
        in_cur += take;
        off += (uint64_t)take * fixed;
        k += take;
        left -= take;
      }
    }
  }
  if (in_cur) {
    int rc = grow(t, 1, d->file_size + 1);
    if (rc) return rc;
    t->s[t->n++] = cur;
  }
  return 0;
}

static int build_stbl(mp4_demuxer *d, dtrack *t) {
  uint32_t count = t->stsz.n;
  if (!count) return 0;
  if (!t->stco.n || !t->stsc.n || !t->stts.n) return ERR_EBADDATA;
  uint32_t fixed = mp4_rd_u32(t->stsz.p + 4);
  if (count > d->file_size) return ERR_EBADDATA;
  if (raw_audio(t, count, fixed)) return build_raw_audio(d, t, count, fixed);
  int rc = grow(t, count, d->file_size + 1);
  if (rc) return rc;
  /* sizes */
  for (uint32_t i = 0; i < count; i++) {
    memset(&t->s[i], 0, sizeof t->s[i]);
    t->s[i].size = fixed ? fixed : mp4_rd_u32(t->stsz.p + 12 + 4 * (uint64_t)i);
    t->s[i].sync = t->stss.n == 0 && t->stss.p == NULL;
  }
  /* durations */
  uint32_t k = 0;
  int64_t dts = 0;
  for (uint32_t e = 0; e < t->stts.n && k < count; e++) {
    uint32_t c = mp4_rd_u32(t->stts.p + 8 + 8 * (uint64_t)e), dur = mp4_rd_u32(t->stts.p + 12 + 8 * (uint64_t)e);
    for (uint32_t j = 0; j < c && k < count; j++, k++) {
      t->s[k].dts = dts;
      t->s[k].duration = dur;
      dts = ticks_add(d, dts, dur);
    }
  }
  for (; k < count; k++) t->s[k].dts = dts; /* short stts: keep the samples, zero duration */
  if (t->ctts.p) {
    k = 0;
    for (uint32_t e = 0; e < t->ctts.n && k < count; e++) {
      uint32_t c = mp4_rd_u32(t->ctts.p + 8 + 8 * (uint64_t)e);
      int32_t off = (int32_t)mp4_rd_u32(t->ctts.p + 12 + 8 * (uint64_t)e);
      for (uint32_t j = 0; j < c && k < count; j++, k++) t->s[k].cts = off;
    }
  }
  for (uint32_t e = 0; e < t->stss.n; e++) {
    uint32_t i = mp4_rd_u32(t->stss.p + 8 + 4 * (uint64_t)e);
    if (i >= 1 && i <= count) t->s[i - 1].sync = 1;
  }
  /* chunks */
  k = 0;
  for (uint32_t e = 0; e < t->stsc.n && k < count; e++) {
    const uint8_t *r = t->stsc.p + 8 + 12 * (uint64_t)e;
    uint32_t first = mp4_rd_u32(r), per = mp4_rd_u32(r + 4);
    uint32_t last = e + 1 < t->stsc.n ? mp4_rd_u32(r + 12) : t->stco.n + 1;
    if (first < 1 || last > t->stco.n + 1 || first > last || per == 0) return ERR_EBADDATA;
    for (uint32_t c = first; c < last && k < count; c++) {
      uint64_t off = t->co64 ? mp4_rd_u64(t->stco.p + 8 + 8 * (uint64_t)(c - 1))
                             : mp4_rd_u32(t->stco.p + 8 + 4 * (uint64_t)(c - 1));
      for (uint32_t j = 0; j < per && k < count; j++, k++) {
        t->s[k].offset = off;
        off += t->s[k].size;
      }
    }
  }
  t->n = k; /* samples without a chunk are dropped */
  /* The same for raw audio build_raw_audio() does not take (stss, ctts, short stts, odd sizes). */
  if (t->kind == MP4_TRACK_AUDIO && fixed && t->stts.n == 1 && mp4_rd_u32(t->stts.p + 12) == 1) {
    uint32_t o = 0;
    for (uint32_t i = 0; i < t->n;) {
      mp4_dsample m = t->s[i];
      uint32_t j = i + 1;
      while (j < t->n && j - i < PCM_FRAME && t->s[j].offset == m.offset + m.size) {
        m.size += t->s[j].size;
        m.duration += t->s[j].duration;
        j++;
      }
      t->s[o++] = m;
      i = j;
    }
    t->n = o;
  }
  return 0;
}

/* ---- open ---- */

static int read_at(mp4_demuxer *d, uint64_t off, void *buf, size_t n) {
  /* Samples are mostly stored in the order they are read: no seek (a system call) then. */
  int rc = off == d->pos ? 0 : d->io.seek(d->io.user, off);
  d->pos = UINT64_MAX;
  if (rc) return rc;
  size_t got = 0;
  while (got < n) {
    int64_t r = d->io.read(d->io.user, (uint8_t *)buf + got, n - got);
    if (r < 0) return (int)r;
    if (r == 0) return ERR_ETRUNC;
    got += (size_t)r;
  }
  d->pos = off + n;
  return 0;
}

static int parse_top_box(mp4_demuxer *d, uint64_t off, uint64_t size, uint32_t hdr, const char *type) {
  if (size > d->cfg.max_box_size) return ERR_ELIMIT;
  uint8_t *buf = malloc(size ? (size_t)size : 1);
  if (!buf) return ERR_ENOMEM;
  int rc = read_at(d, off, buf, (size_t)size);
  if (!rc) {
    if (!strcmp(type, "moov")) {
      rc = walk(d, buf + hdr, size - hdr, "moov", 1);
      for (int i = 0; !rc && i < d->nt; i++) {
        int r2 = build_stbl(d, &d->t[i]);
        if (r2) {
          warn(d, "damaged sample table; track dropped");
          free(d->t[i].s);
          memmove(&d->t[i], &d->t[i + 1], sizeof(dtrack) * (size_t)(d->nt - i - 1));
          d->nt--;
          i--;
        }
      }
      /* tables point into buf, which goes away */
      for (int i = 0; i < d->nt; i++) {
        dtrack *t = &d->t[i];
        memset(&t->stts, 0, sizeof(span) * 6);
        if (t->n) t->frag_dts = ticks_add(d, t->s[t->n - 1].dts, t->s[t->n - 1].duration);
      }
      d->moov_seen = true;
    } else {
      d->moof_off = off;
      d->fragmented = true;
      /* A damaged fragment ends the file: keep the samples of the fragments before it. */
      uint32_t before[MAX_DTRACKS];
      for (int i = 0; i < d->nt; i++) before[i] = d->t[i].n;
      rc = walk(d, buf + hdr, size - hdr, "moof", 1);
      if (rc)
        for (int i = 0; i < d->nt; i++) d->t[i].n = before[i];
    }
  }
  free(buf);
  return rc;
}

static int scan_file(mp4_demuxer *d) {
  uint64_t off = 0;
  while (off + 8 <= d->file_size) {
    uint8_t h[16];
    size_t hn = d->file_size - off >= 16 ? 16 : 8;
    int rc = read_at(d, off, h, hn);
    if (rc) return rc;
    uint64_t size;
    uint32_t hdr;
    rc = box_header(h, d->file_size - off, &size, &hdr);
    if (rc == ERR_ETRUNC) break;
    if (rc) {
      warn(d, "bad box header; rest of file ignored");
      break;
    }
    char type[5] = {0};
    memcpy(type, h + 4, 4);
    bool past_end = size > d->file_size - off;
    if (!strcmp(type, "moov") || !strcmp(type, "moof")) {
      if (past_end) {
        warn(d, !strcmp(type, "moov") ? "moov is truncated" : "last fragment is truncated");
        if (!strcmp(type, "moov") && !d->moov_seen) return ERR_ETRUNC;
        break;
      }
      if (!strcmp(type, "moof") && !d->moov_seen) {
        warn(d, "fragment before moov ignored");
      } else if (!strcmp(type, "moov") && d->moov_seen) {
        warn(d, "second moov ignored"); /* the first one wins, as in other readers */
      } else {
        rc = parse_top_box(d, off, size, hdr, type);
        if (rc) {
          if (!strcmp(type, "moov")) return rc;
          warn(d, "damaged fragment; rest of file ignored");
          break;
        }
      }
    }
    if (past_end) break;
    off += size;
  }
  return d->moov_seen ? 0 : ERR_EBADDATA;
}

int mp4_demuxer_open(mp4_demuxer **out, const mp4_demuxer_config *cfg, const mp4_io *io) {
  if (!out || !io || !io->read || !io->seek || !io->size) return ERR_EINVAL;
  *out = NULL;
  mp4_demuxer *d = calloc(1, sizeof(*d));
  if (!d) return ERR_ENOMEM;
  mp4_demuxer_config c = MP4_DEMUXER_CONFIG_DEFAULT;
  d->cfg = cfg ? *cfg : c;
  d->io = *io;
  d->pos = UINT64_MAX;
  int64_t fs = io->size(io->user);
  int rc = fs < 0 ? (int)fs : 0;
  if (!rc) {
    d->file_size = (uint64_t)fs;
    rc = scan_file(d);
  }
  if (!rc) {
    /* Samples whose bytes are not (all) in the file are dropped. */
    for (int i = 0; i < d->nt; i++) {
      dtrack *t = &d->t[i];
      uint32_t k = 0;
      for (uint32_t j = 0; j < t->n; j++) {
        if (t->s[j].offset > d->file_size || t->s[j].size > d->file_size - t->s[j].offset) {
          warn(d, "samples past the end of the file dropped");
          continue;
        }
        t->s[k++] = t->s[j];
        if (t->s[j].offset + t->s[j].size > d->data_end) d->data_end = t->s[j].offset + t->s[j].size;
      }
      t->n = k;
      set_next(t, 0);
    }
    if (d->nt == 0) rc = ERR_ENOTSUP;
    /* Any time the reader will hand out (or the header claims) beyond +-MAX_TIME_US flags the file. */
    for (int i = 0; i < d->nt && !d->times_clamped; i++) {
      const dtrack *t = &d->t[i];
      bool beyond =
          to_us(t->duration, t->timescale) >= MAX_TIME_US || to_us(track_duration(t), t->timescale) >= MAX_TIME_US;
      for (uint32_t j = 0; j < t->n && !beyond; j++) {
        int64_t us = to_us(t->s[j].dts + t->s[j].cts - t->shift, t->timescale);
        beyond = us >= MAX_TIME_US || us <= -MAX_TIME_US;
      }
      if (beyond) clamped(d);
    }
  }
  if (rc) {
    mp4_demuxer_close(d);
    return rc;
  }
  *out = d;
  return 0;
}

void mp4_demuxer_close(mp4_demuxer *d) {
  if (!d) return;
  for (int i = 0; i < d->nt; i++) {
    free(d->t[i].s);
    free(d->t[i].win);
  }
  free(d->frame);
  free(d);
}

int mp4_demuxer_file_info(const mp4_demuxer *d, mp4_file_info *info) {
  if (!d || !info) return ERR_EINVAL;
  memset(info, 0, sizeof(*info));
  info->track_count = d->nt;
  info->fragmented = d->fragmented;
  info->times_clamped = d->times_clamped;
  for (int i = 0; i < d->nt; i++) {
    uint64_t us = (uint64_t)to_us(track_duration(&d->t[i]), d->t[i].timescale);
    if (us > info->duration_us) info->duration_us = us;
  }
  return 0;
}

int mp4_demuxer_track(const mp4_demuxer *d, int index, mp4_track_info *info) {
  if (!d || !info || index < 0 || index >= d->nt) return ERR_EINVAL;
  const dtrack *t = &d->t[index];
  memset(info, 0, sizeof(*info));
  info->track_id = t->id;
  info->kind = t->codec == MP4_CODEC_H264 || t->codec == MP4_CODEC_H265 ? MP4_TRACK_VIDEO : MP4_TRACK_AUDIO;
  info->codec = t->codec;
  info->timescale = t->timescale;
  info->duration_us = (uint64_t)to_us(track_duration(t), t->timescale);
  info->sample_count = t->n;
  info->width = t->width, info->height = t->height;
  info->sample_rate = t->rate, info->channels = t->channels, info->bits = t->bits;
  return 0;
}

static int ensure_frame(mp4_demuxer *d, size_t n) {
  if (n <= d->frame_cap) return 0;
  uint8_t *p = realloc(d->frame, n);
  if (!p) return ERR_ENOMEM;
  d->frame = p;
  d->frame_cap = n;
  return 0;
}

/* The bytes of sample s of track t, in place: the io's view, or a read-ahead window. Each track
   has one, refilled from its own next sample with cfg.read_ahead bytes, and a sample is looked
   up in all of them: interleaved tracks share the window of whichever read their region first,
   tracks stored apart each slide their own, so every byte is read once, in few large reads.
   A refill starts inside a window when the sample straddled that window's end: the part already
   read is moved to the front, not read again, and the read goes on where the last one stopped
   (no seek: the file is read front to back). */
static int sample_bytes(mp4_demuxer *d, dtrack *t, const mp4_dsample *s, const uint8_t **out) {
  if (d->io.view && (*out = d->io.view(d->io.user, s->offset, s->size))) return 0;
  if (!s->size) {
    *out = NULL; /* nothing to read */
    return 0;
  }
  const dtrack *have = NULL; /* a window holding the sample's first bytes */
  for (int i = 0; i < d->nt; i++) {
    const dtrack *w = &d->t[i];
    if (s->offset < w->win_off || s->offset - w->win_off >= w->win_len) continue;
    if (s->offset - w->win_off + s->size <= w->win_len) {
      *out = w->win + (s->offset - w->win_off);
      return 0;
    }
    have = w;
  }
  size_t want = d->cfg.read_ahead;
  if (want > d->data_end - s->offset) want = (size_t)(d->data_end - s->offset);
  if (want < s->size) want = s->size;
  size_t keep = have ? (size_t)(have->win_off + have->win_len - s->offset) : 0; /* < s->size */
  if (want > t->win_cap) {
    uint8_t *p = realloc(t->win, want); /* keeps what this window holds */
    if (!p) return ERR_ENOMEM;
    t->win = p;
    t->win_cap = want;
  }
  if (keep) {
    const uint8_t *from = have->win + (s->offset - have->win_off);
    if (have == t) memmove(t->win, from, keep);
    else memcpy(t->win, from, keep);
  }
  t->win_len = 0;
  int rc = read_at(d, s->offset + keep, t->win + keep, want - keep);
  if (rc) return rc;
  t->win_off = s->offset;
  t->win_len = want;
  *out = t->win;
  return 0;
}

/* The file shrank under the io's view: no frame from it is data any more. */
static int view_lost(const mp4_demuxer *d) { return d->io.view_check ? d->io.view_check(d->io.user) : 0; }

/* At the end: did the file end up shorter than the frames handed out from the view? The pages
   wholly past a new end fault (view_lost), but the rest of the page the new end falls in reads
   the kernel's zeros with no fault, so a file cut by less than a page would end quietly. One
   size query per end of stream. */
static int view_shorter_than_lent(const mp4_demuxer *d) {
  if (!d->io.view_check || !d->io.size || !d->lent_end) return 0;
  int64_t size = d->io.size(d->io.user);
  return size >= 0 && (uint64_t)size < d->lent_end ? ERR_ETRUNC : 0;
}

int mp4_demuxer_get_frame(mp4_demuxer *d, mp4_frame *f) {
  if (!d || !f) return ERR_EINVAL;
  memset(f, 0, sizeof(*f));
  int rc = view_lost(d);
  if (rc) return rc;
  dtrack *best = NULL;
  int64_t best_us = 0;
  for (int i = 0; i < d->nt; i++) {
    dtrack *t = &d->t[i];
    if (t->next < t->n && (!best || t->next_us < best_us)) best = t, best_us = t->next_us;
  }
  if (!best) {
    if ((rc = view_shorter_than_lent(d))) return rc;
    f->eof = true;
    return 0;
  }
  const mp4_dsample *s = &best->s[best->next];
  set_next(best, best->next + 1);
  f->track_id = best->id;
  f->codec = best->codec;
  f->dts_us = best_us;
  f->pts_us = to_us(s->dts + s->cts - best->shift, best->timescale);
  f->keyframe = s->sync;
  if (s->size > d->cfg.max_sample_size) return ERR_ELIMIT;
  bool video = best->codec == MP4_CODEC_H264 || best->codec == MP4_CODEC_H265;
  bool annexb = video && d->cfg.annexb;
  /* A frame stored as-is is handed out where it lies: in the io's view or the read-ahead. */
  const uint8_t *raw;
  rc = sample_bytes(d, best, s, &raw);
  if (rc) return rc;
  if (s->offset + s->size > d->lent_end) d->lent_end = s->offset + s->size;
  if (!annexb) {
    f->data = raw;
    f->size = s->size;
    return 0;
  }
  size_t extra = s->sync ? best->ps_size : 0;
  /* a start code replaces each length prefix: at most 4 - nal_len extra bytes per NAL */
  size_t cap = extra + (size_t)s->size * (best->nal_len < 4 ? 4 : 1) + 8;
  if ((rc = ensure_frame(d, cap))) return rc;
  size_t o = 0;
  memcpy(d->frame, best->ps, extra);
  o = extra;
  for (size_t i = 0; i < s->size;) {
    if (s->size - i < (size_t)best->nal_len) return view_lost(d) ? ERR_ETRUNC : ERR_EBADDATA;
    size_t len = 0;
    for (int b = 0; b < best->nal_len; b++) len = len << 8 | raw[i + b];
    i += (size_t)best->nal_len;
    if (len > s->size - i) return view_lost(d) ? ERR_ETRUNC : ERR_EBADDATA;
    static const uint8_t sc[4] = {0, 0, 0, 1};
    memcpy(d->frame + o, sc, 4);
    memcpy(d->frame + o + 4, raw + i, len);
    o += 4 + len;
    i += len;
  }
  if ((rc = view_lost(d))) return rc; /* what was read from the view may have been zeros */
  f->data = d->frame;
  f->size = o;
  return 0;
}

int mp4_demuxer_seek(mp4_demuxer *d, int64_t time_us) {
  if (!d) return ERR_EINVAL;
  int rc = view_lost(d);
  if (rc) return rc;
  for (int i = 0; i < d->nt; i++) {
    dtrack *t = &d->t[i];
    t->win_len = 0; /* what was lent out may have been written to: read again from the file */
    uint32_t pick = 0;
    for (uint32_t j = 0; j < t->n; j++) {
      if (to_us(t->s[j].dts + t->s[j].cts - t->shift, t->timescale) > time_us) break;
      if (t->s[j].sync) pick = j;
    }
    set_next(t, pick);
  }
  return 0;
}
