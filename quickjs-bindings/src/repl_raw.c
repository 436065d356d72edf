/* The raw protocol for tools (docs/protocol.md): framing, flow control, exec and dispatch. File
 * operations are in repl_fs.c. */
#include <stdlib.h>
#include <string.h>

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

void kjs_raw_send(kjs_session *s, uint8_t type, const void *a, size_t alen, const void *b, size_t blen) {
  size_t len = alen + blen;
  uint8_t stack[RAW_HDR + 64 + RAW_TRAILER];
  uint8_t *f = len <= 64 ? stack : malloc(RAW_HDR + len + RAW_TRAILER);
  if (!f) return;
  f[0] = RAW_SOF;
  f[1] = type;
  f[2] = (uint8_t)len;
  f[3] = (uint8_t)(len >> 8);
  f[4] = header_check(type, f[2], f[3]);
  if (alen) memcpy(f + RAW_HDR, a, alen);
  if (blen) memcpy(f + RAW_HDR + alen, b, blen);
  put_le32(f + RAW_HDR + len, kjs_crc32(f + 1, RAW_HDR - 1 + len));
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
  snprintf(info, sizeof info, "k230js %s; board %s; platform %s; QuickJS-ng %s", s->cfg.version,
           hal_system_board(), hal_system_platform(), JS_GetVersion());
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

void kjs_raw_enter(kjs_session *s) {
  raw_state *r = &s->raw;
  kjs_raw_reset(s);
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
  if (r->have > 0 && hal_clock_us() - r->last_byte_us > (uint64_t)RAW_STALL_MS * 1000u) r->have = 0;
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
  if (need > r->src_cap) {
    size_t cap = r->src_cap ? r->src_cap : 65536;
    while (cap < need) cap *= 2;
    uint8_t *p = realloc(r->src, cap);
    if (!p) return -12;
    r->src = p;
    r->src_cap = cap;
  }
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
  int status = src ? kjs_session_exec(s, name, src, n, r->exec_flags & 1) : 1;
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

static void dispatch(kjs_session *s, uint8_t type, const uint8_t *p, size_t len, bool crc_ok) {
  raw_state *r = &s->raw;
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
    case 's': case 'l': case 'r': case 'm': case 'u': case 'n':
      abandon(s);
      kjs_fs_op(s, type, p, len);
      break;
    default: kjs_raw_reply_err(s, -95, "unknown frame type"); break;
  }
}

size_t kjs_raw_feed(kjs_session *s, const uint8_t *p, size_t n) {
  raw_state *r = &s->raw;
  size_t i = 0;
  if (!r->frame) {
    r->frame = malloc(RAW_HDR + RAW_MAX_PAYLOAD + RAW_TRAILER);
    if (!r->frame) return n;
  }
  while (i < n) {
    if (r->have == 0) {
      uint8_t c = p[i++];
      if (c == RAW_SOF) {
        r->frame[0] = c;
        r->have = 1;
        r->need = RAW_HDR;
        r->last_byte_us = hal_clock_us();
      } else if (c == 0x01) {
        abandon_for(s, "a resynchronisation (0x01; another client on this link?)");
        send_hello(s);
      } else if (c == 0x02) {
        kjs_session_leave_raw(s);
        return i;
      }
      continue; /* anything else between frames (echoes, a stray Ctrl-C) is ignored */
    }
    size_t take = r->need - r->have < n - i ? r->need - r->have : n - i;
    memcpy(r->frame + r->have, p + i, take);
    r->have += take;
    i += take;
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
    return i; /* dispatch may have run JS and moved the input buffer */
  }
  return i;
}
