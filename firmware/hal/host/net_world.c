/* The K230JS_SIM_WLAN world file (format in hal/net.h): parsed for the simulator's radio and for
 * the netmgmt double alike. */
#include "net_world.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t warn_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long warned; /* hash of the last file content warned about */

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

/* key=value: the word becomes the key; the value ("" without one). */
static const char *split_word(char *word) {
  char *eq = strchr(word, '=');
  if (!eq) return "";
  *eq = 0;
  return eq + 1;
}

/* address= gateway= dns= of an access point or the wired port. */
typedef struct addr_words {
  hal_net_ipv4 ip;
  int prefix;
  bool has_addr, has_gw, has_dns;
} addr_words;

/* 1: the word was one of them (*why set when its value is bad); 0: another word. */
static int addr_word(const char *k, const char *v, addr_words *a, const char **why) {
  if (strcmp(k, "address") == 0) {
    char s[32];
    snprintf(s, sizeof s, "%s", v);
    char *slash = strchr(s, '/');
    if (slash) {
      *slash = 0;
      a->prefix = atoi(slash + 1);
    }
    if (!parse_ipv4(s, a->ip.addr) || a->prefix < 1 || a->prefix > 30) *why = "address must be a.b.c.d/len";
    a->has_addr = true;
  } else if (strcmp(k, "gateway") == 0) {
    if (!(a->has_gw = parse_ipv4(v, a->ip.gateway))) *why = "gateway must be a.b.c.d";
  } else if (strcmp(k, "dns") == 0) {
    if (!(a->has_dns = parse_ipv4(v, a->ip.dns))) *why = "dns must be a.b.c.d";
  } else {
    return 0;
  }
  return 1;
}

/* The netmask of the prefix, and gateway/DNS defaulting to .1 of the subnet. */
static hal_net_ipv4 addr_finish(addr_words *a, const uint8_t dflt[4]) {
  if (!a->has_addr) memcpy(a->ip.addr, dflt, 4);
  uint32_t mask = ~0u << (32 - a->prefix);
  for (int i = 0; i < 4; i++) a->ip.netmask[i] = (uint8_t)(mask >> (24 - 8 * i));
  uint8_t first[4];
  for (int i = 0; i < 4; i++) first[i] = a->ip.addr[i] & a->ip.netmask[i];
  first[3] |= 1;
  if (!a->has_gw) memcpy(a->ip.gateway, first, 4);
  if (!a->has_dns) memcpy(a->ip.dns, a->has_gw ? a->ip.gateway : first, 4);
  return a->ip;
}

static const char *parse_lan(char *p, net_world *w) {
  net_world_lan lan = {.present = true, .link = true, .mac = {0x02, 0x00, 0x00, 0x4b, 0x23, 0x02}, .dhcp_ms = 200};
  addr_words a = {.prefix = 24};
  const char *why = NULL;
  for (char *word; (word = next_word(&p));) {
    const char *v = split_word(word);
    if (addr_word(word, v, &a, &why)) {
      if (why) return why;
    } else if (strcmp(word, "link") == 0) {
      if (strcmp(v, "up") != 0 && strcmp(v, "down") != 0) return "link must be up or down";
      lan.link = strcmp(v, "up") == 0;
    } else if (strcmp(word, "mac") == 0) {
      if (!parse_mac(v, lan.mac)) return "mac must be aa:bb:cc:dd:ee:ff";
    } else if (strcmp(word, "dhcp-ms") == 0) {
      lan.dhcp_ms = atoi(v);
    } else {
      return "unknown word (lan: link mac address gateway dns dhcp-ms)";
    }
  }
  lan.ip = addr_finish(&a, (const uint8_t[]){192, 168, 1, 100});
  w->lan = lan;
  return NULL;
}

/* One line into the world; the reason it is bad, or NULL. */
static const char *parse_line(char *line, net_world *w) {
  char *p = line, *word = next_word(&p);
  if (!word || word[0] == '#') return NULL;
  if (strcmp(word, "lan") == 0) return parse_lan(p, w);
  if (strcmp(word, "station") == 0) {
    if (w->nstation == NET_WORLD_MAX_STATIONS) return "too many stations";
    while ((word = next_word(&p)))
      if (strncmp(word, "mac=", 4) == 0 && parse_mac(word + 4, w->station[w->nstation])) {
        w->nstation++;
        return NULL;
      }
    return "a station needs mac=aa:bb:cc:dd:ee:ff";
  }
  if (w->nap == NET_WORLD_MAX_APS) return "too many access points";
  net_world_ap ap = {.info = {.rssi = -50, .channel = 6, .security = HAL_NET_SEC_UNKNOWN}, .join_ms = 200};
  addr_words a = {.prefix = 24};
  const char *why = NULL;
  for (; word; word = next_word(&p)) {
    const char *v = split_word(word);
    if (addr_word(word, v, &a, &why)) {
      if (why) return why;
    } else if (strcmp(word, "ssid") == 0) {
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
  ap.ip = addr_finish(&a, (const uint8_t[]){192, 168, 4, 100});
  /* A BSSID of its own, stable across reads. */
  unsigned long h = 5381;
  for (const char *c = ap.info.ssid; *c; c++) h = h * 33 + (unsigned char)*c;
  uint8_t bssid[6] = {0x02, 0x5a, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
  memcpy(ap.info.bssid, bssid, 6);
  w->ap[w->nap++] = ap;
  return NULL;
}

void net_world_read(net_world *w) {
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
  pthread_mutex_lock(&warn_mu);
  bool warn = errs[0] && hash != warned;
  if (errs[0]) warned = hash;
  pthread_mutex_unlock(&warn_mu);
  if (warn) fputs(errs, stderr);
}

const net_world_ap *net_world_find_ap(const net_world *w, const char *ssid) {
  for (int i = 0; i < w->nap; i++)
    if (strcmp(w->ap[i].info.ssid, ssid) == 0) return &w->ap[i];
  return NULL;
}
