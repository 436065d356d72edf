/* Sensor sources without FFmpeg: only the built-in pattern exists. */
#include "internal.h"

int sensor_src_open(const char *spec, sensor_src **out) { return ERR_ENOTSUP; }
int sensor_src_next(sensor_src *s) { return ERR_ENOTSUP; }
int sensor_src_render(sensor_src *s, hal_frame *dst) { return ERR_ENOTSUP; }
void sensor_src_close(sensor_src *s) {}
