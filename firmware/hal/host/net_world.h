/*
 * net_world.h — the scripted Wi-Fi world of K230JS_SIM_WLAN (format in hal/net.h): the access
 * points in range, the stations joined to ours and the wired port. Read by the simulator's radio
 * (net_wlan_sim.c) and by the netmgmt double (test/mpp-double/netmgmt.c), so one script drives
 * both backends. Not part of the contract.
 */
#ifndef HAL_HOST_NET_WORLD_H
#define HAL_HOST_NET_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/net.h"

enum { NET_WORLD_MAX_APS = 32, NET_WORLD_MAX_STATIONS = 16 };

typedef struct net_world_ap {
  hal_net_wlan_info info;
  char key[HAL_NET_KEY_MAX + 1];
  hal_net_ipv4 ip; /* what its DHCP server hands out */
  int join_ms;     /* association + DHCP */
  bool no_answer;
} net_world_ap;

/* A `lan` line: the board's wired port (the simulator's LAN is the host's own and ignores it). */
typedef struct net_world_lan {
  bool present, link;
  uint8_t mac[6];
  hal_net_ipv4 ip; /* what DHCP hands out */
  int dhcp_ms;
} net_world_lan;

typedef struct net_world {
  net_world_ap ap[NET_WORLD_MAX_APS];
  int nap;
  uint8_t station[NET_WORLD_MAX_STATIONS][6];
  int nstation;
  net_world_lan lan;
} net_world;

/* Reads the file named by K230JS_SIM_WLAN (none: an empty world). Bad lines are ignored and
 * reported on stderr, once per content of the file. */
void net_world_read(net_world *w);
const net_world_ap *net_world_find_ap(const net_world *w, const char *ssid);

#endif
