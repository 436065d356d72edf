// `k230js repl` in a real terminal (a pty made by util-linux `script`), against the simulator:
// TypeScript lines with type annotations and imports evaluate on the board, Tab completes members
// of k230:* modules, and the history survives a restart.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, tempDir } from "./helpers/run.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.log("SKIP: test/repl-ts.test.ts: util-linux 'script' (a pty for the CLI) is not installed");

interface Term {
  child: ChildProcess;
  out(): string;
  type(s: string): void;
  /** Waits until the output since character `from` matches. */
  waitFor(p: string | RegExp, from?: number): Promise<void>;
  /** Types a line at the prompt and waits for what it should print, then the next prompt. */
  enter(line: string, expected?: string | RegExp): Promise<void>;
  exited: Promise<number | null>;
}

let running: Term[] = [];
afterEach(() => {
  for (const t of running) t.child.kill("SIGKILL");
  running = [];
});

function repl(cache: string, sd: string): Term {
  const cmd = [process.execPath, CLI, "repl", "--port", "sim", "--sdcard", sd].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { ...process.env, K230JS_CACHE_DIR: cache }, stdio: ["pipe", "pipe", "pipe"] });
  let buf = "";
  // What the terminal shows, without readline's cursor moves and line clears.
  const plain = () => buf.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  let waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    buf += d.toString();
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const t: Term = {
    child,
    out: () => plain(),
    type: (s) => void child.stdin!.write(s),
    waitFor: (p, from = 0) =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${p}; got ${JSON.stringify(plain().slice(from))}`)), 15_000);
        const check = () => {
          const b = plain().slice(from);
          if (typeof p === "string" ? b.includes(p) : p.test(b)) {
            clearTimeout(timer);
            res();
          } else waiters.push(check);
        };
        check();
      }),
    exited: new Promise((res) => child.on("exit", (code) => res(code))),
    enter: async (line, expected) => {
      const from = plain().length;
      child.stdin!.write(`${line}\r`);
      if (expected !== undefined) await t.waitFor(expected, from);
      await t.waitFor(/(ts>|\.\.\.) $/, from);
    },
  };
  running.push(t);
  return t;
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
