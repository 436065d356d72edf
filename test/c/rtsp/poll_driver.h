/*
 * poll_driver.h — a minimal poll()-based event loop implementing rtsp_io_ops, for the socket
 * tests (test-only: the runtime drives the adapters from its own loop).
 */
#ifndef RTSP_POLL_DRIVER_H
#define RTSP_POLL_DRIVER_H

#include <stdint.h>

#include "rtsp/server_posix.h"

typedef struct rtsp_poll_loop rtsp_poll_loop;

extern const rtsp_io_ops rtsp_poll_ops;

rtsp_poll_loop *rtsp_poll_new(void);
void rtsp_poll_free(rtsp_poll_loop *l);
/* Waits up to timeout_ms and dispatches ready fds. Returns the number dispatched or -1. */
int rtsp_poll_run_once(rtsp_poll_loop *l, int timeout_ms);
uint64_t rtsp_poll_now_us(void);

#endif
