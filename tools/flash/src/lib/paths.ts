import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (or installed package) root: the directory holding firmware/ and tools/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "firmware", "CMakeLists.txt"))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

export type Target = "host" | "riscv64";

/** Where the runtime and the bytecode compiler of a target live (K230JS_BUILD_DIR overrides). */
export function buildDir(target: Target): string {
  const env = target === "host" ? process.env.K230JS_BUILD_DIR : process.env.K230JS_RISCV64_BUILD_DIR;
  return env ? resolve(env) : join(projectRoot(), "build", target);
}

export function runtimePath(target: Target): string {
  return join(buildDir(target), "k230js");
}

/** The bytecode compiler always runs on the host: bytecode is the same for every target. */
export function compilerPath(): string {
  return join(buildDir("host"), "k230jsc");
}

/**
 * This user's cache directory for k230js (type-check state, run bundles, REPL history):
 * $K230JS_CACHE_DIR, else $XDG_CACHE_HOME/k230js, else ~/.cache/k230js.
 */
export function userCacheDir(...sub: string[]): string {
  const base = process.env.K230JS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "k230js");
  const dir = join(base, ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The type declarations of every module an app can import (k230:*, qjs:*) and its globals. */
export function typesEntry(): string {
  return join(projectRoot(), "js-lib", "types", "index.d.ts");
}
