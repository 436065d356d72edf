/* Frame-counter stamps of the pattern sensor (hal_sim.h). */
#include <stddef.h>

#include "hal_sim.h"

static uint32_t stamp_word(uint32_t counter) {
  uint32_t c = counter & 0xffff;
  uint32_t check = (c ^ (c >> 8) ^ 0xa5) & 0xff;
  return (c << 8) | check;
}

int hal_sim_stamp_bit(uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t counter) {
  if (width < 192 || height < 32 || y >= HAL_SIM_STAMP_ROWS) return -1;
  uint32_t cw = width / HAL_SIM_STAMP_CELLS, cell = x / cw;
  if (cell >= HAL_SIM_STAMP_CELLS) return -1;
  return (int)((stamp_word(counter) >> (HAL_SIM_STAMP_CELLS - 1 - cell)) & 1);
}

int hal_sim_stamp_read(const uint8_t *luma, uint32_t stride, uint32_t width, uint32_t height) {
  if (width < 192 || height < 32) return -1;
  uint32_t cw = width / HAL_SIM_STAMP_CELLS, word = 0;
  for (uint32_t cell = 0; cell < HAL_SIM_STAMP_CELLS; cell++) {
    uint32_t sum = 0, n = 0;
    for (uint32_t y = 4; y < 12; y++)
      for (uint32_t x = cell * cw + cw / 4; x < cell * cw + cw * 3 / 4; x++) {
        sum += luma[(size_t)y * stride + x];
        n++;
      }
    word = (word << 1) | (sum / n > 128);
  }
  uint32_t c = word >> 8;
  return stamp_word(c) == word ? (int)c : -1;
}
