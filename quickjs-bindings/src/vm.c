/* The VM: engine runtime + context, the task/job driver, unhandled-rejection and interrupt policy. */
#include "kjs/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/errors.h"
#include "base/filemap.h"
#include "kjs/bytecode.h"
#include "kjs/class.h"
#include "kjs/console.h"
#include "kjs/errors.h"
#include "kjs/lend.h"
#include "kjs/media.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/timers.h"
#include "quickjs-libc.h"
#include "registry.h"
#include "vm_internal.h"

extern const unsigned char kjs_inspect_js[];
extern const size_t kjs_inspect_js_len;

typedef struct rejection {
  JSValue promise;
  JSValue reason;
} rejection;

typedef struct map_entry {
  char *name;
  char *dir;
  kjs_sourcemap *map;
} map_entry;

struct kjs_vm {
  JSRuntime *rt;
  JSContext *ctx;
  kjs_loop *loop;
  kjs_vm_config cfg;
  kjs_timers *timers;
  kjs_registry *registry; /* every JS object holding native resources (registry.h) */
  kjs_media_state *media; /* what this runtime holds of the board's media (kjs/media.h) */
  JSValue inspect_fn, format_fn;
  JSValue module_promise; /* evaluation of the app's module while it runs, else undefined */

  volatile sig_atomic_t interrupt_pending; /* Ctrl-C presses not yet taken */
  int exitpoint_mode;

  size_t heap_bytes; /* what the engine holds from malloc (usable sizes), against cfg.memory_limit */
  bool oom;          /* an engine allocation failed: the app stops (out_of_memory) */

  bool stopping;
  int status;

  rejection *rejections;
  int nrejections, caprejections;

  map_entry *maps;
  int nmaps;

  char **module_names; /* kjs_vm_note_module */
  int nmodule_names;
};

/* ---- the engine's allocator: the heap limit, and knowing when it was hit ---- */

static bool over_limit(kjs_vm *vm, size_t more) {
  if (!vm->cfg.memory_limit || vm->heap_bytes + more <= vm->cfg.memory_limit) return false;
  vm->oom = true;
  return true;
}

static void *vm_malloc(void *opaque, size_t size) {
  kjs_vm *vm = opaque;
  if (over_limit(vm, size)) return NULL;
  void *p = malloc(size);
  if (!p) vm->oom = true;
  else vm->heap_bytes += malloc_usable_size(p);
  return p;
}

static void *vm_calloc(void *opaque, size_t count, size_t size) {
  kjs_vm *vm = opaque;
  if (size && count > SIZE_MAX / size) return NULL;
  if (over_limit(vm, count * size)) return NULL;
  void *p = calloc(count, size);
  if (!p) vm->oom = true;
  else vm->heap_bytes += malloc_usable_size(p);
  return p;
}

static void vm_free(void *opaque, void *ptr) {
  kjs_vm *vm = opaque;
  if (!ptr) return;
  vm->heap_bytes -= malloc_usable_size(ptr);
  free(ptr);
}

static void *vm_realloc(void *opaque, void *ptr, size_t size) {
  kjs_vm *vm = opaque;
  if (!ptr) return size ? vm_malloc(opaque, size) : NULL;
  if (!size) {
    vm_free(opaque, ptr);
    return NULL;
  }
  size_t old = malloc_usable_size(ptr);
  if (size > old && over_limit(vm, size - old)) return NULL;
  void *p = realloc(ptr, size);
  if (!p) {
    vm->oom = true;
    return NULL;
  }
  vm->heap_bytes = vm->heap_bytes - old + malloc_usable_size(p);
  return p;
}

static size_t vm_usable_size(const void *ptr) { return malloc_usable_size((void *)ptr); }

static const JSMallocFunctions vm_malloc_funcs = {vm_calloc, vm_malloc, vm_free, vm_realloc, vm_usable_size};

/* Out of memory is fatal wherever it happens (a microtask, a timer, a media callback, a module
 * being loaded) and whatever JS did with the error. */
bool kjs_vm_out_of_memory(kjs_vm *vm) {
  if (!vm->oom) return false;
  if (!vm->stopping) {
    char limit[32];
    size_t n = vm->cfg.memory_limit;
    if (!n) snprintf(limit, sizeof limit, "none");
    else if (n % (1u << 30) == 0) snprintf(limit, sizeof limit, "%zug", n >> 30);
    else if (n % (1u << 20) == 0) snprintf(limit, sizeof limit, "%zum", n >> 20);
    else if (n % (1u << 10) == 0) snprintf(limit, sizeof limit, "%zuk", n >> 10);
    else snprintf(limit, sizeof limit, "%zu", n);
    kjs_console_printf(KJS_STDERR, "k230js: out of memory (limit %s)\n", limit);
    kjs_vm_stop(vm, KJS_EXIT_ERROR);
  }
  if (vm->ctx) JS_FreeValue(vm->ctx, JS_GetException(vm->ctx));
  return true;
}

static int interrupt_handler(JSRuntime *rt, void *opaque) {
  (void)rt;
  kjs_vm *vm = opaque;
  if (vm->oom) return 1; /* unwind now: nothing may catch it and carry on */
  int pending = vm->interrupt_pending;
  /* A second Ctrl-C overrides exitpoint deferral, so a loop without exitpoint() calls can still be
   * stopped. */
  if (pending >= 2 || (pending && vm->exitpoint_mode == KJS_EXITPOINT_DISABLE)) {
    vm->interrupt_pending = 0;
    return 1;
  }
  return 0;
}

static void rejection_tracker(JSContext *ctx, JSValueConst promise, JSValueConst reason, bool is_handled,
                              void *opaque) {
  kjs_vm *vm = opaque;
  if (is_handled) {
    for (int i = 0; i < vm->nrejections; i++) {
      if (JS_IsSameValue(ctx, vm->rejections[i].promise, promise)) {
        JS_FreeValue(ctx, vm->rejections[i].promise);
        JS_FreeValue(ctx, vm->rejections[i].reason);
        vm->rejections[i] = vm->rejections[--vm->nrejections];
        return;
      }
    }
    return;
  }
  if (vm->nrejections == vm->caprejections) {
    int cap = vm->caprejections ? vm->caprejections * 2 : 4;
    rejection *r = realloc(vm->rejections, (size_t)cap * sizeof *r);
    if (!r) return; /* out of memory: the rejection goes unreported, nothing else breaks */
    vm->rejections = r;
    vm->caprejections = cap;
  }
  vm->rejections[vm->nrejections++] = (rejection){JS_DupValue(ctx, promise), JS_DupValue(ctx, reason)};
}

/* The inspector (js/inspect.js) is compiled when first needed, not at every start: an app that
 * logs only strings (console.c prints those itself) never needs it. JS_EXCEPTION if it cannot be. */
static JSValue inspector(kjs_vm *vm, bool format) {
  if (JS_IsUndefined(vm->inspect_fn)) {
    JSValue pair =
        JS_Eval(vm->ctx, (const char *)kjs_inspect_js, kjs_inspect_js_len, "<k230js:inspect>", JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(pair)) return JS_EXCEPTION;
    vm->inspect_fn = JS_GetPropertyStr(vm->ctx, pair, "inspect");
    vm->format_fn = JS_GetPropertyStr(vm->ctx, pair, "format");
    JS_FreeValue(vm->ctx, pair);
  }
  return format ? vm->format_fn : vm->inspect_fn;
}

kjs_vm *kjs_vm_new(const kjs_vm_config *cfg) {
  kjs_vm *vm = calloc(1, sizeof *vm);
  if (!vm) return NULL;
  vm->cfg = *cfg;
  vm->inspect_fn = vm->format_fn = vm->module_promise = JS_UNDEFINED;
  vm->loop = kjs_loop_new();
  vm->registry = kjs_registry_new();
  vm->media = kjs_media_state_new();
  vm->rt = vm->loop && vm->registry && vm->media ? JS_NewRuntime2(&vm_malloc_funcs, vm) : NULL;
  if (!vm->rt) goto fail;
  kjs_loop_set_owner(vm->loop, vm);
  JS_SetRuntimeOpaque(vm->rt, vm);
  if (cfg->stack_size) JS_SetMaxStackSize(vm->rt, cfg->stack_size);
  JS_SetInterruptHandler(vm->rt, interrupt_handler, vm);
  JS_SetHostPromiseRejectionTracker(vm->rt, rejection_tracker, vm);
  js_std_init_handlers(vm->rt);
  kjs_modules_install(vm->rt);
  vm->ctx = JS_NewContext(vm->rt);
  if (!vm->ctx) goto fail;
  JS_SetContextOpaque(vm->ctx, vm);

  vm->timers = kjs_timers_new(vm);
  if (!vm->timers || kjs_console_install(vm->ctx) < 0 || kjs_timers_install(vm->ctx) < 0) goto fail;

  JSValue global = JS_GetGlobalObject(vm->ctx);
  JSValue args = JS_NewArray(vm->ctx);
  for (int i = 0; i < cfg->argc; i++)
    JS_SetPropertyUint32(vm->ctx, args, (uint32_t)i, JS_NewString(vm->ctx, cfg->argv[i]));
  JS_SetPropertyStr(vm->ctx, global, "scriptArgs", args);
  JS_FreeValue(vm->ctx, global);
  return vm;
fail:
  kjs_vm_free(vm);
  return NULL;
}

/* Soft reset and exit: whatever the app left open is released, whatever JS still references.
 * Loans go back first, while their owners still hold the memory; then the GC finalizes every
 * object the app left (in its own order, as in any collection); what a reference the GC cannot
 * see still keeps alive is finalized last, and named, since that reference is a bug. The media
 * state goes last: finalizers use it, and it releases what no object held (kjs/media.h). */
int kjs_vm_free(kjs_vm *vm) {
  if (!vm) return 0;
  if (vm->ctx) {
    kjs_timers_free(vm->timers);
    for (int i = 0; i < vm->nrejections; i++) {
      JS_FreeValue(vm->ctx, vm->rejections[i].promise);
      JS_FreeValue(vm->ctx, vm->rejections[i].reason);
    }
    kjs_lend_revoke_all(vm->ctx);
    JS_FreeValue(vm->ctx, vm->inspect_fn);
    JS_FreeValue(vm->ctx, vm->format_fn);
    JS_FreeContext(vm->ctx);
  }
  free(vm->rejections);
  if (vm->rt) {
    JS_RunGC(vm->rt);
    char names[256];
    int n = kjs_class_release_all(vm->rt, names, sizeof names);
    if (n > 0) {
      kjs_console_printf(KJS_STDERR, "k230js: internal error: %d native object%s outlived the VM (%s); released\n", n,
                         n == 1 ? "" : "s", names);
      JS_RunGC(vm->rt);
    }
    js_std_free_handlers(vm->rt);
    JS_FreeRuntime(vm->rt);
  }
  int released = kjs_media_state_free(vm->media);
  kjs_registry_free(vm->registry);
  for (int i = 0; i < vm->nmodule_names; i++) free(vm->module_names[i]);
  free(vm->module_names);
  for (int i = 0; i < vm->nmaps; i++) {
    free(vm->maps[i].name);
    free(vm->maps[i].dir);
    kjs_sourcemap_free(vm->maps[i].map);
  }
  free(vm->maps);
  kjs_loop_free(vm->loop);
  free(vm);
  return released;
}

struct vm_thread_start {
  void *(*fn)(void *);
  void *arg;
};

/* glibc gives a new thread its own arena, a heap whose writable part grows by one mprotect call per
 * allocation past its end: loading a 1 MB bundle's bytecode made ~1240 of them (~4% of its start).
 * An arena's first heap is made writable up to M_TOP_PAD at once, so the VM thread's arena is made
 * (by its first malloc) with a 16 MB pad, then the pad goes back to its default. Only address
 * space: pages are touched as the engine uses them, and a trimmed heap still gives its pages back
 * (glibc trims a thread's heap with MADV_DONTNEED, keeping the protection). */
static void *vm_thread_start(void *p) {
  struct vm_thread_start start = *(struct vm_thread_start *)p;
#if defined(__GLIBC__) && defined(M_TOP_PAD)
  enum { VM_ARENA_PAD = 16 << 20, GLIBC_DEFAULT_TOP_PAD = 128 << 10 };
  mallopt(M_TOP_PAD, VM_ARENA_PAD);
  void *volatile first = malloc(1); /* volatile: the compiler may drop a malloc freed unused */
  free(first);
  mallopt(M_TOP_PAD, GLIBC_DEFAULT_TOP_PAD);
#endif
  return start.fn(start.arg);
}

int kjs_vm_thread_run(size_t stack_bytes, void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err) return err;
  err = pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t t;
  struct vm_thread_start start = {fn, arg};
  if (!err) err = pthread_create(&t, &attr, vm_thread_start, &start);
  pthread_attr_destroy(&attr);
  if (!err) pthread_join(t, NULL);
  return err;
}

JSContext *kjs_vm_context(kjs_vm *vm) { return vm->ctx; }
kjs_loop *kjs_vm_loop(kjs_vm *vm) { return vm->loop; }
kjs_vm *kjs_vm_from_context(JSContext *ctx) { return JS_GetContextOpaque(ctx); }
const kjs_vm_config *kjs_vm_config_of(kjs_vm *vm) { return &vm->cfg; }
JSValue kjs_vm_inspect_fn(kjs_vm *vm) { return inspector(vm, false); }
kjs_timers *kjs_vm_timers(kjs_vm *vm) { return vm->timers; }
kjs_registry *kjs_vm_registry(kjs_vm *vm) { return vm->registry; }
kjs_media_state *kjs_vm_media(kjs_vm *vm) { return vm->media; }
JSValue kjs_vm_format_fn(kjs_vm *vm) { return inspector(vm, true); }

void kjs_vm_stop(kjs_vm *vm, int status) {
  if (vm->stopping) return;
  vm->stopping = true;
  vm->status = status;
}

bool kjs_vm_stopping(kjs_vm *vm) { return vm->stopping; }

int kjs_vm_resume(kjs_vm *vm) {
  int status = vm->stopping ? vm->status : KJS_EXIT_OK;
  vm->stopping = false;
  vm->status = 0;
  vm->oom = false; /* the REPL goes on: what the failed code held is garbage now */
  return status;
}

void kjs_vm_request_interrupt(kjs_vm *vm) {
  if (vm->interrupt_pending < 100) vm->interrupt_pending++;
  kjs_loop_wake(vm->loop);
}

bool kjs_vm_take_interrupt(kjs_vm *vm) {
  if (!vm->interrupt_pending) return false;
  vm->interrupt_pending = 0;
  return true;
}

bool kjs_vm_interrupt_pending(kjs_vm *vm) { return vm->interrupt_pending != 0; }
int kjs_vm_exitpoint_mode(kjs_vm *vm) { return vm->exitpoint_mode; }

int kjs_vm_set_exitpoint_mode(kjs_vm *vm, int mode) {
  int old = vm->exitpoint_mode;
  vm->exitpoint_mode = mode;
  return old;
}

JSValue kjs_vm_throw_interrupt(JSContext *ctx) {
  JSValue err = JS_NewError(ctx);
  JS_DefinePropertyValueStr(ctx, err, "name", JS_NewString(ctx, "InterruptError"),
                            JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE);
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, "interrupted"),
                            JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE);
  JS_DefinePropertyValueStr(ctx, err, "code", JS_NewString(ctx, "EINTR"), JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE);
  return JS_Throw(ctx, err);
}

static bool is_interrupt(JSContext *ctx, JSValueConst exc) {
  if (JS_IsUncatchableError(exc)) return true;
  if (!JS_IsError(exc)) return false;
  JSValue name = JS_GetPropertyStr(ctx, exc, "name");
  const char *s = JS_ToCString(ctx, name);
  bool yes = s && strcmp(s, "InterruptError") == 0;
  JS_FreeCString(ctx, s);
  JS_FreeValue(ctx, name);
  return yes;
}

/* Reports the pending exception and stops the VM. */
static void fail_with_exception(kjs_vm *vm, const char *prefix) {
  if (kjs_vm_out_of_memory(vm)) return;
  JSValue exc = JS_GetException(vm->ctx);
  if (vm->stopping) {
    /* exit() unwinds with an uncatchable error after choosing the status itself. */
  } else if (is_interrupt(vm->ctx, exc)) {
    kjs_console_printf(KJS_STDERR, "k230js: interrupted\n");
    kjs_vm_stop(vm, KJS_EXIT_INTERRUPTED);
  } else {
    kjs_error_report_console(vm, exc, prefix);
    kjs_vm_stop(vm, KJS_EXIT_ERROR);
  }
  JS_FreeValue(vm->ctx, exc);
}

void kjs_vm_run_jobs(kjs_vm *vm) {
  while (!vm->stopping) {
    JSContext *job_ctx;
    int r = JS_ExecutePendingJob(vm->rt, &job_ctx);
    if (r == 0) break;
    if (r < 0) fail_with_exception(vm, "Uncaught ");
  }
  /* A job the engine could not even queue is lost silently: the flag still tells. */
  kjs_vm_out_of_memory(vm);
  if (vm->nrejections > 0 && !vm->stopping) {
    rejection r = vm->rejections[0];
    /* Taken off the list so a REPL that resumes the VM (kjs_vm_resume) reports it once. */
    vm->rejections[0] = vm->rejections[--vm->nrejections];
    if (is_interrupt(vm->ctx, r.reason)) {
      kjs_console_printf(KJS_STDERR, "k230js: interrupted\n");
      kjs_vm_stop(vm, KJS_EXIT_INTERRUPTED);
    } else {
      /* A throw at the top level of the app's module rejects the module's own promise: that is
       * an ordinary uncaught exception, not a forgotten promise. */
      bool top = JS_IsSameValue(vm->ctx, r.promise, vm->module_promise);
      kjs_error_report_console(vm, r.reason, top ? "Uncaught " : "Uncaught (in promise) ");
      kjs_vm_stop(vm, KJS_EXIT_ERROR);
    }
    JS_FreeValue(vm->ctx, r.promise);
    JS_FreeValue(vm->ctx, r.reason);
  }
}

void kjs_vm_call(kjs_vm *vm, JSValueConst fn, JSValueConst this_val, int argc, JSValueConst *argv) {
  if (vm->stopping) return;
  JSValue r = JS_Call(vm->ctx, fn, this_val, argc, argv);
  if (JS_IsException(r)) fail_with_exception(vm, "Uncaught ");
  else JS_FreeValue(vm->ctx, r);
  kjs_vm_run_jobs(vm);
}

void kjs_vm_add_sourcemap(kjs_vm *vm, const char *script_name, const char *map_dir, kjs_sourcemap *map) {
  map_entry *m = realloc(vm->maps, (size_t)(vm->nmaps + 1) * sizeof *m);
  if (!m) {
    kjs_sourcemap_free(map);
    return;
  }
  vm->maps = m;
  vm->maps[vm->nmaps++] = (map_entry){strdup(script_name), strdup(map_dir), map};
}

const kjs_sourcemap *kjs_vm_find_sourcemap(kjs_vm *vm, const char *script_name, const char **map_dir) {
  for (int i = 0; i < vm->nmaps; i++) {
    if (strcmp(vm->maps[i].name, script_name) == 0) {
      if (map_dir) *map_dir = vm->maps[i].dir;
      return vm->maps[i].map;
    }
  }
  return NULL;
}

void kjs_vm_note_module(kjs_vm *vm, const char *name) {
  char **n = realloc(vm->module_names, (size_t)(vm->nmodule_names + 1) * sizeof *n);
  if (!n) return;
  vm->module_names = n;
  if ((n[vm->nmodule_names] = strdup(name))) vm->nmodule_names++;
}

bool kjs_vm_locate_import(kjs_vm *vm, const char *export_name, const char *module, char *out, size_t size) {
  for (int i = 0; i < vm->nmodule_names; i++) {
    char host_path[PATH_MAX], *src;
    size_t len;
    int line, col;
    if (kjs_path_map(vm, vm->module_names[i], host_path, sizeof host_path) != 0 ||
        kjs_read_file(host_path, &src, &len) != 0)
      continue;
    bool found = kjs_error_find_import(src, len, export_name, module, &line, &col);
    free(src);
    if (found) {
      snprintf(out, size, "%s:%d:%d", vm->module_names[i], line, col);
      return true;
    }
  }
  return false;
}

static int open_errno_code(int e) { return e == ENOENT ? ERR_ENOENT : ERR_EIO; }

/* Reads `fd` to its end (a pipe too) into a malloc'd, NUL-terminated buffer; the caller closes it. */
static int read_fd(int fd, char **out, size_t *out_len) {
  /* Size the buffer from the file so a big bundle is read in one go at boot. */
  struct stat st;
  size_t cap = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) ? (size_t)st.st_size : 65536;
  size_t len = 0;
  char *buf = malloc(cap + 1);
  int err = 0;
  while (buf) {
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = ERR_EIO;
      break;
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len < cap) continue;
    cap *= 2;
    char *grown = realloc(buf, cap + 1);
    if (!grown) free(buf);
    buf = grown;
  }
  if (!buf) return ERR_ENOMEM;
  if (err) {
    free(buf);
    return err;
  }
  buf[len] = 0;
  *out = buf;
  *out_len = len;
  return 0;
}

int kjs_read_file(const char *host_path, char **out, size_t *out_len) {
  int fd = open(host_path, O_RDONLY);
  if (fd < 0) return open_errno_code(errno);
  int rc = read_fd(fd, out, out_len);
  close(fd);
  return rc;
}

static void load_sourcemap_for(kjs_vm *vm, const char *host_path, const char *script_name) {
  char map_path[PATH_MAX];
  if (snprintf(map_path, sizeof map_path, "%s.map", host_path) >= (int)sizeof map_path) return;
  char *json;
  size_t len;
  if (kjs_read_file(map_path, &json, &len) != 0) return;
  kjs_sourcemap *map = kjs_sourcemap_parse(json, len);
  free(json);
  if (!map) {
    kjs_console_printf(KJS_STDERR, "k230js: warning: %s is not a usable source map; stack traces stay unmapped\n",
                       map_path);
    return;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", map_path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  else snprintf(dir, sizeof dir, ".");
  kjs_vm_add_sourcemap(vm, script_name, dir, map);
}

/* One line for errors that stop an app before it runs (syntax, missing import, bad bytecode). */
static int report_load_error(kjs_vm *vm, const char *path) {
  if (kjs_vm_out_of_memory(vm)) return KJS_EXIT_ERROR;
  JSValue exc = JS_GetException(vm->ctx);
  char *stack = kjs_error_mapped_stack(vm, exc);
  const char *where = NULL;
  char loc[PATH_MAX + 32] = "";
  if (stack) {
    /* First frame: "    at <file:line:col>" or "    at fn (<file:line:col>)". */
    char *at = strstr(stack, "at ");
    if (at) {
      at += 3;
      char *open = strchr(at, '(');
      char *nl = strchr(at, '\n');
      if (open && (!nl || open < nl)) at = open + 1;
      size_t n = strcspn(at, ")\n");
      snprintf(loc, sizeof loc, "%.*s", (int)n, at);
      where = loc;
    }
  }
  JSValue name = JS_IsError(exc) ? JS_GetPropertyStr(vm->ctx, exc, "name") : JS_UNDEFINED;
  JSValue msg = JS_IsError(exc) ? JS_GetPropertyStr(vm->ctx, exc, "message") : JS_DupValue(vm->ctx, exc);
  const char *n = JS_IsUndefined(name) ? NULL : JS_ToCString(vm->ctx, name);
  const char *m = JS_ToCString(vm->ctx, msg);
  kjs_console_printf(KJS_STDERR, "k230js: %s: %s%s%s\n", where && *where ? where : path, n ? n : "", n ? ": " : "",
                     m ? m : "error");
  JS_FreeCString(vm->ctx, n);
  JS_FreeCString(vm->ctx, m);
  JS_FreeValue(vm->ctx, name);
  JS_FreeValue(vm->ctx, msg);
  JS_FreeValue(vm->ctx, exc);
  free(stack);
  return KJS_EXIT_ERROR;
}

static void set_import_meta(JSContext *ctx, JSValueConst func, const char *name) {
  JSModuleDef *m = JS_VALUE_GET_PTR(func);
  JSValue meta = JS_GetImportMeta(ctx, m);
  if (JS_IsException(meta)) return;
  JS_DefinePropertyValueStr(ctx, meta, "url", JS_NewString(ctx, name), JS_PROP_C_W_E);
  JS_DefinePropertyValueStr(ctx, meta, "main", JS_TRUE, JS_PROP_C_W_E);
  JS_FreeValue(ctx, meta);
}

static int drive(kjs_vm *vm, JSValue func, const char *name) {
  JSContext *ctx = vm->ctx;
  if (JS_ResolveModule(ctx, func) < 0) {
    JS_FreeValue(ctx, func);
    return report_load_error(vm, name);
  }
  set_import_meta(ctx, func, name);
  JSValue result = JS_EvalFunction(ctx, func);
  if (JS_IsException(result)) {
    fail_with_exception(vm, "Uncaught ");
  } else {
    vm->module_promise = result; /* a rejection is reported by the tracker */
  }
  kjs_vm_run_jobs(vm);
  while (!vm->stopping) {
    if (vm->interrupt_pending) {
      /* Ctrl-C while no JS runs: stop the app. */
      vm->interrupt_pending = 0;
      kjs_console_printf(KJS_STDERR, "k230js: interrupted\n");
      kjs_vm_stop(vm, KJS_EXIT_INTERRUPTED);
      break;
    }
    if (!kjs_loop_alive(vm->loop)) break;
    kjs_loop_run_once(vm->loop, -1);
    kjs_vm_run_jobs(vm);
  }
  JS_FreeValue(ctx, vm->module_promise);
  vm->module_promise = JS_UNDEFINED;
  kjs_vm_out_of_memory(vm);
  return vm->stopping ? vm->status : KJS_EXIT_OK;
}

static bool looks_binary(const char *buf, size_t len) {
  size_t n = len < 4096 ? len : 4096;
  return memchr(buf, 0, n) != NULL;
}

/* What loading a module (compiling its source or reading its bytecode) allocates stays reachable
 * from the module being built, so a collection in the middle finds nothing to free (the engine's
 * threshold ran one over the 1 MB bundle's load: perf probe on JS_RunGC, 3 calls -> 2, the two left
 * at teardown). They are held off while an app loads, then the threshold is where the engine
 * would have put it. */
static size_t gc_hold(kjs_vm *vm) {
  size_t before = JS_GetGCThreshold(vm->rt);
  JS_SetGCThreshold(vm->rt, SIZE_MAX);
  return before;
}

static void gc_release(kjs_vm *vm, size_t before) {
  size_t next = vm->heap_bytes + vm->heap_bytes / 2;
  JS_SetGCThreshold(vm->rt, next > before ? next : before);
}

int kjs_vm_run_source(kjs_vm *vm, const char *name, const char *src, size_t len) {
  size_t gc = gc_hold(vm);
  JSValue func = JS_Eval(vm->ctx, src, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
  gc_release(vm, gc);
  if (JS_IsException(func)) return report_load_error(vm, name);
  return drive(vm, func, name);
}

/* A bytecode file, mapped: read in place (the engine copies what it keeps), which spares the copy
 * into a fresh buffer and its zeroed pages (~0.4 ms of a 1 MB bundle's start); all of it at once
 * (populated) rather than a fault every few pages (-0.2 ms). False when the file is not bytecode
 * or cannot be mapped (a pipe, a system without file mappings): the caller reads the same
 * descriptor instead, since a FIFO opened and closed twice loses its writer. */
static bool map_bytecode(int fd, base_filemap *m) {
  if (base_filemap_open(m, fd, BASE_FILEMAP_POPULATE) != 0) return false;
  if (m->size < KJS_BYTECODE_HEADER_SIZE || !kjs_bytecode_is(m->data, m->size)) {
    base_filemap_close(m);
    return false;
  }
  return true;
}

/* kjs_bytecode_load with collections held off (gc_hold). */
static JSValue load_bytecode(kjs_vm *vm, const uint8_t *buf, size_t len) {
  size_t gc = gc_hold(vm);
  JSValue func = kjs_bytecode_load(vm->ctx, buf, len);
  gc_release(vm, gc);
  return func;
}

/* Runs a module kjs_bytecode_load returned (or reports why it did not load). */
static int run_bytecode(kjs_vm *vm, const char *path, const char *host_path, JSValue func) {
  if (JS_IsException(func)) {
    JSValue exc = JS_GetException(vm->ctx);
    const char *msg = JS_ToCString(vm->ctx, exc);
    kjs_console_printf(KJS_STDERR, "k230js: %s: %s\n", path, msg ? msg : "unreadable bytecode");
    JS_FreeCString(vm->ctx, msg);
    JS_FreeValue(vm->ctx, exc);
    return KJS_EXIT_LOAD;
  }
  JSAtom atom = JS_GetModuleName(vm->ctx, JS_VALUE_GET_PTR(func));
  const char *script_name = JS_AtomToCString(vm->ctx, atom);
  JS_FreeAtom(vm->ctx, atom);
  load_sourcemap_for(vm, host_path, script_name ? script_name : path);
  JS_FreeCString(vm->ctx, script_name);
  return drive(vm, func, path);
}

int kjs_vm_run_file(kjs_vm *vm, const char *path) {
  char host_path[PATH_MAX];
  int rc = kjs_path_map(vm, path, host_path, sizeof host_path);
  char *buf = NULL;
  size_t len = 0;
  int fd = -1;
  if (rc == 0 && (fd = open(host_path, O_RDONLY)) < 0) rc = open_errno_code(errno);
  base_filemap mapped;
  if (fd >= 0 && map_bytecode(fd, &mapped)) {
    JSValue func = load_bytecode(vm, mapped.data, mapped.size);
    /* Shrunk under the engine, the mapping reads zeros past the new end: pages wholly past it
     * through the SIGBUS handler (flagged), the tail of the page it ends in as the kernel zeroed
     * it (flagged by nothing: the size tells). */
    struct stat st;
    bool shrank = base_filemap_truncated(&mapped) || (fstat(fd, &st) == 0 && (size_t)st.st_size < mapped.size);
    close(fd);
    base_filemap_close(&mapped); /* the engine keeps no pointer into its input */
    if (shrank) {
      if (JS_IsException(func)) JS_FreeValue(vm->ctx, JS_GetException(vm->ctx));
      JS_FreeValue(vm->ctx, func);
      kjs_console_printf(KJS_STDERR, "k230js: %s: the file shrank while it was being loaded\n", path);
      return KJS_EXIT_LOAD;
    }
    return run_bytecode(vm, path, host_path, func);
  }
  if (fd >= 0) {
    rc = read_fd(fd, &buf, &len);
    close(fd);
  }
  if (rc != 0) {
    kjs_console_printf(KJS_STDERR, "k230js: cannot open '%s': %s\n", path,
                       rc == ERR_ENOENT ? "no such file" : err_str(rc));
    return KJS_EXIT_LOAD;
  }
  int status;
  if (kjs_bytecode_is((const uint8_t *)buf, len)) {
    JSValue func = load_bytecode(vm, (const uint8_t *)buf, len);
    free(buf);
    status = run_bytecode(vm, path, host_path, func);
  } else if (looks_binary(buf, len)) {
    free(buf);
    kjs_console_printf(KJS_STDERR, "k230js: %s: neither JavaScript source nor k230js bytecode\n", path);
    return KJS_EXIT_LOAD;
  } else {
    load_sourcemap_for(vm, host_path, path);
    kjs_vm_note_module(vm, path);
    status = kjs_vm_run_source(vm, path, buf, len);
    free(buf);
  }
  return status;
}
