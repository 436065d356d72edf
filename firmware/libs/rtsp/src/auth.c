// Basic and Digest access authentication, RFC 2617 §2 and §3.
#include "rtsp/auth.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "rtsp/md5.h"
#include "rtsp/wbuf.h"
#include "util.h"

static int copy_field(char *dst, size_t cap, const char *s, size_t n) {
  if (n >= cap) return ERR_EBADDATA;
  memcpy(dst, s, n);
  dst[n] = 0;
  return 0;
}

/* RFC 2617 §3.2.2: credentials = "Digest" 1#( name "=" ( token | quoted-string ) ) */
static int parse_digest(const char *p, const char *end, rtsp_auth_header *h) {
  unsigned seen = 0;
  while (p < end) {
    while (p < end && (rtsp_is_ws(*p) || *p == ',')) p++;
    if (p >= end) break;
    const char *k = p;
    while (p < end && *p != '=' && *p != ',' && !rtsp_is_ws(*p)) p++;
    const char *ke = p;
    while (p < end && rtsp_is_ws(*p)) p++;
    if (p >= end || *p != '=') return ERR_EBADDATA;
    p++;
    while (p < end && rtsp_is_ws(*p)) p++;
    const char *v, *ve;
    if (p < end && *p == '"') {
      v = ++p;
      while (p < end && *p != '"') {
        if (*p == '\\') return ERR_EBADDATA; /* quoted-pair: nothing legitimate needs it here */
        p++;
      }
      if (p >= end) return ERR_EBADDATA;
      ve = p++;
    } else {
      v = p;
      while (p < end && *p != ',' && !rtsp_is_ws(*p)) p++;
      ve = p;
    }
    size_t kl = (size_t)(ke - k), vl = (size_t)(ve - v);
    static const char *const names[] = {"username", "realm", "nonce",  "uri",       "response",
                                        "qop",      "nc",    "cnonce", "algorithm", "opaque"};
    int idx = -1;
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
      if (rtsp_ieq(k, kl, names[i])) idx = i;
    if (idx < 0) continue;                       /* unknown auth-param: ignored (§3.2.2) */
    if (seen & (1u << idx)) return ERR_EBADDATA; /* duplicate field */
    seen |= 1u << idx;
    char *dst[] = {h->username, h->realm, h->nonce, h->uri, h->response, h->qop, h->nc, h->cnonce, h->algorithm, NULL};
    size_t caps[] = {sizeof h->username, sizeof h->realm, sizeof h->nonce,  sizeof h->uri,       sizeof h->response,
                     sizeof h->qop,      sizeof h->nc,    sizeof h->cnonce, sizeof h->algorithm, 0};
    if (dst[idx] && copy_field(dst[idx], caps[idx], v, vl) < 0) return ERR_EBADDATA;
  }
  unsigned need = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4;
  return (seen & need) == need ? 0 : ERR_EBADDATA;
}

int rtsp_auth_parse(const char *value, rtsp_auth_header *h) {
  if (!value) return ERR_EINVAL;
  memset(h, 0, sizeof *h);
  const char *p = value, *end = value + strlen(value);
  while (p < end && rtsp_is_ws(*p)) p++;
  const char *s = p;
  while (p < end && !rtsp_is_ws(*p)) p++;
  size_t sl = (size_t)(p - s);
  while (p < end && rtsp_is_ws(*p)) p++;
  while (end > p && rtsp_is_ws(end[-1])) end--;
  if (rtsp_ieq(s, sl, "Basic")) {
    /* §2: base64(userid ":" password) */
    uint8_t buf[2 * RTSP_AUTH_FIELD_MAX];
    int n = rtsp_base64_decode(p, (size_t)(end - p), buf, sizeof buf);
    if (n <= 0) return ERR_EBADDATA;
    if (memchr(buf, 0, (size_t)n)) return ERR_EBADDATA;
    uint8_t *colon = memchr(buf, ':', (size_t)n);
    if (!colon) return ERR_EBADDATA;
    if (copy_field(h->username, sizeof h->username, (char *)buf, (size_t)(colon - buf)) < 0 ||
        copy_field(h->password, sizeof h->password, (char *)colon + 1, (size_t)(buf + n - colon - 1)) < 0)
      return ERR_EBADDATA;
    h->scheme = RTSP_AUTH_BASIC;
    return 0;
  }
  if (rtsp_ieq(s, sl, "Digest")) {
    if (parse_digest(p, end, h) < 0) return ERR_EBADDATA;
    if (h->algorithm[0] && strcasecmp(h->algorithm, "MD5") != 0) return ERR_ENOTSUP;
    if (h->qop[0] && (strcmp(h->qop, "auth") != 0 || !h->nc[0] || !h->cnonce[0])) return ERR_EBADDATA;
    h->scheme = RTSP_AUTH_DIGEST;
    return 0;
  }
  return ERR_ENOTSUP;
}

/* Constant-time comparison: the attacker sees no timing difference between near misses. */
static bool ct_streq(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char d = (unsigned char)(la != lb);
  size_t n = la < lb ? la : lb;
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

static void md5_join(char hex[33], const char *const *parts, int n) {
  rtsp_md5 m;
  uint8_t d[16];
  rtsp_md5_init(&m);
  for (int i = 0; i < n; i++) {
    if (i) rtsp_md5_update(&m, ":", 1);
    rtsp_md5_update(&m, parts[i], strlen(parts[i]));
  }
  rtsp_md5_final(&m, d);
  for (int i = 0; i < 16; i++) {
    hex[i * 2] = "0123456789abcdef"[d[i] >> 4];
    hex[i * 2 + 1] = "0123456789abcdef"[d[i] & 15];
  }
  hex[32] = 0;
}

void rtsp_digest_response(const char *user, const char *realm, const char *pass, const char *method, const char *uri,
                          const char *nonce, const char *nc, const char *cnonce, const char *qop, char hex[33]) {
  char ha1[33], ha2[33];
  const char *a1[] = {user, realm, pass};
  const char *a2[] = {method, uri};
  md5_join(ha1, a1, 3); /* §3.2.2.2 */
  md5_join(ha2, a2, 2); /* §3.2.2.3 */
  if (qop && qop[0]) {
    const char *r[] = {ha1, nonce, nc, cnonce, qop, ha2};
    md5_join(hex, r, 6);
  } else {
    const char *r[] = {ha1, nonce, ha2};
    md5_join(hex, r, 3);
  }
}

bool rtsp_auth_verify(const rtsp_auth_header *h, rtsp_auth_mode mode, const char *user, const char *pass,
                      const char *realm, const char *nonce, const char *method) {
  if (mode == RTSP_AUTH_NONE) return true;
  if (!h || h->scheme != mode || !user || !pass) return false;
  if (mode == RTSP_AUTH_BASIC) {
    bool u = ct_streq(h->username, user);
    bool p = ct_streq(h->password, pass);
    return u && p;
  }
  if (!ct_streq(h->realm, realm) || !ct_streq(h->nonce, nonce) || !ct_streq(h->username, user)) return false;
  char want[33];
  rtsp_digest_response(user, realm, pass, method, h->uri, nonce, h->nc, h->cnonce, h->qop, want);
  char got[33];
  size_t n = strlen(h->response);
  if (n != 32) return false;
  for (size_t i = 0; i <= n; i++)
    got[i] = (char)((h->response[i] >= 'A' && h->response[i] <= 'F') ? h->response[i] + 32 : h->response[i]);
  return ct_streq(got, want);
}

int rtsp_auth_challenge(rtsp_auth_mode mode, const char *realm, const char *nonce, char *out, size_t cap) {
  int n;
  if (mode == RTSP_AUTH_BASIC) n = snprintf(out, cap, "Basic realm=\"%s\"", realm);
  else if (mode == RTSP_AUTH_DIGEST)
    n = snprintf(out, cap, "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5", realm, nonce);
  else return ERR_EINVAL;
  return n < 0 || (size_t)n >= cap ? ERR_ELIMIT : n;
}
