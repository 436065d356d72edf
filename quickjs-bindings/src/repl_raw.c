/* The raw protocol for tools (docs/protocol.md): framing, flow control, exec and dispatch. File
 * operations are in repl_fs.c. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "hal/clock.h"
#include "hal/system.h"
#include "kjs/bytecode.h"
#include "kjs/console.h"
#include "repl_internal.h"

void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t get_le64(const uint8_t *p) { return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

static uint8_t header_check(uint8_t type, uint8_t lo, uint8_t hi) { return (uint8_t)((type + lo + hi) ^ 0x5A); }

/* ---- test hooks: compiled into test builds only (CMake K230JS_TEST_HOOKS), so a board
 * firmware cannot be made to damage its own frames (docs/protocol.md) ---- */
#ifdef K230JS_TEST_HOOKS
static void faults_arm(raw_state *r) {
  const char *faults = getenv("K230JS_RAW_FAULTS");
  const char *cr = faults ? strstr(faults, "corrupt-read=") : NULL;
  r->fault_corrupt_read = cr ? atoi(cr + 13) : 0;
  r->read_frames = 0;
}

static void fault_apply(raw_state *r, uint8_t type, uint8_t *payload, size_t len) {
  if (type == 'D' && r->fault_corrupt_read && ++r->read_frames == r->fault_corrupt_read) {
    payload[len - 1] ^= 0x40; /* one corrupted byte on the line */
    r->fault_corrupt_read = 0;
  }
}
#else
static void faults_arm(raw_state *r) { (void)r; }
static void fault_apply(raw_state *r, uint8_t type, uint8_t *payload, size_t len) {}
#endif

size_t kjs_raw_frame(uint8_t *f, uint8_t type, const void *a, size_t alen, const void *b, size_t blen) {
  size_t len = alen + blen;
  f[0] = RAW_SOF;
  f[1] = type;
  f[2] = (uint8_t)len;
  f[3] = (uint8_t)(len >> 8);
  f[4] = header_check(type, f[2], f[3]);
  if (alen) memcpy(f + RAW_HDR, a, alen);
  if (blen) memcpy(f + RAW_HDR + alen, b, blen);
  put_le32(f + RAW_HDR + len, kjs_crc32(f + 1, RAW_HDR - 1 + len));
  return RAW_HDR + len + RAW_TRAILER;
}

void kjs_raw_send(kjs_session *s, uint8_t type, const void *a, size_t alen, const void *b, size_t blen) {
  size_t len = alen + blen;
  uint8_t stack[RAW_HDR + 64 + RAW_TRAILER];
  uint8_t *f = len <= 64 ? stack : malloc(RAW_HDR + len + RAW_TRAILER);
  if (!f) return;
  kjs_raw_frame(f, type, a, alen, b, blen);
  raw_state *r = &s->raw;
  fault_apply(r, type, f + RAW_HDR, len);
  if ((type == 'R' || type == 'X') && len <= RAW_LAST_MAX) {
    r->last_req = r->cur_req;
    r->last_type = type;
    r->last_len = (uint16_t)len;
    memcpy(r->last, f + RAW_HDR, len);
  }
  kjs_session_write(s, f, RAW_HDR + len + RAW_TRAILER);
  if (f != stack) free(f);
}

void kjs_raw_reply_ok(kjs_session *s, const void *data, size_t len) {
  uint8_t code[4] = {0};
  kjs_raw_send(s, 'R', code, 4, data, len);
}

void kjs_raw_reply_err(kjs_session *s, int neg_errno, const char *msg) {
  uint8_t code[4];
  put_le32(code, (uint32_t)neg_errno);
  kjs_raw_send(s, 'R', code, 4, msg, strlen(msg));
}

void kjs_raw_console_write(kjs_session *s, int stream, const char *buf, size_t len) {
  uint8_t type = stream == KJS_STDERR ? 'E' : 'o';
  while (len > 0) {
    size_t n = len < RAW_CHUNK ? len : RAW_CHUNK;
    kjs_raw_send(s, type, buf, n, NULL, 0);
    buf += n;
    len -= n;
  }
}

static void send_hello(kjs_session *s) {
  uint8_t h[7];
  h[0] = RAW_VERSION;
  h[1] = (uint8_t)RAW_MAX_PAYLOAD;
  h[2] = (uint8_t)(RAW_MAX_PAYLOAD >> 8);
  put_le32(h + 3, RAW_WINDOW);
  char info[256];
  snprintf(info, sizeof info, "k230js %s; board %s; platform %s; QuickJS-ng %s", s->cfg.version, hal_system_board(),
           hal_system_platform(), JS_GetVersion());
  kjs_raw_send(s, 'H', h, sizeof h, info, strlen(info));
}

/* Ends whatever transfer was in progress; a file write leaves the old file untouched. `why`
 * names the cause in the reply to that transfer's END, should it still come. */
static void abandon_for(kjs_session *s, const char *why) {
  raw_state *r = &s->raw;
  if (r->xfer != XFER_NONE) r->abandoned = why;
  if (r->xfer == XFER_WRITE) kjs_fs_write_abort(s);
  free(r->src);
  r->src = NULL;
  r->src_cap = 0;
  r->xfer = XFER_NONE;
  r->xfer_off = 0;
  r->nak_sent = false;
}

static void abandon(kjs_session *s) { abandon_for(s, "a new request"); }

void kjs_raw_reset(kjs_session *s) {
  abandon_for(s, "a reset or a new session");
  free(s->raw.frame);
  s->raw.frame = NULL;
  s->raw.have = 0;
}

/* A new client on the link (raw mode entered, or 0x01): what the last one set up ends. */
static void new_client(kjs_session *s) {
  kjs_preview_stop(s, "a new client on the link");
  kjs_mount_drop(s);
}

void kjs_raw_enter(kjs_session *s) {
  raw_state *r = &s->raw;
  kjs_raw_reset(s);
  new_client(s);
  r->frame = malloc(RAW_HDR + RAW_MAX_PAYLOAD + RAW_TRAILER);
  faults_arm(r);
  r->last_req = r->last_type = 0;
  r->last_len = 0;
  s->mode = MODE_RAW;
  kjs_uart_set_intr(s->u, KJS_UART_INTR_OFF);
  kjs_uart_write(s->u, "\r\nraw mode; Ctrl-B to exit\r\n", 28);
  kjs_uart_set_crlf(s->u, false);
  send_hello(s);
}

bool kjs_raw_partial(const kjs_session *s) { return s->mode == MODE_RAW && s->raw.have > 0; }

void kjs_raw_check_stall(kjs_session *s) {
  raw_state *r = &s->raw;
  if (r->have == 0 || hal_clock_us() - r->last_byte_us <= (uint64_t)RAW_STALL_MS * 1000u) return;
  /* A header made of foreign bytes (line noise, a second client) that passed its check claims
   * up to RAW_MAX_PAYLOAD bytes and swallows the real frames sent after it until the link goes
   * quiet. Outside a transfer those frames are parsed again from the next start byte in what was
   * held, so the request behind it is answered now rather than after the host's timeout. Not
   * during a transfer: its data may hold frame-like bytes, and go-back-N resends it anyway; nor
   * after a damaged CRC, whose 'N' already makes the host send its request again. */
  size_t k = 1;
  while (k < r->have && r->frame[k] != RAW_SOF) k++;
  size_t n = r->have - k;
  r->have = 0;
  if (r->xfer != XFER_NONE || n == 0) return;
  kjs_session_unread(s, r->frame + k, n);
}

static void send_offset(kjs_session *s, uint8_t type, uint64_t off) {
  uint8_t b[8];
  put_le64(b, off);
  kjs_raw_send(s, type, b, 8, NULL, 0);
}

static void exec_begin(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  abandon(s);
  r->abandoned = NULL;
  if (len < 1) {
    kjs_raw_reply_err(s, -22, "exec: missing flags");
    return;
  }
  r->exec_flags = p[0];
  size_t n = len - 1 < sizeof r->exec_name - 1 ? len - 1 : sizeof r->exec_name - 1;
  memcpy(r->exec_name, p + 1, n);
  r->exec_name[n] = 0;
  if (!r->exec_name[0]) snprintf(r->exec_name, sizeof r->exec_name, "<exec>");
  r->xfer = XFER_EXEC;
  r->xfer_size = UINT64_MAX;
  uint8_t w[4];
  put_le32(w, RAW_WINDOW);
  kjs_raw_reply_ok(s, w, 4);
}

static int exec_chunk(kjs_session *s, const uint8_t *data, size_t len) {
  raw_state *r = &s->raw;
  size_t need = (size_t)r->xfer_off + len + 1;
  uint8_t *p = base_grow(r->src, &r->src_cap, need, 1, 65536);
  if (!p) return -12;
  r->src = p;
  memcpy(r->src + r->xfer_off, data, len);
  return 0;
}

static void exec_end(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  if (len < 8 || get_le64(p) != r->xfer_off) {
    send_offset(s, 'N', r->xfer_off);
    return;
  }
  size_t n = (size_t)r->xfer_off;
  char *src = (char *)r->src;
  if (!src) src = calloc(1, 1);
  else src[n] = 0;
  r->src = NULL;
  r->src_cap = 0;
  r->xfer = XFER_NONE;
  r->abandoned = NULL;
  kjs_raw_reply_ok(s, NULL, 0);
  char name[sizeof r->exec_name];
  memcpy(name, r->exec_name, sizeof name);
  r->in_exec = true;
  int status = src ? kjs_session_exec(s, name, src, n, r->exec_flags & 1) : 1;
  r->in_exec = false;
  free(src);
  uint8_t st[4];
  put_le32(st, (uint32_t)status);
  kjs_raw_send(s, 'X', st, 4, NULL, 0);
}

static void data_frame(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  if (r->xfer == XFER_NONE || len < 8) return; /* stale data of an abandoned transfer */
  uint64_t off = get_le64(p);
  if (off != r->xfer_off) {
    /* Go-back-N: ask once for the first missing byte, drop everything until it comes. */
    if (!r->nak_sent) send_offset(s, 'N', r->xfer_off);
    r->nak_sent = true;
    return;
  }
  r->nak_sent = false;
  const uint8_t *data = p + 8;
  size_t n = len - 8;
  if (r->xfer == XFER_WRITE && r->xfer_off + n > r->xfer_size) {
    kjs_raw_reply_err(s, -27, "write: more data than the declared size");
    abandon_for(s, "the error reported before");
    return;
  }
  int rc = r->xfer == XFER_EXEC ? exec_chunk(s, data, n) : kjs_fs_write_chunk(s, data, n);
  if (rc < 0) {
    kjs_raw_reply_err(s, rc, rc == -28 ? "no space left on device" : "write failed");
    abandon_for(s, "the error reported before");
    return;
  }
  r->xfer_off += n;
  send_offset(s, 'A', r->xfer_off);
}

/* SYNC: replies 'P' {u32 token, u8 request, u8 reply type ('R', 'X' or 0), reply payload}. Frames
 * are handled in order, so the 'P' also tells the host that everything sent before it is out. */
static void sync_reply(kjs_session *s, const uint8_t *p, size_t len) {
  raw_state *r = &s->raw;
  uint8_t head[6] = {0};
  if (len >= 4) memcpy(head, p, 4);
  head[4] = r->last_req;
  head[5] = r->last_type;
  kjs_raw_send(s, 'P', head, sizeof head, r->last, r->last_type ? r->last_len : 0);
}

/* Preview control and mount data: handled whenever they arrive, even while code runs. */
static void live_frame(kjs_session *s, uint8_t type, const uint8_t *p, size_t len) {
  uint8_t *body = malloc(len ? len : 1);
  if (!body) return;
  memcpy(body, p, len);
  size_t n = kjs_raw_unescape(body, len);
  if (type == 'v') kjs_preview_control(s, body, n);
  else kjs_mount_reply(s, body, n);
  free(body);
}

size_t kjs_raw_unescape(uint8_t *p, size_t n) {
  size_t o = 0;
  for (size_t i = 1; i < n; i++) { /* p[0] is the salt */
    if (p[i] != 0x10) {
      p[o++] = p[i];
    } else if (i + 1 < n) {
      i++;
      if (p[i]) p[o++] = p[i] ^ 0x80; /* 0x10 0x00 is padding */
    }
  }
  return o;
}

static void dispatch(kjs_session *s, uint8_t type, const uint8_t *p, size_t len, bool crc_ok) {
  raw_state *r = &s->raw;
  if (crc_ok && (type == 'v' || type == 'g')) {
    live_frame(s, type, p, len);
    return;
  }
  if (crc_ok && type != 'p' && type != 'd') {
    /* A new request: its reply replaces the kept one. */
    r->cur_req = type;
    r->last_req = r->last_type = 0;
  }
  if (!crc_ok) {
    /* A damaged frame: during a transfer this is the go-back-N request, otherwise the host
     * repeats its command. */
    if (r->xfer == XFER_NONE || !r->nak_sent) send_offset(s, 'N', r->xfer_off);
    if (r->xfer != XFER_NONE) r->nak_sent = true;
    return;
  }
  switch (type) {
    case 'h':
      abandon_for(s, "a HELLO (another client on this link?)");
      send_hello(s);
      break;
    case 'p': sync_reply(s, p, len); break;
    case 'x': exec_begin(s, p, len); break;
    case 'w':
      abandon(s);
      r->abandoned = NULL;
      kjs_fs_write_begin(s, p, len);
      break;
    case 'd': data_frame(s, p, len); break;
    case 'e':
      if (r->xfer == XFER_EXEC) exec_end(s, p, len);
      else if (r->xfer == XFER_WRITE) {
        if (r->xfer_off != r->xfer_size) {
          send_offset(s, 'N', r->xfer_off);
          break;
        }
        kjs_fs_write_end(s, p, len);
        r->xfer = XFER_NONE;
        r->abandoned = NULL;
      } else if (r->abandoned) {
        char msg[160];
        snprintf(msg, sizeof msg, "end: no transfer in progress (it was abandoned by %s)", r->abandoned);
        kjs_raw_reply_err(s, -71, msg);
      } else {
        kjs_raw_reply_err(s, -71, "end: no transfer in progress");
      }
      break;
    case 'q':
      abandon(s);
      kjs_session_soft_reset(s);
      if (!s->eof) send_hello(s);
      break;
    case 'b': kjs_session_leave_raw(s); break;
    case 'k': kjs_mount_request(s, p, len); break;
    case 's':
    case 'l':
    case 'r':
    case 'm':
    case 'u':
    case 'n':
      abandon(s);
      kjs_fs_op(s, type, p, len);
      break;
    default: kjs_raw_reply_err(s, -95, "unknown frame type"); break;
  }
}

void kjs_raw_feed(kjs_session *s) {
  raw_state *r = &s->raw;
  inbuf *b = &s->in;
  if (!r->frame) {
    r->frame = malloc(RAW_HDR + RAW_MAX_PAYLOAD + RAW_TRAILER);
    if (!r->frame) {
      b->pos = b->len;
      return;
    }
  }
  while (b->pos < b->len) {
    if (r->have == 0) {
      uint8_t c = b->p[b->pos++];
      if (c == RAW_SOF) {
        r->frame[0] = c;
        r->have = 1;
        r->need = RAW_HDR;
        r->last_byte_us = hal_clock_us();
      } else if (c == 0x01) {
        abandon_for(s, "a resynchronisation (0x01; another client on this link?)");
        new_client(s);
        send_hello(s);
      } else if (c == 0x02) {
        kjs_session_leave_raw(s);
        return;
      }
      continue; /* anything else between frames (echoes, a stray Ctrl-C) is ignored */
    }
    size_t avail = b->len - b->pos;
    size_t take = r->need - r->have < avail ? r->need - r->have : avail;
    memcpy(r->frame + r->have, b->p + b->pos, take);
    r->have += take;
    b->pos += take;
    r->last_byte_us = hal_clock_us();
    if (r->have < r->need) continue;
    if (r->need == RAW_HDR) {
      uint8_t *f = r->frame;
      size_t len = (size_t)f[2] | (size_t)f[3] << 8;
      if (f[4] != header_check(f[1], f[2], f[3]) || len > RAW_MAX_PAYLOAD) {
        /* Not a header: look for another start byte inside what we took. */
        size_t k = 1;
        while (k < RAW_HDR && f[k] != RAW_SOF) k++;
        memmove(f, f + k, RAW_HDR - k);
        r->have = RAW_HDR - k;
        r->need = RAW_HDR;
        continue;
      }
      r->need = RAW_HDR + len + RAW_TRAILER;
      continue;
    }
    size_t len = r->need - RAW_HDR - RAW_TRAILER;
    bool ok = kjs_crc32(r->frame + 1, RAW_HDR - 1 + len) == get_le32(r->frame + RAW_HDR + len);
    r->have = 0;
    dispatch(s, r->frame[1], r->frame + RAW_HDR, len, ok);
    return; /* dispatch may have run code and moved the input buffer */
  }
}

/* Bytes of the frame the in-order parser is assembling that are still in the input, so the live
 * scan starts after it; all of the input while its header is not complete yet. */
static size_t partial_rest(kjs_session *s) {
  raw_state *r = &s->raw;
  inbuf *b = &s->in;
  if (r->have == 0) return 0;
  if (r->need > RAW_HDR) return r->need - r->have;
  size_t k = RAW_HDR - r->have;
  if (b->len - b->pos < k) return b->len - b->pos;
  uint8_t h[RAW_HDR];
  memcpy(h, r->frame, r->have);
  memcpy(h + r->have, b->p + b->pos, k);
  size_t len = (size_t)h[2] | (size_t)h[3] << 8;
  if (h[4] != header_check(h[1], h[2], h[3]) || len > RAW_MAX_PAYLOAD) return 0;
  return RAW_HDR + len + RAW_TRAILER - r->have;
}

void kjs_raw_live_scan(kjs_session *s) {
  if (s->mode != MODE_RAW) return;
  inbuf *b = &s->in;
  size_t i = b->pos + partial_rest(s);
  while (i + RAW_HDR <= b->len) {
    const uint8_t *f = b->p + i;
    size_t len = (size_t)f[2] | (size_t)f[3] << 8;
    if (f[0] != RAW_SOF || f[4] != header_check(f[1], f[2], f[3]) || len > RAW_MAX_PAYLOAD) {
      i++;
      continue;
    }
    size_t total = RAW_HDR + len + RAW_TRAILER;
    if (b->len - i < total) break; /* the rest has not come yet */
    if (kjs_crc32(f + 1, RAW_HDR - 1 + len) != get_le32(f + RAW_HDR + len)) {
      i++;
      continue;
    }
    uint8_t type = f[1];
    if (type != 'v' && type != 'g') {
      i += total; /* waits for its turn */
      continue;
    }
    /* Cut it out first: handling it may read more input (a mount wait) into the buffer. */
    uint8_t *copy = malloc(len ? len : 1);
    if (copy) memcpy(copy, f + RAW_HDR, len);
    memmove(b->p + i, b->p + i + total, b->len - i - total);
    b->len -= total;
    if (copy) live_frame(s, type, copy, len);
    free(copy);
  }
}
