// Every example runs as the README says, on a fresh simulated card (nothing on it): the playback
// examples make their inputs from the camera when the card has none. And every "cannot open"
// names the app's path.
import { spawn } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, ROOT, cli, tempDir } from "./helpers/run.js";

const examples = readdirSync(join(ROOT, "examples"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, "examples", d.name, "main.ts")))
  .map((d) => d.name);
// Servers and demos that run until stopped: the arguments the README gives for a short run, or
// the line that shows they serve (then Ctrl-C).
// Servers listen on ports of their own here, so that other RTSP tests running at once do not collide.
const ARGS: Record<string, string[]> = { "camera-demo": ["2", "18554"], "rtsp-camera": ["2"], "rtsp-file": ["/sdcard/test.mp4", "18556"] };
const SERVES: Record<string, string> = { "rtsp-file": "rtsp url: rtsp://" };

function runUntil(args: string[], line: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const on = (d: Buffer) => {
      out += d;
      if (out.includes(line)) child.kill("SIGINT");
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.on("exit", (code) => resolve({ out, code }));
  });
}

describe("examples on a fresh simulated card", () => {
  it("lists what the README lists", () => {
    expect(examples.length).toBeGreaterThanOrEqual(9);
  });

  for (const name of examples) {
    it(name, async () => {
      const sd = tempDir(`ex-${name}`);
      const args = ["run", join("examples", name, "main.ts"), "--sdcard", sd];
      if (SERVES[name]) {
        const r = await runUntil([...args, "--", ...(ARGS[name] ?? [])], SERVES[name]!);
        expect(r.out).toContain(SERVES[name]);
        expect(r.out).not.toMatch(/Uncaught|cannot open/);
        return;
      }
      const r = cli([...args, "--", ...(ARGS[name] ?? [])]);
      expect(r.stderr).not.toMatch(/Uncaught|cannot open/);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }, 90_000);
  }

  it("camera-demo (npm start) prints its status at 5 s and at 10 s of a 10 s run, with lost and late frames", () => {
    const sd = tempDir("ex-status");
    const r = cli(["run", join("examples", "camera-demo", "main.ts"), "--sdcard", sd, "--", "10", "18564"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const status = r.stdout.split("\n").filter((l) => /^\d+ s: streamed/.test(l));
    expect(status.map((l) => l.split(":")[0]), r.stdout).toEqual(["5 s", "10 s"]);
    for (const l of status) expect(l).toMatch(/recorded \d+ frames .*, dropped \d+, late \d+$/);
  }, 90_000);

  it("every 'cannot open' names the path", () => {
    const sd = tempDir("ex-missing");
    const cases: [string, string[], RegExp][] = [
      ["mp4-record", ["/sdcard/nodir/rec.mp4", "5"], /Mp4Recorder\.start: cannot open '\/sdcard\/nodir\/rec\.mp4': no such file or directory/],
      ["mp4-record-lowlevel", ["/sdcard/nodir/low.mp4", "5"], /new Mp4Muxer: cannot open '\/sdcard\/nodir\/low\.mp4'/],
      ["mp4-demux", ["/sdcard/none.mp4"], /new Mp4Demuxer: cannot open '\/sdcard\/none\.mp4'/],
      ["video-decode", ["/sdcard/none.264"], /openFile: cannot open '\/sdcard\/none\.264'/],
    ];
    for (const [name, args, message] of cases) {
      const r = cli(["run", join("examples", name, "main.ts"), "--sdcard", sd, "--", ...args]);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
    }
  }, 60_000);
});
