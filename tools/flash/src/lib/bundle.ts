import { build as esbuild, type Message } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { CliError } from "./errors.js";
import type { OptionSpec } from "./args.js";
import { compilerPath } from "./paths.js";
import { AppChecker } from "./typecheck.js";

/** `--no-check` of every command that builds an app. */
export const NO_CHECK_OPTION: OptionSpec = { name: "no-check", type: "boolean", help: "skip the TypeScript type check" };

/** Type errors go to stderr one per line (`file:line:col: error TSn: text`), then one summary error. */
export async function checkApp(checker: AppChecker, command: string): Promise<void> {
  const r = await checker.check();
  if (!r.errors.length) return;
  for (const e of r.errors) console.error(e);
  const n = r.errors.length;
  throw new CliError(`${command}: ${n} type error${n === 1 ? "" : "s"}; nothing was built (--no-check skips the check)`);
}

/** What QuickJS-ng runs natively; esbuild lowers anything newer. */
export const ENGINE_TARGET = "es2023";

export interface BundleOptions {
  entry: string;
  /** Output .js path; default: <entry dir>/dist/<entry name>.js */
  outFile?: string;
  minify?: boolean;
  bytecode?: boolean;
  /** Type-check first (a type error throws before anything is written); the command's name. */
  check?: string | false;
  /** A long-running caller (dev) keeps one checker so re-checks reuse its state. */
  checker?: AppChecker;
}

export interface BundleResult {
  js: string;
  map: string;
  /** The file to run: the bytecode when asked for, else the bundle. */
  output: string;
  sizes: { label: string; path: string; bytes: number }[];
  warnings: string[];
}

function formatMessage(m: Message): string {
  const loc = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : "";
  return `${loc}${m.text}`;
}

/** Where `build --bytecode` puts the bytecode of the bundle `js`: beside it, as <name>.bin. */
export function bytecodePath(js: string): string {
  return js.replace(/\.m?js$/, "") + ".bin";
}

export function defaultOutFile(entry: string): string {
  const name = basename(entry, extname(entry));
  return join(dirname(resolve(entry)), "dist", `${name}.js`);
}

/**
 * Bundles an app into one ES module for the runtime: `k230:*` and `qjs:*` stay imports (the
 * runtime provides them), everything else is inlined; a source map sits beside the bundle so
 * stack traces name the .ts files.
 */
export async function bundle(opts: BundleOptions): Promise<BundleResult> {
  const entry = resolve(opts.entry);
  if (!existsSync(entry)) throw new CliError(`build: entry file '${opts.entry}' not found`);
  if (opts.check) await checkApp(opts.checker ?? new AppChecker(entry), opts.check);
  const js = resolve(opts.outFile ?? defaultOutFile(entry));
  mkdirSync(dirname(js), { recursive: true });
  let result;
  try {
    result = await esbuild({
      entryPoints: [entry],
      outfile: js,
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: ENGINE_TARGET,
      mainFields: ["module", "main"],
      external: ["k230:*", "qjs:*"],
      sourcemap: "linked",
      sourcesContent: false,
      minify: opts.minify ?? false,
      logLevel: "silent",
      legalComments: "none",
      write: false,
    });
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (errors?.length) throw new CliError(`build: ${errors.map(formatMessage).join("\n")}`);
    throw new CliError(`build: ${(e as Error).message}`);
  }
  // Each file whole under its name at every moment: two `run`s of one app share its bundle path,
  // and a runtime starting on a half-written bundle would run a truncated app.
  for (const f of result.outputFiles) writeFileAtomic(f.path, f.contents);
  const map = `${js}.map`;
  const sizes = [
    { label: "bundle", path: js, bytes: statSync(js).size },
    { label: "source map", path: map, bytes: statSync(map).size },
  ];
  let output = js;
  if (opts.bytecode) {
    output = bytecodePath(js);
    compileBytecode(js, output);
    copyFileSync(map, `${output}.map`);
    sizes.push({ label: "bytecode", path: output, bytes: statSync(output).size });
  }
  return { js, map, output, sizes, warnings: result.warnings.map(formatMessage) };
}

function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Runs the pinned engine's compiler (k230jsc) on a bundle. The source text is left out (-s): it
 * would double the file and only serves Function.prototype.toString; the line tables stay, so
 * stack traces still name the TypeScript lines through the source map.
 */
export function compileBytecode(js: string, out: string): void {
  const jsc = compilerPath();
  if (!existsSync(jsc)) throw new CliError(`build: the bytecode compiler ${jsc} is missing (run 'npm run setup' to build it)`);
  const r = spawnSync(jsc, ["-s", "-o", out, js], { encoding: "utf8" });
  if (r.status !== 0) throw new CliError(`build: bytecode compilation failed: ${(r.stderr || r.error?.message || "").trim()}`);
}
