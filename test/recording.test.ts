// Recording that never loses more than it must and runs forever: a recording killed (SIGKILL) at
// any moment after half a second plays without a decode error and lacks at most its last
// fragment; a full card stops it with the error reported once; loop recording cuts files at
// keyframes and deletes the oldest, on a small card, for as long as it runs; a card that stalls
// in its fsyncs stalls neither the event loop nor the camera.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "./helpers/media.js";
import { ASAN_ENV, ASAN_RUNTIME, cli, HOST_RUNTIME, preloadShim, ROOT, runAsync, tempDir } from "./helpers/run.js";

const out = tempDir("recording");
const app = (name: string) => join(out, `${name}.js`);

beforeAll(() => {
  for (const name of ["rec-kill", "rec-full", "rec-loop", "mp4-segments", "slow-card"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${name}.ts`), "-o", app(name)]);
    expect(r.status, r.stderr).toBe(0);
  }
});

interface Trial {
  killedAfterMs: number;
  lastReported: number; // pictures the recorder had written when last heard of before the kill
  inFile: number;
  decode: string;
}

/** Starts a recording, kills it `afterMs` after start() returned, then reads the file back. */
function trial(card: string, name: string, afterMs: number): Promise<Trial> {
  return new Promise((resolve, reject) => {
    const child = spawn(HOST_RUNTIME, ["--sdcard", card, app("rec-kill"), `/sdcard/${name}`], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let startedAt = 0;
    let killedAt = 0;
    let lastReported = 0;
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!startedAt && stdout.includes("started\n")) {
        startedAt = performance.now();
        setTimeout(() => {
          const m = [...stdout.matchAll(/frames (\d+)\n/g)].at(-1);
          lastReported = m ? Number(m[1]) : 0;
          killedAt = performance.now();
          child.kill("SIGKILL");
        }, afterMs);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", async (_code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL" || !startedAt) return reject(new Error(`${name}: ended by itself (${signal}): ${stderr}`));
      const file = join(card, name);
      const decode = await runAsync("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"]);
      const probe = await runAsync("ffprobe", ["-v", "error", "-select_streams", "v", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file]);
      resolve({
        killedAfterMs: killedAt - startedAt,
        lastReported,
        inFile: Number(probe.stdout.trim()) || 0,
        decode: (decode.stderr + (decode.code === 0 ? "" : ` exit ${decode.code}`)).trim(),
      });
    });
  });
}

describe("a recording killed at any moment after half a second plays", () => {
  it("100 kills (SIGKILL) 0.5-2 s after start(): every file decodes cleanly and lacks at most its last fragment", async () => {
    const card = join(out, "kill-card");
    mkdirSync(card, { recursive: true });
    const TRIALS = 100;
    const PARALLEL = 6;
    // One fragment is 1 s (fragmentMs default) = 30 pictures at 30 fps; the first ends after the
    // first picture, so a file plays however slowly a loaded machine encodes.
    const ONE_FRAGMENT = 31;
    const results: Trial[] = [];
    let next = 0;
    const worker = async () => {
      while (next < TRIALS) {
        const i = next++;
        results[i] = await trial(card, `kill${i}.mp4`, 500 + Math.random() * 1500);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const bad = results
      .map((r, i) => ({ i, ...r }))
      .filter((r) => r.decode !== "" || r.inFile < 1 || r.inFile < r.lastReported - ONE_FRAGMENT);
    const lost = results.map((r) => Math.max(0, r.lastReported - r.inFile));
    console.log(
      `${TRIALS} kills after ${Math.min(...results.map((r) => r.killedAfterMs)).toFixed(0)}-` +
        `${Math.max(...results.map((r) => r.killedAfterMs)).toFixed(0)} ms: pictures in the file ` +
        `${Math.min(...results.map((r) => r.inFile))}-${Math.max(...results.map((r) => r.inFile))}, ` +
        `lost at most ${Math.max(...lost)} (one fragment: ${ONE_FRAGMENT})`,
    );
    expect(bad, JSON.stringify(bad.slice(0, 5))).toEqual([]);
  }, 300_000);
});

describe("a card that stalls in every fsync (300 ms, or 500 ms under a 600 fps camera)", () => {
  // An LD_PRELOAD shim (test/c/preload/slow_fsync.c) makes each fsync() sleep first. The pipes
  // hand frames to the muxer's writer thread, which owns the file and its fsyncs: the loop thread
  // (its timers, the encoder's other pipes) never waits for the card, and no picture is lost.
  const run = (ctx: { skip: () => void }, mode: string, env: Record<string, string> = {}) => {
    const { so, error } = preloadShim("slow_fsync", out);
    if (error) {
      console.log(`SKIP: test/recording.test.ts: cannot build the slow-fsync shim (${error})`);
      ctx.skip();
    }
    const card = join(out, `slow-${mode}`);
    mkdirSync(card, { recursive: true });
    const log = join(card, "fsyncs.log");
    const r = spawnSync(HOST_RUNTIME, ["--sdcard", card, app("slow-card"), `/sdcard/${mode}.mp4`, mode === "drop" ? "1800" : "90", mode], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, LD_PRELOAD: so, K230JS_TEST_FSYNC_MS: "300", K230JS_TEST_FSYNC_LOG: log, ...env },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(log, "utf8").length).toBeGreaterThanOrEqual(4); // the card did stall
    const inFile = spawnSync("ffprobe", ["-v", "error", "-select_streams", "v", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", join(card, `${mode}.mp4`)], { encoding: "utf8" });
    return { result: JSON.parse(r.stdout.trim().split("\n").at(-1)!), inFile: Number(inFile.stdout.trim()) };
  };

  it("an encoder piped into an Mp4Muxer: a 5 ms timer runs at most 100 ms late, no picture is dropped", (ctx) => {
    const { result, inFile } = run(ctx, "muxer");
    expect(result.errors).toEqual([]);
    expect(result.maxGapMs).toBeLessThan(100); // 300+ ms when the loop thread did the fsyncs
    expect(result.dropped).toBe(0); // the encoder was drained on time
    expect(result.writerDropped).toBe(0); // and the writer's queue took up the card's stalls
    expect(result.frames).toBe(result.nullFrames);
    expect(inFile).toBe(result.frames);
  });

  it("stalls longer than the writer's queue holds: frames dropped and counted, each gap resumes at a keyframe", (ctx) => {
    // The camera 20x faster (600 fps, small pictures the encoder keeps up with) overfills the
    // queue (512 frames) during each fragment's two 500 ms fsyncs.
    const { result, inFile } = run(ctx, "drop", { K230JS_TEST_FSYNC_MS: "500", K230JS_SIM_SENSOR_PACE: "20" });
    expect(result.errors).toEqual([]);
    expect(result.writerDropped).toBeGreaterThan(0);
    expect(inFile).toBeLessThan(result.frames);
    const p = spawnSync("ffprobe", ["-v", "error", "-fflags", "+noparse", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", join(out, "slow-drop", "drop.mp4")], { encoding: "utf8" });
    const packets = p.stdout.trim().split("\n").map((l) => ({ pts: Number(l.split(",")[0]), key: l.split(",")[1]!.startsWith("K") }));
    expect(packets.length).toBe(inFile);
    expect(packets[0]!.key).toBe(true);
    // A picture after a gap (frames dropped before it) is a keyframe: P pictures whose reference
    // was dropped never reach the file. (A frame the encoder itself dropped leaves a gap too, with
    // nothing missing after it: at most that many gaps may resume at a P picture.)
    const afterGap = packets.filter((q, i) => i > 0 && q.pts - packets[i - 1]!.pts > 1.5 / 30);
    expect(afterGap.length).toBeGreaterThan(0);
    expect(afterGap.filter((q) => !q.key).length).toBeLessThanOrEqual(result.dropped);
  });

  it("Mp4Recorder: every picture reaches the file, none dropped", (ctx) => {
    const { result, inFile } = run(ctx, "recorder");
    expect(result.frames).toBeGreaterThanOrEqual(90);
    expect(result.dropped).toBe(0);
    expect(inFile).toBe(result.frames);
  });
});

describe("a full card", () => {
  it("stops the recording with the error reported once; stop() in finally closes quietly and the file plays", (ctx) => {
    const mnt = join(out, "full-card");
    mkdirSync(mnt, { recursive: true });
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mnt], { encoding: "utf8" });
    if (mounted.status !== 0) {
      console.log(`SKIP: test/recording.test.ts: cannot mount a tmpfs here (${mounted.stderr.trim()}); the ENOSPC path is covered by libs/mp4's C tests`);
      ctx.skip();
    }
    try {
      // The test pattern compresses to a few hundred bytes a picture: delivered 10x faster.
      const r = spawnSync(HOST_RUNTIME, ["--sdcard", mnt, app("rec-full"), "/sdcard/full.mp4"], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, K230JS_SIM_SENSOR_PACE: "10" },
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^stopped: ENOSPC\nclosed after \d+ frames, [1-9]\d* fragments\n$/);
      const decode = spawnSync("ffmpeg", ["-hide_banner", "-v", "error", "-i", join(mnt, "full.mp4"), "-f", "null", "-"], { encoding: "utf8" });
      expect(decode.stderr.trim()).toBe("");
      expect(decode.status).toBe(0);
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});

/** ffmpeg's complaints decoding a file ("" when clean) and its video packets, from ffprobe. */
function check(file: string): { decode: string; packets: { pts: number; key: boolean }[] } {
  const d = spawnSync("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
  const p = spawnSync("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file], { encoding: "utf8" });
  const packets = p.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => ({ pts: Number(l.split(",")[0]), key: l.split(",")[1]!.startsWith("K") }));
  return { decode: (d.stderr + (d.status === 0 ? "" : ` exit ${d.status}`)).trim(), packets };
}

describe("loop recording", () => {
  it("Mp4Muxer (fed from C): files cut at keyframes, numbered on after a restart, the newest kept", () => {
    const card = join(out, "segments-card");
    mkdirSync(join(card, "seg"), { recursive: true });
    writeFileSync(join(card, "seg", "notes.txt"), "not a recording: never deleted\n");
    const run = () => {
      const r = spawnSync(HOST_RUNTIME, ["--sdcard", card, app("mp4-segments"), "/sdcard/seg/part-{index:3}.mp4", "1000", "4", "3"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { index: number; files: number; deleted: number; path: string };
    };
    const first = run();
    expect(first).toMatchObject({ index: 4, files: 4, deleted: 0, path: "/sdcard/seg/part-004.mp4" });
    const second = run(); // numbers on from the highest file on the card; 4 files kept
    expect(second).toMatchObject({ index: 8, files: 4, deleted: 4, path: "/sdcard/seg/part-008.mp4" });
    expect(readdirSync(join(card, "seg")).sort()).toEqual(["notes.txt", "part-005.mp4", "part-006.mp4", "part-007.mp4", "part-008.mp4"]);
    for (const name of ["part-005.mp4", "part-006.mp4", "part-007.mp4"]) {
      const c = check(join(card, "seg", name));
      expect(c.decode, name).toBe("");
      // Each file plays on its own: from 0 s, a keyframe first, about a second long.
      expect(c.packets[0]).toEqual({ pts: 0, key: true });
      expect(c.packets.length).toBeGreaterThanOrEqual(29);
      expect(c.packets.length).toBeLessThanOrEqual(40);
    }
  });

  it("the sanitizer build records segments and fills a card without a leak or an error", (ctx) => {
    if (!existsSync(ASAN_RUNTIME)) {
      console.log(`SKIP: test/recording.test.ts: no sanitizer build at ${ASAN_RUNTIME} (scripts/setup.sh --all)`);
      ctx.skip();
    }
    const card = join(out, "asan-card");
    mkdirSync(join(card, "seg"), { recursive: true });
    const seg = spawnSync(ASAN_RUNTIME, ["--sdcard", card, app("mp4-segments"), "/sdcard/seg/a-{index}.mp4", "500", "2", "3"], { encoding: "utf8", timeout: 120_000, env: ASAN_ENV });
    expect(seg.stderr).toBe("");
    expect(seg.status).toBe(0);
    expect(readdirSync(join(card, "seg")).sort()).toEqual(["a-3.mp4", "a-4.mp4"]);
    const mnt = join(out, "asan-full");
    mkdirSync(mnt, { recursive: true });
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mnt]).status !== 0) return;
    try {
      const full = spawnSync(ASAN_RUNTIME, ["--sdcard", mnt, app("rec-full"), "/sdcard/full.mp4"], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...ASAN_ENV, K230JS_SIM_SENSOR_PACE: "10" },
      });
      expect(full.stderr).toBe("");
      expect(full.status).toBe(0);
      expect(full.stdout).toMatch(/^stopped: ENOSPC\n/);
    } finally {
      spawnSync("umount", [mnt]);
    }
  }, 300_000);

  it("Mp4Recorder on a 20 MB card: 5 minutes of media in 20 s files, never a full card, the newest files kept and playable", async (ctx) => {
    const mnt = join(out, "loop-card");
    mkdirSync(mnt, { recursive: true });
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=20m", "tmpfs", mnt], { encoding: "utf8" });
    if (mounted.status !== 0) {
      console.log(`SKIP: test/recording.test.ts: cannot mount a 20 MB tmpfs here (${mounted.stderr.trim()}); the retention policy on a small card is covered by test_mp4_segmenter's simulated card`);
      ctx.skip();
    }
    try {
      mkdirSync(join(mnt, "dashcam"));
      // The camera shows a noisy clip (the test pattern compresses to nothing), delivered 10x
      // faster than real time: 2 Mbit/s of 320x240 H.264, 75 MB for the 5 minutes (9000 pictures).
      const noisy = makeClip("noise-320x240.mp4", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30,noise=alls=30:allf=t+u", "-t", "4", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "-f", "mp4"]);
      const t0 = performance.now();
      // Not spawnSync: a minute of blocking starves the test runner's own messages.
      const r = await runAsync(HOST_RUNTIME, ["--sdcard", mnt, app("rec-loop"), "/sdcard/dashcam/cam-{index:4}-{time}.mp4", "9000", "20000", "6"], 240_000, {
        ...process.env,
        K230JS_SIM_SENSOR: `file:${noisy}`,
        K230JS_SIM_SENSOR_PACE: "10",
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const stats = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { frames: number; bytes: number; files: number; deleted: number; recovered: number };
      expect(stats.frames).toBeGreaterThanOrEqual(9000);
      expect(stats.bytes).toBeGreaterThan(3 * 20 * 1024 * 1024); // the card was filled over and over
      expect(stats.recovered).toBe(0); // the policy kept room: the card never filled up
      const kept = readdirSync(join(mnt, "dashcam")).sort();
      const indexes = kept.map((n) => Number(/^cam-(\d{4})-\d{8}-\d{6}\.mp4$/.exec(n)![1]));
      // The newest files, without a gap, up to the last one started.
      expect(indexes.at(-1)).toBe(stats.files);
      expect(indexes).toEqual(indexes.map((_, i) => stats.files - indexes.length + 1 + i));
      expect(stats.deleted).toBe(stats.files - kept.length);
      for (const name of kept) {
        const c = check(join(mnt, "dashcam", name));
        expect(c.decode, name).toBe("");
        expect(c.packets[0], name).toEqual({ pts: 0, key: true });
      }
      console.log(`loop recording: ${stats.frames} pictures, ${(stats.bytes / 1048576).toFixed(1)} MB in ${stats.files} files on a 20 MB card, ${stats.deleted} deleted, ${kept.length} kept, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } finally {
      spawnSync("umount", [mnt]);
    }
  }, 300_000);
});
