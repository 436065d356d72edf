// Compile-and-link check of the board port (hal/k230 + ports/k230) against a real K230 MPP
// checkout: runs when K230_MPP_DIR is given (CI machines have none: a SKIP line says so), and
// compile-only against a second MPP generation with K230_MPP_DIR_NEXT (its headers may come
// without the matching prebuilt libraries).
// Compiler: K230_CC_TOOLCHAIN (a CMake toolchain file; default the Debian riscv64 one).
//   K230_MPP_DIR=/path/to/mpp [K230_MPP_DIR_NEXT=/path/to/mpp-current] npx vitest run test/k230-port.test.ts
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runAsync, tempDir } from "./helpers/run.js";

const MPP = process.env.K230_MPP_DIR ?? "";
const MPP_NEXT = process.env.K230_MPP_DIR_NEXT ?? "";
const TOOLCHAIN = process.env.K230_CC_TOOLCHAIN ?? join(ROOT, "firmware", "cmake", "toolchain-riscv64-linux-gnu.cmake");
const skip = !MPP;
if (skip) console.log("SKIP: test/k230-port.test.ts: K230_MPP_DIR is not set (a canmv-k230/mpp checkout); the K230 compile-and-link check did not run");
if (!skip && !MPP_NEXT) console.log("SKIP: test/k230-port.test.ts: K230_MPP_DIR_NEXT is not set (a second MPP generation); hal/k230 was compiled against one generation only");

/** Without blocking the test worker: a build takes minutes, and a worker that cannot answer
 * vitest's RPC for that long fails the run ("Timeout calling onTaskUpdate"). */
async function run(cmd: string, args: string[]) {
  const r = await runAsync(cmd, args.map((a) => (a === "firmware" ? join(ROOT, "firmware") : a)), 900_000);
  return { status: r.code, out: `${r.stdout}${r.stderr}` };
}

/** The MPP's ISP database library is stored in Git LFS; an un-smudged checkout lacks it. */
function lfsMissing(): boolean {
  const f = join(MPP, "userapps", "lib", "libt_database_c.a");
  if (!existsSync(f)) return true;
  return !readFileSync(f).subarray(0, 8).equals(Buffer.from("!<arch>\n"));
}

describe("the K230 port builds against the MPP", () => {
  it("configure without K230_MPP_DIR fails with one clear message", async () => {
    const dir = tempDir("k230-nompp");
    const r = await run("cmake", ["-S", "firmware", "-B", dir, "-DK230JS_PORT=k230", `-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}`]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("K230_MPP_DIR is not set");
    expect(r.out).toContain("Hint: pass -DK230_MPP_DIR=");
    // Decided before the MPP is looked for: the board's build carries no test hooks.
    expect(readFileSync(join(dir, "CMakeCache.txt"), "utf8")).toContain("K230JS_TEST_HOOKS:BOOL=OFF");
  });

  it("a build without test hooks has none: the raw protocol's fault injection is not compiled in", async () => {
    // The board build needs the MPP; the runtime's sources compile the same way in a host
    // configuration with the option the k230 port defaults to, so compile the hooked file there.
    const dir = tempDir("no-hooks");
    const cfg = await run("cmake", ["-S", "firmware", "-B", dir, "-G", "Ninja", "-DK230JS_TEST_HOOKS=OFF", "-DK230JS_TESTS=OFF", "-DK230JS_WITH_FFMPEG=OFF"]);
    expect(cfg.status, cfg.out).toBe(0);
    expect(await hookStrings(dir), "hook strings in a build without hooks").toEqual([]);
    // And the check can fail: the default host build has them.
    expect(await hookStrings(join(ROOT, "build", "host"))).toEqual(HOOK_STRINGS);
  }, 300_000);

  it.skipIf(skip)("compiles hal/k230 + ports/k230 warning-free and links a static ELF", async () => {
    const dir = tempDir("k230-port");
    const cfg = await run("cmake", ["-S", "firmware", "-B", dir, "-G", "Ninja", "-DK230JS_PORT=k230", `-DK230_MPP_DIR=${MPP}`, `-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}`]);
    expect(cfg.status, cfg.out).toBe(0);
    const build = await run("cmake", ["--build", dir, "--", "-k", "0"]);
    const ours = build.out.split("\n").filter((l) => /(hal\/k230|ports\/k230)\/[^:]+:\d+:\d+: (warning|error)/.test(l));
    expect(ours, "diagnostics in our K230 sources").toEqual([]);
    const undefinedSyms = [...new Set([...build.out.matchAll(/undefined reference to `([^']+)'/g)].map((m) => m[1]!))].sort();
    if (build.status !== 0) {
      // The only acceptable link failure: the LFS-stored ISP database library is absent.
      expect(lfsMissing(), build.out.slice(-4000)).toBe(true);
      expect(undefinedSyms.filter((s) => !s.startsWith("TDatabase")), "undefined symbols other than libt_database_c's").toEqual([]);
      console.log(`k230-port: links except ${undefinedSyms.length} symbols of the Git LFS library libt_database_c.a (absent)`);
      // Measure the ELF anyway, with those references left unresolved.
      const dir2 = tempDir("k230-port-warn");
      expect((await run("cmake", ["-S", "firmware", "-B", dir2, "-G", "Ninja", "-DK230JS_PORT=k230", `-DK230_MPP_DIR=${MPP}`, `-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}`, "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--warn-unresolved-symbols"])).status).toBe(0);
      expect((await run("cmake", ["--build", dir2])).status).toBe(0);
      return await checkElf(join(dir2, "k230js"));
    }
    await checkElf(join(dir, "k230js"));
  }, 900_000);
});

describe("hal/k230 compiles against the second MPP generation", () => {
  it.skipIf(!MPP_NEXT)("compiles hal/k230 warning-free against K230_MPP_DIR_NEXT (the generation picked by compile checks)", async () => {
    const dir = tempDir("k230-port-next");
    const cfg = await run("cmake", ["-S", "firmware", "-B", dir, "-G", "Ninja", "-DK230JS_PORT=k230", `-DK230_MPP_DIR=${MPP_NEXT}`, `-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}`]);
    expect(cfg.status, cfg.out).toBe(0);
    console.log(`k230-port: ${cfg.out.split("\n").find((l) => l.includes("K230 MPP:"))?.trim()}`);
    const build = await run("cmake", ["--build", dir, "--target", "k230js_hal", "--", "-k", "0"]);
    const ours = build.out.split("\n").filter((l) => /hal\/k230\/[^:]+:\d+:\d+: (warning|error)/.test(l));
    expect(ours, "diagnostics in our K230 sources").toEqual([]);
    expect(build.status, build.out.slice(-4000)).toBe(0);
  }, 900_000);
});

/** Strings only the test hooks put in a binary. */
const HOOK_STRINGS = ["K230JS_RAW_FAULTS", "corrupt-read="];

/** Compiles repl_raw.c (the file with the raw protocol's hooks) as build `dir` compiles it, and
 * returns the hook strings the object holds. */
async function hookStrings(dir: string): Promise<string[]> {
  const db: { file: string; command: string; directory: string }[] = JSON.parse(readFileSync(join(dir, "compile_commands.json"), "utf8"));
  const entry = db.find((e) => e.file.endsWith("quickjs-bindings/src/repl_raw.c"));
  expect(entry, `repl_raw.c in ${dir}/compile_commands.json`).toBeDefined();
  const obj = join(tempDir("hooks-obj"), "repl_raw.o");
  // The entry is a shell command line: run it as one, writing the object elsewhere.
  const cc = await runAsync("sh", ["-c", `cd '${entry!.directory}' && ${entry!.command.replace(/ -o \S+/, ` -o '${obj}'`)}`], 300_000);
  expect(cc.code, cc.stderr).toBe(0);
  const bytes = readFileSync(obj).toString("latin1");
  return HOOK_STRINGS.filter((h) => bytes.includes(h));
}

async function checkElf(elf: string) {
  const f = await run("file", [elf]);
  expect(f.out).toContain("ELF 64-bit LSB executable, UCB RISC-V");
  expect(f.out).toContain("statically linked");
  const bytes = readFileSync(elf).toString("latin1");
  expect(HOOK_STRINGS.filter((h) => bytes.includes(h)), "test hooks in the board's firmware").toEqual([]);
  console.log(`k230-port: ${elf}: ${statSync(elf).size} bytes`);
}
