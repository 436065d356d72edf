// k230:net bad input: every case throws a TypeError/RangeError (or a coded Error for a state it
// refuses) and leaves every interface as it was, with no event. One JSON line per case.
import { LAN, WLAN } from "k230:net";

const log = (tag: string, v: unknown) => console.log(`${tag} ${JSON.stringify(v)}`);
const sta = new WLAN();
const ap = new WLAN(WLAN.AP_IF);
const lan = new LAN();
let events = 0;
for (const o of [sta, ap, lan]) for (const t of ["connected", "disconnected", "address"] as const) o.on(t, () => events++);

await sta.connect("Home", "secret123");
const snapshot = () => JSON.stringify([sta.status(), ap.status(), lan.status()]);
await new Promise((r) => setTimeout(r, 200)); // the join's own events are delivered
events = 0;
const before = snapshot();
const net = { ip: "192.168.1.20", netmask: "255.255.255.0" };
const cases: [string, () => unknown][] = [
  ["ssid of 33 bytes", () => sta.connect("x".repeat(33), "secret123")],
  ["ssid of 11 euro signs (33 bytes)", () => sta.connect("€".repeat(11), "secret123")],
  ["empty ssid", () => sta.connect("", "secret123")],
  ["ssid not a string", () => sta.connect(42 as unknown as string)],
  ["key of 7 characters", () => sta.connect("Home", "short12")],
  ["key of 64 non-hex characters", () => sta.connect("Home", "x".repeat(64))],
  ["key of 65 characters", () => sta.connect("Home", "a".repeat(65))],
  ["key not ASCII", () => sta.connect("Home", "pässwörd1")],
  ["key not a string", () => sta.connect("Home", 12345678 as unknown as string)],
  ["timeoutMs 0", () => sta.connect("Home", "secret123", { timeoutMs: 0 })],
  ["options not an object", () => sta.connect("Home", "secret123", "fast" as unknown as { timeoutMs: number })],
  ["ip 192.168.1.300", () => sta.ifconfig({ ...net, ip: "192.168.1.300" })],
  ["ip with a leading zero", () => sta.ifconfig({ ...net, ip: "192.168.01.20" })],
  ["ip not dotted", () => sta.ifconfig({ ...net, ip: "192.168.1" })],
  ["no netmask", () => sta.ifconfig({ ip: "192.168.1.20" } as unknown as typeof net)],
  ["netmask 255.0.255.0", () => sta.ifconfig({ ...net, netmask: "255.0.255.0" })],
  ["ip = the network's address", () => sta.ifconfig({ ...net, ip: "192.168.1.0" })],
  ["ip = the broadcast address", () => sta.ifconfig({ ...net, ip: "192.168.1.255" })],
  ["gateway outside the subnet", () => sta.ifconfig({ ...net, gateway: "10.0.0.1" })],
  ["dns multicast", () => sta.ifconfig({ ...net, dns: "224.0.0.1" })],
  ["ifconfig(\"dhcpx\")", () => sta.ifconfig("dhcpx" as "dhcp")],
  ["ifconfig(42)", () => sta.ifconfig(42 as unknown as "dhcp")],
  ["LAN gateway outside the subnet", () => lan.ifconfig({ ...net, gateway: "10.0.0.1" })],
  ["LAN ip 0.0.0.0", () => lan.ifconfig({ ...net, ip: "0.0.0.0" })],
  ["new WLAN(2)", () => new WLAN(2 as 0)],
  ["new WLAN(\"mesh\")", () => new WLAN("mesh" as "sta")],
  ["start() on the station", () => sta.start({ ssid: "k230" })],
  ["scan() on the access point", () => ap.scan()],
  ["access point ssid of 33 bytes", () => ap.start({ ssid: "y".repeat(33), key: "12345678" })],
  ["access point key of 5", () => ap.start({ ssid: "k230", key: "12345" })],
  ["access point channel 200", () => ap.start({ ssid: "k230", channel: 200 })],
  ["unknown event", () => sta.on("bogus" as "connected", () => 0)],
  ["listener not a function", () => sta.on("connected", 1 as unknown as () => void)],
];
for (const [name, f] of cases) {
  let r: unknown;
  try {
    r = f();
    if (r instanceof Promise) await r;
    log("CASE", { name, threw: false });
  } catch (e) {
    const err = e as Error & { code?: string };
    log("CASE", { name, threw: true, error: err.name, code: err.code, message: err.message, unchanged: snapshot() === before });
  }
}
await new Promise((r) => setTimeout(r, 200));
log("BADEVENTS", events);
// connect while connecting: refused, and the join under way is the one that completes.
const first = sta.connect("Slow", "secret123");
for (const [name, f] of [["connect while connecting", () => sta.connect("Home", "secret123")], ["scan while connecting", () => sta.scan()]] as const) {
  try {
    await f();
    log("CASE", { name, threw: false });
  } catch (e) {
    const err = e as Error & { code?: string };
    log("CASE", { name, threw: true, error: err.name, code: err.code, message: err.message, connecting: sta.status().connecting });
  }
}
await first;
await new Promise((r) => setTimeout(r, 200));
log("END", { network: sta.status().network?.ssid });
