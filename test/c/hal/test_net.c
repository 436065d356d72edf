/* net: the host's interfaces (loopback as the kernel has it), the LAN read-only, and the
 * simulated radio scripted through K230JS_SIM_WLAN: scan, join (right key, wrong key, no
 * answer, busy, aborted), the access point going away, static addresses, access-point mode,
 * and the events each of these raises. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "check.h"
#include "hal/clock.h"
#include "base/errors.h"
#include "hal/net.h"

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char evlog[1024];

static void on_event(void *user, hal_net_if itf, hal_net_event ev) {
  static const char *const itfs[] = {"lan", "sta", "ap"};
  static const char *const evs[] = {"up", "down", "addr"};
  pthread_mutex_lock(&ev_mu);
  size_t n = strlen(evlog);
  snprintf(evlog + n, sizeof evlog - n, "%s:%s ", itfs[itf], evs[ev]);
  pthread_mutex_unlock(&ev_mu);
}

static void take_events(char *out, size_t size) {
  pthread_mutex_lock(&ev_mu);
  snprintf(out, size, "%s", evlog);
  evlog[0] = 0;
  pthread_mutex_unlock(&ev_mu);
}

static void write_world(const char *path, const char *text) {
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  fputs(text, f);
  fclose(f);
  rename(tmp, path);
}

static void *connect_to(void *ssid) { return (void *)(intptr_t)hal_net_wlan_connect(ssid, "secret123", 5000); }

int main(void) {
  /* The host's interfaces: loopback with 127.0.0.1/8. */
  hal_net_if_entry ifs[32];
  int n = 0;
  CHECK_EQ_INT(hal_net_interfaces(ifs, 32, &n), 0);
  bool lo = false;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < ifs[i].naddr; k++)
      if (ifs[i].loopback && ifs[i].addr[k].family == 4 && ifs[i].addr[k].addr[0] == 127 &&
          ifs[i].addr[k].prefixlen == 8)
        lo = true;
  CHECK(lo);

  /* The LAN is the host's and read-only. */
  hal_net_status st;
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_LAN, &st), 0);
  hal_net_ipv4 ip = {{10, 9, 8, 7}, {255, 255, 255, 0}, {10, 9, 8, 1}, {10, 9, 8, 1}};
  CHECK_EQ_INT(hal_net_set_static(HAL_NET_LAN, &ip), ERR_ENOTSUP);
  CHECK_EQ_INT(hal_net_set_dhcp(HAL_NET_LAN), ERR_ENOTSUP);
  CHECK_EQ_INT(hal_net_status_get((hal_net_if)7, &st), ERR_EINVAL);

  const char *world = tu_path("world.txt");
  write_world(world,
              "# the simulated neighbourhood\n"
              "ssid=Home key=secret123 rssi=-40 channel=11 address=192.168.50.23/24 join-ms=150\n"
              "ssid=\"Cafe Free\" rssi=-71 channel=1\n"
              "ssid=Silent key=whatever1 no-answer\n"
              "ssid=Bad bogus=1\n"
              "station mac=aa:bb:cc:dd:ee:01\n");
  setenv("K230JS_SIM_WLAN", world, 1);
  CHECK_EQ_INT(hal_net_watch(on_event, NULL), 0);

  /* Scan: every good line, with what it said (the bad line is reported and skipped). */
  hal_net_wlan_info aps[8];
  CHECK_EQ_INT(hal_net_wlan_scan(aps, 8, &n), 0);
  CHECK_EQ_INT(n, 3);
  CHECK_EQ_STR(aps[0].ssid, "Home");
  CHECK_EQ_INT(aps[0].rssi, -40);
  CHECK_EQ_INT(aps[0].channel, 11);
  CHECK_EQ_INT(aps[0].security, HAL_NET_SEC_WPA2);
  CHECK_EQ_STR(aps[1].ssid, "Cafe Free");
  CHECK_EQ_INT(aps[1].security, HAL_NET_SEC_OPEN);

  /* Failures leave the station down and raise no event. */
  char ev[1024];
  uint64_t t0 = hal_clock_us();
  CHECK_EQ_INT(hal_net_wlan_connect("Home", "wrongkey1", 5000), ERR_EAUTH);
  CHECK(hal_clock_us() - t0 >= 150000);
  CHECK_EQ_INT(hal_net_wlan_connect("Nowhere", "secret123", 5000), ERR_ENOENT);
  t0 = hal_clock_us();
  CHECK_EQ_INT(hal_net_wlan_connect("Silent", "whatever1", 300), ERR_ETIMEDOUT);
  uint64_t waited = hal_clock_us() - t0;
  CHECK(waited >= 300000 && waited < 1000000);
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_STA, &st), 0);
  CHECK(st.present && !st.link && st.ip.addr[0] == 0);
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "");

  /* A second connect while one is under way is refused; the first one joins. */
  pthread_t th;
  pthread_create(&th, NULL, connect_to, "Home");
  hal_sleep_us(50000);
  CHECK_EQ_INT(hal_net_wlan_connect("Home", "secret123", 5000), ERR_EBUSY);
  void *res;
  pthread_join(th, &res);
  CHECK_EQ_INT((intptr_t)res, 0);
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_STA, &st), 0);
  CHECK(st.link && st.dhcp);
  CHECK(memcmp(st.ip.addr, (uint8_t[]){192, 168, 50, 23}, 4) == 0);
  CHECK(memcmp(st.ip.gateway, (uint8_t[]){192, 168, 50, 1}, 4) == 0);
  CHECK(memcmp(st.mac, (uint8_t[]){2, 0, 0, 0x4b, 0x23, 0}, 6) == 0);
  hal_net_wlan_info cur;
  CHECK_EQ_INT(hal_net_wlan_current(&cur), 0);
  CHECK_EQ_STR(cur.ssid, "Home");
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "sta:up sta:addr ");

  /* A static address replaces DHCP's. */
  CHECK_EQ_INT(hal_net_set_static(HAL_NET_STA, &ip), 0);
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_STA, &st), 0);
  CHECK(!st.dhcp && st.ip.addr[0] == 10 && st.ip.addr[3] == 7);
  CHECK_EQ_INT(hal_net_set_dhcp(HAL_NET_STA), 0);
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_STA, &st), 0);
  CHECK(st.dhcp && st.ip.addr[0] == 192);
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "sta:addr sta:addr ");

  /* The access point goes away: the watcher drops the link. */
  write_world(world, "ssid=\"Cafe Free\"\n");
  ev[0] = 0;
  for (int i = 0; i < 50; i++) {
    take_events(ev + strlen(ev), sizeof ev - strlen(ev));
    if (strstr(ev, "sta:down")) break;
    hal_sleep_us(20000);
  }
  CHECK_EQ_STR(ev, "sta:down sta:addr ");
  CHECK_EQ_INT(hal_net_wlan_current(&cur), ERR_ESTATE);

  /* An open network; then a disconnect aborts a join under way. */
  CHECK_EQ_INT(hal_net_wlan_connect("Cafe Free", NULL, 2000), 0);
  write_world(world, "ssid=Slow key=secret123 join-ms=3000\n");
  pthread_create(&th, NULL, connect_to, "Slow");
  hal_sleep_us(100000);
  CHECK_EQ_INT(hal_net_wlan_disconnect(), 0);
  pthread_join(th, &res);
  CHECK_EQ_INT((intptr_t)res, ERR_EINTR);
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "sta:up sta:addr sta:down sta:addr ");

  /* Access point mode. */
  write_world(world, "station mac=aa:bb:cc:dd:ee:01\nstation mac=aa:bb:cc:dd:ee:02\n");
  CHECK_EQ_INT(hal_net_ap_start("k230-ap", "short", 6), ERR_EINVAL);
  uint8_t macs[4][6];
  CHECK_EQ_INT(hal_net_ap_stations(macs, 4, &n), 0);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(hal_net_ap_start("k230-ap", "12345678", 11), 0);
  CHECK_EQ_INT(hal_net_status_get(HAL_NET_AP, &st), 0);
  CHECK(st.link && st.ip.addr[0] == 192 && st.ip.addr[2] == 169 && st.ip.addr[3] == 1);
  CHECK_EQ_INT(hal_net_ap_stations(macs, 4, &n), 0);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_INT(macs[1][5], 2);
  CHECK_EQ_INT(hal_net_ap_stop(), 0);
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "ap:up ap:addr ap:down ap:addr ");

  /* After the watch stops, no callback runs. */
  CHECK_EQ_INT(hal_net_watch(NULL, NULL), 0);
  CHECK_EQ_INT(hal_net_ap_start("k230-ap", NULL, 0), 0);
  CHECK_EQ_INT(hal_net_ap_stop(), 0);
  take_events(ev, sizeof ev);
  CHECK_EQ_STR(ev, "");
  return CHECK_DONE();
}
