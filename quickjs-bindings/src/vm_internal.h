/* Internal to quickjs-bindings: what the VM's parts share with each other. */
#ifndef KJS_VM_INTERNAL_H
#define KJS_VM_INTERNAL_H

#include "kjs/sourcemap.h"
#include "kjs/vm.h"

/* Registers a source map for the script named `script_name` (as it appears in stack frames).
 * Takes ownership of `map`. */
void kjs_vm_add_sourcemap(kjs_vm *vm, const char *script_name, const char *map_dir, kjs_sourcemap *map);
/* The map for a script name and the directory its "sources" are relative to; NULL if none. */
const kjs_sourcemap *kjs_vm_find_sourcemap(kjs_vm *vm, const char *script_name, const char **map_dir);

/* Remembers that the module `name` (as the app names it) was compiled from source, so that a link
 * error can be placed in it (kjs_vm_locate_import). */
void kjs_vm_note_module(kjs_vm *vm, const char *name);
/* "file:line:col" of the import of `export_name` from `module` in a noted module; false if none. */
bool kjs_vm_locate_import(kjs_vm *vm, const char *export_name, const char *module, char *out, size_t size);

/* Reads a whole file into a malloc'd, NUL-terminated buffer. Returns 0 or a negative HAL code. */
int kjs_read_file(const char *host_path, char **out, size_t *out_len);

#include "kjs/timers.h"
kjs_timers *kjs_vm_timers(kjs_vm *vm);

typedef struct kjs_registry kjs_registry;
kjs_registry *kjs_vm_registry(kjs_vm *vm);

/* The runtime's media state (kjs/media.h); NULL only for a VM being made or freed. */
#include "kjs/media.h"
kjs_media_state *kjs_vm_media(kjs_vm *vm);

/* The inspector functions from inspect.js, evaluated once per context when first asked for;
 * JS_EXCEPTION (pending) if that fails. */
JSValue kjs_vm_inspect_fn(kjs_vm *vm);
JSValue kjs_vm_format_fn(kjs_vm *vm);

#endif
