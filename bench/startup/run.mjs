// bench/startup: time to first user line and peak RSS of k230js against the floor (the same
// engine embedded with nothing else), for an empty app and a 1 MB bundle, source and bytecode.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOST, median, ROOT, timeToFirstLine } from "../lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function makeApps(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "empty.js"), 'console.log("ready");\n');
  // ~1 MB of realistic bundle: many small functions and a data table, all parsed at start.
  let big = "";
  for (let i = 0; big.length < 1_000_000; i++) {
    big += `export function f${i}(a, b) { const t = [${i}, a, b, "s${i}"]; return t.length + a * ${i} - (b ?? 0); }\n`;
  }
  big += 'console.log("ready", typeof f1);\n';
  writeFileSync(join(dir, "big.js"), big);
  for (const name of ["empty", "big"]) {
    execFileSync(join(HOST, "k230jsc"), ["-o", join(dir, `${name}.bin`), join(dir, `${name}.js`)]);
  }
}

async function sample(cmd, file) {
  const t = [];
  const r = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await timeToFirstLine(cmd, [file]);
    t.push(m.firstLineMs);
    r.push(m.maxRssKiB);
  }
  return { ms: median(t), rssKiB: median(r) };
}

export default async function startup() {
  const dir = join(ROOT, "bench", "out", "startup");
  makeApps(dir);
  const rows = [];
  for (const app of ["empty", "big"]) {
    for (const form of ["js", "bin"]) {
      const file = join(dir, `${app}.${form}`);
      const ours = await sample(join(HOST, "k230js"), file);
      const floor = await sample(join(HOST, "bench-startup", "bench_qjs_floor"), file);
      const label = `${app === "big" ? "1 MB bundle" : "empty app"}, ${form === "js" ? "source" : "bytecode"}`;
      rows.push({ bench: "startup", case: `${label}: first line`, unit: "ms", ours: ours.ms, peer: floor.ms, peerName: "engine floor" });
      rows.push({ bench: "startup", case: `${label}: peak RSS`, unit: "KiB", ours: ours.rssKiB, peer: floor.rssKiB, peerName: "engine floor" });
    }
  }
  return rows;
}
