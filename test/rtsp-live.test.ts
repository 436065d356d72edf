// Live media into k230:rtsp with no JS per frame: the simulated camera through encoder.pipeTo
// and the microphone through audioIn.pipeTo (G.711 A and µ) into an RtspSession played by
// ffprobe, and into an RtspPusher publishing to gst-rtsp-server (RECORD). Both tracks must come
// out on one clock: a video packet's pts sits within one audio frame of the end of the audio
// received just before it. Plus the API papercuts: the server owns its sessions, one G.711
// spelling.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, cli, runAsync, startUntil, tempDir } from "./helpers/run.js";

const out = tempDir("rtsp-live");
const APP = join(out, "rtsp-live.js");
const PY = "/usr/bin/python3";
const AUDIO_FRAME_S = 320 / 8000; // the app's microphone frames
const haveGst =
  spawnSync(PY, ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
    .status === 0;
if (!haveGst) console.log("SKIP rtsp-live: /usr/bin/python3 has no gi/GstRtspServer (the pusher -> RECORD case)");

beforeAll(() => {
  const r = cli(["build", join(ROOT, "test", "apps", "rtsp-live.ts"), "-o", APP]);
  expect(r.status, r.stderr).toBe(0);
});

interface Pkt { stream: string; pts: number; dur: number }

/** ffprobe's packets in the order they arrived, with their stream's codec type. */
function packets(stdout: string): Pkt[] {
  const types: Record<string, string> = {};
  const pk: Pkt[] = [];
  for (const line of stdout.trim().split("\n")) {
    const f = line.split(",");
    if (f[0] === "stream") types[f[1]!] = f[2]!;
    if (f[0] === "packet" && f[2] !== "N/A") pk.push({ stream: f[1]!, pts: Number(f[2]), dur: Number(f[3]) || 0 });
  }
  return pk.map((p) => ({ ...p, stream: types[p.stream] ?? p.stream }));
}

/** For every video packet: its pts minus the end of the last audio packet before it. */
function clockOffsets(pk: Pkt[]): number[] {
  const d: number[] = [];
  let lastAudioEnd: number | undefined;
  for (const p of pk) {
    if (p.stream === "audio") lastAudioEnd = p.pts + (p.dur || AUDIO_FRAME_S);
    else if (p.stream === "video" && lastAudioEnd !== undefined) d.push(p.pts - lastAudioEnd);
  }
  return d.sort((a, b) => a - b);
}

const median = (v: number[]) => v[Math.floor(v.length / 2)]!;

describe("mic + camera -> RtspSession (pipes, no JS per frame)", () => {
  for (const law of ["alaw", "ulaw"] as const) {
    it(`G.711 ${law}: ffprobe sees H.264 and ${law === "alaw" ? "pcm_alaw" : "pcm_mulaw"} on one clock`, async () => {
      const s = startUntil([APP, "session", law, "6"], "READY ");
      await s.ready;
      const url = /READY (\S+)/.exec(s.output().stdout)![1]!;
      const r = await runAsync("ffprobe", ["-v", "error", "-rtsp_transport", "tcp", "-read_intervals", "%+3",
        "-show_entries", "stream=index,codec_type,codec_name:packet=stream_index,pts_time,duration_time",
        "-of", "csv", url], 30_000);
      await s.exited;
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/stream,\d,video,h264|stream,\d,h264,video/);
      const codecs = r.stdout.split("\n").filter((l) => l.startsWith("stream,"));
      expect(codecs.join(" ")).toContain(law === "alaw" ? "pcm_alaw" : "pcm_mulaw");
      // csv: stream,<index>,<codec_name>,<codec_type> -> normalise to index -> type
      const text = r.stdout.replace(/^stream,(\d+),([^,]+),(audio|video)$/gm, "stream,$1,$3");
      const pk = packets(text);
      const audio = pk.filter((p) => p.stream === "audio").length;
      const video = pk.filter((p) => p.stream === "video").length;
      expect(audio).toBeGreaterThan(30);
      expect(video).toBeGreaterThan(30);
      const d = clockOffsets(pk);
      console.log(`rtsp-live ${law}: ${video} video, ${audio} audio packets; video pts - audio end: ` +
        `min ${d[0]!.toFixed(3)} median ${median(d).toFixed(3)} max ${d.at(-1)!.toFixed(3)} s`);
      expect(Math.abs(median(d))).toBeLessThan(AUDIO_FRAME_S);
    }, 60_000);
  }
});

describe.skipIf(!haveGst)("mic + camera -> RtspPusher -> gst-rtsp-server (RECORD)", () => {
  let gst: ReturnType<typeof spawn> | undefined;
  let port = 0;
  const dir = tempDir("rtsp-live-gst");
  beforeAll(async () => {
    gst = spawn(PY, [join(ROOT, "test", "helpers", "gst_rtsp_server.py"), "record", "0", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`gst-rtsp-server did not start: ${stdout}`)), 15_000);
      gst!.stdout!.on("data", (b) => {
        stdout += b;
        const m = /READY (\d+)/.exec(stdout);
        if (m) {
          port = Number(m[1]);
          clearTimeout(t);
          res();
        }
      });
    });
  }, 30_000);
  afterAll(() => gst?.kill("SIGKILL"));

  for (const law of ["alaw", "ulaw"] as const) {
    it(`G.711 ${law}: the server records H.264 and ${law} on one clock`, async () => {
      const r = await runAsync(join(ROOT, "build", "host", "k230js"), [APP, "push", `rtsp://127.0.0.1:${port}/av-${law}`, law, "4"], 30_000);
      expect(r.stdout).toContain("RECORDING");
      expect(r.stdout).not.toMatch(/ERROR/);
      const stats = JSON.parse(/STATS (.*)/.exec(r.stdout)![1]!) as { framesSent: number };
      expect(stats.framesSent).toBeGreaterThan(100); // ~4 s of 30 fps video and 25/s audio
      await new Promise((res) => setTimeout(res, 800)); // the server finishes the file after TEARDOWN
      const file = join(dir, `av-${law}.mkv`);
      const p = await runAsync("ffprobe", ["-v", "error", "-show_entries",
        "stream=index,codec_type,codec_name:packet=stream_index,pts_time,duration_time", "-of", "csv", file]);
      expect(p.stdout).toContain("h264");
      expect(p.stdout).toContain(law === "alaw" ? "pcm_alaw" : "pcm_mulaw");
      // the file's packets are in muxing (pts) order: compare each track's first and last pts
      const text = p.stdout.replace(/^stream,(\d+),([^,]+),(audio|video)$/gm, "stream,$1,$3");
      const pk = packets(text);
      const v = pk.filter((x) => x.stream === "video").map((x) => x.pts);
      const a = pk.filter((x) => x.stream === "audio").map((x) => x.pts);
      expect(v.length).toBeGreaterThan(60);
      expect(a.length).toBeGreaterThan(40);
      const endOffset = Math.max(...v) - Math.max(...a);
      console.log(`rtsp-live push ${law}: ${v.length} video, ${a.length} audio packets; last video pts - last audio pts ${endOffset.toFixed(3)} s`);
      // both tracks end when the app stops both pipes at once: on one clock they end together
      expect(Math.abs(endOffset)).toBeLessThan(AUDIO_FRAME_S + 1 / 30);
    }, 60_000);
  }
});

it("the server owns its sessions until close(); G.711 is alaw/ulaw (g711a/g711u aliases)", async () => {
  const r = await runAsync(join(ROOT, "build", "host", "k230js"), [APP, "api"], 30_000);
  expect(r.stderr).toBe("");
  const api = JSON.parse(/API (.*)/.exec(r.stdout)![1]!);
  expect(api.again).toBe("EBUSY"); // the dropped session is still there
  expect(api.listed).toEqual(["x"]);
  expect(api.alaw).toBe("ok");
  expect(api.ulaw).toBe("ok");
  expect(api.g711a).toBe("ok");
  expect(api.pusherAlaw).toBe("ok");
  expect(api.bad).toMatch(/TypeError|RangeError|audio/);
  expect(api.closedAfter).toBe("ECLOSED");
}, 30_000);
