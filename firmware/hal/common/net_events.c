/* The watcher of hal/net.h events (net_events.h). */
#include "net_events.h"

#include <pthread.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* held while the callback runs */
static hal_net_event_cb *watch_cb;
static void *watch_user;

void net_events_set(hal_net_event_cb *cb, void *user) {
  pthread_mutex_lock(&mu);
  watch_cb = cb;
  watch_user = user;
  pthread_mutex_unlock(&mu);
}

void net_events_emit(hal_net_if itf, hal_net_event ev) {
  pthread_mutex_lock(&mu);
  if (watch_cb) watch_cb(watch_user, itf, ev);
  pthread_mutex_unlock(&mu);
}
