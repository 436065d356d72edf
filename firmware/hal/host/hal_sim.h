/*
 * hal_sim.h — host-simulator-only helpers for tests, the host port and the MPP double (not part
 * of the HAL contract; never included by code that also builds for the board).
 *
 * Frame stamps: the pattern sensor writes each frame's seq into its top 16 rows as 24 cells
 * across the width (cell width = width / 24, at least 8 px): 16 bits of counter (MSB first)
 * then 8 check bits, white = 1, black = 0. The stamp survives lossy coding at sane bitrates.
 */
#ifndef HAL_SIM_H
#define HAL_SIM_H

#include <stdint.h>

#include "hal/vb.h"

#define HAL_SIM_STAMP_ROWS 16
#define HAL_SIM_STAMP_CELLS 24

/* 1 if pixel (x, y) of a width x height picture is a white stamp cell for `counter`, 0 if
 * black, -1 outside the stamp (or the picture is too small: width < 192 or height < 32). */
int hal_sim_stamp_bit(uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t counter);
/* Read the stamp from a luma plane: the counter (0..65535) or -1 when absent/corrupt. */
int hal_sim_stamp_read(const uint8_t *luma, uint32_t stride, uint32_t width, uint32_t height);

/* Render picture n of the pattern sensor (colour bars, a square moving 8 px per frame, the stamp
 * of n) into f, laid out by its format, planes and strides. Shared with the MPP double's VICAP
 * (test/mpp-double), so both cameras show the same pictures. */
void hal_sim_pattern_render(hal_frame *f, uint32_t n);

#endif
