// bench/media: the per-frame cost of sensor -> venc -> JS getStream -> releaseStream against the
// same path bound in C (encoder.pipeTo(new NullSink())), in one run; bytes copied per frame
// (MediaManager.stats() copy counters; goal 0); JS heap growth over 10 000 frames (goal flat).
//
// 320x240 H.264 from the pattern sensor at 60 fps, delivered 4x faster than real time
// (K230JS_SIM_SENSOR_PACE=4; pts unchanged) so 10 000 frames take about 40 s per path. CPU time
// is the whole process's (every thread: sensor, x264, loop) read from /proc/<pid>/stat at the
// app's "mark" lines, after a warm-up, divided by the frames between the marks. The encode
// dominates and is the same on both paths; the JS (or loop) thread's own CPU time, read from
// /proc/<pid>/task/<pid>/schedstat (ns, not ticks), isolates what consuming a frame costs on
// each path. That includes waking up per frame, which is expensive on a virtual machine (an
// idle 4 ms setInterval costs ~40 µs of CPU per wake-up on the machine this was written on).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HOST, ROOT } from "../lib/measure.mjs";

const FRAMES = Number(process.env.BENCH_MEDIA_FRAMES ?? 10000);
const WARMUP = 500;
const PACE = process.env.BENCH_MEDIA_PACE ?? "4";
const DIR = join(ROOT, "bench", "out", "media");
const TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** utime + stime in seconds from a proc(5) stat file (fields 14 and 15). */
function cpuSeconds(path) {
  const stat = readFileSync(path, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

function runApp(app, mode) {
  return new Promise((res, rej) => {
    const child = spawn(join(HOST, "k230js"), [app, mode, String(FRAMES), String(WARMUP)], {
      env: { ...process.env, K230JS_SIM_SENSOR_PACE: PACE },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const marks = [];
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /^mark (\d+)$/.exec(line);
        if (m)
          marks.push({
            frames: Number(m[1]),
            cpu: cpuSeconds(`/proc/${child.pid}/stat`), // every thread
            main: Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, "utf8").split(" ")[0]) / 1e9, // JS/loop thread
            wall: performance.now(),
          });
        else if (line.startsWith("{")) marks.result = JSON.parse(line);
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("error", rej);
    child.on("exit", (code) => {
      if (code !== 0 || marks.length !== 2 || !marks.result) return rej(new Error(`bench media ${mode} failed (${code}): ${err}`));
      const [a, b] = marks;
      const n = b.frames - a.frames;
      res({
        ...marks.result,
        cpuUsPerFrame: ((b.cpu - a.cpu) * 1e6) / n,
        mainUsPerFrame: ((b.main - a.main) * 1e6) / n,
        fps: (n * 1000) / (b.wall - a.wall),
      });
    });
  });
}

export default async function media() {
  mkdirSync(DIR, { recursive: true });
  const app = join(DIR, "app.js");
  execFileSync(process.execPath, [join(ROOT, "tools", "flash", "dist", "k230js.mjs"), "build", join(ROOT, "bench", "media", "app.ts"), "-o", app], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const js = await runApp(app, "js");
  const c = await runApp(app, "c");
  const note = (s) => process.stderr.write(`bench media: ${s}\n`);
  for (const r of [js, c]) {
    if (r.held !== 0) throw new Error(`${r.mode} path left ${r.held} HAL objects held`);
    note(`${r.mode} path: ${r.frames} frames at ${r.fps.toFixed(0)} fps, ${r.cpuUsPerFrame.toFixed(0)} µs CPU/frame ` +
      `(JS/loop thread ${r.mainUsPerFrame.toFixed(1)} µs), ` +
      `${r.dropped} input frames dropped by the encoder, ${r.copied} bytes copied`);
  }
  const frameBytes = (320 * 240 * 3) / 2;
  const heap = js.heap.filter((h) => h > 0);
  note(`JS heapUsed every 1000 frames: ${heap.join(" ")}`);
  const rows = [
    { case: "sensor->venc->consumer, 320x240 H.264: CPU per frame, JS getStream/release vs pipeTo(NullSink)", unit: "µs", ours: js.cpuUsPerFrame, peer: c.cpuUsPerFrame, peerName: "same path bound in C" },
    { case: "the same, JS/loop thread only: getStream+release in JS vs the pipe's drain in C", unit: "µs", ours: js.mainUsPerFrame, peer: c.mainUsPerFrame, peerName: "same path bound in C" },
    { case: "JS getStream/release: bytes copied per frame (goal 0)", unit: "B", ours: js.copied / js.frames, peer: frameBytes, peerName: "one NV12 frame copy" },
    { case: "pipeTo(NullSink): bytes copied per frame (goal 0)", unit: "B", ours: c.copied / c.frames, peer: frameBytes, peerName: "one NV12 frame copy" },
    { case: `JS heap growth, frame 1000 -> ${FRAMES} (goal flat)`, unit: "B", ours: heap.at(-1) - heap[0], peer: heap[0], peerName: "heapUsed at frame 1000" },
  ];
  return rows.map((r) => ({ bench: "media", ...r }));
}
