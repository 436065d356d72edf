// RTSP/1.0 message syntax, RFC 2326 §6 (requests), §4 (message format), §10.12 (interleaving).
#include "rtsp/message.h"

#include <string.h>
#include <strings.h>

#include "base/errors.h"
#include "util.h"

static int fail(int *status, int code) {
  *status = code;
  return ERR_EBADDATA;
}

static bool tchar(char c) {
  /* token characters, RFC 2326 §15.1 (HTTP/1.1 token) */
  if (c <= 32 || c >= 127) return false;
  return !strchr("()<>@,;:\\\"/[]?={}", c);
}

static bool all_digits(const char *s, size_t max_digits) {
  size_t n = 0;
  for (; *s; s++, n++)
    if (*s < '0' || *s > '9') return false;
  return n > 0 && n <= max_digits;
}

/* The message syntax requests and responses share (§4, §6.2, §7.2): a start line, headers, an
 * empty line, a Content-Length body. *first gets the start line, NUL-terminated in scratch. */
static int parse_message(const uint8_t *buf, size_t len, const rtsp_limits *lim, char *scratch, size_t scratch_cap,
                         char **first, rtsp_header *hdrs, int *nh, long *cseq, const uint8_t **body, size_t *body_len,
                         int *status) {
  *status = 0;
  /* §4: messages end their header section with an empty line; CRLF or bare LF accepted. */
  size_t scan = len < lim->max_header_bytes ? len : lim->max_header_bytes;
  size_t hend = 0;
  for (size_t i = 0; i < scan; i++) {
    if (buf[i] == 0) return fail(status, 400);
    if (buf[i] != '\n') continue;
    if (i + 1 < scan && buf[i + 1] == '\n') {
      hend = i + 2;
      break;
    }
    if (i + 2 < scan && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
      hend = i + 3;
      break;
    }
  }
  if (!hend) return len >= lim->max_header_bytes ? fail(status, 400) : 0;
  if (hend >= scratch_cap) return fail(status, 400);
  memcpy(scratch, buf, hend);
  scratch[hend] = 0;

  *first = NULL;
  *nh = 0;
  *cseq = -1;
  *body = NULL;
  *body_len = 0;
  char *line = scratch;
  long content_length = -1;
  for (;;) {
    char *nl = strchr(line, '\n');
    if (!nl) break;
    *nl = 0;
    size_t ll = (size_t)(nl - line);
    if (ll && line[ll - 1] == '\r') line[--ll] = 0;
    if (ll > lim->max_line) return fail(status, 400);
    if (memchr(line, '\r', ll)) return fail(status, 400); /* bare CR inside a line */
    if (ll == 0) break;                                   /* end of headers */
    if (!*first) {
      *first = line;
    } else {
      /* §4.2 / HTTP message-header = field-name ":" [ field-value ]; folding unsupported */
      if (rtsp_is_ws(line[0])) return fail(status, 400);
      char *colon = strchr(line, ':');
      if (!colon || colon == line) return fail(status, 400);
      *colon = 0;
      for (char *c = line; *c; c++)
        if (!tchar(*c)) return fail(status, 400);
      const char *v = colon + 1, *ve = line + ll;
      rtsp_trim(&v, &ve);
      ((char *)ve)[0] = 0;
      if (*nh >= lim->max_headers || *nh >= RTSP_MAX_HEADERS) return fail(status, 400);
      hdrs[*nh].name = line;
      hdrs[*nh].value = v;
      (*nh)++;
      if (strcasecmp(line, "CSeq") == 0) {
        /* §12.17: exactly one, a number */
        if (*cseq >= 0 || !all_digits(v, 9)) return fail(status, 400);
        *cseq = 0;
        for (const char *c = v; *c; c++) *cseq = *cseq * 10 + (*c - '0');
      } else if (strcasecmp(line, "Content-Length") == 0) {
        /* §12.14: duplicates must agree; negative, non-numeric or huge is malformed */
        if (!all_digits(v, 9)) return fail(status, 400);
        long cl = 0;
        for (const char *c = v; *c; c++) cl = cl * 10 + (*c - '0');
        if (content_length >= 0 && cl != content_length) return fail(status, 400);
        content_length = cl;
      }
    }
    line = nl + 1;
  }
  if (!*first) return fail(status, 400);
  if (content_length > 0) {
    if ((size_t)content_length > lim->max_body) return fail(status, 413);
    if (len - hend < (size_t)content_length) return 0;
    *body = buf + hend;
    *body_len = (size_t)content_length;
  }
  return (int)(hend + (content_length > 0 ? (size_t)content_length : 0));
}

int rtsp_request_parse(const uint8_t *buf, size_t len, const rtsp_limits *lim, char *scratch, size_t scratch_cap,
                       rtsp_request *req, int *status) {
  memset(req, 0, sizeof *req);
  char *line;
  int n = parse_message(buf, len, lim, scratch, scratch_cap, &line, req->headers, &req->nheaders, &req->cseq,
                        &req->body, &req->body_len, status);
  if (n <= 0) return n;
  /* §6.1: Request-Line = Method SP Request-URI SP RTSP-Version CRLF */
  char *m = line, *sp1 = strchr(m, ' ');
  if (!sp1 || sp1 == m) return fail(status, 400);
  *sp1 = 0;
  char *uri = sp1 + 1, *sp2 = strchr(uri, ' ');
  if (!sp2 || sp2 == uri) return fail(status, 400);
  *sp2 = 0;
  char *ver = sp2 + 1;
  if (strchr(ver, ' ') || strlen(m) > 32) return fail(status, 400);
  for (char *c = m; *c; c++)
    if (!tchar(*c)) return fail(status, 400);
  for (char *c = uri; *c; c++)
    if ((unsigned char)*c <= 32 || (unsigned char)*c >= 127) return fail(status, 400);
  if (strncmp(ver, "RTSP/", 5) != 0) return fail(status, 400);
  if (strcmp(ver, "RTSP/1.0") != 0) return fail(status, 505);
  req->method = m;
  req->uri = uri;
  req->version = ver;
  return n;
}

int rtsp_response_parse(const uint8_t *buf, size_t len, const rtsp_limits *lim, char *scratch, size_t scratch_cap,
                        rtsp_response *resp) {
  memset(resp, 0, sizeof *resp);
  char *line;
  int status;
  int n = parse_message(buf, len, lim, scratch, scratch_cap, &line, resp->headers, &resp->nheaders, &resp->cseq,
                        &resp->body, &resp->body_len, &status);
  if (n <= 0) return n < 0 ? (status == 413 ? ERR_ELIMIT : ERR_EBADDATA) : 0;
  /* §7.1: Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase CRLF */
  if (strncmp(line, "RTSP/1.0 ", 9) != 0) return ERR_EBADDATA;
  const char *c = line + 9;
  for (int i = 0; i < 3; i++)
    if (c[i] < '0' || c[i] > '9') return ERR_EBADDATA;
  if (c[0] == '0' || (c[3] && c[3] != ' ')) return ERR_EBADDATA;
  resp->status = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
  resp->reason = c[3] ? c + 4 : "";
  return n;
}

const char *rtsp_header_find(const rtsp_header *h, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcasecmp(h[i].name, name) == 0) return h[i].value;
  return NULL;
}

const char *rtsp_request_header(const rtsp_request *req, const char *name) {
  return rtsp_header_find(req->headers, req->nheaders, name);
}

int rtsp_request_header_count(const rtsp_request *req, const char *name) {
  int n = 0;
  for (int i = 0; i < req->nheaders; i++)
    if (strcasecmp(req->headers[i].name, name) == 0) n++;
  return n;
}

int rtsp_interleaved_parse(const uint8_t *buf, size_t len, int *channel, const uint8_t **data, size_t *size) {
  // RFC 2326 §10.12: '$' (0x24), one-byte channel identifier, two-byte length in network order.
  if (len < 4) return 0;
  size_t n = (size_t)buf[2] << 8 | buf[3];
  if (len < 4 + n) return 0;
  *channel = buf[1];
  *data = buf + 4;
  *size = n;
  return (int)(4 + n);
}

const char *rtsp_status_text(int code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Large";
    case 451: return "Parameter Not Understood";
    case 453: return "Not Enough Bandwidth";
    case 454: return "Session Not Found";
    case 455: return "Method Not Valid in This State";
    case 457: return "Invalid Range";
    case 459: return "Aggregate Operation Not Allowed";
    case 461: return "Unsupported Transport";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "RTSP Version Not Supported";
    case 551: return "Option not supported";
    default: return "Unknown";
  }
}
