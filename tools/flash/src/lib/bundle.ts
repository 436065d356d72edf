import { build as esbuild, type Message } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { CliError } from "./errors.js";
import { compilerPath } from "./paths.js";

/** What QuickJS-ng runs natively; esbuild lowers anything newer. */
export const ENGINE_TARGET = "es2023";

export interface BundleOptions {
  entry: string;
  /** Output .js path; default: <entry dir>/dist/<entry name>.js */
  outFile?: string;
  minify?: boolean;
  bytecode?: boolean;
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
    });
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (errors?.length) throw new CliError(`build: ${errors.map(formatMessage).join("\n")}`);
    throw new CliError(`build: ${(e as Error).message}`);
  }
  const map = `${js}.map`;
  const sizes = [
    { label: "bundle", path: js, bytes: statSync(js).size },
    { label: "source map", path: map, bytes: statSync(map).size },
  ];
  let output = js;
  if (opts.bytecode) {
    output = js.replace(/\.m?js$/, "") + ".bin";
    compileBytecode(js, output);
    copyFileSync(map, `${output}.map`);
    sizes.push({ label: "bytecode", path: output, bytes: statSync(output).size });
  }
  return { js, map, output, sizes, warnings: result.warnings.map(formatMessage) };
}

/** Runs the pinned engine's compiler (k230jsc) on a bundle. */
export function compileBytecode(js: string, out: string): void {
  const jsc = compilerPath();
  if (!existsSync(jsc)) throw new CliError(`build: the bytecode compiler ${jsc} is missing (run 'npm run setup' to build it)`);
  const r = spawnSync(jsc, ["-o", out, js], { encoding: "utf8" });
  if (r.status !== 0) throw new CliError(`build: bytecode compilation failed: ${(r.stderr || r.error?.message || "").trim()}`);
}
