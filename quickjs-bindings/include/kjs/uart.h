/*
 * kjs/uart.h — the byte link the REPL and the raw protocol run over.
 *
 * A kjs_uart wraps an input fd and an output fd (host: stdio, or a pty master; board: the console
 * UART or USB CDC). A reader thread drains the input fd so that Ctrl-C (0x03) interrupts running
 * JavaScript within milliseconds even while the VM thread is busy; every other byte is queued to
 * a pipe that the VM's event loop watches (kjs_uart_rx_fd()), so timers and the REPL coexist.
 *
 *   kjs_uart *u = kjs_uart_open_pty(&err);          // or kjs_uart_open_fds(0, 1)
 *   kjs_uart_set_vm(u, vm);                         // Ctrl-C target; NULL while no VM exists
 *   kjs_loop_fd_watch(loop, kjs_uart_rx_fd(u), POLLIN, KJS_FD_WEAK, on_rx, u);
 *   n = kjs_uart_read(u, buf, sizeof buf);          // non-blocking, from the queue
 *   kjs_uart_write(u, "hi\n", 3);                   // blocking; \n -> \r\n when crlf is on
 *   kjs_uart_free(u);
 *
 * Threading: kjs_uart_set_vm/set_intr/write/read/free are called on the VM thread only.
 */
#ifndef KJS_UART_H
#define KJS_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct kjs_uart kjs_uart;
typedef struct kjs_vm kjs_vm;

/* What the reader thread does with 0x03. */
enum {
  KJS_UART_INTR_OFF = 0,   /* a plain byte (binary transfers, raw frames) */
  KJS_UART_INTR_QUEUE = 1, /* interrupt the VM and also queue the byte (REPL prompt: clears the line) */
  KJS_UART_INTR_EAT = 2    /* interrupt the VM and drop the byte (JS is running) */
};

/* Uses existing fds (not closed by kjs_uart_free). When `in_fd` is a terminal it is switched to
 * raw mode until kjs_uart_free. Returns NULL on failure (errno set). */
kjs_uart *kjs_uart_open_fds(int in_fd, int out_fd);
/* Creates a pty with posix_openpt; the far end's path is kjs_uart_path(). The slave side is kept
 * open (raw) by the uart itself so a tool can disconnect and reconnect. NULL on failure. */
kjs_uart *kjs_uart_open_pty(void);
void kjs_uart_free(kjs_uart *u);

/* "/dev/pts/N" for a pty uart, NULL otherwise. Owned by the uart. */
const char *kjs_uart_path(const kjs_uart *u);

/* The fd to watch for queued input (POLLIN). Owned by the uart. */
int kjs_uart_rx_fd(const kjs_uart *u);
/* Non-blocking read of queued input: >0 bytes, 0 nothing queued, -1 the link closed (EOF). */
ssize_t kjs_uart_read(kjs_uart *u, void *buf, size_t len);
/* Blocking read of exactly len bytes, waiting at most timeout_ms for each byte (-1: forever).
 * Returns 0, or -1 on EOF/timeout. Used by protocol code that knows a frame is arriving. */
int kjs_uart_read_full(kjs_uart *u, void *buf, size_t len, int timeout_ms);

/* Writes everything (blocking). With crlf on, "\n" is sent as "\r\n". Returns 0 or -1 (link
 * gone; further writes are dropped). */
int kjs_uart_write(kjs_uart *u, const void *buf, size_t len);
void kjs_uart_set_crlf(kjs_uart *u, bool on);

/* Side output for low-priority data (the display preview, kjs/preview.h): a writer thread writes
 * one batch of pieces, each piece whole and between the session's own writes, which always go
 * first, so a slow link delays the console by one piece at most. `buf` (malloc'd) holds the
 * pieces back to back; on success the uart owns it. Returns 0, or -1 while the previous batch
 * is still going out (the caller keeps buf and drops its data: nothing queues up). */
int kjs_uart_side_write(kjs_uart *u, void *buf, const size_t *pieces, size_t npieces);
/* True when the last batch has gone out (or was cancelled). */
bool kjs_uart_side_idle(kjs_uart *u);
/* Drops the pieces not yet written; a piece being written finishes first. */
void kjs_uart_side_cancel(kjs_uart *u);
/* The line's rate in bytes/s when known (a UART), 0 when not: with a rate the side writer also
 * waits until the line has carried what was written before (as the line would, had the output
 * no buffer), so the console's bytes never queue behind side data in the link. */
void kjs_uart_side_set_rate(kjs_uart *u, uint32_t bytes_per_s);
bool kjs_uart_crlf(const kjs_uart *u);

/* The VM that Ctrl-C interrupts (borrowed; set NULL before freeing it). */
void kjs_uart_set_vm(kjs_uart *u, kjs_vm *vm);
/* Sets the Ctrl-C policy (KJS_UART_INTR_*); returns the previous one. */
int kjs_uart_set_intr(kjs_uart *u, int mode);
/* Number of Ctrl-C bytes the reader thread turned into interrupts since the last call. */
int kjs_uart_take_intr_count(kjs_uart *u);

#endif
