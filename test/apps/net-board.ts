// k230:net on the board's backend (hal/k230/net.c on the netmgmt double, test/k230-net.test.ts):
// the wired port, an open access point on the driver's channel, leaving/stopping what is not up,
// a join cancelled by disconnect(), and the wired link going down when the test edits the world.
// One JSON line per step.
import { LAN, WLAN, address, interfaces } from "k230:net";

const log = (tag: string, v: unknown) => console.log(`${tag} ${JSON.stringify(v)}`);
const code = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as Error & { code?: string }).code ?? (e as Error).message;
  }
};
const lan = new LAN();
const sta = new WLAN();
const ap = new WLAN(WLAN.AP_IF);
for (const t of ["connected", "disconnected", "address"] as const) lan.on(t, (ev) => log("LANEVENT", ev));

log("INTERFACES", interfaces().map((i) => ({ name: i.name, up: i.up, addresses: i.addresses })));
log("LAN", lan.status());
log("ADDRESS", address());
lan.ifconfig({ ip: "10.0.0.77", netmask: "255.255.255.0", gateway: "10.0.0.1", dns: "9.9.9.9" });
log("LANSTATIC", lan.ifconfig());
lan.ifconfig("dhcp");
await new Promise((r) => setTimeout(r, 500)); // the lease
log("LANDHCP", lan.ifconfig());
log("IDLE", { disconnect: code(() => sta.disconnect()), stop: code(() => ap.stop()) });
log("OPENAP", { start: code(() => ap.start({ ssid: "k230-open" })), status: ap.status() });
log("OPENAPSTOP", { stop: code(() => ap.stop()), link: ap.status().link });
// A join the network never answers, cancelled: disconnect() returns at once (the kernel still
// holds its join) and the connect rejects with EINTR.
const t0 = Date.now();
const joining = sta.connect("Silent", "whatever1", { timeoutMs: 5000 }).then(
  () => "connected?!",
  (e: Error & { code?: string }) => e.code,
);
await new Promise((r) => setTimeout(r, 200));
const t1 = Date.now();
sta.disconnect();
const disconnectMs = Date.now() - t1;
log("CANCEL", { code: await joining, ms: Date.now() - t0, disconnectMs, connecting: sta.status().connecting });
// The test takes the cable out now.
log("UNPLUG", true);
await new Promise<void>((resolve) => {
  const t = setTimeout(() => {
    log("UNPLUGGED", "no disconnected event within 10 s");
    resolve();
  }, 10000);
  lan.on("disconnected", () => {
    clearTimeout(t);
    resolve();
  });
});
log("UNPLUGGED", lan.status());
