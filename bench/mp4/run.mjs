// bench/mp4: mux, demux and remux 60 s of 1080p30 H.264 + G.711 A-law with k230js (libs/mp4 via
// the C driver bench_mp4, and through the JS API k230:mp4 run by k230js) and with
// `ffmpeg -c copy`, on the same streams, in one run. Throughput is input bytes over wall time
// (process start to exit, median of BENCH_RUNS); memory is peak RSS for 60 s and 600 s of input
// (the driver plays the 60 s streams 10 times back to back; ffmpeg gets -stream_loop 9), plus
// the driver's RSS sampled every second of media. Goals (issue 3): >= 3x ffmpeg's throughput for
// mux and demux; muxer memory flat however long the recording runs.
//
// The inputs are made once with ffmpeg (libx264 ultrafast, -g 30 -bf 0, 4 Mbit/s; pcm_alaw 8 kHz)
// into bench/out/mp4/ and reused. ffmpeg's mp4 muxer has no G.711 tags, so its outputs are MOV.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { HOST, median, ROOT } from "../lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DIR = join(ROOT, "bench", "out", "mp4");
const H264 = join(DIR, "in-1080p30-60s.h264");
const ALAW = join(DIR, "in-8k-60s.alaw");

function driver() {
  // The bench's own build dir if there is one with the driver, else build/host.
  for (const dir of [process.env.BENCH_MP4_BUILD, HOST].filter(Boolean)) {
    const p = join(dir, "bench-mp4", "bench_mp4");
    if (existsSync(p)) return p;
  }
  throw new Error("bench_mp4 not built (cmake --build build/host --target bench_mp4)");
}

function makeInputs() {
  mkdirSync(DIR, { recursive: true });
  const ff = (args) => execFileSync("ffmpeg", ["-v", "error", "-y", ...args], { stdio: "inherit" });
  if (!existsSync(H264)) {
    process.stderr.write("bench mp4: encoding the 60 s 1080p30 input once (about 30 s)...\n");
    ff(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-t", "60", "-pix_fmt", "yuv420p", "-c:v", "libx264",
      "-preset", "ultrafast", "-g", "30", "-bf", "0", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "4M", "-f", "h264", `${H264}.tmp`]);
    execFileSync("mv", [`${H264}.tmp`, H264]);
  }
  if (!existsSync(ALAW)) {
    ff(["-f", "lavfi", "-i", "sine=f=440:sample_rate=8000", "-t", "60", "-c:a", "pcm_alaw", "-f", "alaw", `${ALAW}.tmp`]);
    execFileSync("mv", [`${ALAW}.tmp`, ALAW]);
  }
}

/** Runs cmd under /usr/bin/time: { s (wall), rssKiB (peak), out (stdout) }. Throws on failure. */
function run(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "RSS %M", cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  const s = (performance.now() - t0) / 1000;
  const m = /RSS (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return { s, rssKiB: Number(m[1]), out: r.stdout };
}

function best(cmd, args) {
  const runs = Array.from({ length: RUNS }, () => run(cmd, args));
  return { s: median(runs.map((r) => r.s)), rssKiB: median(runs.map((r) => r.rssKiB)), out: runs.at(-1).out };
}

const mb = (bytes) => bytes / 1e6;
const size = (p) => statSync(p).size;
const json = (out) => JSON.parse(out.trim().split("\n").at(-1));

export default async function mp4() {
  makeInputs();
  const B = driver();
  const K230JS = join(HOST, "k230js");
  const ffmpeg = (args) => ["-v", "error", "-nostdin", "-y", ...args];
  const inBytes = size(H264) + size(ALAW);
  const rows = [];
  const row = (c, unit, ours, peer, peerName, higherIsBetter) =>
    rows.push({ bench: "mp4", case: c, unit, ours, peer, peerName, ...(higherIsBetter ? { higherIsBetter } : {}) });
  const note = (s) => process.stderr.write(`bench mp4: ${s}\n`);

  // 1. mux: Annex-B + G.711 -> MP4 (indexed: ftyp, mdat, moov at the end, like ffmpeg's output)
  const oursMp4 = join(DIR, "ours.mp4");
  const ffMov = join(DIR, "ffmpeg.mov");
  const ffIn = ["-f", "h264", "-framerate", "30", "-i", H264, "-f", "alaw", "-ar", "8000", "-ac", "1", "-i", ALAW];
  const mux = best(B, ["mux", H264, ALAW, oursMp4, "indexed", "none"]);
  const ffMux = best("ffmpeg", ffmpeg([...ffIn, "-map", "0", "-map", "1", "-c", "copy", "-f", "mov", ffMov]));
  row("mux 60 s 1080p30 H.264 + G.711 -> MP4 (C API)", "MB/s", mb(inBytes) / mux.s, mb(inBytes) / ffMux.s, "ffmpeg -c copy", true);

  // 2. demux every frame of the same file (ffmpeg's), as stored
  const demux = best(B, ["demux", ffMov]);
  const ffDemux = best("ffmpeg", ffmpeg(["-i", ffMov, "-map", "0", "-c", "copy", "-f", "null", "-"]));
  row("demux 60 s MP4/MOV, all frames (C API)", "MB/s", mb(size(ffMov)) / demux.s, mb(size(ffMov)) / ffDemux.s, "ffmpeg -c copy", true);

  // 3. remux MP4 -> MP4, C and JS
  const ffRemux = best("ffmpeg", ffmpeg(["-i", ffMov, "-map", "0", "-c", "copy", "-f", "mov", join(DIR, "ffmpeg-remux.mov")]));
  const remux = best(B, ["remux", ffMov, join(DIR, "ours-remux.mp4"), "indexed"]);
  row("remux 60 s MOV -> MP4 (C API)", "MB/s", mb(size(ffMov)) / remux.s, mb(size(ffMov)) / ffRemux.s, "ffmpeg -c copy", true);
  if (existsSync(K230JS)) {
    const js = best(K230JS, [join(ROOT, "bench", "mp4", "remux.js"), ffMov, join(DIR, "ours-remux-js.mp4"), "indexed"]);
    const frames = json(js.out).frames;
    if (frames !== json(remux.out).frames) throw new Error(`JS remux wrote ${frames} frames, C ${json(remux.out).frames}`);
    row("remux 60 s MOV -> MP4 (JS k230:mp4, k230js)", "MB/s", mb(size(ffMov)) / js.s, mb(size(ffMov)) / ffRemux.s, "ffmpeg -c copy", true);
    row("remux 60 s: JS API vs C API wall time", "s", js.s, remux.s, "k230js C API");
  } else {
    note(`${K230JS} not built: JS row skipped (scripts/setup.sh)`);
  }

  // 4. muxer memory: 60 s vs 600 s of recording (fragmented, the recording mode)
  const m60 = run(B, ["mux", H264, ALAW, join(DIR, "ours-60.mp4"), "fragmented", "none", "1"]);
  const m600 = run(B, ["mux", H264, ALAW, join(DIR, "ours-600.mp4"), "fragmented", "none", "10"]);
  const f60 = run("ffmpeg", ffmpeg([...ffIn, "-map", "0", "-map", "1", "-c", "copy", "-f", "mov", join(DIR, "ffmpeg-60.mov")]));
  const ffLoopIn = ["-stream_loop", "9", "-f", "h264", "-framerate", "30", "-i", H264, "-stream_loop", "9", "-f", "alaw", "-ar", "8000", "-ac", "1", "-i", ALAW];
  const f600 = run("ffmpeg", ffmpeg([...ffLoopIn, "-map", "0", "-map", "1", "-c", "copy", "-f", "mov", join(DIR, "ffmpeg-600.mov")]));
  row("mux peak RSS, 60 s recording", "KiB", m60.rssKiB, f60.rssKiB, "ffmpeg -c copy");
  row("mux peak RSS, 600 s recording", "KiB", m600.rssKiB, f600.rssKiB, "ffmpeg -c copy");
  const j600 = json(m600.out);
  row("mux RSS sampled each media second, max 10..600 s vs at 10 s", "KiB", j600.rssMaxKiB, j600.rssFirstKiB, "k230js at 10 s");
  note(`fragmented 600 s: RSS sampled every media second from 10 s: min ${j600.rssMinKiB} max ${j600.rssMaxKiB} KiB; ` +
    `peak ${m600.rssKiB} KiB (60 s: ${m60.rssKiB} KiB)`);
  // indexed: the finalization builds the full index at close (by design; grows with samples)
  const i600 = run(B, ["mux", H264, ALAW, join(DIR, "ours-600-indexed.mp4"), "indexed", "none", "10"]);
  const i60 = json(mux.out);
  const ji600 = json(i600.out);
  const samples = (j) => j.frames + j.audioChunks;
  note(`indexed: peak RSS ${mux.rssKiB} KiB at 60 s (${samples(i60)} samples), ${i600.rssKiB} KiB at 600 s ` +
    `(${samples(ji600)} samples): ${(((i600.rssKiB - mux.rssKiB) * 1024) / (samples(ji600) - samples(i60))).toFixed(1)} bytes/sample at close`);

  // 5. the cost of durable fragments: 2 fsyncs per fragment (data, then the 4-byte commit)
  const sync = json(run(B, ["mux", H264, ALAW, join(DIR, "ours-fsync.mp4"), "fragmented", "fsync"]).out);
  const nosync = json(m60.out);
  row("mux 60 s, fsync policy (2 fsyncs/fragment) vs none", "s", sync.seconds, nosync.seconds, "k230js, sync none");
  note(`fsync policy: ${sync.fsyncs} fsyncs for ${sync.fragments} fragments (${(sync.fsyncs / sync.fragments).toFixed(2)}/fragment), ` +
    `${((sync.fsyncSeconds / sync.fsyncs) * 1000).toFixed(2)} ms each on this disk, ${(sync.fsyncSeconds * 1000 / sync.fragments).toFixed(1)} ms per 1 s fragment`);
  return rows;
}
