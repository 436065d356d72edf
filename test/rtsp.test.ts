// k230:rtsp from JS: an app serves an MP4 made at test time, paced by ptsUs, and real peers
// (ffmpeg, GStreamer's rtspsrc, our own load client) play it over TCP and UDP, IPv4 and IPv6.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIO_IN, H264, H265, makeClip, probePackets, VIDEO_IN } from "./helpers/media.js";
import { buildServeApp, serve as serveOn, type Served } from "./helpers/rtsp-app.js";
import { RtspClient } from "./helpers/rtsp-client.js";
import { runAsync, tempDir } from "./helpers/run.js";

let APP = "";

export const RTSP_CLIPS = {
  "h264+ulaw.mov": [...VIDEO_IN, ...AUDIO_IN, ...H264, "-c:a", "pcm_mulaw", "-f", "mov"],
  "h265+alaw.mov": [...VIDEO_IN, ...AUDIO_IN, ...H265, "-c:a", "pcm_alaw", "-tag:v", "hvc1", "-f", "mov"],
  // ~4 Mb/s for 4 s: enough to fill a stalled reader's socket buffers
  "h264-4mbps.mp4": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=4,noise=alls=30:allf=t",
    "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-bf", "0", "-b:v", "4M", "-maxrate", "4M",
    "-bufsize", "1M", "-pix_fmt", "yuv420p", "-f", "mp4"],
};

const serve = (clip: string, args: string[] = []) => serveOn(APP, clip, args);

/** ffmpeg decodes the stream to per-frame hashes: frames and pts per stream, and its errors. */
async function ffmpegPlay(url: string, transport: "tcp" | "udp") {
  const r = await runAsync("ffmpeg", ["-hide_banner", "-v", "error", "-rtsp_transport", transport, "-timeout", "5000000",
    "-i", url, "-map", "0", "-f", "framemd5", "-"]);
  const frames: Record<number, number[]> = {};
  for (const line of r.stdout.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [stream, , pts] = line.split(",").map((x) => x.trim());
    (frames[Number(stream)] ??= []).push(Number(pts));
  }
  return { ...r, frames };
}

function expectMonotonic(pts: number[], what: string): void {
  for (let i = 1; i < pts.length; i++) expect(pts[i]!, `${what}: pts[${i}]`).toBeGreaterThan(pts[i - 1]!);
}

function within2pct(got: number, sent: number): void {
  expect(got).toBeGreaterThanOrEqual(Math.floor(sent * 0.98));
  expect(got).toBeLessThanOrEqual(sent);
}

async function cleanExit(s: Served) {
  const d = await s.done;
  expect(d.stderr).toBe("");
  expect(d.code).toBe(0);
  return d;
}

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

beforeAll(() => {
  APP = buildServeApp();
  for (const [name, recipe] of Object.entries(RTSP_CLIPS)) makeClip(name, recipe);
}, 120_000);

const clip = (name: keyof typeof RTSP_CLIPS) => makeClip(name, RTSP_CLIPS[name]);

describe("ffmpeg plays what the app streams", () => {
  for (const name of ["h264+ulaw.mov", "h265+alaw.mov"] as const) {
    for (const transport of ["tcp", "udp"] as const) {
      it(`${name} over ${transport}: zero decode errors, every frame, monotonic timestamps`, async () => {
        const s = await serve(clip(name));
        const ff = await ffmpegPlay(s.url, transport);
        const d = await cleanExit(s);
        expect(ff.stderr).toBe("");
        expect(d.sent.video).toBe(90);
        within2pct(ff.frames[0]?.length ?? 0, d.sent.video);
        expectMonotonic(ff.frames[0]!, "video");
        // audio: 8 kHz G.711, 3 s of it, in order
        expect(ff.frames[1]?.length ?? 0).toBeGreaterThan(0);
        expectMonotonic(ff.frames[1]!, "audio");
        expect(d.stats.drops).toBe(0);
      });
    }
  }
});

describe("GStreamer rtspsrc plays it", () => {
  const cases = [
    ["h264+ulaw.mov", "rtph264depay ! h264parse", "avdec_h264", "rtppcmudepay ! mulawdec"],
    ["h265+alaw.mov", "rtph265depay ! h265parse", "avdec_h265", "rtppcmadepay ! alawdec"],
  ] as const;
  for (const [name, depay, dec, achain] of cases) {
    for (const proto of ["tcp", "udp"] as const) {
      it(`${name} protocols=${proto}`, async () => {
        const s = await serve(clip(name));
        const dir = tempDir("gst");
        const [y4m, mkv, wav] = ["v.y4m", "v.mkv", "a.wav"].map((f) => join(dir, f));
        // Decoded frames to Y4M (counted), the depayloaded stream to Matroska (its timestamps are
        // ours: buffer-mode=none uses the RTP timestamps as they come), audio decoded to WAV.
        const r = await runAsync("gst-launch-1.0", ["-q", "rtspsrc", "name=s", `location=${s.url}`, `protocols=${proto}`, "buffer-mode=none",
          "s.", "!", ...depay.split(" "), "!", "tee", "name=t",
          "t.", "!", "queue", "!", dec, "!", "y4menc", "!", "filesink", `location=${y4m}`,
          "t.", "!", "queue", "!", "matroskamux", "!", "filesink", `location=${mkv}`,
          "s.", "!", ...achain.split(" "), "!", "wavenc", "!", "filesink", `location=${wav}`]);
        const d = await cleanExit(s);
        // No complaints, and a clean end: the RTCP BYE ends the stream before the server hangs up.
        expect(r.stdout + r.stderr).toBe("");
        expect(r.code).toBe(0);
        const decoded = readFileSync(y4m).toString("latin1").split("FRAME").length - 1;
        within2pct(decoded, d.sent.video);
        const vpts = probePackets(mkv).map((p) => p.ptsUs);
        within2pct(vpts.length, d.sent.video);
        expectMonotonic(vpts, "video");
        const audio = probePackets(wav);
        expect(audio.length).toBeGreaterThan(0);
        const wavBytes = statSync(wav).size;
        expect(wavBytes).toBeGreaterThan(d.sent.audioBytes * 2 * 0.95); // 16-bit PCM out of 8-bit G.711
      });
    }
  }
});

describe("many clients", () => {
  it("50 TCP clients receive every frame while a stalled client falls behind alone", async () => {
    const s = await serve(clip("h264-4mbps.mp4"), ["--wait-plays", "51", "--loops", "4", "--queue-bytes", String(512 << 10), "--linger-ms", "1000"]);
    const stalled = new RtspClient(s.url, { transport: "tcp", stall: true });
    await stalled.play();
    const clients = Array.from({ length: 50 }, () => new RtspClient(s.url, { transport: "tcp" }));
    await Promise.all(clients.map((c) => c.play()));
    const ends = await Promise.all(clients.map((c) => c.ended(20_000)));
    await Promise.all(clients.map((c) => c.close(true)));
    const d = await cleanExit(s);
    expect(ends.every(Boolean)).toBe(true);
    const frames = clients.map((c) => c.tracks[0]!.frames);
    const gaps = clients.map((c) => c.tracks[0]!.gaps);
    console.log(`50 clients: sent ${d.sent.video} frames (${(d.sent.videoBytes / 1e6).toFixed(1)} MB); received min ${Math.min(...frames)} max ${Math.max(...frames)}; gaps ${gaps.reduce((a, b) => a + b)}; server drops ${d.stats.drops}`);
    for (const c of clients) {
      expect(c.tracks[0]!.frames).toBe(d.sent.video);
      expect(c.tracks[0]!.gaps).toBe(0);
      expect(c.tracks[0]!.tsBackwards).toBe(0);
    }
    // the stalled reader is the one that lost frames (so this test exercised the drop path)
    expect(d.stats.drops as number).toBeGreaterThan(0);
    await stalled.close(false);
  }, 60_000);

  it("1000 connect/PLAY/TEARDOWN cycles leave no fds or memory behind", async () => {
    // An ASan build parks freed blocks in a quarantine (256 MB by default) that grows RSS with
    // every allocation; without it RSS tracks what the server really holds. No-op elsewhere.
    const asan = process.env.ASAN_OPTIONS;
    process.env.ASAN_OPTIONS = [asan, "quarantine_size_mb=0"].filter(Boolean).join(":");
    let s: Served;
    try {
      s = await serve(clip("h264+ulaw.mov"), ["--wait-plays", "0", "--loops", "100", "--max-s", "90"]);
    } finally {
      if (asan === undefined) delete process.env.ASAN_OPTIONS;
      else process.env.ASAN_OPTIONS = asan;
    }
    const fds = () => readdirSync(`/proc/${s.pid}/fd`).length;
    const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.pid}/status`, "utf8"))![1]);
    const cycles = async (n: number, lanes = 8) => {
      let next = 0;
      await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
        while (next < n) {
          next++;
          const c = new RtspClient(s.url, { transport: lane % 2 ? "udp" : "tcp" });
          await c.play();
          await c.close(true);
        }
      }));
    };
    await cycles(100);
    await new Promise((r) => setTimeout(r, 500)); // the server sweeps closed connections on its tick
    const fd0 = fds();
    const rss0 = rssKb();
    await cycles(1000);
    await new Promise((r) => setTimeout(r, 500));
    const fd1 = fds();
    const rss1 = rssKb();
    console.log(`1000 cycles: fds ${fd0} -> ${fd1}, RSS ${rss0} -> ${rss1} kB`);
    s.kill();
    await s.done;
    expect(fd1).toBe(fd0);
    expect(rss1 - rss0).toBeLessThan(2048);
  }, 90_000);
});

const hasIPv6 = Object.values(networkInterfaces()).some((l) => l?.some((a) => a.family === "IPv6" && a.address === "::1"));

describe("IPv6", () => {
  it.skipIf(!hasIPv6)("serves on ::1 to ffmpeg over TCP and UDP", async () => {
    for (const transport of ["tcp", "udp"] as const) {
      const s = await serve(clip("h264+ulaw.mov"), ["--host", "::1"]);
      expect(s.url).toMatch(/^rtsp:\/\/\[::1\]:\d+\/test$/);
      const ff = await ffmpegPlay(s.url, transport);
      const d = await cleanExit(s);
      expect(ff.stderr).toBe("");
      within2pct(ff.frames[0]?.length ?? 0, d.sent.video);
    }
  });
  if (!hasIPv6) it("IPv6 skipped: this machine has no ::1 on its loopback", () => undefined);
});

/** Sends raw bytes, returns what came back before the server closed (or timeout). */
function raw(url: string, chunks: (string | Buffer)[], waitMs: number): Promise<{ reply: string; closed: boolean; ms: number }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) });
    let reply = "";
    let closed = false;
    sock.on("data", (d) => (reply += d.toString("latin1")));
    sock.on("error", () => undefined);
    sock.on("close", () => {
      closed = true;
      clearTimeout(t);
      resolve({ reply, closed, ms: performance.now() - t0 });
    });
    sock.on("connect", () => {
      for (const c of chunks) sock.write(c);
    });
    const t = setTimeout(() => {
      sock.destroy();
      resolve({ reply, closed, ms: performance.now() - t0 });
    }, waitMs);
  });
}

describe("authentication", () => {
  for (const scheme of ["digest", "basic"] as const) {
    it(`${scheme}: 401 without or with wrong credentials, playback with them`, async () => {
      const s = await serve(clip("h264+ulaw.mov"), ["--auth", scheme, "--wait-plays", "2"]);
      const bare = await raw(s.url, [`DESCRIBE ${s.url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`], 500);
      expect(bare.reply).toMatch(/^RTSP\/1\.0 401 /);
      expect(bare.reply).toMatch(new RegExp(`WWW-Authenticate: ${scheme}`, "i"));
      const wrong = new RtspClient(s.url, { user: "k230", password: "nope" });
      await expect(wrong.play()).rejects.toThrow(/DESCRIBE: 401/);
      await wrong.close(false);
      const ours = new RtspClient(s.url, { user: "k230", password: "s3cret" });
      await ours.play();
      const withCreds = s.url.replace("rtsp://", "rtsp://k230:s3cret@");
      const ff = await ffmpegPlay(withCreds, "tcp");
      await ours.ended(10_000);
      await ours.close(true);
      const d = await cleanExit(s);
      expect(ff.stderr).toBe("");
      within2pct(ff.frames[0]?.length ?? 0, d.sent.video);
      expect(ours.tracks[0]!.frames).toBe(d.sent.video);
    });
  }
});

describe("bad input over real sockets", () => {
  it("garbage, a huge header and NUL bytes get a 4xx or a close; a half-open request and an idle client time out; the server keeps serving", async () => {
    const s = await serve(clip("h264+ulaw.mov"), ["--wait-plays", "1", "--request-timeout", "1", "--session-timeout", "2"]);
    const garbage = await raw(s.url, [Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))], 2000);
    expect(garbage.closed || /^RTSP\/1\.0 4\d\d/.test(garbage.reply)).toBe(true);
    const huge = await raw(s.url, [`OPTIONS ${s.url} RTSP/1.0\r\nCSeq: 1\r\nX-Pad: ${"a".repeat(100_000)}\r\n\r\n`], 2000);
    expect(huge.closed).toBe(true);
    expect(huge.reply).toMatch(/^(RTSP\/1\.0 4\d\d|$)/);
    const nul = await raw(s.url, [`OPTIONS ${s.url} RTSP/1.0\r\nCSeq: 1\r\nX: a\0b\r\n\r\n`], 2000);
    expect(nul.reply).toMatch(/^RTSP\/1\.0 4\d\d/);
    const interleavedFirst = await raw(s.url, [Buffer.from([0x24, 0, 0, 4, 1, 2, 3, 4]), `OPTIONS ${s.url} RTSP/1.0\r\nCSeq: 2\r\n\r\n`], 1000);
    expect(interleavedFirst.reply === "" || /^RTSP\/1\.0 [24]\d\d/.test(interleavedFirst.reply)).toBe(true);
    // half-open: a request that never completes is dropped by the request timeout (1 s)
    const half = await raw(s.url, [`OPTIONS ${s.url} RTSP/1.0\r\nCSeq: 1\r\n`], 5000);
    expect(half.closed).toBe(true);
    expect(half.ms).toBeLessThan(3000);
    // idle: a connection that says nothing is dropped by the session timeout (2 s)
    const idle = await raw(s.url, [], 6000);
    expect(idle.closed).toBe(true);
    expect(idle.ms).toBeGreaterThan(1500);
    expect(idle.ms).toBeLessThan(4500);
    // and it still serves
    const ff = await ffmpegPlay(s.url, "tcp");
    const d = await cleanExit(s);
    expect(ff.stderr).toBe("");
    within2pct(ff.frames[0]?.length ?? 0, d.sent.video);
  }, 30_000);
});
