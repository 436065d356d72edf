/*
 * kjs/vm.h — one JavaScript VM: engine runtime + context, event loop, module registry, error
 * reporting and interruption. The host port and the board port both drive it the same way:
 *
 *   kjs_vm_config cfg = KJS_VM_CONFIG_DEFAULT;
 *   kjs_vm *vm = kjs_vm_new(&cfg);
 *   int status = kjs_vm_run_file(vm, "/sdcard/main.js");   // runs until the loop is empty
 *   kjs_vm_free(vm);
 *
 * Threading: everything here runs on the VM thread, except kjs_vm_request_interrupt(), which is
 * async-signal-safe and may be called from a signal handler or a UART reader thread.
 */
#ifndef KJS_VM_H
#define KJS_VM_H

#include <stdbool.h>
#include <stddef.h>

#include "kjs/loop.h"
#include "quickjs.h"

/* Process exit statuses (documented in docs/runtime.md and `k230js --help`). */
enum {
  KJS_EXIT_OK = 0,           /* the app finished */
  KJS_EXIT_ERROR = 1,        /* uncaught exception or unhandled promise rejection */
  KJS_EXIT_USAGE = 2,        /* bad command line */
  KJS_EXIT_LOAD = 3,         /* entry file missing, unreadable, not JS, or bytecode of another engine */
  KJS_EXIT_INTERRUPTED = 130 /* stopped by Ctrl-C / SIGINT */
};

/* os.exitpoint modes, as in CanMV (k230-platform.md §6.1). */
enum {
  KJS_EXITPOINT_DISABLE = 0,     /* an interrupt stops JS at the next check */
  KJS_EXITPOINT_ENABLE = 1,      /* deferred to exitpoint() and sleeps */
  KJS_EXITPOINT_ENABLE_SLEEP = 2 /* deferred to exitpoint() only */
};

typedef struct kjs_vm_config {
  size_t memory_limit;    /* JS heap limit in bytes; 0 = none */
  size_t stack_size;      /* JS stack limit in bytes; 0 = engine default */
  const char *sdcard_dir; /* host directory that "/sdcard" maps to; NULL = no mapping */
  const char *data_dir;   /* host directory that "/data" maps to; NULL = no mapping */
  bool sdcard_fat;        /* give the mapped directories the card's FAT semantics (kjs/paths.h) */
  int argc;               /* exposed to JS as scriptArgs (borrowed, must outlive the VM) */
  char **argv;
} kjs_vm_config;

#define KJS_VM_CONFIG_DEFAULT \
  { .memory_limit = 0, .stack_size = 1024 * 1024 }

/* JS recursion runs on the stack of the thread that made the VM, up to cfg.stack_size; the C
 * frames of the engine, the HAL and the codecs called from JS need room beyond that. A port runs
 * its VMs on a thread of its own made with kjs_vm_thread_run(), sized stack_size + this margin
 * (the process's main thread has whatever the system gave it; the host port runs its VM there
 * when the stack limit holds stack_size + this margin). */
#define KJS_VM_STACK_MARGIN (1u << 20)
/* The largest JS stack a port accepts (--stack-size, js_stack). */
#define KJS_VM_STACK_MAX (256u << 20)

/* Runs fn(arg) on a new thread with a `stack_bytes` stack and waits for it. Returns 0, or an
 * errno value when the thread cannot be made (the stack cannot be allocated). */
int kjs_vm_thread_run(size_t stack_bytes, void *(*fn)(void *), void *arg);

typedef struct kjs_vm kjs_vm;

/* Returns NULL when the engine cannot be created (out of memory). Several VMs may live in one
 * process (each on one thread at a time); each has its own media state (kjs/media.h). */
kjs_vm *kjs_vm_new(const kjs_vm_config *cfg);
/* Frees the VM and releases every native object its app left (a soft reset is this and a new
 * VM). Media the app left is released in the board's teardown order, and only this VM's: other
 * VMs' sensors, encoders and links keep working (kjs/media.h). Returns the number of media
 * objects that were released beyond what the objects' finalizers closed (a REPL reports them). */
int kjs_vm_free(kjs_vm *vm);

JSContext *kjs_vm_context(kjs_vm *vm);
kjs_loop *kjs_vm_loop(kjs_vm *vm);
kjs_vm *kjs_vm_from_context(JSContext *ctx);
const kjs_vm_config *kjs_vm_config_of(kjs_vm *vm);

/* Loads an ES module from source or k230js bytecode (told apart by content), evaluates it and
 * runs the event loop until nothing is left to do. Returns a KJS_EXIT_* status. A source map
 * found at `<path>.map` is used for stack traces. */
int kjs_vm_run_file(kjs_vm *vm, const char *path);
/* Same for module source held in memory; `name` is used in stack traces. */
int kjs_vm_run_source(kjs_vm *vm, const char *name, const char *src, size_t len);

/* Calls fn(this, argv) as a task: on exception the error is reported and the VM stops with
 * KJS_EXIT_ERROR (or KJS_EXIT_INTERRUPTED); pending promise jobs run afterwards. */
void kjs_vm_call(kjs_vm *vm, JSValueConst fn, JSValueConst this_val, int argc, JSValueConst *argv);
/* Runs pending promise jobs; reports unhandled rejections. */
void kjs_vm_run_jobs(kjs_vm *vm);

/* Asks the VM to stop after the current task with `status` (e.g. k230:sys exit()). */
void kjs_vm_stop(kjs_vm *vm, int status);
bool kjs_vm_stopping(kjs_vm *vm);
/* Clears a stop so the VM can run more code (the REPL after an error or exit()); returns the
 * status the VM had stopped with (KJS_EXIT_OK when it was not stopping). */
int kjs_vm_resume(kjs_vm *vm);

/* Whether an engine allocation failed (the memory limit, or the system) since the VM was made
 * or resumed. If so, the first call prints "k230js: out of memory (limit N)", stops the VM with
 * KJS_EXIT_ERROR and drops the pending exception; JS is stopped at the next interrupt check, so
 * nothing can catch the error and carry on. */
bool kjs_vm_out_of_memory(kjs_vm *vm);

/* Async-signal-safe: marks an interrupt pending (Ctrl-C) and wakes the loop. */
void kjs_vm_request_interrupt(kjs_vm *vm);
/* Takes a pending interrupt (clears it); true if there was one. */
bool kjs_vm_take_interrupt(kjs_vm *vm);
bool kjs_vm_interrupt_pending(kjs_vm *vm);
int kjs_vm_exitpoint_mode(kjs_vm *vm);
/* Returns the previous mode. */
int kjs_vm_set_exitpoint_mode(kjs_vm *vm, int mode);
/* Throws the catchable interrupt error (Error, code "EINTR", name "InterruptError"). */
JSValue kjs_vm_throw_interrupt(JSContext *ctx);

#endif
