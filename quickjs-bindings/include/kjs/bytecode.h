/*
 * kjs/bytecode.h — the k230js bytecode file: a header that names the engine version, then the
 * engine's serialized module.
 *
 *   offset size
 *   0      8    magic "K230JSBC"
 *   8      4    file format version (little endian), KJS_BYTECODE_FORMAT
 *   12     16   engine version string (NUL padded), e.g. "0.17.0"
 *   28     4    payload length (LE)
 *   32     4    CRC-32 of the payload (LE)
 *   36     ...  JS_WriteObject() output of one compiled module, its own checksum (the u32 after
 *               its version byte) set to UINT32_MAX, which the engine leaves unchecked: the
 *               CRC-32 covers every payload byte
 *
 * The engine's own bytecode changes between releases without a reliable marker, so the reader
 * refuses a file from another engine version with an error that says which one.
 */
#ifndef KJS_BYTECODE_H
#define KJS_BYTECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

#define KJS_BYTECODE_MAGIC "K230JSBC"
#define KJS_BYTECODE_FORMAT 1
#define KJS_BYTECODE_HEADER_SIZE 36

bool kjs_bytecode_is(const uint8_t *buf, size_t len);

/* Compiles module source to a complete bytecode file (header included). Returns a malloc'd
 * buffer, or NULL with the exception left pending in ctx. `strip` drops source text but keeps
 * line numbers (stack traces still work). */
uint8_t *kjs_bytecode_compile(JSContext *ctx, const char *name, const char *src, size_t len, bool strip,
                              size_t *out_len);

/* Reads a bytecode file into a module function value (not yet evaluated). On failure returns
 * JS_EXCEPTION with a one-line Error pending that says what is wrong. */
JSValue kjs_bytecode_load(JSContext *ctx, const uint8_t *buf, size_t len);

uint32_t kjs_crc32(const uint8_t *buf, size_t len);

#endif
