// A file that shrinks (truncated by another process) while an Mp4Demuxer or AnnexBReader reads
// it: the reader's next call throws an error naming the file (code ETRUNC), uncaught it ends the
// app with status 1 like any error, and nothing dies of SIGBUS. Where files are mapped (the
// host), a frame or unit still held from past the new end reads zeros. The runtime linked for
// the board's system calls (build/host/rtsmart: files are read, not mapped) gives the same errors
// (the AnnexBReader's at the end of what is left), frames held keep their bytes.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeClip, probePackets } from "./helpers/media.js";
import { ASAN_ENV, ASAN_RUNTIME, cli, HOST_RUNTIME, preloadShim, ROOT, startUntil, tempDir } from "./helpers/run.js";

const out = tempDir("shrink");
const app = join(out, "shrink-read.js");
const RTSMART_RUNTIME = join(ROOT, "build", "host", "rtsmart", "k230js");
const SRC = ["-f", "lavfi", "-i", "testsrc=size=640x480:rate=30:duration=8", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=8"];
const X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-g", "30", "-bf", "0", "-pix_fmt", "yuv420p"];
let mov = "";
let raw = "";

beforeAll(() => {
  const r = cli(["build", join(ROOT, "test", "apps", "shrink-read.ts"), "-o", app]);
  expect(r.status, r.stderr).toBe(0);
  mov = makeClip("shrink-640x480-8s.mov", [...SRC, ...X264, "-c:a", "pcm_alaw", "-f", "mov"]);
  raw = makeClip("shrink-640x480-8s.264", [...SRC.slice(0, 4), ...X264, "-f", "h264"]);
});

/** Runs the reader over a copy of `clip`, shrinks the copy (to 30%, or to `newSize(size)`) once it
 * has read 60% of the frames, and returns how it ended. */
async function shrinkWhileReading(runtime: string, kind: string, clip: string, frames: number, env = process.env, newSize = (size: number) => Math.floor(size * 0.3)) {
  const dir = tempDir("shrink-run");
  const file = join(dir, kind === "annexb" ? "clip.264" : "clip.mov");
  const go = join(dir, "go");
  copyFileSync(clip, file);
  const size = statSync(file).size;
  const run = startUntil([app, kind, file, String(Math.floor(frames * 0.6)), go], "ready", runtime, env);
  await run.ready;
  truncateSync(file, newSize(size));
  writeFileSync(go, "");
  const { code } = await run.exited;
  const signal = run.child.signalCode;
  return { code, signal, file, ...run.output() };
}

const count = (clip: string) => probePackets(clip).length;

/** Ended by the reader's error naming the file, as any thrown error ends an app: no signal. */
function expectShrankError(r: Awaited<ReturnType<typeof shrinkWhileReading>>, kind: string): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(1);
  const fn = kind === "annexb" ? "AnnexBReader.read" : "Mp4Demuxer.getFrame";
  expect(r.stderr).toContain(`${fn}: '${r.file}' shrank while it was open`);
}

function needRuntime(ctx: { skip: () => void }, runtime: string, what: string): void {
  if (existsSync(runtime)) return;
  console.log(`SKIP: test/shrink.test.ts: no ${what} at ${runtime} (scripts/setup.sh --all)`);
  ctx.skip();
}

describe("a file that shrinks while it is read", () => {
  for (const kind of ["mp4", "mp4-stored", "annexb"]) {
    it(`${kind}: the next read throws naming the file; a held frame past the end reads zeros`, async () => {
      const clip = kind === "annexb" ? raw : mov;
      const r = await shrinkWhileReading(HOST_RUNTIME, kind, clip, count(clip));
      expectShrankError(r, kind);
      expect(r.stdout).not.toContain("frames ");
      // Annex-B video frames are the demuxer's own copies; as stored, frames and units are the
      // file's bytes in place (mapped), gone with it.
      expect(r.stdout).toMatch(kind === "mp4" ? /held [1-9]/ : /held 0\n/);
    });
  }

  // Cut by less than a page, inside the last frame: the rest of that page reads the kernel's
  // zeros with no fault, so only the file's size at the end of the stream tells.
  for (const kind of ["mp4", "mp4-stored"]) {
    it(`${kind}: a cut inside the last frame's page (no fault) still ends in the error`, async () => {
      const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "packet=pos,size", "-of", "csv=p=0", mov], { encoding: "utf8" });
      expect(probe.status, probe.stderr).toBe(0);
      const lastEnd = Math.max(...probe.stdout.trim().split("\n").map((l) => l.split(",").map(Number)).map(([size, pos]) => pos! + size!));
      expect(Math.floor((lastEnd - 10) / 4096), "the cut and the frame's end share a page").toBe(Math.floor((lastEnd - 1) / 4096));
      const r = await shrinkWhileReading(HOST_RUNTIME, kind, mov, count(mov), process.env, () => lastEnd - 10);
      expectShrankError(r, kind);
      expect(r.stdout).not.toContain("frames ");
    });
  }

  // ASan installs its own SIGBUS handler first: ours must chain to it, not lose to it (CI runs
  // the sanitizer build with ASan's default handle_sigbus=1).
  it("under AddressSanitizer too (its SIGBUS handler installed before ours)", async (ctx) => {
    needRuntime(ctx, ASAN_RUNTIME, "the sanitizer build");
    const r = await shrinkWhileReading(ASAN_RUNTIME, "annexb", raw, count(raw), ASAN_ENV);
    expectShrankError(r, "annexb");
    expect(r.stderr).not.toContain("AddressSanitizer");
    expect(r.stdout).toMatch(/held 0\n/);
  });

  it("read, not mapped (the board's system calls): the same errors, held frames intact", async (ctx) => {
    needRuntime(ctx, RTSMART_RUNTIME, "the runtime linked for RT-Smart's system calls");
    for (const kind of ["mp4", "mp4-stored", "annexb"]) {
      const clip = kind === "annexb" ? raw : mov;
      const r = await shrinkWhileReading(RTSMART_RUNTIME, kind, clip, count(clip));
      expectShrankError(r, kind);
      expect(r.stdout).toMatch(/held [1-9]/); // read into the reader's memory before the shrink
    }
  });

  // The runtime maps a bytecode file and the engine reads the mapping: a file shrunk under it
  // reads zeros past its new end (never SIGBUS), and the load is refused naming the file rather
  // than run on those zeros or called corrupt. The moment between the mapping and the read is
  // reached with an LD_PRELOAD shim (test/c/preload/shrink_on_map.c) that truncates the file to
  // half as it is mapped: a one-page app (its tail zeroed in place, no fault) and a 300 KB one
  // (its later pages gone: the SIGBUS handler's zero pages).
  it("a bytecode app that shrinks while it is being loaded is refused, naming the file", () => {
    const dir = tempDir("shrink-bytecode");
    const { so, error } = preloadShim("shrink_on_map", dir);
    expect(error).toBeUndefined();
    const big = join(dir, "big.ts");
    const fns = Array.from({ length: 3000 }, (_, i) => `export function f${i}(x: number): number { return x * ${i} + ${i % 7}; }`);
    writeFileSync(big, `${fns.join("\n")}\nconsole.log("ran", f2999(1));\n`);
    writeFileSync(join(dir, "small.ts"), 'console.log("ran");\n');
    for (const name of ["small", "big"]) {
      const built = cli(["build", join(dir, `${name}.ts`), "-o", join(dir, `${name}.js`), "--bytecode"]);
      expect(built.status, built.stderr).toBe(0);
      const bin = join(dir, `${name}.bin`);
      const size = statSync(bin).size;
      expect(size > 4096).toBe(name === "big");
      const run = (env: NodeJS.ProcessEnv) => spawnSync(HOST_RUNTIME, [bin], { encoding: "utf8", timeout: 30_000, env: { ...process.env, LD_PRELOAD: so, ...env } });
      const whole = run({});
      expect(whole.status, whole.stderr).toBe(0);
      expect(whole.stdout).toMatch(/^ran/);
      const r = run({ K230JS_TEST_SHRINK_ON_MAP: bin });
      expect(statSync(bin).size, "the shim truncated the file").toBe(Math.floor(size / 2));
      expect(r.signal, r.stderr).toBeNull();
      expect(r.stdout).toBe("");
      expect(r.status, r.stderr).toBe(3); // KJS_EXIT_LOAD
      expect(r.stderr.trim()).toBe(`k230js: ${bin}: the file shrank while it was being loaded`);
    }
  });
});
