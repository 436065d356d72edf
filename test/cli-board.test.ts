// mpremote's verbs through the CLI against the simulator: exec, eval, reset (soft and hard), fs with
// several paths, tree, touch, sha256sum, the local/remote path rule of cp, and `+` chains that
// share one link (one simulator: state set by one command is seen by the next).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startPty } from "./helpers/pty.js";
import { cli, tempDir } from "./helpers/run.js";

function board(name: string) {
  const dir = tempDir(name);
  const sd = join(dir, "sd");
  return { dir, sd, port: ["--port", "sim", "--sdcard", sd] };
}

describe("exec, eval, reset", () => {
  it("exec runs TypeScript with imports on the board and returns its status", () => {
    const { dir, port } = board("exec");
    let r = cli(["exec", 'import { platform } from "k230:sys";\nconst n: number = 6 * 7;\nconsole.log(platform, n);', ...port], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("host 42\n");
    expect(r.status).toBe(0);
    r = cli(["exec", "throw new RangeError('bad')", ...port], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("RangeError: bad");
    r = cli(["exec", "let x = (", ...port], dir);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^k230js: exec: the code ends too early/);
  });

  it("eval prints the value as the board's REPL shows it", () => {
    const { dir, port } = board("eval");
    const r = cli(["eval", '({ a: [1, "two"] as const, s: "x".repeat(3) })', ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("{ a: [ 1, 'two' ], s: 'xxx' }\n");
  });

  it("commands chained with + share one link; reset gives a fresh VM, --hard a fresh simulator", () => {
    const { dir, sd, port } = board("chain");
    const r = cli(
      ["exec", "var kept = 7", ...port, "+", "eval", "kept", "+", "reset", "+", "eval", "typeof kept", "+", "fs", "touch", ":t.txt", "+", "reset", "--hard", "+", "fs", "ls"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("7");
    expect(lines[1]).toMatch(/^soft reset: k230js /);
    expect(lines[2]).toBe("'undefined'");
    expect(lines[3]).toMatch(/^hard reset: a new simulator/);
    expect(lines[4]).toMatch(/^\s+0\s+t\.txt$/);
    expect(readdirSync(sd)).toEqual(["t.txt"]);
    // The chain stops at the first failure, with its status.
    const f = cli(["exec", "throw 1", ...port, "+", "eval", "'not reached'"], dir);
    expect(f.status).toBe(1);
    expect(f.stdout).not.toContain("not reached");
    // A '+' after '--' belongs to the app.
    writeFileSync(join(dir, "a.ts"), "console.log(scriptArgs.slice(1).join(' '));\n");
    expect(cli(["run", join(dir, "a.ts"), "--", "1", "+", "2"], dir).stdout).toBe("1 + 2\n");
  });

  it("reset --hard on a board (a runtime behind a serial port) says why it cannot, exit 1", async () => {
    const rt = await startPty(["--sdcard", tempDir("hard")]);
    await rt.disconnect(); // the CLI is the only one on the port
    try {
      const r = cli(["reset", "--hard", "--port", rt.path]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        `k230js: reset --hard: ${rt.path} cannot be rebooted from software (no reboot call on RT-Smart); press the board's RESET button, or use a soft reset`,
      );
      expect(cli(["reset", "--port", rt.path]).stdout).toMatch(/^soft reset: k230js/);
    } finally {
      await rt.close();
    }
  });
});

describe("df", () => {
  it("shows the card's size and free space as the board sees them", () => {
    const { dir, port } = board("df");
    const r = cli(["df", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    const [head, row] = r.stdout.trim().split("\n");
    expect(head).toMatch(/^mount\s+size\s+used\s+avail\s+use%$/);
    expect(row).toMatch(/^\/sdcard\s+[\d.]+ [kMG]?B\s+[\d.]+ [kMG]?B\s+[\d.]+ [kMG]?B\s+\d+%$/);
    // The numbers are the host file system's under the simulated card (statvfs of the same dir).
    const df = spawnSync("df", ["-B1", "--output=size,avail", join(dir, "sd")], { encoding: "utf8" }).stdout.trim().split("\n")[1]!.trim().split(/\s+/).map(Number);
    const avail = Number(/([\d.]+) GB\s+\d+%$/.exec(row!)?.[1] ?? NaN) * 1e9;
    if (!Number.isNaN(avail)) expect(Math.abs(avail - df[1]!) / df[1]!).toBeLessThan(0.01);
  });
});

describe("fs, mpremote style", () => {
  it("cp: a path without ':' is local; both ends local is refused and nothing is written", () => {
    const { dir, sd, port } = board("cprule");
    writeFileSync(join(dir, "small.txt"), "small");
    // Before: this wrote :/sdcard/ello.txt (the first letter taken for the ':').
    const r = cli(["fs", "cp", join(dir, "small.txt"), "hello.txt", ...port], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^k230js: fs cp: .*small\.txt and hello\.txt are all on this machine; board paths start with ':'/);
    expect(readdirSync(dir).sort()).toEqual(["small.txt"]);
    expect(cli(["fs", "cp", join(dir, "small.txt"), ":hello.txt", ...port], dir).status).toBe(0);
    expect(readFileSync(join(sd, "hello.txt"), "utf8")).toBe("small");
  });

  it("several paths per command, cp into a directory, board-to-board cp, tree, touch, rmdir, sha256sum", () => {
    const { dir, sd, port } = board("multi");
    const files = ["a.txt", "b.txt", "c.bin"];
    for (const f of files) writeFileSync(join(dir, f), f.repeat(100));
    let r = cli(["fs", "mkdir", ":d1", ":d2", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    r = cli(["fs", "cp", ...files.map((f) => join(dir, f)), ":d1", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(sd, "d1")).sort()).toEqual(files);
    r = cli(["fs", "cp", "-r", ":d1", ":d2/copy", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(sd, "d2", "copy", "c.bin"), "utf8")).toBe("c.bin".repeat(100));
    r = cli(["fs", "touch", ":d2/empty", ":d1/a.txt", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(sd, "d1", "a.txt"), "utf8")).toBe("a.txt".repeat(100)); // touch keeps content
    r = cli(["fs", "tree", ...port], dir);
    expect(r.stdout).toBe(
      [":/sdcard", "├── d1/", "│   ├── a.txt  (500)", "│   ├── b.txt  (500)", "│   └── c.bin  (500)", "└── d2/", "    ├── copy/", "    │   ├── a.txt  (500)", "    │   ├── b.txt  (500)", "    │   └── c.bin  (500)", "    └── empty  (0)", ""].join("\n"),
    );
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    r = cli(["fs", "sha256sum", ":d1/a.txt", ":d2/empty", join(dir, "b.txt"), ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${sha("a.txt".repeat(100))}  :/sdcard/d1/a.txt\n${sha("")}  :/sdcard/d2/empty\n${sha("b.txt".repeat(100))}  ${join(dir, "b.txt")}\n`);
    r = cli(["fs", "cat", ":d1/a.txt", ":d1/b.txt", ...port], dir);
    expect(r.stdout).toBe("a.txt".repeat(100) + "b.txt".repeat(100));
    r = cli(["fs", "rm", ":d1/a.txt", ":d1/b.txt", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(sd, "d1"))).toEqual(["c.bin"]);
    expect(cli(["fs", "rmdir", ":d1", ...port], dir).status).toBe(1); // not empty
    r = cli(["fs", "rm", "-r", ":d1", ":d2", ...port], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(sd)).toEqual([]);
    // Several sources need a directory to land in.
    mkdirSync(join(dir, "x"));
    r = cli(["fs", "cp", join(dir, "a.txt"), join(dir, "b.txt"), ":nodir", ...port], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/needs a directory as destination, and :nodir is not one/);
  });
});
