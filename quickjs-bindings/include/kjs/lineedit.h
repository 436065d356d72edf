/*
 * kjs/lineedit.h — the REPL's line editor: a byte-at-a-time state machine over a VT100 terminal.
 *
 * Keys: printable bytes insert; Left/Right, Home/End (ESC [ H/F, ESC [ 1~/4~, ESC O H/F), Ctrl-A/E
 * move; Backspace (0x7f, 0x08), Delete (ESC [ 3~) and Ctrl-D on a non-empty line delete;
 * Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the word before the cursor;
 * Up/Down (and Ctrl-P/N) walk the history; Enter (CR or LF, CRLF counts once) finishes the line.
 * What the editor cannot decide itself is returned as an event (see KJS_LINE_*).
 *
 * The editor owns its buffers; output (echo, redraws) goes through the `out` callback given to
 * kjs_line_init. Single line display: the line is redrawn as "\r<prompt><text>\e[K" + cursor move.
 */
#ifndef KJS_LINEEDIT_H
#define KJS_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

enum {
  KJS_LINE_NONE = 0, /* keep feeding */
  KJS_LINE_DONE,     /* Enter: kjs_line_text() is the line (history not yet updated) */
  KJS_LINE_INTR,     /* Ctrl-C: the line was abandoned */
  KJS_LINE_EOF,      /* Ctrl-D on an empty line */
  KJS_LINE_RAW,      /* Ctrl-A on an empty line: the tool asks for raw mode */
  KJS_LINE_TAB,      /* Tab: complete kjs_line_text()[0..cursor) and call kjs_line_insert() */
  KJS_LINE_FRIENDLY  /* Ctrl-B on an empty line: reprint the banner */
};

#define KJS_LINE_MAX 4096
#define KJS_LINE_HISTORY 64

typedef void kjs_line_out_fn(void *user, const char *s, size_t n);

typedef struct kjs_line {
  kjs_line_out_fn *out;
  void *user;
  char prompt[32];
  char buf[KJS_LINE_MAX + 1];
  size_t len, cursor;
  int esc; /* escape-sequence parser state */
  char esc_arg[8];
  size_t esc_len;
  bool last_cr;                    /* swallow the LF of a CRLF */
  char *history[KJS_LINE_HISTORY]; /* oldest first, malloc'd */
  int nhistory;
  int hist_pos; /* == nhistory while editing a new line */
  char *saved;  /* the new line being typed while browsing history */
} kjs_line;

void kjs_line_init(kjs_line *l, kjs_line_out_fn *out, void *user);
/* Frees history. */
void kjs_line_free(kjs_line *l);
/* Starts a new line: clears the buffer and prints the prompt. */
void kjs_line_start(kjs_line *l, const char *prompt);
/* Feeds one input byte; returns a KJS_LINE_* event. */
int kjs_line_feed(kjs_line *l, unsigned char c);
/* The text (NUL-terminated, owned by the editor) and the cursor offset. */
const char *kjs_line_text(const kjs_line *l, size_t *len);
size_t kjs_line_cursor(const kjs_line *l);
/* Inserts text at the cursor and redraws (tab completion). */
void kjs_line_insert(kjs_line *l, const char *s, size_t n);
/* Redraws prompt and text (after other output overwrote the line). */
void kjs_line_redraw(kjs_line *l);
/* Adds an entry to the history (skips empty lines and repeats of the newest entry). */
void kjs_line_history_add(kjs_line *l, const char *s, size_t n);

#endif
