/*
 * kjs/sha256.h — SHA-256 (FIPS 180-4), incremental, for whole-file hashes in the raw protocol.
 *
 *   kjs_sha256 h; kjs_sha256_init(&h); kjs_sha256_update(&h, p, n); kjs_sha256_final(&h, out32);
 */
#ifndef KJS_SHA256_H
#define KJS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct kjs_sha256 {
  uint32_t state[8];
  uint64_t bytes;
  uint8_t block[64];
  size_t fill;
} kjs_sha256;

void kjs_sha256_init(kjs_sha256 *h);
void kjs_sha256_update(kjs_sha256 *h, const void *data, size_t len);
void kjs_sha256_final(kjs_sha256 *h, uint8_t out[32]);

#endif
