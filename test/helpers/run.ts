import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HOST_RUNTIME = process.env.K230JS_BUILD_DIR ? join(process.env.K230JS_BUILD_DIR, "k230js") : join(ROOT, "build", "host", "k230js");
export const RISCV64_RUNTIME = join(ROOT, "build", "riscv64", "k230js");
export const CLI = join(ROOT, "tools", "flash", "dist", "k230js.mjs");
/** The sanitizer build (ASan + UBSan, from scripts/setup.sh --all), and the environment to run it in. */
export const ASAN_RUNTIME = join(ROOT, "build", "asan", "k230js");
export const ASAN_ENV = {
  ...process.env,
  ASAN_OPTIONS: "detect_leaks=1",
  LSAN_OPTIONS: `suppressions=${join(ROOT, "test", "c", "hal", "lsan.supp")}`,
};

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function toResult(r: SpawnSyncReturns<string>): Result {
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs the k230js CLI synchronously (with `env` added to this process's environment). */
export function cli(args: string[], cwd = ROOT, env: Record<string, string> = {}): Result {
  return toResult(
    spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } }),
  );
}

/** Runs a runtime build directly: host natively, riscv64 under qemu-riscv64. */
export function runtime(target: "host" | "riscv64", args: string[], cwd = ROOT): Result {
  const [cmd, argv] = target === "host" ? [HOST_RUNTIME, args] : ["qemu-riscv64", [RISCV64_RUNTIME, ...args]];
  return toResult(spawnSync(cmd, argv, { cwd, encoding: "utf8", timeout: 60_000 }));
}

const made: string[] = [];

/**
 * A fresh directory under the temporary directory. It is removed after the test file that made it
 * (test/helpers/temp-setup.ts), unless K230JS_KEEP_TMP=1 keeps it for a look afterwards. vitest runs
 * no hooks in a file whose tests are all skipped: such a file makes its directories in a hook.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `k230js-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * Builds the LD_PRELOAD shim test/c/preload/<name>.c into `dir` (once) and returns its path, or
 * the compiler's complaint as `error` (the caller prints its SKIP line).
 */
export function preloadShim(name: string, dir: string): { so: string; error?: string } {
  const so = join(dir, `${name}.so`);
  if (existsSync(so)) return { so };
  const cc = spawnSync("cc", ["-shared", "-fPIC", "-O2", "-o", so, join(ROOT, "test", "c", "preload", `${name}.c`), "-ldl"], { encoding: "utf8" });
  return cc.error || cc.status !== 0 ? { so, error: cc.error?.message ?? cc.stderr.trim() } : { so };
}

/** Removes every directory tempDir() made in this test file (the file's last hook calls it). */
export function removeTempDirs(): void {
  if (process.env.K230JS_KEEP_TMP === "1") return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Starts the host runtime (or `cmd`, in `env`) and resolves once `marker` appears on stdout. */
export function startUntil(args: string[], marker: string, cmd = HOST_RUNTIME, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; at: number }>((res) =>
    child.on("exit", (code) => res({ code, at: performance.now() })),
  );
  const ready = new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`'${marker}' never appeared; stdout=${stdout} stderr=${stderr}`)), 20_000);
    child.stdout.on("data", () => {
      if (stdout.includes(marker)) {
        clearTimeout(t);
        res();
      }
    });
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

/** Runs a command without blocking the test process; killed after timeoutMs. */
export function runAsync(
  cmd: string,
  args: string[],
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
    c.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
