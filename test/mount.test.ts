// `k230js mount DIR`: the board imports modules and opens files from a host directory over the
// console link (the simulator on a pty, as a board), with nothing copied to its card. A
// TypeScript app of three modules and a data file runs; an edited module shows on the next run;
// binary files full of 0x03 (Ctrl-C while code runs) and 0x10 (the escape) arrive intact through
// k230:media openFile; what is not served (.., writes, a missing module) fails naming the path.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { CLI, cli, tempDir } from "./helpers/run.js";

let rt: PtyRuntime;
let sd: string;
let app: string;

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const c of b) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h;
}

function mount(...more: string[]) {
  return cli(["mount", app, "--port", rt.path, ...more]);
}

beforeAll(async () => {
  const dir = tempDir("mount");
  sd = join(dir, "sd");
  app = join(dir, "app");
  mkdirSync(join(app, "lib"), { recursive: true });
  writeFileSync(
    join(app, "main.ts"),
    [
      'import { greet } from "./greet.js";',
      'import { twice } from "./lib/math";',
      'import { openFile } from "k230:media";',
      'const f = openFile("/remote/data.txt");',
      "const text = String.fromCharCode(...new Uint8Array(f.read(100)!)).trim();",
      "f.close();",
      "const n: number = twice(21);",
      "console.log(greet(\"board\"), n, text);",
      "",
    ].join("\n"),
  );
  writeFileSync(join(app, "greet.ts"), 'export function greet(who: string): string {\n  return `hello ${who}`;\n}\n');
  writeFileSync(join(app, "lib", "math.ts"), "export const twice = (x: number): number => 2 * x;\n");
  writeFileSync(join(app, "data.txt"), "data from the host\n");
  mkdirSync(sd);
  rt = await startPty(["--sdcard", sd]);
  await rt.disconnect(); // the CLI opens the pty as a board's port
});

afterAll(async () => {
  await rt?.close();
});

describe("mount", () => {
  it("runs a three-module TypeScript app from the host with nothing copied to the card; an edit shows on the next run", () => {
    let r = mount("+", "exec", 'import "/remote/main.ts"');
    expect(r.stderr).toContain(`${app} is /remote on ${rt.path}`);
    expect(r.stdout).toBe("hello board 42 data from the host\n");
    expect(r.status).toBe(0);
    expect(readdirSync(sd)).toEqual([]);
    writeFileSync(join(app, "greet.ts"), 'export function greet(who: string): string {\n  return `howdy ${who}`;\n}\n');
    r = mount("+", "exec", 'import "/remote/main.ts"');
    expect(r.stdout, r.stderr).toBe("howdy board 42 data from the host\n");
    expect(readdirSync(sd)).toEqual([]);
    // Once the chain is over the mount is gone: the board looks on its own card.
    r = cli(["reset", "--port", rt.path, "+", "exec", 'import "/remote/main.ts"']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot load module '/remote/main.ts': ");
  });

  it("binary files of any bytes arrive intact through openFile while code runs", () => {
    const small = Buffer.alloc(4096, 0x03);
    small.fill(0x10, 1000, 2000);
    const big = randomBytes(700 * 1024); // several requests of the open file
    big.fill(0x03, 0, 5000);
    writeFileSync(join(app, "small.bin"), small);
    writeFileSync(join(app, "big.bin"), big);
    const code = [
      'import { openFile } from "k230:media";',
      "function fnv(name: string): string {",
      "  const f = openFile(name);",
      "  let h = 0x811c9dc5, n = 0;",
      "  for (let b = f.read(40960); b; b = f.read(40960)) {",
      "    for (const c of new Uint8Array(b)) h = Math.imul(h ^ c, 0x01000193) >>> 0;",
      "    n += b.byteLength;",
      "  }",
      "  f.close();",
      "  return `${n} ${h}`;",
      "}",
      'console.log(fnv("/remote/small.bin"), fnv("/remote/big.bin"));',
    ].join("\n");
    const r = mount("--no-reset", "+", "exec", code);
    expect(r.stderr).not.toContain("Error");
    expect(r.stdout).toBe(`${small.length} ${fnv1a(small)} ${big.length} ${fnv1a(big)}\n`);
    expect(r.status).toBe(0);
  });

  it("refuses what it does not serve, naming the path", () => {
    writeFileSync(join(app, "broken.ts"), "export const x: number = ;\n");
    const tries = [
      ['import "/remote/nope.js"', "cannot load module '/remote/nope.js' from the mount: nope.js: no such file in"],
      ['import "/remote/../secret.js"', "cannot load module '/remote/../secret.js' from the mount: ../secret.js: '.' and '..' are not served from the mount"],
      ['import "/remote/broken.ts"', "cannot load module '/remote/broken.ts' from the mount: broken.ts: "],
      ['import { openFile } from "k230:media"; openFile("/remote/out.bin", "w")', "openFile: '/remote/out.bin' is on the host's mount, which is read-only"],
      ['import { openFile } from "k230:media"; openFile("/remote/lib")', "openFile: cannot open '/remote/lib' on the mount: lib: is a directory"],
    ];
    for (const [code, message] of tries) {
      const r = mount("--no-reset", "+", "exec", code!);
      expect(r.status, code).toBe(1);
      expect(r.stderr, code).toContain(message);
    }
    const bad = mount("--at", "/sdcard");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("mount: --at must be one name under / other than /sdcard and /data");
    expect(cli(["mount", join(app, "data.txt"), "--port", rt.path]).stderr).toContain("is not a directory");
  });

  it("serves at another mount point; alone, mount opens the REPL, which imports from it", () => {
    const r = cli(["mount", app, "--at", "/host", "--port", rt.path, "+", "exec", 'import { twice } from "/host/lib/math.ts"; console.log(twice(4))']);
    expect(r.stdout, r.stderr).toBe("8\n");
    const repl = spawnSync(process.execPath, [CLI, "mount", app, "--port", rt.path], {
      input: 'import { twice } from "/remote/lib/math.ts"\ntwice(5) + 1\n',
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, K230JS_CACHE_DIR: tempDir("mount-cache") },
    });
    expect(repl.stdout, repl.stderr).toContain("11");
    expect(repl.status).toBe(0);
  });
});
