/*
 * k230:sys — time, sleeping, cooperative interruption (CanMV's os.exitpoint), memory and
 * platform facts. Types and docs: js-lib/types/k230-sys.d.ts.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/statvfs.h>

#include "hal/clock.h"
#include "base/errors.h"
#include "hal/system.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/vm.h"

#ifndef K230JS_VERSION
#define K230JS_VERSION "0.0.0-dev"
#endif

/* sleepMs() wakes this often to honour Ctrl-C. */
#define SLEEP_SLICE_US 10000u

static JSValue sys_ticks_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val, (void)argc, (void)argv;
  return JS_NewFloat64(ctx, (double)(hal_clock_us() / 1000u));
}

static JSValue sys_ticks_us(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val, (void)argc, (void)argv;
  return JS_NewFloat64(ctx, (double)hal_clock_us());
}

static JSValue sys_sleep_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  double ms;
  if (argc < 1 || JS_ToFloat64(ctx, &ms, argv[0]) < 0) return JS_EXCEPTION;
  if (!(ms >= 0) || ms > 86400000.0)
    return JS_ThrowRangeError(ctx, "sleepMs: ms must be between 0 and 86400000, got %g", ms);
  kjs_vm *vm = kjs_vm_from_context(ctx);
  uint64_t end = hal_clock_us() + (uint64_t)(ms * 1000.0);
  for (;;) {
    /* Sleeps are exit points unless the app chose EXITPOINT_ENABLE_SLEEP. */
    if (kjs_vm_exitpoint_mode(vm) != KJS_EXITPOINT_ENABLE_SLEEP && kjs_vm_take_interrupt(vm))
      return kjs_vm_throw_interrupt(ctx);
    uint64_t now = hal_clock_us();
    if (now >= end) break;
    uint64_t left = end - now;
    hal_sleep_us(left < SLEEP_SLICE_US ? left : SLEEP_SLICE_US);
  }
  return JS_UNDEFINED;
}

static JSValue sys_exitpoint(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  kjs_vm *vm = kjs_vm_from_context(ctx);
  if (argc > 0 && !JS_IsUndefined(argv[0])) {
    int32_t mode;
    if (JS_ToInt32(ctx, &mode, argv[0]) < 0) return JS_EXCEPTION;
    if (mode < KJS_EXITPOINT_DISABLE || mode > KJS_EXITPOINT_ENABLE_SLEEP)
      return JS_ThrowRangeError(
          ctx, "exitpoint: mode must be EXITPOINT_DISABLE, EXITPOINT_ENABLE or EXITPOINT_ENABLE_SLEEP, got %d", mode);
    return JS_NewInt32(ctx, kjs_vm_set_exitpoint_mode(vm, mode));
  }
  if (kjs_vm_take_interrupt(vm)) return kjs_vm_throw_interrupt(ctx);
  return JS_UNDEFINED;
}

static JSValue sys_mem_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val, (void)argc, (void)argv;
  JSMemoryUsage mu;
  JS_ComputeMemoryUsage(JS_GetRuntime(ctx), &mu);
  const kjs_vm_config *cfg = kjs_vm_config_of(kjs_vm_from_context(ctx));
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "heapUsed", JS_NewInt64(ctx, mu.memory_used_size));
  JS_SetPropertyStr(ctx, o, "heapAllocated", JS_NewInt64(ctx, mu.malloc_size));
  JS_SetPropertyStr(ctx, o, "heapLimit", cfg->memory_limit ? JS_NewInt64(ctx, (int64_t)cfg->memory_limit) : JS_NULL);
  JS_SetPropertyStr(ctx, o, "objects", JS_NewInt64(ctx, mu.obj_count));
  int64_t rss = hal_system_rss_bytes();
  JS_SetPropertyStr(ctx, o, "rss", rss >= 0 ? JS_NewInt64(ctx, rss) : JS_NULL);
  JS_SetPropertyStr(ctx, o, "native", kjs_class_live_counts(ctx));
  return o;
}

/* statvfs is POSIX on both ports; on RT-Smart musl it is the statfs system call. */
static JSValue sys_disk_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  const char *path = argc > 0 && !JS_IsUndefined(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
  if (argc > 0 && !JS_IsUndefined(argv[0]) && !path) return JS_EXCEPTION;
  const char *p = path ? path : "/sdcard";
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), p, host, sizeof host);
  struct statvfs st;
  if (!rc && statvfs(host, &st) != 0) rc = errno == ENOENT ? ERR_ENOENT : ERR_EIO;
  if (rc) {
    JSValue e = kjs_throw(ctx, rc, "diskInfo: cannot read '%s'", p);
    JS_FreeCString(ctx, path);
    return e;
  }
  JS_FreeCString(ctx, path);
  JSValue o = JS_NewObject(ctx);
  double unit = (double)(st.f_frsize ? st.f_frsize : st.f_bsize);
  JS_SetPropertyStr(ctx, o, "total", JS_NewFloat64(ctx, (double)st.f_blocks * unit));
  JS_SetPropertyStr(ctx, o, "free", JS_NewFloat64(ctx, (double)st.f_bavail * unit));
  return o;
}

static JSValue sys_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  int32_t code = 0;
  if (argc > 0 && JS_ToInt32(ctx, &code, argv[0]) < 0) return JS_EXCEPTION;
  if (code < 0 || code > 255) return JS_ThrowRangeError(ctx, "exit: code must be 0..255, got %d", code);
  kjs_vm *vm = kjs_vm_from_context(ctx);
  kjs_vm_stop(vm, code);
  /* Unwind the current task without running any more JS of it. */
  JSValue err = JS_NewError(ctx);
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, "exit"), JS_PROP_CONFIGURABLE);
  JS_SetUncatchableError(ctx, err);
  return JS_Throw(ctx, err);
}

static const JSCFunctionListEntry sys_funcs[] = {
    JS_CFUNC_DEF("ticksMs", 0, sys_ticks_ms),
    JS_CFUNC_DEF("ticksUs", 0, sys_ticks_us),
    JS_CFUNC_DEF("sleepMs", 1, sys_sleep_ms),
    JS_CFUNC_DEF("exitpoint", 1, sys_exitpoint),
    JS_CFUNC_DEF("memInfo", 0, sys_mem_info),
    JS_CFUNC_DEF("diskInfo", 1, sys_disk_info),
    JS_CFUNC_DEF("exit", 1, sys_exit),
    JS_PROP_INT32_DEF("EXITPOINT_DISABLE", KJS_EXITPOINT_DISABLE, 0),
    JS_PROP_INT32_DEF("EXITPOINT_ENABLE", KJS_EXITPOINT_ENABLE, 0),
    JS_PROP_INT32_DEF("EXITPOINT_ENABLE_SLEEP", KJS_EXITPOINT_ENABLE_SLEEP, 0),
    JS_PROP_STRING_DEF("version", K230JS_VERSION, 0),
};

static const char *const string_exports[] = {"engineVersion", "platform", "board"};

static int sys_module_init(JSContext *ctx, JSModuleDef *m) {
  JS_SetModuleExport(ctx, m, "engineVersion", JS_NewString(ctx, JS_GetVersion()));
  JS_SetModuleExport(ctx, m, "platform", JS_NewString(ctx, hal_system_platform()));
  JS_SetModuleExport(ctx, m, "board", JS_NewString(ctx, hal_system_board()));
  return JS_SetModuleExportList(ctx, m, sys_funcs, sizeof sys_funcs / sizeof sys_funcs[0]);
}

JSModuleDef *kjs_mod_sys_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, sys_module_init);
  if (!m) return NULL;
  JS_AddModuleExportList(ctx, m, sys_funcs, sizeof sys_funcs / sizeof sys_funcs[0]);
  for (size_t i = 0; i < sizeof string_exports / sizeof string_exports[0]; i++)
    JS_AddModuleExport(ctx, m, string_exports[i]);
  return m;
}
