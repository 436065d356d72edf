/*
 * kjs/record.h — plain JS objects with a fixed set of fields that native code makes for every
 * frame or unit it hands to JS (an Mp4Demuxer frame, an AnnexBReader unit).
 *
 * The field names are interned once (kjs_record_names_init, at the owner's construction) and each
 * object's fields are defined as own data properties: no name looked up by its string, no setter
 * looked for up the prototype chain, per object. The owner frees the names with
 * kjs_record_names_free (its finalizer: runtime only).
 */
#ifndef KJS_RECORD_H
#define KJS_RECORD_H

#include "quickjs.h"

enum { KJS_RECORD_MAX_FIELDS = 8 };

typedef struct kjs_record_names {
  int count;
  JSAtom atom[KJS_RECORD_MAX_FIELDS];
} kjs_record_names;

/* Interns `count` (at most KJS_RECORD_MAX_FIELDS) names. 0, or -1 with an exception pending and
 * nothing left to free. */
int kjs_record_names_init(JSContext *ctx, kjs_record_names *n, const char *const *names, int count);
/* Frees the names; *n is then empty. Safe on an empty or zeroed one. */
void kjs_record_names_free(JSRuntime *rt, kjs_record_names *n);
/* A new object whose fields are n's names with `values` (n->count of them, all taken, whatever
 * happens), in that order; JS_EXCEPTION on failure. */
JSValue kjs_record_new(JSContext *ctx, const kjs_record_names *n, JSValue *values);

#endif
