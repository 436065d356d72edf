/* Native module registry and the module loader (kjs/modules.h). */
#include "kjs/modules.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "kjs/mount.h"
#include "kjs/paths.h"
#include "kjs/vm.h"
#include "quickjs-libc.h"
#include "vm_internal.h"

typedef struct native_module {
  const char *name;
  kjs_module_init_fn *init;
} native_module;

static JSModuleDef *init_qjs_std(JSContext *ctx, const char *name) { return js_init_module_std(ctx, name); }
static JSModuleDef *init_qjs_bjson(JSContext *ctx, const char *name) { return js_init_module_bjson(ctx, name); }

enum { MAX_MODULES = 32 };
static native_module modules[MAX_MODULES] = {
    {"k230:sys", kjs_mod_sys_init},     {"k230:mp4", kjs_mod_mp4_init},   {"k230:media", kjs_mod_media_init},
    {"k230:audio", kjs_mod_audio_init}, {"k230:rtsp", kjs_mod_rtsp_init}, {"k230:net", kjs_mod_net_init},
    {"qjs:std", init_qjs_std},          {"qjs:bjson", init_qjs_bjson},
};
static int nmodules = 8;

int kjs_modules_register(const char *name, kjs_module_init_fn *init) {
  for (int i = 0; i < nmodules; i++) {
    if (strcmp(modules[i].name, name) == 0) {
      modules[i].init = init;
      return 0;
    }
  }
  if (nmodules == MAX_MODULES) return ERR_ELIMIT;
  modules[nmodules++] = (native_module){name, init};
  return 0;
}

void kjs_modules_list(char *buf, size_t size) {
  size_t len = 0;
  buf[0] = 0;
  for (int i = 0; i < nmodules && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", modules[i].name);
}

static bool has_scheme(const char *name) {
  const char *colon = strchr(name, ':');
  const char *slash = strchr(name, '/');
  return colon && colon > name && (!slash || colon < slash);
}

static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque) {
  (void)opaque;
  for (int i = 0; i < nmodules; i++)
    if (strcmp(modules[i].name, name) == 0) return modules[i].init(ctx, name);
  if (has_scheme(name)) {
    char list[512];
    kjs_modules_list(list, sizeof list);
    JS_ThrowReferenceError(ctx, "unknown module '%s' (this runtime has: %s)", name, list);
    return NULL;
  }
  kjs_vm *vm = kjs_vm_from_context(ctx);
  char *src = NULL;
  size_t len = 0;
  int rc;
  if (kjs_mount_owns(name)) { /* a host directory on the console link (kjs/mount.h) */
    char msg[200];
    rc = kjs_mount_read(name, true, &src, &len, msg, sizeof msg);
    if (rc == ERR_EINTR) {
      kjs_vm_throw_interrupt(ctx);
      return NULL;
    }
    if (rc != 0) {
      JS_ThrowReferenceError(ctx, "cannot load module '%s' from the mount: %s", name, msg);
      return NULL;
    }
  } else {
    char host_path[PATH_MAX];
    rc = kjs_path_map(vm, name, host_path, sizeof host_path);
    if (rc == 0) rc = kjs_read_file(host_path, &src, &len);
    if (rc != 0) {
      JS_ThrowReferenceError(ctx, "cannot load module '%s': %s", name, err_str(rc));
      return NULL;
    }
  }
  JSValue func = JS_Eval(ctx, src, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
  free(src);
  if (JS_IsException(func)) return NULL;
  kjs_vm_note_module(vm, name);
  JSModuleDef *m = JS_VALUE_GET_PTR(func);
  JSValue meta = JS_GetImportMeta(ctx, m);
  if (!JS_IsException(meta)) {
    JS_DefinePropertyValueStr(ctx, meta, "url", JS_NewString(ctx, name), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, meta, "main", JS_FALSE, JS_PROP_C_W_E);
  }
  JS_FreeValue(ctx, meta);
  /* The module stays referenced by the runtime's module list. */
  JS_FreeValue(ctx, func);
  return m;
}

void kjs_modules_install(JSRuntime *rt) { JS_SetModuleLoaderFunc(rt, NULL, load_module, NULL); }
