/* Loop recording (mp4/segmenter.h): a muxer per file, rolled over at keyframes, the pattern's
   files kept in index order for the retention policy. */
#include "mp4/segmenter.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "base/grow.h"
#include "media/annexb.h"

#define MAX_TRACKS 4
#define NAME_CAP 256

/* A file of the pattern in the directory. */
typedef struct seg_file {
  uint32_t index;
  char *name;
} seg_file;

struct mp4_segmenter {
  mp4_segment_config cfg;
  mp4_muxer_config mcfg;
  mp4_fs fs;
  char dir[PATH_MAX];
  char pattern[NAME_CAP]; /* the file-name part */
  bool has_index;
  mp4_muxer *m; /* the current file's */
  mp4_io io;
  bool broken; /* the card filled up: m is dead, the next keyframe starts a new file */
  char path[PATH_MAX];
  uint32_t index;
  int ntracks;
  mp4_track_kind kind[MAX_TRACKS];
  mp4_codec codec[MAX_TRACKS];
  bool has_video;
  bool started; /* the current file has its first cut point */
  int64_t start_pts;
  uint32_t last_frags;
  seg_file *files; /* index order; the current file is the last */
  size_t nfiles, cap_files;
  mp4_segment_stats st;
  int err; /* sticky: a new file could not be made */
  char msg[PATH_MAX + 100];
};

static int fail(mp4_segmenter *s, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->msg, sizeof s->msg, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- the pattern ---- */

enum { TOK_NONE, TOK_INDEX, TOK_TIME };

/* The token at p ('{'): its kind, the index width; returns its length, 0 if not a token. */
static size_t token(const char *p, int *kind, int *width) {
  *width = 0;
  if (!strncmp(p, "{index}", 7)) return *kind = TOK_INDEX, 7;
  if (!strncmp(p, "{index:", 7) && p[7] >= '1' && p[7] <= '9' && p[8] == '}')
    return *kind = TOK_INDEX, *width = p[7] - '0', 9;
  if (!strncmp(p, "{time}", 6)) return *kind = TOK_TIME, 6;
  return *kind = TOK_NONE, 0;
}

const char *mp4_segment_pattern_problem(const char *pattern, bool segmented) {
  if (!pattern || !*pattern) return "the path is empty";
  const char *slash = strrchr(pattern, '/');
  const char *name = slash ? slash + 1 : pattern;
  if (!*name) return "the path names a directory, not a file";
  if (memchr(pattern, '{', (size_t)(name - pattern))) return "{index} and {time} may only appear in the file name";
  if (strlen(name) >= NAME_CAP - 32) return "the file name is too long";
  bool has_index = false;
  for (const char *p = name; *p; p++) {
    if (*p != '{') continue;
    int kind, width;
    size_t n = token(p, &kind, &width);
    if (!n) return "the file name has an unknown {...} (use {index}, {index:N} with N 1-9, or {time})";
    if (kind == TOK_INDEX) {
      if (p[n] >= '0' && p[n] <= '9') return "a digit right after {index} would make the numbers ambiguous";
      has_index = true;
    }
    p += n - 1;
  }
  if (segmented && !has_index) return "segments and a retention policy need {index} in the file name";
  return NULL;
}

static void format_name(const mp4_segmenter *s, uint32_t index, time_t now, char *out, size_t cap) {
  size_t len = 0;
  out[0] = 0;
  for (const char *p = s->pattern; *p && len + 1 < cap; p++) {
    int kind, width;
    size_t n = *p == '{' ? token(p, &kind, &width) : 0;
    if (!n) {
      out[len++] = *p;
      out[len] = 0;
      continue;
    }
    if (kind == TOK_INDEX) {
      len += (size_t)snprintf(out + len, cap - len, "%0*u", width, index);
    } else {
      struct tm tm;
      localtime_r(&now, &tm);
      len += strftime(out + len, cap - len, "%Y%m%d-%H%M%S", &tm);
    }
    if (len >= cap) len = cap - 1;
    p += n - 1;
  }
}

/* Whether `name` is one of the pattern's files; its index in *index. */
static bool match_name(const char *pat, const char *name, uint32_t *index) {
  bool got = false;
  while (*pat) {
    int kind, width;
    size_t n = *pat == '{' ? token(pat, &kind, &width) : 0;
    if (!n) {
      if (*pat++ != *name++) return false;
      continue;
    }
    pat += n;
    if (kind == TOK_INDEX) {
      uint64_t v = 0;
      int digits = 0;
      for (; *name >= '0' && *name <= '9'; name++, digits++) {
        v = v * 10 + (uint64_t)(*name - '0');
        if (v > UINT32_MAX) return false;
      }
      if (digits < (width ? width : 1)) return false;
      *index = (uint32_t)v;
      got = true;
    } else {
      for (int i = 0; i < 15; i++, name++)
        if (i == 8 ? *name != '-' : !(*name >= '0' && *name <= '9')) return false;
    }
  }
  return *name == 0 && got;
}

/* ---- the directory ---- */

static int add_file(mp4_segmenter *s, uint32_t index, const char *name) {
  seg_file *f = base_grow(s->files, &s->cap_files, s->nfiles + 1, sizeof *f, 16);
  if (!f) return ERR_ENOMEM;
  s->files = f;
  char *copy = strdup(name);
  if (!copy) return ERR_ENOMEM;
  s->files[s->nfiles++] = (seg_file){index, copy};
  return 0;
}

static int collect(void *ctx, const char *name) {
  mp4_segmenter *s = ctx;
  uint32_t index = 0;
  if (match_name(s->pattern, name, &index) && add_file(s, index, name) < 0) return 1;
  return 0;
}

static int by_index(const void *a, const void *b) {
  uint32_t x = ((const seg_file *)a)->index, y = ((const seg_file *)b)->index;
  return x < y ? -1 : x > y;
}

/* dir/name; the pattern's length was checked, so only a dir near PATH_MAX can truncate. */
static void join(const mp4_segmenter *s, const char *name, char *out, size_t cap) {
  int n =
      s->dir[0] ? snprintf(out, cap, "%s/%s", strcmp(s->dir, "/") ? s->dir : "", name) : snprintf(out, cap, "%s", name);
  if (n < 0 || (size_t)n >= cap) out[cap - 1] = 0;
}

/* Deletes the oldest file of the pattern (never the last, the current one). */
static bool delete_oldest(mp4_segmenter *s) {
  if (s->nfiles < 2) return false;
  char path[PATH_MAX];
  join(s, s->files[0].name, path, sizeof path);
  int rc = s->fs.remove(s->fs.user, path);
  if (rc == 0) s->st.deleted++;
  /* Gone either way (a file someone else removed, or one we cannot): the next oldest is next. */
  free(s->files[0].name);
  memmove(s->files, s->files + 1, (s->nfiles - 1) * sizeof *s->files);
  s->nfiles--;
  return rc == 0;
}

static bool short_of_space(mp4_segmenter *s) {
  if (!s->cfg.min_free_bytes) return false;
  int64_t free_bytes = s->fs.free_bytes(s->fs.user, s->dir[0] ? s->dir : ".");
  return free_bytes >= 0 && (uint64_t)free_bytes < s->cfg.min_free_bytes;
}

static void apply_retention(mp4_segmenter *s) {
  while (s->cfg.keep_files && s->nfiles > s->cfg.keep_files && s->nfiles > 1) delete_oldest(s);
  while (s->nfiles > 1 && short_of_space(s)) delete_oldest(s);
}

/* After a full card: room by the policy; true if anything was deleted. */
static bool make_room(mp4_segmenter *s) {
  if (!s->cfg.keep_files && !s->cfg.min_free_bytes) return false;
  uint32_t before = s->st.deleted;
  while (s->nfiles > 1 && (s->st.deleted == before || short_of_space(s))) delete_oldest(s);
  return s->st.deleted > before;
}

/* ---- files ---- */

static const char *base_name(const char *path) { return strrchr(path, '/') ? strrchr(path, '/') + 1 : path; }

/* Creates the next file and its muxer (like `prev` when given). */
static int start_file(mp4_segmenter *s, const mp4_muxer *prev) {
  char name[NAME_CAP], path[PATH_MAX];
  format_name(s, s->index, time(NULL), name, sizeof name);
  join(s, name, path, sizeof path);
  mp4_io io;
  int rc = s->fs.create(s->fs.user, path, &io);
  if (rc) return fail(s, rc, "cannot create the file %s: %s", name, err_str(rc));
  mp4_muxer *m = NULL;
  rc = prev ? mp4_muxer_open_next(&m, prev, &io) : mp4_muxer_open(&m, &s->mcfg, &io);
  if (!rc && s->has_index) rc = add_file(s, s->index, name);
  if (rc) {
    if (m) mp4_muxer_close(m);
    s->fs.close(s->fs.user, &io);
    s->fs.remove(s->fs.user, path);
    return fail(s, rc, "cannot start the file %s: %s", name, err_str(rc));
  }
  s->m = m;
  s->io = io;
  s->broken = false;
  s->started = false;
  s->last_frags = 0;
  snprintf(s->path, sizeof s->path, "%s", path);
  s->st.files++;
  s->st.index = s->index;
  return 0;
}

static int finish(mp4_segmenter *s, mp4_muxer *m, mp4_io *io) {
  s->st.fragments += mp4_muxer_fragments(m);
  char why[200];
  snprintf(why, sizeof why, "%s", mp4_muxer_last_error(m));
  int rc = mp4_muxer_close(m);
  int rc2 = s->fs.close(s->fs.user, io);
  /* Messages name files, not paths: a caller mapping paths (the host's /sdcard) shows its own. */
  if (rc) return fail(s, rc, "finishing %s: %s", base_name(s->path), why[0] ? why : err_str(rc));
  if (rc2) return fail(s, rc2, "closing %s: %s", base_name(s->path), err_str(rc2));
  return 0;
}

/* A file a full card cut before its first fragment holds nothing playable: it goes. */
static void drop_if_empty(mp4_segmenter *s, const char *path, uint32_t index, uint32_t fragments) {
  if (fragments) return;
  s->fs.remove(s->fs.user, path);
  for (size_t i = 0; i < s->nfiles; i++)
    if (s->files[i].index == index) {
      free(s->files[i].name);
      memmove(s->files + i, s->files + i + 1, (s->nfiles - i - 1) * sizeof *s->files);
      s->nfiles--;
      break;
    }
}

/* The next file at a keyframe: made from the current one, which is then finished. Finishing
   writes the current file's last fragment: a full card there, with room made by the policy, loses
   that fragment only. */
static int roll_over(mp4_segmenter *s) {
  mp4_muxer *old = s->m;
  mp4_io old_io = s->io;
  char old_path[PATH_MAX];
  snprintf(old_path, sizeof old_path, "%s", s->path);
  bool was_broken = s->broken;
  uint32_t old_index = s->index;
  s->index++;
  int rc = start_file(s, old);
  if (rc == ERR_ENOSPC && make_room(s)) rc = start_file(s, old);
  if (rc) {
    s->index--;
    s->err = rc;
    s->m = old; /* finished at mp4_segmenter_close */
    return rc;
  }
  char new_path[PATH_MAX];
  snprintf(new_path, sizeof new_path, "%s", s->path);
  snprintf(s->path, sizeof s->path, "%s", old_path);
  uint32_t old_frags = mp4_muxer_fragments(old); /* committed; finishing adds one unless it fails */
  rc = finish(s, old, &old_io);
  snprintf(s->path, sizeof s->path, "%s", new_path);
  if (rc == ERR_ENOSPC && (was_broken || make_room(s))) {
    if (!was_broken) s->st.recovered++;
    drop_if_empty(s, old_path, old_index, old_frags);
    rc = 0;
  }
  if (rc) {
    /* Recording stops here: the new file has nothing in it. */
    s->err = rc;
    mp4_muxer_close(s->m);
    s->fs.close(s->fs.user, &s->io);
    s->fs.remove(s->fs.user, s->path);
    free(s->files[--s->nfiles].name);
    s->m = NULL;
    snprintf(s->path, sizeof s->path, "%s", old_path);
    return rc;
  }
  apply_retention(s);
  return 0;
}

int mp4_segmenter_open(mp4_segmenter **out, const char *pattern, const mp4_segment_config *scfg,
                       const mp4_muxer_config *mcfg, const mp4_fs *fs) {
  if (!out || !fs) return ERR_EINVAL;
  mp4_segment_config sc = MP4_SEGMENT_CONFIG_DEFAULT;
  if (scfg) sc = *scfg;
  bool segmented = sc.max_duration_us || sc.max_bytes || sc.keep_files || sc.min_free_bytes;
  if (mp4_segment_pattern_problem(pattern, segmented)) return ERR_EINVAL;
  mp4_segmenter *s = calloc(1, sizeof *s);
  if (!s) return ERR_ENOMEM;
  s->cfg = sc;
  mp4_muxer_config mc = MP4_MUXER_CONFIG_DEFAULT;
  s->mcfg = mcfg ? *mcfg : mc;
  s->fs = *fs;
  const char *slash = strrchr(pattern, '/');
  if (slash) snprintf(s->dir, sizeof s->dir, "%.*s", slash == pattern ? 1 : (int)(slash - pattern), pattern);
  snprintf(s->pattern, sizeof s->pattern, "%s", slash ? slash + 1 : pattern);
  s->has_index = strstr(s->pattern, "{index") != NULL;
  int rc = 0;
  if (s->has_index) {
    rc = s->fs.list(s->fs.user, s->dir[0] ? s->dir : ".", collect, s);
    /* A recorder's own directory (e.g. /sdcard/dashcam on a fresh card) is made for it. */
    if (rc == ERR_ENOENT && s->dir[0] && !(rc = s->fs.mkdir(s->fs.user, s->dir)))
      rc = s->fs.list(s->fs.user, s->dir, collect, s);
    if (!rc) {
      if (s->nfiles) qsort(s->files, s->nfiles, sizeof *s->files, by_index);
      s->index = s->nfiles ? s->files[s->nfiles - 1].index + 1 : 1;
    } else {
      fail(s, rc, "cannot list the directory: %s", err_str(rc));
    }
  }
  if (!rc) rc = start_file(s, NULL);
  if (rc == ERR_ENOSPC && make_room(s)) rc = start_file(s, NULL);
  if (rc) {
    for (size_t i = 0; i < s->nfiles; i++) free(s->files[i].name);
    free(s->files);
    free(s);
    return rc;
  }
  apply_retention(s);
  *out = s;
  return 0;
}

int mp4_segmenter_add_video(mp4_segmenter *s, mp4_codec codec, int width, int height) {
  if (!s) return ERR_EINVAL;
  int id = mp4_muxer_add_video(s->m, codec, width, height);
  if (id < 0) return fail(s, id, "%s", mp4_muxer_last_error(s->m));
  s->kind[id - 1] = MP4_TRACK_VIDEO;
  s->codec[id - 1] = codec;
  s->ntracks = id;
  s->has_video = true;
  return id;
}

int mp4_segmenter_add_audio(mp4_segmenter *s, mp4_codec codec, int sample_rate, int channels) {
  if (!s) return ERR_EINVAL;
  int id = mp4_muxer_add_audio(s->m, codec, sample_rate, channels);
  if (id < 0) return fail(s, id, "%s", mp4_muxer_last_error(s->m));
  s->kind[id - 1] = MP4_TRACK_AUDIO;
  s->codec[id - 1] = codec;
  s->ntracks = id;
  return id;
}

/* Whether the unit holds an IDR/IRAP NAL; from the caller's NAL table when it has one (as the
   muxer: a table it would not use is not used here either). */
static bool is_keyframe(mp4_codec codec, const uint8_t *data, size_t size, const media_nal_table *nals) {
  media_codec mc = codec == MP4_CODEC_H265 ? MEDIA_CODEC_H265 : MEDIA_CODEC_H264;
  bool known = media_nal_table_fits(nals, data, size);
  size_t pos = 0;
  media_nal nal;
  while (known ? media_nal_table_next(mc, nals, data, size, &pos, &nal) : media_annexb_next(mc, data, size, &pos, &nal))
    if (media_nal_is_idr(mc, nal.type)) return true;
  return false;
}

static bool due(mp4_segmenter *s, int64_t pts_us) {
  if (!s->started) return false;
  if (s->cfg.max_duration_us && pts_us - s->start_pts >= (int64_t)s->cfg.max_duration_us) return true;
  if (!s->cfg.max_bytes || !s->io.tell) return false;
  int64_t bytes = s->io.tell(s->io.user);
  return bytes >= 0 && (uint64_t)bytes >= s->cfg.max_bytes;
}

int mp4_segmenter_write(mp4_segmenter *s, int track, const uint8_t *data, size_t size, int64_t pts_us, unsigned flags) {
  return mp4_segmenter_write_nals(s, track, data, size, NULL, pts_us, flags);
}

int mp4_segmenter_write_nals(mp4_segmenter *s, int track, const uint8_t *data, size_t size, const media_nal_table *nals,
                             int64_t pts_us, unsigned flags) {
  if (!s) return ERR_EINVAL;
  if (s->err) return s->err;
  if (track < 1 || track > s->ntracks) return fail(s, ERR_EINVAL, "no track %d", track);
  bool video = s->kind[track - 1] == MP4_TRACK_VIDEO;
  /* The caller's flags when it gave any (no scan), else the NAL types, as the muxer decides. */
  bool key = video && (flags & (MP4_FRAME_KEYFRAME | MP4_FRAME_DELTA)
                           ? (flags & MP4_FRAME_KEYFRAME) != 0
                           : data && is_keyframe(s->codec[track - 1], data, size, nals));
  bool cut_point = s->has_video ? key : true;
  int rc;
  if (s->broken) {
    if (!cut_point) return 0; /* waiting for a keyframe to start the next file */
    if ((rc = roll_over(s))) return rc;
  } else if (cut_point && due(s, pts_us)) {
    if ((rc = roll_over(s))) return rc;
  }
  if (cut_point && !s->started) {
    s->started = true;
    s->start_pts = pts_us;
  }
  rc = mp4_muxer_write_nals(s->m, track, data, size, nals, pts_us, flags);
  if (rc == ERR_ENOSPC && make_room(s)) {
    s->broken = true;
    s->st.recovered++;
    return 0;
  }
  if (rc < 0) return fail(s, rc, "%s", mp4_muxer_last_error(s->m));
  uint32_t frags = mp4_muxer_fragments(s->m);
  if (frags != s->last_frags) {
    s->last_frags = frags;
    apply_retention(s);
  }
  return rc;
}

int mp4_segmenter_close(mp4_segmenter *s, char *why, size_t why_len) {
  if (why_len) why[0] = 0;
  if (!s) return ERR_EINVAL;
  int rc = s->err;
  char first[sizeof s->msg];
  snprintf(first, sizeof first, "%s", rc ? s->msg : "");
  uint32_t frags = s->m ? mp4_muxer_fragments(s->m) : 0;
  int rc2 = s->m ? finish(s, s->m, &s->io) : 0;
  if (s->broken) drop_if_empty(s, s->path, s->index, frags);
  if (!rc && !s->broken && rc2) {
    rc = rc2;
    snprintf(first, sizeof first, "%s", s->msg);
  }
  if (why_len) snprintf(why, why_len, "%s", rc ? first : "");
  for (size_t i = 0; i < s->nfiles; i++) free(s->files[i].name);
  free(s->files);
  free(s);
  return rc;
}

const char *mp4_segmenter_path(const mp4_segmenter *s) { return s ? s->path : ""; }
const char *mp4_segmenter_last_error(const mp4_segmenter *s) { return s ? s->msg : "no segmenter"; }

void mp4_segmenter_stats(const mp4_segmenter *s, mp4_segment_stats *out) {
  /* Stored whole, once: writeFrame copies *out on at once after every frame, and a copy that
   * spans a later partial store waits for the store buffer to drain (the frame's memcpy: ~1% of a
   * JS mux's CPU in perf). */
  mp4_segment_stats st = s->st;
  st.fragments += s->m ? mp4_muxer_fragments(s->m) : 0;
  *out = st;
}
