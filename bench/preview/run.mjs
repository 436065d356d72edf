// bench/preview: the display's live preview over the console link (`k230js preview`; issue 15
// asks for at least 10 fps of 800x480 over USB CDC at 2 MB/s and 2 fps over a 921600-baud UART,
// without slowing the app's own media path by more than 5%).
//
// The line: bench/transfer/relay.mjs throttles the simulator's pty to the line's bytes/s (8N1 =
// baud / 10), as in bench/transfer. The app (bench/preview/app.ts) runs over the link as `run`
// runs it: a camera at 30 fps whose 320x240 channel goes into an H.264 encoder piped in C to a
// NullSink (the app's media path, as in bench/media) and whose 800x480 channel is on a virtual
// display brought up with toIde: true. The camera is a camera-like picture (ffmpeg's testsrc2
// with temporal noise, ~29 KB per JPEG at the default quality; raw Y4M, so reading it costs next
// to nothing). The host side is the CLI's own client and Preview (bench/preview/client.ts), asked
// for the goal's rate; the UART's rate is told as `--baud 921600` does, USB CDC's is not.
//
// Rate: per line, between the app's marks (after a warm-up): pictures per second completed on
// the host and the link's use, with the camera in real time; and the CPU per media frame of the
// runtime's loop thread with the preview on and off (what the preview costs the app's own thread:
// the write-back, the copy into the encoder, the framing; on the board the JPEG encoding is the
// VENC hardware's, here FFmpeg's mjpeg on a thread of its own, so the whole process's CPU is
// shown on stderr only).
// The console meanwhile: with the app running in the background (its timers), a 128 KiB upload
// (`fs cp`) and an exec round trip (a REPL line), with the preview on against off.
// Media path: the camera 20x faster than real time (K230JS_SIM_SENSOR_PACE; 600 frames/s offered,
// more than the path does here; BENCH_PREVIEW_PACE changes it) so the path runs flat out; its
// frame rate with the preview on (USB CDC, 10 fps) against off, runs alternating on the same
// link, BENCH_PREVIEW_RUNS (5) of each, min/median/max: the "not slower than 5%" row. Here the
// JPEG encoding takes CPU from the same two cores the path runs on; on the board it is VENC's.
// BENCH_PREVIEW_SECONDS (10): the length of each run in camera time; BENCH_PREVIEW_LINES: only
// the lines whose names contain one of these (comma-separated).
// Goals: the rate goal is judged on what the line carries when asked for more than it can (30 on
// USB CDC, 10 on the UART); the rows at the goal's own rate show that rate holds, and what the
// preview costs the loop thread and the console.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadClient, openLine } from "../lib/line.mjs";
import { HOST, median, ROOT } from "../lib/measure.mjs";

const OUT = join(ROOT, "bench", "out", "preview");
const CLIP = join(OUT, "scene-800x480.y4m");
const sha = (b) => createHash("sha256").update(b).digest("hex");
const TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const SECONDS = Number(process.env.BENCH_PREVIEW_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_PREVIEW_RUNS ?? 5);
const PACE = Number(process.env.BENCH_PREVIEW_PACE ?? 20);

// fps: the goal's rate (issue 15), asked for; most: a rate beyond what the line carries, asked for
// to show how many pictures it does carry.
const LINES = [
  { name: "USB CDC 2 MB/s", rate: 2_000_000, told: 0, fps: 10, most: 30 },
  { name: "UART 921600", rate: 92_160, told: 92_160, fps: 2, most: 10 },
];

function prepare() {
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(CLIP))
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=800x480:rate=30,noise=alls=24:allf=t", "-frames:v", "60", "-pix_fmt", "yuv420p", CLIP]);
  const app = join(OUT, "app.js");
  execFileSync(process.execPath, [join(ROOT, "tools", "flash", "dist", "k230js.mjs"), "build", join(ROOT, "bench", "preview", "app.ts"), "-o", app], { stdio: ["ignore", "ignore", "inherit"] });
  return readFileSync(app, "utf8");
}

/** utime + stime of a process in seconds (every thread; clock ticks). */
function cpu(path) {
  const stat = readFileSync(path, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** Run time of one thread in seconds, from schedstat (nanoseconds, not ticks). */
function threadCpu(pid) {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
}

/** One run of the app over the link; with `preview` the pictures flow meanwhile. */
async function runApp(c, pid, app, frames, preview) {
  const marks = [];
  let out = "";
  let err = "";
  const src = `globalThis.scriptArgs = ${JSON.stringify(["app.js", String(frames), "60"])};${app}`;
  const status = await c.exec(src, {
    module: true,
    name: "app.js",
    onStdout: (b) => {
      out += b;
      for (let nl; (nl = out.indexOf("\n")) >= 0; ) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /^mark (\d+) (\d+)$/.exec(line);
        if (m)
          marks.push({
            frames: Number(m[1]),
            ms: Number(m[2]),
            proc: cpu(`/proc/${pid}/stat`),
            loop: threadCpu(pid),
            rx: c.rxBytes,
            pictures: preview ? preview.stats().pictures : 0,
            at: performance.now(),
          });
      }
    },
    onStderr: (b) => (err += b),
  });
  if (status !== 0 || marks.length !== 2) throw new Error(`bench preview app failed (${status}): ${err}`);
  const [a, b] = marks;
  const n = b.frames - a.frames;
  const s = (b.at - a.at) / 1000;
  return {
    mediaFps: (n * 1000) / (b.ms - a.ms),
    loopUsPerFrame: ((b.loop - a.loop) * 1e6) / n,
    procUsPerFrame: ((b.proc - a.proc) * 1e6) / n,
    pictureFps: (b.pictures - a.pictures) / s,
    linkBytesPerS: (b.rx - a.rx) / s,
    board: preview?.board,
  };
}

/** Upload time and exec round trip while the app runs in the background, preview on and off. */
async function console_(lib, c, line, app, sd) {
  writeFileSync(join(sd, "app.js"), app);
  const data = Buffer.alloc(128 << 10, 0x5a);
  const out = {};
  for (const fps of [line.fps, 0]) {
    await c.softReset();
    // Not awaited: the app goes on in the background while the console is used.
    await c.exec(`globalThis.scriptArgs = ["app.js", "100000", "60"]; import("/sdcard/app.js");`, { onStdout: () => {} });
    const p = fps ? new lib.Preview(c, { fps, rate: line.told, quality: 0 }) : null;
    await p?.start();
    await new Promise((r) => setTimeout(r, 1500));
    let t0 = performance.now();
    await c.writeFile("/sdcard/up.bin", data);
    const upload = (performance.now() - t0) / 1000;
    if (sha(readFileSync(join(sd, "up.bin"))) !== sha(data)) throw new Error(`bench preview: ${line.name}: the upload arrived wrong`);
    const rtts = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      await c.exec("0", { onStdout: () => {} });
      rtts.push(performance.now() - t0);
    }
    out[fps ? "on" : "off"] = { upload, rtt: median(rtts), pictures: p?.stats().pictures ?? 0 };
    await p?.stop();
  }
  await c.softReset();
  return out;
}

/** The simulator behind the line, and runs of the app, each with the preview at the rate `plan`
 * says (0: off); `extra(c, sd)` then. */
async function measureLine(lib, app, line, pace, plan, extra) {
  const { c, sd, pid, close } = await openLine(lib, line, { env: { K230JS_SIM_SENSOR: `file:${CLIP}`, K230JS_SIM_SENSOR_PACE: String(pace) } });
  const frames = 60 + 30 * pace * SECONDS;
  try {
    const out = [];
    for (const fps of plan) {
      await c.softReset();
      const p = fps ? new lib.Preview(c, { fps, rate: line.told, quality: 0 }) : null;
      await p?.start();
      out.push({ on: fps > 0, ...(await runApp(c, pid, app, frames, p)) });
      await p?.stop();
    }
    if (extra) out.push(await extra(c, sd));
    return out;
  } finally {
    await close();
  }
}

const verdict = (ok) => (ok ? "pass" : "FAIL");

export default async function preview() {
  if (!existsSync(join(HOST, "k230js"))) throw new Error("build/host/k230js is not built (npm run setup)");
  const app = prepare();
  const lib = await loadClient(join(ROOT, "bench", "preview", "client.ts"), OUT);
  const rows = [];
  const only = process.env.BENCH_PREVIEW_LINES?.split(",");
  for (const line of LINES.filter((l) => !only || only.some((o) => l.name.includes(o)))) {
    const [on, off, most, cons] = await measureLine(lib, app, line, 1, [line.fps, 0, line.most], (c, sd) => console_(lib, c, line, app, sd));
    const say = (r, asked) =>
      `${r.pictureFps.toFixed(2)} pictures/s (asked ${asked}), link ${(r.linkBytesPerS / 1000).toFixed(1)} kB/s = ${((100 * r.linkBytesPerS) / line.rate).toFixed(1)}% of the line, JPEG quality ${r.board?.quality}, ${r.board?.dropped} skipped on the board`;
    process.stderr.write(
      `bench preview: ${line.name}: ${say(on, line.fps)}; ${say(most, line.most)}; media ${on.mediaFps.toFixed(1)} fps on / ${off.mediaFps.toFixed(1)} off; loop thread ${on.loopUsPerFrame.toFixed(0)} / ${off.loopUsPerFrame.toFixed(0)} us per media frame; process ${on.procUsPerFrame.toFixed(0)} / ${off.procUsPerFrame.toFixed(0)} us per media frame\n` +
        `bench preview: ${line.name}: console with the app in the background: upload ${cons.on.upload.toFixed(2)} s / ${cons.off.upload.toFixed(2)} s, exec round trip ${cons.on.rtt.toFixed(1)} / ${cons.off.rtt.toFixed(1)} ms (preview on, ${cons.on.pictures} pictures / off)\n`,
    );
    rows.push(
      // The goal (issue 15): what the line carries when asked for more than it can.
      { bench: "preview", case: `${line.name}: 800x480 pictures/s, asked ${line.most}`, unit: "fps", ours: most.pictureFps, peer: null, higherIsBetter: true,
        goal: `>= ${line.fps} fps`, verdict: verdict(most.pictureFps >= line.fps) },
      { bench: "preview", case: `${line.name}: 800x480 pictures/s, asked ${line.fps}`, unit: "fps", ours: on.pictureFps, peer: line.fps, peerName: "the rate asked for", higherIsBetter: true },
      { bench: "preview", case: `${line.name}: share of the line, asked ${line.fps}`, unit: "%", ours: (100 * on.linkBytesPerS) / line.rate, peer: 100, peerName: "the line" },
      { bench: "preview", case: `${line.name}: loop thread CPU per media frame, asked ${line.fps}`, unit: "us", ours: on.loopUsPerFrame, peer: off.loopUsPerFrame, peerName: "the same app, preview off" },
      { bench: "preview", case: `${line.name}: 128 KiB upload (verified) during the preview`, unit: "s", ours: cons.on.upload, peer: cons.off.upload, peerName: "the same, preview off" },
      { bench: "preview", case: `${line.name}: exec round trip during the preview`, unit: "ms", ours: cons.on.rtt, peer: cons.off.rtt, peerName: "the same, preview off" },
    );
  }
  // Alternating runs (on, off, on, ...) on one line, so load drifting falls on both alike.
  const plan = Array.from({ length: 2 * RUNS }, (_, i) => (i % 2 === 0 ? LINES[0].fps : 0));
  const runs = await measureLine(lib, app, LINES[0], PACE, plan);
  const fps = (on) => runs.filter((r) => r.on === on).map((r) => r.mediaFps);
  const pics = median(runs.filter((r) => r.on).map((r) => r.pictureFps));
  rows.push({
    bench: "preview", case: `media path fps, camera ${PACE}x real time, preview on (${LINES[0].name}, asked ${LINES[0].fps}: ${pics.toFixed(1)} pictures/s)`, unit: "fps",
    oursRuns: fps(true), peerRuns: fps(false), peerName: "the same app, preview off", higherIsBetter: true,
    goal: { min: 0.95, text: ">= 0.95x (at most 5% slower)" },
  });
  return rows;
}
