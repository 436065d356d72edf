/*
 * rtsp/message.h — RTSP/1.0 request (RFC 2326 §6) and response (§7) parsing on one message
 * parser, interleaved binary frames (§10.12) and status texts (§7.1.1).
 *
 * The parsers are incremental only in the sense that they return 0 until a whole message
 * (headers and Content-Length body) is in the buffer; they never read past `len` and never
 * allocate.
 */
#ifndef RTSP_MESSAGE_H
#define RTSP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define RTSP_MAX_HEADERS 64

typedef struct rtsp_limits {
  size_t max_header_bytes; /* request line + headers + blank line */
  size_t max_line;         /* any one line */
  int max_headers;         /* <= RTSP_MAX_HEADERS */
  size_t max_body;         /* Content-Length */
} rtsp_limits;

#define RTSP_LIMITS_DEFAULT \
  { 8192, 2048, 64, 16384 }

typedef struct rtsp_header {
  const char *name;
  const char *value; /* trimmed */
} rtsp_header;

typedef struct rtsp_request {
  const char *method;
  const char *uri;
  const char *version;
  rtsp_header headers[RTSP_MAX_HEADERS];
  int nheaders;
  long cseq;           /* -1 when absent */
  const uint8_t *body; /* points into the input buffer */
  size_t body_len;
} rtsp_request;

/*
 * Parses one request at the start of buf. Strings are copied into `scratch` (cap must be >
 * lim->max_header_bytes) and NUL-terminated there; `req` points into scratch and buf.
 * Returns the bytes consumed (> 0), 0 when more bytes are needed, or ERR_EBADDATA with
 * *status set to the reply code (400 malformed, 413 body too large, 505 version). After an
 * error the stream cannot be resynchronised: reply and close.
 */
int rtsp_request_parse(const uint8_t *buf, size_t len, const rtsp_limits *lim, char *scratch, size_t scratch_cap,
                       rtsp_request *req, int *status);

typedef struct rtsp_response {
  int status;         /* 100..999 */
  const char *reason; /* may be empty */
  rtsp_header headers[RTSP_MAX_HEADERS];
  int nheaders;
  long cseq; /* -1 when absent */
  const uint8_t *body;
  size_t body_len;
} rtsp_response;

/* One response at the start of buf, with the request parser's rules for headers and limits.
 * Returns the bytes consumed, 0 when more are needed, ERR_EBADDATA (not an RTSP/1.0 response,
 * malformed) or ERR_ELIMIT (body over lim->max_body). */
int rtsp_response_parse(const uint8_t *buf, size_t len, const rtsp_limits *lim, char *scratch, size_t scratch_cap,
                        rtsp_response *resp);

/* First header with this name (case-insensitive), or NULL. */
const char *rtsp_header_find(const rtsp_header *h, int n, const char *name);
const char *rtsp_request_header(const rtsp_request *req, const char *name);
int rtsp_request_header_count(const rtsp_request *req, const char *name);

/* RFC 2326 §10.12 interleaved frame header: '$', channel, 16-bit big-endian length. The one
 * writer of it (RTP packets in rtp_pktbuf, RTCP, the pusher). */
#define RTSP_INTERLEAVED_PREFIX 4
static inline void rtsp_interleaved_put(uint8_t h[RTSP_INTERLEAVED_PREFIX], int channel, size_t len) {
  h[0] = '$';
  h[1] = (uint8_t)channel;
  h[2] = (uint8_t)(len >> 8);
  h[3] = (uint8_t)len;
}

/*
 * RFC 2326 §10.12: '$', channel, 16-bit big-endian length, data. buf[0] must be '$'.
 * Returns the frame's total size (4 + length) when it is complete, 0 when more bytes are needed.
 */
int rtsp_interleaved_parse(const uint8_t *buf, size_t len, int *channel, const uint8_t **data, size_t *size);

/* Reason phrase for a status code (RFC 2326 §7.1.1); "Unknown" for others. */
const char *rtsp_status_text(int code);

#endif
