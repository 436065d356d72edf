/*
 * hal_sim.h — host-simulator-only helpers for tests and the host port (not part of the HAL
 * contract; never included by code that also builds for the board).
 *
 * Frame stamps: the pattern sensor writes each frame's seq into its top 16 rows as 24 cells
 * across the width (cell width = width / 24, at least 8 px): 16 bits of counter (MSB first)
 * then 8 check bits, white = 1, black = 0. The stamp survives lossy coding at sane bitrates.
 */
#ifndef HAL_SIM_H
#define HAL_SIM_H

#include <stdint.h>

#define HAL_SIM_STAMP_ROWS 16
#define HAL_SIM_STAMP_CELLS 24

/* 1 if pixel (x, y) of a width x height picture is a white stamp cell for `counter`, 0 if
 * black, -1 outside the stamp (or the picture is too small: width < 192 or height < 32). */
int hal_sim_stamp_bit(uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t counter);
/* Read the stamp from a luma plane: the counter (0..65535) or -1 when absent/corrupt. */
int hal_sim_stamp_read(const uint8_t *luma, uint32_t stride, uint32_t width, uint32_t height);

#endif
