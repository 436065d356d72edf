// `k230js repl` in a real terminal (a pty made by util-linux `script`), against the simulator:
// TypeScript lines with type annotations and imports evaluate on the board, Tab completes members
// of k230:* modules, and the history survives a restart.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collect } from "./helpers/output.js";
import { CLI, tempDir } from "./helpers/run.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.log("SKIP: test/repl-ts.test.ts: util-linux 'script' (a pty for the CLI) is not installed");

let running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running) c.kill("SIGKILL");
  running = [];
});

/** `k230js repl` in a pty; what the terminal shows, without readline's cursor moves and clears. */
function repl(cache: string, sd: string) {
  const cmd = [process.execPath, CLI, "repl", "--port", "sim", "--sdcard", sd].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { ...process.env, K230JS_CACHE_DIR: cache }, stdio: ["pipe", "pipe", "pipe"] });
  running.push(child);
  const out = collect([child.stdout!, child.stderr!], (raw) => raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
  return {
    ...out,
    out: out.text,
    type: (s: string) => void child.stdin!.write(s),
    exited: new Promise<number | null>((res) => child.on("exit", (code) => res(code))),
    /** Types a line at the prompt and waits for what it should print, then the next prompt. */
    enter: async (line: string, expected?: string | RegExp) => {
      const from = out.text().length;
      child.stdin!.write(`${line}\r`);
      if (expected !== undefined) await out.waitFor(expected, from);
      await out.waitFor(/(ts>|\.\.\.) $/, from);
    },
  };
}

describe.skipIf(!hasScript)("k230js repl (TypeScript)", () => {
  it("evaluates TypeScript and import lines, completes k230:* members, keeps history across sessions", async () => {
    const cache = tempDir("replcache");
    const sd = tempDir("replsd");
    const a = repl(cache, sd);
    await a.waitFor("ts> ");
    await a.enter("let width: number = 1280");
    await a.enter("width / 2", /\r\n640\r\n/);
    await a.enter('import { platform, ticksMs } from "k230:sys"');
    await a.enter("`${platform} ${typeof ticksMs}`", "'host function'");
    await a.enter('import * as media from "k230:media"');
    const from = a.out().length;
    a.type("media.Enc\t");
    await a.waitFor("media.Encoder", from);
    await a.enter("", "[Function: Encoder]");
    await a.enter("function half(n: number): number {", "... ");
    await a.enter("  return n / 2");
    await a.enter("}");
    await a.enter("half(width as number)", /\r\n640\r\n/);
    await a.enter("throw new RangeError('bad ' + width)", "RangeError: bad 1280");
    a.type("\x04");
    expect(await a.exited).toBe(0);
    const history = readFileSync(join(cache, "repl-history"), "utf8");
    expect(history).toContain("let width: number = 1280\n");
    expect(history).toContain("half(width as number)\n");

    // A new session (a new simulator: a fresh VM) recalls the last entries with the Up arrow.
    const b = repl(cache, sd);
    await b.waitFor("ts> ");
    b.type("\x1b[A");
    await b.waitFor("throw new RangeError('bad ' + width)");
    await b.enter("\x15let width = 10"); // Ctrl-U clears the recalled line
    await b.enter("\x1b[A\x1b[A", "RangeError: bad 10"); // two back: the throw line of the first session
    b.type(".exit\r");
    expect(await b.exited).toBe(0);
  });
});
