/*
 * media/g711.h — ITU-T G.711 A-law and µ-law companding of 16-bit linear PCM.
 *
 * Bit-exact with the ITU-T G.711 tables (and the G.191 reference): A-law uses the top 13 bits,
 * µ-law the top 14 bits of the sample; decoding yields the segment mid-points scaled to 16 bits.
 * The buffer functions convert `n` samples; source and destination must not overlap.
 */
#ifndef MEDIA_G711_H
#define MEDIA_G711_H

#include <stddef.h>
#include <stdint.h>

uint8_t media_alaw_encode(int16_t pcm);
int16_t media_alaw_decode(uint8_t code);
uint8_t media_ulaw_encode(int16_t pcm);
int16_t media_ulaw_decode(uint8_t code);

void media_alaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n);
void media_alaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n);
void media_ulaw_encode_buf(const int16_t *pcm, uint8_t *out, size_t n);
void media_ulaw_decode_buf(const uint8_t *in, int16_t *pcm, size_t n);

#endif
