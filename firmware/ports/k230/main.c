/*
 * k230js on the board: an RT-Smart user program (static ELF, like CanMV's `micropython`).
 *
 *   /sdcard/k230js [-c CONF] [--console uart|usb|PATH] [--no-boot] [APP]
 *
 * Settings come from /sdcard/k230js.conf (config.h, docs/board.md). The VM runs on its own
 * pthread because the LWP main stack is only CONFIG_RTSMART_LWP_APP_STACK_SIZE (128 KiB by
 * default) and QuickJS's parser and GC recurse deeper than that. The console session
 * (kjs_repl_run: REPL, raw protocol, boot flow with safe mode and the crash marker) runs on the
 * console UART by default or on USB CDC. When a session ends (its link reports EOF, e.g. the USB
 * host closed the port) media is torn down in the strict order (hal_reset_all) and a fresh
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
#include "kjs/repl.h"
#include "kjs/uart.h"
#include "kjs/vm.h"

#ifndef K230JS_VERSION
#define K230JS_VERSION "0.0.0-dev"
#endif

#define CONF_PATH "/sdcard/k230js.conf"
#define USB_CDC_PATH "/dev/ttyGS0"

typedef struct run_args {
  k230js_conf conf;
  const char *app;
  int status;
} run_args;

static void warn_line(const char *line) { fprintf(stderr, "%s\n", line); }

/* The console link: stdin/stdout is the RT-Smart console (UART0, 115200 8N1 by default). */
static kjs_uart *open_console(const char *which, int *fd_out) {
  *fd_out = -1;
  if (!strcmp(which, "uart")) return kjs_uart_open_fds(0, 1);
  const char *path = !strcmp(which, "usb") ? USB_CDC_PATH : which;
  int fd = open(path, O_RDWR | O_NOCTTY);
  if (fd < 0) {
    fprintf(stderr, "k230js: cannot open console %s: %s\n", path, strerror(errno));
    return NULL;
  }
  kjs_uart *u = kjs_uart_open_fds(fd, fd);
  if (!u) {
    close(fd);
    return NULL;
  }
  *fd_out = fd;
  return u;
}

static void *vm_thread(void *arg) {
  run_args *ra = arg;
  const k230js_conf *c = &ra->conf;
  bool first = true;
  for (;;) {
    int fd;
    kjs_uart *u = open_console(c->console, &fd);
    if (!u && strcmp(c->console, "uart") != 0) {
      /* USB not enumerated yet (no host attached): fall back to the UART so the board stays
       * reachable, and try USB again next session. */
      u = open_console("uart", &fd);
    }
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

static void usage(void) {
  fprintf(stderr,
          "usage: k230js [-c CONF] [--console uart|usb|PATH] [--no-boot] [APP]\n"
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

  int err = kjs_vm_thread_run(ra.conf.vm_thread_stack, vm_thread, &ra);
  if (err) {
    fprintf(stderr, "k230js: cannot start the VM thread (%zu-byte stack): %s\n",
            ra.conf.vm_thread_stack, strerror(err));
    return KJS_EXIT_ERROR;
  }
  return ra.status;
}
