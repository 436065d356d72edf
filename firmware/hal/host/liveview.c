/* The simulator's answer to CanMV's IDE frame-buffer preview: the composed screen in a browser.
 * A loopback-only HTTP/1.1 server (RFC 9112) on its own thread, one request per connection:
 * GET / is the page (liveview.html, shared with `k230js preview`) whose script fetches /frame
 * again as soon as the last one arrived (no multipart streams: every browser shows a PNG),
 * GET /frame (or /frame.png) the latest screen. Loopback only, never a public address: the
 * simulator's screen is not for the network. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

struct liveview {
  int fd;
  uint32_t fps;
  liveview_latest_fn latest;
  void *user;
  pthread_t th;
  atomic_int quit;
  uint8_t *rgb;
  size_t rgb_size;
};

extern const unsigned char kjs_liveview_html[];
extern const size_t kjs_liveview_html_len;

static void send_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the browser went away */
    c += w;
    n -= (size_t)w;
  }
}

static void reply(int fd, const char *status, const char *type, const void *body, size_t len) {
  char hdr[256];
  int n = snprintf(hdr, sizeof hdr,
                   "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
                   "Connection: close\r\n\r\n",
                   status, type, len);
  send_all(fd, hdr, (size_t)n);
  send_all(fd, body, len);
}

static void serve_frame(liveview *lv, int fd) {
  hal_frame *f = lv->latest(lv->user);
  if (!f) {
    reply(fd, "503 Service Unavailable", "text/plain", "no frame yet\n", 13);
    return;
  }
  size_t need = (size_t)f->width * f->height * 3;
  if (need > lv->rgb_size) {
    uint8_t *p = realloc(lv->rgb, need);
    if (!p) {
      frame_unref(f);
      reply(fd, "500 Internal Server Error", "text/plain", "out of memory\n", 14);
      return;
    }
    lv->rgb = p;
    lv->rgb_size = need;
  }
  nv12_to_rgb(f, lv->rgb);
  uint32_t w = f->width, h = f->height;
  frame_unref(f);
  char *png = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&png, &len);
  int rc = m ? png_write_rgb_file(m, lv->rgb, w, h) : ERR_ENOMEM;
  if (m && fclose(m)) rc = ERR_EIO;
  if (rc) reply(fd, "500 Internal Server Error", "text/plain", "encode failed\n", 14);
  else reply(fd, "200 OK", "image/png", png, len);
  free(png);
}

static void serve(liveview *lv, int fd) {
  char req[2048];
  size_t n = 0;
  /* The request line is all we need; wait for it briefly (a stalled client cannot hold us). */
  while (n < sizeof req - 1 && !memchr(req, '\n', n)) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return;
    ssize_t r = recv(fd, req + n, sizeof req - 1 - n, 0);
    if (r <= 0) return;
    n += (size_t)r;
  }
  req[n] = 0;
  char method[8], target[256];
  if (sscanf(req, "%7s %255s", method, target) != 2) {
    reply(fd, "400 Bad Request", "text/plain", "bad request\n", 12);
    return;
  }
  char *q = strchr(target, '?');
  if (q) *q = 0;
  if (strcmp(method, "GET") != 0) {
    reply(fd, "405 Method Not Allowed", "text/plain", "GET only\n", 9);
  } else if (strcmp(target, "/") == 0) {
    /* The page with its refresh interval in place of @INTERVAL@. */
    const char *page = (const char *)kjs_liveview_html;
    const char *at = strstr(page, "@INTERVAL@");
    char every[16];
    int n = snprintf(every, sizeof every, "%u", lv->fps ? 1000 / lv->fps : 33);
    size_t head = at ? (size_t)(at - page) : kjs_liveview_html_len;
    size_t tail = at ? kjs_liveview_html_len - head - 10 : 0;
    char *out = malloc(head + (size_t)n + tail);
    if (!out) {
      reply(fd, "500 Internal Server Error", "text/plain", "out of memory\n", 14);
      return;
    }
    memcpy(out, page, head);
    if (at) {
      memcpy(out + head, every, (size_t)n);
      memcpy(out + head + n, at + 10, tail);
    }
    reply(fd, "200 OK", "text/html; charset=utf-8", out, head + (at ? (size_t)n : 0) + tail);
    free(out);
  } else if (strcmp(target, "/frame") == 0 || strcmp(target, "/frame.png") == 0) {
    serve_frame(lv, fd);
  } else {
    reply(fd, "404 Not Found", "text/plain", "not found\n", 10);
  }
}

static void *liveview_thread(void *arg) {
  liveview *lv = arg;
  while (!atomic_load(&lv->quit)) {
    struct pollfd p = {lv->fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue; /* wake up to see quit */
    int c = accept(lv->fd, NULL, NULL);
    if (c < 0) continue;
    serve(lv, c);
    shutdown(c, SHUT_WR);
    close(c);
  }
  return NULL;
}

int liveview_start(uint16_t port, uint32_t fps, liveview_latest_fn latest, void *user, liveview **out) {
  liveview *lv = calloc(1, sizeof *lv);
  if (!lv) return ERR_ENOMEM;
  lv->fps = fps;
  lv->latest = latest;
  lv->user = user;
  lv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int rc = 0;
  if (lv->fd < 0) rc = ERR_EIO;
  else if (setsockopt(lv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
           bind(lv->fd, (struct sockaddr *)&a, sizeof a))
    rc = errno == EADDRINUSE ? ERR_EBUSY : ERR_EIO;
  else if (listen(lv->fd, 8) || pthread_create(&lv->th, NULL, liveview_thread, lv)) rc = ERR_EIO;
  if (rc) {
    if (lv->fd >= 0) close(lv->fd);
    free(lv);
    return rc;
  }
  *out = lv;
  return 0;
}

void liveview_stop(liveview *lv) {
  if (!lv) return;
  atomic_store(&lv->quit, 1);
  pthread_join(lv->th, NULL);
  close(lv->fd);
  free(lv->rgb);
  free(lv);
}
