// `k230js dev`: a save reruns the app (simulator process, or a board over the raw link); a type
// error keeps the running app and says where; stack traces from the board name the .ts lines.
// The timing goal (< 2 s from save to the new app's first line) is measured in bench/dev.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collect } from "./helpers/output.js";
import { CLI, tempDir } from "./helpers/run.js";

let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
  children = [];
});

function dev(args: string[], cwd: string) {
  const child = spawn(process.execPath, [CLI, "dev", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return { child, ...collect([child.stdout!, child.stderr!]) };
}

const app = (n: string) => `import { ticksMs } from "k230:sys";\nconst t: number = ticksMs();\nconsole.log("version ${n}", t >= 0);\nsetInterval(() => {}, 1000);\n`;

describe("k230js dev", () => {
  it("on the simulator: a save reruns the app; a type error keeps the old one and names the line", async () => {
    const dir = tempDir("dev");
    const entry = join(dir, "main.ts");
    writeFileSync(entry, app("1"));
    const d = dev(["main.ts", "--sdcard", join(dir, "sd")], dir);
    await d.waitFor("version 1 true");
    let from = d.text().length;
    writeFileSync(entry, app("2"));
    await d.waitFor("version 2 true", from);
    from = d.text().length;
    writeFileSync(entry, 'const width: number = "1280";\n');
    await d.waitFor("main.ts:1:7: error TS2322", from);
    await d.waitFor("k230js dev: 1 type error; nothing was built (--no-check skips the check); waiting for changes", from);
    expect(d.text().slice(from)).not.toContain("running");
    from = d.text().length;
    writeFileSync(join(dir, "notes.txt"), "not a source"); // ignored
    writeFileSync(entry, app("3"));
    await d.waitFor("version 3 true", from);
    expect(d.text().slice(from).match(/checking/g)).toHaveLength(1);
    d.child.kill("SIGINT");
    expect(await new Promise((r) => d.child.on("exit", r))).toBe(0);
  });

  it("with --port sim: runs over the raw link, reruns on save, and maps the board's stack trace to the .ts", async () => {
    const dir = tempDir("devport");
    const entry = join(dir, "main.ts");
    writeFileSync(entry, app("a"));
    const d = dev(["main.ts", "--port", "sim", "--sdcard", join(dir, "sd")], dir);
    await d.waitFor("version a true");
    const from = d.text().length;
    writeFileSync(entry, 'function fail(why: string): never {\n  throw new Error(why);\n}\nfail("on purpose");\n');
    await d.waitFor(/Error: on purpose\n\s+at fail \(main\.ts:2:\d+\)\n\s+at .*main\.ts:4:\d+/, from);
    await d.waitFor("main.ts exited with status 1; waiting for changes", from);
    d.child.kill("SIGINT");
    expect(await new Promise((r) => d.child.on("exit", r))).toBe(0);
  });
});
