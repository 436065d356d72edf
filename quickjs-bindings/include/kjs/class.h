/*
 * kjs/class.h — defining a native class (constructor + prototype) for a k230:* module, and the
 * life of its instances.
 *
 * The class id is process-wide (static JSClassID, 0 until first use), taken from a range of
 * kjs's own (not the engine's per-runtime counter) and registered once per runtime, so every
 * runtime (a soft reset makes a new one; VMs on other threads have theirs) gives a class the
 * same id, and no other class that id. Returns the constructor, with
 * `funcs` on its prototype; JS_EXCEPTION on failure. With ctor NULL the class has no constructor
 * (its objects are made by native code only) and JS_UNDEFINED is returned.
 *
 * Instances are made with kjs_class_new_instance() only: the VM tracks every instance of every
 * class from creation to finalization (one made any other way aborts the process when it is
 * finalized: a programming error every test that creates it catches). When the VM goes away (soft reset, exit) whatever an app
 * left open is released through the class finalizer, whatever JS still references: the GC
 * collects what it can, and kjs_class_release_all() finalizes what a reference the GC cannot
 * see still keeps alive. A class gets this by being defined here; its finalizer must release
 * everything (it already must), run no JS, accept a NULL opaque, and check kjs_class_is_live()
 * before it touches another object's native state.
 */
#ifndef KJS_CLASS_H
#define KJS_CLASS_H

#include "quickjs.h"

JSValue kjs_class_create(JSContext *ctx, JSClassID *id, const JSClassDef *def, JSCFunction *ctor, int ctor_argc,
                         const JSCFunctionListEntry *funcs, int nfuncs);

/* A new, tracked instance of class `id` (its opaque still NULL). The prototype comes from
 * new_target in a constructor (so subclasses work), or is the class prototype when new_target
 * is JS_UNDEFINED. */
JSValue kjs_class_new_instance(JSContext *ctx, JSValueConst new_target, JSClassID id);

/* False once the object is being finalized, by the GC or by kjs_class_release_all(): a
 * finalizer must then leave its native state alone (it may be freed already). */
bool kjs_class_is_live(JSRuntime *rt, JSValueConst obj);

/* VM teardown (kjs_vm_free), after loans were returned and the GC ran: finalizes every instance
 * still alive; its opaque becomes NULL and the engine's own finalization later does nothing.
 * Returns how many there were and writes their class names ("Mp4Demuxer, Encoder") to `names`
 * (may be NULL). */
int kjs_class_release_all(JSRuntime *rt, char *names, size_t names_size);

/* {ClassName: live instances} for every class registered in this runtime (memInfo().native). */
JSValue kjs_class_live_counts(JSContext *ctx);

#endif
