/* The console session (kjs/repl.h): driver loop, friendly REPL, soft reset and boot flow. The raw
 * protocol is in repl_raw.c, its services in repl_fs.c, repl_preview.c and repl_mount.c. */
#include "kjs/repl.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/grow.h"
#include "hal/clock.h"
#include "hal/system.h"
#include "kjs/console.h"
#include "kjs/errors.h"
#include "kjs/paths.h"
#include "repl_internal.h"

extern const unsigned char kjs_repl_js[];
extern const size_t kjs_repl_js_len;

kjs_session *kjs_the_session;

#define PROMPT "> "
#define PROMPT_MORE "... "

/* ---- output ---- */

void kjs_session_write(kjs_session *s, const void *p, size_t n) { kjs_uart_write(s->u, p, n); }

static void say(kjs_session *s, const char *text) { kjs_session_write(s, text, strlen(text)); }

static void line_out(void *user, const char *p, size_t n) {
  kjs_session *s = user;
  kjs_session_write(s, p, n);
}

static void console_write(void *user, int stream, const char *buf, size_t len) {
  kjs_session *s = user;
  if (s->mode == MODE_RAW) {
    kjs_raw_console_write(s, stream, buf, len);
    return;
  }
  if (s->at_prompt && !s->redraw) {
    /* Output from a timer while the user edits: clear the line, print, redraw afterwards. */
    say(s, "\r\x1b[K");
    s->redraw = true;
  }
  kjs_session_write(s, buf, len);
}

/* ---- input ---- */

/* Room for `n` more bytes after b->len; false when out of memory. */
static bool inbuf_reserve(inbuf *b, size_t n) {
  if (b->pos > 0 && b->pos == b->len) b->pos = b->len = 0;
  uint8_t *p = b->len + n >= b->len ? base_grow(b->p, &b->cap, b->len + n, 1, 16384) : NULL;
  if (p) b->p = p;
  return p != NULL;
}

void kjs_session_unread(kjs_session *s, const uint8_t *p, size_t n) {
  inbuf *b = &s->in;
  if (!inbuf_reserve(b, n)) return;
  memmove(b->p + b->pos + n, b->p + b->pos, b->len - b->pos);
  memcpy(b->p + b->pos, p, n);
  b->len += n;
}

bool kjs_session_take_input(kjs_session *s) {
  uint8_t tmp[8192];
  bool got = false;
  for (;;) {
    ssize_t n = kjs_uart_read(s->u, tmp, sizeof tmp);
    if (n == 0) break;
    if (n < 0) {
      s->eof = true;
      if (s->vm) kjs_loop_fd_unwatch(kjs_vm_loop(s->vm), kjs_uart_rx_fd(s->u));
      return false;
    }
    inbuf *b = &s->in;
    if (!inbuf_reserve(b, (size_t)n)) break; /* out of memory: the bytes stay in the pipe for later */
    memcpy(b->p + b->len, tmp, (size_t)n);
    b->len += (size_t)n;
    got = true;
  }
  if (got && s->raw.in_exec) kjs_raw_live_scan(s);
  return true;
}

static void on_rx(kjs_loop *loop, int fd, int revents, void *user) {
  (void)loop, (void)fd, (void)revents;
  kjs_session_take_input(user);
}

/* ---- the VM ---- */

static bool vm_create(kjs_session *s) {
  s->vm = kjs_vm_new(&s->cfg.vm);
  if (!s->vm) return false;
  JSContext *ctx = kjs_vm_context(s->vm);
  s->helper = JS_Eval(ctx, (const char *)kjs_repl_js, kjs_repl_js_len, "<k230js:repl>", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(s->helper)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    s->helper = JS_UNDEFINED;
  }
  kjs_uart_set_vm(s->u, s->vm);
  if (!s->eof) kjs_loop_fd_watch(kjs_vm_loop(s->vm), kjs_uart_rx_fd(s->u), POLLIN, KJS_FD_WEAK, on_rx, s);
  kjs_preview_attach(s);
  return true;
}

/* Returns how many media objects the app left were released (kjs_vm_free). */
static int vm_destroy(kjs_session *s) {
  if (!s->vm) return 0;
  kjs_preview_detach(s);
  kjs_uart_set_vm(s->u, NULL);
  JS_FreeValue(kjs_vm_context(s->vm), s->helper);
  s->helper = JS_UNDEFINED;
  kjs_loop_fd_unwatch(kjs_vm_loop(s->vm), kjs_uart_rx_fd(s->u));
  int released = kjs_vm_free(s->vm);
  s->vm = NULL;
  return released;
}

static bool board_file_exists(kjs_session *s, const char *path) {
  char host[PATH_MAX];
  return kjs_path_map(s->vm, path, host, sizeof host) == 0 && access(host, F_OK) == 0;
}

/* Runs an app file to completion (the app semantics of kjs_vm_run_file) and makes the VM usable
 * again afterwards. */
static int run_app(kjs_session *s, const char *path, const char *eval_code) {
  kjs_vm_take_interrupt(s->vm);
  int old = kjs_uart_set_intr(s->u, KJS_UART_INTR_EAT);
  int status =
      eval_code ? kjs_vm_run_source(s->vm, "<eval>", eval_code, strlen(eval_code)) : kjs_vm_run_file(s->vm, path);
  kjs_vm_resume(s->vm);
  kjs_vm_take_interrupt(s->vm);
  kjs_uart_set_intr(s->u, old);
  s->last_status = status;
  return status;
}

static void banner(kjs_session *s) {
  char mem[96] = "";
  const kjs_vm_config *c = &s->cfg.vm;
  int64_t rss = hal_system_rss_bytes();
  if (c->memory_limit) snprintf(mem, sizeof mem, "heap limit %.1f MiB", (double)c->memory_limit / 1048576.0);
  else snprintf(mem, sizeof mem, "heap unlimited");
  if (rss > 0) snprintf(mem + strlen(mem), sizeof mem - strlen(mem), ", RSS %.1f MiB", (double)rss / 1048576.0);
  char text[512];
  snprintf(text, sizeof text,
           "k230js %s on %s (%s), QuickJS-ng %s, %s\n"
           "Ctrl-C interrupt, Ctrl-D soft reset, Tab completes; Ctrl-A raw mode for tools\n",
           s->cfg.version, hal_system_board(), hal_system_platform(), JS_GetVersion(), mem);
  say(s, text);
}

void kjs_session_soft_reset(kjs_session *s) {
  kjs_raw_reset(s);
  /* Whatever media the app leaked (sensors running, links, encoder channels, VB blocks) goes with
   * the VM, in the board's teardown order, and k230:media forgets it (the display it had brought
   * up), so the next run starts clean. */
  int released = vm_destroy(s);
  if (released > 0) {
    char note[96];
    snprintf(note, sizeof note, "released %d media object%s\n", released, released == 1 ? "" : "s");
    say(s, note);
  }
  if (!vm_create(s)) {
    say(s, "k230js: cannot create the JavaScript engine (out of memory)\n");
    s->eof = true;
    return;
  }
  if (s->cfg.boot && board_file_exists(s, "/sdcard/boot.js")) run_app(s, "/sdcard/boot.js", NULL);
}

/* ---- boot flow ---- */

static void remove_board_file(kjs_session *s, const char *path) {
  char host[PATH_MAX];
  if (kjs_path_map(s->vm, path, host, sizeof host) == 0) unlink(host);
}

static void boot(kjs_session *s) {
  bool safe = board_file_exists(s, KJS_SAFE_MODE_MARKER);
  const char *why = "marker file " KJS_SAFE_MODE_MARKER;
  if (!safe && s->cfg.boot_window_ms > 0) {
    /* Ctrl-C in the first moments: the loop runs (so input arrives) until the window closes. */
    uint64_t end = hal_clock_us() + (uint64_t)s->cfg.boot_window_ms * 1000u;
    while (!safe && !s->eof) {
      for (size_t i = s->in.pos; i < s->in.len; i++)
        if (s->in.p[i] == 0x03) {
          safe = true;
          s->in.pos = i + 1;
          why = "Ctrl-C at boot";
        }
      uint64_t now = hal_clock_us();
      if (safe || now >= end) break;
      kjs_loop_run_once(kjs_vm_loop(s->vm), (int)((end - now + 999) / 1000));
    }
    kjs_vm_take_interrupt(s->vm);
  }
  if (safe) {
    char msg[160];
    snprintf(msg, sizeof msg, "safe mode (%s): boot.js and main.js skipped\n", why);
    say(s, msg);
    return;
  }
  if (board_file_exists(s, "/sdcard/boot.js")) run_app(s, "/sdcard/boot.js", NULL);
  const char *main = board_file_exists(s, "/sdcard/main.js")    ? "/sdcard/main.js"
                     : board_file_exists(s, "/sdcard/main.bin") ? "/sdcard/main.bin"
                                                                : NULL;
  if (!main) return;
  if (board_file_exists(s, KJS_RUNNING_MARKER)) {
    remove_board_file(s, KJS_RUNNING_MARKER);
    char msg[256];
    snprintf(msg, sizeof msg, "k230js: %s did not finish last boot (crash or power loss); not started this time\n",
             main);
    say(s, msg);
    return;
  }
  char host[PATH_MAX];
  if (kjs_path_map(s->vm, KJS_RUNNING_MARKER, host, sizeof host) == 0) {
    FILE *f = fopen(host, "w");
    if (f) { /* durable before main runs: fsync, which RT-Smart has (sync() it has not) */
      fprintf(f, "%s\n", main);
      fflush(f);
      fsync(fileno(f));
      fclose(f);
    }
  }
  run_app(s, main, NULL);
  remove_board_file(s, KJS_RUNNING_MARKER);
}

/* ---- friendly mode ---- */

static void prompt(kjs_session *s) {
  kjs_vm_take_interrupt(s->vm);
  kjs_uart_set_intr(s->u, KJS_UART_INTR_QUEUE);
  kjs_line_start(&s->line, s->pending_len ? PROMPT_MORE : PROMPT);
  s->at_prompt = true;
  s->redraw = false;
}

static bool is_interrupt_error(JSContext *ctx, JSValueConst exc) {
  if (JS_IsUncatchableError(exc)) return true;
  if (!JS_IsError(exc)) return false;
  JSValue name = JS_GetPropertyStr(ctx, exc, "name");
  const char *n = JS_ToCString(ctx, name);
  bool yes = n && strcmp(n, "InterruptError") == 0;
  JS_FreeCString(ctx, n);
  JS_FreeValue(ctx, name);
  return yes;
}

static void report(kjs_session *s, JSValueConst exc) {
  JSContext *ctx = kjs_vm_context(s->vm);
  if (kjs_vm_out_of_memory(s->vm)) return; /* said so in one line */
  if (is_interrupt_error(ctx, exc)) kjs_console_write(KJS_STDERR, "interrupted\n", 12);
  else kjs_error_report_console(s->vm, exc, "Uncaught ");
}

/* True when `src` fails to compile only because it ends too early (an open block, string,
 * template or argument list), so the REPL should read another line. */
static bool incomplete(kjs_session *s, const char *src, size_t len) {
  JSContext *ctx = kjs_vm_context(s->vm);
  JSValue f = JS_Eval(ctx, src, len, "<repl>", JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY | JS_EVAL_FLAG_ASYNC);
  if (!JS_IsException(f)) {
    JS_FreeValue(ctx, f);
    return false;
  }
  JSValue exc = JS_GetException(ctx);
  bool more = false;
  JSValue msg = JS_GetPropertyStr(ctx, exc, "message");
  JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
  const char *m = JS_ToCString(ctx, msg);
  const char *st = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
  size_t ticks = 0;
  for (size_t i = 0; i < len; i++) ticks += src[i] == '`';
  if (!m) {
  } else if (strstr(m, "unexpected end of comment") || (strstr(m, "unexpected end of string") && ticks % 2)) {
    more = true;
  } else if (strlen(m) >= 3 && strcmp(m + strlen(m) - 3, ": ''") == 0) {
    more = true; /* the offending token is the end of the input */
  } else if (st) {
    /* Other errors ("expecting field name", ...) mean "wait for more" only when reported at the
     * very end of the text. */
    const char *at = strstr(st, "<repl>:");
    int l = 0, c = 0;
    if (at && sscanf(at + 7, "%d:%d", &l, &c) == 2) {
      int lines = 1, col = 1;
      for (size_t i = 0; i < len; i++) {
        if (src[i] == '\n') {
          lines++;
          col = 1;
        } else {
          col++;
        }
      }
      more = l > lines || (l == lines && c >= col);
      if (!more && l == lines - 1 && len > 0 && src[len - 1] == '\n') {
        /* Position at the end of the last non-empty line. */
        size_t start = len - 1;
        while (start > 0 && src[start - 1] != '\n') start--;
        more = c > (int)(len - 1 - start);
      }
    }
  }
  JS_FreeCString(ctx, st);
  JS_FreeValue(ctx, stack);
  JS_FreeCString(ctx, m);
  JS_FreeValue(ctx, msg);
  JS_FreeValue(ctx, exc);
  return more;
}

static JSValue noop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)ctx, (void)this_val, (void)argc, (void)argv;
  return JS_UNDEFINED;
}

/* Evaluates script source as the REPL does (top-level await allowed) and waits for it. Returns
 * KJS_EXIT_OK, KJS_EXIT_ERROR or KJS_EXIT_INTERRUPTED; prints the value when `print`. */
static int eval_script(kjs_session *s, const char *name, const char *src, size_t len, bool print) {
  JSContext *ctx = kjs_vm_context(s->vm);
  int status = KJS_EXIT_OK;
  kjs_vm_take_interrupt(s->vm);
  int old = kjs_uart_set_intr(s->u, KJS_UART_INTR_EAT);
  JSValue p = JS_Eval(ctx, src, len, name, JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_ASYNC);
  if (JS_IsException(p)) {
    JSValue exc = JS_GetException(ctx);
    report(s, exc);
    status = is_interrupt_error(ctx, exc) ? KJS_EXIT_INTERRUPTED : KJS_EXIT_ERROR;
    JS_FreeValue(ctx, exc);
    goto done;
  }
  /* Mark the promise handled so the rejection tracker leaves the report to us. */
  JSValue catch_fn = JS_GetPropertyStr(ctx, p, "catch");
  JSValue handler = JS_NewCFunction(ctx, noop, "noop", 1);
  JSValue chained = JS_Call(ctx, catch_fn, p, 1, (JSValueConst *)&handler);
  JS_FreeValue(ctx, chained);
  JS_FreeValue(ctx, handler);
  JS_FreeValue(ctx, catch_fn);
  kjs_loop *loop = kjs_vm_loop(s->vm);
  kjs_vm_run_jobs(s->vm);
  while (JS_PromiseState(ctx, p) == JS_PROMISE_PENDING && !kjs_vm_stopping(s->vm)) {
    if (kjs_vm_interrupt_pending(s->vm)) {
      kjs_vm_take_interrupt(s->vm);
      kjs_console_write(KJS_STDERR, "interrupted\n", 12);
      status = KJS_EXIT_INTERRUPTED;
      break;
    }
    if (s->eof && !kjs_loop_alive(loop)) break; /* nothing can settle it any more */
    kjs_loop_run_once(loop, -1);
    kjs_vm_run_jobs(s->vm);
  }
  if (status == KJS_EXIT_OK && !kjs_vm_stopping(s->vm)) {
    JSPromiseStateEnum st = JS_PromiseState(ctx, p);
    JSValue r = JS_PromiseResult(ctx, p);
    if (st == JS_PROMISE_REJECTED) {
      report(s, r);
      status = is_interrupt_error(ctx, r) ? KJS_EXIT_INTERRUPTED : KJS_EXIT_ERROR;
    } else if (st == JS_PROMISE_FULFILLED && print) {
      JSValue v = JS_GetPropertyStr(ctx, r, "value");
      const char *text = kjs_inspect(ctx, v, 1);
      if (text) {
        size_t n = strlen(text);
        char *line = malloc(n + 1);
        if (line) {
          memcpy(line, text, n);
          line[n] = '\n';
          kjs_console_write(KJS_STDOUT, line, n + 1);
          free(line);
        }
        JS_FreeCString(ctx, text);
      } else {
        JS_FreeValue(ctx, JS_GetException(ctx));
      }
      JS_FreeValue(ctx, v);
    }
    JS_FreeValue(ctx, r);
  }
  JS_FreeValue(ctx, p);
done:
  if (kjs_vm_stopping(s->vm)) status = kjs_vm_resume(s->vm);
  kjs_vm_take_interrupt(s->vm);
  kjs_uart_set_intr(s->u, old);
  return status;
}

int kjs_session_exec(kjs_session *s, const char *name, const char *src, size_t len, bool module) {
  if (module) {
    kjs_vm_take_interrupt(s->vm);
    int old = kjs_uart_set_intr(s->u, KJS_UART_INTR_EAT);
    int status = kjs_vm_run_source(s->vm, name, src, len);
    kjs_vm_resume(s->vm);
    kjs_vm_take_interrupt(s->vm);
    kjs_uart_set_intr(s->u, old);
    return status;
  }
  return eval_script(s, name, src, len, false);
}

static void complete(kjs_session *s) {
  JSContext *ctx = kjs_vm_context(s->vm);
  if (JS_IsUndefined(s->helper)) return;
  size_t len;
  const char *text = kjs_line_text(&s->line, &len);
  JSValue fn = JS_GetPropertyStr(ctx, s->helper, "complete");
  JSValue arg = JS_NewStringLen(ctx, text, kjs_line_cursor(&s->line));
  JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 1, (JSValueConst *)&arg);
  JS_FreeValue(ctx, arg);
  JS_FreeValue(ctx, fn);
  if (JS_IsException(r)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    return;
  }
  JSValue ins = JS_GetPropertyStr(ctx, r, "insert");
  JSValue list = JS_GetPropertyStr(ctx, r, "list");
  size_t n = 0;
  const char *insert = JS_ToCStringLen(ctx, &n, ins);
  if (insert && n > 0) {
    kjs_line_insert(&s->line, insert, n);
  } else {
    int64_t count = 0;
    JS_GetLength(ctx, list, &count);
    if (count > 1) {
      say(s, "\n");
      for (int64_t i = 0; i < count && i < 200; i++) {
        JSValue item = JS_GetPropertyInt64(ctx, list, i);
        const char *name = JS_ToCString(ctx, item);
        if (name) {
          say(s, name);
          say(s, i + 1 < count ? "  " : "\n");
        }
        JS_FreeCString(ctx, name);
        JS_FreeValue(ctx, item);
      }
      if (count > 200) say(s, "...\n");
      kjs_line_redraw(&s->line);
    }
  }
  JS_FreeCString(ctx, insert);
  JS_FreeValue(ctx, ins);
  JS_FreeValue(ctx, list);
  JS_FreeValue(ctx, r);
}

static void note_declarations(kjs_session *s, const char *src, size_t len) {
  JSContext *ctx = kjs_vm_context(s->vm);
  if (JS_IsUndefined(s->helper)) return;
  JSValue fn = JS_GetPropertyStr(ctx, s->helper, "note");
  JSValue arg = JS_NewStringLen(ctx, src, len);
  JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 1, (JSValueConst *)&arg);
  if (JS_IsException(r)) JS_FreeValue(ctx, JS_GetException(ctx));
  JS_FreeValue(ctx, r);
  JS_FreeValue(ctx, arg);
  JS_FreeValue(ctx, fn);
}

/* Static `import` statements are not valid in a script: repl.js turns them into dynamic imports
 * (`import { a } from "k230:sys"` -> `var { a } = await import("k230:sys");`). Returns a malloc'd
 * copy of the source to evaluate, or NULL with *more set when an import statement is unfinished
 * (or with *more clear when out of memory). */
static char *rewrite_imports(kjs_session *s, const char *src, size_t len, size_t *out_len, bool *more) {
  JSContext *ctx = kjs_vm_context(s->vm);
  *more = false;
  const char *text = NULL;
  size_t n = len;
  JSValue r = JS_UNDEFINED;
  if (!JS_IsUndefined(s->helper)) {
    JSValue fn = JS_GetPropertyStr(ctx, s->helper, "rewrite");
    JSValue arg = JS_NewStringLen(ctx, src, len);
    r = JS_Call(ctx, fn, JS_UNDEFINED, 1, (JSValueConst *)&arg);
    JS_FreeValue(ctx, arg);
    JS_FreeValue(ctx, fn);
    if (JS_IsException(r)) JS_FreeValue(ctx, JS_GetException(ctx));
    else if (JS_IsNull(r)) *more = true;
    else if (JS_IsString(r)) text = JS_ToCStringLen(ctx, &n, r);
  }
  char *out = NULL;
  if (!*more) {
    if (!text) n = len;
    out = malloc(n + 1);
    if (out) {
      memcpy(out, text ? text : src, n);
      out[n] = 0;
      *out_len = n;
    }
  }
  JS_FreeCString(ctx, text);
  JS_FreeValue(ctx, r);
  return out;
}

static void line_done(kjs_session *s) {
  size_t len;
  const char *text = kjs_line_text(&s->line, &len);
  kjs_line_history_add(&s->line, text, len);
  char *p = realloc(s->pending, s->pending_len + len + 2);
  if (!p) return;
  s->pending = p;
  memcpy(p + s->pending_len, text, len);
  s->pending_len += len;
  p[s->pending_len++] = '\n';
  p[s->pending_len] = 0;
  s->at_prompt = false;
  bool blank = strspn(p, " \t\n") == s->pending_len;
  if (!blank) {
    bool more;
    size_t n = 0;
    char *src = rewrite_imports(s, p, s->pending_len, &n, &more);
    if (more || (src && incomplete(s, src, n))) {
      free(src);
      prompt(s);
      return;
    }
    if (src) {
      note_declarations(s, src, n);
      eval_script(s, "<repl>", src, n, true);
    }
    free(src);
  }
  s->pending_len = 0;
  if (!s->reset_requested && s->mode == MODE_FRIENDLY) prompt(s);
}

static void friendly_byte(kjs_session *s, uint8_t c) {
  switch (kjs_line_feed(&s->line, c)) {
    case KJS_LINE_DONE: line_done(s); break;
    case KJS_LINE_INTR:
      s->pending_len = 0;
      prompt(s);
      break;
    case KJS_LINE_EOF:
      s->at_prompt = false;
      s->pending_len = 0;
      say(s, "\nsoft reboot\n");
      kjs_session_soft_reset(s);
      if (s->eof) break;
      banner(s);
      prompt(s);
      break;
    case KJS_LINE_RAW:
      s->at_prompt = false;
      s->pending_len = 0;
      kjs_raw_enter(s);
      break;
    case KJS_LINE_FRIENDLY:
      say(s, "\n");
      banner(s);
      prompt(s);
      break;
    case KJS_LINE_TAB: complete(s); break;
    default: break;
  }
}

void kjs_session_leave_raw(kjs_session *s) {
  kjs_raw_reset(s);
  kjs_preview_stop(s, "the link left raw mode");
  kjs_mount_drop(s);
  s->mode = MODE_FRIENDLY;
  kjs_uart_set_crlf(s->u, true);
  say(s, "\n");
  banner(s);
  prompt(s);
}

static void process_input(kjs_session *s) {
  inbuf *b = &s->in;
  while (b->pos < b->len) {
    if (s->mode == MODE_FRIENDLY) {
      uint8_t c = b->p[b->pos++];
      friendly_byte(s, c);
    } else {
      /* The raw parser may run JS (exec), during which more input is appended (and b->p may
       * move), so it returns after each frame and is called again. */
      kjs_raw_feed(s);
    }
  }
  if (b->pos == b->len) b->pos = b->len = 0;
}

int kjs_repl_run(const kjs_repl_config *cfg) {
  kjs_session *s = calloc(1, sizeof *s);
  if (!s) return KJS_EXIT_ERROR;
  s->cfg = *cfg;
  s->u = cfg->uart;
  s->helper = JS_UNDEFINED;
  s->preview.policy = cfg->preview;
  kjs_the_session = s;
  kjs_line_init(&s->line, line_out, s);
  if (!vm_create(s)) {
    kjs_the_session = NULL;
    free(s);
    return KJS_EXIT_ERROR;
  }
  kjs_console_set_writer(console_write, s);
  if (cfg->boot) boot(s);
  if (cfg->app || cfg->eval_code) run_app(s, cfg->app, cfg->eval_code);
  if (!s->eof) {
    banner(s);
    prompt(s);
  }
  for (;;) {
    process_input(s);
    if (s->eof) break;
    kjs_loop_run_once(kjs_vm_loop(s->vm), kjs_raw_partial(s) ? 100 : -1);
    kjs_vm_run_jobs(s->vm);
    if (kjs_vm_stopping(s->vm)) kjs_vm_resume(s->vm);
    if (s->mode == MODE_RAW) kjs_raw_check_stall(s);
    if (s->redraw && s->at_prompt && s->mode == MODE_FRIENDLY) {
      kjs_line_redraw(&s->line);
      s->redraw = false;
    }
  }
  kjs_raw_reset(s);
  kjs_preview_stop(s, "the session ended");
  kjs_mount_drop(s);
  kjs_console_set_writer(NULL, NULL);
  vm_destroy(s);
  kjs_the_session = NULL;
  kjs_line_free(&s->line);
  free(s->pending);
  free(s->in.p);
  int status = s->last_status;
  free(s);
  return status;
}
