/* The registry of native objects and loans (src/registry.h) and what a VM teardown does with
 * it (kjs/class.h, kjs/lend.h): every loan returns, every native object is finalized exactly
 * once, whatever JS or a hidden reference still holds; nothing leaks (ASan). */
#include <stdint.h>
#include <stdlib.h>

#include "registry.h" /* quickjs-bindings/src: internal */
#include "check.h"
#include "run_js.h"
#include "kjs/class.h"
#include "kjs/lend.h"
#include "kjs/modules.h"
#include "kjs/vm.h"

/* ---- the hash set alone ---- */

static void table_matches_a_reference(void) {
  kjs_registry *r = kjs_registry_new();
  enum { N = 5000 };
  static char pool[N * 16] __attribute__((aligned(16)));
  static bool in[N];
  uint32_t seed = 12345;
  size_t live = 0;
  for (int step = 0; step < 40000; step++) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)((seed >> 8) % N);
    void *p = pool + 16 * i;
    if (in[i]) {
      kjs_registry_remove(r, p);
      in[i] = false;
      live--;
    } else {
      CHECK_EQ_INT(kjs_registry_reserve(r), 0);
      kjs_registry_add(r, p, (step & 1) ? KJS_REG_OBJECT : KJS_REG_LOAN, (JSClassID)i);
      in[i] = true;
      live++;
    }
    if (step % 997 == 0) {
      for (int k = 0; k < N; k++) {
        kjs_reg_entry *e = kjs_registry_find(r, pool + 16 * k);
        if (in[k] != (e != NULL) || (e && e->class_id != (JSClassID)k)) {
          CHECK(!"registry lost or invented an entry");
          k = N;
        }
      }
    }
  }
  CHECK_EQ_INT(kjs_registry_count(r), live);
  kjs_registry_free(r);
}

/* ---- a native class for the teardown tests ---- */

typedef struct holder {
  JSValue hidden; /* a reference the GC cannot see (a bug the teardown must survive) */
  uint8_t memory[64];
} holder;

static JSClassID holder_class_id;
static int finalized, returned;

static void holder_finalizer(JSRuntime *rt, JSValueConst val) {
  holder *h = JS_GetOpaque(val, holder_class_id);
  if (!h) return;
  finalized++;
  JS_FreeValueRT(rt, h->hidden);
  free(h);
}

static const JSClassDef holder_class = {"Holder", .finalizer = holder_finalizer};

static JSValue holder_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  holder *h = calloc(1, sizeof *h);
  JSValue obj = kjs_class_new_instance(ctx, new_target, holder_class_id);
  if (JS_IsException(obj)) {
    free(h);
    return obj;
  }
  h->hidden = JS_UNDEFINED;
  JS_SetOpaque(obj, h);
  return obj;
}

/* holder.hideSelf(): keeps a counted reference to itself that no gc_mark reports. */
static JSValue holder_hide_self(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  holder *h = JS_GetOpaque2(ctx, this_val, holder_class_id);
  if (!h) return JS_EXCEPTION;
  h->hidden = JS_DupValue(ctx, this_val);
  return JS_UNDEFINED;
}

static void on_return(JSRuntime *rt, void *opaque) { returned++; }

/* holder.lend(): an ArrayBuffer over the holder's memory, owned by the holder. */
static JSValue holder_lend(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  holder *h = JS_GetOpaque2(ctx, this_val, holder_class_id);
  if (!h) return JS_EXCEPTION;
  return kjs_lend_buffer(ctx, h->memory, sizeof h->memory, this_val, on_return, NULL);
}

static JSValue live_counts(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  return kjs_class_live_counts(ctx);
}

static const JSCFunctionListEntry holder_funcs[] = {
    JS_CFUNC_DEF("hideSelf", 0, holder_hide_self),
    JS_CFUNC_DEF("lend", 0, holder_lend),
};

static int holder_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue cls = kjs_class_create(ctx, &holder_class_id, &holder_class, holder_ctor, 0, holder_funcs, 2);
  JS_SetModuleExport(ctx, m, "Holder", cls);
  return JS_SetModuleExport(ctx, m, "liveCounts", JS_NewCFunction(ctx, live_counts, "liveCounts", 0));
}

static JSModuleDef *holder_module(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, holder_module_init);
  if (m) {
    JS_AddModuleExport(ctx, m, "Holder");
    JS_AddModuleExport(ctx, m, "liveCounts");
  }
  return m;
}

int main(void) {
  table_matches_a_reference();
  kjs_modules_register("test:holder", holder_module);

  /* Left open in globals, one lending its memory to a buffer JS keeps: the loan returns, then
   * both objects are finalized once. Before the teardown released loans, the buffer's reference
   * to its owner kept the whole context alive (a leak, and an engine assertion). */
  finalized = returned = 0;
  CHECK_EQ_INT(run_js("import { Holder, liveCounts } from 'test:holder';\n"
                      "globalThis.a = new Holder(); globalThis.b = new Holder();\n"
                      "globalThis.buf = new Uint8Array(b.lend()); buf[0] = 1;\n"
                      "if (liveCounts().Holder !== 2) throw new Error('counts ' + JSON.stringify(liveCounts()));\n"),
               KJS_EXIT_OK);
  CHECK_EQ_INT(returned, 1);
  CHECK_EQ_INT(finalized, 2);

  /* A reference no gc_mark reports keeps an object alive past the GC: the teardown finalizes it
   * anyway (and says so), and its finalizer's release of that reference frees the rest. */
  finalized = returned = 0;
  CHECK_EQ_INT(run_js("import { Holder } from 'test:holder';\n"
                      "const h = new Holder(); h.hideSelf(); globalThis.keep = [h, new Holder()];\n"),
               KJS_EXIT_OK);
  CHECK_EQ_INT(finalized, 2);

  /* Dropped by JS while running: finalized by the GC, once, and not again at teardown. */
  finalized = 0;
  CHECK_EQ_INT(run_js("import { Holder, liveCounts } from 'test:holder';\n"
                      "for (let i = 0; i < 1000; i++) new Holder().lend();\n"
                      "if (liveCounts().Holder > 1000) throw new Error('not tracked');\n"),
               KJS_EXIT_OK);
  CHECK_EQ_INT(finalized, 1000);
  return CHECK_DONE();
}
