// hal/k230 on the MPP double (test/mpp-double/README.md): the generations given by the
// environment, their builds, and the reports the double appends at each process's exit.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { ROOT, runAsync } from "./run.js";

/** The MPP generations to run: K230_MPP_DIR (the 2024 MPP) and K230_MPP_DIR_NEXT, when set. */
export const GENERATIONS = [
  { env: "K230_MPP_DIR", build: "k230-double" },
  { env: "K230_MPP_DIR_NEXT", build: "k230-double-next" },
].filter((g) => process.env[g.env]);

export type Generation = (typeof GENERATIONS)[number];

export interface Report {
  generation: string;
  rules: number;
  violations: number;
  leaks: number;
  violationItems: string[];
  leakItems: string[];
}

/** cmake, without blocking the test worker for minutes (vitest's RPC would time out). */
export async function cmake(args: string[]) {
  const r = await runAsync("cmake", args, 900_000);
  return { status: r.code, out: `${r.stdout}${r.stderr}` };
}

/** The generation's build directory (build/<gen.build>). */
export const doubleDir = (gen: Generation) => join(ROOT, "build", gen.build);

/** Configures and builds the generation's k230-double; hal/k230 and the double compile without
 * a diagnostic. */
export async function buildDouble(gen: Generation) {
  const dir = doubleDir(gen);
  const cfg = await cmake(["-S", join(ROOT, "firmware"), "-B", dir, "-G", "Ninja", "-DK230JS_PORT=k230-double", `-DK230_MPP_DIR=${process.env[gen.env]}`]);
  expect(cfg.status, cfg.out).toBe(0);
  const b = await cmake(["--build", dir, "-j2"]);
  expect(b.status, b.out.slice(-4000)).toBe(0);
  const ours = b.out.split("\n").filter((l) => /(hal\/k230|test\/mpp-double)\/[^:]+:\d+:\d+: (warning|error)/.test(l));
  expect(ours, "diagnostics in hal/k230 and the double").toEqual([]);
}

/** The VO API the generation's build found (ports/k230/mpp.cmake's compile checks, read from the
 * build's CMake cache after buildDouble): "layer-id" (K230_MPP_VO_LAYER_API), "video-layer"
 * (K230_MPP_VO_API), or "" where neither compiles and hal/k230 has no display. */
export function voApi(gen: Generation): "layer-id" | "video-layer" | "" {
  const cache = readFileSync(join(doubleDir(gen), "CMakeCache.txt"), "utf8");
  if (/^K230_MPP_VO_LAYER_API_[0-9a-f]{8}:INTERNAL=1$/m.test(cache)) return "layer-id";
  if (/^K230_MPP_VO_API_[0-9a-f]{8}:INTERNAL=1$/m.test(cache)) return "video-layer";
  return "";
}

/** The reports the double appended to `file`, one per process. */
export function reports(file: string): Report[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Report);
}

/** At least one process reported, none with a violation or anything left allocated. */
export function expectClean(rs: Report[]) {
  expect(rs.length).toBeGreaterThan(0);
  for (const r of rs) {
    expect(r.violationItems, "violations").toEqual([]);
    expect(r.leakItems, "leaks").toEqual([]);
  }
}
