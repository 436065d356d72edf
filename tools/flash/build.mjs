// Builds the CLI (src/**/*.ts -> dist/k230js.mjs, one Node ESM file) when it is missing or older
// than its sources. Used by bin/k230js.mjs on every start (a fresh clone needs no build step) and
// by scripts/setup.sh. `node build.mjs` builds when stale; `node build.mjs --force` always.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = join(here, "dist", "k230js.mjs");
/** The display page, shared with the simulator's live view (firmware/hal/host/liveview.c). */
const PAGE = join(here, "..", "..", "firmware", "hal", "host", "liveview.html");

function newestSource(dir = join(here, "src")) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function isStale() {
  const st = statSync(DIST, { throwIfNoEntry: false });
  return !st || Math.max(newestSource(), statSync(PAGE).mtimeMs) > st.mtimeMs;
}

/** Bundles the CLI; concurrent builders each write their own temporary file, then rename. */
export async function build() {
  const { build: esbuild } = await import("esbuild");
  mkdirSync(dirname(DIST), { recursive: true });
  const tmp = `${DIST}.${process.pid}.tmp`;
  await esbuild({
    entryPoints: [join(here, "src", "cli.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    define: { K230JS_LIVEVIEW_PAGE: JSON.stringify(readFileSync(PAGE, "utf8")) },
    logLevel: "warning",
  });
  renameSync(tmp, DIST);
}

export async function ensureBuilt() {
  if (isStale()) await build();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--force") || isStale()) {
    process.stderr.write("\x1b[1msetup:\x1b[0m building the k230js CLI\n");
    await build();
  }
}
