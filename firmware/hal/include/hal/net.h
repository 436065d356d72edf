/*
 * hal/net.h — network interfaces (CanMV `network`: LAN, WLAN station, WLAN access point).
 *
 * Three interfaces, each present or not: HAL_NET_LAN (the wired port: USB Ethernet on the
 * CanMV-K230), HAL_NET_STA (Wi-Fi station) and HAL_NET_AP (Wi-Fi access point). Addresses are
 * IPv4 (the board's lwIP is built IPv4-only). Every call is thread-safe; scan and connect block
 * (seconds on the board) and are meant to run off the JS thread.
 *
 * Board (hal/k230/net.c): RT-Smart's network manager device /dev/netmgmt (open + ioctl), the way
 * CanMV's network module drives it; link and address changes are found by polling it. Tested on
 * the netmgmt double (test/mpp-double/netmgmt.c, test/k230-net.test.ts).
 *
 * Host simulator (hal/host/net*.c):
 *   - hal_net_interfaces lists the host's interfaces (a netlink dump), read-only.
 *   - HAL_NET_LAN is the host's primary interface (the one with the default route, else the first
 *     one up with an IPv4 address), read-only: set_static/set_dhcp give ERR_ENOTSUP. Its link and
 *     address changes come from netlink.
 *   - HAL_NET_STA / HAL_NET_AP are a simulated radio (MAC 02:00:00:4b:23:00 / :01) whose world is
 *     the file named by env K230JS_SIM_WLAN (none: the radio finds no networks). The file is read
 *     at every scan and connect and watched while connected, so a test scripts networks, failures
 *     and events by writing it. One line per access point, `key=value` words ("" quotes):
 *       ssid=Home key=secret123 security=wpa2 rssi=-42 channel=6 address=192.168.4.23/24
 *           gateway=192.168.4.1 dns=192.168.4.1 join-ms=300 no-answer
 *     security open|wep|wpa|wpa2|wpa3 (default wpa2, or open without key), rssi (default -50),
 *     channel (default 6), address (default 192.168.4.100/24; gateway/dns default to .1 of it),
 *     join-ms = association + DHCP time (default 200), no-answer = the AP never answers (connect
 *     times out). Wrong key: ERR_EAUTH after join-ms. A line removed while the station is on it
 *     is the AP going away: the link drops (HAL_NET_EV_LINK_DOWN). `station mac=aa:bb:cc:dd:ee:ff`
 *     lines are the clients of the simulated access point. Started, the access point is at
 *     192.168.169.1/24. A `lan link=up|down mac=.. address=a.b.c.d/len gateway=.. dns=..
 *     dhcp-ms=..` line is the board's wired port for the netmgmt double (test/mpp-double); the
 *     simulator's LAN is the host's own and ignores it.
 */
#ifndef HAL_NET_H
#define HAL_NET_H

#include <stdbool.h>
#include <stdint.h>

#define HAL_NET_SSID_MAX 32 /* bytes */
#define HAL_NET_KEY_MAX 64  /* a WPA passphrase is 8..63 characters, a raw PSK 64 hex digits */

typedef enum hal_net_if { HAL_NET_LAN = 0, HAL_NET_STA = 1, HAL_NET_AP = 2, HAL_NET_IF_COUNT = 3 } hal_net_if;

typedef struct hal_net_ipv4 {
  uint8_t addr[4], netmask[4], gateway[4], dns[4]; /* all zero: none */
} hal_net_ipv4;

typedef struct hal_net_status {
  bool present;   /* the interface exists (CanMV active()) */
  bool link;      /* cable plugged (LAN), associated (STA), started (AP) */
  bool dhcp;      /* the address comes from DHCP, as far as the system tells */
  uint8_t mac[6]; /* all zero when unknown */
  char name[16];  /* the system's name for it ("eth0", "w0"), "" when unknown */
  hal_net_ipv4 ip;
} hal_net_status;

typedef enum hal_net_security {
  HAL_NET_SEC_OPEN = 0,
  HAL_NET_SEC_WEP,
  HAL_NET_SEC_WPA,
  HAL_NET_SEC_WPA2,
  HAL_NET_SEC_WPA3,
  HAL_NET_SEC_UNKNOWN,
} hal_net_security;

typedef struct hal_net_wlan_info {
  char ssid[HAL_NET_SSID_MAX + 1];
  uint8_t bssid[6];
  int rssi; /* dBm */
  int channel;
  hal_net_security security;
  bool band_5g;
} hal_net_wlan_info;

/* One interface of the system as its kernel lists it (the host's are many, the board's three). */
#define HAL_NET_ADDR_MAX 8
typedef struct hal_net_addr {
  int family;        /* 4 or 6 */
  uint8_t addr[16];  /* 4 bytes used for IPv4 */
  uint8_t prefixlen; /* from the netmask */
} hal_net_addr;

typedef struct hal_net_if_entry {
  char name[16];
  uint8_t mac[6];
  bool up, running, loopback;
  int naddr;
  hal_net_addr addr[HAL_NET_ADDR_MAX];
} hal_net_if_entry;

int hal_net_status_get(hal_net_if itf, hal_net_status *out);
/* Static address (DHCP off). ERR_ENODEV when the interface is absent, ERR_ENOTSUP where the
 * system does not let us (the host's own interfaces). */
int hal_net_set_static(hal_net_if itf, const hal_net_ipv4 *ip);
int hal_net_set_dhcp(hal_net_if itf);

/* Every interface, up to max; *count gets how many were written. */
int hal_net_interfaces(hal_net_if_entry *out, int max, int *count);

/* ---- Wi-Fi station ---- */

/* Networks in range, up to max (blocks while the radio scans). ERR_ENODEV without a radio. */
int hal_net_wlan_scan(hal_net_wlan_info *out, int max, int *count);
/* Join `ssid` with `key` ("" or NULL for an open network) and wait, up to timeout_ms, until the
 * link is up and the interface has an address. ERR_ENOENT: no such network; ERR_EAUTH: the key
 * was refused; ERR_ETIMEDOUT; ERR_EBUSY: another connect is under way; ERR_EINTR: a disconnect
 * cancelled it; ERR_EIO: the driver failed without saying why (on the board, every failure that
 * is not a timeout or a cancel). Joining drops any previous link first, as the board's driver
 * does, so a failed connect leaves the station disconnected. */
int hal_net_wlan_connect(const char *ssid, const char *key, int timeout_ms);
int hal_net_wlan_disconnect(void);
/* The network the station is on. ERR_ESTATE when not connected. */
int hal_net_wlan_current(hal_net_wlan_info *out);

/* ---- Wi-Fi access point ---- */

/* channel 0 = the driver's choice. ERR_ENOTSUP where the radio has no access-point mode. */
int hal_net_ap_start(const char *ssid, const char *key, int channel);
int hal_net_ap_stop(void);
/* MAC addresses of the stations joined, up to max. */
int hal_net_ap_stations(uint8_t (*mac)[6], int max, int *count);

/* ---- events ---- */

typedef enum hal_net_event {
  HAL_NET_EV_LINK_UP = 0,
  HAL_NET_EV_LINK_DOWN,
  HAL_NET_EV_ADDRESS, /* the address, netmask, gateway or DNS changed (read them with status_get) */
} hal_net_event;

/* Called on a HAL thread; must not call back into hal_net_watch. */
typedef void hal_net_event_cb(void *user, hal_net_if itf, hal_net_event ev);
/* One watcher per process; cb NULL stops watching. Once it returns, the previous callback is
 * not running and will not run again. */
int hal_net_watch(hal_net_event_cb *cb, void *user);

#endif
