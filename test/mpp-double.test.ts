// hal/k230 on the MPP double (test/mpp-double/README.md): the board backend, unchanged, runs on
// the host against kd_mpi_* functions compiled from the real MPP headers, which enforce the
// vendor's rules and account for everything at exit. Runs when K230_MPP_DIR is set (the 2024
// MPP hal/k230 links against) and, with K230_MPP_DIR_NEXT, on the second MPP generation too.
//   K230_MPP_DIR=/path/to/mpp [K230_MPP_DIR_NEXT=/path/to/mpp-current] npx vitest run test/mpp-double.test.ts
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDouble, cmake as build, expectClean, GENERATIONS, reports, voApi } from "./helpers/double.js";
import { decodeErrors, grayFrames, probePackets, readStamp, SENSOR_ALIGNMENT } from "./helpers/media.js";
import { cli, ROOT, runAsync, tempDir } from "./helpers/run.js";

if (!process.env.K230_MPP_DIR)
  console.log("SKIP: test/mpp-double.test.ts: K230_MPP_DIR is not set (a canmv-k230/mpp checkout); hal/k230 did not run on the MPP double");

const out = tempDir("mpp-double");
const sd = join(out, "sd");
mkdirSync(sd, { recursive: true });
const APPS = {
  "mp4-record-lowlevel": join(ROOT, "examples", "mp4-record-lowlevel", "main.ts"),
  "rtsp-camera": join(ROOT, "examples", "rtsp-camera", "main.ts"),
  "camera-snapshot": join(ROOT, "examples", "camera-snapshot", "main.ts"),
  "media-encode": join(ROOT, "test", "apps", "media-encode.ts"),
  "media-record-twice": join(ROOT, "test", "apps", "media-record-twice.ts"),
  "sensor-formats": join(ROOT, "test", "apps", "sensor-formats.ts"),
  "sensor-alignment": join(ROOT, "test", "apps", "sensor-alignment.ts"),
  "encoder-create-fails": join(ROOT, "test", "apps", "encoder-create-fails.ts"),
  "display-check": join(ROOT, "test", "apps", "display-check.ts"),
};
const app = (name: keyof typeof APPS) => join(out, `${name}.js`);

beforeAll(() => {
  if (!GENERATIONS.length) return;
  for (const [name, src] of Object.entries(APPS)) {
    const r = cli(["build", src, "-o", app(name as keyof typeof APPS)]);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

it("configuring the k230-double build without K230_MPP_DIR fails with one clear message", async () => {
  const r = await build(["-S", join(ROOT, "firmware"), "-B", tempDir("k230-double-nompp"), "-DK230JS_PORT=k230-double"]);
  expect(r.status).not.toBe(0);
  const text = r.out.replace(/\s+/g, " "); // CMake wraps its messages
  expect(text).toContain("K230JS_PORT=k230-double needs the K230 MPP headers: K230_MPP_DIR is not set");
  expect(text).toContain("Hint: pass -DK230_MPP_DIR=");
});

for (const gen of GENERATIONS) {
  const mpp = process.env[gen.env]!;
  const dir = join(ROOT, "build", gen.build);
  const runtime = join(dir, "k230js");
  let n = 0;
  /** Runs an app on this generation's double; the double's report goes to a file of its own. */
  const dbl = (name: keyof typeof APPS, args: string[], env: Record<string, string> = {}, timeout = 120_000) => {
    const report = join(out, `${gen.build}-${name}-${n++}.jsonl`);
    const r = spawnSync(runtime, ["--sdcard", sd, app(name), ...args], {
      cwd: ROOT, encoding: "utf8", timeout, env: { ...process.env, K230JS_DOUBLE_REPORT: report, ...env },
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", reports: reports(report), report };
  };

  describe(`hal/k230 on the MPP double (${gen.env}=${mpp})`, () => {
    beforeAll(() => buildDouble(gen), 900_000);

    it("camera -> encoder -> MP4 (CanMV 2.1 twin): every frame written, upright pictures in order, no violation, nothing left", () => {
      const file = join(sd, `${gen.build}-lowlevel.mp4`);
      rmSync(file, { force: true });
      const r = dbl("mp4-record-lowlevel", [`/sdcard/${gen.build}-lowlevel.mp4`, "30"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expectClean(r.reports);
      const video = probePackets(file).filter((p) => p.stream === 0);
      expect(video).toHaveLength(30);
      expect(video[0]!.key).toBe(true);
      expect(decodeErrors(file)).toBe("");
      // The sensor is mounted upside down: only the probe's default mirror makes the stamps
      // (top rows) readable, and they count up.
      const stamps = grayFrames(file, 1280, 720).map((f) => readStamp(f, 1280));
      expect(stamps[0]).toBeGreaterThanOrEqual(0);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThan(stamps[i - 1]!);
    });

    it("camera -> RTSP (CanMV 2.6 twin): ffmpeg plays the stream, the app exits clean", async () => {
      const report = join(out, `${gen.build}-rtsp.jsonl`);
      const server = runAsync("env", [`K230JS_DOUBLE_REPORT=${report}`, runtime, app("rtsp-camera"), "4"], 30_000);
      await new Promise((res) => setTimeout(res, 1000));
      const ff = await runAsync("ffmpeg", ["-hide_banner", "-v", "error", "-rtsp_transport", "tcp", "-timeout", "5000000",
        "-i", "rtsp://127.0.0.1:8554/test", "-t", "2", "-map", "0:v", "-f", "framemd5", "-"], 20_000);
      const frames = ff.stdout.split("\n").filter((l) => l && !l.startsWith("#")).length;
      const s = await server;
      expect(s.stderr).toBe("");
      expect(s.code).toBe(0);
      expect(s.stdout).toContain("RTSP server start: rtsp://");
      expect(frames).toBeGreaterThan(20);
      expect(ff.stderr).toBe("");
      expectClean(reports(report));
    }, 60_000);

    it("records twice in one runtime, then a soft reset frees a leaked pipeline; nothing left at exit", () => {
      mkdirSync(join(sd, `${gen.build}-rt`), { recursive: true });
      const r = dbl("media-record-twice", [`/sdcard/${gen.build}-rt`, "30", "noaudio"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(j.afterRecord).toBe(0);
      expect(j.leaked).toBeGreaterThan(0);
      expect(j.afterReset).toBe(0);
      expect(j.closedCode).toBe("ECLOSED");
      for (let i = 0; i < 2; i++) {
        const file = join(sd, `${gen.build}-rt`, `rec${i}.mp4`);
        const video = probePackets(file).filter((p) => p.stream === 0);
        expect(video.length).toBe(j.results[i].frames);
        expect(video[0]!.key).toBe(true);
        expect(decodeErrors(file)).toBe("");
      }
      expectClean(r.reports);
    });

    it("camera snapshots into JS and a JPEG through the encoder (send_frame, VB_SUPPLEMENT_JPEG_MASK)", () => {
      const r = dbl("camera-snapshot", [`/sdcard/${gen.build}-snap.jpg`]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("640x480 NV12");
      const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", join(sd, `${gen.build}-snap.jpg`)], { encoding: "utf8" });
      expect(probe.stdout.trim()).toBe("mjpeg,640,480");
      expectClean(r.reports);
    });

    it("camera formats as the vendor maps them: RGB565 from RGB888, GRAYSCALE from NV12, width aligned to 16", () => {
      mkdirSync(join(sd, `${gen.build}-fmt`), { recursive: true });
      const r = dbl("sensor-formats", [`/sdcard/${gen.build}-fmt`]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const f = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(f).toEqual([
        { chn: 0, width: 336, height: 240, format: "NV12", stride: 336 },
        { chn: 1, width: 320, height: 240, format: "RGB565", stride: 640 },
        { chn: 2, width: 320, height: 240, format: "GRAYSCALE", stride: 320 },
      ]);
      const raw = (c: number) => readFileSync(join(sd, `${gen.build}-fmt`, `chn${c}.raw`));
      expect(readStamp(raw(0), 336)).toBeGreaterThanOrEqual(0);
      expect(readStamp(raw(2), 320)).toBeGreaterThanOrEqual(0);
      // RGB565 little-endian -> luma; the stamp cells are pure black and white.
      const rgb = raw(1);
      const luma = new Uint8Array(320 * 240);
      for (let i = 0; i < luma.length; i++) {
        const p = rgb[2 * i]! | (rgb[2 * i + 1]! << 8);
        luma[i] = Math.round((((p >> 11) << 3) * 299 + (((p >> 5) & 63) << 2) * 587 + ((p & 31) << 3) * 114) / 1000);
      }
      expect(readStamp(luma, 320)).toBeGreaterThanOrEqual(0);
      expectClean(r.reports);
    });

    it("camera channel alignment as the app asks (VICAP alignment), the encoder taking 12 only, as on the simulator", () => {
      const r = dbl("sensor-alignment", []);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual(SENSOR_ALIGNMENT);
      expectClean(r.reports);
    });

    it("a failed encoder create leaves no output pool behind", () => {
      // A loadable library without the codec entry points: the MPP's create fails after the
      // output buffers were set up.
      const r = dbl("encoder-create-fails", [], { K230JS_SIM_CODECS: "/lib/x86_64-linux-gnu/libm.so.6" });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ code: "ENOTSUP", total: 0 });
      expectClean(r.reports);
    });

    it("the simulator's own encoder assertions (test/media.test.ts, Encoder) pass on it", async () => {
      // The same test file, its runtime chosen by K230JS_BUILD_DIR (test/helpers/run.ts).
      const report = join(out, `${gen.build}-media-suite.jsonl`);
      const r = await runAsync("env", [`K230JS_BUILD_DIR=${dir}`, `K230JS_DOUBLE_REPORT=${report}`, process.execPath,
        join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "test/media.test.ts", "-t", "Encoder"], 300_000);
      expect(r.code, `${r.stdout}${r.stderr}`.slice(-3000)).toBe(0);
      expect(r.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/Tests\s+4 passed/);
      expectClean(reports(report));
    }, 300_000);

    it("the bring-up kit (k230js doctor) passes every row on it, the device left clean", async () => {
      // What the first person with a board runs (issue 10 item 7), on hal/k230 over the double. A
      // generation with a VO API (either) must pass the display row; one whose VO API does not
      // compile has no display: that row must say so exactly.
      const report = join(out, `${gen.build}-doctor.jsonl`);
      const card = tempDir(`doctor-${gen.build}`);
      const r = await runAsync("env", [`K230JS_BUILD_DIR=${dir}`, `K230JS_DOUBLE_REPORT=${report}`, process.execPath,
        join(ROOT, "tools", "flash", "bin", "k230js.mjs"), "doctor", "--json", "--sdcard", card], 300_000);
      const res = JSON.parse(r.stdout) as { rows: { row: string; ok: boolean; text: string }[] };
      expect(res.rows.map((x) => x.row)).toEqual(["runtime", "memory", "sd", "vb", "sensor", "h264", "h265", "rtsp", "display", "audio-in", "audio-out"]);
      for (const row of res.rows) {
        if (row.row === "display" && !voApi(gen)) {
          expect(row.ok).toBe(false);
          expect(row.text).toContain("operation not supported");
          console.log(`mpp-double (${gen.env}): doctor's display row: ${row.text} (no VO API in these headers)`);
          continue;
        }
        expect(row.ok, `${row.row}: ${row.text}`).toBe(true);
      }
      expectClean(reports(report));
    }, 300_000);

    it("a deliberately broken call order (test-build switch) fails with the vendor citation", () => {
      const r = dbl("media-encode", ["/sdcard/broken.h264", "h264", "5", "320x240", "0"], { K230JS_DOUBLE_BREAK: "venc-destroy-before-stop" });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain("mpp-double: VIOLATION VENC-STOP-BEFORE-DESTROY: kd_mpi_venc_destroy_chn(0) while started (canmv-k230/mpp@a94906c:userapps/api/mpi_venc_api.h:95");
      expect(r.reports.map((x) => x.violations)).toEqual([1]);
      console.log(`mpp-double (${gen.env}): ${r.reports[0]!.generation}, ${r.reports[0]!.rules} rules`);
    });

    it("a display taken down in the wrong order on the layer-id VO API fails with the vendor citation", (ctx) => {
      if (voApi(gen) !== "layer-id") return ctx.skip();
      // The VO device cleared while layers and the write-back are still on (kd_display_deinit
      // disables them first).
      mkdirSync(join(sd, `${gen.build}-brk`), { recursive: true });
      const r = dbl("display-check", ["layers", `/sdcard/${gen.build}-brk`], { K230JS_DOUBLE_BREAK: "display-clear-before-disable" });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain("mpp-double: VIOLATION VO-CLEAR-AFTER-DISABLE: kd_mpi_vo_clr_dev_attr with 3 layer(s) and the write-back (on) still enabled (sgf201/k230_pangofly@1aea4ae:src/rtsmart/mpp/userapps/src/framework/kd_display.c:129");
      expect(r.reports.map((x) => x.violations)).toEqual([1]);
      expect(r.reports[0]!.leakItems).toEqual([]);
    });
  });
}
