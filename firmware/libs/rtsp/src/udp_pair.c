/* RTP/RTCP UDP port pairs (udp_pair.h). */
#include "udp_pair.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <unistd.h>

#include "base/errors.h"

static void set_port(struct sockaddr_storage *a, int port) {
  if (a->ss_family == AF_INET6) ((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
  else ((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

int rtsp_udp_pair_bind(const struct sockaddr_storage *local, socklen_t local_len, int fds[2], int ports[2]) {
  int fam = local->ss_family;
  for (int attempt = 0; attempt < 32; attempt++) {
    int a = socket(fam, SOCK_DGRAM, 0);
    if (a < 0) return ERR_EIO;
    struct sockaddr_storage la = *local;
    socklen_t ll = local_len;
    set_port(&la, 0);
    if (bind(a, (struct sockaddr *)&la, ll) < 0 || getsockname(a, (struct sockaddr *)&la, &ll) < 0) {
      close(a);
      return ERR_EIO;
    }
    int port = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *)&la)->sin6_port : ((struct sockaddr_in *)&la)->sin_port);
    if (port % 2 || port >= 65535) { /* RTP wants the even one */
      close(a);
      continue;
    }
    int b = socket(fam, SOCK_DGRAM, 0);
    if (b < 0) {
      close(a);
      return ERR_EIO;
    }
    set_port(&la, port + 1);
    if (bind(b, (struct sockaddr *)&la, ll) < 0) {
      close(a);
      close(b);
      continue;
    }
    fds[0] = a;
    fds[1] = b;
    ports[0] = port;
    ports[1] = port + 1;
    return 0;
  }
  return ERR_EBUSY;
}
