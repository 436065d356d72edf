// bench/timers: the event loop at scale against Node's timers, the same script (work.js) on both
// in the same run: 100 000 setTimeout (half cleared before they fire) and 100 000 setInterval
// (each cleared by itself on its second run) — set, fired and cleared. Goal: well under a second
// (with the sorted-list timers of before, 100 000 took more than a minute). Wall time from the
// script's own Date.now(), and the process's CPU time (user + sys); min/median/max of
// BENCH_RUNS (default 5) runs each.
//   peer: node bench/timers/work.js
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { HOST, median, ROOT } from "../lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WORK = join(ROOT, "bench", "timers", "work.js");

function sample(cmd) {
  const ms = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync("/usr/bin/time", ["-f", "CPU %U %S", cmd, WORK], { encoding: "utf8", timeout: 120_000 });
    const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`${cmd} ${WORK} failed (${r.status}): ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split("\n").at(-1));
    if (res.timeouts !== 50000 || res.ticks !== 200000 || res.cleared !== 150000) throw new Error(`${cmd}: wrong counts ${r.stdout}`);
    ms.push(res.ms);
    cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { ms, cpu };
}

const spread = (xs) => `min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;

export default async function timers() {
  const ours = sample(join(HOST, "k230js"));
  const node = sample(process.execPath);
  const peerName = `node ${process.version} work.js`;
  const what = "100k timeouts (50k cleared) + 100k intervals (x2, cleared)";
  return [
    {
      bench: "timers",
      case: `${what}: wall time, goal < 1000 ms (k230js ${spread(ours.ms)}; node ${spread(node.ms)})`,
      unit: "ms",
      ours: median(ours.ms),
      peer: median(node.ms),
      peerName,
    },
    {
      bench: "timers",
      case: `${what}: CPU time (k230js ${spread(ours.cpu)}; node ${spread(node.cpu)})`,
      unit: "ms",
      ours: median(ours.cpu),
      peer: median(node.cpu),
      peerName,
    },
  ];
}
