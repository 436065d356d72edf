// bench/dev: how long `k230js dev` takes from a save to the new app's first line on the simulator
// (type-check, bundle, stop the old app, start the new one), median of 5 saves; goal: under 2 s.
// Peer: what a user does without dev, a fresh `k230js run app.ts` (the same app, the same check).
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, ROOT } from "../lib/measure.mjs";

const CLI = join(ROOT, "tools", "flash", "bin", "k230js.mjs");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const GOAL_MS = 2000;

const app = (n) => `import { ticksMs } from "k230:sys";\nconst started: number = ticksMs();\nconsole.log("version ${n}", started >= 0);\nsetInterval(() => {}, 1000);\n`;

function waitFor(child, text, timeoutMs = 20_000) {
  return new Promise((res, rej) => {
    let buf = "";
    const t = setTimeout(() => rej(new Error(`'${text}' never appeared: ${buf}`)), timeoutMs);
    const on = (d) => {
      buf += d;
      if (buf.includes(text)) {
        clearTimeout(t);
        child.stdout.off("data", on);
        res(performance.now());
      }
    };
    child.stdout.on("data", on);
  });
}

export default async function dev() {
  const dir = join(ROOT, "bench", "out", "dev");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "app.ts");
  const env = { ...process.env, K230JS_CACHE_DIR: join(dir, "cache") };
  writeFileSync(entry, app(0));
  const child = spawn(process.execPath, [CLI, "dev", entry, "--sdcard", join(dir, "sd")], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const rerun = [];
  try {
    await waitFor(child, "version 0 true");
    for (let i = 1; i <= RUNS; i++) {
      const seen = waitFor(child, `version ${i} true`);
      await new Promise((r) => setTimeout(r, 300)); // a person's pause between saves
      const t0 = performance.now();
      writeFileSync(entry, app(i));
      rerun.push((await seen) - t0);
    }
  } catch (e) {
    throw new Error(`${e.message}\n${err}`);
  } finally {
    child.kill("SIGINT");
  }
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    writeFileSync(entry, app(100 + i));
    const t0 = performance.now();
    const c = spawn(process.execPath, [CLI, "run", entry, "--sdcard", join(dir, "sd")], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    cold.push((await waitFor(c, `version ${100 + i} true`)) - t0);
    c.kill("SIGINT");
  }
  const ours = median(rerun);
  if (ours > GOAL_MS) console.error(`bench dev: rerun median ${ours.toFixed(0)} ms misses the ${GOAL_MS} ms goal`);
  return [{ bench: "dev", case: `save -> new app's first line, median of ${RUNS} (goal < ${GOAL_MS} ms)`, unit: "ms", ours, peer: median(cold), peerName: "k230js run (fresh process)" }];
}
