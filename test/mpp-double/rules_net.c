/* The netmgmt double's rules (netmgmt.c here): one row each, citing the RT-Smart line that shows
 * it (README.md). */
#include "double.h"

#define RTS "canmv-k230/rtsmart@123aadc:kernel/"
#define NETMGMT RTS "bsp/maix3/components/netmgmt/netmgmt.c:"
#define WLAN_MGNT RTS "rt-thread/components/drivers/wlan/wlan_mgnt.c:"

/* clang-format off */
const dbl_rule_def dbl_rules_net[] = {
  {"NETMGMT-CMD", "an ioctl on /dev/netmgmt is one of the device's commands, _IOWR('N', nr, void *)", NETMGMT "28, " NETMGMT "786, " NETMGMT "921"},
  {"NETMGMT-NETIF", "an interface number is one of enum rt_netif_t (0 sta, 1 ap, 2 USB RTL8152, 3 USB ECM)", NETMGMT "74, " NETMGMT "574, " NETMGMT "770"},
  {"NETMGMT-SSID", "an ssid is 1 to 32 bytes, NUL-terminated in its array and its length field agrees (the manager reads it both ways)", NETMGMT "127, " WLAN_MGNT "1079, " WLAN_MGNT "1170"},
  {"NETMGMT-KEY", "a key is at most 64 bytes, NUL-terminated in its array and its length field agrees (the manager takes key.val as a C string)", NETMGMT "127, " NETMGMT "249, " WLAN_MGNT "1164"},
};
/* clang-format on */
const int dbl_rule_net_count = (int)(sizeof dbl_rules_net / sizeof dbl_rules_net[0]);
