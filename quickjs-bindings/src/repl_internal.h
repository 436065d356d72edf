/* Internal to the REPL: the session shared by repl.c (friendly mode, driver, boot), repl_raw.c
 * (the tool protocol) and repl_fs.c (confined file operations). */
#ifndef KJS_REPL_INTERNAL_H
#define KJS_REPL_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "kjs/lineedit.h"
#include "kjs/repl.h"
#include "kjs/sha256.h"

enum { MODE_FRIENDLY, MODE_RAW };

/* Raw protocol framing (docs/protocol.md). */
#define RAW_VERSION 1
#define RAW_SOF 0xA5
#define RAW_HDR 5
#define RAW_TRAILER 4
#define RAW_MAX_PAYLOAD 16400 /* a 16 KiB data chunk + its 8-byte offset, with room to spare */
#define RAW_CHUNK 16384
#define RAW_WINDOW 65536      /* bytes of DATA the host may have unacknowledged */
#define RAW_STALL_MS 500      /* a frame whose bytes stop arriving for this long is dropped */
#define RAW_LAST_MAX 512      /* the last reply kept for SYNC ('p'); replies are small */

enum { XFER_NONE, XFER_EXEC, XFER_WRITE };

typedef struct inbuf {
  uint8_t *p;
  size_t len, cap, pos;
} inbuf;

/* Raw protocol receive state. */
typedef struct raw_state {
  uint8_t *frame; /* header + payload + crc being assembled */
  size_t have, need;
  uint64_t last_byte_us;
  /* A transfer into the device (exec source or file write) in progress. */
  int xfer;       /* XFER_* */
  uint64_t xfer_off, xfer_size;
  bool nak_sent;
  FILE *wf;       /* file write: the temporary file */
  char wtmp[4096], wdst[4096];
  kjs_sha256 wsha;
  uint8_t *src;   /* exec: the source received so far */
  size_t src_cap;
  int exec_flags;
  char exec_name[128];
  /* SYNC ('p'): the request being handled, and the last 'R' or 'X' frame sent with the request
   * it answered, so a host that saw a reply damaged on the link can have it again. */
  uint8_t cur_req;
  uint8_t last_req, last_type;
  uint16_t last_len;
  uint8_t last[RAW_LAST_MAX];
  const char *abandoned; /* why the last transfer ended without its END (for the END's reply) */
#ifdef K230JS_TEST_HOOKS /* test builds only (CMake option K230JS_TEST_HOOKS) */
  /* environment K230JS_RAW_FAULTS */
  int fault_corrupt_read; /* corrupt the Nth DATA frame sent by a read (1-based), once */
  int read_frames;
#endif
} raw_state;

typedef struct kjs_session {
  kjs_repl_config cfg;
  kjs_uart *u;
  kjs_vm *vm;
  int mode;
  inbuf in;
  bool eof;
  bool reset_requested;
  int last_status;
  /* friendly mode */
  kjs_line line;
  char *pending; /* lines of an incomplete statement */
  size_t pending_len;
  bool at_prompt;      /* the editor's line is on screen */
  bool redraw;         /* output overwrote the prompt line */
  JSValue helper;      /* repl.js: { complete, note } */
  raw_state raw;
} kjs_session;

/* Console writer used in raw mode: frames stdout/stderr. */
void kjs_raw_console_write(kjs_session *s, int stream, const char *buf, size_t len);
/* Enters raw mode (prints the notice and a HELLO frame). */
void kjs_raw_enter(kjs_session *s);
/* Feeds input bytes in raw mode; returns how many were consumed (stops early when the mode
 * changes). */
size_t kjs_raw_feed(kjs_session *s, const uint8_t *p, size_t n);
/* Drops a half-received frame that stalled; called by the driver on a timeout. */
void kjs_raw_check_stall(kjs_session *s);
bool kjs_raw_partial(const kjs_session *s);
/* Abandons a transfer (the temporary file is removed) and frees protocol buffers. */
void kjs_raw_reset(kjs_session *s);

/* Session services used by the raw protocol. */
void kjs_session_soft_reset(kjs_session *s);
void kjs_session_leave_raw(kjs_session *s);
int kjs_session_exec(kjs_session *s, const char *name, const char *src, size_t len, bool module);
void kjs_session_write(kjs_session *s, const void *p, size_t n);

/* Frame output (repl_raw.c). A reply is 'R' + i32 code (0 or -errno) + data or a message. */
void kjs_raw_send(kjs_session *s, uint8_t type, const void *a, size_t alen, const void *b, size_t blen);
void kjs_raw_reply_ok(kjs_session *s, const void *data, size_t len);
void kjs_raw_reply_err(kjs_session *s, int neg_errno, const char *msg);
void put_le32(uint8_t *p, uint32_t v);
void put_le64(uint8_t *p, uint64_t v);
uint32_t get_le32(const uint8_t *p);
uint64_t get_le64(const uint8_t *p);

/* Confined file operations (repl_fs.c). kjs_fs_resolve returns 0 or a negative errno. */
int kjs_fs_resolve(kjs_vm *vm, const char *path, char *out, size_t size);
/* Handles STAT, LIST, READ, MKDIR, REMOVE, RENAME frames; replies itself. */
void kjs_fs_op(kjs_session *s, uint8_t type, const uint8_t *p, size_t len);
/* WRITE: begin (replies), one DATA chunk at the expected offset (0 or -errno), end (replies). */
void kjs_fs_write_begin(kjs_session *s, const uint8_t *p, size_t len);
int kjs_fs_write_chunk(kjs_session *s, const uint8_t *data, size_t len);
void kjs_fs_write_end(kjs_session *s, const uint8_t *p, size_t len);
void kjs_fs_write_abort(kjs_session *s);

#endif
