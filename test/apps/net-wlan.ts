// k230:net on the simulated radio (K230JS_SIM_WLAN): scan, a refused key, a silent network, a
// join, then waits for the test to take the access point away. One JSON line per step.
import { WLAN, address } from "k230:net";

const log = (tag: string, v: unknown) => console.log(`${tag} ${JSON.stringify(v)}`);
const sta = new WLAN(WLAN.STA_IF);
for (const type of ["connected", "disconnected", "address"] as const) sta.on(type, (ev) => log("EVENT", ev));
const errOf = (e: unknown) => {
  const err = e as Error & { code?: string };
  return { name: err.name, code: err.code, message: err.message };
};

log("SAME", new WLAN() === sta);
const ap = new WLAN(WLAN.AP_IF);
for (const type of ["connected", "disconnected", "address"] as const) ap.on(type, (ev) => log("APEVENT", ev));
ap.start({ ssid: "k230-cam", key: "12345678", channel: 11 });
log("AP", { status: ap.status(), stations: ap.stations() });
ap.stop();
log("APSTOPPED", ap.status().link);
log("SCAN", await sta.scan());
try {
  await sta.connect("Home", "wrongkey1");
  log("WRONGKEY", "connected?!");
} catch (e) {
  log("WRONGKEY", { ...errOf(e), status: sta.status() });
}
const t0 = Date.now();
try {
  await sta.connect("Silent", "whatever1", { timeoutMs: 400 });
  log("SILENT", "connected?!");
} catch (e) {
  log("SILENT", { ...errOf(e), ms: Date.now() - t0, connected: sta.isconnected() });
}
const cfg = await sta.connect("Home", "secret123");
log("CONNECTED", { cfg, address: address(), status: sta.status() });
sta.ifconfig({ ip: "192.168.50.77", netmask: "255.255.255.0", gateway: "192.168.50.1", dns: "1.1.1.1" });
log("STATIC", sta.ifconfig());
sta.ifconfig("dhcp");
log("DHCP", sta.ifconfig());
// The test removes "Home" from the world now.
await new Promise<void>((resolve) => {
  const t = setTimeout(() => {
    log("GONE", "no disconnected event within 10 s");
    resolve();
  }, 10000);
  sta.on("disconnected", () => {
    clearTimeout(t);
    resolve();
  });
});
log("GONE", { connected: sta.isconnected(), status: sta.status(), address: address() });
