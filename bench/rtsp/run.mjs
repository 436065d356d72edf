// bench/rtsp: k230js's RTSP server against GStreamer's gst-rtsp-server (Python, shared media),
// both serving the same ~4 Mb/s H.264 recording at real time to our load client
// (test/helpers/rtsp-client.ts, TCP interleaved): server CPU per client, clients per core with
// no loss, and the time from PLAY to the first RTP packet for the first viewer.
// Then k230js against itself: the same runtime linked for the board's system calls
// (<build>/rtsmart/k230js: send() of a staged batch, send() per datagram) next to the Linux one
// (sendmsg per batch, sendmmsg per frame), over TCP and UDP, in the same run; issue 14's goal
// is at most 1.3x the CPU per client.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HOST, median, ROOT } from "../lib/measure.mjs";

const OUT = join(ROOT, "bench", "out", "rtsp");
const CLIENTS = Number(process.env.BENCH_RTSP_CLIENTS ?? 40);
const WINDOW_MS = Number(process.env.BENCH_RTSP_WINDOW_MS ?? 5000);
const CONNECT_GAP_MS = Number(process.env.BENCH_RTSP_CONNECT_GAP_MS ?? 150);
const HZ = 100; // /proc/<pid>/stat clock ticks (USER_HZ)
// The k230js build to run (default build/host); BENCH_RTSP_HOST=build/<dir> picks another.
const BIN = process.env.BENCH_RTSP_HOST ? join(ROOT, process.env.BENCH_RTSP_HOST) : HOST;
const RTSMART_GOAL = 1.3; // issue 14: the board's send path within 1.3x today's CPU per viewer
const SAMPLES = Number(process.env.BENCH_RTSP_SAMPLES ?? 5);
const SAMPLE_MS = Number(process.env.BENCH_RTSP_SAMPLE_MS ?? 3000);

function prepare() {
  mkdirSync(OUT, { recursive: true });
  const clip = join(OUT, "clip-4mbps-30s.mp4");
  if (!existsSync(clip)) {
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
      "testsrc2=size=640x360:rate=30:duration=30,noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
      "-g", "30", "-bf", "0", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "1M", "-pix_fmt", "yuv420p", "-f", "mp4", clip]);
  }
  const app = join(OUT, "rtsp-serve.js");
  execFileSync(process.execPath, [join(ROOT, "tools", "flash", "dist", "k230js.mjs"), "build", join(ROOT, "test", "apps", "rtsp-serve.ts"), "-o", app]);
  const client = join(OUT, "rtsp-client.mjs");
  execFileSync(join(ROOT, "node_modules", ".bin", "esbuild"), [join(ROOT, "test", "helpers", "rtsp-client.ts"), "--bundle", "--platform=node", "--format=esm", `--outfile=${client}`, "--log-level=warning"]);
  return { clip, app, client };
}

function start(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const ready = new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${cmd}: no READY: ${out} ${err}`)), 15000);
    child.stdout.on("data", () => {
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]);
      }
    });
    child.on("exit", (c) => rej(new Error(`${cmd} exited ${c}: ${err}`)));
  });
  return { child, ready };
}

// CPU time of a process in seconds: the sum of its threads' run time (ns, from schedstat) when the
// kernel has schedstats, else utime+stime in clock ticks (10 ms steps: coarse for light loads).
// Threads that exit inside the window are not counted; both servers keep theirs.
function cpuSeconds(pid) {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread exited between readdir and read
      }
    }
    if (ns > 0) return ns / 1e9;
  } catch {
    // no schedstat: fall back to ticks
  }
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / HZ; // utime + stime
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU of each process over the next `ms`, in % of a core. */
async function cpuPercent(pids, ms) {
  const c0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(ms);
  const secs = (performance.now() - t0) / 1000;
  return pids.map((p, i) => ((cpuSeconds(p) - c0[i]) / secs) * 100);
}

/** What the clients receive from now until done(): lossless = every frame (30 fps) and no gap. */
function delivery(clients) {
  const t0 = performance.now();
  const before = clients.map((c) => ({ frames: c.tracks[0].frames, gaps: c.tracks[0].gaps, bytes: c.tracks[0].bytes }));
  return {
    done() {
      const secs = (performance.now() - t0) / 1000;
      const frames = clients.map((c, i) => c.tracks[0].frames - before[i].frames);
      const gaps = clients.map((c, i) => c.tracks[0].gaps - before[i].gaps);
      const mbps = clients.map((c, i) => ((c.tracks[0].bytes - before[i].bytes) * 8) / secs / 1e6);
      const expected = 30 * secs;
      const lossless = frames.filter((f, i) => f >= expected * 0.97 && gaps[i] === 0).length;
      const text = `${median(mbps).toFixed(2)} Mb/s each, frames min ${Math.min(...frames)}/${expected.toFixed(0)}, ` +
        `gaps ${gaps.reduce((a, b) => a + b, 0)}, lossless ${lossless}/${clients.length}`;
      return { lossless, text };
    },
  };
}

/** One server: latency for the first viewer, then CPU and loss with CLIENTS viewers. */
async function measure(name, server, RtspClient) {
  const url = await server.ready;
  const pid = server.child.pid;
  const first = new RtspClient(url, { transport: "tcp" });
  const t0 = performance.now();
  await first.play();
  const playSent = first.playRequestedAt;
  while (!first.firstPacketAt && performance.now() - t0 < 5000) await sleep(1);
  const firstRtpMs = first.firstPacketAt - playSent;
  await sleep(1500); // let it settle past the first GOP
  // the cost of the source (file, demuxer, pacing) plus one viewer
  const [onePct] = await cpuPercent([pid], WINDOW_MS);
  const clients = [first];
  // one at a time, paced: gst-rtsp-server stops answering PLAY (no reply at all) when a few
  // dozen TCP clients join back to back (seen at the 29th of 40 with no pause; none with 150 ms).
  // Both servers get the same pacing.
  for (let i = 1; i < CLIENTS; i++) {
    const c = new RtspClient(url, { transport: "tcp", timeoutMs: 15000 });
    await c.play();
    clients.push(c);
    await sleep(CONNECT_GAP_MS);
  }
  await sleep(1500); // every newcomer is past its first keyframe
  const watch = delivery(clients);
  const [cpuPct] = await cpuPercent([pid], WINDOW_MS);
  const d = watch.done();
  await Promise.all(clients.map((c) => c.close(true)));
  process.stderr.write(`bench rtsp: ${name}: ${CLIENTS} TCP clients, ${cpuPct.toFixed(1)}% CPU, ${d.text}, ` +
    `first RTP ${firstRtpMs.toFixed(1)} ms; 1 client ${onePct.toFixed(2)}% CPU\n`);
  const lossless = d.lossless;
  // each viewer beyond the first: what a core's worth of clients is made of once the source is paid for
  const marginal = CLIENTS > 1 ? Math.max(cpuPct - onePct, 0) / (CLIENTS - 1) : cpuPct;
  return { cpuPct, perClient: cpuPct / CLIENTS, marginal, lossless, firstRtpMs };
}

/**
 * The board's send path next to today's: the runtime linked for RT-Smart's system calls and the
 * Linux one serve at the same time, CLIENTS viewers each, so both see the same machine; their CPU
 * is sampled over SAMPLES windows. Per viewer = (CPU with CLIENTS - CPU with one) / (CLIENTS - 1):
 * what each viewer adds once the source (file, demuxer, pacing) is paid for.
 */
async function sendPaths(transport, app, clip, RtspClient, port) {
  const bins = [BIN, join(BIN, "rtsmart")];
  if (!existsSync(join(bins[1], "k230js"))) throw new Error(`${bins[1]}/k230js is not built (the host build links it: ninja -C ${BIN})`);
  const servers = bins.map((b, k) => start(join(b, "k230js"), [app, clip, "--port", String(port + k), "--wait-plays", "1", "--max-s", "120", "--linger-ms", "0"]));
  const clients = [[], []];
  try {
    const urls = await Promise.all(servers.map((s) => s.ready));
    const pids = servers.map((s) => s.child.pid);
    const join1 = async (k) => {
      const c = new RtspClient(urls[k], { transport, timeoutMs: 15000 });
      await c.play();
      clients[k].push(c);
    };
    await join1(0);
    await join1(1);
    await sleep(1500);
    const one = await cpuPercent(pids, 2 * SAMPLE_MS);
    for (let i = 1; i < CLIENTS; i++) {
      await join1(0);
      await join1(1);
      await sleep(CONNECT_GAP_MS);
    }
    await sleep(1500);
    const watch = clients.map(delivery);
    const per = [[], []];
    for (let w = 0; w < SAMPLES; w++) {
      const pct = await cpuPercent(pids, SAMPLE_MS);
      for (let k = 0; k < 2; k++) per[k].push(Math.max(pct[k] - one[k], 0) / (CLIENTS - 1));
    }
    const ratios = per[1].map((r, w) => r / per[0][w]).sort((a, b) => a - b);
    const names = ["Linux calls", "RT-Smart calls"];
    for (let k = 0; k < 2; k++) {
      const d = watch[k].done();
      if (d.lossless !== CLIENTS) throw new Error(`${names[k]} over ${transport}: ${d.text}`);
      process.stderr.write(`bench rtsp: send path, ${names[k]}: ${CLIENTS} ${transport.toUpperCase()} clients, ${d.text}; ` +
        `per viewer min/median/max ${Math.min(...per[k]).toFixed(4)}/${median(per[k]).toFixed(4)}/${Math.max(...per[k]).toFixed(4)} % core\n`);
    }
    process.stderr.write(`bench rtsp: send path over ${transport.toUpperCase()}: RT-Smart/Linux per viewer, per window min/median/max ` +
      `${ratios[0].toFixed(2)}/${median(ratios).toFixed(2)}/${ratios.at(-1).toFixed(2)} (goal <= ${RTSMART_GOAL})\n`);
    return { linux: median(per[0]), rtsmart: median(per[1]) };
  } finally {
    await Promise.all(clients.flat().map((c) => c.close(true)));
    for (const s of servers) s.child.kill("SIGTERM");
  }
}

export default async function rtsp() {
  const { clip, app, client } = prepare();
  const { RtspClient } = await import(pathToFileURL(client).href);
  const ours = start(join(BIN, "k230js"), [app, clip, "--port", "18654", "--wait-plays", "1", "--max-s", "60", "--linger-ms", "0"]);
  let a;
  try {
    a = await measure("k230js", ours, RtspClient);
  } finally {
    ours.child.kill("SIGTERM");
  }
  const peer = start("/usr/bin/python3", [join(ROOT, "test", "helpers", "gst_rtsp_server.py"), "serve", clip, "18655"]);
  let b;
  try {
    b = await measure("gst-rtsp-server", peer, RtspClient);
  } finally {
    peer.child.kill("SIGTERM");
  }
  const peerName = "gst-rtsp-server";
  // Clients one core can serve, from the CPU each costs, counted only if every client here was lossless.
  const perCore = (r) => (r.lossless === CLIENTS ? 100 / r.perClient : 0);
  const rows = [
    { bench: "rtsp", case: `server CPU per 4 Mb/s client (${CLIENTS} TCP clients)`, unit: "% core", ours: a.perClient, peer: b.perClient, peerName },
    { bench: "rtsp", case: "clients per core, no loss (from CPU per client)", unit: "clients", ours: perCore(a), peer: perCore(b), peerName, higherIsBetter: true },
    { bench: "rtsp", case: `server CPU per additional client (${CLIENTS} vs 1 client)`, unit: "% core", ours: a.marginal, peer: b.marginal, peerName },
    { bench: "rtsp", case: "PLAY to first RTP packet, first viewer", unit: "ms", ours: a.firstRtpMs, peer: b.firstRtpMs, peerName },
  ];
  for (const [transport, port] of [["tcp", 18656], ["udp", 18658]]) {
    const r = await sendPaths(transport, app, clip, RtspClient, port);
    rows.push({ bench: "rtsp", case: `board send path (RT-Smart calls): CPU per ${transport.toUpperCase()} viewer`, unit: "% core",
      ours: r.rtsmart, peer: r.linux, peerName: `k230js, Linux calls (goal <= ${RTSMART_GOAL}x)` });
  }
  return rows;
}
