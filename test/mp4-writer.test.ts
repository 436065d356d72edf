// The muxer's writer thread (quickjs-bindings/src/mp4_writer.c) as the loop thread sees it: a pipe
// wakes it in batches, not once a frame (each wake costs the loop thread a futex call, an IPI
// under a hypervisor), yet no frame waits in its queue longer than a nap (50 ms), so a fragment
// cut while no more frames come is in the file within that, and close() writes everything.
// (The crash-safety of what it writes: test/recording.test.ts.)
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, HOST_RUNTIME, ROOT, tempDir } from "./helpers/run.js";

const out = tempDir("mp4-writer");
const app = join(out, "mp4-writer.js");
const NAP_MS = 50; // MP4JS_WRITER_NAP_MS

beforeAll(() => {
  const r = cli(["build", join(ROOT, "test", "apps", "mp4-writer.ts"), "-o", app]);
  expect(r.status, r.stderr).toBe(0);
});

function packets(file: string, stream = "v"): number {
  const p = spawnSync("ffprobe", ["-v", "error", "-select_streams", stream, "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file], { encoding: "utf8" });
  return Number(p.stdout.trim()) || 0;
}

/** Runs the app; `onStep(line, pid)` is called at each step line while the app waits for stdin. */
function drive(args: string[], env: Record<string, string>, onStep: (line: string, pid: number) => Promise<void> | void) {
  return new Promise<{ result: { frames: number; chunks: number; dropped: number; fragments: number }; stderr: string }>((resolve, reject) => {
    const child = spawn(HOST_RUNTIME, [app, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
    let buf = "";
    let stderr = "";
    let last = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", async (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("{")) last = line;
        else {
          try {
            await onStep(line, child.pid!);
          } catch (e) {
            child.kill("SIGKILL");
            reject(e);
          }
          child.stdin.write("go\n");
        }
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || !last) return reject(new Error(`mp4-writer ${args.join(" ")}: exit ${code ?? signal}: ${stderr}`));
      resolve({ result: JSON.parse(last), stderr });
    });
  });
}

const tasks = (pid: number) => readdirSync(`/proc/${pid}/task`);
const switches = (pid: number, tid: string) => Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"))![1]);

describe("the writer thread of an Mp4Muxer fed by a pipe", () => {
  it("is woken in batches: its wake-ups follow its naps and the keyframes, not the frames", async () => {
    const FRAMES = 600;
    const GOP = 60;
    const file = join(out, "wakes.mp4");
    let before: string[] = [];
    let writer = "";
    let woken = 0;
    let done = { frames: 0, ms: 0 };
    // The camera at 10x real time (300 fps): a wake per frame is 10 times the bound below.
    const { result, stderr } = await drive([file, String(FRAMES), "wakes"], { K230JS_SIM_SENSOR_PACE: "10" }, (line, pid) => {
      if (line === "warm") before = tasks(pid);
      else if (line === "piping") {
        const added = tasks(pid).filter((t) => !before.includes(t));
        expect(added, "the threads the muxer's first frame started").toHaveLength(1);
        writer = added[0]!;
        woken = switches(pid, writer);
      } else if (line.startsWith("done ")) {
        woken = switches(pid, writer) - woken;
        const [, f, ms] = line.split(" ");
        done = { frames: Number(f), ms: Number(ms) };
      } else throw new Error(`unexpected line '${line}'`);
    });
    expect(stderr).toBe("");
    expect(done.frames).toBeGreaterThanOrEqual(FRAMES);
    // Each wait of the thread is a voluntary context switch: one per nap that ended, two per GOP
    // (a keyframe and the picture after it wake it early), and a few more (a lock taken while the
    // loop thread held it): twice that is the bound.
    const bound = 2 * (done.ms / NAP_MS + (2 * done.frames) / GOP) + 20;
    console.log(`writer thread: ${woken} wake-ups for ${done.frames} frames in ${done.ms} ms (bound ${bound.toFixed(0)})`);
    expect(woken).toBeLessThanOrEqual(bound);
    expect(packets(file)).toBe(result.frames); // close() wrote every frame
    expect(result.dropped).toBe(0);
  }, 90_000);

  it("a fragment cut with no frame after it is in the file within a nap; close() writes the rest", async () => {
    const FRAMES = 40;
    const file = join(out, "stop.mp4");
    let stopped = 0;
    let inFile = 0;
    // One keyframe, then pictures cut into 100 ms fragments by time alone (maxFragmentMs): no
    // frame after the first wakes the writer.
    const { result, stderr } = await drive([file, String(FRAMES), "stop"], { K230JS_SIM_SENSOR_PACE: "2" }, async (line) => {
      expect(line).toMatch(/^stopped \d+$/);
      stopped = Number(line.split(" ")[1]);
      await new Promise((r) => setTimeout(r, NAP_MS + 250)); // a nap, and room for a busy machine
      inFile = packets(file);
    });
    expect(stderr).toBe("");
    expect(stopped).toBeGreaterThanOrEqual(FRAMES);
    // 30 fps timestamps: 100 ms fragments of 3 pictures; only the last one (cut by the next
    // picture, which never came) may be missing.
    expect(inFile).toBeGreaterThanOrEqual(stopped - 3);
    expect(inFile).toBeLessThanOrEqual(stopped);
    expect(result.frames).toBe(stopped);
    expect(packets(file)).toBe(stopped);
  }, 90_000);

  it("writeFrame while the pipe runs writes after what the pipe queued: every frame of both in the file", async () => {
    const file = join(out, "mixed.mp4");
    const { result, stderr } = await drive([file, "150", "mixed"], { K230JS_SIM_SENSOR_PACE: "4" }, (line) => {
      throw new Error(`unexpected line '${line}'`);
    });
    expect(stderr).toBe("");
    expect(result.chunks).toBeGreaterThan(200);
    expect(packets(file)).toBe(result.frames);
    expect(packets(file, "a")).toBe(result.chunks);
    const decode = spawnSync("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
    expect(decode.stderr.trim()).toBe("");
  }, 90_000);
});
