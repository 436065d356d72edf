// k230:rtsp RtspProbe (the client core's viewing mode): DESCRIBE/SETUP/PLAY over TCP and UDP
// against k230js's own server on loopback (every RTP packet the server sent arrives) and against
// GStreamer's gst-rtsp-server (a third-party SDP: relative controls, Content-Base, two tracks);
// the errors: a wrong path (404), nothing listening, credentials.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H264, makeClip, VIDEO_IN } from "./helpers/media.js";
import { HOST_RUNTIME, ROOT, runAsync, tempDir } from "./helpers/run.js";

const out = tempDir("rtsp-probe");

async function app(name: string, code: string, args: string[] = []) {
  const file = join(out, `${name}.mjs`);
  writeFileSync(file, code);
  const r = await runAsync(HOST_RUNTIME, [file, ...args], 30_000);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout.trim().split("\n");
}

// A synthetic access unit (SPS, PPS, IDR or a P slice, 3 kB of payload: fragmented into FU-A).
const AU = `function au(n) {
  const key = n % 10 === 0;
  const head = key ? [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80] : [];
  const a = new Uint8Array(head.length + 5 + 3000);
  a.set(head);
  a.set([0, 0, 0, 1, key ? 0x65 : 0x41], head.length);
  for (let i = head.length + 5; i < a.length; i++) a[i] = 0x80 | (i & 0x7f);
  return a;
}`;

describe("RtspProbe against k230js's server on loopback", () => {
  it("over TCP and UDP every RTP packet the server sent arrives", async () => {
    const lines = await app(
      "loopback",
      `import { RtspProbe, RtspServer } from "k230:rtsp";
      ${AU}
      const server = new RtspServer({ host: "127.0.0.1", port: 0 });
      const session = server.createSession("live", { video: "h264" });
      for (const transport of ["tcp", "udp"]) {
        const probe = new RtspProbe(session.url, { transport });
        const states = [probe.state];
        await probe.play();
        states.push(probe.state);
        const before = server.stats().packetsSent;
        for (let i = 0; i < 20; i++) { session.sendVideo(au(i), i * 33333); await new Promise((r) => setTimeout(r, 5)); }
        const sent = server.stats().packetsSent - before;
        for (let t = 0; t < 100 && probe.stats().packetsReceived < sent; t++) await new Promise((r) => setTimeout(r, 20));
        const st = probe.stats();
        probe.close();
        states.push(probe.state);
        console.log(JSON.stringify({ transport, states, sent, ...st }));
      }
      server.close();`,
    );
    const rows = lines.map((l) => JSON.parse(l) as { transport: string; states: string[]; sent: number; packetsReceived: number; bytesReceived: number });
    expect(rows.map((r) => r.transport)).toEqual(["tcp", "udp"]);
    for (const r of rows) {
      expect(r.states).toEqual(["idle", "playing", "closed"]);
      expect(r.sent).toBeGreaterThanOrEqual(20 * 3); // 3 kB frames: at least 3 packets each
      expect(r.packetsReceived).toBe(r.sent);
      expect(r.bytesReceived).toBeGreaterThan(20 * 3000);
    }
  });

  it("errors: a wrong path (404), nothing listening, credentials, bad options", async () => {
    const lines = await app(
      "errors",
      `import { RtspProbe, RtspServer } from "k230:rtsp";
      const server = new RtspServer({ host: "127.0.0.1", port: 0, auth: { user: "u", password: "p" } });
      const session = server.createSession("live", { video: "h264" }); // kept: a collected session closes
      const show = (e) => console.log([e.code, e.status, e.message].join(" | "));
      const attempts = [
        new RtspProbe(server.url("live")),
        new RtspProbe(server.url("nope"), { auth: { user: "u", password: "p" } }),
        new RtspProbe("rtsp://127.0.0.1:1/x"),
      ];
      for (const p of attempts) await p.play().then(() => console.log("played"), show);
      const ok = new RtspProbe(server.url("live"), { auth: { user: "u", password: "p" }, transport: "udp" });
      await ok.play();
      console.log(ok.state);
      ok.close();
      session.close();
      for (const bad of [() => new RtspProbe("http://x/"), () => new RtspProbe("rtsp://127.0.0.1/x", { transport: "sctp" })])
        try { bad(); } catch (e) { console.log(e.name + " | " + e.message); }
      server.close();`,
    );
    expect(lines[0]).toMatch(/^EINVAL \| 401 \| RtspProbe\.play: DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/live: RTSP\/1\.0 401 Unauthorized$/);
    expect(lines[1]).toMatch(/^EIO \| 404 \| RtspProbe\.play: DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/nope: RTSP\/1\.0 404 Not Found$/);
    expect(lines[2]).toBe("ECONNREFUSED |  | RtspProbe.play: cannot connect to 127.0.0.1:1: Connection refused");
    expect(lines[3]).toBe("playing");
    expect(lines[4]).toBe("TypeError | new RtspProbe: 'http://x/' is not an rtsp://host[:port]/path URL");
    expect(lines[5]).toBe('RangeError | new RtspProbe: options.transport must be one of "tcp", "udp", got "sctp"');
  });
});

const PY = "/usr/bin/python3";
const haveGst =
  spawnSync(PY, ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"]).status === 0;
if (!haveGst) console.log("SKIP: test/rtsp-probe.test.ts: /usr/bin/python3 has no gi/GstRtspServer: the gst-rtsp-server case did not run");

// test/helpers/gst_rtsp_server.py serve: /av (an H.264 file + a live µ-law tone), /mic (the tone).
const SERVER = join(ROOT, "test", "helpers", "gst_rtsp_server.py");

describe.skipIf(!haveGst)("RtspProbe against gst-rtsp-server", () => {
  let gst: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    const clip = makeClip("probe-h264.mp4", [...VIDEO_IN, ...H264, "-f", "mp4"]);
    gst = spawn(PY, [SERVER, "serve", clip, "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    gst.stdout!.on("data", (d) => (stdout += d));
    port = await new Promise<number>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`gst-rtsp-server did not start: ${stdout}`)), 15_000);
      gst!.stdout!.on("data", () => {
        const m = /READY rtsp:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
        if (m) {
          clearTimeout(t);
          res(Number(m[1]));
        }
      });
    });
  }, 60_000);
  afterAll(() => void gst?.kill("SIGKILL"));

  it("plays both tracks of its SDP over TCP and UDP, and an audio-only mount", async () => {
    const lines = await app(
      "gst",
      `import { RtspProbe } from "k230:rtsp";
      const [, port] = scriptArgs;
      for (const [path, transport] of [["av", "tcp"], ["av", "udp"], ["mic", "tcp"]]) {
        const probe = new RtspProbe("rtsp://127.0.0.1:" + port + "/" + path, { transport });
        await probe.play();
        await new Promise((r) => setTimeout(r, 1500));
        console.log(JSON.stringify({ path, transport, ...probe.stats() }));
        probe.close();
      }`,
      [String(port)],
    );
    const rows = lines.map((l) => JSON.parse(l) as { path: string; transport: string; state: string; packetsReceived: number; bytesReceived: number });
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.state).toBe("playing");
    // 1.5 s: 45 video frames (one packet each at 320x240) and ~11 tone packets of 1024 samples
    for (const r of rows.slice(0, 2)) expect(r.packetsReceived).toBeGreaterThan(40);
    expect(rows[2]!.packetsReceived).toBeGreaterThan(5);
    expect(rows[2]!.bytesReceived / rows[2]!.packetsReceived).toBeGreaterThan(1000); // tone packets, not video
  });
});
