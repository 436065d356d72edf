// `k230js doctor`: the self-test on the simulator, directly and over its pty (--port sim) as on a
// board; a failing row (a sensor that cannot open, a full card, a timeout, a hang in C) reported
// with its exact error while the other rows run; the card left clean. And what the self-test
// needs from the runtime: MediaFile.sync()/exact errors/removeFile() and Sensor.info().
// The full-card cases mount a small tmpfs in a user+mount namespace (`unshare -rm`).
// K230JS_BUILD_DIR may name another host build of the runtime (the board's HAL on the MPP
// double): the cases that steer the simulator through K230JS_SIM_* then skip, the rest run.
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

const PLATFORM = run(HOST_RUNTIME, ["-e", 'import { platform } from "k230:sys"; console.log(platform)']).stdout.trim();
const SIM = PLATFORM === "host";
if (!SIM) console.log(`SKIP: test/doctor.test.ts: ${HOST_RUNTIME} is not the simulator (platform '${PLATFORM}'): the cases steered by K230JS_SIM_* did not run`);

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
       const g = openFile("/sdcard/a.bin");
       const ab = g.read(16);
       console.log([ab.byteLength, new Uint8Array(ab).join(","), new Uint8Array(ab.transfer(2)).join(","), ab.detached, String(g.read(1))].join(" "));
       g.close();
       removeFile("/sdcard/a.bin");
       for (const fn of [() => removeFile("/sdcard/a.bin"), () => openFile("/sdcard/no/such.bin"), () => f.write(new Uint8Array(1)), () => f.sync()])
         try { fn(); console.log("no error"); } catch (e) { console.log(e.code + " " + e.message); }`,
    );
    expect(out).toEqual([
      "3 1,2,3 1,2 true null",
      "ENOENT removeFile: cannot remove '/sdcard/a.bin': no such file or directory",
      "ENOENT openFile: cannot open '/sdcard/no/such.bin': no such file or directory",
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
    expect(r.stdout.trim()).toMatch(/^ENOSPC MediaFile\.(write|sync|close): cannot write '\/sdcard\/big\.bin': no space left on device$/);
  });

  it.skipIf(!SIM)("Sensor.info() names the source and the sensor mode", () => {
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

interface JsonReport {
  device: string;
  ok: boolean;
  rows: { row: string; ok: boolean; text: string; figures?: Record<string, number | string>; error?: { code: string; message: string } }[];
  notes: string[];
}

function doctor(args: string[], env: Record<string, string> = {}): Run {
  return run(process.execPath, [CLI, "doctor", ...args], env);
}

/** The table's row lines by row name (name, ok/FAIL, text). */
function table(stdout: string): Map<string, { ok: boolean; text: string }> {
  const m = new Map<string, { ok: boolean; text: string }>();
  for (const l of stdout.split("\n")) {
    const r = /^([a-z0-9-]+) +(ok|FAIL) +(.*)$/.exec(l);
    if (r) m.set(r[1]!, { ok: r[2] === "ok", text: r[3]! });
  }
  return m;
}

/** A card directory with a file of the user's in it, which doctor must leave alone. */
function card(name: string): string {
  const sd = tempDir(name);
  writeFileSync(join(sd, "keep.txt"), "mine\n");
  return sd;
}

const ALL = ["runtime", "memory", "sd", "vb", "sensor", "h264", "h265", "rtsp", "display", "audio-in", "audio-out"];
const NO_SENSOR = "ENODEV: new Sensor: cannot open sensor 0 (1920x1080@30): no such device";

describe("k230js doctor", () => {
  it("on the simulator (no --port): every row ok with sane figures; the card left as it was", () => {
    const sd = card("doctor-sim");
    const r = doctor(["--sdcard", sd, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout) as JsonReport;
    expect(rep.ok).toBe(true);
    expect(rep.device).toContain(`/sdcard = ${sd}`);
    expect(rep.rows.map((x) => x.row)).toEqual(ALL);
    for (const row of rep.rows) expect(row.ok, `${row.row}: ${row.text}`).toBe(true);
    const f = Object.fromEntries(rep.rows.map((x) => [x.row, x.figures ?? {}]));
    expect(f.runtime).toMatchObject(SIM ? { platform: "host", board: "simulator" } : { platform: "k230" });
    expect(f.runtime!.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(f.sd).toMatchObject({ bytes: 8 << 20 });
    expect(f.sd!.writeMBps).toBeGreaterThan(1);
    expect(f.sd!.readMBps).toBeGreaterThan(1);
    expect(f.sd!.diskTotal).toBeGreaterThan(0);
    expect(f.sd!.diskFree).toBeLessThanOrEqual(f.sd!.diskTotal as number);
    expect(f.vb!.physAddr).toBeGreaterThan(0);
    expect(f.sensor).toMatchObject({ width: 1920, height: 1080, fps: 30 });
    if (SIM) expect(f.sensor!.name).toBe("pattern");
    else expect(f.sensor!.name).not.toBe(""); // the driver kd_mpi_sensor_adapt_get chose
    for (const c of ["h264", "h265"]) {
      expect(f[c]).toMatchObject({ width: 1280, height: 720, seconds: 2 });
      expect(f[c]!.fps, c).toBeGreaterThan(5); // whatever a loaded 2-core machine sustains...
      expect(f[c]!.fps, c).toBeLessThanOrEqual(30); // ...but never more than the camera's 30
      expect(f[c]!.bytes, c).toBeGreaterThan(5000);
    }
    expect(f.rtsp!.tcpReceived).toBe(f.rtsp!.tcpSent);
    expect(f.rtsp!.udpReceived).toBe(f.rtsp!.udpSent);
    expect(f.rtsp!.tcpSent).toBeGreaterThanOrEqual(90); // 30 frames of 3 kB
    expect(f.display).toMatchObject({ type: "VIRT", width: 640, height: 480 });
    expect(f["audio-in"]).toMatchObject({ rate: 16000, samples: 8000 });
    if (SIM) expect(f["audio-in"]!.peak).toBeGreaterThan(1000); // the simulator's tone
    expect(f["audio-out"]).toMatchObject({ rate: 16000, samples: 8000 });
    expect(rep.notes).toEqual([]);
    expect(readdirSync(sd)).toEqual(["keep.txt"]);
  });

  it("over the simulator's pty (--port sim), as on a board: the table, each row printed as it completes", async () => {
    const sd = card("doctor-pty");
    const child = spawn(process.execPath, [CLI, "doctor", "--port", "sim", "--sdcard", sd], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const t0 = Date.now();
    const lines: { at: number; text: string }[] = [];
    let rest = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      rest += d.toString();
      for (let nl; (nl = rest.indexOf("\n")) >= 0; rest = rest.slice(nl + 1)) lines.push({ at: Date.now() - t0, text: rest.slice(0, nl) });
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((res) => child.on("exit", res));
    const end = Date.now() - t0;
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(lines[0]!.text).toMatch(/^k230js doctor: simulator on \/dev\/pts\/\d+ \(k230js .*; board .*; platform .*; QuickJS-ng .*\)$/);
    const rows = lines.slice(1, -1).map((l) => l.text);
    expect(rows.map((l) => l.split(/ +/)[0])).toEqual(ALL);
    for (const l of rows) expect(l).toMatch(/^[a-z0-9-]+ +ok +\S/);
    expect(rows[0]).toMatch(SIM ? /^runtime +ok +k230js \S+, QuickJS-ng \S+, host \(simulator\)$/ : /^runtime +ok +k230js \S+, QuickJS-ng \S+, k230 \(.*\)$/);
    expect(rows[2]).toMatch(/^sd +ok +write [\d.]+ MB\/s, read [\d.]+ MB\/s \(8 MiB, fsync'd, verified\); [\d.]+ GB free of [\d.]+ GB$/);
    expect(rows[7]).toMatch(/^rtsp +ok +port \d+: TCP (\d+)\/\1 RTP packets \(.*\), UDP (\d+)\/\2; 30 frames each$/);
    expect(lines.at(-1)!.text).toMatch(/^11 rows: all ok in [\d.]+ s$/);
    // Progress: the first row is out long before the end (h264 and h265 take 2 s each).
    expect(end - lines[1]!.at).toBeGreaterThan(4000);
    expect(readdirSync(sd)).toEqual(["keep.txt"]);
  });

  it.skipIf(!SIM)("a sensor that cannot open: its rows fail with the exact error, every other row runs; exit 1", () => {
    const r = doctor(["--port", "sim", "--sdcard", card("doctor-nosensor")], { K230JS_SIM_SENSOR: "file:/nonexistent" });
    expect(r.status).toBe(1);
    const t = table(r.stdout);
    expect([...t.keys()]).toEqual(ALL);
    for (const row of ["sensor", "h264", "h265"]) expect(t.get(row), row).toEqual({ ok: false, text: NO_SENSOR });
    for (const row of ALL.filter((x) => !["sensor", "h264", "h265"].includes(x))) expect(t.get(row)!.ok, row).toBe(true);
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^11 rows: 8 ok, 3 failed \(sensor, h264, h265\) in [\d.]+ s$/);
  });

  it.skipIf(!canUnshare)("a full card: the sd row fails with ENOSPC, the rest runs, the card is left as it was", () => {
    const dir = tempDir("doctor-full");
    const r = onTinyCard(dir, 4096, `${process.execPath} ${CLI} doctor --port sim --sdcard "$1" --only runtime,sd,vb`);
    expect(r.status).toBe(1);
    const t = table(r.stdout);
    expect(t.get("sd")).toEqual({ ok: false, text: "ENOSPC: MediaFile.write: cannot write '/sdcard/.k230js-doctor.tmp': no space left on device" });
    expect(t.get("runtime")!.ok).toBe(true);
    expect(t.get("vb")!.ok).toBe(true);
    expect(r.after).toEqual(["keep.txt"]);
  });

  for (const mode of [[], ["--port", "sim"]]) {
    it(`a row over its time is reported as timed out and the rows after it still run (${mode.length ? "--port sim" : "direct"})`, () => {
      const t0 = Date.now();
      // h264 takes 2.5 s at least (a warm-up, then 2 s counted); rtsp well under 2 s
      const r = doctor([...mode, "--sdcard", card("doctor-timeout"), "--only", "h264,rtsp", "--timeout", "2"]);
      expect(r.status).toBe(1);
      const t = table(r.stdout);
      expect(t.get("h264")).toEqual({ ok: false, text: "ETIMEDOUT: timed out after 2 s" });
      expect(t.get("rtsp")!.ok, t.get("rtsp")!.text).toBe(true);
      expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^2 rows: 1 ok, 1 failed \(h264\) in [\d.]+ s$/);
      expect(Date.now() - t0).toBeLessThan(15_000);
    });
  }

  it("the sd row cut by its timeout leaves the card as it was", () => {
    const sd = card("doctor-sdcut");
    const r = doctor(["--port", "sim", "--sdcard", sd, "--only", "runtime,sd", "--timeout", "0.1", "--json"]);
    expect(r.status).toBe(1);
    const rep = JSON.parse(r.stdout) as JsonReport;
    expect(rep.rows.map((x) => [x.row, x.ok, x.error?.code])).toEqual([
      ["runtime", true, undefined],
      ["sd", false, "ETIMEDOUT"],
    ]);
    expect(readdirSync(sd)).toEqual(["keep.txt"]);
  });

  it.skipIf(!SIM)("a row that hangs in C: interrupted directly; over the pty two Ctrl-C, then the link is given up and said so", () => {
    const fifo = join(tempDir("doctor-hang"), "camera.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0); // opening it as a video blocks for ever
    const env = { K230JS_SIM_SENSOR: `file:${fifo}` };
    let r = doctor(["--sdcard", card("doctor-hang1"), "--only", "sensor,display", "--timeout", "1"], env);
    expect(r.status).toBe(1);
    let t = table(r.stdout);
    expect(t.get("sensor")).toEqual({ ok: false, text: "ETIMEDOUT: timed out after 1 s" });
    expect(t.get("display")!.ok).toBe(true);
    r = doctor(["--port", "sim", "--sdcard", card("doctor-hang2"), "--only", "sensor,display", "--timeout", "1"], env);
    expect(r.status).toBe(1);
    t = table(r.stdout);
    expect(t.get("sensor")).toEqual({ ok: false, text: "ETIMEDOUT: timed out after 1 s" });
    expect(t.get("display")).toEqual({ ok: false, text: "ESTOPPED: not run: the device was lost (it does not answer Ctrl-C; reset it)" });
  }, 60_000);

  it("Ctrl-C: the running row is interrupted on the device, the rest reported as not run; exit 130", async () => {
    const child = spawn(process.execPath, [CLI, "doctor", "--port", "sim", "--sdcard", card("doctor-ctrlc"), "--only", "runtime,h264,display"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!sent && /^runtime +ok/m.test(stdout)) sent = child.kill("SIGINT"); // h264 is running now (2 s)
    });
    const status = await new Promise<number | null>((res) => child.on("exit", res));
    expect(status).toBe(130);
    const t = table(stdout);
    expect(t.get("h264")).toEqual({ ok: false, text: "EINTR: interrupted (Ctrl-C)" });
    expect(t.get("display")).toEqual({ ok: false, text: "EINTR: not run: interrupted (Ctrl-C)" });
  });

  it("bad options: one line, exit 2; --help lists the rows", () => {
    for (const [args, msg] of [
      [["--only", "sd,nope"], "k230js: doctor: --only: unknown row 'nope' (rows: runtime, memory, sd, vb, sensor, h264, h265, rtsp, display, audio-in, audio-out)"],
      [["--only", "sd", "--skip", "vb"], "k230js: doctor: give --only or --skip, not both"],
      [["--skip", ALL.join(",")], "k230js: doctor: --skip leaves no rows to run"],
      [["--timeout", "0"], "k230js: doctor: --timeout must be a positive number of seconds, not '0'"],
      [["--display", "HDMI"], "k230js: doctor: --display must be one of VIRT, ST7701, LT9611, not 'HDMI'"],
      [["extra"], "k230js: doctor: unexpected argument 'extra'"],
    ] as const) {
      const r = doctor([...args]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim(), args.join(" ")).toBe(msg);
    }
    const h = doctor(["--help"]);
    expect(h.status).toBe(0);
    for (const row of ALL) expect(h.stdout).toMatch(new RegExp(`^  ${row} +\\S`, "m"));
  });
});
