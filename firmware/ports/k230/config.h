/*
 * config.h — /sdcard/k230js.conf, the board runtime's settings (format in docs/board.md).
 *
 *   # comment
 *   heap_limit = 48m        JS heap limit (k/m/g suffix; 0 = unlimited). Default 32m.
 *   js_stack = 1m           QuickJS stack limit. Default 1m (must be < vm_thread_stack).
 *   vm_thread_stack = 4m    stack of the VM thread. Default 4m (min 256k).
 *   console = usb           usb (the USB CDC port, as the vendor's REPL: the device of the
 *                           firmware generation, k230js_console_devices) | uart (stdin/stdout:
 *                           the console UART, 115200 8N1, shared with the kernel's shell and
 *                           logs) | a device path. Default usb; when no such device opens, the
 *                           session runs on the UART instead.
 *   boot = 1                run boot.js/main.js at power-on. Default 1.
 *   boot_window_ms = 500    Ctrl-C within this window enters safe mode. Default 500.
 *   preview = toide         which display `k230js preview` shows (kjs/preview.h): toide (one
 *                           brought up with toIde: true), all, off. Default toide.
 *
 * Unknown keys and bad values are reported and ignored (the default stays).
 */
#ifndef K230JS_PORT_CONFIG_H
#define K230JS_PORT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct k230js_conf {
  size_t heap_limit;
  size_t js_stack;
  size_t vm_thread_stack;
  char console[64];
  bool boot;
  int boot_window_ms;
  int preview; /* KJS_PREVIEW_* */
} k230js_conf;

#define K230JS_CONF_DEFAULT \
  { \
    .heap_limit = 32u << 20, .js_stack = 1u << 20, .vm_thread_stack = 4u << 20, .console = "usb", .boot = true, \
    .boot_window_ms = 500, .preview = 0 /* KJS_PREVIEW_TOIDE */ \
  }

/* Reads `path` into *conf (which holds the defaults). Problems go to `warn` (one line each,
 * may be NULL). Returns 0, or -1 when the file cannot be opened (conf left untouched). */
int k230js_conf_load(const char *path, k230js_conf *conf, void (*warn)(const char *line));
/* Parses the text of a config file (for tests). */
void k230js_conf_parse(const char *text, k230js_conf *conf, void (*warn)(const char *line));

/* The devices to try, in order, for a `console` setting: "usb" gives the USB CDC device of each
 * firmware generation (newest first), a path gives itself, "uart" none (stdin/stdout). Returns
 * how many were written to out (at most max); the strings are static or borrowed from console. */
int k230js_console_devices(const char *console, const char **out, int max);

#endif
