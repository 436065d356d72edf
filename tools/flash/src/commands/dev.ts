import type { ChildProcess } from "node:child_process";
import { existsSync, watch, type FSWatcher } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { NO_CHECK_OPTION, bundle } from "../lib/bundle.js";
import { CliError, UsageError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import type { RawClient } from "../lib/rawproto.js";
import { runBundle } from "../lib/run-remote.js";
import { closeBoard, openBoard } from "../lib/session.js";
import { AppChecker } from "../lib/typecheck.js";
import type { Command } from "../lib/command.js";
import { PREVIEW_OPTIONS, previewOnSimulator, startPreview } from "./preview.js";
import { runBundlePath, runCommand, runtimeOptions, spawnRuntime } from "./run.js";

const IGNORED = /(^|[\\/])(node_modules|dist|\.git|\.[^\\/]*)([\\/]|$)/;
const SOURCE = /\.(ts|tsx|mts|js|mjs|json)$/;

function say(text: string): void {
  process.stderr.write(`k230js dev: ${text}\n`);
}

/** One running app: on the host runtime (a process) or on a board (an exec on the raw link). */
interface Running {
  stop(): Promise<void>;
  done: Promise<number>;
}

function onHost(file: string, runtimeArgs: string[], appArgs: string[]): Running {
  const { child, exit } = spawnRuntime("host", [...runtimeArgs, file, ...appArgs], "dev");
  const stop = async (c: ChildProcess = child) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGINT");
    const t = setTimeout(() => c.kill("SIGKILL"), 2000);
    await exit.catch(() => 1);
    clearTimeout(t);
  };
  return { stop: () => stop(), done: exit };
}

function onBoard(c: RawClient, file: string, appArgs: string[]): Running {
  const done = runBundle(c, file, appArgs);
  let stopping = false;
  return {
    done,
    stop: async () => {
      if (stopping) return void (await done.catch(() => 1));
      stopping = true;
      // Ctrl-C, and once more if the app defers interrupts to its exit points.
      await c.interrupt();
      const t = setTimeout(() => void c.interrupt(), 1000);
      await done.catch(() => 1);
      clearTimeout(t);
    },
  };
}

export const devCommand: Command = {
  name: "dev",
  summary: "watch an app: on each save type-check, bundle and rerun it (simulator or board)",
  usage: "dev <app.ts> [--port P] [--sdcard D] [--no-check] [-- app args]",
  description:
    "Watches the app's directory (not node_modules or dist). On every change to a .ts/.js/.json\n" +
    "file: type-check (errors as file:line:col; the app is not rerun), bundle, stop the running\n" +
    "app and start the new one, streaming its console. Without --port it runs on the host\n" +
    "simulator; with --port on the board (or 'sim': the simulator over its pty): soft reset, raw\n" +
    "paste, stack traces mapped to the .ts sources. Status lines start with 'k230js dev:' on\n" +
    "stderr. Ctrl-C stops the app and leaves. --preview shows the display in a browser meanwhile\n" +
    "(k230js preview; without --port the simulator's live view on the same page).",
  options: [
    ...PORT_OPTIONS.filter((o) => o.name !== "sdcard"),
    ...runCommand.options.filter((o) => o.runtime),
    { name: "preview", type: "boolean", help: "show the display at http://127.0.0.1:8231/ (--http moves it)" },
    ...PREVIEW_OPTIONS,
    NO_CHECK_OPTION,
  ],
  async run(args) {
    if (args.positional.length < 1) throw new UsageError("dev: give the app to watch (k230js dev main.ts)");
    const [entryArg, ...extra] = args.positional;
    const entry = resolve(entryArg!);
    if (!existsSync(entry)) throw new CliError(`dev: '${entryArg}' not found`);
    const appArgs = [...extra, ...args.rest];
    const name = relative(process.cwd(), entry) || entry;
    const checker = args.options["no-check"] ? undefined : new AppChecker(entry);
    const out = runBundlePath(entry);
    const port = args.options.port as string | undefined;
    const board = port ? await openBoard(args, "dev") : null;
    if (args.options.preview) {
      if (board) await startPreview(board, args, "dev");
      else previewOnSimulator(args, "dev");
    }
    const runtimeArgs = runtimeOptions(args, runCommand.options);
    let current: Running | null = null;
    let pending = false;
    let busy = false;

    const cycle = async (): Promise<void> => {
      if (busy) {
        pending = true;
        return;
      }
      busy = true;
      try {
        do {
          pending = false;
          const t0 = performance.now();
          say(`checking ${name}`);
          let file: string;
          try {
            const r = await bundle({ entry, outFile: out, ...(checker ? { check: "dev", checker } : {}) });
            for (const w of r.warnings) console.error(`warning: ${w}`);
            file = r.output;
          } catch (e) {
            if (!(e instanceof CliError)) throw e;
            say(`${e.message.replace(/^dev: /, "")}; waiting for changes`);
            continue;
          }
          const old = current;
          current = null; // its exit is ours, not news
          if (old) await old.stop();
          say(`running ${name} (ready in ${Math.round(performance.now() - t0)} ms)${board ? ` on ${board.transport.name}` : ""}`);
          const run: Running = board ? onBoard(board, file, appArgs) : onHost(file, runtimeArgs, appArgs);
          current = run;
          run.done.then(
            (code) => {
              if (current === run) say(`${name} exited with status ${code}; waiting for changes`);
            },
            (e: unknown) => say(`${(e as Error).message}; waiting for changes`),
          );
        } while (pending);
      } finally {
        busy = false;
      }
    };

    const root = dirname(entry);
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher;
    try {
      watcher = watch(root, { recursive: true }, (_event, file) => {
        const f = file?.toString() ?? "";
        if (f && (IGNORED.test(f) || !SOURCE.test(f))) return;
        clearTimeout(timer);
        timer = setTimeout(() => void cycle(), 30);
      });
    } catch (e) {
      throw new CliError(`dev: cannot watch ${root}: ${(e as Error).message}`);
    }
    say(`watching ${relative(process.cwd(), root) || "."}${sep} (Ctrl-C leaves)`);
    await cycle();
    return new Promise<number>((resolveExit) => {
      const quit = async () => {
        process.off("SIGINT", quit);
        process.off("SIGTERM", quit);
        watcher.close();
        clearTimeout(timer);
        await current?.stop();
        await closeBoard();
        resolveExit(0);
      };
      process.on("SIGINT", quit);
      process.on("SIGTERM", quit);
    });
  },
};
