// bench/typecheck: the type check that build/run/deploy/dev run first (tools/flash/src/lib/typecheck.ts),
// on examples/camera-demo. Each measurement is one fresh process timing AppChecker.check() alone
// (TypeScript's load included, Node's start-up not). Goal: re-checking an unchanged app costs at
// most a tenth of the first check.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { median, ROOT } from "../lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const GOAL = 0.1;

export default async function typecheck() {
  const dir = join(ROOT, "bench", "out", "typecheck");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The checker as the CLI has it, as a module this bench can import.
  await build({
    entryPoints: [join(ROOT, "tools", "flash", "src", "lib", "typecheck.ts")],
    outfile: join(dir, "checker.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  writeFileSync(
    join(dir, "driver.mjs"),
    `import { AppChecker } from "./checker.mjs";\nconst t0 = performance.now();\nconst r = await new AppChecker(process.argv[2]).check();\nif (r.errors.length) { console.error(r.errors.join("\\n")); process.exit(1); }\nconsole.log(JSON.stringify({ ms: performance.now() - t0, files: r.files, fromManifest: r.fromManifest }));\n`,
  );
  // A copy inside the repository, so the repository's tsconfig.json applies as for the original.
  const appDir = join(ROOT, "bench", "out", "typecheck", "app");
  mkdirSync(appDir, { recursive: true });
  const entry = join(appDir, "main.ts");
  copyFileSync(join(ROOT, "examples", "camera-demo", "main.ts"), entry);
  const check = (cache) =>
    JSON.parse(execFileSync(process.execPath, [join(dir, "driver.mjs"), entry], { env: { ...process.env, K230JS_CACHE_DIR: cache }, encoding: "utf8" }));
  const first = [];
  const unchanged = [];
  const edited = [];
  for (let i = 0; i < RUNS; i++) {
    const cache = join(dir, `cache${i}`);
    first.push(check(cache).ms);
    const again = check(cache);
    if (!again.fromManifest) throw new Error("an unchanged app was checked again instead of answered from the manifest");
    unchanged.push(again.ms);
    appendFileSync(entry, `\nexport const edit${i}: number = ${i};\n`);
    edited.push(check(cache).ms);
  }
  const ratio = median(unchanged) / median(first);
  if (ratio > GOAL) console.error(`bench typecheck: unchanged re-check is ${ratio.toFixed(3)}x of the first check, over the ${GOAL}x goal`);
  return [
    { bench: "typecheck", case: `unchanged app re-check (goal <= ${GOAL}x)`, unit: "ms", ours: median(unchanged), peer: median(first), peerName: "first check (empty cache)" },
    { bench: "typecheck", case: "one file edited, re-check", unit: "ms", ours: median(edited), peer: median(first), peerName: "first check (empty cache)" },
  ];
}
