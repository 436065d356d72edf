import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CliError } from "../lib/errors.js";
import { userCacheDir } from "../lib/paths.js";
import { PORT_OPTIONS, openTransport } from "../lib/ports.js";
import type { RawClient } from "../lib/rawproto.js";
import { moreInChain, openBoard, releaseBoard } from "../lib/session.js";
import { ReplCompleter, transpileInput } from "../lib/ts-repl.js";
import type { Command } from "../lib/command.js";

const HISTORY_SIZE = 1000;

/** ~/.cache/k230js/repl-history: one entry per line, oldest first (K230JS_CACHE_DIR moves it). */
function historyFile(): string {
  return join(userCacheDir(), "repl-history");
}

function loadHistory(): string[] {
  try {
    return readFileSync(historyFile(), "utf8").split("\n").filter(Boolean).slice(-HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(lines: string[]): void {
  try {
    writeFileSync(historyFile(), lines.slice(-HISTORY_SIZE).join("\n") + "\n");
  } catch (e) {
    process.stderr.write(`warning: cannot keep the REPL history in ${historyFile()}: ${(e as Error).message}\n`);
  }
}

/** The TypeScript REPL: line editing, completion and history here; each entry runs on the board. */
export async function typescriptRepl(c: RawClient): Promise<number> {
  const completer = new ReplCompleter();
  const history = loadHistory();
  process.stderr.write(`${c.hello?.info ?? c.transport.name}\nTypeScript REPL on ${c.transport.name}: imports and types work; Tab completes; .help; Ctrl-D leaves\n`);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: "ts> ",
    history: [...history].reverse(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, cb: (err: Error | null, r: [string[], string]) => void) => {
      completer.complete(line).then((r) => cb(null, r), () => cb(null, [[], line]));
    },
  });
  let buffer = "";
  let running = false;
  let queue = Promise.resolve();
  const record = (line: string) => {
    if (!line.trim() || history.at(-1) === line) return;
    history.push(line);
    try {
      appendFileSync(historyFile(), line.replace(/\n/g, " ") + "\n");
    } catch {
      /* reported by saveHistory at the end */
    }
  };
  const handle = async (line: string): Promise<void> => {
    record(line);
    if (!buffer) {
      const cmd = line.trim();
      if (cmd === ".exit") return void rl.close();
      if (cmd === ".help") {
        console.log(".exit  leave (or Ctrl-D)\n.reset  soft-reset the board (a fresh VM)\nCtrl-C  cancel the line, or interrupt running code");
        return;
      }
      if (cmd === ".reset") {
        await c.softReset();
        console.log("soft reset: a fresh VM");
        return;
      }
    }
    buffer = buffer ? `${buffer}\n${line}` : line;
    if (!buffer.trim()) {
      buffer = "";
      return;
    }
    const t = await transpileInput(buffer, true);
    if (t.kind === "incomplete") {
      rl.setPrompt("... ");
      return;
    }
    const src = buffer;
    buffer = "";
    rl.setPrompt("ts> ");
    if (t.kind === "error") {
      process.stderr.write(`SyntaxError: ${t.message}\n`);
      return;
    }
    running = true;
    try {
      await c.exec(t.js, { module: false, name: "<repl>" });
      completer.accept(src);
    } finally {
      running = false;
    }
  };
  rl.on("line", (line) => {
    queue = queue.then(() => handle(line)).then(
      () => rl.prompt(),
      (e: unknown) => {
        process.stderr.write(`${(e as Error).message}\n`);
        rl.close();
      },
    );
  });
  rl.on("SIGINT", () => {
    if (running) return void c.interrupt();
    buffer = "";
    rl.setPrompt("ts> ");
    rl.write(null as unknown as string, { ctrl: true, name: "u" });
    process.stdout.write("^C\n");
    rl.prompt();
  });
  rl.prompt();
  await new Promise<void>((resolve) => rl.on("close", resolve));
  await queue.catch(() => {});
  saveHistory(history);
  process.stdout.write("\n");
  return 0;
}

/** The board's console as it is (its own REPL, boot output): keys go through unchanged. */
async function terminal(args: Parameters<Command["run"]>[0]): Promise<number> {
  const t = await openTransport(args, "repl");
  const stdin = process.stdin;
  const tty = stdin.isTTY;
  process.stderr.write(`connected to ${t.name}; Ctrl-] leaves\n`);
  return new Promise<number>((resolve, reject) => {
    let done = false;
    const finish = async (code: number, err?: Error) => {
      if (done) return;
      done = true;
      if (tty) stdin.setRawMode(false);
      stdin.pause();
      await t.close();
      if (err) reject(err);
      else resolve(code);
    };
    t.onData((b) => process.stdout.write(b));
    t.onClose((why) => void finish(1, new CliError(`link lost: ${why}`)));
    if (tty) stdin.setRawMode(true);
    stdin.on("data", (b: Buffer) => {
      const quit = b.indexOf(0x1d);
      if (quit >= 0) {
        if (quit > 0) void t.write(b.subarray(0, quit));
        process.stdout.write("\n");
        void finish(0);
        return;
      }
      void t.write(b);
    });
    stdin.on("end", () => void finish(0));
    stdin.resume();
    // Show the prompt (and the banner on a fresh REPL).
    void t.write("\x02");
  });
}

/** How a command that serves the board while others run (preview, mount) goes on: with more
 * commands after '+' it returns and they run; alone it opens the TypeScript REPL, the board's
 * output between entries shown. */
export async function replUnlessChained(c: RawClient): Promise<number> {
  if (moreInChain()) return 0;
  c.onIdleOutput((s, b) => (s === "o" ? process.stdout : process.stderr).write(b));
  try {
    return await typescriptRepl(c);
  } finally {
    await releaseBoard();
  }
}

export const replCommand: Command = {
  name: "repl",
  summary: "a TypeScript REPL on the board (--terminal: its console as it is)",
  usage: "repl [--port P] [--terminal]",
  description:
    "A TypeScript REPL: each entry is transpiled here (types stripped, import lines turned into\n" +
    "imports the board runs) and evaluated on the board, which keeps its variables until a reset;\n" +
    "the value of an expression is printed. Line editing, Tab completion (k230:* module members,\n" +
    "your variables) and history (kept across sessions in ~/.cache/k230js/repl-history) happen\n" +
    "here. .reset soft-resets; Ctrl-C interrupts running code; Ctrl-D leaves.\n" +
    "--terminal connects this terminal to the board's console instead (its own JavaScript REPL,\n" +
    "boot output; Ctrl-] leaves). With --port sim the host simulator stands in for the board.",
  options: [...PORT_OPTIONS, { name: "terminal", type: "boolean", help: "a plain terminal on the board's console (Ctrl-] leaves)" }],
  async run(args) {
    if (args.options.terminal) return terminal(args);
    const c = await openBoard(args, "repl");
    try {
      return await typescriptRepl(c);
    } finally {
      await releaseBoard();
    }
  },
};
