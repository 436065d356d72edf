/* Minimal PNG writer (RFC 2083 / ISO 15948): 8-bit RGB, zlib stream of stored deflate blocks
 * (RFC 1950/1951), so no compression library is needed on any target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void chunk(FILE *f, const char *type, const uint8_t *data, size_t len) {
  uint8_t hdr[8];
  be32(hdr, (uint32_t)len);
  memcpy(hdr + 4, type, 4);
  fwrite(hdr, 1, 8, f);
  if (len) fwrite(data, 1, len, f);
  uint32_t crc = crc_update(0xffffffffu, (const uint8_t *)type, 4);
  crc = crc_update(crc, data, len) ^ 0xffffffffu;
  be32(hdr, crc);
  fwrite(hdr, 1, 4, f);
}

int png_write_rgb_file(FILE *f, const uint8_t *rgb, uint32_t w, uint32_t h) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, crc_init);
  size_t row = (size_t)w * 3 + 1, raw_len = row * h;
  size_t nblocks = (raw_len + 65534) / 65535;
  size_t z_len = 2 + raw_len + nblocks * 5 + 4;
  uint8_t *z = malloc(z_len);
  if (!z) return ERR_ENOMEM;
  size_t o = 0, done = 0;
  z[o++] = 0x78; /* CMF: deflate, 32 KiB window */
  z[o++] = 0x01; /* FLG: no dictionary, check bits */
  uint32_t a = 1, b = 0;
  size_t y = 0, in_row = 0; /* position in the filtered scanline stream */
  while (done < raw_len) {
    size_t n = raw_len - done < 65535 ? raw_len - done : 65535;
    z[o++] = done + n == raw_len ? 1 : 0;
    z[o++] = (uint8_t)n;
    z[o++] = (uint8_t)(n >> 8);
    z[o++] = (uint8_t)~n;
    z[o++] = (uint8_t)(~n >> 8);
    for (size_t i = 0; i < n; i++) {
      uint8_t byte = in_row == 0 ? 0 /* filter: none */ : rgb[y * w * 3 + in_row - 1];
      if (++in_row == row) in_row = 0, y++;
      z[o++] = byte;
      a = (a + byte) % 65521;
      b = (b + a) % 65521;
    }
    done += n;
  }
  be32(z + o, (b << 16) | a);
  o += 4;
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  fwrite(sig, 1, 8, f);
  uint8_t ihdr[13];
  be32(ihdr, w);
  be32(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  chunk(f, "IHDR", ihdr, 13);
  chunk(f, "IDAT", z, o);
  chunk(f, "IEND", NULL, 0);
  free(z);
  return ferror(f) ? ERR_EIO : 0;
}

int png_write_rgb(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h) {
  FILE *f = fopen(path, "wb");
  if (!f) return ERR_ENOENT;
  int rc = png_write_rgb_file(f, rgb, w, h);
  if (fclose(f) && !rc) rc = ERR_EIO;
  return rc;
}
