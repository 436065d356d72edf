// Shared helpers for benches: running a command under bench_runstat (wall, CPU, peak RSS, first
// line), interleaved repetitions, medians, exact command lines.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HOST = join(ROOT, "build", "host");
export const RUNSTAT = join(HOST, "bench-lib", "bench_runstat");

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A command line as a shell would take it back. */
export function commandLine(cmd, args) {
  const q = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, "'\\''")}'`);
  return [cmd, ...args].map((a) => q(String(a).replaceAll(`${ROOT}/`, ""))).join(" ");
}

function parseReport(cmd, args, r) {
  const line = r.stderr.split("\n").filter((l) => l.startsWith("@runstat ")).at(-1);
  if (!line) throw new Error(`bench_runstat gave no report for ${commandLine(cmd, args)}: ${r.stderr.slice(-500)}`);
  const rep = JSON.parse(line.slice(9));
  if (rep.status !== 0) throw new Error(`${commandLine(cmd, args)} failed (${rep.status}): ${r.stderr.slice(-800)}`);
  if (r.marker && !(rep.firstLineMs >= 0 && rep.firstLineCpuMs > 0))
    throw new Error(`${commandLine(cmd, args)}: no first line '${r.marker}', or its CPU time could not be read`);
  return { ...rep, stdout: r.stdout };
}

/**
 * Runs `cmd args` under bench_runstat: { wallMs, cpuMs, userMs, sysMs, rssKiB, firstLineMs,
 * firstLineCpuMs, stdout }. `marker`: the first-line marker (firstLine* are -1 without it).
 * Throws if the command fails.
 */
export function runstat(cmd, args, { marker, env } = {}) {
  if (!existsSync(RUNSTAT)) throw new Error(`${RUNSTAT} is not built (ninja -C build/host bench_runstat)`);
  const r = spawnSync(RUNSTAT, [...(marker ? ["--first-line", marker] : []), "--", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: env ? { ...process.env, ...env } : process.env,
  });
  return parseReport(cmd, args, { stdout: r.stdout, stderr: r.stderr, marker });
}

/**
 * Runs every case `runs` times, interleaved (a b c a b c ...), so that the machine's load drifts
 * over all of them alike. Each kept run directly follows a run of the same case, whose result is
 * dropped: a run pays for the state its predecessor left in the caches (here a 1 MB bytecode
 * start costs 10.2 ms CPU after a tiny run and 8.2 ms after one like itself; a 10 s mux the same
 * way), so without it each case would be measured in whatever state the case before it in the
 * order leaves. A case is { run(i) -> result, before?(i) } (before is not timed). Returns one
 * array of results per case.
 */
export async function interleave(runs, cases) {
  const out = cases.map(() => []);
  for (let i = 0; i < runs; i++)
    for (let k = 0; k < cases.length; k++) {
      cases[k].before?.(i);
      await cases[k].run(i); // the warm-up: the same command, just before
      cases[k].before?.(i);
      out[k].push(await cases[k].run(i));
    }
  return out;
}
