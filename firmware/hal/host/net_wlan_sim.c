/* hal/net.h's Wi-Fi on the host: a simulated radio (station and access point) whose world, the
 * networks in range and their behaviour, is the file named by K230JS_SIM_WLAN (format in
 * hal/net.h, parsed by net_world.c). The file is read at every scan and connect and polled while
 * connected, so tests script failures and events by writing it. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/deadline.h"
#include "base/errors.h"
#include "net_internal.h"
#include "net_world.h"

enum { SCAN_MS = 100 };

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x00};
static const uint8_t AP_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x01};
static const hal_net_ipv4 AP_IP = {{192, 168, 169, 1}, {255, 255, 255, 0}, {192, 168, 169, 1}, {192, 168, 169, 1}};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static struct {
  bool connecting, connected, abort;
  net_world_ap cur;
  bool has_static[HAL_NET_IF_COUNT];
  hal_net_ipv4 static_ip[HAL_NET_IF_COUNT];
  bool ap_on;
  hal_net_wlan_info ap_info;
} S;

/* ---- time ---- */

static void init_cv(void) { base_cond_init_mono(&cv); }

/* Waits ms unless a disconnect aborts the connect under way; false when aborted. mu held. */
static bool wait_ms(int ms) {
  pthread_once(&cv_once, init_cv);
  struct timespec t;
  base_deadline(&t, ms);
  while (!S.abort)
    if (base_cond_wait(&cv, &mu, &t, ms > 0 ? ms : 0) != 0) break;
  return !S.abort;
}

/* ---- station ---- */

int hal_net_wlan_scan(hal_net_wlan_info *out, int max, int *count) {
  if (!out || max < 0 || !count) return ERR_EINVAL;
  pthread_mutex_lock(&mu);
  wait_ms(SCAN_MS);
  pthread_mutex_unlock(&mu);
  net_world w;
  net_world_read(&w);
  int n = 0;
  for (int i = 0; i < w.nap && n < max; i++) out[n++] = w.ap[i].info;
  *count = n;
  return 0;
}

static void drop_link(void) {
  net_events_emit(HAL_NET_STA, HAL_NET_EV_LINK_DOWN);
  net_events_emit(HAL_NET_STA, HAL_NET_EV_ADDRESS);
}

int hal_net_wlan_connect(const char *ssid, const char *key, int timeout_ms) {
  if (!ssid || !*ssid || strlen(ssid) > HAL_NET_SSID_MAX || (key && strlen(key) > HAL_NET_KEY_MAX) || timeout_ms < 0)
    return ERR_EINVAL;
  pthread_mutex_lock(&mu);
  if (S.connecting) {
    pthread_mutex_unlock(&mu);
    return ERR_EBUSY;
  }
  S.connecting = true;
  S.abort = false;
  bool was = S.connected;
  S.connected = false;
  pthread_mutex_unlock(&mu);
  if (was) drop_link();

  net_world w;
  net_world_read(&w);
  const net_world_ap *ap = net_world_find_ap(&w, ssid);
  int rc = 0;
  pthread_mutex_lock(&mu);
  if (!ap) {
    rc = wait_ms(SCAN_MS < timeout_ms ? SCAN_MS : timeout_ms) ? ERR_ENOENT : ERR_EINTR;
  } else if (ap->no_answer || ap->join_ms > timeout_ms) {
    rc = wait_ms(timeout_ms) ? ERR_ETIMEDOUT : ERR_EINTR;
  } else if (!wait_ms(ap->join_ms)) {
    rc = ERR_EINTR;
  } else if (strcmp(ap->key, key ? key : "") != 0) {
    rc = ERR_EAUTH;
  }
  if (rc == 0) {
    S.cur = *ap;
    S.connected = true;
  }
  S.connecting = false;
  S.abort = false;
  pthread_mutex_unlock(&mu);
  if (rc == 0) {
    net_events_emit(HAL_NET_STA, HAL_NET_EV_LINK_UP);
    net_events_emit(HAL_NET_STA, HAL_NET_EV_ADDRESS);
  }
  return rc;
}

int hal_net_wlan_disconnect(void) {
  pthread_mutex_lock(&mu);
  bool was = S.connected;
  S.connected = false;
  if (S.connecting) {
    S.abort = true;
    pthread_once(&cv_once, init_cv);
    pthread_cond_broadcast(&cv);
  }
  pthread_mutex_unlock(&mu);
  if (was) drop_link();
  return 0;
}

int hal_net_wlan_current(hal_net_wlan_info *out) {
  if (!out) return ERR_EINVAL;
  sim_wlan_refresh();
  pthread_mutex_lock(&mu);
  int rc = S.connected ? 0 : ERR_ESTATE;
  if (!rc) *out = S.cur.info;
  pthread_mutex_unlock(&mu);
  return rc;
}

void sim_wlan_refresh(void) {
  pthread_mutex_lock(&mu);
  bool on = S.connected;
  char ssid[sizeof S.cur.info.ssid];
  memcpy(ssid, S.cur.info.ssid, sizeof ssid);
  pthread_mutex_unlock(&mu);
  if (!on) return;
  net_world w;
  net_world_read(&w);
  if (net_world_find_ap(&w, ssid)) return;
  pthread_mutex_lock(&mu);
  bool gone = S.connected && strcmp(S.cur.info.ssid, ssid) == 0;
  if (gone) S.connected = false;
  pthread_mutex_unlock(&mu);
  if (gone) drop_link();
}

/* ---- status and addresses ---- */

int sim_wlan_status(hal_net_if itf, hal_net_status *out) {
  if (itf == HAL_NET_STA) sim_wlan_refresh();
  memset(out, 0, sizeof *out);
  out->present = true;
  pthread_mutex_lock(&mu);
  bool sta = itf == HAL_NET_STA;
  out->link = sta ? S.connected : S.ap_on;
  memcpy(out->mac, sta ? STA_MAC : AP_MAC, 6);
  snprintf(out->name, sizeof out->name, "%s", sta ? "wlan0" : "wlan1");
  if (S.has_static[itf]) out->ip = S.static_ip[itf];
  else if (out->link) out->ip = sta ? S.cur.ip : AP_IP;
  out->dhcp = sta && out->link && !S.has_static[itf];
  pthread_mutex_unlock(&mu);
  return 0;
}

static int set_ip(hal_net_if itf, const hal_net_ipv4 *ip) {
  pthread_mutex_lock(&mu);
  S.has_static[itf] = ip != NULL;
  if (ip) S.static_ip[itf] = *ip;
  bool up = itf == HAL_NET_STA ? S.connected : S.ap_on;
  pthread_mutex_unlock(&mu);
  if (up || ip) net_events_emit(itf, HAL_NET_EV_ADDRESS);
  return 0;
}

int sim_wlan_set_static(hal_net_if itf, const hal_net_ipv4 *ip) { return set_ip(itf, ip); }
int sim_wlan_set_dhcp(hal_net_if itf) { return set_ip(itf, NULL); }

/* ---- access point ---- */

int hal_net_ap_start(const char *ssid, const char *key, int channel) {
  size_t klen = key ? strlen(key) : 0;
  if (!ssid || !*ssid || strlen(ssid) > HAL_NET_SSID_MAX || (klen && (klen < 8 || klen > HAL_NET_KEY_MAX)) ||
      channel < 0 || channel > 165)
    return ERR_EINVAL;
  pthread_mutex_lock(&mu);
  bool was = S.ap_on;
  S.ap_on = true;
  memset(&S.ap_info, 0, sizeof S.ap_info);
  snprintf(S.ap_info.ssid, sizeof S.ap_info.ssid, "%s", ssid);
  memcpy(S.ap_info.bssid, AP_MAC, 6);
  S.ap_info.channel = channel ? channel : 6;
  S.ap_info.band_5g = S.ap_info.channel > 14;
  S.ap_info.security = klen ? HAL_NET_SEC_WPA2 : HAL_NET_SEC_OPEN;
  pthread_mutex_unlock(&mu);
  if (!was) net_events_emit(HAL_NET_AP, HAL_NET_EV_LINK_UP);
  net_events_emit(HAL_NET_AP, HAL_NET_EV_ADDRESS);
  return 0;
}

int hal_net_ap_stop(void) {
  pthread_mutex_lock(&mu);
  bool was = S.ap_on;
  S.ap_on = false;
  pthread_mutex_unlock(&mu);
  if (was) {
    net_events_emit(HAL_NET_AP, HAL_NET_EV_LINK_DOWN);
    net_events_emit(HAL_NET_AP, HAL_NET_EV_ADDRESS);
  }
  return 0;
}

int hal_net_ap_stations(uint8_t (*mac)[6], int max, int *count) {
  if (!mac || max < 0 || !count) return ERR_EINVAL;
  pthread_mutex_lock(&mu);
  bool on = S.ap_on;
  pthread_mutex_unlock(&mu);
  *count = 0;
  if (!on) return 0;
  net_world w;
  net_world_read(&w);
  for (int i = 0; i < w.nstation && *count < max; i++) memcpy(mac[(*count)++], w.station[i], 6);
  return 0;
}
