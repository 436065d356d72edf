// bench/startup: a 1 MB bundle started from bytecode against the same bundle from source, both
// in k230js, runs interleaved: time and CPU to the app's first line, CPU of the whole process,
// and the file sizes. Then k230js against the engine floor (the same pinned engine with nothing
// else, bench/startup/qjs_floor.c) for an empty app and the 1 MB bundle.
//
// The bytecode is what `k230js build --bytecode` makes: `k230jsc -s` (source text left out, line
// tables kept). Each app prints "ready" as its last top-level statement and then idles 200 ms on
// a timer, so the CPU read at that line (bench_runstat, schedstat) never races the teardown.
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandLine, HOST, interleave, ROOT, runstat } from "../lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const DIR = join(ROOT, "bench", "out", "startup");
const GOAL = 12; // issue 14: bytecode at least 12x faster than source for the 1 MB bundle

function makeApps() {
  mkdirSync(DIR, { recursive: true });
  // The floor has no timers: it skips the idle.
  const tail = 'console.log("ready");\nglobalThis.setTimeout?.(() => {}, 200);\n';
  writeFileSync(join(DIR, "empty.js"), tail);
  // ~1 MB of realistic bundle: many small functions and a data table, all parsed at start.
  let big = "";
  for (let i = 0; big.length < 1_000_000; i++) {
    big += `export function f${i}(a, b) { const t = [${i}, a, b, "s${i}"]; return t.length + a * ${i} - (b ?? 0); }\n`;
  }
  writeFileSync(join(DIR, "big.js"), `${big}if (typeof f1 !== "function") throw new Error("f1");\n${tail}`);
  const jsc = join(HOST, "k230jsc");
  for (const name of ["empty", "big"]) execFileSync(jsc, ["-s", "-o", join(DIR, `${name}.bin`), join(DIR, `${name}.js`)]);
  execFileSync(jsc, ["-o", join(DIR, "big-with-source.bin"), join(DIR, "big.js")]);
}

export default async function startup() {
  makeApps();
  const k230js = join(HOST, "k230js");
  const floor = join(HOST, "bench-startup", "bench_qjs_floor");
  const file = (n) => join(DIR, n);
  const run = (cmd, f) => ({ run: () => runstat(cmd, [f], { marker: "ready" }) });
  const [bin, js, fBin, fJs, kEmpty, fEmpty] = await interleave(RUNS, [
    run(k230js, file("big.bin")),
    run(k230js, file("big.js")),
    run(floor, file("big.bin")),
    run(floor, file("big.js")),
    run(k230js, file("empty.js")),
    run(floor, file("empty.js")),
  ]);
  const col = (rs, k) => rs.map((r) => r[k]);
  const rows = [];
  const row = (r) => rows.push({ bench: "startup", ...r });
  const vsSource = {
    peerName: "k230js, the bundle as source",
    oursCmd: commandLine(k230js, [file("big.bin")]),
    peerCmd: commandLine(k230js, [file("big.js")]),
    goal: { max: +(1 / GOAL).toFixed(4), text: `>= ${GOAL}x faster (<= ${(1 / GOAL).toFixed(3)}x)` },
  };
  row({ case: "1 MB bundle from bytecode vs source: time to first line", unit: "ms",
    oursRuns: col(bin, "firstLineMs"), peerRuns: col(js, "firstLineMs"), ...vsSource });
  row({ case: "1 MB bundle from bytecode vs source: CPU to first line", unit: "ms",
    oursRuns: col(bin, "firstLineCpuMs"), peerRuns: col(js, "firstLineCpuMs"), ...vsSource });
  // Teardown frees the 10 000 functions, the same work from either form (the board needs it for soft
  // reset and the REPL): context, with the engine's own ratio for the same whole process beside it.
  const { goal: _startGoal, ...vsSourceNoGoal } = vsSource;
  row({ case: "1 MB bundle from bytecode vs source: CPU of the whole process (teardown included)", unit: "ms",
    oursRuns: col(bin, "cpuMs"), peerRuns: col(js, "cpuMs"), ...vsSourceNoGoal });
  row({ case: "engine floor, 1 MB bundle from bytecode vs source: CPU of the whole process (teardown included)", unit: "ms",
    oursRuns: col(fBin, "cpuMs"), peerRuns: col(fJs, "cpuMs"), peerName: "engine floor, the bundle as source",
    oursCmd: commandLine(floor, [file("big.bin")]), peerCmd: commandLine(floor, [file("big.js")]) });
  const size = (n) => statSync(file(n)).size / 1024;
  row({ case: "1 MB bundle: bytecode file size vs the bundle (k230jsc -s: line tables kept)", unit: "KiB",
    ours: size("big.bin"), peer: size("big.js"), peerName: "the bundle", oursCmd: commandLine(join(HOST, "k230jsc"), ["-s", "-o", file("big.bin"), file("big.js")]) });
  row({ case: "1 MB bundle: bytecode with the source text kept vs the bundle", unit: "KiB",
    ours: size("big-with-source.bin"), peer: size("big.js"), peerName: "the bundle" });
  row({ case: "1 MB bundle from bytecode: peak RSS vs from source", unit: "KiB",
    oursRuns: col(bin, "rssKiB"), peerRuns: col(js, "rssKiB"), peerName: "k230js, the bundle as source" });
  // k230js's own cost on top of the engine
  const vsFloor = (what, ours, peer, f) => row({ case: `${what}: CPU to first line vs the engine floor`, unit: "ms",
    oursRuns: col(ours, "firstLineCpuMs"), peerRuns: col(peer, "firstLineCpuMs"), peerName: "engine floor",
    peerCmd: commandLine(floor, [file(f)]) });
  vsFloor("empty app", kEmpty, fEmpty, "empty.js");
  vsFloor("1 MB bundle from bytecode", bin, fBin, "big.bin");
  vsFloor("1 MB bundle from source", js, fJs, "big.js");
  row({ case: "1 MB bundle from bytecode: peak RSS vs the engine floor", unit: "KiB",
    oursRuns: col(bin, "rssKiB"), peerRuns: col(fBin, "rssKiB"), peerName: "engine floor", peerCmd: commandLine(floor, [file("big.bin")]) });
  return rows;
}
