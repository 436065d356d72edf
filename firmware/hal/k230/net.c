/* hal/net.h on the K230: RT-Smart's network manager device /dev/netmgmt, driven by open + ioctl
 * the way CanMV's network module does (its hal_netmgmt library; the kernel side is
 * canmv-k230/rtsmart@123aadc:kernel/bsp/maix3/components/netmgmt/netmgmt.c, "netmgmt" at :967).
 * Only open, ioctl, close, nanosleep and pthreads are used (rtsmart-syscalls.md). Link and
 * address changes are found by polling the device once a second: it has no event channel. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hal/clock.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "hal/net.h"
#include "net_events.h"

/* ---- the device's ABI (netmgmt.c at release/canmv-v1.8) ---- */

/* _IOWR('N', nr, void *) with RT-Smart's _IOC layout, which does not mask nr (0x100 and up spill
 * into the type byte exactly as in the kernel's own table):
 * canmv-k230/rtsmart@123aadc:kernel/rt-thread/include/libc/libc_ioctl.h:24,33 */
#define NM_CMD(nr) ((unsigned long)((3u << 30) | ('N' << 8) | (nr) | ((unsigned)sizeof(void *) << 16)))
/* netmgmt.c:28-65 */
enum {
  NM_STA_CONNECT = 0x10,
  NM_STA_DISCONNECT = 0x11,
  NM_STA_IS_CONNECTED = 0x12,
  NM_STA_GET_MAC = 0x13,
  NM_STA_GET_AP_INFO = 0x15,
  NM_STA_SCAN = 0x17,
  NM_AP_START = 0x20,
  NM_AP_STOP = 0x21,
  NM_AP_IS_ACTIVE = 0x22,
  NM_AP_GET_INFO = 0x23,
  NM_AP_GET_STA_INFO = 0x24,
  NM_LAN_GET_LINK_STATUS = 0x81,
  NM_LAN_GET_MAC = 0x82,
  NM_NET_IFCONFIG = 0x100,
  NM_NET_PROBE = 0x104,
};

/* enum rt_netif_t, netmgmt.c:74 (main renames 2 to RT_NET_DEV_LAN and keeps its value). */
static const int nm_itf[HAL_NET_IF_COUNT] = {[HAL_NET_LAN] = 2, [HAL_NET_STA] = 0, [HAL_NET_AP] = 1};
/* Their device names in the CanMV defconfigs (k230_canmv_defconfig:49-50, components/Kconfig:302). */
static const char *const nm_name[HAL_NET_IF_COUNT] = {[HAL_NET_LAN] = "u0", [HAL_NET_STA] = "sta", [HAL_NET_AP] = "ap"};

/* struct rt_wlan_ssid / rt_wlan_key / rt_wlan_info:
 * canmv-k230/rtsmart@123aadc:kernel/rt-thread/components/drivers/wlan/wlan_dev.h:382,389,408 */
typedef struct nm_ssid {
  uint8_t len;
  uint8_t val[HAL_NET_SSID_MAX + 1];
} nm_ssid;
typedef struct nm_key {
  uint8_t len;
  uint8_t val[HAL_NET_KEY_MAX + 1];
} nm_key;
typedef struct nm_wlan_info {
  int32_t security; /* rt_wlan_security_t: flag bits, wlan_dev.h:66-76 */
  int32_t band;     /* rt_802_11_band_t: 0 = 5 GHz, 1 = 2.4 GHz */
  uint32_t datarate;
  int16_t channel;
  int16_t rssi;
  nm_ssid ssid;
  uint8_t bssid[6];
  uint8_t hidden;
} nm_wlan_info;
enum {
  NM_SEC_WEP = 0x1,
  NM_SEC_AES = 0x4,
  NM_SEC_WPA = 0x00200000,
  NM_SEC_WPA2 = 0x00400000,
  NM_SEC_WPA3 = 0x00800000
};
enum { NM_BAND_2_4GHZ = 1, NM_BAND_UNKNOWN = 0x7fffffff };

/* struct rt_wlan_connect_config, netmgmt.c:83 */
typedef struct nm_connect {
  int32_t use_info;
  union {
    nm_ssid ssid;
    nm_wlan_info info;
  };
  nm_key key;
} nm_connect;

/* struct rt_wlan_scan_result, wlan_mgnt.h:77: the kernel writes up to `num` entries through
 * `info` (netmgmt.c:198) and reads info[0] as the scan filter. */
typedef struct nm_scan {
  int32_t num;
  nm_wlan_info *info;
} nm_scan;

/* The ifconfig command, netmgmt.c:523 (lwIP ip_addr_t is one u32 in an IPv4-only build). */
typedef struct nm_ifconfig {
  int32_t net_if;
  uint16_t func; /* 0 get, 1 static, 2 dhcp */
  uint32_t ip, gw, netmask, dns;
} nm_ifconfig;

typedef struct nm_lan_status { /* netmgmt.c:339: value 1 linked, 2 not linked, 0 unknown */
  int32_t itf;
  int32_t value;
} nm_lan_status;
typedef struct nm_lan_mac { /* netmgmt.c:345 */
  int32_t itf;
  uint8_t mac[6];
} nm_lan_mac;

/* AP_WAIT_MS: RT_WLAN_START_AP_WAIT_MS, wlan_mgnt.h:33. */
enum { SCAN_MAX = 64, POLL_MS = 1000, DHCP_STEP_MS = 100, AP_STEP_MS = 10, AP_WAIT_MS = 10 * 1000 };

/* ---- the device ---- */

static pthread_mutex_t dev_mu = PTHREAD_MUTEX_INITIALIZER;
static int dev_fd = -1;

static int nm_ioctl(int nr, void *arg) {
  pthread_mutex_lock(&dev_mu);
  if (dev_fd < 0) dev_fd = open("/dev/netmgmt", O_RDWR);
  int fd = dev_fd;
  pthread_mutex_unlock(&dev_mu);
  if (fd < 0) return ERR_ENODEV;
  return ioctl(fd, NM_CMD(nr), arg) == 0 ? 0 : ERR_EIO;
}

static void u32_to(uint8_t out[4], uint32_t be) { memcpy(out, &be, 4); }
static uint32_t u32_from(const uint8_t in[4]) {
  uint32_t v;
  memcpy(&v, in, 4);
  return v;
}

static hal_net_security sec_of(int32_t s) {
  if (s == 0) return HAL_NET_SEC_OPEN;
  if (s == -1) return HAL_NET_SEC_UNKNOWN;
  if (s & NM_SEC_WPA3) return HAL_NET_SEC_WPA3;
  if (s & NM_SEC_WPA2) return HAL_NET_SEC_WPA2;
  if (s & NM_SEC_WPA) return HAL_NET_SEC_WPA;
  if (s & NM_SEC_WEP) return HAL_NET_SEC_WEP;
  return HAL_NET_SEC_UNKNOWN;
}

static void info_to(hal_net_wlan_info *out, const nm_wlan_info *in) {
  memset(out, 0, sizeof *out);
  size_t len = in->ssid.len <= HAL_NET_SSID_MAX ? in->ssid.len : HAL_NET_SSID_MAX;
  memcpy(out->ssid, in->ssid.val, len);
  memcpy(out->bssid, in->bssid, 6);
  out->rssi = in->rssi;
  out->channel = in->channel;
  out->security = sec_of(in->security);
  out->band_5g = in->band == 0;
}

/* ---- status ---- */

static void sta_mac(uint8_t mac[6]);

static bool dhcp_on[HAL_NET_IF_COUNT] = {true, true, false}; /* what we last set; lwIP starts with DHCP */

int hal_net_status_get(hal_net_if itf, hal_net_status *out) {
  if (!out || (unsigned)itf >= HAL_NET_IF_COUNT) return ERR_EINVAL;
  memset(out, 0, sizeof *out);
  int32_t probe = nm_itf[itf];
  if (nm_ioctl(NM_NET_PROBE, &probe) != 0 || !probe) return 0; /* absent */
  out->present = true;
  snprintf(out->name, sizeof out->name, "%s", nm_name[itf]);
  nm_ifconfig c = {.net_if = nm_itf[itf], .func = 0};
  if (nm_ioctl(NM_NET_IFCONFIG, &c) == 0) {
    u32_to(out->ip.addr, c.ip);
    u32_to(out->ip.netmask, c.netmask);
    u32_to(out->ip.gateway, c.gw);
    u32_to(out->ip.dns, c.dns);
  }
  int32_t v = 0;
  if (itf == HAL_NET_STA) {
    out->link = nm_ioctl(NM_STA_IS_CONNECTED, &v) == 0 && v;
    sta_mac(out->mac);
  } else if (itf == HAL_NET_AP) {
    out->link = nm_ioctl(NM_AP_IS_ACTIVE, &v) == 0 && v;
    nm_wlan_info ap;
    if (out->link && nm_ioctl(NM_AP_GET_INFO, &ap) == 0) memcpy(out->mac, ap.bssid, 6);
  } else {
    nm_lan_status ls = {nm_itf[itf], 0};
    out->link = nm_ioctl(NM_LAN_GET_LINK_STATUS, &ls) == 0 && ls.value == 1;
    nm_lan_mac lm = {nm_itf[itf], {0}};
    if (nm_ioctl(NM_LAN_GET_MAC, &lm) == 0) memcpy(out->mac, lm.mac, 6);
  }
  out->dhcp = dhcp_on[itf];
  return 0;
}

static void check_changes(void);

static int set_config(hal_net_if itf, const hal_net_ipv4 *ip) {
  if ((unsigned)itf >= HAL_NET_IF_COUNT) return ERR_EINVAL;
  nm_ifconfig c = {.net_if = nm_itf[itf], .func = ip ? 1 : 2};
  if (ip) {
    c.ip = u32_from(ip->addr);
    c.netmask = u32_from(ip->netmask);
    c.gw = u32_from(ip->gateway);
    c.dns = u32_from(ip->dns);
  }
  int32_t probe = nm_itf[itf];
  if (nm_ioctl(NM_NET_PROBE, &probe) != 0 || !probe) return ERR_ENODEV;
  int rc = nm_ioctl(NM_NET_IFCONFIG, &c);
  if (rc == 0) dhcp_on[itf] = !ip;
  check_changes();
  return rc;
}

int hal_net_set_static(hal_net_if itf, const hal_net_ipv4 *ip) { return ip ? set_config(itf, ip) : ERR_EINVAL; }
int hal_net_set_dhcp(hal_net_if itf) { return set_config(itf, NULL); }

int hal_net_interfaces(hal_net_if_entry *out, int max, int *count) {
  if (!out || max < 0 || !count) return ERR_EINVAL;
  int n = 0;
  for (int i = 0; i < HAL_NET_IF_COUNT && n < max; i++) {
    hal_net_status st;
    if (hal_net_status_get((hal_net_if)i, &st) != 0 || !st.present) continue;
    hal_net_if_entry *e = &out[n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", st.name);
    memcpy(e->mac, st.mac, 6);
    e->up = e->running = st.link;
    if (st.ip.addr[0]) {
      e->naddr = 1;
      e->addr[0].family = 4;
      memcpy(e->addr[0].addr, st.ip.addr, 4);
      uint32_t m =
          ((uint32_t)st.ip.netmask[0] << 24) | (st.ip.netmask[1] << 16) | (st.ip.netmask[2] << 8) | st.ip.netmask[3];
      while (m & 0x80000000u) {
        e->addr[0].prefixlen++;
        m <<= 1;
      }
    }
  }
  *count = n;
  return 0;
}

/* ---- station ---- */

int hal_net_wlan_scan(hal_net_wlan_info *out, int max, int *count) {
  if (!out || max < 0 || !count) return ERR_EINVAL;
  nm_scan *r = calloc(1, sizeof *r + SCAN_MAX * sizeof(nm_wlan_info));
  if (!r) return ERR_ENOMEM;
  r->num = SCAN_MAX;
  r->info = (nm_wlan_info *)(r + 1);
  /* An empty filter (INVALID_INFO, wlan_dev.h:396): every network. */
  r->info[0].band = NM_BAND_UNKNOWN;
  r->info[0].security = -1;
  r->info[0].channel = -1;
  int rc = nm_ioctl(NM_STA_SCAN, r);
  int n = 0;
  if (rc == 0)
    for (int i = 0; i < r->num && i < SCAN_MAX && n < max; i++) info_to(&out[n++], &r->info[i]);
  free(r);
  *count = n;
  return rc;
}

static void fill_key(nm_key *k, const char *key) {
  size_t len = key ? strlen(key) : 0;
  k->len = (uint8_t)len;
  memcpy(k->val, key ? key : "", len);
}

/* The join ioctl blocks in the kernel until joined or failed, up to RT_WLAN_CONNECT_WAIT_MS
 * (10 s) for a network that does not answer (rt_wlan_connect, wlan_mgnt.c:1131), whatever our
 * timeout: it runs on a thread of its own and the caller stops waiting at its deadline. A join
 * still in the kernel holds the manager's lock (wlan_mgnt.c:1094), so the next connect waits for
 * it first; one that completes after its caller gave up is undone (a failed connect leaves the
 * station disconnected). */
static pthread_mutex_t op_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t op_cv; /* on the monotonic clock, made once (op_init) */
static pthread_once_t op_once = PTHREAD_ONCE_INIT;

static pthread_cond_t thread_cv; /* the link poller's (below), on the monotonic clock too */

static void op_init(void) {
  base_cond_init_mono(&op_cv);
  base_cond_init_mono(&thread_cv);
}
static bool connecting; /* a hal_net_wlan_connect call is under way */
static struct {
  bool busy, done, abandoned; /* in the kernel; returned; its caller gave up */
  bool cancel;                /* hal_net_wlan_disconnect during the connect under way */
  int rc;
  nm_connect c;
} join;

/* The station's MAC, read once: rt_wlan_get_mac takes the manager's lock (wlan_mgnt.c:1342), so
 * asking while a join is in the kernel would block a status query for up to 10 s. */
static void sta_mac(uint8_t mac[6]) {
  static uint8_t known[6];
  static bool have;
  pthread_mutex_lock(&op_mu);
  bool ask = !have && !join.busy;
  if (have) memcpy(mac, known, 6);
  pthread_mutex_unlock(&op_mu);
  if (!ask) return;
  uint8_t m[6] = {0};
  if (nm_ioctl(NM_STA_GET_MAC, m) != 0) return;
  memcpy(mac, m, 6);
  pthread_mutex_lock(&op_mu);
  memcpy(known, m, 6);
  have = true;
  pthread_mutex_unlock(&op_mu);
}

static void *join_main(void *arg) {
  (void)arg;
  int rc = nm_ioctl(NM_STA_CONNECT, &join.c);
  pthread_mutex_lock(&op_mu);
  if (join.abandoned && rc == 0) { /* decided and marked done under one lock: no late cancel */
    pthread_mutex_unlock(&op_mu);
    nm_ioctl(NM_STA_DISCONNECT, NULL);
    pthread_mutex_lock(&op_mu);
  }
  join.rc = rc;
  join.done = true;
  if (join.abandoned) join.busy = false;
  pthread_cond_broadcast(&op_cv);
  pthread_mutex_unlock(&op_mu);
  return NULL;
}

static bool join_over(void) { return join.done || join.cancel; }

/* Waits on op_cv (op_mu held) until the join returned or was cancelled, or the deadline; false
 * at the deadline. */
static bool wait_join(uint64_t deadline) {
  while (!join_over()) {
    uint64_t now = hal_clock_us();
    if (now >= deadline) return false;
    int ms = (int)((deadline - now + 999u) / 1000u);
    struct timespec t;
    base_deadline(&t, ms);
    base_cond_wait(&op_cv, &op_mu, &t, ms);
  }
  return true;
}

int hal_net_wlan_connect(const char *ssid, const char *key, int timeout_ms) {
  size_t slen = ssid ? strlen(ssid) : 0;
  if (!slen || slen > HAL_NET_SSID_MAX || (key && strlen(key) > HAL_NET_KEY_MAX) || timeout_ms < 0) return ERR_EINVAL;
  uint64_t deadline = hal_clock_us() + (uint64_t)timeout_ms * 1000u;
  pthread_once(&op_once, op_init);
  pthread_mutex_lock(&op_mu);
  if (connecting) {
    pthread_mutex_unlock(&op_mu);
    return ERR_EBUSY;
  }
  connecting = true;
  join.cancel = false;
  int rc = 0;
  while (join.busy && rc == 0) /* an abandoned join still in the kernel */
    if (!wait_join(deadline)) rc = ERR_ETIMEDOUT;
    else if (join.cancel) rc = ERR_EINTR;
  if (rc == 0) {
    memset(&join.c, 0, sizeof join.c);
    join.c.ssid.len = (uint8_t)slen;
    memcpy(join.c.ssid.val, ssid, slen);
    fill_key(&join.c.key, key);
    join.busy = true;
    join.done = join.abandoned = false;
    pthread_t th;
    if (pthread_create(&th, NULL, join_main, NULL) != 0) {
      join.busy = false;
      rc = ERR_ENOMEM;
    } else {
      pthread_detach(th);
      if (!wait_join(deadline)) {
        join.abandoned = true;
        rc = ERR_ETIMEDOUT;
      } else if (!join.done) { /* cancelled: disconnect() marked it abandoned */
        rc = ERR_EINTR;
      } else {
        join.busy = false;
        rc = join.rc == 0 ? 0 : ERR_EIO; /* the driver does not say why a join failed */
      }
    }
  }
  pthread_mutex_unlock(&op_mu);
  /* Then DHCP: wait for an address within what is left of the timeout. */
  bool joined = rc == 0;
  while (rc == 0) {
    hal_net_status st;
    if (hal_net_status_get(HAL_NET_STA, &st) == 0 && st.link && st.ip.addr[0]) break;
    pthread_mutex_lock(&op_mu);
    bool cancelled = join.cancel;
    pthread_mutex_unlock(&op_mu);
    if (cancelled) rc = ERR_EINTR, joined = false; /* disconnect() has left the network */
    else if (hal_clock_us() >= deadline) rc = ERR_ETIMEDOUT;
    else hal_sleep_us(DHCP_STEP_MS * 1000u);
  }
  if (joined && rc) nm_ioctl(NM_STA_DISCONNECT, NULL);
  pthread_mutex_lock(&op_mu);
  connecting = false;
  pthread_mutex_unlock(&op_mu);
  check_changes();
  return rc;
}

int hal_net_wlan_disconnect(void) {
  /* A connect under way is cancelled (ERR_EINTR); a join still in the kernel is abandoned, and
   * undone if it succeeds, without waiting for it: the manager's lock is its until it returns. */
  pthread_once(&op_once, op_init);
  pthread_mutex_lock(&op_mu);
  bool in_kernel = join.busy && !join.done;
  if (connecting) join.cancel = true;
  if (in_kernel) join.abandoned = true;
  pthread_cond_broadcast(&op_cv);
  pthread_mutex_unlock(&op_mu);
  if (in_kernel) return 0;
  /* A station on no network is not asked to disconnect: the manager passes that to the driver
   * (wlan_mgnt.c:1259), whose answer is its own. rt_wlan_get_info succeeds only while
   * associated (wlan_mgnt.c:1364), with an address or not. */
  nm_wlan_info info;
  int rc = nm_ioctl(NM_STA_GET_AP_INFO, &info) == 0 ? nm_ioctl(NM_STA_DISCONNECT, NULL) : 0;
  check_changes();
  return rc;
}

int hal_net_wlan_current(hal_net_wlan_info *out) {
  if (!out) return ERR_EINVAL;
  int32_t on = 0;
  int rc = nm_ioctl(NM_STA_IS_CONNECTED, &on);
  if (rc) return rc;
  if (!on) return ERR_ESTATE;
  nm_wlan_info info;
  memset(&info, 0, sizeof info);
  if ((rc = nm_ioctl(NM_STA_GET_AP_INFO, &info))) return rc;
  info_to(out, &info);
  return 0;
}

/* ---- access point ---- */

int hal_net_ap_start(const char *ssid, const char *key, int channel) {
  size_t slen = ssid ? strlen(ssid) : 0, klen = key ? strlen(key) : 0;
  if (!slen || slen > HAL_NET_SSID_MAX || (klen && (klen < 8 || klen > HAL_NET_KEY_MAX)) || channel < 0 ||
      channel > 165)
    return ERR_EINVAL;
  /* Always rt_wlan_start_ap_adv (use_info, netmgmt.c:246): rt_wlan_start_ap makes every network
   * WPA2 as soon as it is handed a password pointer, and netmgmt always hands it key.val
   * (wlan_mgnt.c:1404-1407, netmgmt.c:249), so an open access point needs the info. Channel 0
   * is the one rt_wlan_start_ap picks (wlan_mgnt.c:1417). */
  if (!channel) channel = 6;
  nm_connect c;
  memset(&c, 0, sizeof c);
  c.use_info = 1;
  c.info.ssid.len = (uint8_t)slen;
  memcpy(c.info.ssid.val, ssid, slen);
  c.info.channel = (int16_t)channel;
  c.info.band = channel > 14 ? 0 : NM_BAND_2_4GHZ;
  c.info.security = klen ? NM_SEC_WPA2 | NM_SEC_AES : 0;
  fill_key(&c.key, key);
  int rc = nm_ioctl(NM_AP_START, &c);
  /* rt_wlan_start_ap_adv returns once the driver took the request, before the access point is
   * up (wlan_mgnt.c:1496-1509): wait for it as rt_wlan_start_ap would (AP_START, :1441-1453). */
  for (int waited = 0; rc == 0; waited += AP_STEP_MS) {
    int32_t on = 0;
    if (nm_ioctl(NM_AP_IS_ACTIVE, &on) == 0 && on) break;
    if (waited >= AP_WAIT_MS) rc = ERR_EIO;
    else hal_sleep_us(AP_STEP_MS * 1000u);
  }
  check_changes();
  return rc;
}

int hal_net_ap_stop(void) {
  /* Stopping an access point that is not up is left to the driver (wlan_mgnt.c:1544): not asked. */
  int32_t on = 0;
  int rc = nm_ioctl(NM_AP_IS_ACTIVE, &on);
  if (rc == 0 && on) rc = nm_ioctl(NM_AP_STOP, NULL);
  check_changes();
  return rc;
}

int hal_net_ap_stations(uint8_t (*mac)[6], int max, int *count) {
  if (!mac || max < 0 || !count) return ERR_EINVAL;
  *count = 0;
  nm_scan *r = calloc(1, sizeof *r + SCAN_MAX * sizeof(nm_wlan_info));
  if (!r) return ERR_ENOMEM;
  r->num = SCAN_MAX;
  r->info = (nm_wlan_info *)(r + 1);
  int rc = nm_ioctl(NM_AP_GET_STA_INFO, r);
  for (int i = 0; rc == 0 && i < r->num && i < SCAN_MAX && *count < max; i++)
    memcpy(mac[(*count)++], r->info[i].bssid, 6);
  free(r);
  return rc;
}

/* ---- events: a poller compares what it sees with what it saw ---- */

static pthread_mutex_t snap_mu = PTHREAD_MUTEX_INITIALIZER;
static bool snap_valid;
static struct {
  bool link;
  hal_net_ipv4 ip;
} snap[HAL_NET_IF_COUNT];

/* Also called right after our own changes, so their events do not wait for the poller. */
static void check_changes(void) {
  pthread_mutex_lock(&snap_mu);
  for (int i = 0; i < HAL_NET_IF_COUNT; i++) {
    hal_net_status st;
    if (hal_net_status_get((hal_net_if)i, &st) != 0) continue;
    if (snap_valid && st.link != snap[i].link)
      net_events_emit((hal_net_if)i, st.link ? HAL_NET_EV_LINK_UP : HAL_NET_EV_LINK_DOWN);
    if (snap_valid && memcmp(&st.ip, &snap[i].ip, sizeof st.ip) != 0)
      net_events_emit((hal_net_if)i, HAL_NET_EV_ADDRESS);
    snap[i].link = st.link;
    snap[i].ip = st.ip;
  }
  snap_valid = true;
  pthread_mutex_unlock(&snap_mu);
}

static pthread_mutex_t thread_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t poll_th;
static bool poll_running, poll_quit;

static void *poll_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&thread_mu);
  while (!poll_quit) {
    pthread_mutex_unlock(&thread_mu);
    check_changes();
    pthread_mutex_lock(&thread_mu);
    struct timespec t;
    base_deadline(&t, POLL_MS);
    while (!poll_quit && base_cond_wait(&thread_cv, &thread_mu, &t, POLL_MS) == 0) {
    }
  }
  pthread_mutex_unlock(&thread_mu);
  return NULL;
}

int hal_net_watch(hal_net_event_cb *cb, void *user) {
  pthread_once(&op_once, op_init);
  net_events_set(cb, user);
  int rc = 0;
  pthread_mutex_lock(&thread_mu);
  if (cb && !poll_running) {
    poll_quit = false;
    if (pthread_create(&poll_th, NULL, poll_main, NULL) == 0) poll_running = true;
    else rc = ERR_ENOMEM;
  } else if (!cb && poll_running) {
    poll_quit = true;
    pthread_cond_broadcast(&thread_cv);
    pthread_mutex_unlock(&thread_mu);
    pthread_join(poll_th, NULL);
    pthread_mutex_lock(&thread_mu);
    poll_running = false;
  }
  pthread_mutex_unlock(&thread_mu);
  return rc;
}
