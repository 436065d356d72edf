/*
 * hal/common/net_events.h — the one watcher of hal/net.h's events, shared by the backends (not
 * part of the contract in hal/include). Backends report changes with net_events_emit from any
 * thread; hal_net_watch stores the watcher with net_events_set.
 */
#ifndef HAL_COMMON_NET_EVENTS_H
#define HAL_COMMON_NET_EVENTS_H

#include "hal/net.h"

/* cb NULL clears. When it returns, the previous callback is not running and will not run. */
void net_events_set(hal_net_event_cb *cb, void *user);
/* Hands an event to the watcher, if any. Never call it holding a lock the callback might need. */
void net_events_emit(hal_net_if itf, hal_net_event ev);

#endif
