/* hal/net.h on the host: the host's own interfaces (netlink, /proc/net/route), the LAN
 * as the primary one (read-only), and the watcher thread behind hal_net_watch. The simulated
 * radio is net_wlan_sim.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/errors.h"
#include "net_internal.h"

/* ---- the host's interfaces ---- */

/* A netlink dump (RTM_GETLINK or RTM_GETADDR, every family), each message handed to fn. Read
 * with send/recv, not getifaddrs: glibc's getifaddrs reads with recvmsg, which RT-Smart's table
 * has no slot for, and the riscv64 build runs this simulator's HAL under that check
 * (test/syscalls.test.ts). */
typedef void nl_fn(const struct nlmsghdr *nh, void *ctx);
static int nl_dump(int type, nl_fn *fn, void *ctx) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return ERR_EIO;
  struct {
    struct nlmsghdr nh;
    union {
      struct ifinfomsg link;
      struct ifaddrmsg addr;
    } u;
  } req;
  memset(&req, 0, sizeof req);
  req.nh.nlmsg_len = NLMSG_LENGTH(type == RTM_GETLINK ? sizeof req.u.link : sizeof req.u.addr);
  req.nh.nlmsg_type = (uint16_t)type;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 1;
  enum { BUF = 32768 }; /* the most the kernel puts in one dump message */
  char *buf = malloc(BUF);
  int rc = !buf ? ERR_ENOMEM : send(fd, &req, req.nh.nlmsg_len, 0) < 0 ? ERR_EIO : ERR_ETIMEDOUT;
  while (rc == ERR_ETIMEDOUT) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 500) <= 0) break;
    ssize_t len = recv(fd, buf, BUF, 0);
    if (len <= 0) {
      rc = ERR_EIO;
      break;
    }
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == NLMSG_DONE) {
        rc = 0;
        break;
      }
      if (nh->nlmsg_type == NLMSG_ERROR) {
        rc = ERR_EIO;
        break;
      }
      fn(nh, ctx);
    }
  }
  free(buf);
  close(fd);
  return rc;
}

typedef struct if_list {
  hal_net_if_entry *out;
  int max, n;
  int index[64]; /* the kernel's index of out[i], for the first 64 */
} if_list;

static void on_link(const struct nlmsghdr *nh, void *ctx) {
  if_list *l = ctx;
  if (nh->nlmsg_type != RTM_NEWLINK || l->n == l->max || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return;
  const struct ifinfomsg *ifi = NLMSG_DATA(nh);
  hal_net_if_entry *e = &l->out[l->n];
  memset(e, 0, sizeof *e);
  e->up = ifi->ifi_flags & IFF_UP;
  e->running = ifi->ifi_flags & IFF_RUNNING;
  e->loopback = ifi->ifi_flags & IFF_LOOPBACK;
  int rlen = (int)IFLA_PAYLOAD(nh);
  for (const struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
    if (rta->rta_type == IFLA_IFNAME)
      snprintf(e->name, sizeof e->name, "%.*s", (int)RTA_PAYLOAD(rta), (const char *)RTA_DATA(rta));
    if (rta->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(rta) == 6) memcpy(e->mac, RTA_DATA(rta), 6);
  }
  if (l->n < (int)(sizeof l->index / sizeof l->index[0])) l->index[l->n] = ifi->ifi_index;
  l->n++;
}

static void on_addr(const struct nlmsghdr *nh, void *ctx) {
  if_list *l = ctx;
  if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) return;
  const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return;
  int i = 0, known = l->n < 64 ? l->n : 64;
  while (i < known && l->index[i] != (int)ifa->ifa_index) i++;
  if (i == known || l->out[i].naddr == HAL_NET_ADDR_MAX) return;
  /* IPv4: the local address (IFA_ADDRESS is the peer's on a point-to-point link), as ip does */
  const void *local = NULL, *address = NULL;
  int rlen = (int)IFA_PAYLOAD(nh);
  for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
    size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
    if (RTA_PAYLOAD(rta) != want) continue;
    if (rta->rta_type == IFA_LOCAL) local = RTA_DATA(rta);
    if (rta->rta_type == IFA_ADDRESS) address = RTA_DATA(rta);
  }
  const void *a = local ? local : address;
  if (!a) return;
  hal_net_addr *ad = &l->out[i].addr[l->out[i].naddr++];
  ad->family = ifa->ifa_family == AF_INET ? 4 : 6;
  memcpy(ad->addr, a, ad->family == 4 ? 4 : 16);
  ad->prefixlen = ifa->ifa_prefixlen;
}

int hal_net_interfaces(hal_net_if_entry *out, int max, int *count) {
  if (!out || max < 0 || !count) return ERR_EINVAL;
  if_list l = {.out = out, .max = max};
  int rc = nl_dump(RTM_GETLINK, on_link, &l);
  if (!rc) rc = nl_dump(RTM_GETADDR, on_addr, &l);
  if (rc) return rc;
  *count = l.n;
  return 0;
}

/* ---- the LAN: the host's primary interface ---- */

/* The default route's interface and gateway (lowest metric), from /proc/net/route. */
static bool default_route(char name[16], uint8_t gw[4]) {
  FILE *f = fopen("/proc/net/route", "r");
  if (!f) return false;
  char line[256], ifn[64];
  unsigned long dest, gate, flags, metric, best = (unsigned long)-1;
  bool found = false;
  if (!fgets(line, sizeof line, f)) line[0] = 0; /* the header */
  while (fgets(line, sizeof line, f)) {
    unsigned long refcnt, use;
    if (sscanf(line, "%63s %lx %lx %lx %lu %lu %lu", ifn, &dest, &gate, &flags, &refcnt, &use, &metric) != 7) continue;
    if (dest != 0 || !(flags & 1) || metric >= best) continue; /* RTF_UP */
    if (strlen(ifn) >= 16) continue;                           /* IFNAMSIZ */
    best = metric;
    memcpy(name, ifn, strlen(ifn) + 1);
    uint32_t g = (uint32_t)gate; /* the kernel prints the __be32 as a host-order integer */
    memcpy(gw, &g, 4);
    found = true;
  }
  fclose(f);
  return found;
}

static void resolv_dns(uint8_t dns[4]) {
  FILE *f = fopen("/etc/resolv.conf", "r");
  if (!f) return;
  char line[256], addr[64];
  while (fgets(line, sizeof line, f))
    if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, dns) == 1) break;
  fclose(f);
}

/* Whether the kernel holds `addr` on `ifindex` as a dynamic (DHCP) address. */
typedef struct dyn_query {
  unsigned ifindex;
  const uint8_t *addr;
  bool dynamic;
} dyn_query;

static void on_dyn(const struct nlmsghdr *nh, void *ctx) {
  dyn_query *q = ctx;
  if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) return;
  const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
  if (ifa->ifa_family != AF_INET || ifa->ifa_index != q->ifindex) return;
  uint32_t flags = ifa->ifa_flags;
  bool match = false;
  int rlen = (int)IFA_PAYLOAD(nh);
  for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
    if (rta->rta_type == IFA_LOCAL && RTA_PAYLOAD(rta) == 4) match = memcmp(RTA_DATA(rta), q->addr, 4) == 0;
    if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) == 4) memcpy(&flags, RTA_DATA(rta), 4);
  }
  if (match) q->dynamic = !(flags & IFA_F_PERMANENT);
}

static bool addr_is_dynamic(unsigned ifindex, const uint8_t addr[4]) {
  dyn_query q = {ifindex, addr, false};
  return nl_dump(RTM_GETADDR, on_dyn, &q) == 0 && q.dynamic;
}

static int lan_status(hal_net_status *out) {
  memset(out, 0, sizeof *out);
  char primary[16] = "";
  uint8_t gw[4] = {0};
  bool routed = default_route(primary, gw);
  hal_net_if_entry ifs[32];
  int n = 0;
  int rc = hal_net_interfaces(ifs, 32, &n);
  if (rc) return rc;
  const hal_net_if_entry *e = NULL;
  for (int i = 0; i < n && !e; i++) {
    if (routed) {
      if (strcmp(ifs[i].name, primary) == 0) e = &ifs[i];
      continue;
    }
    if (!ifs[i].up || ifs[i].loopback) continue;
    for (int k = 0; k < ifs[i].naddr && !e; k++)
      if (ifs[i].addr[k].family == 4) e = &ifs[i];
  }
  if (!e) return 0; /* only loopback: no LAN */
  out->present = true;
  out->link = e->up && e->running;
  memcpy(out->mac, e->mac, 6);
  snprintf(out->name, sizeof out->name, "%s", e->name);
  for (int k = 0; k < e->naddr; k++) {
    if (e->addr[k].family != 4) continue;
    memcpy(out->ip.addr, e->addr[k].addr, 4);
    uint32_t mask = e->addr[k].prefixlen ? htonl(~0u << (32 - e->addr[k].prefixlen)) : 0;
    memcpy(out->ip.netmask, &mask, 4);
    break;
  }
  if (routed) memcpy(out->ip.gateway, gw, 4);
  resolv_dns(out->ip.dns);
  out->dhcp = out->ip.addr[0] && addr_is_dynamic(if_nametoindex(e->name), out->ip.addr);
  return 0;
}

/* ---- dispatch ---- */

int hal_net_status_get(hal_net_if itf, hal_net_status *out) {
  if (!out) return ERR_EINVAL;
  switch (itf) {
    case HAL_NET_LAN: return lan_status(out);
    case HAL_NET_STA:
    case HAL_NET_AP: return sim_wlan_status(itf, out);
    default: return ERR_EINVAL;
  }
}

int hal_net_set_static(hal_net_if itf, const hal_net_ipv4 *ip) {
  if (!ip || (unsigned)itf >= HAL_NET_IF_COUNT) return ERR_EINVAL;
  return itf == HAL_NET_LAN ? ERR_ENOTSUP : sim_wlan_set_static(itf, ip);
}

int hal_net_set_dhcp(hal_net_if itf) {
  if ((unsigned)itf >= HAL_NET_IF_COUNT) return ERR_EINVAL;
  return itf == HAL_NET_LAN ? ERR_ENOTSUP : sim_wlan_set_dhcp(itf);
}

/* ---- the watcher ---- */

static pthread_mutex_t thread_mu = PTHREAD_MUTEX_INITIALIZER; /* start/stop of the thread */
static pthread_t watch_th;
static bool watch_running;
static int quit_pipe[2] = {-1, -1};

typedef struct lan_seen {
  bool link;
  hal_net_ipv4 ip;
} lan_seen;

static void lan_check(lan_seen *seen) {
  hal_net_status st;
  if (lan_status(&st) != 0) return;
  if (st.link != seen->link) net_events_emit(HAL_NET_LAN, st.link ? HAL_NET_EV_LINK_UP : HAL_NET_EV_LINK_DOWN);
  if (memcmp(&st.ip, &seen->ip, sizeof st.ip) != 0) net_events_emit(HAL_NET_LAN, HAL_NET_EV_ADDRESS);
  seen->link = st.link;
  seen->ip = st.ip;
}

static void *watch_main(void *arg) {
  int qfd = (int)(intptr_t)arg;
  /* Link and address changes of the host: netlink. Without it (a sandbox), a check per second. */
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE};
  if (nl >= 0 && bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(nl);
    nl = -1;
  }
  hal_net_status st;
  lan_seen seen = {0};
  if (lan_status(&st) == 0) seen = (lan_seen){st.link, st.ip};
  int ticks = 0;
  for (;;) {
    struct pollfd p[2] = {{qfd, POLLIN, 0}, {nl, POLLIN, 0}};
    int r = poll(p, nl >= 0 ? 2 : 1, 100);
    if (r > 0 && p[0].revents) break;
    bool changed = nl < 0 && ++ticks % 10 == 0;
    if (r > 0 && nl >= 0 && p[1].revents) {
      char buf[8192];
      while (recv(nl, buf, sizeof buf, 0) > 0) changed = true;
    }
    if (changed) lan_check(&seen);
    sim_wlan_refresh();
  }
  if (nl >= 0) close(nl);
  return NULL;
}

int hal_net_watch(hal_net_event_cb *cb, void *user) {
  net_events_set(cb, user);
  pthread_mutex_lock(&thread_mu);
  int rc = 0;
  if (cb && !watch_running) {
    if (pipe(quit_pipe) != 0) {
      rc = ERR_EIO;
    } else if (pthread_create(&watch_th, NULL, watch_main, (void *)(intptr_t)quit_pipe[0]) != 0) {
      close(quit_pipe[0]);
      close(quit_pipe[1]);
      rc = ERR_ENOMEM;
    } else {
      watch_running = true;
    }
  } else if (!cb && watch_running) {
    ssize_t w = write(quit_pipe[1], "q", 1);
    (void)w;
    pthread_join(watch_th, NULL);
    close(quit_pipe[0]);
    close(quit_pipe[1]);
    watch_running = false;
  }
  pthread_mutex_unlock(&thread_mu);
  if (rc) net_events_set(NULL, NULL);
  return rc;
}
