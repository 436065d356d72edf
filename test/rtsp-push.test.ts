// k230:rtsp push mode: an app publishes an MP4 (ANNOUNCE/SETUP mode=record/RECORD, interleaved
// RTP) to GStreamer's gst-rtsp-server in RECORD mode, which writes what it depayloads to a file
// that ffprobe/ffmpeg check. Plus the errors: a wrong path and nothing listening.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H264, H265, makeClip, VIDEO_IN } from "./helpers/media.js";
import { ROOT, cli, runAsync, startUntil, tempDir } from "./helpers/run.js";

const PY = "/usr/bin/python3";
const out = tempDir("rtsp-push");
const APP = join(out, "rtsp-push.js");
const CLIPS = {
  "push-h264.mp4": [...VIDEO_IN, ...H264, "-f", "mp4"],
  "push-h265.mp4": [...VIDEO_IN, ...H265, "-tag:v", "hvc1", "-f", "mp4"],
};

const haveGst =
  spawnSync(PY, ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
    .status === 0;
if (!haveGst) console.log("SKIP rtsp-push: /usr/bin/python3 has no gi/GstRtspServer");

// One RECORD mount per codec; what the server receives lands in <dir>/<codec>.es.
const SERVER = join(ROOT, "test", "helpers", "gst_rtsp_server.py");

let gst: ReturnType<typeof startUntil> | undefined;
let port = 0;
let gstDir = "";

beforeAll(async () => {
  const r = cli(["build", join(ROOT, "test", "apps", "rtsp-push.ts"), "-o", APP]);
  expect(r.status, r.stderr).toBe(0);
  for (const [name, recipe] of Object.entries(CLIPS)) makeClip(name, recipe);
  if (!haveGst) return;
  gstDir = tempDir("rtsp-push-gst");
  const child = spawn(PY, [SERVER, "record", "0", gstDir], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`gst-rtsp-server did not start: ${stdout}`)), 15_000);
    child.stdout.on("data", () => {
      const m = /READY (\d+)/.exec(stdout);
      if (m) {
        port = Number(m[1]);
        clearTimeout(t);
        res();
      }
    });
  });
  gst = { child } as ReturnType<typeof startUntil>;
}, 120_000);

afterAll(() => gst?.child.kill("SIGKILL"));

async function push(clip: string, url: string, extra: string[] = []) {
  const r = await runAsync(join(ROOT, "build", "host", "k230js"), [APP, clip, url, ...extra], 30_000);
  const sent = JSON.parse(/SENT (.*)/.exec(r.stdout)?.[1] ?? "null") as { video: number } | null;
  const stats = JSON.parse(/STATS (.*)/.exec(r.stdout)?.[1] ?? "null") as Record<string, number> | null;
  const error = JSON.parse(/ERROR (.*)/.exec(r.stdout)?.[1] ?? "null") as
    | { message: string; code: string; status?: number }
    | null;
  return { ...r, sent, stats, error };
}

describe.skipIf(!haveGst)("RtspPusher publishes to gst-rtsp-server (RECORD)", () => {
  for (const codec of ["h264", "h265"] as const) {
    it(`${codec}: every frame arrives, zero decode errors`, async () => {
      const p = await push(makeClip(`push-${codec}.mp4`, CLIPS[`push-${codec}.mp4`]), `rtsp://127.0.0.1:${port}/${codec}`,
        ["--no-audio"]);
      expect(p.stderr).toBe("");
      expect(p.code).toBe(0);
      expect(p.error).toBeNull();
      expect(p.sent!.video).toBe(90);
      expect(p.stats!.framesDropped).toBe(0);
      await new Promise((r) => setTimeout(r, 500)); // the server closes the file after TEARDOWN
      const file = join(gstDir, `${codec}.es`);
      const probe = await runAsync("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
        "-of", "csv=p=0", file]);
      const frames = Number(probe.stdout.trim());
      expect(frames).toBeGreaterThanOrEqual(Math.floor(p.sent!.video * 0.98));
      expect(frames).toBeLessThanOrEqual(p.sent!.video);
      const dec = await runAsync("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
      expect(dec.stderr).toBe("");
      expect(dec.code).toBe(0);
    }, 60_000);
  }

  it("a wrong path: connect() rejects with the server's status in the message", async () => {
    const p = await push(makeClip("push-h264.mp4", CLIPS["push-h264.mp4"]), `rtsp://127.0.0.1:${port}/nope`, ["--no-audio"]);
    expect(p.code).toBe(0);
    expect(p.error).not.toBeNull();
    expect([404, 454]).toContain(p.error!.status);
    expect(p.error!.message).toMatch(/RTSP\/1\.0 (404|454)/);
  }, 30_000);
});

it("nothing listening: connect() rejects with ECONNREFUSED", async () => {
  // a port that was free a moment ago: bind, read, close
  const net = await import("node:net");
  const free = await new Promise<number>((res) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  const p = await push(makeClip("push-h264.mp4", CLIPS["push-h264.mp4"]), `rtsp://127.0.0.1:${free}/pub`, ["--no-audio"]);
  expect(p.code).toBe(0);
  expect(p.error?.code).toBe("ECONNREFUSED");
  expect(p.error?.message).toMatch(/127\.0\.0\.1/);
}, 30_000);
