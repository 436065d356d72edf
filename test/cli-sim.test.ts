// The device commands of the CLI (run, fs, deploy, devices, repl) against the simulator, end to
// end through the built CLI, and one CLI process per port. The simulated card has the board's FAT
// semantics.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockFileOf } from "../tools/flash/src/lib/port-lock.js";
import { startPty } from "./helpers/pty.js";
import { CLI, cli, ROOT, tempDir } from "./helpers/run.js";
import { random, useCleanup } from "./helpers/sim.js";

// Every simulator here, the CLI's included, serves a card with FAT semantics (test/fat.test.ts).
process.env.K230JS_SIM_SDCARD = "fat";

const cleanup = useCleanup();

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
    // Its bundle is built in a temporary directory, which must go when it is installed.
    const tmp = tempDir("deploy-tmp");
    const r = cli(["deploy", app, "--sdcard", dir], ROOT, { TMPDIR: tmp });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "main.js"))).toBe(true);
    expect(existsSync(join(dir, "main.bin"))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
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
    const r = cli(["devices"], ROOT, { K230JS_SYSFS: sys });
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
