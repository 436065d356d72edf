/*
 * k230js on the board: an RT-Smart user program (static ELF, like CanMV's `micropython`).
 *
 *   /sdcard/k230js [-c CONF] [--console usb|uart|PATH] [--no-boot] [APP]
 *
 * Settings come from /sdcard/k230js.conf (config.h, docs/board.md). The VM runs on its own
 * pthread because the LWP main stack is only CONFIG_RTSMART_LWP_APP_STACK_SIZE (128 KiB by
 * default) and QuickJS's parser and GC recurse deeper than that. The console session
 * (kjs_repl_run: REPL, raw protocol, boot flow with safe mode and the crash marker) runs on USB
 * CDC by default, as the vendor's REPL does: that link carries nothing else, while the console
 * UART is shared with the kernel's shell and the kernel's and MPP's log lines. When no USB CDC
 * device opens, a session runs on the UART (and the next one tries USB again). When a session
 * ends (its link reports EOF) media is torn down in the strict order (hal_reset_all) and a fresh
 * session with a fresh VM starts: the board never needs a reboot to recover.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hal/clock.h"
#include "hal/vb.h"
#include "kjs/paths.h"
#include "kjs/repl.h"
#include "kjs/uart.h"
#include "kjs/vm.h"

#ifndef K230JS_VERSION
#define K230JS_VERSION "0.0.0-dev"
#endif

#define CONF_PATH "/sdcard/k230js.conf"

typedef struct run_args {
  k230js_conf conf;
  const char *app;
  int status;
} run_args;

static void warn_line(const char *line) { fprintf(stderr, "%s\n", line); }

/* The console link: the first device of the setting that opens (config.h), else stdin/stdout,
 * the RT-Smart console UART (UART0, 115200 8N1 by default). */
static kjs_uart *open_console(const char *which, bool quiet, int *fd_out) {
  *fd_out = -1;
  const char *devices[4];
  int n = k230js_console_devices(which, devices, 4);
  for (int i = 0; i < n; i++) {
    int fd = open(devices[i], O_RDWR | O_NOCTTY);
    if (fd < 0) continue;
    kjs_uart *u = kjs_uart_open_fds(fd, fd);
    if (u) {
      *fd_out = fd;
      return u;
    }
    close(fd);
  }
  if (n > 0 && !quiet) fprintf(stderr, "k230js: no console device for '%s' opens; the REPL is on the UART\n", which);
  return kjs_uart_open_fds(0, 1);
}

static void *vm_thread(void *arg) {
  run_args *ra = arg;
  const k230js_conf *c = &ra->conf;
  bool first = true;
  for (;;) {
    int fd;
    /* Without the USB device the board stays reachable on the UART; the next session tries USB
     * again. */
    kjs_uart *u = open_console(c->console, !first, &fd);
    if (!u) {
      hal_sleep_us(1000000);
      continue;
    }
    kjs_repl_config rc = KJS_REPL_CONFIG_DEFAULT;
    rc.vm.memory_limit = c->heap_limit;
    rc.vm.stack_size = c->js_stack;
    rc.vm.sdcard_dir = NULL; /* board paths are real paths */
    rc.vm.data_dir = NULL;
    rc.uart = u;
    rc.boot = c->boot && first; /* boot.js/main.js at power-on; a new session gets a REPL */
    rc.boot_window_ms = c->boot_window_ms;
    rc.preview = c->preview;
    rc.app = first ? ra->app : NULL;
    rc.version = K230JS_VERSION;
    ra->status = kjs_repl_run(&rc);
    kjs_uart_free(u);
    if (fd >= 0) close(fd);
    /* Whatever the app left running (sensor streaming, encoder bound, display on) is released
     * in the K230 teardown order before the next session starts. */
    int n = hal_reset_all();
    if (n > 0) fprintf(stderr, "k230js: released %d media objects left by the app\n", n);
    first = false;
    /* A link that ends at once (no terminal attached) must not spin. */
    hal_sleep_us(200000);
  }
  return NULL;
}

static void note_line(const char *line) { fprintf(stderr, "k230js: %s\n", line); }

static void usage(void) {
  fprintf(stderr,
          "usage: k230js [-c CONF] [--console usb|uart|PATH] [--no-boot] [APP]\n"
          "  Runs the k230js console (REPL + raw protocol) and, at power-on, /sdcard/boot.js then\n"
          "  /sdcard/main.js (or main.bin). Settings: " CONF_PATH " (docs/board.md).\n");
}

int main(int argc, char **argv) {
  run_args ra = {.conf = K230JS_CONF_DEFAULT, .app = NULL};
  const char *conf_path = CONF_PATH;
  const char *console = NULL;
  bool no_boot = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-c") && i + 1 < argc) conf_path = argv[++i];
    else if (!strcmp(argv[i], "--console") && i + 1 < argc) console = argv[++i];
    else if (!strcmp(argv[i], "--no-boot")) no_boot = true;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (argv[i][0] == '-') {
      usage();
      return KJS_EXIT_USAGE;
    } else {
      ra.app = argv[i];
    }
  }
  k230js_conf_load(conf_path, &ra.conf, warn_line);
  if (console) snprintf(ra.conf.console, sizeof ra.conf.console, "%s", console);
  if (no_boot) ra.conf.boot = false;
  signal(SIGPIPE, SIG_IGN);
  /* The MPP libraries print their logs with stdio: whole lines, so that on the UART console
   * they fall between the raw protocol's frames or at worst whole inside one (docs/protocol.md). */
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* Replacements a power cut or a kill interrupted are settled before anything reads the card
   * (kjs/paths.h). */
  kjs_path_recover("/sdcard", false, note_line);
  kjs_path_recover("/data", false, note_line);

  int err = kjs_vm_thread_run(ra.conf.vm_thread_stack, vm_thread, &ra);
  if (err) {
    fprintf(stderr, "k230js: cannot start the VM thread (%zu-byte stack): %s\n", ra.conf.vm_thread_stack,
            strerror(err));
    return KJS_EXIT_ERROR;
  }
  return ra.status;
}
