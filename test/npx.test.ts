// A new user's first steps, from a clean clone: `npm install`, then `npx k230js --help` (no build
// step by hand); `npx k230js init` makes a project outside the repository whose `npm install`
// works offline (file: links into the checkout) and whose `npx k230js build` and `run` work.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HOST_RUNTIME, ROOT, tempDir } from "./helpers/run.js";

const isRepo = spawnSync("git", ["-C", ROOT, "rev-parse", "--git-dir"]).status === 0;
if (!isRepo) console.log("SKIP: test/npx.test.ts: the checkout is not a git repository (nothing to clone)");

// Asynchronous: an npm install can take minutes on a loaded machine, and a worker blocked that
// long misses vitest's own RPC deadline ("Timeout calling onTaskUpdate").
function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 240_000);
    p.on("error", (e) => (stderr += String(e)));
    p.on("close", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

describe.skipIf(!isRepo)("npx k230js from a clean clone", () => {
  let clone = "";
  beforeAll(async () => {
    clone = join(tempDir("clone"), "k230js");
    const c = await sh("git", ["clone", "-q", ROOT, clone], ROOT);
    expect(c.status, c.stderr).toBe(0);
    const i = await sh("npm", ["install", "--no-audit", "--no-fund"], clone);
    expect(i.status, i.stderr).toBe(0);
  }, 300_000);

  it("npm install, then npx k230js --help", async () => {
    const bin = join(clone, "tools", "flash", "bin", "k230js.mjs");
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(existsSync(join(clone, "tools", "flash", "dist"))).toBe(false); // nothing built by hand
    const r = await sh("npx", ["k230js", "--help"], clone);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: k230js <command>/);
    expect(r.stdout).toMatch(/^ {2}init\s/m);
  });

  it("npx k230js init DIR, npm install there (offline), then build, run and a type error", async () => {
    const app = join(tempDir("app"), "my-app");
    let r = await sh("npx", ["k230js", "init", app], clone);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["package.json", "tsconfig.json", "main.ts", ".gitignore", "README.md", ".vscode/tasks.json"]) expect(existsSync(join(app, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(pkg.devDependencies).toEqual({ "@k230js/cli": `file:${join(clone, "tools", "flash")}`, "@k230js/types": `file:${join(clone, "js-lib")}` });
    expect(JSON.parse(readFileSync(join(app, "tsconfig.json"), "utf8")).compilerOptions.strict).toBe(true);
    const tasks = JSON.parse(readFileSync(join(app, ".vscode", "tasks.json"), "utf8")).tasks as { label: string; problemMatcher: unknown }[];
    expect(tasks.map((t) => t.label)).toEqual(["dev", "deploy", "repl"]);
    r = await sh("npm", ["install", "--offline", "--no-audit", "--no-fund"], app);
    expect(r.status, r.stderr).toBe(0);
    // The runtime is this checkout's build (the clone has none).
    const env = { K230JS_BUILD_DIR: join(HOST_RUNTIME, "..") };
    r = await sh("npx", ["k230js", "build", "main.ts"], app, env);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(app, "dist", "main.js"))).toBe(true);
    r = await sh("npx", ["k230js", "run", "main.ts"], app, env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^hello from my-app on simulator \(host\)\ntick 1\ntick 2\ntick 3\ndone in \d+ ms\n$/);
    // The editor's view: the project type-checks with its own tsconfig (types through the link).
    r = await sh(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", app], app);
    expect(r.status, r.stdout).toBe(0);
    // A type error stops the build, in the form the VS Code problem matcher reads.
    writeFileSync(join(app, "main.ts"), 'import { sleepMs } from "k230:sys";\nsleepMs("100");\n');
    r = await sh("npx", ["k230js", "build", "main.ts"], app, env);
    expect(r.status).toBe(1);
    const line = r.stderr.split("\n")[0]!;
    const matcher = tasks[0]!.problemMatcher as { pattern: { regexp: string } };
    expect(new RegExp(matcher.pattern.regexp).exec(line)?.slice(1, 6)).toEqual(["main.ts", "2", "9", "error", "TS2345"]);
  });
});
