/*
 * hal/common/pixfmt.h — plane geometry of the HAL's pixel formats, shared by the HAL backends
 * and the MPP double (test/mpp-double); not part of the contract in hal/include. The contract's
 * hal_pixfmt_name and hal_pixfmt_size (hal/vb.h) are implemented once, in pixfmt.c.
 */
#ifndef HAL_COMMON_PIXFMT_H
#define HAL_COMMON_PIXFMT_H

#include "hal/vb.h"

/* Largest width or height hal_pixfmt_size accepts (the board's VB and codecs go no further). */
#define HAL_PIXFMT_MAX_DIM 8192

/* Planes of fmt: 2 for NV12 (Y, interleaved UV), 1 for the packed formats, 0 for NONE. */
int hal_pixfmt_planes(hal_pixfmt fmt);
/* Bytes of one pixel of a packed format (RGB888 3, RGB565 2, GRAYSCALE 1, ARGB8888 4); NV12 1
 * (its Y plane); 0 for NONE. */
uint32_t hal_pixfmt_bpp(hal_pixfmt fmt);
/* Rows of plane `plane` in a picture `height` rows high (NV12's UV plane has half). */
uint32_t hal_pixfmt_plane_rows(hal_pixfmt fmt, int plane, uint32_t height);
/* The tight layout (rows of width * bpp bytes, NV12's UV right after Y) of f->format, f->width
 * and f->height at virt/phys: fills f->data, f->phys and f->stride. */
void hal_frame_layout(hal_frame *f, uint8_t *virt, uint64_t phys);

#endif
