/*
 * kjs/modules.h — the registry of native modules ("k230:sys", "k230:media", ...) and the
 * module loader that resolves imports to them or to files.
 *
 * A native module is one mod_*.c file exporting `JSModuleDef *kjs_mod_<name>_init(ctx, name)`,
 * listed in modules.c. Ports add board-only modules with kjs_modules_register() before the
 * first VM is created.
 */
#ifndef KJS_MODULES_H
#define KJS_MODULES_H

#include "quickjs.h"

typedef JSModuleDef *kjs_module_init_fn(JSContext *ctx, const char *name);

/* Returns 0, or ERR_ELIMIT when the registry is full. `name` must be static. */
int kjs_modules_register(const char *name, kjs_module_init_fn *init);
/* Installs the loader on a runtime. */
void kjs_modules_install(JSRuntime *rt);
/* Writes the comma-separated list of native module names into buf. */
void kjs_modules_list(char *buf, size_t size);

/* Built-in native modules. */
JSModuleDef *kjs_mod_sys_init(JSContext *ctx, const char *name);
JSModuleDef *kjs_mod_mp4_init(JSContext *ctx, const char *name);
JSModuleDef *kjs_mod_media_init(JSContext *ctx, const char *name);
JSModuleDef *kjs_mod_audio_init(JSContext *ctx, const char *name);
JSModuleDef *kjs_mod_rtsp_init(JSContext *ctx, const char *name);
JSModuleDef *kjs_mod_net_init(JSContext *ctx, const char *name);

#endif
