/*
 * kjs/class.h — defining a native class (constructor + prototype) for a k230:* module.
 *
 * The class id is process-wide (static JSClassID, 0 until first use) and registered once per
 * runtime, so a soft reset (a new runtime) gets the same id. Returns the constructor, with
 * `funcs` on its prototype; JS_EXCEPTION on failure. With ctor NULL the class has no constructor
 * (its objects are made by native code only) and JS_UNDEFINED is returned.
 */
#ifndef KJS_CLASS_H
#define KJS_CLASS_H

#include "quickjs.h"

JSValue kjs_class_create(JSContext *ctx, JSClassID *id, const JSClassDef *def, JSCFunction *ctor, int ctor_argc,
                         const JSCFunctionListEntry *funcs, int nfuncs);

/* `new.target`-aware instance creation for constructors: an object of class `id` whose
 * prototype comes from new_target (so subclasses work). */
JSValue kjs_class_new_instance(JSContext *ctx, JSValueConst new_target, JSClassID id);

#endif
