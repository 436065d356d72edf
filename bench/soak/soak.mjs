// bench/soak: k230js running like a camera that is never switched off, for an hour by default.
// The simulated camera (a noisy clip, so the encoder really spends its bitrate) is encoded once
// and fanned out in C to an RTSP session and to a loop recording into 1-minute files on a small
// card (a tmpfs), the oldest deleted to keep room. 10 viewers play over RTSP (TCP interleaved,
// test/helpers/rtsp-client.ts); every second the oldest leaves (TEARDOWN) and a new one joins.
//
// Checked: RSS, open fds and threads stay flat (sampled every SOAK_SAMPLE_S, printed as a
// curve); every finished file decodes without an error (ffmpeg) and starts with a keyframe at
// 0 s; no viewer stalls (no RTP for STALL_MS once playing) and every viewer gets its first
// packet. Exit status 1 if anything fails. Not in CI (`npm test`) nor in `npm run bench`:
//   node bench/soak/soak.mjs          (or: npm run soak)
// Knobs (environment): SOAK_MINUTES (60), SOAK_SEGMENT_S (60), SOAK_CARD_MB (96),
// SOAK_MIN_FREE_MB (40), SOAK_VIEWERS (10), SOAK_SAMPLE_S (30), SOAK_SIZE (640x480),
// SOAK_KBPS (2000), SOAK_WARMUP_S (120: samples before this are the baseline's warm-up).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { HOST, ROOT } from "../lib/measure.mjs";

const env = (name, def) => Number(process.env[name] ?? def);
const MINUTES = env("SOAK_MINUTES", 60);
const SEGMENT_S = env("SOAK_SEGMENT_S", 60);
const CARD_MB = env("SOAK_CARD_MB", 96);
const MIN_FREE_MB = env("SOAK_MIN_FREE_MB", 40);
const VIEWERS = env("SOAK_VIEWERS", 10);
const SAMPLE_S = env("SOAK_SAMPLE_S", 30);
const WARMUP_S = env("SOAK_WARMUP_S", 120);
const KBPS = env("SOAK_KBPS", 2000);
const [WIDTH, HEIGHT] = (process.env.SOAK_SIZE ?? "640x480").split("x").map(Number);
const STALL_MS = 2000;
// Flat: what the end may exceed the warmed-up baseline by.
const RSS_SLACK_KIB = env("SOAK_RSS_SLACK_KIB", 4096);
const FD_SLACK = 3; // viewers' sockets come and go between samples

const OUT = join(ROOT, "bench", "out", "soak");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

function prepare() {
  mkdirSync(OUT, { recursive: true });
  const clip = join(OUT, `noise-${WIDTH}x${HEIGHT}.mp4`);
  if (!existsSync(clip)) {
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
      `testsrc2=size=${WIDTH}x${HEIGHT}:rate=30,noise=alls=30:allf=t+u`, "-t", "10", "-c:v", "libx264", "-crf", "18",
      "-pix_fmt", "yuv420p", "-f", "mp4", clip]);
  }
  const app = join(OUT, "app.js");
  execFileSync(process.execPath, [join(ROOT, "tools", "flash", "dist", "k230js.mjs"), "build", join(ROOT, "bench", "soak", "app.ts"), "-o", app]);
  const client = join(OUT, "rtsp-client.mjs");
  execFileSync(join(ROOT, "node_modules", ".bin", "esbuild"), [join(ROOT, "test", "helpers", "rtsp-client.ts"), "--bundle",
    "--platform=node", "--format=esm", `--outfile=${client}`, "--log-level=warning"]);
  return { clip, app, client };
}

/** A small card: a tmpfs when this machine lets us mount one, else a directory (said so). */
function mountCard() {
  const card = join(OUT, "card");
  mkdirSync(card, { recursive: true });
  spawnSync("umount", [card]);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${CARD_MB}m`, "tmpfs", card], { encoding: "utf8" });
  if (r.status !== 0) {
    log(`cannot mount a ${CARD_MB} MB tmpfs (${r.stderr.trim()}): recording onto ${card}, whose free space is the disk's`);
    return { card, mounted: false };
  }
  return { card, mounted: true };
}

function procSample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)[1]),
    threads: Number(/Threads:\s+(\d+)/.exec(status)[1]),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** A command's output, without blocking the loop (the viewers must keep reading). */
function run(cmd, args) {
  return new Promise((res) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    c.on("exit", (status) => res({ status, stdout, stderr }));
  });
}

/** ffmpeg decodes it without a word, ffprobe sees a keyframe at 0 s first. */
async function checkFile(file) {
  const d = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
  const p = await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file]);
  const lines = p.stdout.trim().split("\n").filter(Boolean);
  const problems = [];
  if (d.status !== 0 || d.stderr.trim()) problems.push(`decode: ${d.stderr.trim().split("\n")[0] ?? ""} (exit ${d.status})`);
  if (!lines.length) problems.push("no video packets");
  else if (!/^0\.000000,K/.test(lines[0])) problems.push(`first packet ${lines[0]}`);
  return { packets: lines.length, seconds: lines.length / 30, problems };
}

async function main() {
  const { clip, app, client } = prepare();
  const { RtspClient } = await import(pathToFileURL(client).href);
  const { card, mounted } = mountCard();
  const dir = join(card, "soak");
  mkdirSync(dir, { recursive: true });
  log(`soak: ${MINUTES} min; camera ${WIDTH}x${HEIGHT} at ${KBPS} kbit/s -> RTSP (${VIEWERS} viewers, one replaced every second) + ` +
    `${SEGMENT_S} s files on a ${mounted ? `${CARD_MB} MB tmpfs` : "directory"} kept ${MIN_FREE_MB} MB free`);

  const child = spawn(join(HOST, "k230js"), ["--sdcard", card, app, "/sdcard/soak/cam-{index:4}-{time}.mp4", String(SEGMENT_S),
    String(MIN_FREE_MB), String(WIDTH), String(HEIGHT), String(KBPS)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, K230JS_SIM_SENSOR: `file:${clip}` },
  });
  let err = "";
  let lastStatus = null;
  const failures = [];
  child.stderr.on("data", (d) => (err += d));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("{")) lastStatus = JSON.parse(line);
    else if (line.startsWith("FAIL")) failures.push(line);
    else if (line.startsWith("url ")) urlFound(line.slice(4));
  });
  let urlFound;
  const url = await new Promise((res, rej) => {
    urlFound = res;
    setTimeout(() => rej(new Error(`no url: ${err}`)), 20000);
    child.on("exit", (c) => rej(new Error(`k230js exited ${c}: ${err}`)));
  });
  const exited = new Promise((res) => child.on("exit", (code, signal) => res({ code, signal })));

  // Viewers: VIEWERS at once, the oldest replaced every second.
  const viewers = [];
  const done = { count: 0, joinMs: [], stalls: [], gaps: 0, frames: 0, failedJoins: 0 };
  const join1 = () => {
    const c = new RtspClient(url, { transport: "tcp", timeoutMs: 10000 });
    c.stallReported = false;
    viewers.push(c);
    c.play().catch((e) => {
      done.failedJoins++;
      failures.push(`viewer could not join: ${e.message}`);
    });
  };
  const leave = async (c, atEnd = false) => {
    // At the end, the newest viewers may not have reached a keyframe yet (one a second).
    if (atEnd && !c.firstPacketAt && performance.now() - c.playRequestedAt < 3000) return c.close().catch(() => {});
    if (!c.firstPacketAt) {
      done.failedJoins++;
      failures.push(`viewer got no packet in ${((performance.now() - c.playRequestedAt) / 1000).toFixed(1)} s`);
    } else {
      done.joinMs.push(c.firstPacketAt - c.playRequestedAt);
    }
    done.count++;
    for (const t of c.tracks) {
      done.gaps += t.gaps;
      done.frames += t.frames;
    }
    await c.close().catch(() => {});
  };
  for (let i = 0; i < VIEWERS; i++) join1();
  const churn = setInterval(() => {
    const c = viewers.shift();
    if (c) void leave(c);
    join1();
  }, 1000);
  let lastCheck = performance.now();
  const stallCheck = setInterval(() => {
    const now = performance.now();
    // This process's own pauses (GC) are not the server's: a late tick skips its round.
    const late = now - lastCheck > 750;
    lastCheck = now;
    if (late) return;
    for (const c of viewers) {
      if (!c.firstPacketAt || c.stallReported) continue;
      if (now - c.lastPacketAt > STALL_MS) {
        c.stallReported = true;
        done.stalls.push({ atS: Math.round((now - t0) / 1000), silentMs: Math.round(now - c.lastPacketAt) });
      }
    }
  }, 250);

  // Files: each checked once it is finished (a newer one exists), before the policy deletes it.
  const checked = new Map();
  const checkFinished = async (all) => {
    const names = readdirSync(dir).filter((n) => n.endsWith(".mp4")).sort();
    for (const n of all ? names : names.slice(0, -1)) {
      if (checked.has(n)) continue;
      const r = await checkFile(join(dir, n));
      checked.set(n, r);
      if (r.problems.length) failures.push(`${n}: ${r.problems.join("; ")}`);
    }
  };

  const t0 = performance.now();
  const samples = [];
  const sample = () => {
    const p = procSample(child.pid);
    const fsinfo = mounted ? statfsSync(card) : null;
    const s = {
      t: Math.round((performance.now() - t0) / 1000),
      ...p,
      heapKiB: lastStatus ? Math.round(lastStatus.heap / 1024) : 0,
      viewers: viewers.filter((c) => c.firstPacketAt).length,
      files: lastStatus?.segments.files ?? 0,
      deleted: lastStatus?.segments.deleted ?? 0,
      freeMB: fsinfo ? Math.round((fsinfo.bavail * fsinfo.bsize) / 1048576) : null,
    };
    samples.push(s);
    log(`t=${String(s.t).padStart(5)} s  RSS ${(s.rssKiB / 1024).toFixed(1)} MB  fds ${s.fds}  threads ${s.threads}  JS heap ${(s.heapKiB / 1024).toFixed(1)} MB  ` +
      `viewers ${s.viewers}  files ${s.files} (${s.deleted} deleted)${s.freeMB === null ? "" : `  card free ${s.freeMB} MB`}`);
  };
  sample();
  const end = t0 + MINUTES * 60_000;
  let nextSample = t0 + SAMPLE_S * 1000;
  while (performance.now() < end && failures.length < 20) {
    await sleep(5000);
    await checkFinished(false);
    if (performance.now() >= nextSample) {
      sample();
      nextSample += SAMPLE_S * 1000;
    }
  }
  clearInterval(churn);
  clearInterval(stallCheck);
  sample();
  await Promise.all(viewers.splice(0).map((c) => leave(c, true)));
  child.kill("SIGINT"); // the VM stops; the file being written is finished at teardown
  const { code, signal } = await exited;
  if (code !== 130) failures.push(`k230js ended with ${code ?? signal}, not 130 (interrupted): ${err.trim()}`);
  await checkFinished(true);
  if (mounted) spawnSync("umount", [card]);

  // The curve and the verdict.
  const base = samples.filter((s) => s.t >= WARMUP_S);
  const warm = base.length ? base[0] : samples[0];
  const last = samples.at(-1);
  const rssPeak = Math.max(...samples.filter((s) => s.t >= warm.t).map((s) => s.rssKiB));
  console.log("\ncurve (every sample):");
  console.log("   t s   RSS MB   fds  threads  heap MB  viewers  files  deleted");
  for (const s of samples)
    console.log(`${String(s.t).padStart(6)}  ${(s.rssKiB / 1024).toFixed(1).padStart(7)}  ${String(s.fds).padStart(4)}  ${String(s.threads).padStart(7)}  ` +
      `${(s.heapKiB / 1024).toFixed(1).padStart(7)}  ${String(s.viewers).padStart(7)}  ${String(s.files).padStart(5)}  ${String(s.deleted).padStart(7)}`);
  const joins = done.joinMs.sort((a, b) => a - b);
  const segs = [...checked.values()];
  console.log(`\nRSS: ${(warm.rssKiB / 1024).toFixed(1)} MB at ${warm.t} s -> ${(last.rssKiB / 1024).toFixed(1)} MB at ${last.t} s (peak ${(rssPeak / 1024).toFixed(1)} MB)`);
  console.log(`fds: ${warm.fds} -> ${last.fds}; threads: ${warm.threads} -> ${last.threads}`);
  console.log(`viewers: ${done.count} played (${done.failedJoins} failed to join), first packet after ${joins.length ? `${joins[0].toFixed(0)}/${joins[joins.length >> 1].toFixed(0)}/${joins.at(-1).toFixed(0)} ms (min/median/max)` : "-"}, ` +
    `${done.stalls.length} stalls, ${done.gaps} RTP sequence gaps, ${done.frames} frames received`);
  console.log("  (RTSP drops count the frames a joining viewer skips until its first keyframe as well)");
  console.log(`files: ${segs.length} checked (${segs.filter((s) => s.problems.length).length} bad), ${segs.reduce((a, s) => a + s.seconds, 0).toFixed(0)} s of video; ` +
    `${lastStatus?.segments.files ?? 0} started, ${lastStatus?.segments.deleted ?? 0} deleted, ${lastStatus?.segments.recovered ?? 0} full-card recoveries; RTSP drops ${lastStatus?.drops ?? 0}`);
  if (last.rssKiB > warm.rssKiB + RSS_SLACK_KIB) failures.push(`RSS grew ${last.rssKiB - warm.rssKiB} KiB after warm-up (slack ${RSS_SLACK_KIB})`);
  if (last.fds > warm.fds + FD_SLACK) failures.push(`fds grew ${warm.fds} -> ${last.fds}`);
  if (last.threads > warm.threads) failures.push(`threads grew ${warm.threads} -> ${last.threads}`);
  for (const s of done.stalls) failures.push(`a viewer stalled at ${s.atS} s (${s.silentMs} ms without RTP)`);
  if ((lastStatus?.segments.recovered ?? 0) > 0) failures.push("the card filled up (the retention policy let it)");
  if (failures.length) {
    console.log(`\nsoak FAILED:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log("\nsoak passed");
}

await main();
