/*
 * Internal to quickjs-bindings: the per-VM registry of the JS objects that hold native
 * resources — instances of classes made by kjs_class_create() (class.c) and ArrayBuffers lent
 * over native memory (lend.c). Tearing a VM down (kjs_vm_free: soft reset, process exit) uses it
 * to give every loan back and then to release every native object, whatever JS still references
 * (vm.c). Keys are the engine's object pointers (JS_VALUE_GET_PTR); an entry lives from the
 * object's creation to its finalization. VM thread only.
 */
#ifndef KJS_REGISTRY_H
#define KJS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "quickjs.h"

typedef enum kjs_reg_kind { KJS_REG_OBJECT = 1, KJS_REG_LOAN = 2 } kjs_reg_kind;

typedef struct kjs_reg_entry {
  void *obj;          /* the JSObject; NULL marks a free slot */
  JSClassID class_id; /* KJS_REG_OBJECT: its class */
  unsigned char kind; /* kjs_reg_kind */
  bool released;      /* KJS_REG_OBJECT: finalized early by kjs_class_release_all() */
} kjs_reg_entry;

typedef struct kjs_registry kjs_registry;

kjs_registry *kjs_registry_new(void);
/* Frees the table; entries still in it are a bug of the teardown (reported by the caller). */
void kjs_registry_free(kjs_registry *r);
/* The registry of the VM that owns `rt`; NULL for a bare runtime (unit tests), which is then
 * not tracked. */
kjs_registry *kjs_registry_of(JSRuntime *rt);

/* Makes room for one more entry, so the kjs_registry_add() that follows cannot fail. Returns 0
 * or ERR_ENOMEM. */
int kjs_registry_reserve(kjs_registry *r);
/* Adds `obj` (not yet present); needs a kjs_registry_reserve() first. */
void kjs_registry_add(kjs_registry *r, void *obj, kjs_reg_kind kind, JSClassID class_id);
kjs_reg_entry *kjs_registry_find(kjs_registry *r, void *obj);
void kjs_registry_remove(kjs_registry *r, void *obj);
/* Some entry of `kind` not yet released, or NULL. Callers that release what they get (which
 * may remove other entries) just ask again. */
kjs_reg_entry *kjs_registry_any(kjs_registry *r, kjs_reg_kind kind);
/* Calls fn for every entry (no adds or removes from fn). */
void kjs_registry_each(kjs_registry *r, void (*fn)(const kjs_reg_entry *e, void *user), void *user);
size_t kjs_registry_count(const kjs_registry *r);

#endif
