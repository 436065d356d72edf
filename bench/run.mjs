// `npm run bench`: runs every bench/<name>/run.mjs (or the names given) and prints one table.
// A bench module default-exports an async function returning rows:
//   { bench, case, unit, ours, peer, peerName, higherIsBetter? }
// ratio = ours / peer; for "higher is better" metrics (throughput) the table says so. Optional:
//   oursText / peerText (the cell as printed, e.g. "median (min-max)"), peer: null (no peer),
//   goal and verdict (the row's target and "pass" / "FAIL").
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./lib/measure.mjs";

const only = process.argv.slice(2);
const names = readdirSync(join(ROOT, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, "bench", d.name, "run.mjs")))
  .map((d) => d.name)
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const rows = [];
let failed = 0;
for (const name of names) {
  process.stderr.write(`bench: running ${name}...\n`);
  try {
    const mod = await import(pathToFileURL(join(ROOT, "bench", name, "run.mjs")).href);
    rows.push(...(await mod.default()));
  } catch (e) {
    failed++;
    console.error(`bench: ${name} failed: ${e.message}`);
  }
}
const table = rows.map((r) => [
  r.bench,
  r.case,
  r.oursText ?? `${fmt(r.ours)} ${r.unit}`,
  r.peer == null ? "-" : r.peerText ?? `${fmt(r.peer)} ${r.unit}`,
  r.peerName ?? "-",
  r.peer == null ? "-" : `${(r.ours / r.peer).toFixed(2)}x${r.higherIsBetter ? " (higher is better)" : ""}`,
  r.goal ?? "",
  r.verdict ?? "",
]);
const head = ["bench", "case", "k230js", "peer", "peer is", "ratio k230js/peer", "goal", "verdict"];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
console.log(line(head));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
process.exit(failed ? 1 : 0);
