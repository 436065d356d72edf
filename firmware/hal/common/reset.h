/*
 * hal/common/reset.h — the part of hal_reset_all both backends share; not part of the contract in
 * hal/include.
 */
#ifndef HAL_COMMON_RESET_H
#define HAL_COMMON_RESET_H

/* Stops and closes every object the handle table holds, in the K230 teardown order
 * (k230-platform.md §2.5): sensor stop -> unbind -> venc -> vdec -> display -> audio in/out ->
 * sensor close -> blocks -> pools. The backend gives app-held frames back before (the board's
 * channels must still exist then) and ends the run after. */
void hal_reset_objects(void);

#endif
