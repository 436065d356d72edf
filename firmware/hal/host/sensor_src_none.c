/* Sensor sources without FFmpeg: only the built-in pattern exists. */
#include "internal.h"

int sensor_src_open(const char *spec, sensor_src **out) { return HAL_ENOTSUP; }
int sensor_src_next(sensor_src *s) { return HAL_ENOTSUP; }
int sensor_src_render(sensor_src *s, hal_frame *dst) { return HAL_ENOTSUP; }
void sensor_src_close(sensor_src *s) {}
