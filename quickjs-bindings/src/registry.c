/* The registry of native-resource objects (registry.h): an open-addressing hash set of object
 * pointers, linear probing, deletion by backward shift (no tombstones), at most half full. */
#include "registry.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/errors.h"
#include "vm_internal.h"

struct kjs_registry {
  kjs_reg_entry *slots;
  size_t cap; /* a power of two, or 0 */
  size_t count;
};

kjs_registry *kjs_registry_new(void) { return calloc(1, sizeof(kjs_registry)); }

void kjs_registry_free(kjs_registry *r) {
  if (!r) return;
  free(r->slots);
  free(r);
}

kjs_registry *kjs_registry_of(JSRuntime *rt) {
  kjs_vm *vm = JS_GetRuntimeOpaque(rt);
  return vm ? kjs_vm_registry(vm) : NULL;
}

static size_t home(const kjs_registry *r, const void *obj) {
  /* Objects are 16-byte aligned: drop the constant bits, then mix (Fibonacci hashing). */
  uint64_t h = ((uint64_t)(uintptr_t)obj >> 4) * UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(h >> 32) & (r->cap - 1);
}

static void place(kjs_registry *r, kjs_reg_entry e) {
  size_t i = home(r, e.obj);
  while (r->slots[i].obj) i = (i + 1) & (r->cap - 1);
  r->slots[i] = e;
}

int kjs_registry_reserve(kjs_registry *r) {
  if ((r->count + 1) * 2 <= r->cap) return 0;
  size_t cap = r->cap ? r->cap * 2 : 64;
  kjs_reg_entry *old = r->slots;
  size_t old_cap = r->cap;
  r->slots = calloc(cap, sizeof *r->slots);
  if (!r->slots) {
    r->slots = old;
    return ERR_ENOMEM;
  }
  r->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].obj) place(r, old[i]);
  free(old);
  return 0;
}

void kjs_registry_add(kjs_registry *r, void *obj, kjs_reg_kind kind, JSClassID class_id) {
  place(r, (kjs_reg_entry){obj, class_id, (unsigned char)kind, false});
  r->count++;
}

static size_t slot_of(const kjs_registry *r, const void *obj) {
  if (!r->cap) return SIZE_MAX;
  for (size_t i = home(r, obj);; i = (i + 1) & (r->cap - 1)) {
    if (!r->slots[i].obj) return SIZE_MAX;
    if (r->slots[i].obj == obj) return i;
  }
}

kjs_reg_entry *kjs_registry_find(kjs_registry *r, void *obj) {
  size_t i = slot_of(r, obj);
  return i == SIZE_MAX ? NULL : &r->slots[i];
}

void kjs_registry_remove(kjs_registry *r, void *obj) {
  size_t i = slot_of(r, obj);
  if (i == SIZE_MAX) return;
  size_t mask = r->cap - 1;
  /* Backward shift: pull every later entry of the probe run that may move into the hole. */
  for (size_t j = (i + 1) & mask; r->slots[j].obj; j = (j + 1) & mask) {
    size_t h = home(r, r->slots[j].obj);
    bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
    if (movable) {
      r->slots[i] = r->slots[j];
      i = j;
    }
  }
  r->slots[i] = (kjs_reg_entry){0};
  r->count--;
}

kjs_reg_entry *kjs_registry_any(kjs_registry *r, kjs_reg_kind kind) {
  for (size_t i = 0; i < r->cap; i++)
    if (r->slots[i].obj && r->slots[i].kind == kind && !r->slots[i].released) return &r->slots[i];
  return NULL;
}

void kjs_registry_each(kjs_registry *r, void (*fn)(const kjs_reg_entry *e, void *user), void *user) {
  for (size_t i = 0; i < r->cap; i++)
    if (r->slots[i].obj) fn(&r->slots[i], user);
}

size_t kjs_registry_count(const kjs_registry *r) { return r->count; }
