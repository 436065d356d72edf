/*
 * kjs/net.h — what other modules ask k230:net (mod_net.c).
 */
#ifndef KJS_NET_H
#define KJS_NET_H

#include <stdbool.h>
#include <stddef.h>

/* The IPv4 address a peer on the network reaches this system at, as text: the Wi-Fi station's
 * when it is connected, else the LAN's, else the access point's. False (out "") when no
 * interface has both a link and an address. */
bool kjs_net_reachable_ipv4(char *out, size_t size);

#endif
