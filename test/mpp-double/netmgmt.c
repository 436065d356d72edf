/* The netmgmt double: RT-Smart's network manager device /dev/netmgmt as hal/k230/net.c sees it
 * through open + ioctl + close, for the k230-double build only. The k230js link wraps open,
 * ioctl and close (CMakeLists.txt here: -Wl,--wrap); a path other than /dev/netmgmt and an fd
 * other than the device's pass to the C library untouched.
 *
 * What the device does is what the kernel's handler does (canmv-k230/rtsmart@123aadc, cited per
 * rule: netmgmt.c's command table and the wlan manager under it), on a world read from the same
 * K230JS_SIM_WLAN script as the simulator (hal/host/net_world.c): the access points in range, the
 * stations on our access point and the wired port (a `lan` line). Driver-side timings the source
 * does not give (scan, association, access-point start) are the world's or short constants;
 * where the source leaves a result to the binary Wi-Fi driver the double picks failure, said
 * where it happens. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "double.h"
#include "net_world.h"

/* Citations below are of canmv-k230/rtsmart@123aadc: netmgmt.c is
 * kernel/bsp/maix3/components/netmgmt/netmgmt.c, wlan_mgnt.c/.h and wlan_dev.h are in
 * kernel/rt-thread/components/drivers/wlan/, libc_ioctl.h in kernel/rt-thread/include/libc/,
 * dfs_posix.c in kernel/rt-thread/components/dfs/src/, devfs.c in
 * kernel/rt-thread/components/dfs/filesystems/devfs/, lwp_*.c in
 * kernel/rt-thread/components/lwp/, the defconfigs in kernel/bsp/maix3/configs/. */

/* ---- the kernel's argument layouts (written from the cited declarations) ---- */

struct kssid { /* struct rt_wlan_ssid, wlan_dev.h:382 (RT_WLAN_SSID_MAX_LENGTH 32, :84) */
  uint8_t len;
  uint8_t val[33];
};
struct kkey { /* struct rt_wlan_key, wlan_dev.h:389 (RT_WLAN_PASSWORD_MAX_LENGTH 64, :92) */
  uint8_t len;
  uint8_t val[65];
};
struct kinfo { /* struct rt_wlan_info, wlan_dev.h:408 */
  int32_t security, band;
  uint32_t datarate;
  int16_t channel, rssi;
  struct kssid ssid;
  uint8_t bssid[6];
  uint8_t hidden;
};
struct kconnect { /* struct rt_wlan_connect_config, netmgmt.c:83 */
  int32_t use_info;
  union {
    struct kssid ssid;
    struct kinfo info;
  } u;
  struct kkey key;
};
struct kscan { /* struct rt_wlan_scan_result, wlan_mgnt.h:77 */
  int32_t num;
  struct kinfo *info;
};
struct kifconfig { /* netmgmt.c:523; ip_addr_t is one u32 (IPv4-only lwIP 2.1.2, defconfig:54) */
  int32_t net_if;
  uint16_t func;
  uint32_t ip, gw, netmask, dns;
};
struct klan { /* struct lan_status_cmd_wrap_t / lan_mac_cmd_wrap_t, netmgmt.c:339, :345 */
  int32_t itf;
  union {
    int32_t value;
    uint8_t mac[6];
  } u;
};

/* rt_err_t values (rtdef.h) as the handlers return them. */
enum { RT_EOK = 0, RT_ERROR = 1, RT_EINVAL = 10 };
/* wlan_dev.h:66-76, :104-123 */
enum { SEC_WEP = 0x1, SEC_AES = 0x4, SEC_WPA = 0x00200000, SEC_WPA2 = 0x00400000, SEC_WPA3 = 0x00800000 };
/* enum rt_netif_t, netmgmt.c:74 */
enum { NETIF_STA = 0, NETIF_AP = 1, NETIF_RTL8152 = 2, NETIF_ECM = 3 };

/* _IOWR('N', nr, void *) with the kernel's _IOC (libc_ioctl.h:24,33), compared as the int the
 * kernel's ioctl takes (dfs_posix.c:442). */
static uint32_t iowr(unsigned nr) { return (3u << 30) | ('N' << 8) | nr | ((unsigned)sizeof(void *) << 16); }

/* Driver timings the source does not give: chosen short. The waits the manager itself bounds
 * are its constants (wlan_mgnt.h:29 RT_WLAN_CONNECT_WAIT_MS, :41 RT_WLAN_SCAN_RETRY_CNT). */
enum { SCAN_MS = 100, AP_START_MS = 50, CONNECT_WAIT_MS = 10 * 1000, SCAN_RETRY = 3 };

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x00};
static const uint8_t AP_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x01};
/* The access point's own address is the driver's DHCP server configuration, not netmgmt's: the
 * simulator's. */
static const hal_net_ipv4 AP_IP = {{192, 168, 169, 1}, {255, 255, 255, 0}, {192, 168, 169, 1}, {192, 168, 169, 1}};

/* ---- state ---- */

/* MGNT_LOCK (wlan_mgnt.c:47): held across scan, connect, disconnect, AP start/stop and by
 * rt_wlan_get_mac / rt_wlan_get_rssi (:1342, :1382). */
static pthread_mutex_t mgnt = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* the fields below */
static struct {
  int fd[8];
  int nfd;
  bool assoc;         /* RT_WLAN_STATE_CONNECT */
  net_world_ap cur;   /* the network joined */
  uint64_t sta_ip_at; /* when DHCP has given the station its address (0: never) */
  bool sta_static, ap_static, lan_static;
  hal_net_ipv4 sta_ip, ap_ip, lan_ip; /* static addresses */
  uint64_t ap_active_at;              /* 0: not active */
  struct kinfo ap_info;
  uint64_t lan_dhcp_from; /* DHCP restarted at (0: at boot) */
} S;

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}
static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static uint32_t be_of(const uint8_t a[4]) {
  uint32_t v;
  memcpy(&v, a, 4);
  return v;
}

/* The station's association ends when its access point leaves the world (the driver's
 * DISCONNECT event clears RT_WLAN_STATE_CONNECT). mu held. */
static void sta_refresh(const net_world *w) {
  if (S.assoc && !net_world_find_ap(w, S.cur.info.ssid)) S.assoc = false;
}

static struct kinfo kinfo_of(const hal_net_wlan_info *in) {
  static const int32_t sec[] = {[HAL_NET_SEC_OPEN] = 0,
                                [HAL_NET_SEC_WEP] = SEC_WEP,
                                [HAL_NET_SEC_WPA] = SEC_WPA | SEC_AES,
                                [HAL_NET_SEC_WPA2] = SEC_WPA2 | SEC_AES,
                                [HAL_NET_SEC_WPA3] = SEC_WPA3 | SEC_AES,
                                [HAL_NET_SEC_UNKNOWN] = -1};
  struct kinfo k;
  memset(&k, 0, sizeof k);
  k.security = sec[in->security];
  k.band = in->channel > 14 ? 0 : 1; /* rt_802_11_band_t, wlan_dev.h:131 */
  k.datarate = 72200000;
  k.channel = (int16_t)in->channel;
  k.rssi = (int16_t)in->rssi;
  k.ssid.len = (uint8_t)strlen(in->ssid);
  memcpy(k.ssid.val, in->ssid, k.ssid.len);
  memcpy(k.bssid, in->bssid, 6);
  return k;
}

/* rt_wlan_info_isequ, wlan_mgnt.c:158: a field takes part only when set in both. */
static bool info_matches(const struct kinfo *f, const struct kinfo *i) {
  static const uint8_t zero[6];
  if (f->security != -1 && i->security != -1 && f->security != i->security) return false;
  if (f->ssid.len && i->ssid.len && (f->ssid.len != i->ssid.len || memcmp(f->ssid.val, i->ssid.val, f->ssid.len)))
    return false;
  if (memcmp(f->bssid, zero, 6) && memcmp(i->bssid, zero, 6) && memcmp(f->bssid, i->bssid, 6)) return false;
  if (f->datarate && i->datarate && f->datarate != i->datarate) return false;
  if (f->channel >= 0 && i->channel >= 0 && f->channel != i->channel) return false;
  if (f->rssi < 0 && i->rssi < 0 && f->rssi != i->rssi) return false;
  return true;
}

/* A C string of at most max bytes in val[max + 1], whose length field agrees. */
static bool str_ok(const uint8_t *val, uint8_t len, size_t max) {
  size_t n = strnlen((const char *)val, max + 1);
  return n <= max && n == len;
}

/* The ssid of a connect/AP-start argument (in the info with use_info), or NULL when it or the
 * key breaks a rule: the manager then returns -RT_EINVAL (wlan_mgnt.c:1080, :1164, :1170). */
static const struct kssid *connect_ssid(const struct kconnect *c, const char *cmd) {
  const struct kssid *ssid = c->use_info ? &c->u.info.ssid : &c->u.ssid;
  if (!dbl_check(str_ok(ssid->val, ssid->len, 32) && ssid->len > 0, "NETMGMT-SSID",
                 "%s: ssid of length field %u is not a string of that length, 1 to 32 bytes", cmd, ssid->len))
    return NULL;
  if (!dbl_check(str_ok(c->key.val, c->key.len, 64), "NETMGMT-KEY",
                 "%s: key of length field %u is not a string of that length, at most 64", cmd, c->key.len))
    return NULL;
  return ssid;
}

/* ---- station ---- */

/* rt_wlan_connect (wlan_mgnt.c:1059) and rt_wlan_connect_adv (:1145). */
static int sta_connect(struct kconnect *c) {
  const struct kssid *ssid = connect_ssid(c, "STA_CONNECT");
  if (!ssid) return -RT_EINVAL;
  const char *want = (const char *)ssid->val, *key = (const char *)c->key.val;
  pthread_mutex_lock(&mgnt);
  net_world w;
  net_world_read(&w);
  pthread_mutex_lock(&mu);
  sta_refresh(&w);
  /* Already on that network: success without a new join, whatever the key (:1086-1091). */
  bool same = S.assoc && strcmp(S.cur.info.ssid, want) == 0;
  pthread_mutex_unlock(&mu);
  if (same) {
    pthread_mutex_unlock(&mgnt);
    return RT_EOK;
  }
  /* Not in the scan cache: up to RT_WLAN_SCAN_RETRY_CNT scans, then -RT_ERROR (:1095-1106). */
  const net_world_ap *ap = net_world_find_ap(&w, want);
  for (int i = 0; i < SCAN_RETRY && !ap; i++) {
    sleep_ms(SCAN_MS);
    net_world_read(&w);
    ap = net_world_find_ap(&w, want);
  }
  int rc = RT_EOK;
  if (!ap) {
    rc = -RT_ERROR;
  } else {
    /* Joining drops the current link first (:1177-1209). */
    pthread_mutex_lock(&mu);
    S.assoc = false;
    pthread_mutex_unlock(&mu);
    if (ap->no_answer) {
      /* Neither CONNECT nor CONNECT_FAIL within RT_WLAN_CONNECT_WAIT_MS: -RT_ERROR (:1131-1140). */
      sleep_ms(CONNECT_WAIT_MS);
      rc = -RT_ERROR;
    } else {
      /* Association takes half of the world's join-ms, DHCP the other half. */
      sleep_ms(ap->join_ms / 2);
      if (strcmp(ap->key, key) != 0) {
        rc = -RT_ERROR; /* CONNECT_FAIL (:1134-1140): the cause is not reported */
      } else {
        pthread_mutex_lock(&mu);
        S.assoc = true;
        S.cur = *ap;
        S.sta_ip_at = now_us() + (uint64_t)(ap->join_ms - ap->join_ms / 2) * 1000u;
        pthread_mutex_unlock(&mu);
      }
    }
  }
  pthread_mutex_unlock(&mgnt);
  return rc;
}

/* rt_wlan_disconnect, wlan_mgnt.c:1237. Whether the driver's disconnect of a station on no
 * network succeeds is the binary driver's business (rt_wlan_dev_disconnect, :1259): the double
 * fails it (-RT_ERROR), as :1260-1265 passes a driver failure on. */
static int sta_disconnect(void) {
  pthread_mutex_lock(&mgnt);
  pthread_mutex_lock(&mu);
  int rc = S.assoc ? RT_EOK : -RT_ERROR;
  S.assoc = false;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&mgnt);
  return rc;
}

static bool sta_has_ip(uint64_t t) { return S.assoc && S.sta_ip_at && t >= S.sta_ip_at; }

/* _wlan_mgmt_cmd_sta_scan, netmgmt.c:198: num and the filter info[0] in, up to num results out. */
static int sta_scan(struct kscan *r) {
  struct kinfo filter = r->info[0];
  if (!dbl_check(filter.ssid.len <= 32, "NETMGMT-SSID", "STA_SCAN: filter ssid length %u", filter.ssid.len))
    return -RT_ERROR; /* rt_wlan_scan_with_info returns NULL (wlan_mgnt.c:1789-1793) */
  pthread_mutex_lock(&mgnt);
  sleep_ms(SCAN_MS);
  net_world w;
  net_world_read(&w);
  pthread_mutex_unlock(&mgnt);
  /* Filtered (wlan_mgnt.c:297-305) and sorted by signal, strongest first (RT_WLAN_SCAN_SORT,
   * :321; Kconfig default y, components/drivers/Kconfig:589, not overridden by the defconfig). */
  struct kinfo got[NET_WORLD_MAX_APS];
  int n = 0;
  for (int i = 0; i < w.nap; i++) {
    struct kinfo k = kinfo_of(&w.ap[i].info);
    if (!info_matches(&filter, &k)) continue;
    int at = n;
    while (at > 0 && k.rssi < 0 && got[at - 1].rssi < 0 && k.rssi > got[at - 1].rssi) at--;
    memmove(&got[at + 1], &got[at], (size_t)(n - at) * sizeof got[0]);
    got[at] = k;
    n++;
  }
  if (n > r->num) n = r->num; /* :215-218 */
  r->num = n;
  for (int i = 0; i < n; i++) r->info[i] = got[i];
  return RT_EOK;
}

/* ---- access point ---- */

/* _wlan_mgmt_cmd_ap_start, netmgmt.c:235: rt_wlan_start_ap_adv (use_info) or rt_wlan_start_ap. */
static int ap_start(struct kconnect *c) {
  const struct kssid *ssid = connect_ssid(c, "AP_START");
  if (!ssid) return -RT_EINVAL;
  struct kinfo info;
  if (c->use_info) {
    info = c->u.info;
  } else {
    /* rt_wlan_start_ap: WPA2-AES whenever a password pointer is given (wlan_mgnt.c:1404-1407),
     * and netmgmt always gives key.val, an array (netmgmt.c:249); channel 6, 2.4 GHz (:1417). */
    memset(&info, 0, sizeof info);
    info.ssid = *ssid;
    info.security = SEC_WPA2 | SEC_AES;
    info.channel = 6;
    info.band = 1;
  }
  /* A WPA2 network needs an 8..63 character passphrase (or 64 hex digits); whether the driver
   * (rt_wlan_dev_ap_start, wlan_mgnt.c:1496) refuses a shorter one is not in the source: the
   * double refuses it, as :1497-1502 passes a driver failure on. */
  if (info.security != 0 && c->key.len < 8) return -RT_ERROR;
  if (info.security == 0 && c->key.len) return -RT_ERROR;
  pthread_mutex_lock(&mgnt);
  /* rt_wlan_start_ap waits for AP_START (:1441-1453); rt_wlan_start_ap_adv returns once the
   * driver took the request (:1496-1509): the AP becomes active a little later. */
  uint64_t at = now_us() + AP_START_MS * 1000u;
  if (!c->use_info) sleep_ms(AP_START_MS);
  pthread_mutex_lock(&mu);
  S.ap_info = info;
  memcpy(S.ap_info.bssid, AP_MAC, 6);
  S.ap_active_at = at;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&mgnt);
  return RT_EOK;
}

static bool ap_active(uint64_t t) { return S.ap_active_at && t >= S.ap_active_at; }

/* rt_wlan_ap_stop, wlan_mgnt.c:1525; an access point that is not active: the driver's answer
 * (rt_wlan_dev_ap_stop, :1544) is not in the source, the double fails it as :1545-1550 would. */
static int ap_stop(void) {
  pthread_mutex_lock(&mgnt);
  pthread_mutex_lock(&mu);
  int rc = ap_active(now_us()) ? RT_EOK : -RT_ERROR;
  S.ap_active_at = 0;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&mgnt);
  return rc;
}

/* _wlan_mgmt_cmd_ap_get_stations, netmgmt.c:277: the stations joined (none while the AP is
 * down), at most num. */
static int ap_stations(struct kscan *r) {
  net_world w;
  net_world_read(&w);
  pthread_mutex_lock(&mu);
  int n = ap_active(now_us()) ? w.nstation : 0;
  pthread_mutex_unlock(&mu);
  if (n > r->num) n = r->num; /* :288-291 */
  for (int i = 0; i < n; i++) {
    memset(&r->info[i], 0, sizeof r->info[i]);
    memcpy(r->info[i].bssid, w.station[i], 6);
  }
  r->num = n;
  return RT_EOK;
}

/* ---- interfaces ---- */

/* The netdev behind an rt_netif_t, as _net_mgmt_dev_cmd_net_ifconfig finds it (netmgmt.c:540-582):
 * the wlan devices always exist (the CanMV defconfigs build them: k230_canmv_defconfig:49-50),
 * the RTL8152 ("u0", components/Kconfig:302) when the world has a `lan` line, the LTE/ECM one
 * ("u1", :306) never. -1: no such netdev (-RT_ERROR); -2: not an rt_netif_t (LOG_E). */
static int netdev_of(int32_t itf, const net_world *w) {
  if (itf == NETIF_STA || itf == NETIF_AP) return itf;
  if (itf == NETIF_RTL8152) return w->lan.present ? itf : -1;
  if (itf == NETIF_ECM) return -1;
  return -2;
}

/* The netdev's address now: a static one, or what DHCP has given. mu held. */
static hal_net_ipv4 addr_of(int itf, const net_world *w, uint64_t t) {
  hal_net_ipv4 none = {{0}};
  if (itf == NETIF_STA) return S.sta_static ? S.sta_ip : sta_has_ip(t) ? S.cur.ip : none;
  if (itf == NETIF_AP) return S.ap_static ? S.ap_ip : ap_active(t) ? AP_IP : none;
  if (S.lan_static) return S.lan_ip;
  bool leased = w->lan.link && t >= S.lan_dhcp_from + (uint64_t)w->lan.dhcp_ms * 1000u;
  return leased ? w->lan.ip : none;
}

/* _net_mgmt_dev_cmd_net_ifconfig, netmgmt.c:521: func 0 get, 1 static (DHCP off), 2 DHCP on;
 * another func does nothing and succeeds (:584-618). */
static int ifconfig(struct kifconfig *c) {
  net_world w;
  net_world_read(&w);
  int d = netdev_of(c->net_if, &w);
  if (!dbl_check(d != -2, "NETMGMT-NETIF", "NET_IFCONFIG on interface %d", (int)c->net_if)) return -RT_ERROR;
  if (d < 0) return -RT_ERROR; /* "Can't find netif" (:560-563) */
  uint64_t t = now_us();
  pthread_mutex_lock(&mu);
  sta_refresh(&w);
  if (c->func == 0) {
    hal_net_ipv4 a = addr_of(d, &w, t);
    c->ip = be_of(a.addr), c->gw = be_of(a.gateway), c->netmask = be_of(a.netmask), c->dns = be_of(a.dns);
  } else if (c->func == 1 || c->func == 2) {
    bool on = c->func == 1;
    hal_net_ipv4 ip;
    memcpy(ip.addr, &c->ip, 4), memcpy(ip.gateway, &c->gw, 4), memcpy(ip.netmask, &c->netmask, 4),
        memcpy(ip.dns, &c->dns, 4);
    bool *st = d == NETIF_STA ? &S.sta_static : d == NETIF_AP ? &S.ap_static : &S.lan_static;
    hal_net_ipv4 *sip = d == NETIF_STA ? &S.sta_ip : d == NETIF_AP ? &S.ap_ip : &S.lan_ip;
    bool was_static = *st;
    *st = on;
    if (on) *sip = ip;
    /* DHCP turned on again asks for a lease from now (lwIP's DHCP start; the delay is the
     * world's: half of join-ms on the station, dhcp-ms on the wired port). */
    if (!on && was_static && d == NETIF_STA && S.assoc) S.sta_ip_at = t + (uint64_t)(S.cur.join_ms / 2) * 1000u;
    if (!on && was_static && d == NETIF_RTL8152) S.lan_dhcp_from = t;
  }
  pthread_mutex_unlock(&mu);
  return RT_EOK;
}

/* _net_mgmt_cmd_get_isactive, netmgmt.c:747: whether the interface's device exists. */
static int probe(int32_t *itf) {
  net_world w;
  net_world_read(&w);
  int d = netdev_of(*itf, &w);
  if (!dbl_check(d != -2, "NETMGMT-NETIF", "NET_PROBE on interface %d", (int)*itf)) return -RT_ERROR;
  *itf = d >= 0;
  return RT_EOK;
}

/* _lan_mgmt_cmd_get_link_status, netmgmt.c:421: value 1 linked, 2 not, 0 no such device; the
 * handler's own return is lwp_put_to_user_ex's, 0 (lwp_user_mm.c:507-518). */
static int lan_link(struct klan *l) {
  net_world w;
  net_world_read(&w);
  int d = netdev_of(l->itf, &w);
  l->u.value = d == NETIF_RTL8152 ? (w.lan.link ? 1 : 2) : 0;
  return RT_EOK;
}

/* _lan_mgmt_cmd_get_mac, netmgmt.c:459: RT_ERROR, positive, without a device (:471-478). */
static int lan_mac(struct klan *l) {
  net_world w;
  net_world_read(&w);
  if (netdev_of(l->itf, &w) != NETIF_RTL8152) return RT_ERROR;
  memcpy(l->u.mac, w.lan.mac, 6);
  return RT_EOK;
}

/* ---- the device ---- */

static int control(uint32_t cmd, void *arg) {
  uint64_t t = now_us();
  if (cmd == iowr(0x10)) return sta_connect(arg);
  if (cmd == iowr(0x11)) return sta_disconnect();
  if (cmd == iowr(0x12)) { /* connected and with an address (netmgmt.c:135-155) */
    net_world w;
    net_world_read(&w);
    pthread_mutex_lock(&mu);
    sta_refresh(&w);
    *(int32_t *)arg = S.assoc && addr_of(NETIF_STA, &w, t).addr[0];
    pthread_mutex_unlock(&mu);
    return RT_EOK;
  }
  if (cmd == iowr(0x13)) { /* rt_wlan_get_mac takes MGNT_LOCK (wlan_mgnt.c:1342) */
    pthread_mutex_lock(&mgnt);
    memcpy(arg, STA_MAC, 6);
    pthread_mutex_unlock(&mgnt);
    return RT_EOK;
  }
  if (cmd == iowr(0x15)) {     /* rt_wlan_get_info (wlan_mgnt.c:1356): -RT_ERROR unless connected */
    pthread_mutex_lock(&mgnt); /* rt_wlan_get_rssi, :1382 */
    pthread_mutex_lock(&mu);
    int rc = S.assoc ? RT_EOK : -RT_ERROR;
    struct kinfo k = kinfo_of(&S.cur.info);
    pthread_mutex_unlock(&mu);
    pthread_mutex_unlock(&mgnt);
    if (rc == RT_EOK) *(struct kinfo *)arg = k;
    else memset(arg, 0xa5, sizeof k); /* the handler copies its uninitialised info out (netmgmt.c:184) */
    return rc;
  }
  if (cmd == iowr(0x17)) return sta_scan(arg);
  if (cmd == iowr(0x20)) return ap_start(arg);
  if (cmd == iowr(0x21)) return ap_stop();
  if (cmd == iowr(0x22)) {
    pthread_mutex_lock(&mu);
    *(int32_t *)arg = ap_active(t);
    pthread_mutex_unlock(&mu);
    return RT_EOK;
  }
  if (cmd == iowr(0x23)) { /* rt_wlan_ap_get_info, wlan_mgnt.c:1570 */
    pthread_mutex_lock(&mu);
    int rc = ap_active(t) ? RT_EOK : -RT_ERROR;
    struct kinfo k = S.ap_info;
    pthread_mutex_unlock(&mu);
    if (rc == RT_EOK) *(struct kinfo *)arg = k;
    else memset(arg, 0xa5, sizeof k);
    return rc;
  }
  if (cmd == iowr(0x24)) return ap_stations(arg);
  if (cmd == iowr(0x81)) return lan_link(arg);
  if (cmd == iowr(0x82)) return lan_mac(arg);
  if (cmd == iowr(0x100)) return ifconfig(arg);
  if (cmd == iowr(0x104)) return probe(arg);
  /* The rest of the table (auto-reconnect, set MAC, RSSI, deauth, country, LAN isconnected and
   * set MAC, default device, device list) is not used by hal/k230/net.c and not modelled. */
  dbl_check(0, "NETMGMT-CMD", "ioctl(/dev/netmgmt, 0x%08x): not a command of the device (or not modelled)", cmd);
  return -RT_ERROR;
}

static bool is_dev(int fd) {
  pthread_mutex_lock(&mu);
  bool yes = false;
  for (int i = 0; i < S.nfd && !yes; i++) yes = S.fd[i] == fd;
  pthread_mutex_unlock(&mu);
  return fd >= 0 && yes;
}

int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __real_close(int fd);

int __wrap_open(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  if (!path || strcmp(path, "/dev/netmgmt") != 0) return __real_open(path, flags, mode);
  /* A real descriptor (of /dev/null) stands for the device, so fd numbers stay the kernel's. */
  int fd = __real_open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fd;
  pthread_mutex_lock(&mu);
  if (S.nfd < (int)(sizeof S.fd / sizeof S.fd[0])) S.fd[S.nfd++] = fd;
  pthread_mutex_unlock(&mu);
  return fd;
}

/* The handler's rt_err_t reaches the caller as RT-Smart passes it on: 0 and positive values are
 * ioctl's return (devfs.c:47-49, dfs_posix.c:420-426, lwp_syscall.c:658-662); a negative one
 * becomes errno -err and -1 (dfs_posix.c:422, lwp_syscall.c:76-82). */
int __wrap_ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (!is_dev(fd)) return __real_ioctl(fd, req, arg);
  int r = control((uint32_t)req, arg);
  if (r >= 0) return r;
  errno = -r;
  return -1;
}

int __wrap_close(int fd) {
  pthread_mutex_lock(&mu);
  for (int i = 0; i < S.nfd; i++)
    if (S.fd[i] == fd) S.fd[i] = S.fd[--S.nfd];
  pthread_mutex_unlock(&mu);
  return __real_close(fd);
}
