// js-lib's declarations: every example app and every TSDoc @example type-checks with tsc --noEmit,
// and a misuse of the API is rejected (so this test can fail).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/run.js";

const TSC = join(ROOT, "node_modules", ".bin", "tsc");

function tsc(project: string) {
  return spawnSync(TSC, ["-p", project, "--noEmit"], { cwd: ROOT, encoding: "utf8" });
}

/** Writes the TSDoc examples of js-lib into a scratch project typed against js-lib. */
function extractExamples(dir: string): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const typesDir = join(ROOT, "js-lib", "types");
  for (const f of readdirSync(typesDir).filter((x) => x.endsWith(".d.ts"))) {
    const text = readFileSync(join(typesDir, f), "utf8");
    for (const m of text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)) {
      const code = m[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
      writeFileSync(join(dir, `${f.replace(/\.d\.ts$/, "")}-${n++}.ts`), `${code}\nexport {};\n`);
    }
  }
  return n;
}

function scratchProject(dir: string): string {
  const cfg = join(dir, "tsconfig.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.base.json"),
      compilerOptions: { lib: ["ES2023"], types: [] },
      include: [join(ROOT, "js-lib", "types", "**", "*.d.ts"), join(dir, "*.ts")],
    }),
  );
  return cfg;
}

describe("TypeScript declarations", () => {
  it("every example app type-checks (strict, no DOM, no Node)", () => {
    const r = tsc(join(ROOT, "tsconfig.json"));
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("every TSDoc @example in js-lib type-checks", () => {
    const dir = join(ROOT, "build", "tsdoc-examples");
    const n = extractExamples(dir);
    expect(n).toBeGreaterThan(0);
    const r = tsc(scratchProject(dir));
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("misuse of an API is a type error", () => {
    const dir = join(ROOT, "build", "tsdoc-negative");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "bad.ts"), 'import { sleepMs, exitpoint } from "k230:sys";\nsleepMs("10");\nexitpoint(7);\nexport {};\n');
    const r = tsc(scratchProject(dir));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("bad.ts(2,");
    expect(r.stdout).toContain("bad.ts(3,");
  });

  it("the CLI's own sources type-check", () => {
    const r = tsc(join(ROOT, "tools", "flash", "tsconfig.json"));
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
