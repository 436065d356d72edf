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

/* ---- the display's sinks (display_sinks.c): K230JS_SIM_DISPLAY, read at open (hal/display.h
 * documents the syntax). The screens of hal/host's display and of the MPP double's VO go here. */
typedef struct sim_display_sinks sim_display_sinks;
/* For a width x height NV12 screen at fps. `latest` gives the live view a reference to the newest
 * screen (released with frame_unref), NULL before the first; it is called from the view's thread.
 * ERR_EINVAL for a bad option, ERR_EBUSY for a taken port, ERR_ENOENT for an unwritable file. */
int sim_display_sinks_open(uint32_t width, uint32_t height, uint32_t fps, hal_frame *(*latest)(void *user), void *user,
                           sim_display_sinks **out);
/* Screen number n (0, 1, ...) to the Y4M file and, every Nth, to a PNG. */
void sim_display_sinks_write(sim_display_sinks *s, const hal_frame *screen, uint64_t n);
/* Stops the live view first (it reads the owner's screens), then closes the files. NULL ok. */
void sim_display_sinks_close(sim_display_sinks *s);

/* ---- composition (compose.c) into an NV12 screen; parts outside the screen are clipped ---- */
/* An NV12 picture at (x, y), scaled (nearest) to w x h (0: the picture's size). */
void sim_compose_nv12(hal_frame *dst, const hal_frame *src, int x, int y, uint32_t w, uint32_t h);
/* An ARGB8888 / RGB888 / RGB565 / GRAYSCALE picture (hal/vb.h byte orders) alpha-blended at
 * (x, y), scaled to w x h (0: its size), with a global alpha (255 = the picture's own). */
void sim_compose_rgb(hal_frame *dst, const hal_frame *src, int x, int y, uint32_t w, uint32_t h, uint8_t alpha);
/* NV12 src turned clockwise by quarter_turns x 90 degrees into dst (sized for the result). */
void sim_rotate_nv12(hal_frame *dst, const hal_frame *src, int quarter_turns);

/* ---- audio (audio_sim.c) ----
 * The microphone: K230JS_SIM_AUDIO_IN = sine (440 Hz, default) | sine:HZ | wav:PATH (16-bit PCM of
 * the same rate and channels, looped), paced by the clock unless K230JS_SIM_AUDIO_PACE=0. */
typedef struct sim_audio_src sim_audio_src;
/* ERR_EINVAL for a bad option or a WAV of another rate/channel count, ERR_ENOENT, ERR_EBADDATA. */
int sim_audio_src_open(uint32_t rate, uint32_t channels, sim_audio_src **out);
/* The next n samples per channel (interleaved) into buf, when they are due: ERR_ETIMEDOUT after
 * timeout_ms (-1 forever) if they are not. *pts_us (may be NULL): their time from the sample count. */
int sim_audio_src_read(sim_audio_src *a, int16_t *buf, uint32_t n, int timeout_ms, uint64_t *pts_us);
void sim_audio_src_close(sim_audio_src *a);
/* The speaker: K230JS_SIM_AUDIO_OUT = none (default) | wav:PATH. */
typedef struct sim_audio_sink sim_audio_sink;
int sim_audio_sink_open(uint32_t rate, uint32_t channels, sim_audio_sink **out);
/* Makes the WAV the speaker's timeline (hal/audio.h): a "clk " chunk holds the hal_clock_us()
 * time of its first sample and sim_audio_sink_write_at fills gaps with silence. Before any write. */
void sim_audio_sink_timeline(sim_audio_sink *s);
/* count samples per channel, interleaved. */
void sim_audio_sink_write(sim_audio_sink *s, const int16_t *samples, uint32_t count);
/* The same, heard from start_us on (hal_clock_us time); on a timeline sink the silence since the
 * previous samples ran out is recorded first. */
void sim_audio_sink_write_at(sim_audio_sink *s, const int16_t *samples, uint32_t count, uint64_t start_us);
/* Completes the WAV header. NULL ok. */
void sim_audio_sink_close(sim_audio_sink *s);

#endif
