/*
 * media/bits.h — a bounds-checked MSB-first bit reader with exp-Golomb codes
 * (ITU-T H.264 §7.2 read_bits / §9.1 ue(v), se(v)).
 *
 * Reading past the end never touches memory beyond `size`: it sets the sticky `overrun` flag and
 * yields zeros, so a parser checks once at the end instead of after every field.
 */
#ifndef MEDIA_BITS_H
#define MEDIA_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct media_bits {
  const uint8_t *data;
  size_t size;  /* bytes */
  size_t pos;   /* bits consumed */
  bool overrun; /* sticky: a read went past the end */
} media_bits;

void media_bits_init(media_bits *b, const uint8_t *data, size_t size);
/* n in 0..32. */
uint32_t media_bits_read(media_bits *b, unsigned n);
void media_bits_skip(media_bits *b, size_t n);
/* ue(v); codes longer than 32 bits set overrun and return 0. */
uint32_t media_bits_ue(media_bits *b);
int32_t media_bits_se(media_bits *b);
size_t media_bits_left(const media_bits *b);

/* Copies a NAL unit to `dst` dropping emulation_prevention_three_byte (00 00 03 -> 00 00).
   Returns the RBSP size; dst must hold `size` bytes. */
size_t media_nal_to_rbsp(const uint8_t *nal, size_t size, uint8_t *dst);

#endif
