/* Internal to the REPL: the session shared by repl.c (friendly mode, driver, boot), repl_raw.c
 * (the tool protocol), repl_fs.c (confined file operations), repl_preview.c (the display on the
 * link) and repl_mount.c (a host directory on the link). */
#ifndef KJS_REPL_INTERNAL_H
#define KJS_REPL_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "hal/vb.h"
#include "kjs/lineedit.h"
#include "kjs/loop.h"
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
#define RAW_WINDOW 65536 /* bytes of DATA the host may have unacknowledged */
#define RAW_STALL_MS 500 /* a frame whose bytes stop arriving for this long is dropped */
#define RAW_LAST_MAX 512 /* the last reply kept for SYNC ('p'); replies are small */

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
  int xfer; /* XFER_* */
  uint64_t xfer_off, xfer_size;
  bool nak_sent;
  FILE *wf; /* file write: the temporary file */
  char wtmp[4096], wdst[4096];
  kjs_sha256 wsha;
  uint8_t *src; /* exec: the source received so far */
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
  /* Code is running (exec): frames of the live types are taken out of the input as they arrive
   * (kjs_raw_live_scan); the rest waits, in order, until the code ends. */
  bool in_exec;
#ifdef K230JS_TEST_HOOKS /* test builds only (CMake option K230JS_TEST_HOOKS) */
  /* environment K230JS_RAW_FAULTS */
  int fault_corrupt_read; /* corrupt the Nth DATA frame sent by a read (1-based), once */
  int read_frames;
#endif
} raw_state;

/* The display preview on the link (repl_preview.c, docs/protocol.md "Display preview"). */
typedef struct preview_state {
  int policy;            /* KJS_PREVIEW_* of the runtime's settings */
  bool on;               /* the host asked for frames and has not stopped them */
  uint32_t fps;          /* frames per second asked for */
  uint32_t rate;         /* the link's bytes/s as the host knows it; 0 = unknown */
  uint32_t base_quality; /* JPEG quality asked for; `quality` adapts below it to the rate */
  uint32_t quality;
  hal_handle disp; /* the display the app brought up, and whether it asked for the IDE */
  bool to_ide;
  hal_handle venc; /* the JPEG encoder channel while previewing, its size and quality */
  uint32_t vw, vh, vq;
  kjs_loop *loop;          /* the VM's loop: the ticker and the encoder's wake-ups run on it */
  uint64_t timer, next_us; /* the ticker, and when its next tick is due */
  uint32_t owed;           /* pictures ticks asked for that have not been taken yet (<= 2) */
  uint32_t ticks;
  bool encoding;       /* a picture is in the encoder */
  uint64_t encode_us;  /* when it went in */
  uint32_t seq, acked; /* the last frame sent, the last the host acknowledged */
  uint64_t sent_us;
  int timeouts;             /* frames in a row the host did not acknowledge */
  uint32_t shown_seq;       /* the screen's frame number of the last picture encoded */
  uint64_t quality_us;      /* when the quality last changed */
  uint32_t frames, dropped; /* pictures sent; pictures skipped (the link or the encoder busy) */
  uint32_t width, height;
  int state; /* last state reported to the host ('Y') */
  char why[160];
} preview_state;

/* A host directory on the link (repl_mount.c, docs/protocol.md "Mount"). */
typedef struct mount_state {
  char point[64]; /* board path the host directory appears at ("/remote"); "" = none */
  uint32_t next_id;
  /* the request waiting for its reply ('g') */
  uint32_t id;
  uint64_t off; /* file offset of buf[0] */
  uint8_t *buf;
  size_t want, got;
  uint64_t size; /* the file's size as the host reported it */
  int code;      /* 0, or the host's negative errno with `msg` */
  bool done;
  char msg[200];
} mount_state;

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
  bool at_prompt; /* the editor's line is on screen */
  bool redraw;    /* output overwrote the prompt line */
  JSValue helper; /* repl.js: { complete, note, rewrite } */
  raw_state raw;
  preview_state preview;
  mount_state mount;
} kjs_session;

/* Console writer used in raw mode: frames stdout/stderr. */
void kjs_raw_console_write(kjs_session *s, int stream, const char *buf, size_t len);
/* Enters raw mode (prints the notice and a HELLO frame). */
void kjs_raw_enter(kjs_session *s);
/* Parses the session's input in raw mode from s->in.pos, consuming it; returns after each frame
 * it handled (which may have run code, changed the mode or moved the buffer). */
void kjs_raw_feed(kjs_session *s);
/* Takes the frames of the live types (preview control 'v', mount data 'g') out of the input
 * wherever they are, ahead of the frames waiting behind running code, and handles them. */
void kjs_raw_live_scan(kjs_session *s);
/* Frames sent by the host while code may run hold no 0x03 byte (the device takes it as Ctrl-C
 * then): their payload is one salt byte, then the body with 0x03 and 0x10 escaped as 0x10,
 * b ^ 0x80 (and 0x10 0x00 as padding). Decodes in place; returns the body's length. */
size_t kjs_raw_unescape(uint8_t *p, size_t n);
/* Encodes a frame into f (RAW_HDR + alen + blen + RAW_TRAILER bytes); returns its length. */
size_t kjs_raw_frame(uint8_t *f, uint8_t type, const void *a, size_t alen, const void *b, size_t blen);
/* Drops a half-received frame that stalled (outside a transfer, what followed its start byte is
 * parsed again); called by the driver on a timeout. */
void kjs_raw_check_stall(kjs_session *s);
bool kjs_raw_partial(const kjs_session *s);
/* Abandons a transfer (the temporary file is removed) and frees protocol buffers. */
void kjs_raw_reset(kjs_session *s);

/* Session services used by the raw protocol. */
void kjs_session_soft_reset(kjs_session *s);
void kjs_session_leave_raw(kjs_session *s);
int kjs_session_exec(kjs_session *s, const char *name, const char *src, size_t len, bool module);
void kjs_session_write(kjs_session *s, const void *p, size_t n);
/* Moves what the link has brought into s->in (and, while code runs, takes the live frames out);
 * false when the link is gone. */
bool kjs_session_take_input(kjs_session *s);
/* Puts `n` bytes back in front of the input not yet parsed (a stalled frame's, to parse again). */
void kjs_session_unread(kjs_session *s, const uint8_t *p, size_t n);

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

/* The display preview (repl_preview.c). */
void kjs_preview_attach(kjs_session *s); /* a VM (its loop) exists */
void kjs_preview_detach(kjs_session *s); /* before the VM goes: encoder closed, ticker off */
void kjs_preview_control(kjs_session *s, const uint8_t *p, size_t len); /* a 'v' body */
void kjs_preview_stop(kjs_session *s, const char *why);                 /* the session ends or leaves raw mode */

/* The mount (repl_mount.c). */
void kjs_mount_request(kjs_session *s, const uint8_t *p, size_t len); /* 'k': replies itself */
void kjs_mount_reply(kjs_session *s, const uint8_t *p, size_t len);   /* a 'g' body */
void kjs_mount_drop(kjs_session *s);                                  /* unmount */

/* The one session of the process (NULL when none runs): the preview and the mount serve
 * k230:media and the module loader through it. */
extern kjs_session *kjs_the_session;

#endif
