/*
 * kjs/repl.h — a console session over a UART: the friendly REPL, the raw protocol for tools
 * (docs/protocol.md), soft reset and the boot flow.
 *
 *   kjs_repl_config cfg = KJS_REPL_CONFIG_DEFAULT;
 *   cfg.vm = vm_cfg; cfg.uart = u; cfg.boot = true;
 *   int status = kjs_repl_run(&cfg);      // returns when the link closes (EOF on the UART)
 *
 * The session owns its VM: it creates it with kjs_vm_new(&cfg.vm), and a soft reset (Ctrl-D on an
 * empty line, or the raw protocol's RESET) frees it and creates a new one, then runs boot.js
 * again when `boot` is set. While the session runs, console output goes to the UART
 * (kjs_console_set_writer); it is restored to stdio on return.
 *
 * On the link in raw mode the session also serves the display preview (kjs/preview.h) and a
 * host directory mounted into the board's name space (kjs/mount.h).
 *
 * Boot flow (`boot`): unless the marker file /sdcard/.safe-mode exists or Ctrl-C arrives within
 * `boot_window_ms`, run /sdcard/boot.js, then /sdcard/main.js (or /sdcard/main.bin). While
 * main runs, /sdcard/.k230js-running exists; if it is found at boot (main crashed the board or was
 * killed), main is skipped once and the marker removed, so a crashing app cannot loop.
 */
#ifndef KJS_REPL_H
#define KJS_REPL_H

#include <stdbool.h>

#include "kjs/uart.h"
#include "kjs/vm.h"

/* Which displays the preview on the link shows (docs/protocol.md "Display preview"). */
enum {
  KJS_PREVIEW_TOIDE = 0, /* a display brought up with Display.init({ toIde: true }) (default) */
  KJS_PREVIEW_ALL = 1,   /* any display */
  KJS_PREVIEW_OFF = 2    /* none: the host's requests are answered "off" */
};

/* "toide", "all" or "off" -> KJS_PREVIEW_*; -1 for anything else (the runtime's `preview`
 * setting: `--preview` on the host, `preview =` in the board's k230js.conf). */
int kjs_preview_policy_parse(const char *name);

typedef struct kjs_repl_config {
  kjs_vm_config vm;      /* every VM of the session is created from this */
  kjs_uart *uart;        /* borrowed */
  bool boot;             /* run the boot flow first */
  const char *app;       /* run this app (board path) first, then the REPL; NULL: none */
  const char *eval_code; /* or this module source */
  int boot_window_ms;    /* Ctrl-C within this many ms of start enters safe mode */
  const char *version;   /* for the banner */
  int preview;           /* KJS_PREVIEW_* */
} kjs_repl_config;

#define KJS_REPL_CONFIG_DEFAULT \
  { .vm = KJS_VM_CONFIG_DEFAULT, .boot_window_ms = 500, .version = "?" }

/* Runs until the UART reports EOF. Returns the status of the last app run (KJS_EXIT_*), or
 * KJS_EXIT_ERROR when no VM could be created. */
int kjs_repl_run(const kjs_repl_config *cfg);

/* Marker files of the boot flow (board paths). */
#define KJS_SAFE_MODE_MARKER "/sdcard/.safe-mode"
#define KJS_RUNNING_MARKER "/sdcard/.k230js-running"

#endif
