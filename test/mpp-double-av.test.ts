// Decoder, display and audio of hal/k230 on the MPP double (test/mpp-double/README.md), with the
// simulator's assertions: every check runs on the simulator (build/host) and on the double of each
// MPP generation given (K230_MPP_DIR, K230_MPP_DIR_NEXT), and on the double also ends with zero
// violations and nothing left allocated.
//   K230_MPP_DIR=/path/to/mpp [K230_MPP_DIR_NEXT=...] npx vitest run test/mpp-double-av.test.ts
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDouble, doubleDir, expectClean, GENERATIONS, reports, voApi } from "./helpers/double.js";
import { ffmpeg, MEDIA_DIR, psnr, yuvFrames, yuvToRgb } from "./helpers/media.js";
import { cli, HOST_RUNTIME, ROOT, runAsync, tempDir } from "./helpers/run.js";

if (!process.env.K230_MPP_DIR)
  console.log("SKIP: test/mpp-double-av.test.ts: K230_MPP_DIR is not set (a canmv-k230/mpp checkout); only the simulator ran these checks");

const out = tempDir("mpp-double-av");
const APPS = {
  "video-decode": join(ROOT, "examples", "video-decode", "main.ts"),
  "display-check": join(ROOT, "test", "apps", "display-check.ts"),
  "audio-io": join(ROOT, "test", "apps", "audio-io.ts"),
  "media-reset-av": join(ROOT, "test", "apps", "media-reset-av.ts"),
};
type App = keyof typeof APPS;
const app = (name: App) => join(out, `${name}.js`);

// The 2.5 twin's clip: 800x480 (the ST7701 panel's landscape size), 60 pictures.
const W = 800, H = 480, N = 60;
let clip = "";

beforeAll(() => {
  for (const [name, src] of Object.entries(APPS)) {
    const r = cli(["build", src, "-o", app(name as App)]);
    expect(r.status, r.stderr).toBe(0);
  }
  mkdirSync(MEDIA_DIR, { recursive: true });
  clip = join(MEDIA_DIR, "vdec-800x480.264");
  if (!existsSync(clip))
    ffmpeg(["-f", "lavfi", "-i", `testsrc2=size=${W}x${H}:rate=30`, "-frames:v", String(N), "-c:v", "libx264", "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p", "-f", "h264", clip]);
}, 120_000);

const RUNTIMES = [
  { name: "the simulator", dir: join(ROOT, "build", "host"), gen: undefined },
  ...GENERATIONS.map((gen) => ({ name: `the MPP double (${gen.env}=${process.env[gen.env]})`, dir: doubleDir(gen), gen })),
];

for (const rt of RUNTIMES) {
  const runtime = rt.gen ? join(rt.dir, "k230js") : HOST_RUNTIME;
  const tag = rt.gen?.build ?? "host";
  const sd = join(out, `sd-${tag}`);
  mkdirSync(sd, { recursive: true });
  let n = 0;
  /** Runs an app; on the double its report goes to a file of its own. */
  const run = (name: App, args: string[], env: Record<string, string> = {}, timeout = 120_000) => {
    const report = join(out, `${tag}-${name}-${n++}.jsonl`);
    const r = spawnSync(runtime, ["--sdcard", sd, app(name), ...args], {
      cwd: ROOT, encoding: "utf8", timeout, env: { ...process.env, K230JS_DOUBLE_REPORT: report, ...env },
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", reports: reports(report) };
  };
  /** On the double: no violation, nothing left. On the simulator: nothing to account for. */
  const clean = (r: { reports: ReturnType<typeof reports> }) => {
    if (rt.gen) expectClean(r.reports);
  };
  /** Runs one of the existing test files on this runtime (K230JS_BUILD_DIR, test/helpers/run.ts). */
  const suite = async (file: string, filter: string, passed: number) => {
    const report = join(out, `${tag}-suite-${n++}.jsonl`);
    const r = await runAsync("env", [`K230JS_BUILD_DIR=${rt.dir}`, `K230JS_DOUBLE_REPORT=${report}`, process.execPath,
      join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", file, "-t", filter], 300_000);
    expect(r.code, `${r.stdout}${r.stderr}`.slice(-3000)).toBe(0);
    expect(r.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(new RegExp(`Tests\\s+${passed} passed`));
    if (rt.gen) expectClean(reports(report));
  };
  let display = true; // hal/k230's display is built where one of the MPP's VO APIs compiles

  describe(`decoder, display and audio on ${rt.name}`, () => {
    beforeAll(async () => {
      if (rt.gen) await buildDouble(rt.gen);
      if (rt.gen && !voApi(rt.gen)) {
        display = false;
        console.log(`SKIP: test/mpp-double-av.test.ts: ${rt.name}: the MPP's mpi_vo_api.h declares neither VO API hal/k230 is written for (or does not compile with its k_vo_comm.h), hal/k230 has no display there; only the clear ENOTSUP is checked`);
      } else if (rt.gen) {
        console.log(`mpp-double-av (${rt.gen.env}): the display on the ${voApi(rt.gen)} VO API`);
      }
    }, 900_000);

    it("without a VO API the display says ENOTSUP, clearly and cleanly", (ctx) => {
      if (display) return ctx.skip();
      const r = run("display-check", ["info", "VIRT", "640", "480"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("Display.init: cannot bring up VIRT 640x480: operation not supported");
      clean(r);
    });

    it("2.5 twin (video-decode): every picture decoded reaches the panel, as ffmpeg decodes it; PNG and Y4M sinks", (ctx) => {
      if (!display) return ctx.skip();
      rmSync(join(sd, "png"), { recursive: true, force: true });
      mkdirSync(join(sd, "png"));
      const y4m = join(sd, "shown.y4m");
      const r = run("video-decode", [clip, String(W), String(H)], { K230JS_SIM_DISPLAY: `y4m:${y4m}+png:${join(sd, "png")}:30` });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`decoded ${N} frames`);
      clean(r);
      // What the panel showed (as its viewer sees it), picture by picture, against ffmpeg's decode.
      expect(readFileSync(y4m).subarray(0, 40).toString()).toMatch(new RegExp(`^YUV4MPEG2 W${W} H${H} `));
      const shown = yuvFrames(y4m, W, H);
      const ref = yuvFrames(clip, W, H);
      expect(shown).toHaveLength(N);
      const worst = Math.min(...shown.map((f, i) => psnr(f, ref[i]!)));
      expect(worst).toBeGreaterThan(35);
      const pngs = readdirSync(join(sd, "png")).sort();
      expect(pngs).toEqual(["frame-000000.png", "frame-000030.png"]);
      const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", join(sd, "png", pngs[1]!)], { encoding: "utf8" });
      expect(probe.stdout.trim()).toBe(`png,${W},${H}`);
    });

    it("the live view (http:) serves what the panel shows", async (ctx) => {
      if (!display) return ctx.skip();
      const port = 21000 + (process.pid % 10000) + (rt.gen ? 1 + GENERATIONS.indexOf(rt.gen) : 0);
      const report = join(out, `${tag}-live.jsonl`);
      // Decode paced at 30 fps (2 s) and keep the last picture up for 4 s.
      const child = runAsync("env", [`K230JS_SIM_DISPLAY=http:${port}`, `K230JS_DOUBLE_REPORT=${report}`, runtime, "--sdcard", sd,
        app("video-decode"), clip, String(W), String(H), "4"], 30_000);
      let png: Buffer | undefined;
      for (let t = 0; t < 100 && !png; t++) {
        await new Promise((res) => setTimeout(res, 200));
        const res = await fetch(`http://127.0.0.1:${port}/frame.png`).catch(() => undefined);
        // The last picture: the decode is over after 2 s (and the start-up).
        if (res?.status === 200 && t > 20) png = Buffer.from(await res.arrayBuffer());
      }
      const c = await child;
      expect(c.stderr).toContain(`display live view on http://127.0.0.1:${port}/`);
      expect(c.code).toBe(0);
      expect(png).toBeDefined();
      const f = join(out, `${tag}-live.png`);
      writeFileSync(f, png!);
      // One of the clip's pictures (the decoder holds the last ones until the end of the stream),
      // through RGB and back: compared on luma.
      const seen = yuvFrames(f, W, H)[0]!.subarray(0, W * H);
      const best = Math.max(...yuvFrames(clip, W, H).map((ref) => psnr(seen, ref.subarray(0, W * H))));
      expect(best).toBeGreaterThan(40);
      if (rt.gen) expectClean(reports(report));
    }, 60_000);

    for (const panel of ["VIRT", "ST7701"] as const) {
      it(`layers on ${panel}: a picture on video1, ARGB8888 and RGB565 on OSD layers, write-back; OSD widths are multiples of 8, rectangles on the screen`, (ctx) => {
        if (!display) return ctx.skip();
        // The ST7701 is a portrait panel shown landscape: on the double its pictures are turned
        // on the way to the panel and back for its viewer and for the write-back.
        const [w, h] = panel === "ST7701" ? [800, 480] : [320, 240];
        const y4m = join(sd, `layers-${panel}.y4m`);
        rmSync(join(sd, "wb.nv12"), { force: true });
        const r = run("display-check", ["layers", "/sdcard", panel], { K230JS_SIM_DISPLAY: `y4m:${y4m}` });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ oddWidth: "EINVAL", offScreen: "EINVAL", wbSize: `${w}x${h}` });
        clean(r);
        const check = (pic: Uint8Array, what: string) => {
          const at = (x: number, y: number) => yuvToRgb(pic[y * w + x]!, pic[w * h + (y >> 1) * (w / 2) + (x >> 1)]!, pic[(w * h * 5) / 4 + (y >> 1) * (w / 2) + (x >> 1)]!);
          let bad = 0;
          for (const [x, y] of [[10, 10], [w - 20, h - 40], [40, 150]]) if (pic[y! * w + x!] !== ((x! + 2 * y!) & 255)) bad++;
          expect(bad, `${what}: the gradient on video1`).toBe(0);
          const [r1, g1, b1] = at(80, 80);
          expect(r1 > 200 && g1 < 60 && b1 < 60, `${what}: red ARGB square, got ${[r1, g1, b1]}`).toBe(true);
          const [r2, g2, b2] = at(176, 80);
          expect(g2 > 200 && r2 < 60 && b2 < 60, `${what}: green RGB565 square, got ${[r2, g2, b2]}`).toBe(true);
        };
        check(yuvFrames(y4m, w, h).at(-1)!, "the panel");
        // The write-back, NV12 -> yuv420p for the same check.
        const nv12 = readFileSync(join(sd, "wb.nv12"));
        const yuv = new Uint8Array((w * h * 3) / 2);
        yuv.set(nv12.subarray(0, w * h));
        for (let i = 0; i < (w * h) / 4; i++) {
          yuv[w * h + i] = nv12[w * h + 2 * i]!;
          yuv[(w * h * 5) / 4 + i] = nv12[w * h + 2 * i + 1]!;
        }
        check(yuv, "the write-back");
      });
    }

    it("panel modes report the rate of their timing; the virtual display runs at the rate asked", (ctx) => {
      if (!display) return ctx.skip();
      const info = (args: string[], env: Record<string, string> = {}) => {
        const r = run("display-check", ["info", ...args], env);
        expect(r.stderr).toBe("");
        clean(r);
        return JSON.parse(r.stdout);
      };
      expect(info(["ST7701", "800", "480"])).toMatchObject({ width: 800, height: 480, fps: 60 });
      expect(info(["ST7701", "854", "480"])).toMatchObject({ width: 854, height: 480, fps: 30 });
      const y4m = join(sd, "virt.y4m");
      expect(info(["VIRT", "640", "480", "30"], { K230JS_SIM_DISPLAY: `y4m:${y4m}` })).toMatchObject({ fps: 30 });
      expect(readFileSync(y4m).subarray(0, 40).toString()).toMatch(/^YUV4MPEG2 W640 H480 F30:1 /);
    });

    it("audio in -> audio out: sequence, timestamps and the tone heard; the WAV played is what was heard", () => {
      for (const channels of [1, 2]) {
        const wav = join(sd, `out-${channels}.wav`);
        const r = run("audio-io", ["50", "16000", String(channels), "320"],
          { K230JS_SIM_AUDIO_IN: "sine:1000", K230JS_SIM_AUDIO_OUT: `wav:${wav}`, K230JS_SIM_AUDIO_PACE: "0" });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ frames: 50, samples: 16000, badSeq: 0, badPts: 0, peak: 16383, hz: 1000 });
        clean(r);
        const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=sample_rate,channels,duration", "-of", "csv=p=0", wav], { encoding: "utf8" });
        expect(probe.stdout.trim()).toBe(`16000,${channels},1.000000`);
        const pcm = readFileSync(wav).subarray(44);
        let bad = 0;
        for (let i = 0; i < 16000; i++)
          for (let c = 0; c < channels; c++)
            if (pcm.readInt16LE((i * channels + c) * 2) !== Math.round(16383 * Math.sin((2 * Math.PI * 1000 * i) / 16000))) bad++;
        expect(bad).toBe(0);
      }
    });

    it.runIf(rt.gen)("AI frames shorter than configured (the MPP's frame.len) are read for what they hold", () => {
      // The double hands out every 5th frame half full: 40 x 320 + 10 x 160 samples.
      const wav = join(sd, "short.wav");
      const r = run("audio-io", ["50", "16000", "2", "320"],
        { K230JS_DOUBLE_AI_SHORT: "5", K230JS_SIM_AUDIO_IN: "sine:1000", K230JS_SIM_AUDIO_OUT: `wav:${wav}`, K230JS_SIM_AUDIO_PACE: "0" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ frames: 50, samples: 14400, badSeq: 0, badPts: 0, peak: 16383 });
      expect(Math.abs(j.hz - 1000)).toBeLessThanOrEqual(1);
      clean(r);
      const pcm = readFileSync(wav).subarray(44);
      expect(pcm.length).toBe(14400 * 4);
      let bad = 0;
      for (let i = 0; i < 14400; i++)
        for (let c = 0; c < 2; c++) if (pcm.readInt16LE((i * 2 + c) * 2) !== Math.round(16383 * Math.sin((2 * Math.PI * 1000 * i) / 16000))) bad++;
      expect(bad).toBe(0);
    });

    it("a WAV file as the microphone comes out of the speaker bit for bit", () => {
      const src = join(sd, "in.wav");
      ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=8000:duration=2", "-af", "volume=0.5", "-c:a", "pcm_s16le", src]);
      const wav = join(sd, "echo.wav");
      const r = run("audio-io", ["50", "8000", "1", "320"], { K230JS_SIM_AUDIO_IN: `wav:${src}`, K230JS_SIM_AUDIO_OUT: `wav:${wav}`, K230JS_SIM_AUDIO_PACE: "0" });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ frames: 50, samples: 16000, hz: 300 });
      clean(r);
      expect(readFileSync(wav).subarray(44).equals(readFileSync(src).subarray(-32000))).toBe(true);
    });

    it("soft reset with a decoder mid-stream (bound to the display where there is one), an OSD picture, a held microphone frame and a playing speaker", () => {
      const r = run("media-reset-av", [clip, ...(display ? [] : ["nodisplay"])], { K230JS_SIM_AUDIO_PACE: "0" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const runs = JSON.parse(r.stdout);
      for (const x of runs) {
        expect(x.leaked).toBeGreaterThanOrEqual(display ? 5 : 3);
        expect(x.after).toBe(0);
        expect(x.displayInited).toBe(false);
      }
      clean(r);
    });

    it.runIf(rt.gen)("the simulator's suites as they apply: the 2.2 twin (mp4.test.ts) and Mp4Recorder with audio (media.test.ts)", async () => {
      await suite("test/mp4.test.ts", "2.2", 1);
      await suite("test/media.test.ts", "Mp4Recorder", 3);
      await suite("test/audio.test.ts", "g711", 2);
    }, 600_000);
  });
}

