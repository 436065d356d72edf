/*
 * k230:net — the network interfaces on hal/net.h, modelled on CanMV's `network` module: LAN
 * (wired) and WLAN (Wi-Fi station or access point), their addresses (DHCP or static), scan and
 * connect, and events for link and address changes on the loop. Types and docs:
 * js-lib/types/k230-net.d.ts.
 *
 * One object per interface: `new LAN()` and `new WLAN()` return the same object each time, as
 * CanMV's do. It is held by its class prototype for the life of the VM, so a scan or connect
 * under way always has an object to settle its promise on. Scan and connect block for seconds
 * on the board and run on a worker thread; their results and the HAL's events are posted to
 * the loop. Arguments are checked before anything reaches the HAL, so bad input changes nothing.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "hal/net.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/events.h"
#include "kjs/loop.h"
#include "kjs/modules.h"
#include "kjs/net.h"
#include "kjs/vm.h"

/* ---- private structs ---- */

enum { EV_CONNECTED, EV_DISCONNECTED, EV_ADDRESS, EV_COUNT };
static const char *const event_names[] = {"connected", "disconnected", "address", NULL};
static const char *const itf_names[] = {"lan", "sta", "ap"};
static const char *const sec_names[] = {"open", "wep", "wpa", "wpa2", "wpa3", "unknown"};

enum { OP_SCAN, OP_CONNECT };
enum { SCAN_MAX = 64, EVQ_MAX = 64, CONNECT_TIMEOUT_MS = 15000 };

/* A scan or connect on a worker thread. Until `done` the worker owns the results; a detached op
 * (its object went away) is freed by the worker. Both flags under g_mu. */
typedef struct net_op {
  int type;
  hal_net_if itf;
  char ssid[HAL_NET_SSID_MAX + 1];
  char key[HAL_NET_KEY_MAX + 1];
  int timeout_ms;
  int rc;
  hal_net_wlan_info nets[SCAN_MAX];
  int nnets;
  bool done, detached;
} net_op;

typedef struct net_event {
  hal_net_if itf;
  hal_net_event ev;
} net_event;

typedef struct net_obj {
  hal_net_if itf;
  JSValue self; /* not owned: the object this is the opaque of */
  kjs_events listeners;
  net_op *op;              /* the scan or connect under way, NULL when none */
  JSValue resolve, reject; /* its promise's: owned, marked */
} net_obj;

/* ---- module state (one VM at a time) ---- */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  kjs_loop *loop; /* where events and results go; NULL while no object lives */
  JSContext *ctx;
  net_obj *obj[HAL_NET_IF_COUNT];
  net_event evq[EVQ_MAX];
  int nev;
  bool ev_posted;
} g;

/* The symbol under which each class prototype holds its instances (an array by interface). The
 * properties keep it alive for the VM's life; set again at every module init. */
static JSAtom g_inst_atom;

/* ---- class ids ---- */

static JSClassID lan_class_id, wlan_class_id;

/* ---- close / finalize ---- */

static void net_obj_free(JSRuntime *rt, net_obj *o) {
  pthread_mutex_lock(&g_mu);
  if (o->op) {
    if (o->op->done) free(o->op);
    else o->op->detached = true;
    o->op = NULL;
  }
  g.obj[o->itf] = NULL;
  bool last = !g.obj[0] && !g.obj[1] && !g.obj[2];
  pthread_mutex_unlock(&g_mu);
  if (last) {
    hal_net_watch(NULL, NULL); /* outside g_mu: a callback in flight takes it */
    pthread_mutex_lock(&g_mu);
    g.loop = NULL;
    g.ctx = NULL;
    g.nev = 0;
    g.ev_posted = false;
    pthread_mutex_unlock(&g_mu);
  }
  JS_FreeValueRT(rt, o->resolve);
  JS_FreeValueRT(rt, o->reject);
  kjs_events_free(rt, &o->listeners);
  free(o);
}

static net_obj *obj_opaque(JSValueConst v) {
  net_obj *o = JS_GetOpaque(v, lan_class_id);
  return o ? o : JS_GetOpaque(v, wlan_class_id);
}

static void net_finalizer(JSRuntime *rt, JSValueConst val) {
  net_obj *o = obj_opaque(val);
  if (o) net_obj_free(rt, o);
}

/* ---- gc_mark ---- */

static void net_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  net_obj *o = obj_opaque(val);
  if (!o) return;
  kjs_events_mark(rt, &o->listeners, mark_func);
  JS_MarkValue(rt, o->resolve, mark_func);
  JS_MarkValue(rt, o->reject, mark_func);
}

/* ---- JSClassDef ---- */

static const JSClassDef lan_class = {"LAN", .finalizer = net_finalizer, .gc_mark = net_gc_mark};
static const JSClassDef wlan_class = {"WLAN", .finalizer = net_finalizer, .gc_mark = net_gc_mark};

/* ---- helpers ---- */

static const char *fn_class(const net_obj *o) { return o->itf == HAL_NET_LAN ? "LAN" : "WLAN"; }

static net_obj *net_of(JSContext *ctx, JSValueConst this_val) {
  net_obj *o = obj_opaque(this_val);
  if (!o) JS_ThrowTypeError(ctx, "not a LAN or WLAN object");
  return o;
}

static JSValue ipv4_str(JSContext *ctx, const uint8_t a[4]) {
  char s[16];
  snprintf(s, sizeof s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return JS_NewString(ctx, s);
}

static JSValue mac_str(JSContext *ctx, const uint8_t m[6]) {
  char s[18];
  snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return JS_NewString(ctx, s);
}

static JSValue ifconfig_obj(JSContext *ctx, const hal_net_status *st) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "ip", ipv4_str(ctx, st->ip.addr));
  JS_SetPropertyStr(ctx, o, "netmask", ipv4_str(ctx, st->ip.netmask));
  JS_SetPropertyStr(ctx, o, "gateway", ipv4_str(ctx, st->ip.gateway));
  JS_SetPropertyStr(ctx, o, "dns", ipv4_str(ctx, st->ip.dns));
  JS_SetPropertyStr(ctx, o, "dhcp", JS_NewBool(ctx, st->dhcp));
  return o;
}

static JSValue wlan_info_obj(JSContext *ctx, const hal_net_wlan_info *w) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "ssid", JS_NewString(ctx, w->ssid));
  JS_SetPropertyStr(ctx, o, "bssid", mac_str(ctx, w->bssid));
  JS_SetPropertyStr(ctx, o, "rssi", JS_NewInt32(ctx, w->rssi));
  JS_SetPropertyStr(ctx, o, "channel", JS_NewInt32(ctx, w->channel));
  JS_SetPropertyStr(
      ctx, o, "security",
      JS_NewString(ctx, sec_names[w->security <= HAL_NET_SEC_UNKNOWN ? w->security : HAL_NET_SEC_UNKNOWN]));
  JS_SetPropertyStr(ctx, o, "band", JS_NewString(ctx, w->band_5g ? "5GHz" : "2.4GHz"));
  return o;
}

static int status_of(JSContext *ctx, const net_obj *o, const char *fn, hal_net_status *st) {
  int rc = hal_net_status_get(o->itf, st);
  if (rc) kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  return rc ? -1 : 0;
}

/* A dotted-quad IPv4 address: four decimal parts 0..255, no leading zeros. */
static bool parse_ipv4(const char *s, uint8_t out[4]) {
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9') return false;
    unsigned v = 0;
    const char *start = s;
    while (*s >= '0' && *s <= '9' && s - start < 4) v = v * 10 + (unsigned)(*s++ - '0');
    if (v > 255 || s - start > 3 || (s - start > 1 && *start == '0')) return false;
    out[i] = (uint8_t)v;
    if (i < 3 && *s++ != '.') return false;
  }
  return *s == 0;
}

static uint32_t u32_of(const uint8_t a[4]) {
  return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* A unicast host address: not 0.0.0.0, broadcast, loopback, multicast or reserved. */
static bool unicast(uint32_t a) { return a != 0 && (a >> 24) != 127 && (a >> 24) < 224; }

/* Option `name` of `cfg` as an IPv4 address; absent (when allowed) leaves out zero. */
static int opt_ipv4(JSContext *ctx, JSValueConst cfg, const char *fn, const char *name, bool required, uint8_t out[4]) {
  memset(out, 0, 4);
  JSValue v = JS_GetPropertyStr(ctx, cfg, name);
  if (JS_IsException(v)) return -1;
  if (JS_IsUndefined(v) && !required) return 0;
  const char *s = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
  JS_FreeValue(ctx, v);
  if (!s) {
    JS_ThrowTypeError(ctx, "%s: config.%s must be an IPv4 address string such as \"192.168.1.20\"", fn, name);
    return -1;
  }
  bool ok = parse_ipv4(s, out);
  if (!ok)
    JS_ThrowRangeError(ctx, "%s: config.%s must be a dotted IPv4 address such as \"192.168.1.20\", got \"%.60s\"", fn,
                       name, s);
  JS_FreeCString(ctx, s);
  return ok ? 0 : -1;
}

/* {ip, netmask, gateway?, dns?} checked for consistency: a host address inside its subnet. */
static int static_config(JSContext *ctx, JSValueConst cfg, const char *fn, hal_net_ipv4 *ip) {
  if (opt_ipv4(ctx, cfg, fn, "ip", true, ip->addr) < 0 || opt_ipv4(ctx, cfg, fn, "netmask", true, ip->netmask) < 0 ||
      opt_ipv4(ctx, cfg, fn, "gateway", false, ip->gateway) < 0 || opt_ipv4(ctx, cfg, fn, "dns", false, ip->dns) < 0)
    return -1;
  uint32_t a = u32_of(ip->addr), m = u32_of(ip->netmask), gw = u32_of(ip->gateway), dns = u32_of(ip->dns);
  int prefix = 0;
  while (prefix < 32 && (m << prefix) & 0x80000000u) prefix++;
  if (!m || (prefix < 32 && (m << prefix) != 0)) {
    JS_ThrowRangeError(ctx, "%s: config.netmask %u.%u.%u.%u is not a netmask (contiguous ones, e.g. 255.255.255.0)", fn,
                       ip->netmask[0], ip->netmask[1], ip->netmask[2], ip->netmask[3]);
    return -1;
  }
  uint32_t host = ~m, netw = a & m;
  char subnet[24];
  snprintf(subnet, sizeof subnet, "%u.%u.%u.%u/%d", netw >> 24, netw >> 16 & 255, netw >> 8 & 255, netw & 255, prefix);
  if (!unicast(a)) {
    JS_ThrowRangeError(ctx, "%s: config.ip %u.%u.%u.%u is not a unicast host address", fn, ip->addr[0], ip->addr[1],
                       ip->addr[2], ip->addr[3]);
    return -1;
  }
  if (prefix <= 30 && ((a & host) == 0 || (a & host) == host)) {
    JS_ThrowRangeError(ctx, "%s: config.ip %u.%u.%u.%u is the %s address of %s, not a host", fn, ip->addr[0],
                       ip->addr[1], ip->addr[2], ip->addr[3], (a & host) ? "broadcast" : "network", subnet);
    return -1;
  }
  if (gw && (!unicast(gw) || (gw & m) != netw || gw == a)) {
    JS_ThrowRangeError(ctx, "%s: config.gateway %u.%u.%u.%u is not another host of %s", fn, ip->gateway[0],
                       ip->gateway[1], ip->gateway[2], ip->gateway[3], subnet);
    return -1;
  }
  if (dns && !unicast(dns)) {
    JS_ThrowRangeError(ctx, "%s: config.dns %u.%u.%u.%u is not a unicast address", fn, ip->dns[0], ip->dns[1],
                       ip->dns[2], ip->dns[3]);
    return -1;
  }
  return 0;
}

/* An SSID: 1..32 bytes of UTF-8. */
static int get_ssid(JSContext *ctx, JSValueConst v, const char *fn, char out[HAL_NET_SSID_MAX + 1]) {
  if (!JS_IsString(v)) {
    JS_ThrowTypeError(ctx, "%s: ssid must be a string", fn);
    return -1;
  }
  size_t len;
  const char *s = JS_ToCStringLen(ctx, &len, v);
  if (!s) return -1;
  bool ok = len >= 1 && len <= HAL_NET_SSID_MAX && strlen(s) == len;
  if (ok) memcpy(out, s, len + 1);
  else JS_ThrowRangeError(ctx, "%s: ssid must be 1 to %d bytes (UTF-8), got %zu", fn, HAL_NET_SSID_MAX, len);
  JS_FreeCString(ctx, s);
  return ok ? 0 : -1;
}

/* A key: none ("" / undefined / null: an open network), a WPA passphrase of 8..63 printable
 * ASCII characters, or a raw PSK of 64 hex digits. */
static int get_key(JSContext *ctx, JSValueConst v, const char *fn, char out[HAL_NET_KEY_MAX + 1]) {
  out[0] = 0;
  if (JS_IsUndefined(v) || JS_IsNull(v)) return 0;
  if (!JS_IsString(v)) {
    JS_ThrowTypeError(ctx, "%s: key must be a string", fn);
    return -1;
  }
  size_t len;
  const char *s = JS_ToCStringLen(ctx, &len, v);
  if (!s) return -1;
  bool printable = true, hex = true;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    printable &= c >= 0x20 && c <= 0x7e;
    hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool ok = len == 0 || (printable && len >= 8 && len <= 63) || (len == 64 && hex);
  if (ok) memcpy(out, s, len + 1);
  else if (!printable) JS_ThrowRangeError(ctx, "%s: key must be printable ASCII (a WPA passphrase)", fn);
  else
    JS_ThrowRangeError(
        ctx, "%s: key must be 8 to 63 characters (a WPA passphrase) or 64 hex digits, got %zu characters", fn, len);
  JS_FreeCString(ctx, s);
  return ok ? 0 : -1;
}

/* ---- events (HAL thread -> loop) ---- */

static void drain_events(kjs_loop *loop, void *user);

static void on_hal_event(void *user, hal_net_if itf, hal_net_event ev) {
  pthread_mutex_lock(&g_mu);
  if (g.nev < EVQ_MAX) { /* a flood nobody drains is dropped, never grown */
    g.evq[g.nev].itf = itf;
    g.evq[g.nev].ev = ev;
    g.nev++;
  }
  if (!g.ev_posted && g.loop) g.ev_posted = kjs_loop_post(g.loop, drain_events, NULL) == 0;
  pthread_mutex_unlock(&g_mu);
}

static void emit(net_obj *o, hal_net_event hev) {
  JSContext *ctx = g.ctx;
  int type = hev == HAL_NET_EV_LINK_UP ? EV_CONNECTED : hev == HAL_NET_EV_LINK_DOWN ? EV_DISCONNECTED : EV_ADDRESS;
  if (!o->listeners.counts[type]) return;
  hal_net_status st;
  if (hal_net_status_get(o->itf, &st) != 0) return;
  JSValue ev = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, ev, "type", JS_NewString(ctx, event_names[type]));
  JS_SetPropertyStr(ctx, ev, "interface", JS_NewString(ctx, itf_names[o->itf]));
  hal_net_wlan_info cur;
  if (type == EV_CONNECTED && o->itf == HAL_NET_STA && hal_net_wlan_current(&cur) == 0)
    JS_SetPropertyStr(ctx, ev, "ssid", JS_NewString(ctx, cur.ssid));
  JS_SetPropertyStr(ctx, ev, "ifconfig", ifconfig_obj(ctx, &st));
  JSValue self = JS_DupValue(ctx, o->self);
  kjs_events_emit(ctx, &o->listeners, type, self, ev);
  JS_FreeValue(ctx, self);
  JS_FreeValue(ctx, ev);
}

static void drain_events(kjs_loop *loop, void *user) {
  pthread_mutex_lock(&g_mu);
  int n = g.nev;
  net_event evs[EVQ_MAX];
  memcpy(evs, g.evq, (size_t)n * sizeof evs[0]);
  g.nev = 0;
  g.ev_posted = false;
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < n && g.ctx && !kjs_vm_stopping(kjs_vm_from_context(g.ctx)); i++)
    if (g.obj[evs[i].itf]) emit(g.obj[evs[i].itf], evs[i].ev);
}

/* ---- scan and connect on a worker ---- */

static void op_settle(kjs_loop *loop, void *user);

static void *op_main(void *arg) {
  net_op *op = arg;
  int rc = op->type == OP_SCAN ? hal_net_wlan_scan(op->nets, SCAN_MAX, &op->nnets)
                               : hal_net_wlan_connect(op->ssid, op->key[0] ? op->key : NULL, op->timeout_ms);
  pthread_mutex_lock(&g_mu);
  op->rc = rc;
  op->done = true;
  bool orphan = op->detached;
  if (!orphan && g.loop) kjs_loop_post(g.loop, op_settle, (void *)(uintptr_t)op->itf);
  pthread_mutex_unlock(&g_mu);
  if (orphan) free(op);
  return NULL;
}

static JSValue connect_error(JSContext *ctx, const net_op *op) {
  static const char fn[] = "WLAN.connect";
  char msg[200];
  switch (op->rc) {
    case ERR_EAUTH: snprintf(msg, sizeof msg, "%s: \"%s\" refused the key", fn, op->ssid); break;
    case ERR_ENOENT: snprintf(msg, sizeof msg, "%s: no network \"%s\" in range", fn, op->ssid); break;
    case ERR_ETIMEDOUT:
      snprintf(msg, sizeof msg, "%s: \"%s\" gave no link and address within %d ms", fn, op->ssid, op->timeout_ms);
      break;
    case ERR_EINTR: snprintf(msg, sizeof msg, "%s: cancelled by disconnect()", fn); break;
    case ERR_ENODEV: snprintf(msg, sizeof msg, "%s: this board has no Wi-Fi", fn); break;
    case ERR_EIO:
      snprintf(msg, sizeof msg, "%s: joining \"%s\" failed (the driver gives no reason)", fn, op->ssid);
      break;
    default: snprintf(msg, sizeof msg, "%s: %s", fn, err_str(op->rc));
  }
  kjs_throw(ctx, op->rc, "%s", msg);
  return JS_GetException(ctx);
}

/* Loop thread: settles the promise of the op that finished on interface `user`. */
static void op_settle(kjs_loop *loop, void *user) {
  net_obj *o = g.obj[(uintptr_t)user];
  if (!o || !o->op) return;
  pthread_mutex_lock(&g_mu);
  bool done = o->op->done;
  pthread_mutex_unlock(&g_mu);
  if (!done) return;
  net_op *op = o->op;
  JSContext *ctx = g.ctx;
  o->op = NULL;
  JSValue resolve = o->resolve, reject = o->reject, value;
  o->resolve = o->reject = JS_UNDEFINED;
  kjs_loop_unref(loop);
  bool ok = op->rc == 0;
  if (!ok && op->type == OP_CONNECT) {
    value = connect_error(ctx, op);
  } else if (!ok) {
    kjs_throw(ctx, op->rc, "WLAN.scan: %s", op->rc == ERR_ENODEV ? "this board has no Wi-Fi" : err_str(op->rc));
    value = JS_GetException(ctx);
  } else if (op->type == OP_SCAN) {
    value = JS_NewArray(ctx);
    for (int i = 0; i < op->nnets; i++) JS_SetPropertyUint32(ctx, value, (uint32_t)i, wlan_info_obj(ctx, &op->nets[i]));
  } else {
    hal_net_status st;
    if (hal_net_status_get(op->itf, &st) != 0) memset(&st, 0, sizeof st);
    value = ifconfig_obj(ctx, &st);
  }
  free(op);
  kjs_vm_call(kjs_vm_from_context(ctx), ok ? resolve : reject, JS_UNDEFINED, 1, (JSValueConst *)&value);
  JS_FreeValue(ctx, value);
  JS_FreeValue(ctx, resolve);
  JS_FreeValue(ctx, reject);
}

/* Starts op on a worker; returns its promise (JS_EXCEPTION when the thread cannot start). */
static JSValue op_start(JSContext *ctx, net_obj *o, net_op *op, const char *fn) {
  JSValue funcs[2];
  JSValue promise = JS_NewPromiseCapability(ctx, funcs);
  if (JS_IsException(promise)) {
    free(op);
    return promise;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  op->itf = o->itf;
  o->op = op;
  int err = pthread_create(&th, &attr, op_main, op);
  pthread_attr_destroy(&attr);
  if (err) {
    o->op = NULL;
    free(op);
    JS_FreeValue(ctx, funcs[0]);
    JS_FreeValue(ctx, funcs[1]);
    JS_FreeValue(ctx, promise);
    return kjs_throw(ctx, ERR_ENOMEM, "%s: cannot start a worker thread", fn);
  }
  o->resolve = funcs[0];
  o->reject = funcs[1];
  kjs_loop_ref(g.loop); /* the app waits for the result */
  return promise;
}

/* ---- constructors ---- */

static JSValue instance_of(JSContext *ctx, JSClassID cls, hal_net_if itf) {
  JSValue proto = JS_GetClassProto(ctx, cls);
  JSValue holder = JS_GetProperty(ctx, proto, g_inst_atom);
  JSValue inst = JS_GetPropertyUint32(ctx, holder, itf);
  if (JS_IsObject(inst)) goto out;
  JS_FreeValue(ctx, inst);
  net_obj *o = calloc(1, sizeof *o);
  if (!o) {
    inst = JS_ThrowOutOfMemory(ctx);
    goto out;
  }
  o->itf = itf;
  o->resolve = o->reject = JS_UNDEFINED;
  inst = kjs_class_new_instance(ctx, JS_UNDEFINED, cls);
  if (JS_IsException(inst) || kjs_events_init(ctx, &o->listeners, event_names) < 0) {
    kjs_events_free(JS_GetRuntime(ctx), &o->listeners);
    free(o);
    JS_FreeValue(ctx, inst);
    inst = JS_EXCEPTION;
    goto out;
  }
  o->self = inst;
  JS_SetOpaque(inst, o);
  JS_SetPropertyUint32(ctx, holder, itf, JS_DupValue(ctx, inst));
  pthread_mutex_lock(&g_mu);
  bool first = !g.obj[0] && !g.obj[1] && !g.obj[2];
  g.obj[itf] = o;
  g.ctx = ctx;
  g.loop = kjs_vm_loop(kjs_vm_from_context(ctx));
  pthread_mutex_unlock(&g_mu);
  if (first) hal_net_watch(on_hal_event, NULL);
out:
  JS_FreeValue(ctx, holder);
  JS_FreeValue(ctx, proto);
  return inst;
}

static JSValue lan_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  return instance_of(ctx, lan_class_id, HAL_NET_LAN);
}

static JSValue wlan_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new WLAN";
  JSValueConst mode = argc > 0 ? argv[0] : JS_UNDEFINED;
  int itf = HAL_NET_STA;
  if (JS_IsNumber(mode)) {
    int64_t m;
    if (kjs_get_int(ctx, mode, "new WLAN: mode", 0, 1, &m) < 0) return JS_EXCEPTION;
    itf = m ? HAL_NET_AP : HAL_NET_STA;
  } else if (!JS_IsUndefined(mode)) {
    static const char *const modes[] = {"sta", "ap", NULL};
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "mode", JS_DupValue(ctx, mode));
    int m;
    int r = kjs_opt_enum(ctx, o, fn, "mode", modes, 0, &m);
    JS_FreeValue(ctx, o);
    if (r < 0) return JS_EXCEPTION;
    itf = m ? HAL_NET_AP : HAL_NET_STA;
  }
  return instance_of(ctx, wlan_class_id, (hal_net_if)itf);
}

/* ---- getters ---- */

/* magic 0 mac, 1 name, 2 interface */
static JSValue net_get(JSContext *ctx, JSValueConst this_val, int magic) {
  net_obj *o = net_of(ctx, this_val);
  if (!o) return JS_EXCEPTION;
  if (magic == 2) return JS_NewString(ctx, itf_names[o->itf]);
  char fn[32];
  snprintf(fn, sizeof fn, "%s.%s", fn_class(o), magic ? "name" : "mac");
  hal_net_status st;
  if (status_of(ctx, o, fn, &st) < 0) return JS_EXCEPTION;
  return magic ? JS_NewString(ctx, st.name) : mac_str(ctx, st.mac);
}

/* ---- methods ---- */

/* magic 0 active(), 1 isconnected() */
static JSValue net_state(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  net_obj *o = net_of(ctx, this_val);
  if (!o) return JS_EXCEPTION;
  char fn[32];
  snprintf(fn, sizeof fn, "%s.%s", fn_class(o), magic ? "isconnected" : "active");
  hal_net_status st;
  if (status_of(ctx, o, fn, &st) < 0) return JS_EXCEPTION;
  return JS_NewBool(ctx, magic ? st.link && st.ip.addr[0] : st.present);
}

static JSValue net_status(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  net_obj *o = net_of(ctx, this_val);
  if (!o) return JS_EXCEPTION;
  char fn[32];
  snprintf(fn, sizeof fn, "%s.status", fn_class(o));
  hal_net_status st;
  if (status_of(ctx, o, fn, &st) < 0) return JS_EXCEPTION;
  JSValue r = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, r, "interface", JS_NewString(ctx, itf_names[o->itf]));
  JS_SetPropertyStr(ctx, r, "active", JS_NewBool(ctx, st.present));
  JS_SetPropertyStr(ctx, r, "link", JS_NewBool(ctx, st.link));
  JS_SetPropertyStr(ctx, r, "connected", JS_NewBool(ctx, st.link && st.ip.addr[0]));
  JS_SetPropertyStr(ctx, r, "name", JS_NewString(ctx, st.name));
  JS_SetPropertyStr(ctx, r, "mac", mac_str(ctx, st.mac));
  JS_SetPropertyStr(ctx, r, "ifconfig", ifconfig_obj(ctx, &st));
  if (o->itf == HAL_NET_STA) {
    JS_SetPropertyStr(ctx, r, "connecting", JS_NewBool(ctx, o->op && o->op->type == OP_CONNECT));
    hal_net_wlan_info cur;
    if (st.link && hal_net_wlan_current(&cur) == 0) JS_SetPropertyStr(ctx, r, "network", wlan_info_obj(ctx, &cur));
  } else if (o->itf == HAL_NET_AP) {
    uint8_t macs[SCAN_MAX][6];
    int n = 0;
    if (st.link && hal_net_ap_stations(macs, SCAN_MAX, &n) != 0) n = 0;
    JS_SetPropertyStr(ctx, r, "stations", JS_NewInt32(ctx, n));
  }
  return r;
}

static JSValue net_ifconfig(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  net_obj *o = net_of(ctx, this_val);
  if (!o) return JS_EXCEPTION;
  char fn[32];
  snprintf(fn, sizeof fn, "%s.ifconfig", fn_class(o));
  JSValueConst arg = argc > 0 ? argv[0] : JS_UNDEFINED;
  hal_net_status st;
  if (JS_IsUndefined(arg)) return status_of(ctx, o, fn, &st) < 0 ? JS_EXCEPTION : ifconfig_obj(ctx, &st);
  hal_net_ipv4 ip = {0};
  bool dhcp = false;
  if (JS_IsString(arg)) {
    const char *s = JS_ToCString(ctx, arg);
    dhcp = s && strcmp(s, "dhcp") == 0;
    JS_FreeCString(ctx, s);
    if (!dhcp)
      return JS_ThrowRangeError(
          ctx, "%s: the only string setting is \"dhcp\"; a static one is {ip, netmask, gateway, dns}", fn);
  } else if (!JS_IsObject(arg)) {
    return JS_ThrowTypeError(ctx, "%s: config must be \"dhcp\" or {ip, netmask, gateway?, dns?}", fn);
  } else if (static_config(ctx, arg, fn, &ip) < 0) {
    return JS_EXCEPTION;
  }
  int rc = dhcp ? hal_net_set_dhcp(o->itf) : hal_net_set_static(o->itf, &ip);
  if (rc == ERR_ENOTSUP && o->itf == HAL_NET_LAN && hal_net_status_get(o->itf, &st) == 0)
    return kjs_throw(ctx, rc, "%s: the LAN here is the host's %s, which k230js reads but does not configure", fn,
                     st.name);
  if (rc == ERR_ENODEV) return kjs_throw(ctx, rc, "%s: this board has no %s interface", fn, itf_names[o->itf]);
  return rc ? kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)) : JS_UNDEFINED;
}

static JSValue net_on(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  net_obj *o = net_of(ctx, this_val);
  if (!o) return JS_EXCEPTION;
  char fn[32];
  snprintf(fn, sizeof fn, "%s.%s", fn_class(o), magic ? "off" : "on");
  return kjs_events_on(ctx, &o->listeners, this_val, argc, argv, fn, magic);
}

/* The station-only and access-point-only methods refuse the other mode. */
static net_obj *wlan_of(JSContext *ctx, JSValueConst this_val, hal_net_if want, const char *fn) {
  net_obj *o = JS_GetOpaque2(ctx, this_val, wlan_class_id);
  if (o && o->itf != want) {
    kjs_throw(ctx, ERR_ENOTSUP, "%s: this is the %s interface (new WLAN(WLAN.%s) has it)", fn,
              o->itf == HAL_NET_STA ? "station" : "access-point", want == HAL_NET_STA ? "STA_IF" : "AP_IF");
    return NULL;
  }
  return o;
}

static int not_busy(JSContext *ctx, const net_obj *o, const char *fn) {
  if (!o->op) return 0;
  if (o->op->type == OP_CONNECT) kjs_throw(ctx, ERR_EBUSY, "%s: a connect to \"%s\" is under way", fn, o->op->ssid);
  else kjs_throw(ctx, ERR_EBUSY, "%s: a scan is under way", fn);
  return -1;
}

static JSValue wlan_scan(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.scan";
  net_obj *o = wlan_of(ctx, this_val, HAL_NET_STA, fn);
  if (!o || not_busy(ctx, o, fn) < 0) return JS_EXCEPTION;
  net_op *op = calloc(1, sizeof *op);
  if (!op) return JS_ThrowOutOfMemory(ctx);
  op->type = OP_SCAN;
  return op_start(ctx, o, op, fn);
}

static JSValue wlan_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.connect";
  net_obj *o = wlan_of(ctx, this_val, HAL_NET_STA, fn);
  if (!o) return JS_EXCEPTION;
  net_op *op = calloc(1, sizeof *op);
  if (!op) return JS_ThrowOutOfMemory(ctx);
  JSValueConst opts = argc > 2 ? argv[2] : JS_UNDEFINED;
  int64_t timeout;
  if (get_ssid(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, fn, op->ssid) < 0 ||
      get_key(ctx, argc > 1 ? argv[1] : JS_UNDEFINED, fn, op->key) < 0 ||
      kjs_check_options(ctx, opts, fn, KJS_OPTIONS("timeoutMs")) < 0 ||
      kjs_opt_int(ctx, opts, fn, "timeoutMs", CONNECT_TIMEOUT_MS, 1, 600000, &timeout) < 0 ||
      not_busy(ctx, o, fn) < 0) {
    free(op);
    return JS_EXCEPTION;
  }
  op->type = OP_CONNECT;
  op->timeout_ms = (int)timeout;
  return op_start(ctx, o, op, fn);
}

static JSValue wlan_disconnect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.disconnect";
  net_obj *o = wlan_of(ctx, this_val, HAL_NET_STA, fn);
  if (!o) return JS_EXCEPTION;
  int rc = hal_net_wlan_disconnect();
  return rc ? kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)) : JS_UNDEFINED;
}

static JSValue wlan_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.start";
  net_obj *o = wlan_of(ctx, this_val, HAL_NET_AP, fn);
  if (!o) return JS_EXCEPTION;
  JSValueConst opts = argc > 0 ? argv[0] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s: options {ssid, key?, channel?} must be an object", fn);
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("ssid", "key", "channel")) < 0) return JS_EXCEPTION;
  char ssid[HAL_NET_SSID_MAX + 1], key[HAL_NET_KEY_MAX + 1];
  int64_t channel;
  JSValue sv = JS_GetPropertyStr(ctx, opts, "ssid"), kv = JS_GetPropertyStr(ctx, opts, "key");
  int r = get_ssid(ctx, sv, fn, ssid) < 0 || get_key(ctx, kv, fn, key) < 0 ||
          kjs_opt_int(ctx, opts, fn, "channel", 0, 0, 165, &channel) < 0;
  JS_FreeValue(ctx, sv);
  JS_FreeValue(ctx, kv);
  if (r) return JS_EXCEPTION;
  int rc = hal_net_ap_start(ssid, key[0] ? key : NULL, (int)channel);
  if (rc == ERR_ENOTSUP) return kjs_throw(ctx, rc, "%s: this board's Wi-Fi driver has no access-point mode", fn);
  return rc ? kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)) : JS_UNDEFINED;
}

static JSValue wlan_stop(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.stop";
  if (!wlan_of(ctx, this_val, HAL_NET_AP, fn)) return JS_EXCEPTION;
  int rc = hal_net_ap_stop();
  return rc ? kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)) : JS_UNDEFINED;
}

static JSValue wlan_stations(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "WLAN.stations";
  if (!wlan_of(ctx, this_val, HAL_NET_AP, fn)) return JS_EXCEPTION;
  uint8_t macs[SCAN_MAX][6];
  int n = 0;
  int rc = hal_net_ap_stations(macs, SCAN_MAX, &n);
  if (rc) return kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  JSValue a = JS_NewArray(ctx);
  for (int i = 0; i < n; i++) JS_SetPropertyUint32(ctx, a, (uint32_t)i, mac_str(ctx, macs[i]));
  return a;
}

/* ---- module functions ---- */

bool kjs_net_reachable_ipv4(char *out, size_t size) {
  static const hal_net_if order[] = {HAL_NET_STA, HAL_NET_LAN, HAL_NET_AP};
  if (size) out[0] = 0;
  for (int i = 0; i < 3; i++) {
    hal_net_status st;
    if (hal_net_status_get(order[i], &st) != 0 || !st.link || !st.ip.addr[0]) continue;
    snprintf(out, size, "%u.%u.%u.%u", st.ip.addr[0], st.ip.addr[1], st.ip.addr[2], st.ip.addr[3]);
    return true;
  }
  return false;
}

static JSValue net_address(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  char a[16];
  kjs_net_reachable_ipv4(a, sizeof a);
  return JS_NewString(ctx, a);
}

static JSValue net_interfaces(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  enum { MAX = 32 };
  hal_net_if_entry *ifs = calloc(MAX, sizeof *ifs);
  if (!ifs) return JS_ThrowOutOfMemory(ctx);
  int n = 0;
  int rc = hal_net_interfaces(ifs, MAX, &n);
  if (rc) {
    free(ifs);
    return kjs_throw(ctx, rc, "interfaces: %s", err_str(rc));
  }
  JSValue list = JS_NewArray(ctx);
  for (int i = 0; i < n; i++) {
    const hal_net_if_entry *e = &ifs[i];
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "name", JS_NewString(ctx, e->name));
    JS_SetPropertyStr(ctx, o, "mac", mac_str(ctx, e->mac));
    JS_SetPropertyStr(ctx, o, "up", JS_NewBool(ctx, e->up));
    JS_SetPropertyStr(ctx, o, "running", JS_NewBool(ctx, e->running));
    JS_SetPropertyStr(ctx, o, "loopback", JS_NewBool(ctx, e->loopback));
    JSValue addrs = JS_NewArray(ctx);
    for (int k = 0; k < e->naddr; k++) {
      char text[INET6_ADDRSTRLEN];
      bool v4 = e->addr[k].family == 4;
      if (!inet_ntop(v4 ? AF_INET : AF_INET6, e->addr[k].addr, text, sizeof text)) continue;
      JSValue a = JS_NewObject(ctx);
      JS_SetPropertyStr(ctx, a, "family", JS_NewString(ctx, v4 ? "IPv4" : "IPv6"));
      JS_SetPropertyStr(ctx, a, "address", JS_NewString(ctx, text));
      JS_SetPropertyStr(ctx, a, "prefixlen", JS_NewInt32(ctx, e->addr[k].prefixlen));
      JS_SetPropertyUint32(ctx, addrs, (uint32_t)k, a);
    }
    JS_SetPropertyStr(ctx, o, "addresses", addrs);
    JS_SetPropertyUint32(ctx, list, (uint32_t)i, o);
  }
  free(ifs);
  return list;
}

/* ---- function lists ---- */

#define NET_COMMON_FUNCS \
  JS_CFUNC_MAGIC_DEF("active", 0, net_state, 0), JS_CFUNC_MAGIC_DEF("isconnected", 0, net_state, 1), \
      JS_CFUNC_DEF("status", 0, net_status), JS_CFUNC_DEF("ifconfig", 1, net_ifconfig), \
      JS_CFUNC_MAGIC_DEF("on", 2, net_on, 0), JS_CFUNC_MAGIC_DEF("off", 2, net_on, 1), \
      JS_CGETSET_MAGIC_DEF("mac", net_get, NULL, 0), JS_CGETSET_MAGIC_DEF("name", net_get, NULL, 1), \
      JS_CGETSET_MAGIC_DEF("interface", net_get, NULL, 2)

static const JSCFunctionListEntry lan_proto_funcs[] = {
    NET_COMMON_FUNCS,
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "LAN", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry wlan_proto_funcs[] = {
    NET_COMMON_FUNCS,
    JS_CFUNC_DEF("scan", 0, wlan_scan),
    JS_CFUNC_DEF("connect", 3, wlan_connect),
    JS_CFUNC_DEF("disconnect", 0, wlan_disconnect),
    JS_CFUNC_DEF("start", 1, wlan_start),
    JS_CFUNC_DEF("stop", 0, wlan_stop),
    JS_CFUNC_DEF("stations", 0, wlan_stations),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "WLAN", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry wlan_static[] = {
    JS_PROP_INT32_DEF("STA_IF", 0, 0),
    JS_PROP_INT32_DEF("AP_IF", 1, 0),
};

static const JSCFunctionListEntry module_funcs[] = {
    JS_CFUNC_DEF("interfaces", 0, net_interfaces),
    JS_CFUNC_DEF("address", 0, net_address),
    JS_PROP_INT32_DEF("STA_IF", 0, 0),
    JS_PROP_INT32_DEF("AP_IF", 1, 0),
};

/* ---- init ---- */

#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

/* Each prototype holds its instances under a symbol, so they live as long as the VM. */
static int hold_instances(JSContext *ctx, JSClassID cls) {
  JSValue proto = JS_GetClassProto(ctx, cls);
  int r = JS_DefinePropertyValue(ctx, proto, g_inst_atom, JS_NewArray(ctx), 0);
  JS_FreeValue(ctx, proto);
  return r < 0 ? -1 : 0;
}

static int net_module_init(JSContext *ctx, JSModuleDef *m) {
  JSValue lan = kjs_class_create(ctx, &lan_class_id, &lan_class, lan_ctor, 0, lan_proto_funcs, COUNT(lan_proto_funcs));
  JSValue wlan =
      kjs_class_create(ctx, &wlan_class_id, &wlan_class, wlan_ctor, 1, wlan_proto_funcs, COUNT(wlan_proto_funcs));
  if (JS_IsException(lan) || JS_IsException(wlan)) return -1;
  JS_SetPropertyFunctionList(ctx, wlan, wlan_static, COUNT(wlan_static));
  JSValue sym = JS_NewSymbol(ctx, "k230:net instances", false);
  g_inst_atom = JS_ValueToAtom(ctx, sym);
  JS_FreeValue(ctx, sym);
  int r = hold_instances(ctx, lan_class_id) | hold_instances(ctx, wlan_class_id);
  JS_FreeAtom(ctx, g_inst_atom); /* the two properties keep the symbol alive */
  if (r < 0) return -1;
  JS_SetModuleExport(ctx, m, "LAN", lan);
  JS_SetModuleExport(ctx, m, "WLAN", wlan);
  return JS_SetModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
}

JSModuleDef *kjs_mod_net_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, net_module_init);
  if (!m) return NULL;
  JS_AddModuleExport(ctx, m, "LAN");
  JS_AddModuleExport(ctx, m, "WLAN");
  JS_AddModuleExportList(ctx, m, module_funcs, COUNT(module_funcs));
  return m;
}
