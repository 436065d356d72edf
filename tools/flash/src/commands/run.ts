import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { NO_CHECK_OPTION, bundle } from "../lib/bundle.js";
import { CliError, UsageError } from "../lib/errors.js";
import { runtimePath, userCacheDir, type Target } from "../lib/paths.js";
import type { OptionSpec, ParsedArgs } from "../lib/args.js";
import type { Command } from "../lib/command.js";
import { runOnBoard } from "../lib/run-remote.js";
import { openBoard } from "../lib/session.js";
import { PREVIEW_OPTIONS, previewOnSimulator, startPreview } from "./preview.js";

const MAGIC = "K230JSBC";

function isBytecode(path: string): boolean {
  try {
    return readFileSync(path).subarray(0, 8).toString("latin1") === MAGIC;
  } catch {
    return false;
  }
}

/**
 * Where `run` (and `dev`) put an app's bundle: the user's cache directory, one folder per app
 * directory, so nothing is written into the project (or whatever the current directory is).
 */
export function runBundlePath(entry: string): string {
  const id = createHash("sha256").update(dirname(resolve(entry))).digest("hex").slice(0, 12);
  return join(userCacheDir("apps", id), `${basename(entry).replace(/\.[^.]+$/, "")}.js`);
}

/** Starts the runtime with this terminal's stdio; `exit` resolves with its status. */
export function spawnRuntime(target: Target, runtimeArgs: string[], what = "run"): { child: ChildProcess; exit: Promise<number> } {
  const bin = runtimePath(target);
  if (!existsSync(bin)) {
    throw new CliError(`${what}: the ${target} runtime ${bin} is not built (run 'npm run setup')`);
  }
  const [cmd, argv] = target === "riscv64" ? ["qemu-riscv64", [bin, ...runtimeArgs]] : [bin, runtimeArgs];
  const child = spawn(cmd as string, argv as string[], { stdio: "inherit" });
  const exit = new Promise<number>((resolveExit, reject) => {
    child.on("error", (e) => reject(new CliError(`${what}: cannot start ${cmd}: ${e.message}`)));
    child.on("exit", (code, signal) => resolveExit(code ?? (signal === "SIGINT" ? 130 : 1)));
  });
  return { child, exit };
}

/** Runs the runtime, forwarding signals, and resolves with its exit status. */
export async function runRuntime(target: Target, runtimeArgs: string[]): Promise<number> {
  const { child, exit } = spawnRuntime(target, runtimeArgs);
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    return await exit;
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}

/** The runtime options given on the command line (--sdcard, --data, ...), directories made. */
export function runtimeOptions(args: ParsedArgs, specs: OptionSpec[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const v = args.options[spec.name];
    if (spec.runtime && typeof v === "string") {
      const dir = spec.name === "sdcard" || spec.name === "data";
      if (dir) mkdirSync(resolve(v), { recursive: true });
      out.push(`--${spec.name}`, dir ? resolve(v) : v);
    }
  }
  return out;
}

export const runCommand: Command = {
  name: "run",
  summary: "build if needed and run an app on the host simulator",
  usage: "run <entry.ts | bundle.js | app.bin> [runtime options | --port P] [-- app args]",
  description:
    "A .ts (or unbundled .js) entry is type-checked and bundled first (into the user's cache\n" +
    "directory, ~/.cache/k230js/apps/); a bundle or bytecode file runs as it is. Stack traces name\n" +
    "the .ts sources, on the board too. The app's exit status becomes this command's. --target riscv64 runs the\n" +
    "static riscv64 build under qemu-riscv64. With --port the app runs on the board (soft reset,\n" +
    "raw paste, output streamed). Arguments after '--' reach the app as scriptArgs[1..].\n" +
    "--preview shows the display in a browser while the app runs (k230js preview; without --port\n" +
    "the simulator's live view on the same page).",
  options: [
    { name: "sdcard", type: "string", help: "directory the app sees as /sdcard", runtime: true },
    { name: "data", type: "string", help: "directory the app sees as /data", runtime: true },
    { name: "memory-limit", type: "string", help: "JS heap limit, e.g. 64m", runtime: true },
    { name: "stack-size", type: "string", help: "JS stack limit, e.g. 1m", runtime: true },
    { name: "bytecode", type: "boolean", help: "run the app as bytecode" },
    { name: "target", type: "string", help: "host (default) or riscv64 (under qemu-riscv64)" },
    { name: "port", short: "p", type: "string", help: "run on a board through this serial port ('sim': the simulator over its pty)" },
    { name: "baud", type: "string", help: "with --port: baud rate for a UART adapter" },
    { name: "preview", type: "boolean", help: "show the display at http://127.0.0.1:8231/ while the app runs (--http moves it)" },
    ...PREVIEW_OPTIONS,
    NO_CHECK_OPTION,
  ],
  async run(args) {
    if (args.positional.length < 1) throw new UsageError("run: give the app to run (k230js run app.ts)");
    const [entry, ...extra] = args.positional;
    const target = (args.options.target as string | undefined) ?? "host";
    if (target !== "host" && target !== "riscv64") throw new UsageError(`run: --target must be host or riscv64, not '${target}'`);
    const path = resolve(entry!);
    if (!existsSync(path)) throw new CliError(`run: '${entry}' not found`);
    let file = path;
    const ext = extname(path);
    const prebuilt = isBytecode(path) || (ext === ".js" && existsSync(`${path}.map`)) || ext === ".mjs";
    if (!prebuilt) {
      const r = await bundle({
        entry: path,
        outFile: runBundlePath(path),
        bytecode: Boolean(args.options.bytecode),
        check: !args.options["no-check"] && "run",
      });
      for (const w of r.warnings) console.error(`warning: ${w}`);
      file = r.output;
    }
    if (typeof args.options.port === "string") {
      if (isBytecode(file)) throw new UsageError("run: --port sends source; run without --bytecode");
      if (args.options.preview) await startPreview(await openBoard(args, "run"), args, "run");
      return runOnBoard(file, args, [...extra, ...args.rest]);
    }
    if (args.options.preview) previewOnSimulator(args, "run");
    return runRuntime(target, [...runtimeOptions(args, runCommand.options), file, ...extra, ...args.rest]);
  },
};
