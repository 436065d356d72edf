/* The REPL line editor (kjs/lineedit.h). */
#include "kjs/lineedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static void out(kjs_line *l, const char *s, size_t n) { l->out(l->user, s, n); }
static void outs(kjs_line *l, const char *s) { out(l, s, strlen(s)); }

void kjs_line_init(kjs_line *l, kjs_line_out_fn *fn, void *user) {
  memset(l, 0, sizeof *l);
  l->out = fn;
  l->user = user;
}

void kjs_line_free(kjs_line *l) {
  for (int i = 0; i < l->nhistory; i++) free(l->history[i]);
  free(l->saved);
  l->nhistory = 0;
  l->saved = NULL;
}

void kjs_line_redraw(kjs_line *l) {
  char tail[32];
  outs(l, "\r");
  outs(l, l->prompt);
  out(l, l->buf, l->len);
  outs(l, "\x1b[K");
  if (l->cursor < l->len) {
    snprintf(tail, sizeof tail, "\x1b[%zuD", l->len - l->cursor);
    outs(l, tail);
  }
}

void kjs_line_start(kjs_line *l, const char *prompt) {
  snprintf(l->prompt, sizeof l->prompt, "%s", prompt);
  l->len = l->cursor = 0;
  l->buf[0] = 0;
  l->esc = ESC_NONE;
  l->hist_pos = l->nhistory;
  free(l->saved);
  l->saved = NULL;
  outs(l, l->prompt);
}

const char *kjs_line_text(const kjs_line *l, size_t *len) {
  if (len) *len = l->len;
  return l->buf;
}

size_t kjs_line_cursor(const kjs_line *l) { return l->cursor; }

static void set_text(kjs_line *l, const char *s) {
  size_t n = strlen(s);
  if (n > KJS_LINE_MAX) n = KJS_LINE_MAX;
  memcpy(l->buf, s, n);
  l->buf[n] = 0;
  l->len = l->cursor = n;
}

void kjs_line_insert(kjs_line *l, const char *s, size_t n) {
  if (l->len + n > KJS_LINE_MAX) n = KJS_LINE_MAX - l->len;
  memmove(l->buf + l->cursor + n, l->buf + l->cursor, l->len - l->cursor + 1);
  memcpy(l->buf + l->cursor, s, n);
  l->len += n;
  l->cursor += n;
  if (l->cursor == l->len) {
    out(l, s, n); /* typing at the end: plain echo, as a terminal expects */
  } else {
    kjs_line_redraw(l);
  }
}

static void delete_range(kjs_line *l, size_t from, size_t to) {
  if (to <= from) return;
  memmove(l->buf + from, l->buf + to, l->len - to + 1);
  l->len -= to - from;
  l->cursor = from;
  kjs_line_redraw(l);
}

void kjs_line_history_add(kjs_line *l, const char *s, size_t n) {
  if (n == 0) return;
  if (l->nhistory > 0) {
    const char *last = l->history[l->nhistory - 1];
    if (strlen(last) == n && memcmp(last, s, n) == 0) return;
  }
  char *copy = malloc(n + 1);
  if (!copy) return;
  memcpy(copy, s, n);
  copy[n] = 0;
  if (l->nhistory == KJS_LINE_HISTORY) {
    free(l->history[0]);
    memmove(l->history, l->history + 1, (KJS_LINE_HISTORY - 1) * sizeof l->history[0]);
    l->nhistory--;
  }
  l->history[l->nhistory++] = copy;
  l->hist_pos = l->nhistory;
}

static void history_move(kjs_line *l, int dir) {
  int pos = l->hist_pos + dir;
  if (pos < 0 || pos > l->nhistory) return;
  if (l->hist_pos == l->nhistory) {
    free(l->saved);
    l->saved = strdup(l->buf);
  }
  l->hist_pos = pos;
  set_text(l, pos == l->nhistory ? (l->saved ? l->saved : "") : l->history[pos]);
  kjs_line_redraw(l);
}

static void move_to(kjs_line *l, size_t pos) {
  if (pos == l->cursor) return;
  char seq[32];
  if (pos < l->cursor) snprintf(seq, sizeof seq, "\x1b[%zuD", l->cursor - pos);
  else snprintf(seq, sizeof seq, "\x1b[%zuC", pos - l->cursor);
  l->cursor = pos;
  outs(l, seq);
}

static size_t word_start(const kjs_line *l) {
  size_t i = l->cursor;
  while (i > 0 && l->buf[i - 1] == ' ') i--;
  while (i > 0 && l->buf[i - 1] != ' ') i--;
  return i;
}

/* Final byte of "ESC [ <arg> <final>" or "ESC O <final>". */
static void escape_done(kjs_line *l, char final) {
  l->esc_arg[l->esc_len] = 0;
  switch (final) {
    case 'A': history_move(l, -1); break;
    case 'B': history_move(l, +1); break;
    case 'C':
      if (l->cursor < l->len) move_to(l, l->cursor + 1);
      break;
    case 'D':
      if (l->cursor > 0) move_to(l, l->cursor - 1);
      break;
    case 'H': move_to(l, 0); break;
    case 'F': move_to(l, l->len); break;
    case '~': {
      int n = atoi(l->esc_arg);
      if (n == 1 || n == 7) move_to(l, 0);
      else if (n == 4 || n == 8) move_to(l, l->len);
      else if (n == 3 && l->cursor < l->len) delete_range(l, l->cursor, l->cursor + 1);
      break;
    }
    default: break;
  }
}

int kjs_line_feed(kjs_line *l, unsigned char c) {
  if (l->esc == ESC_START) {
    l->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
    l->esc_len = 0;
    return KJS_LINE_NONE;
  }
  if (l->esc == ESC_CSI || l->esc == ESC_SS3) {
    if ((c >= '0' && c <= '9') || c == ';') {
      if (l->esc_len < sizeof l->esc_arg - 1) l->esc_arg[l->esc_len++] = (char)c;
      return KJS_LINE_NONE;
    }
    l->esc = ESC_NONE;
    escape_done(l, (char)c);
    return KJS_LINE_NONE;
  }
  bool was_cr = l->last_cr;
  l->last_cr = c == '\r';
  switch (c) {
    case '\r': outs(l, "\n"); return KJS_LINE_DONE;
    case '\n':
      if (was_cr) return KJS_LINE_NONE;
      outs(l, "\n");
      return KJS_LINE_DONE;
    case 0x1b: l->esc = ESC_START; return KJS_LINE_NONE;
    case 0x01: /* Ctrl-A */
      if (l->len == 0) return KJS_LINE_RAW;
      move_to(l, 0);
      return KJS_LINE_NONE;
    case 0x02: /* Ctrl-B */
      if (l->len == 0) return KJS_LINE_FRIENDLY;
      if (l->cursor > 0) move_to(l, l->cursor - 1);
      return KJS_LINE_NONE;
    case 0x03: /* Ctrl-C */
      outs(l, "^C\n");
      l->len = l->cursor = 0;
      l->buf[0] = 0;
      return KJS_LINE_INTR;
    case 0x04: /* Ctrl-D */
      if (l->len == 0) return KJS_LINE_EOF;
      if (l->cursor < l->len) delete_range(l, l->cursor, l->cursor + 1);
      return KJS_LINE_NONE;
    case 0x05: move_to(l, l->len); return KJS_LINE_NONE; /* Ctrl-E */
    case 0x06:
      if (l->cursor < l->len) move_to(l, l->cursor + 1);
      return KJS_LINE_NONE; /* Ctrl-F */
    case 0x08:
    case 0x7f: /* Backspace */
      if (l->cursor > 0) delete_range(l, l->cursor - 1, l->cursor);
      return KJS_LINE_NONE;
    case 0x09: return KJS_LINE_TAB;
    case 0x0b: /* Ctrl-K */
      l->len = l->cursor;
      l->buf[l->len] = 0;
      outs(l, "\x1b[K");
      return KJS_LINE_NONE;
    case 0x0c:
      outs(l, "\x1b[H\x1b[2J");
      kjs_line_redraw(l);
      return KJS_LINE_NONE;                                                     /* Ctrl-L */
    case 0x0e: history_move(l, +1); return KJS_LINE_NONE;                       /* Ctrl-N */
    case 0x10: history_move(l, -1); return KJS_LINE_NONE;                       /* Ctrl-P */
    case 0x15: delete_range(l, 0, l->cursor); return KJS_LINE_NONE;             /* Ctrl-U */
    case 0x17: delete_range(l, word_start(l), l->cursor); return KJS_LINE_NONE; /* Ctrl-W */
    default:
      if (c >= 0x20) {
        char ch = (char)c;
        kjs_line_insert(l, &ch, 1);
      }
      return KJS_LINE_NONE;
  }
}
