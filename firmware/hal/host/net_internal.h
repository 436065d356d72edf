/*
 * net_internal.h — the host backend of hal/net.h, split in two: net.c (the host's own
 * interfaces, the LAN, the watcher thread and the event fan-out) and net_wlan_sim.c (the
 * simulated radio: station and access point). Not part of the contract.
 */
#ifndef HAL_HOST_NET_INTERNAL_H
#define HAL_HOST_NET_INTERNAL_H

#include "hal/net.h"

#include "net_events.h" /* net_events_emit: never under a net_wlan_sim lock */

/* net_wlan_sim.c, for HAL_NET_STA and HAL_NET_AP. */
int sim_wlan_status(hal_net_if itf, hal_net_status *out);
int sim_wlan_set_static(hal_net_if itf, const hal_net_ipv4 *ip);
int sim_wlan_set_dhcp(hal_net_if itf);
/* Re-reads the world while the station is on a network and drops the link when its access
 * point is gone (called by the watcher thread and by status queries). */
void sim_wlan_refresh(void);

#endif
