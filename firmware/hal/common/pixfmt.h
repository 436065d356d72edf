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
/* Where NV12's UV plane starts: width * height rounded up to 1 << align_log2 bytes (0: right
 * after Y). */
size_t hal_pixfmt_uv_offset(uint32_t width, uint32_t height, int align_log2);
/* hal_pixfmt_size with NV12's UV plane at hal_pixfmt_uv_offset (other formats: unchanged). */
size_t hal_pixfmt_size_aligned(hal_pixfmt fmt, uint32_t width, uint32_t height, int align_log2);
/* The layout of f->format, f->width and f->height at virt/phys, rows of width * bpp bytes and
 * NV12's UV plane at hal_pixfmt_uv_offset(align_log2; 0: tight): fills f->data, f->phys and
 * f->stride. */
void hal_frame_layout(hal_frame *f, uint8_t *virt, uint64_t phys, int align_log2);

#endif
