// The simulator behind a serial line of a real rate, driven by the CLI's own raw-protocol client:
// what bench/transfer and bench/preview measure on. The line is bench/transfer/relay.mjs between
// the simulator's pty and a socat pty, metered like a UART (rate 0: unmetered).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HOST, ROOT } from "./measure.mjs";

/** Bundles a bench's client.ts (re-exports of the CLI's modules) to outDir and imports it, so a
 * bench measures exactly the code the CLI runs. */
export async function loadClient(entry, outDir) {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, "client.mjs");
  execFileSync(join(ROOT, "node_modules", ".bin", "esbuild"), [entry, "--bundle", "--platform=node", "--format=esm", "--packages=external", `--outfile=${out}`, "--log-level=warning"]);
  return import(`${pathToFileURL(out).href}?${Date.now()}`);
}

/** Starts a process and resolves with { child, match } at the first match of `re` in the named
 * stream (match: its first group). */
export function startAndWait(cmd, args, stream, re, { env } = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: env ? { ...process.env, ...env } : process.env });
  return new Promise((res, rej) => {
    let text = "";
    const t = setTimeout(() => rej(new Error(`${cmd}: no ${re} in ${text}`)), 10_000);
    child[stream].on("data", (d) => {
      text += d;
      const m = re.exec(text);
      if (m) {
        clearTimeout(t);
        res({ child, match: m[1] });
      }
    });
    child.on("exit", (code) => rej(new Error(`${cmd} exited ${code}: ${text}`)));
  });
}

/**
 * The simulator (its card a fresh directory, `env` added to its environment) behind a line of
 * `line.rate` bytes/s, and a RawClient (from `lib`, a loadClient module) in raw mode on it.
 * Returns { c, sd, pid, close() }; close leaves raw mode, stops both processes and removes the card.
 */
export async function openLine(lib, line, { env } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "k230js-bench-line-"));
  const sd = join(dir, "sd");
  mkdirSync(sd);
  const sim = await startAndWait(join(HOST, "k230js"), ["--uart", "pty", "--sdcard", sd], "stderr", /k230js: uart on (\S+)/, { env });
  const relay = await startAndWait(process.execPath, [join(ROOT, "bench", "transfer", "relay.mjs"), sim.match, String(line.rate), join(dir, "line")], "stdout", /ready (\S+)\n/);
  const t = lib.PtyTransport.open(relay.match, line.name);
  const c = new lib.RawClient(t, { timeoutMs: 30_000 });
  const close = async () => {
    await c.leave().catch(() => {});
    await t.close();
    relay.child.kill("SIGTERM");
    sim.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await c.enter();
  } catch (e) {
    await close();
    throw e;
  }
  return { c, sd, pid: sim.child.pid, close };
}
