// k230:net on the simulator: the host's interfaces against `ip -j addr`, the LAN as the host's
// primary interface, the simulated Wi-Fi scripted through K230JS_SIM_WLAN (scan, wrong key, no
// answer, join, static address, access point, AP gone), every bad input, and the RTSP URL that
// names the board's address (ffprobe reaches it).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lines, world, WORLD } from "./helpers/net.js";
import { cli, HOST_RUNTIME, ROOT, runAsync, runtime, tempDir } from "./helpers/run.js";

const out = tempDir("net");
const app = (name: string) => join(out, `${name}.js`);

beforeAll(() => {
  for (const name of ["net-wlan", "net-bad", "net-info"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${name}.ts`), "-o", app(name)]);
    expect(r.status, r.stderr).toBe(0);
  }
  const r = cli(["build", join(ROOT, "examples", "rtsp-camera", "main.ts"), "-o", app("rtsp-camera")]);
  expect(r.status, r.stderr).toBe(0);
});

interface IpAddr {
  ifname: string;
  address?: string;
  flags: string[];
  addr_info: { family: string; local: string; prefixlen: number }[];
}

const hasIp = spawnSync("ip", ["-V"]).status === 0;
if (!hasIp) console.log("SKIP: test/net.test.ts: `ip` (iproute2) is missing; the interface list is not compared");

describe("the host's interfaces", () => {
  it.skipIf(!hasIp)("loopback and the primary interface are listed with the addresses `ip -j addr` reports; LAN is the primary", () => {
    const r = runtime("host", [app("net-info")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const info = Object.fromEntries(lines(r.stdout).map((l) => [l.tag, l.v]));
    const ip: IpAddr[] = JSON.parse(spawnSync("ip", ["-j", "addr"], { encoding: "utf8" }).stdout);
    const routes: { dev: string; gateway?: string }[] = JSON.parse(spawnSync("ip", ["-j", "-4", "route", "show", "default"], { encoding: "utf8" }).stdout || "[]");
    const lo = ip.find((i) => i.flags.includes("LOOPBACK"))!;
    const primary = routes.length ? ip.find((i) => i.ifname === routes[0]!.dev) : ip.find((i) => !i.flags.includes("LOOPBACK") && i.flags.includes("UP") && i.addr_info.some((a) => a.family === "inet"));
    const norm = (list: { family: string; address: string; prefixlen: number }[]) => list.map((a) => `${a.family} ${a.address}/${a.prefixlen}`).sort();
    for (const want of [lo, primary]) {
      if (!want) continue;
      const got = (info.INTERFACES as any[]).find((i) => i.name === want.ifname);
      expect(got, want.ifname).toBeDefined();
      expect(got.mac).toBe(want.address ?? "00:00:00:00:00:00");
      expect(got.up).toBe(want.flags.includes("UP"));
      expect(got.loopback).toBe(want.flags.includes("LOOPBACK"));
      expect(norm(got.addresses)).toEqual(norm(want.addr_info.map((a) => ({ family: a.family === "inet" ? "IPv4" : "IPv6", address: a.local, prefixlen: a.prefixlen }))));
    }
    expect(lo.addr_info.some((a) => a.local === "127.0.0.1")).toBe(true);
    if (!primary) {
      expect(info.LAN.active).toBe(false);
      return;
    }
    console.log(`net: primary interface ${primary.ifname} (${info.LAN.ifconfig.ip})`);
    const v4 = primary.addr_info.find((a) => a.family === "inet");
    expect(info.LAN.active).toBe(true);
    expect(info.LAN.name).toBe(primary.ifname);
    expect(info.LAN.mac).toBe(primary.address);
    expect(info.LAN.ifconfig.ip).toBe(v4?.local ?? "0.0.0.0");
    if (v4) expect(info.LAN.ifconfig.netmask).toBe([24, 16, 8, 0].map((s) => ((0xffffffff << (32 - v4.prefixlen)) >>> s) & 255).join("."));
    if (routes[0]?.gateway) expect(info.LAN.ifconfig.gateway).toBe(routes[0].gateway);
    expect(info.LAN.link).toBe(primary.flags.includes("LOWER_UP"));
    // Read-only: configuring the host's interface is refused, and changes nothing.
    expect(info.LANSET).toMatchObject({ code: "ENOTSUP", unchanged: true });
    expect(info.ADDRESS).toBe(info.LAN.link ? info.LAN.ifconfig.ip : "");
  });
});

describe("simulated Wi-Fi (K230JS_SIM_WLAN)", () => {
  it("scan, a refused key, a silent network, a join with its events, static/DHCP, access point, then the AP goes away", async () => {
    const file = world();
    const env = { ...process.env, K230JS_SIM_WLAN: file };
    const child = spawn(HOST_RUNTIME, [app("net-wlan")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const gone = new Promise<void>((resolve) =>
      child.stdout.on("data", (d) => {
        stdout += d;
        // Joined and done with the addresses: the access point goes away.
        if (stdout.includes("\nDHCP ") && readFileSync(file, "utf8").includes("Home")) {
          writeFileSync(file, WORLD.replace(/^ssid=Home .*\n/m, ""));
          resolve();
        }
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    await gone;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const all = lines(stdout);
    const one = (tag: string) => all.find((l) => l.tag === tag)!.v;
    expect(one("SAME")).toBe(true);
    expect(one("SCAN").map((n: any) => [n.ssid, n.rssi, n.channel, n.security])).toEqual([
      ["Home", -40, 11, "wpa2"],
      ["Cafe Free", -71, 1, "open"],
      ["Silent", -50, 6, "wpa2"],
      ["Slow", -50, 6, "wpa2"],
    ]);
    expect(one("WRONGKEY")).toMatchObject({ name: "Error", code: "EAUTH", status: { link: false, connected: false } });
    expect(one("SILENT")).toMatchObject({ code: "ETIMEDOUT", connected: false });
    expect(one("SILENT").ms).toBeGreaterThanOrEqual(390);
    expect(one("SILENT").ms).toBeLessThan(1500);
    const sub = { ip: "192.168.50.23", netmask: "255.255.255.0", gateway: "192.168.50.1", dns: "192.168.50.1", dhcp: true };
    expect(one("CONNECTED")).toMatchObject({ cfg: sub, address: "192.168.50.23", status: { connected: true, network: { ssid: "Home" } } });
    expect(one("STATIC")).toEqual({ ip: "192.168.50.77", netmask: "255.255.255.0", gateway: "192.168.50.1", dns: "1.1.1.1", dhcp: false });
    expect(one("DHCP")).toEqual(sub);
    expect(one("AP")).toMatchObject({ status: { link: true, ifconfig: { ip: "192.168.169.1" }, stations: 1 }, stations: ["aa:bb:cc:dd:ee:01"] });
    expect(one("APSTOPPED")).toBe(false);
    expect(all.filter((l) => l.tag === "APEVENT").map((l) => l.v.type)).toEqual(["connected", "address", "disconnected", "address"]);
    // No event for the failed joins; "connected" with the network and its address; the AP's
    // disappearance as "disconnected".
    const events = all.filter((l) => l.tag === "EVENT" || l.tag === "CONNECTED" || l.tag === "GONE");
    const types = events.map((l) => (l.tag === "EVENT" ? l.v.type : l.tag));
    expect(types.indexOf("connected")).toBeGreaterThanOrEqual(0);
    expect(types.slice(0, types.indexOf("connected")).filter((t) => t !== "address")).toEqual([]);
    expect(events.find((l) => l.v.type === "connected")!.v).toMatchObject({ interface: "sta", ssid: "Home", ifconfig: sub });
    expect(types).toContain("disconnected");
    expect(types.indexOf("disconnected")).toBeGreaterThan(types.indexOf("CONNECTED"));
    expect(one("GONE")).toMatchObject({ connected: false, status: { link: false } });
    expect(one("GONE").address).not.toBe("192.168.50.23");
  }, 30_000);

  it("every bad input throws a TypeError/RangeError naming it and changes nothing; connect while connecting is EBUSY", () => {
    const r = spawnSync(HOST_RUNTIME, [app("net-bad")], { env: { ...process.env, K230JS_SIM_WLAN: world() }, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const all = lines(r.stdout);
    const cases = all.filter((l) => l.tag === "CASE").map((l) => l.v);
    expect(cases.length).toBe(35);
    const coded = ["start() on the station", "scan() on the access point", "connect while connecting", "scan while connecting"];
    for (const c of cases) {
      expect(c.threw, c.name).toBe(true);
      if (coded.includes(c.name)) {
        expect(c.error, c.name).toBe("Error");
        expect(c.code, c.name).toBe(c.name.includes("while connecting") ? "EBUSY" : "ENOTSUP");
      } else {
        expect(["TypeError", "RangeError"], c.name).toContain(c.error);
      }
      if (c.unchanged !== undefined) expect(c.unchanged, c.name).toBe(true);
      if (c.connecting !== undefined) expect(c.connecting, c.name).toBe(true);
    }
    const by = (n: string) => cases.find((c) => c.name === n)!;
    expect(by("ssid of 11 euro signs (33 bytes)").message).toContain("1 to 32 bytes");
    expect(by("key of 7 characters").message).toContain("8 to 63 characters");
    expect(by("netmask 255.0.255.0").message).toContain("config.netmask");
    expect(by("gateway outside the subnet").message).toContain("config.gateway 10.0.0.1");
    expect(all.find((l) => l.tag === "BADEVENTS")!.v).toBe(0);
    // The join under way when the second connect was refused is the one that completed.
    expect(all.find((l) => l.tag === "END")!.v).toEqual({ network: "Slow" });
  });
});

const lanUp = runtime("host", ["-e", 'import { LAN } from "k230:net"; console.log(new LAN().isconnected())']).stdout.trim() === "true";
if (!lanUp) console.log("SKIP: test/net.test.ts: the host has no primary interface with an address; the LAN URL is not probed");

describe("the board's address in RTSP URLs", () => {
  it("rtsp-camera's network step joins Wi-Fi and its URL names the station's address", () => {
    const r = spawnSync(HOST_RUNTIME, [app("rtsp-camera"), "1", "0", "Home", "secret123"], { env: { ...process.env, K230JS_SIM_WLAN: world() }, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("network up: 192.168.50.23");
    expect(r.stdout).toMatch(/RTSP server start: rtsp:\/\/192\.168\.50\.23:\d+\/test/);
  });

  it.skipIf(!lanUp)("over the LAN the printed URL is the host's address and ffprobe plays it from there", async () => {
    const child = spawn(HOST_RUNTIME, [app("rtsp-camera"), "8", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL: ${stdout}`)), 15_000);
      child.stdout.on("data", (d) => {
        stdout += d;
        const m = /RTSP server start: (\S+)/.exec(stdout);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const host = new URL(url.replace(/^rtsp:/, "http:")).hostname;
    expect(host).toBe(/network up: (\S+)/.exec(stdout)![1]);
    expect(host).not.toBe("127.0.0.1");
    const p = await runAsync("ffprobe", ["-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name", "-of", "csv=p=0", url], 20_000);
    child.kill("SIGINT");
    expect(p.stderr).toBe("");
    expect(p.stdout.trim()).toBe("h264");
  }, 40_000);
});
