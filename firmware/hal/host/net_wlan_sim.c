/* hal/net.h's Wi-Fi on the host: a simulated radio (station and access point) whose world, the
 * networks in range and their behaviour, is the file named by K230JS_SIM_WLAN (format in
 * hal/net.h). The file is read at every scan and connect and polled while connected, so tests
 * script failures and events by writing it. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/errors.h"
#include "net_internal.h"

enum { MAX_APS = 32, MAX_STATIONS = 16, SCAN_MS = 100 };

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x00};
static const uint8_t AP_MAC[6] = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x01};
static const hal_net_ipv4 AP_IP = {{192, 168, 169, 1}, {255, 255, 255, 0}, {192, 168, 169, 1}, {192, 168, 169, 1}};

typedef struct sim_ap {
  hal_net_wlan_info info;
  char key[HAL_NET_KEY_MAX + 1];
  hal_net_ipv4 ip; /* what its DHCP server hands out */
  int join_ms;
  bool no_answer;
} sim_ap;

typedef struct sim_world {
  sim_ap ap[MAX_APS];
  int nap;
  uint8_t station[MAX_STATIONS][6];
  int nstation;
} sim_world;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static struct {
  bool connecting, connected, abort;
  sim_ap cur;
  bool has_static[HAL_NET_IF_COUNT];
  hal_net_ipv4 static_ip[HAL_NET_IF_COUNT];
  bool ap_on;
  hal_net_wlan_info ap_info;
  unsigned long warned; /* hash of the last file content warned about */
} S;

/* ---- the world file ---- */

static bool parse_ipv4(const char *s, uint8_t out[4]) {
  unsigned a, b, c, d;
  char tail;
  if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255) return false;
  out[0] = (uint8_t)a, out[1] = (uint8_t)b, out[2] = (uint8_t)c, out[3] = (uint8_t)d;
  return true;
}

static bool parse_mac(const char *s, uint8_t out[6]) {
  unsigned m[6];
  char tail;
  if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6) return false;
  for (int i = 0; i < 6; i++) {
    if (m[i] > 255) return false;
    out[i] = (uint8_t)m[i];
  }
  return true;
}

/* Next word of a line: bare, or with a "quoted" value (key="a b"). NULL at the end. */
static char *next_word(char **p) {
  char *s = *p;
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
  if (!*s) return NULL;
  char *w = s, *o = s;
  bool q = false;
  for (; *s && (q || (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')); s++) {
    if (*s == '"') q = !q;
    else *o++ = *s;
  }
  if (*s) s++;
  *o = 0;
  *p = s;
  return w;
}

/* One line into the world; the reason it is bad, or NULL. */
static const char *parse_line(char *line, sim_world *w) {
  char *p = line, *word = next_word(&p);
  if (!word || word[0] == '#') return NULL;
  if (strcmp(word, "station") == 0) {
    if (w->nstation == MAX_STATIONS) return "too many stations";
    while ((word = next_word(&p)))
      if (strncmp(word, "mac=", 4) == 0 && parse_mac(word + 4, w->station[w->nstation])) {
        w->nstation++;
        return NULL;
      }
    return "a station needs mac=aa:bb:cc:dd:ee:ff";
  }
  if (w->nap == MAX_APS) return "too many access points";
  sim_ap ap = {.info = {.rssi = -50, .channel = 6, .security = HAL_NET_SEC_UNKNOWN}, .join_ms = 200};
  bool has_addr = false, has_gw = false, has_dns = false;
  int prefix = 24;
  for (; word; word = next_word(&p)) {
    char *eq = strchr(word, '=');
    const char *v = eq ? eq + 1 : "";
    if (eq) *eq = 0;
    if (strcmp(word, "ssid") == 0) {
      if (!*v || strlen(v) > HAL_NET_SSID_MAX) return "ssid must be 1 to 32 bytes";
      snprintf(ap.info.ssid, sizeof ap.info.ssid, "%s", v);
    } else if (strcmp(word, "key") == 0) {
      if (strlen(v) > HAL_NET_KEY_MAX) return "key is longer than 64 characters";
      snprintf(ap.key, sizeof ap.key, "%s", v);
    } else if (strcmp(word, "security") == 0) {
      static const char *const names[] = {"open", "wep", "wpa", "wpa2", "wpa3"};
      int k = 0;
      while (k < 5 && strcmp(v, names[k]) != 0) k++;
      if (k == 5) return "security must be open, wep, wpa, wpa2 or wpa3";
      ap.info.security = (hal_net_security)k;
    } else if (strcmp(word, "rssi") == 0) {
      ap.info.rssi = atoi(v);
    } else if (strcmp(word, "channel") == 0) {
      ap.info.channel = atoi(v);
      ap.info.band_5g = ap.info.channel > 14;
    } else if (strcmp(word, "address") == 0) {
      char a[32];
      snprintf(a, sizeof a, "%s", v);
      char *slash = strchr(a, '/');
      if (slash) {
        *slash = 0;
        prefix = atoi(slash + 1);
      }
      if (!parse_ipv4(a, ap.ip.addr) || prefix < 1 || prefix > 30) return "address must be a.b.c.d/len";
      has_addr = true;
    } else if (strcmp(word, "gateway") == 0) {
      if (!(has_gw = parse_ipv4(v, ap.ip.gateway))) return "gateway must be a.b.c.d";
    } else if (strcmp(word, "dns") == 0) {
      if (!(has_dns = parse_ipv4(v, ap.ip.dns))) return "dns must be a.b.c.d";
    } else if (strcmp(word, "join-ms") == 0) {
      ap.join_ms = atoi(v);
    } else if (strcmp(word, "no-answer") == 0) {
      ap.no_answer = true;
    } else {
      return "unknown word (ssid key security rssi channel address gateway dns join-ms no-answer)";
    }
  }
  if (!ap.info.ssid[0]) return "an access point needs ssid=";
  if (ap.info.security == HAL_NET_SEC_UNKNOWN) ap.info.security = ap.key[0] ? HAL_NET_SEC_WPA2 : HAL_NET_SEC_OPEN;
  if (!has_addr) memcpy(ap.ip.addr, (uint8_t[]){192, 168, 4, 100}, 4);
  uint32_t mask = ~0u << (32 - prefix);
  for (int i = 0; i < 4; i++) ap.ip.netmask[i] = (uint8_t)(mask >> (24 - 8 * i));
  uint8_t first[4];
  for (int i = 0; i < 4; i++) first[i] = ap.ip.addr[i] & ap.ip.netmask[i];
  first[3] |= 1;
  if (!has_gw) memcpy(ap.ip.gateway, first, 4);
  if (!has_dns) memcpy(ap.ip.dns, has_gw ? ap.ip.gateway : first, 4);
  /* A BSSID of its own, stable across reads. */
  unsigned long h = 5381;
  for (const char *c = ap.info.ssid; *c; c++) h = h * 33 + (unsigned char)*c;
  uint8_t bssid[6] = {0x02, 0x5a, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
  memcpy(ap.info.bssid, bssid, 6);
  w->ap[w->nap++] = ap;
  return NULL;
}

static void read_world(sim_world *w) {
  memset(w, 0, sizeof *w);
  const char *path = getenv("K230JS_SIM_WLAN");
  if (!path || !*path) return;
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "k230js: K230JS_SIM_WLAN: cannot read %s: the radio finds no networks\n", path);
    return;
  }
  char line[512];
  unsigned long hash = 5381;
  char errs[512] = "";
  size_t elen = 0;
  for (int n = 1; fgets(line, sizeof line, f); n++) {
    for (const char *c = line; *c; c++) hash = hash * 33 + (unsigned char)*c;
    const char *why = parse_line(line, w);
    if (why && elen < sizeof errs)
      elen += (size_t)snprintf(errs + elen, sizeof errs - elen, "k230js: %s:%d: %s (line ignored)\n", path, n, why);
  }
  fclose(f);
  pthread_mutex_lock(&mu);
  bool warn = errs[0] && hash != S.warned;
  if (errs[0]) S.warned = hash;
  pthread_mutex_unlock(&mu);
  if (warn) fputs(errs, stderr);
}

static const sim_ap *find_ap(const sim_world *w, const char *ssid) {
  for (int i = 0; i < w->nap; i++)
    if (strcmp(w->ap[i].info.ssid, ssid) == 0) return &w->ap[i];
  return NULL;
}

/* ---- time ---- */

static void init_cv(void) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&cv, &a);
  pthread_condattr_destroy(&a);
}

/* Waits ms unless a disconnect aborts the connect under way; false when aborted. mu held. */
static bool wait_ms(int ms) {
  pthread_once(&cv_once, init_cv);
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += ms / 1000;
  t.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  while (!S.abort)
    if (pthread_cond_timedwait(&cv, &mu, &t) != 0) break;
  return !S.abort;
}

/* ---- station ---- */

int hal_net_wlan_scan(hal_net_wlan_info *out, int max, int *count) {
  if (!out || max < 0 || !count) return ERR_EINVAL;
  pthread_mutex_lock(&mu);
  wait_ms(SCAN_MS);
  pthread_mutex_unlock(&mu);
  sim_world w;
  read_world(&w);
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

  sim_world w;
  read_world(&w);
  const sim_ap *ap = find_ap(&w, ssid);
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
  sim_world w;
  read_world(&w);
  if (find_ap(&w, ssid)) return;
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
  sim_world w;
  read_world(&w);
  for (int i = 0; i < w.nstation && *count < max; i++) memcpy(mac[(*count)++], w.station[i], 6);
  return 0;
}
