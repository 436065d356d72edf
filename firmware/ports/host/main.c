/*
 * k230js for Linux: the runtime with the simulator backend. Usage: `k230js --help`.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hal/vb.h"
#include "kjs/args.h"
#include "kjs/paths.h"
#include "kjs/repl.h"
#include "kjs/uart.h"
#include "kjs/vm.h"

#ifndef K230JS_VERSION
#define K230JS_VERSION "0.0.0-dev"
#endif

static kjs_vm *the_vm;
static volatile sig_atomic_t sigint_count;

static void on_sigint(int sig) {
  (void)sig;
  /* Third Ctrl-C: the app is stuck in native code that never reaches the loop. */
  if (++sigint_count >= 3) {
    static const char msg[] = "\nk230js: forced exit\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(KJS_EXIT_INTERRUPTED);
  }
  if (the_vm) kjs_vm_request_interrupt(the_vm);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: k230js [options] <app.js | app.bin> [args...]\n"
          "       k230js [options] -e <code>\n"
          "       k230js [options] [--uart stdio|pty] [--boot] [--repl [app.js]]\n"
          "\n"
          "Runs a k230js app (an ES module bundle or k230js bytecode) on the host simulator.\n"
          "Without an app (or with --repl, --boot or --uart) it serves the board's console: the\n"
          "REPL, and the raw protocol for tools (docs/protocol.md), on stdio or on a pty.\n"
          "\n"
          "options:\n"
          "  -e, --eval CODE         run CODE as a module instead of a file\n"
          "      --sdcard DIR        map /sdcard/... to DIR (the simulated SD card)\n"
          "      --data DIR          map /data/... to DIR\n"
          "      --memory-limit N    limit the JS heap to N bytes (suffix k, m or g)\n"
          "      --stack-size N      limit the JS stack to N bytes (suffix k or m; default 1m,\n"
          "                          at most 256m); the VM's thread gets N + 1m of stack\n"
          "      --uart stdio|pty    where the console is: this terminal (default) or a new pty,\n"
          "                          announced on stderr as 'k230js: uart on /dev/pts/N'\n"
          "      --repl              after the app ends, stay in the REPL\n"
          "      --boot              run /sdcard/boot.js then /sdcard/main.js (or main.bin) as the\n"
          "                          board does; Ctrl-C within 500 ms or /sdcard/.safe-mode skips them\n"
          "      --preview toide|all|off  which display `k230js preview` shows over the console:\n"
          "                          one brought up with toIde: true (default), any, or none\n"
          "  -V, --version           print versions and exit\n"
          "  -h, --help              print this help and exit\n"
          "\n"
          "Files named /sdcard/... are looked up in the --sdcard directory. A source map next to\n"
          "the app (app.js.map) makes stack traces name the TypeScript files.\n"
          "K230JS_SIM_SDCARD=fat gives the --sdcard and --data directories the board card's FAT\n"
          "semantics: rename never overwrites, no symlinks, case-insensitive names (default: posix).\n"
          "Ctrl-C interrupts running JavaScript (see exitpoint() in k230:sys); a third Ctrl-C\n"
          "forces the process to exit.\n"
          "\n"
          "exit status:\n"
          "  0    the app finished\n"
          "  1    uncaught exception, unhandled promise rejection or syntax error\n"
          "  2    bad command line\n"
          "  3    the app file is missing, unreadable, not JavaScript, or bytecode for another\n"
          "       engine version\n"
          "  130  interrupted by Ctrl-C\n"
          "  N    the code passed to exit(N) from k230:sys\n");
}

static void note_line(const char *line) { fprintf(stderr, "k230js: %s\n", line); }

/* The console session: REPL and raw protocol on stdio or a pty (kjs/repl.h). */
static int run_console(const kjs_vm_config *cfg, const char *uart_kind, bool boot, const char *eval_code,
                       const char *app, int preview) {
  /* As the board does at power-on: settle replacements a killed runtime left on the card. */
  const char *roots[] = {cfg->sdcard_dir, cfg->data_dir};
  for (int i = 0; i < 2; i++)
    if (roots[i]) kjs_path_recover(roots[i], cfg->sdcard_fat, note_line);
  kjs_uart *u;
  if (uart_kind && strcmp(uart_kind, "pty") == 0) {
    u = kjs_uart_open_pty();
    if (!u) {
      fprintf(stderr, "k230js: cannot create a pty: %s\n", strerror(errno));
      return KJS_EXIT_ERROR;
    }
    fprintf(stderr, "k230js: uart on %s\n", kjs_uart_path(u));
    fflush(stderr);
  } else {
    u = kjs_uart_open_fds(0, 1);
    if (!u) {
      fprintf(stderr, "k230js: cannot open the console: %s\n", strerror(errno));
      return KJS_EXIT_ERROR;
    }
  }
  /* SIGINT still interrupts (e.g. `kill -INT`); on the console, Ctrl-C arrives as a byte. */
  signal(SIGPIPE, SIG_IGN);
  kjs_repl_config rc = KJS_REPL_CONFIG_DEFAULT;
  rc.vm = *cfg;
  rc.uart = u;
  rc.boot = boot;
  rc.app = app;
  rc.eval_code = eval_code;
  rc.version = K230JS_VERSION;
  rc.preview = preview;
  int status = kjs_repl_run(&rc);
  kjs_uart_free(u);
  hal_reset_all(); /* the end of the run: the backend gives back what it set up (VB) */
  return status;
}

typedef struct run_args {
  const kjs_vm_config *cfg;
  const char *eval_code, *uart_kind, *app;
  bool boot, console;
  int preview; /* KJS_PREVIEW_* */
  int status;
} run_args;

/* Whether the main thread's stack may grow by `bytes` under its limit. What it holds already is
 * mostly the arguments and the environment, which Linux caps at a quarter of that limit (execve's
 * ARG_MAX), plus main()'s own frames. */
static bool main_stack_holds(size_t bytes) {
  enum { MAIN_FRAMES = 64 << 10 };
  struct rlimit rl;
  if (getrlimit(RLIMIT_STACK, &rl) != 0) return false;
  return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)bytes + rl.rlim_cur / 4 + MAIN_FRAMES;
}

/* Everything that runs JS, on the main thread or a thread of its own (main_stack_holds). */
static void *run_js(void *arg) {
  run_args *ra = arg;
  if (ra->console) {
    ra->status = run_console(ra->cfg, ra->uart_kind, ra->boot, ra->eval_code, ra->app, ra->preview);
    return NULL;
  }
  the_vm = kjs_vm_new(ra->cfg);
  if (!the_vm) {
    fprintf(stderr, "k230js: cannot create the JavaScript engine (out of memory)\n");
    return NULL;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_sigint;
  /* Restarted: on the main thread the VM's own blocking calls take the signal; the loop's poll()
   * still returns to check the interrupt. */
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  ra->status = ra->eval_code ? kjs_vm_run_source(the_vm, "<eval>", ra->eval_code, strlen(ra->eval_code))
                             : kjs_vm_run_file(the_vm, ra->app);
  kjs_vm *vm = the_vm;
  the_vm = NULL;
  kjs_vm_free(vm);
  /* The end of the run: whatever the finalizers did not close goes in the board's teardown
   * order, and the backend gives back what it set up itself (on the K230: kd_mpi_vb_exit). */
  hal_reset_all();
  return NULL;
}

int main(int argc, char **argv) {
  /* A fixed threshold: glibc's adaptive one rises after the first big free, after which media
   * buffers (frames, fragments, codec contexts) come from the heap and fragment it, so RSS
   * creeps up over hours and soft resets. Fixed, they are mapped and unmapped each time. */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  enum { OPT_SDCARD = 256, OPT_DATA, OPT_MEMORY_LIMIT, OPT_STACK_SIZE, OPT_UART, OPT_REPL, OPT_BOOT, OPT_PREVIEW };
  static const struct option longopts[] = {
      {"eval", required_argument, NULL, 'e'},
      {"sdcard", required_argument, NULL, OPT_SDCARD},
      {"data", required_argument, NULL, OPT_DATA},
      {"memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT},
      {"stack-size", required_argument, NULL, OPT_STACK_SIZE},
      {"uart", required_argument, NULL, OPT_UART},
      {"repl", no_argument, NULL, OPT_REPL},
      {"boot", no_argument, NULL, OPT_BOOT},
      {"preview", required_argument, NULL, OPT_PREVIEW},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
  const char *eval_code = NULL;
  const char *uart_kind = NULL;
  bool repl = false, boot = false;
  int preview = KJS_PREVIEW_TOIDE;
  int opt;
  /* "+" stops at the first non-option, so the app's own arguments pass through untouched. */
  while ((opt = getopt_long(argc, argv, "+e:Vh", longopts, NULL)) != -1) {
    switch (opt) {
      case 'e': eval_code = optarg; break;
      case OPT_SDCARD: cfg.sdcard_dir = optarg; break;
      case OPT_DATA: cfg.data_dir = optarg; break;
      case OPT_MEMORY_LIMIT:
        if (!kjs_parse_size(optarg, &cfg.memory_limit) || cfg.memory_limit < 65536) {
          fprintf(stderr, "k230js: --memory-limit: '%s' is not a size of at least 64k\n", optarg);
          return KJS_EXIT_USAGE;
        }
        break;
      case OPT_STACK_SIZE:
        if (!kjs_parse_size(optarg, &cfg.stack_size) || cfg.stack_size < 16384) {
          fprintf(stderr, "k230js: --stack-size: '%s' is not a size of at least 16k\n", optarg);
          return KJS_EXIT_USAGE;
        }
        if (cfg.stack_size > KJS_VM_STACK_MAX) {
          fprintf(stderr, "k230js: --stack-size: '%s' is above the maximum, 256m\n", optarg);
          return KJS_EXIT_USAGE;
        }
        break;
      case OPT_UART:
        if (strcmp(optarg, "stdio") != 0 && strcmp(optarg, "pty") != 0) {
          fprintf(stderr, "k230js: --uart: '%s' is neither stdio nor pty\n", optarg);
          return KJS_EXIT_USAGE;
        }
        uart_kind = optarg;
        break;
      case OPT_REPL: repl = true; break;
      case OPT_BOOT: boot = true; break;
      case OPT_PREVIEW:
        preview = kjs_preview_policy_parse(optarg);
        if (preview < 0) {
          fprintf(stderr, "k230js: --preview: '%s' is none of toide, all, off\n", optarg);
          return KJS_EXIT_USAGE;
        }
        break;
      case 'V': printf("k230js %s (QuickJS-ng %s, host simulator)\n", K230JS_VERSION, JS_GetVersion()); return 0;
      case 'h': usage(stdout); return 0;
      default: fprintf(stderr, "k230js: try 'k230js --help'\n"); return KJS_EXIT_USAGE;
    }
  }
  const char *fs = getenv("K230JS_SIM_SDCARD");
  if (fs && *fs && strcmp(fs, "fat") != 0 && strcmp(fs, "posix") != 0) {
    fprintf(stderr, "k230js: K230JS_SIM_SDCARD: '%s' is neither fat nor posix\n", fs);
    return KJS_EXIT_USAGE;
  }
  cfg.sdcard_fat = fs && strcmp(fs, "fat") == 0;
  bool have_app = eval_code || optind < argc;
  cfg.argc = argc - optind;
  cfg.argv = argv + optind;
  if (!have_app && !repl && !boot && !uart_kind && !isatty(0)) {
    fprintf(stderr, "k230js: no app given (try 'k230js --help')\n");
    return KJS_EXIT_USAGE;
  }
  run_args ra = {&cfg,      eval_code,
                 uart_kind, have_app && !eval_code ? argv[optind] : NULL,
                 boot,      !have_app || repl || boot || uart_kind,
                 preview,   KJS_EXIT_ERROR};
  /* JS recursion is bounded by --stack-size, on a stack sized to hold it: the main thread's when
   * its limit allows (a process of one thread skips what every system call costs in a threaded
   * one: glibc's cancellation bookkeeping around send() and write(), the kernel's reference count
   * on the file: ~4% of the RTSP server's profile at 1000 viewers), else a thread of its own. */
  size_t stack_bytes = cfg.stack_size + KJS_VM_STACK_MARGIN;
  int err = 0;
  if (main_stack_holds(stack_bytes)) run_js(&ra);
  else err = kjs_vm_thread_run(stack_bytes, run_js, &ra);
  if (err) {
    fprintf(stderr, "k230js: cannot start the VM thread with a %zu-byte stack: %s\n", stack_bytes, strerror(err));
    return KJS_EXIT_ERROR;
  }
  fflush(stdout);
  return ra.status;
}
