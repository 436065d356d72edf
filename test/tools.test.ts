// The raw protocol and the device commands against the simulator over its pty, end to end:
// 1 MB up and down by hash, damaged chunks resent, a cut transfer keeps the old file, confinement,
// oversize headers; run, fs, deploy through the CLI, one process per port; flash to a file, its
// refusals and a truncated .img.gz. The simulated card has the board's FAT semantics.
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { lockFileOf } from "../tools/flash/src/lib/port-lock.js";
import { encodeFrame, FrameParser, RawClient, RemoteError } from "../tools/flash/src/lib/rawproto.js";
import { openSerial } from "../tools/flash/src/lib/transport-serial.js";
import { SimTransport } from "../tools/flash/src/lib/transport-sim.js";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { cli, tempDir } from "./helpers/run.js";

// Every simulator here, the CLI's included, serves a card with FAT semantics (test/fat.test.ts).
process.env.K230JS_SIM_SDCARD = "fat";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const random = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE((Math.random() * 0x100000000) >>> 0, Math.min(i, n - 4));
  return b;
};

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function sim(sdcard = tempDir("sd"), env: Record<string, string> = {}) {
  Object.assign(process.env, env);
  const t = await SimTransport.start({ sdcard });
  for (const k of Object.keys(env)) delete process.env[k];
  const c = new RawClient(t);
  cleanup.push(() => t.close());
  await c.enter();
  return { c, sdcard };
}

describe("raw protocol", () => {
  it("says hello with version, window and board", async () => {
    const { c } = await sim();
    expect(c.hello!.version).toBe(1);
    expect(c.hello!.window).toBeGreaterThan(16384);
    expect(c.hello!.info).toMatch(/k230js .* board simulator/);
  });

  it("exec streams stdout and stderr frames and returns the status", async () => {
    const { c } = await sim();
    let out = "";
    let err = "";
    const io = { onStdout: (b: Buffer) => (out += b), onStderr: (b: Buffer) => (err += b) };
    expect(await c.exec("console.log('a\\x00b', 1 + 1); console.error('oops')", io)).toBe(0);
    expect(out).toBe("a\u0000b 2\n");
    expect(err).toBe("oops\n");
    err = "";
    expect(await c.exec("throw new RangeError('bad')", io)).toBe(1);
    expect(err).toContain("RangeError: bad");
    expect(await c.exec("import { exit } from 'k230:sys'; setTimeout(() => exit(9), 10)", { ...io, module: true })).toBe(9);
    expect(await c.exec("let big = 'x'.repeat(200000); console.log(big.length)", io)).toBe(0); // > one chunk of source
  });

  it("Ctrl-C interrupts an exec", async () => {
    const { c } = await sim();
    const done = c.exec("while (true) {}", { onStdout: () => {}, onStderr: () => {} });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await c.interrupt();
    expect(await done).toBe(130);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("1 MB up and down, verified by SHA-256", async () => {
    const { c, sdcard } = await sim();
    const data = random(1 << 20);
    const up = await c.writeFile("/sdcard/big.bin", data);
    expect(up.resent).toBe(0);
    expect(sha(readFileSync(join(sdcard, "big.bin")))).toBe(sha(data));
    const { data: back } = await c.readFile("/sdcard/big.bin");
    expect(sha(back)).toBe(sha(data));
  });

  it("a damaged chunk is detected by its CRC and resent (both directions)", async () => {
    const { c, sdcard } = await sim(tempDir("sd"), { K230JS_RAW_FAULTS: "corrupt-read=3" });
    const data = random(300_000);
    c.faults.corruptWrite = 4;
    const up = await c.writeFile("/sdcard/f.bin", data);
    expect(up.resent).toBeGreaterThanOrEqual(1);
    expect(sha(readFileSync(join(sdcard, "f.bin")))).toBe(sha(data));
    const down = await c.readFile("/sdcard/f.bin"); // the device damages its 3rd DATA frame
    expect(down.stats.resent).toBeGreaterThanOrEqual(1);
    expect(sha(down.data)).toBe(sha(data));
    c.faults.corruptRead = 2; // and the host sees one damaged frame
    const again = await c.readFile("/sdcard/f.bin");
    expect(again.stats.resent).toBeGreaterThanOrEqual(1);
    expect(sha(again.data)).toBe(sha(data));
  });

  it("a connection cut mid-transfer leaves the old file intact", async () => {
    const sd = tempDir("cut");
    writeFileSync(join(sd, "app.js"), "old contents");
    const rt: PtyRuntime = await startPty(["--sdcard", sd]);
    cleanup.push(() => rt.close());
    await rt.disconnect();
    const t1 = await openSerial(rt.path);
    const c1 = new RawClient(t1);
    await c1.enter();
    const data = random(1 << 20);
    let cut = false;
    const writing = c1
      .writeFile("/sdcard/app.js", data, (n) => {
        if (n > 100_000 && !cut) {
          cut = true;
          void t1.close(); // the cable is pulled
        }
      })
      .catch((e: Error) => e);
    // Nothing more arrives after the close: the write can only end by timing out.
    c1.timeoutMs = 1000;
    expect(await writing).toBeInstanceOf(Error);
    expect(readFileSync(join(sd, "app.js"), "utf8")).toBe("old contents");
    // Reconnect: the device resynchronises, drops the half-written temporary, old file still there.
    const t2 = await openSerial(rt.path);
    const c2 = new RawClient(t2);
    cleanup.push(() => t2.close());
    await c2.enter();
    expect((await c2.readFile("/sdcard/app.js")).data.toString()).toBe("old contents");
    expect(readdirSync(sd)).toEqual(["app.js"]);
  });

  it("refuses '..', paths outside /sdcard and /data, and symlinks", async () => {
    const sd = tempDir("conf");
    symlinkSync("/etc", join(sd, "etc-link"));
    const { c } = await sim(sd);
    for (const p of ["/sdcard/../etc/passwd", "/etc/passwd", "/sdcard/a/../../x", "/sdcard/etc-link/passwd", "/datax/y"]) {
      const e = await c.readFile(p).catch((x: unknown) => x);
      expect(e, p).toBeInstanceOf(RemoteError);
      expect((e as RemoteError).code, p).toBe(-13);
    }
    await expect(c.writeFile("/sdcard/../escape.txt", Buffer.from("x"))).rejects.toThrow(/permission denied/);
    expect(existsSync(join(sd, "..", "escape.txt"))).toBe(false);
    // Writes are pipelined (request, data and END back to back): after a refusal, small (END
    // already sent) or large, the next exchanges get their own replies.
    await expect(c.writeFile("/etc/big.bin", random(200_000))).rejects.toThrow(/permission denied/);
    await c.writeFile("/sdcard/ok.txt", Buffer.from("fine"));
    expect(await c.stat("/sdcard/ok.txt")).toMatchObject({ type: "file", size: 4 });
    expect(readFileSync(join(sd, "ok.txt"), "utf8")).toBe("fine");
  });

  it("stat, list, mkdir, rename, remove", async () => {
    const { c, sdcard } = await sim();
    await c.mkdir("/sdcard/dir");
    await c.writeFile("/sdcard/dir/a.txt", Buffer.from("hello"));
    expect(await c.stat("/sdcard/dir/a.txt")).toMatchObject({ type: "file", size: 5 });
    await c.rename("/sdcard/dir/a.txt", "/sdcard/dir/b.txt");
    expect((await c.list("/sdcard/dir")).map((e) => e.name)).toEqual(["b.txt"]);
    expect(await c.stat("/sdcard/dir/a.txt")).toBeNull();
    await c.remove("/sdcard/dir/b.txt");
    await c.remove("/sdcard/dir");
    expect(readdirSync(sdcard)).toEqual([]);
  });

  it("a header claiming 65535 bytes (the limit is 16400) is refused at once, on both sides", async () => {
    const { c } = await sim();
    const bogus = Buffer.from([0xa5, 0x73, 0xff, 0xff, 0]);
    bogus[4] = ((0x73 + 0xff + 0xff) & 0xff) ^ 0x5a; // a valid header check
    const t0 = performance.now();
    await c.transport.write(bogus);
    expect(await c.stat("/sdcard")).toMatchObject({ type: "dir" }); // not swallowed by the device
    expect(performance.now() - t0).toBeLessThan(400); // sooner than its 500 ms stall rule
    // The same bytes in what the device sends (foreign text) hide nothing from the host.
    for (const between of ["", "[E/drv] some log line\n"]) {
      const p = new FrameParser();
      const frames = p.push(Buffer.concat([bogus, Buffer.from(between), encodeFrame("R", Buffer.alloc(4))]));
      expect(frames.filter((f) => f.ok).map((f) => f.type)).toEqual(["R"]);
    }
  });

  it("a transfer abandoned by another client's HELLO or resync says so", async () => {
    const { c, sdcard } = await sim();
    const u64 = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b;
    };
    for (const other of ["\x01", encodeFrame("h")]) {
      await c.send("w", Buffer.concat([u64(4), Buffer.from("/sdcard/x.txt")]));
      expect((await c.next())?.type).toBe("R");
      await c.transport.write(other); // a second client on the link
      expect((await c.next())?.type).toBe("H");
      await c.send("d", Buffer.concat([u64(0), Buffer.from("abcd")]));
      await c.send("e", createHash("sha256").update("abcd").digest());
      const r = await c.next();
      expect(r?.type).toBe("R");
      expect(r!.payload.readInt32LE(0)).toBe(-71);
      expect(r!.payload.subarray(4).toString()).toMatch(/abandoned by a (HELLO|resynchronisation).*another client on this link/);
    }
    expect(readdirSync(sdcard)).toEqual([]); // nothing written, no temporary left
  });

  it("soft reset gives a fresh VM", async () => {
    const { c } = await sim();
    const quiet = { onStdout: () => {}, onStderr: () => {} };
    await c.exec("globalThis.kept = 1", quiet);
    await c.softReset();
    let out = "";
    await c.exec("console.log(typeof kept)", { onStdout: (b) => (out += b) });
    expect(out).toBe("undefined\n");
  });
});

describe("CLI against the simulator", () => {
  it("run --port sim builds, sends by raw paste, streams output and exits with the app's status", () => {
    const dir = tempDir("run");
    const app = join(dir, "app.ts");
    writeFileSync(app, 'import { exit } from "k230:sys";\nconst n: number = 6 * 7;\nconsole.log(`answer ${n}`);\nsetTimeout(() => exit(5), 20);\n');
    const r = cli(["run", app, "--port", "sim", "--sdcard", join(dir, "sd")], dir);
    expect(r.stdout).toContain("answer 42");
    expect(r.status, r.stderr).toBe(5);
  });

  it("run --port sim -- args: the app sees them as scriptArgs, and stack traces name the .ts lines", () => {
    const dir = tempDir("runargs");
    const app = join(dir, "app.ts");
    writeFileSync(
      app,
      'import { exit } from "k230:sys";\nconst args: string[] = scriptArgs.slice(1);\nconsole.log(JSON.stringify(scriptArgs));\nif (args[0] === "boom") throw new Error("boom");\nexit(args.length);\n',
    );
    const port = ["--port", "sim", "--sdcard", join(dir, "sd")];
    const odd = ["two words", "--flag", "quote\"d", "ünï", ""];
    let r = cli(["run", app, ...port, "--", "a", ...odd], dir);
    expect(r.status, r.stderr).toBe(1 + odd.length);
    const seen = JSON.parse(r.stdout.trim().split("\n").pop()!) as string[];
    expect(seen[0]).toMatch(/app\.js$/);
    expect(seen.slice(1)).toEqual(["a", ...odd]);
    r = cli(["run", app, ...port], dir); // no args: only the name
    expect(JSON.parse(r.stdout.trim())).toEqual([seen[0]]);
    expect(r.status).toBe(0);
    // The arguments go in front of the bundle's first line, so the local source map still fits
    // the board's frames: they name app.ts, line 4 (where the error is thrown).
    r = cli(["run", app, ...port, "--", "boom"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Error: boom\n\s+at .*app\.ts:4:\d+/);
    // Nothing lands in the current directory (the bundle goes to the user's cache).
    expect(readdirSync(dir).sort()).toEqual(["app.ts", "sd"]);
  });

  it("fs cp both ways (recursive), ls, cat, stat, rm", () => {
    const dir = tempDir("fs");
    const sd = join(dir, "sd");
    const src = join(dir, "src");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "one.txt"), "one");
    writeFileSync(join(src, "sub", "two.bin"), random(70_000));
    const port = ["--port", "sim", "--sdcard", sd];
    expect(cli(["fs", "mkdir", ":/sdcard/app", ...port]).status).toBe(0);
    let r = cli(["fs", "cp", "-r", src, ":/sdcard/app/", ...port]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("verified");
    expect(readFileSync(join(sd, "app", "src", "sub", "two.bin")).equals(readFileSync(join(src, "sub", "two.bin")))).toBe(true);
    r = cli(["fs", "ls", ":/sdcard/app/src", ...port]);
    expect(r.stdout).toMatch(/3\s+one\.txt[\s\S]*dir\s+sub\//);
    expect(cli(["fs", "cat", ":app/src/one.txt", ...port]).stdout).toBe("one");
    expect(JSON.parse(cli(["fs", "stat", ":/sdcard/app/src/sub/two.bin", ...port]).stdout)).toMatchObject({ type: "file", size: 70_000 });
    r = cli(["fs", "cp", "-r", ":/sdcard/app/src", join(dir, "back"), ...port]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "back", "sub", "two.bin")).equals(readFileSync(join(src, "sub", "two.bin")))).toBe(true);
    expect(cli(["fs", "rm", ":/sdcard/app", ...port]).status).toBe(2); // a directory needs -r
    expect(cli(["fs", "rm", "-r", ":/sdcard/app", ...port]).status).toBe(0);
    expect(readdirSync(sd)).toEqual([]);
    r = cli(["fs", "cat", ":/sdcard/../../etc/passwd", ...port]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("deploy --port sim installs main.js + map, and the board boots it", async () => {
    const dir = tempDir("deploy");
    const app = join(dir, "app.ts");
    writeFileSync(app, 'const who: string = "deployed app";\nconsole.log(`hello from ${who}`);\n');
    const sd = join(dir, "sd");
    const r = cli(["deploy", app, "--port", "sim", "--sdcard", sd]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(sd).sort()).toEqual(["main.js", "main.js.map"]);
    const rt = await startPty(["--sdcard", sd, "--boot"]);
    cleanup.push(() => rt.close());
    await rt.waitFor("hello from deployed app");
  });

  it("deploy --sdcard DIR writes a mounted card directly", () => {
    const dir = tempDir("deploy2");
    const app = join(dir, "app.ts");
    writeFileSync(app, "console.log('x');\n");
    writeFileSync(join(dir, "main.bin"), "stale");
    const r = cli(["deploy", app, "--sdcard", dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "main.js"))).toBe(true);
    expect(existsSync(join(dir, "main.bin"))).toBe(false);
  });

  it("devices lists ports and marks the K230 USB CDC", () => {
    const sys = tempDir("sysfs");
    const usb = join(sys, "devices", "usb1", "1-1");
    mkdirSync(join(usb, "1-1:1.0", "tty", "ttyACM0"), { recursive: true });
    writeFileSync(join(usb, "idVendor"), "1209\n");
    writeFileSync(join(usb, "idProduct"), "abd1\n");
    writeFileSync(join(usb, "product"), "CanMV-K230\n");
    mkdirSync(join(sys, "class", "tty", "ttyACM0"), { recursive: true });
    symlinkSync(join(usb, "1-1:1.0"), join(sys, "class", "tty", "ttyACM0", "device"));
    const r = spawnSyncEnv(["devices"], { K230JS_SYSFS: sys });
    expect(r.stdout).toMatch(/\/dev\/ttyACM0\s+1209:abd1\s+K230/);
  });

  it("usage errors exit 2 with one line; a missing port too", () => {
    for (const args of [["fs"], ["fs", "cat", "nocolon"], ["flash", "x.img"], ["deploy"], ["fs", "ls", "--port", "/dev/nonexistent-k230"]]) {
      const r = cli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    for (const c of ["devices", "repl", "fs", "deploy", "flash", "image"]) expect(cli([c, "--help"]).status).toBe(0);
  });
});

describe("one process per port", () => {
  it("a second CLI process on a port gets 'port busy (used by pid N)' at once; the first keeps the board", async () => {
    const rt = await startPty(["--sdcard", tempDir("busy")]);
    cleanup.push(() => rt.close());
    await rt.disconnect();
    const dir = tempDir("busyapp");
    writeFileSync(join(dir, "app.ts"), 'console.log("start");\nsetTimeout(() => console.log("end"), 60_000);\n');
    const first = spawn(process.execPath, [CLI, "run", join(dir, "app.ts"), "--port", rt.path], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    first.stdout.on("data", (d) => (out += d));
    const done = new Promise<number | null>((r) => first.on("exit", r));
    // (the first type-checks and bundles before it opens the port)
    for (let i = 0; i < 1200 && !out.includes("start"); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out).toContain("start");
    for (const args of [["fs", "ls"], ["repl"], ["run", join(dir, "app.ts")]]) {
      const t0 = performance.now();
      const r = cli([...args, "--port", rt.path], dir);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr.trim()).toBe(`k230js: ${rt.path}: port busy (used by pid ${first.pid})`);
      expect(performance.now() - t0).toBeLessThan(5000);
    }
    // The first one still has the board: Ctrl-C reaches its app.
    first.kill("SIGINT");
    expect(await done).toBe(130);
    expect(out).toBe("start\n");
    const again = cli(["fs", "ls", "--port", rt.path]);
    expect(again.status, again.stderr).toBe(0);
  });

  it("a lock left by a killed process is taken over", async () => {
    const rt = await startPty(["--sdcard", tempDir("stale")]);
    cleanup.push(() => rt.close());
    await rt.disconnect();
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(lockFileOf(rt.path), `${String(gone).padStart(10)}\n`);
    const r = cli(["fs", "ls", "--port", rt.path]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(lockFileOf(rt.path))).toBe(false); // released on exit
  });
});

import { spawnSync } from "node:child_process";
import { CLI, ROOT } from "./helpers/run.js";
function spawnSyncEnv(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("flash", () => {
  const image = (n = 3_000_000) => random(n);

  it("writes an .img to a file and verifies it by reading back", () => {
    const dir = tempDir("flash");
    const img = image();
    writeFileSync(join(dir, "card.img"), img);
    const r = cli(["flash", join(dir, "card.img"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("verified");
    expect(readFileSync(join(dir, "out.img")).equals(img)).toBe(true);
  });

  it("streams an .img.gz", () => {
    const dir = tempDir("flashgz");
    const img = Buffer.concat([image(1_000_000), Buffer.alloc(4_000_000)]);
    writeFileSync(join(dir, "card.img.gz"), gzipSync(img));
    const r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "out.img")).equals(img)).toBe(true);
  });

  it("a truncated .img.gz fails clearly and says how much was written", () => {
    const dir = tempDir("flashtrunc");
    const gz = gzipSync(image(2_000_000));
    writeFileSync(join(dir, "card.img.gz"), gz.subarray(0, gz.length >> 1));
    const r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/truncated.*\d+ bytes .* were written/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--to takes block devices only: a missing or regular-file target is refused and nothing is created", () => {
    const dir = tempDir("flashdev");
    writeFileSync(join(dir, "card.img"), image(100_000));
    // Before: a mistyped device became a regular file of the image's size in /dev.
    let r = cli(["flash", join(dir, "card.img"), "--to", join(dir, "sdq")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`k230js: flash: ${join(dir, "sdq")}: no such device (is the card reader plugged in? 'lsblk' lists disks; --to-file writes an image file)`);
    expect(existsSync(join(dir, "sdq"))).toBe(false);
    writeFileSync(join(dir, "old.img"), "keep");
    r = cli(["flash", join(dir, "card.img"), "--to", join(dir, "old.img")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/old\.img is not a block device but a file \(--to-file writes an image file\)/);
    expect(readFileSync(join(dir, "old.img"), "utf8")).toBe("keep");
    r = cli(["flash", join(dir, "card.img"), "--to-file", "/dev/null"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/null is a device, not a file/);
    expect(cli(["flash", join(dir, "card.img")]).status).toBe(2);
    expect(cli(["flash", join(dir, "card.img"), "--to", "a", "--to-file", "b"]).status).toBe(2);
  });

  it("progress counts bytes written (a .gz's unpacked size), redraws at most every 100 ms, ends with one line", () => {
    const dir = tempDir("flashprog");
    const img = Buffer.concat([image(500_000), Buffer.alloc(40_000_000)]);
    writeFileSync(join(dir, "card.img.gz"), gzipSync(img));
    // Not a terminal: no progress at all, one summary line on stdout.
    let r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^flashed .* 40500000 bytes \(41 MB\), verified/)]);
    // As on a terminal: every line's total is the unpacked size, 100% only on the last line.
    r = spawnSyncEnv(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")], { K230JS_PROGRESS: "1" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, "")).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/\/41 MB /);
    expect(lines.at(-1)).toMatch(/100% 41 MB\/41 MB/);
    expect(lines.slice(0, -1).some((l) => / 100% /.test(l))).toBe(false);
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1); // redraws share one line
  });

  describe("refusals (fake block devices, sysfs and mounts)", () => {
    function setup(removable: string, mounts: string) {
      const dir = tempDir("refuse");
      const sys = join(dir, "sys");
      mkdirSync(join(sys, "block", "sdz"), { recursive: true });
      writeFileSync(join(sys, "block", "sdz", "removable"), removable);
      writeFileSync(join(dir, "mounts"), mounts);
      writeFileSync(join(dir, "sdz"), "");
      writeFileSync(join(dir, "card.img"), image(100_000));
      const env = { K230JS_SYSFS: sys, K230JS_PROC_MOUNTS: join(dir, "mounts"), K230JS_FAKE_BLOCK_DEVICES: join(dir, "sdz") };
      const flash = (...extra: string[]) => spawnSyncEnv(["flash", join(dir, "card.img"), "--to", join(dir, "sdz"), ...extra], env);
      return { flash, dir };
    }
    it("a mounted device, unless --force", () => {
      const { flash } = setup("1\n", "/dev/sdz1 /media/card vfat rw 0 0\n");
      const r = flash();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refusing .* mounted on \/media\/card/);
      expect(flash("--force").status).toBe(0);
    });
    it("the system disk, even with --force", () => {
      const { flash } = setup("1\n", "/dev/sdz2 / ext4 rw 0 0\n");
      for (const extra of [[], ["--force"]]) {
        const r = flash(...extra);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/holds the system/);
      }
    });
    it("a non-removable disk, unless --force", () => {
      const { flash } = setup("0\n", "");
      const r = flash();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/not a removable disk/);
      expect(flash("--force").status).toBe(0);
    });
    it("a removable, unmounted card is written", () => {
      const { flash } = setup("1\n", "/dev/sda1 / ext4 rw 0 0\n");
      const r = flash();
      expect(r.status, r.stderr).toBe(0);
    });
  });
});
void spawn;
