// Shared helpers for benches: process timing, peak RSS, medians.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HOST = join(ROOT, "build", "host");

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `cmd args` under /usr/bin/time and measures the time from spawn to the first stdout
 * line containing `marker`, and the peak RSS. Resolves { firstLineMs, maxRssKiB, status }.
 */
export function timeToFirstLine(cmd, args, marker = "ready") {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "RSS %M", cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let first = null;
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (first === null && out.includes(marker)) first = performance.now() - t0;
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("error", rej);
    child.on("exit", (status) => {
      const m = /RSS (\d+)/.exec(err);
      if (status !== 0 || first === null || !m) return rej(new Error(`${cmd} ${args.join(" ")} failed (${status}): ${err}`));
      res({ firstLineMs: first, maxRssKiB: Number(m[1]), status });
    });
  });
}
