// One k230js RTSP server's CPU at one audience, for paired runs of two builds (bench/README.md,
// rtsp): `farm-bench -n 9 --vs "sh -c 'exec node bench/rtsp/once.mjs <main's k230js> 1000 >>B'"
// -- sh -c 'exec node bench/rtsp/once.mjs build/host/k230js 1000 >>A'`, then the ratios of the
// CPU lines pair by pair.
//
//   node bench/rtsp/once.mjs <k230js binary> <viewers> [window-s]
//
// The same server command and load client as bench/rtsp/run.mjs (bursty joins, viewers/100
// stalled, at least 1); prints "CPU <% of a core> NVCSW <involuntary context switches a second>"
// of the server's threads over window-s seconds (default 6), from 1.5 s after every viewer played.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT } from "../lib/measure.mjs";
import { loadClient, prepare, sampleCpu, sleep, start } from "./run.mjs";

const [bin, viewersArg, windowArg = "6"] = process.argv.slice(2);
const viewers = Number(viewersArg), windowS = Number(windowArg);
if (!bin || !(viewers > 0) || !(windowS > 0)) {
  console.error("usage: node bench/rtsp/once.mjs <k230js binary> <viewers> [window-s]");
  process.exit(2);
}
const out = join(ROOT, "bench", "out", "rtsp");
const [clip, app] = [join(out, "clip-4mbps-60s.mp4"), join(out, "rtsp-serve.js")];
if (!existsSync(clip) || !existsSync(app)) prepare();
const stalled = Math.max(1, Math.ceil(viewers / 100));
const srv = start(resolve(bin), [app, clip, "--port", "0", "--wait-plays", "1", "--max-s", String(windowS + 15), "--loops", "20",
  "--linger-ms", "0", "--max-clients", "1024", "--max-per-addr", "1024", "--end-clients", String(stalled), "--end-wait-ms", "1000"]);
let lc;
try {
  const url = (await srv.line(/READY (\S+)/, 15_000))[1];
  lc = loadClient(url, { viewers, stalled, maxS: windowS + 30 });
  await lc.allPlaying();
  await sleep(1500);
  const switches = () => readdirSync(`/proc/${srv.child.pid}/task`).reduce((n, t) => {
    try {
      return n + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${srv.child.pid}/task/${t}/status`, "utf8"))[1]);
    } catch {
      return n; // the thread exited
    }
  }, 0);
  const s0 = switches();
  const cpu = await sampleCpu([srv.child.pid], 1, windowS * 1000);
  console.log(`CPU ${cpu[0][0].toFixed(3)} NVCSW ${((switches() - s0) / windowS).toFixed(0)}`);
} finally {
  if (lc) await lc.stop();
  await srv.stop();
}
