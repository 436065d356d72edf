// `k230js doctor`: the self-test on the simulator, directly and over its pty (--port sim) as on a
// board; a failing row (a sensor that cannot open, a full card, a timeout, a hang in C) reported
// with its exact error while the other rows run; the card left clean. And what the self-test
// needs from the runtime: MediaFile.sync()/exact errors/removeFile() and Sensor.info().
// The full-card cases mount a small tmpfs in a user+mount namespace (`unshare -rm`).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { H264, makeClip, VIDEO_IN } from "./helpers/media.js";
import { CLI, HOST_RUNTIME, ROOT, tempDir } from "./helpers/run.js";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeout = 120_000): Run {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs `code` as a module on the simulator with /sdcard = sd; stdout lines. */
function js(sd: string, code: string, env: Record<string, string> = {}): string[] {
  const r = run(HOST_RUNTIME, ["--sdcard", sd, "-e", code], env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.trim().split("\n");
}

const canUnshare = spawnSync("unshare", ["-rm", "true"]).status === 0;
if (!canUnshare) console.log("SKIP: test/doctor.test.ts: 'unshare -rm' is not allowed here: the full-card cases did not run");

/** Runs `cmd "$1"` in a mount namespace where $1 (dir) is a tmpfs of sizeK KiB; then lists $1. */
function onTinyCard(dir: string, sizeK: number, cmd: string, env: Record<string, string> = {}): Run & { after: string[] } {
  const script = `mount -t tmpfs -o size=${sizeK}k tmpfs "$1" && echo keep > "$1/keep.txt" && ${cmd}; s=$?; echo "@after $(ls -A "$1" | tr '\\n' ' ')"; exit $s`;
  const r = run("unshare", ["-rm", "sh", "-c", script, "sh", dir], env);
  const m = /^@after (.*)$/m.exec(r.stdout);
  return { ...r, stdout: r.stdout.replace(/^@after .*\n?/m, ""), after: (m?.[1] ?? "?").trim().split(" ").filter(Boolean) };
}

describe("what the self-test needs from the runtime", () => {
  it("MediaFile.sync(), errors naming the path with the errno's code, removeFile()", () => {
    const sd = tempDir("doctor-file");
    const out = js(
      sd,
      `import { openFile, removeFile } from "k230:media";
       const f = openFile("/sdcard/a.bin", "w");
       f.write(new Uint8Array([1, 2, 3]));
       f.sync();
       f.close();
       f.close();
       console.log(new Uint8Array(openFile("/sdcard/a.bin").read(16)).join(","));
       removeFile("/sdcard/a.bin");
       for (const fn of [() => removeFile("/sdcard/a.bin"), () => openFile("/sdcard/no/such.bin"), () => f.write(new Uint8Array(1)), () => f.sync()])
         try { fn(); console.log("no error"); } catch (e) { console.log(e.code + " " + e.message); }`,
    );
    expect(out).toEqual([
      "1,2,3",
      "ENOENT removeFile: '/sdcard/a.bin': No such file or directory",
      "ENOENT openFile: '/sdcard/no/such.bin': No such file or directory",
      "ECLOSED MediaFile.write: the file is closed",
      "ECLOSED MediaFile.sync: the file is closed",
    ]);
    expect(readdirSync(sd)).toEqual([]);
  });

  it.skipIf(!canUnshare)("a full card is ENOSPC from write/sync/close, with the path", () => {
    const dir = tempDir("doctor-full-file");
    const code = `import { openFile } from "k230:media";
      const f = openFile("/sdcard/big.bin", "w");
      try { for (let i = 0; i < 16; i++) f.write(new Uint8Array(65536)); f.sync(); f.close(); console.log("no error"); }
      catch (e) { console.log(e.code + " " + e.message); }`;
    const r = onTinyCard(dir, 256, `${HOST_RUNTIME} --sdcard "$1" -e '${code}'`);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toMatch(/^ENOSPC MediaFile\.(write|sync|close): '\/sdcard\/big\.bin': No space left on device$/);
  });

  it("Sensor.info() names the source and the sensor mode", () => {
    const sd = tempDir("doctor-sensor");
    const code = `import { Sensor } from "k230:media";
      for (const o of [undefined, { width: 1280, height: 720, fps: 25 }]) { const s = new Sensor(o); console.log(JSON.stringify(s.info())); s.close(); }
      const s = new Sensor(); s.close();
      try { s.info(); } catch (e) { console.log(e.code + " " + e.message); }`;
    expect(js(sd, code)).toEqual([
      '{"name":"pattern","width":1920,"height":1080,"fps":30}',
      '{"name":"pattern","width":1280,"height":720,"fps":25}',
      "ECLOSED Sensor.info: the sensor is closed",
    ]);
    const clip = makeClip("doctor-sensor.mp4", [...VIDEO_IN, ...H264, "-f", "mp4"]);
    expect(js(sd, code, { K230JS_SIM_SENSOR: `file:${clip}` })[0]).toBe(`{"name":"file:${clip}","width":1920,"height":1080,"fps":30}`);
  });
});
