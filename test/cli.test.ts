// The k230js CLI: build (bundle, source map, bytecode, size report) and run, with clear errors.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cli, ROOT, runAsync, tempDir } from "./helpers/run.js";

const app = join(ROOT, "test", "apps", "sys-demo.ts");

describe("k230js build", () => {
  it("bundles one ESM file with k230:* left external, a source map and a size report", () => {
    const out = join(tempDir("build"), "app.js");
    const r = cli(["build", app, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    const js = readFileSync(out, "utf8");
    expect(js).toMatch(/from "k230:sys"/);
    expect(js).toContain("//# sourceMappingURL=app.js.map");
    const map = JSON.parse(readFileSync(`${out}.map`, "utf8"));
    expect(map.sources.some((s: string) => s.endsWith("test/apps/sys-demo.ts"))).toBe(true);
    expect(r.stdout).toMatch(/bundle\s+\S*app\.js\s+[\d.]+ kB/);
    expect(r.stdout).toMatch(/source map\s+\S*app\.js\.map/);
  });

  it("--minify makes it smaller and --bytecode emits engine bytecode", () => {
    const dir = tempDir("build2");
    expect(cli(["build", app, "-o", join(dir, "a.js")]).status).toBe(0);
    const r = cli(["build", app, "-o", join(dir, "b.js"), "--minify", "--bytecode"]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(join(dir, "b.js")).size).toBeLessThan(statSync(join(dir, "a.js")).size);
    expect(readFileSync(join(dir, "b.bin")).subarray(0, 8).toString()).toBe("K230JSBC");
    expect(existsSync(join(dir, "b.bin.map"))).toBe(true);
    expect(r.stdout).toMatch(/bytecode\s+\S*b\.bin/);
  });

  it("a syntax error is one clear file:line:col line, exit 1, nothing written", () => {
    const dir = tempDir("build3");
    const bad = join(dir, "bad.ts");
    writeFileSync(bad, "const x = ;\n");
    const r = cli(["build", bad], dir);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")[0]).toMatch(/^bad\.ts:1:11: error TS1109: /);
    expect(existsSync(join(dir, "dist"))).toBe(false);
    // Without the check esbuild reports it, in the same file:line:col form.
    expect(cli(["build", bad, "--no-check"], dir).stderr.trim()).toMatch(/^k230js: build: .*bad\.ts:1:\d+: /);
  });

  it("a type error stops build, run and deploy with file:line:col and exit 1; --no-check builds it", () => {
    const dir = tempDir("typeerr");
    const app = join(dir, "app.ts");
    writeFileSync(app, 'import { sleepMs } from "k230:sys";\nconst width: number = "1280";\nsleepMs(width);\nconsole.log("ran");\n');
    for (const args of [["build", app], ["run", app], ["deploy", app, "--sdcard", join(dir, "sd")]]) {
      const r = cli(args, dir);
      expect(r.status, args[0]).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines[0], args[0]).toBe(`app.ts:2:7: error TS2322: Type 'string' is not assignable to type 'number'.`);
      expect(lines.at(-1)).toBe(`k230js: ${args[0]}: 1 type error; nothing was built (--no-check skips the check)`);
      expect(r.stdout).not.toContain("ran");
    }
    expect(existsSync(join(dir, "dist"))).toBe(false);
    expect(existsSync(join(dir, "sd"))).toBe(false);
    const r = cli(["build", app, "--no-check"], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "dist", "app.js"))).toBe(true);
    // Fixed: the check passes, and a second check of the unchanged app answers from its manifest.
    writeFileSync(app, 'import { sleepMs } from "k230:sys";\nconst width: number = 1280;\nsleepMs(width / 1000);\n');
    expect(cli(["build", app], dir).status).toBe(0);
    expect(cli(["build", app], dir).status).toBe(0);
  });

  it("types cover qjs:std and qjs:bjson as well as k230:*", () => {
    const dir = tempDir("qjs");
    const app = join(dir, "app.ts");
    writeFileSync(
      app,
      'import * as std from "qjs:std";\nimport * as bjson from "qjs:bjson";\nconst b: ArrayBuffer = bjson.write({ a: 1 });\nconst v = bjson.read(b, 0, b.byteLength) as { a: number };\nstd.out.puts(`${v.a} ${std.getenv("HOME") ?? "-"}\\n`);\nstd.out.flush();\n',
    );
    const r = cli(["run", app], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^1 /);
    expect(r.status).toBe(0);
    writeFileSync(app, 'import * as std from "qjs:std";\nstd.out.puts(42);\n');
    expect(cli(["build", app], dir).stderr).toMatch(/app\.ts:2:14: error TS2345/);
  });

  it("usage errors exit 2, a missing entry exits 1", () => {
    expect(cli(["build"]).status).toBe(2);
    expect(cli(["build", app, "--nope"]).status).toBe(2);
    expect(cli(["frobnicate"]).status).toBe(2);
    const r = cli(["build", "/no/such/app.ts"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("k230js: build: entry file '/no/such/app.ts' not found");
    // -o names the bundle; with --bytecode a .bin name would get JavaScript and the bytecode app.bin.bin
    const dir = tempDir("build-o-bin");
    const bin = cli(["build", app, "--bytecode", "-o", join(dir, "app.bin")]);
    expect(bin.status).toBe(2);
    expect(bin.stderr).toContain(`build: -o names the JavaScript bundle, not the bytecode: give -o ${join(dir, "app.js")} and the bytecode goes to ${join(dir, "app.bin")}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("every command has --help", () => {
    const top = cli(["--help"]);
    expect(top.status).toBe(0);
    const names = [...top.stdout.matchAll(/^  (\w+)\s{2,}/gm)].map((m) => m[1]!);
    expect(names).toContain("build");
    expect(names).toContain("run");
    for (const name of names) {
      const r = cli([name, "--help"]);
      expect(r.status, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^usage: k230js ${name}`));
    }
  });
});

describe("k230js run", () => {
  it("builds a .ts app and runs it on the host, passing the exit status through", () => {
    const dir = tempDir("run");
    const f = join(dir, "exit3.ts");
    writeFileSync(f, 'import { exit } from "k230:sys";\nconsole.log("running", scriptArgs.slice(1));\nexit(3);\n');
    const r = cli(["run", f, "--", "x", "y"], dir);
    expect(r.stdout).toContain("running [ 'x', 'y' ]");
    expect(r.status).toBe(3);
  });

  it("runs of one app at the same time each run the whole app (they share its bundle path)", async () => {
    const dir = tempDir("run-many");
    const f = join(dir, "many.ts");
    // a bundle (and source map) big enough that a runtime can meet it half-written: before, one run
    // in a few said "... is not a usable source map" (another run was rewriting it)
    const filler = Array.from({ length: 4000 }, (_, i) => `export const v${i} = ${i};`).join("\n");
    writeFileSync(join(dir, "filler.ts"), filler);
    writeFileSync(f, 'import * as m from "./filler";\nconsole.log("whole", Object.keys(m).length);\n');
    const runs = await Promise.all(Array.from({ length: 6 }, () => runAsync(process.execPath, [CLI, "run", f], 60_000)));
    for (const r of runs) {
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("whole 4000\n");
      expect(r.code).toBe(0);
    }
  }, 90_000);

  it("runs on riscv64 under qemu with --target riscv64, and as bytecode", () => {
    const dir = tempDir("run2");
    const r = cli(["run", app, "--target", "riscv64", "--bytecode"], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("interval ticks: 5");
  });
});
