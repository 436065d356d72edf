// `npm run bench`: runs every bench/<name>/run.mjs (or the names given) and prints one table: each
// row's k230js and peer measurements (min / median / max over the runs), the ratio of the
// medians, the row's goal and whether it was met, then every peer's exact command. The results
// also go to bench/out/results.json. See bench/README.md for how each row is measured.
//
// A bench module default-exports an async function returning rows:
//   { bench, case, unit, ours, peer, peerName,      medians (or single values)
//     oursRuns?, peerRuns?,                          every run's value: min / median / max printed
//     peerCmd?, oursCmd?,                            the exact command lines, printed as notes
//     goal?: { max?: number, min?: number, text? },  on ratio = ours / peer
//     higherIsBetter? }                              (throughput-like units; informational)
// A row may also print its own cells (oursText / peerText), have no peer (peer: null), or judge
// itself: goal as text with verdict "pass" / "FAIL" (a goal that is not a ratio, e.g. a p99).
// A row without a goal is context (a second peer, a floor, a breakdown): its verdict is "-".
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { median, ROOT } from "./lib/measure.mjs";

const only = process.argv.slice(2);
const names = readdirSync(join(ROOT, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, "bench", d.name, "run.mjs")))
  .map((d) => d.name)
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

const fmt = (v) =>
  v === undefined || Number.isNaN(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
const spread = (runs, mid, unit) =>
  runs && runs.length > 1 ? `${fmt(Math.min(...runs))} / ${fmt(median(runs))} / ${fmt(Math.max(...runs))} ${unit}` : `${fmt(mid)} ${unit}`;

function goalText(g) {
  if (!g) return "-";
  if (typeof g === "string") return g;
  if (g.text) return g.text;
  return g.max !== undefined ? `<= ${g.max}x` : `>= ${g.min}x`;
}

function verdict(row, ratio) {
  if (!row.goal) return "-";
  if (row.verdict !== undefined) return row.verdict === "pass" ? "met" : "MISSED";
  if (!Number.isFinite(ratio)) return "MISSED (no ratio)";
  const ok = (row.goal.max === undefined || ratio <= row.goal.max) && (row.goal.min === undefined || ratio >= row.goal.min);
  return ok ? "met" : "MISSED";
}

const rows = [];
let failed = 0;
for (const name of names) {
  process.stderr.write(`bench: running ${name}...\n`);
  try {
    const mod = await import(pathToFileURL(join(ROOT, "bench", name, "run.mjs")).href);
    rows.push(...(await mod.default()));
  } catch (e) {
    failed++;
    console.error(`bench: ${name} failed: ${e.stack ?? e.message}`);
  }
}

// Notes: each distinct command once, numbered in order of appearance.
const notes = [];
const note = (cmd) => {
  if (!cmd) return "";
  let i = notes.indexOf(cmd);
  if (i < 0) i = notes.push(cmd) - 1;
  return ` [${i + 1}]`;
};
const results = rows.map((r) => {
  const ours = r.oursRuns?.length ? median(r.oursRuns) : r.ours;
  const peer = r.peerRuns?.length ? median(r.peerRuns) : r.peer;
  const ratio = peer == null ? NaN : ours / peer;
  return { ...r, ours, peer, ratio, verdict: verdict(r, ratio) };
});
const table = results.map((r) => [
  r.bench,
  r.case + note(r.oursCmd),
  r.oursText ?? spread(r.oursRuns, r.ours, r.unit),
  r.peer == null ? "-" : r.peerText ?? spread(r.peerRuns, r.peer, r.unit),
  (r.peerName ?? "-") + note(r.peerCmd),
  Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x${r.higherIsBetter ? " (higher is better)" : ""}` : "-",
  goalText(r.goal),
  r.verdict,
]);
const head = ["bench", "case", "k230js min / median / max", "peer min / median / max", "peer is", "ratio k230js/peer", "goal", "verdict"];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
console.log(line(head));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
if (notes.length) {
  console.log("\nCommands (run from the repository root):");
  notes.forEach((c, i) => console.log(`  [${i + 1}] ${c}`));
}
const withGoal = results.filter((r) => r.goal);
const missed = withGoal.filter((r) => r.verdict !== "met");
console.log(`\nGoals: ${withGoal.length - missed.length} met, ${missed.length} missed${missed.length ? ":" : "."}`);
for (const r of missed) console.log(`  ${r.bench}: ${r.case} (${Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : r.oursText ?? r.ours}, goal ${goalText(r.goal)})`);
mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
writeFileSync(join(ROOT, "bench", "out", "results.json"), JSON.stringify({ date: new Date().toISOString(), rows: results }, null, 2));
process.exit(failed ? 1 : 0);
