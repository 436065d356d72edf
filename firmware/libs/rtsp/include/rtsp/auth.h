/*
 * rtsp/auth.h — Basic and Digest (MD5) authentication, RFC 2617, as used by RTSP (RFC 2326 §D.2).
 *
 * The server offers one scheme; credentials are one user/password pair. All strings are
 * bounded: fields longer than RTSP_AUTH_FIELD_MAX, duplicate fields or unknown quoting reject
 * the header.
 */
#ifndef RTSP_AUTH_H
#define RTSP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define RTSP_AUTH_FIELD_MAX 256

typedef enum rtsp_auth_mode { RTSP_AUTH_NONE = 0, RTSP_AUTH_BASIC = 1, RTSP_AUTH_DIGEST = 2 } rtsp_auth_mode;

typedef struct rtsp_auth_header {
  rtsp_auth_mode scheme;
  /* Basic: username/password decoded. Digest: the fields of RFC 2617 §3.2.2. */
  char username[RTSP_AUTH_FIELD_MAX];
  char password[RTSP_AUTH_FIELD_MAX];
  char realm[RTSP_AUTH_FIELD_MAX];
  char nonce[RTSP_AUTH_FIELD_MAX];
  char uri[RTSP_AUTH_FIELD_MAX];
  char response[RTSP_AUTH_FIELD_MAX];
  char qop[32];
  char nc[16];
  char cnonce[RTSP_AUTH_FIELD_MAX];
  char algorithm[32];
} rtsp_auth_header;

/* Parses an Authorization header value. 0, ERR_EBADDATA or ERR_ENOTSUP (other scheme). */
int rtsp_auth_parse(const char *value, rtsp_auth_header *out);

/* Checks parsed credentials against user/pass. Digest also needs the method, realm and the
 * nonce the server issued. Returns true only for an exact match. */
bool rtsp_auth_verify(const rtsp_auth_header *h, rtsp_auth_mode mode, const char *user, const char *pass,
                      const char *realm, const char *nonce, const char *method);

/* WWW-Authenticate value for a 401 reply; returns the length or ERR_ELIMIT. */
int rtsp_auth_challenge(rtsp_auth_mode mode, const char *realm, const char *nonce, char *out, size_t cap);

/* Digest response helper (RFC 2617 §3.2.2.1, without and with qop=auth): hex[33]. */
void rtsp_digest_response(const char *user, const char *realm, const char *pass, const char *method, const char *uri,
                          const char *nonce, const char *nc, const char *cnonce, const char *qop, char hex[33]);

#endif
