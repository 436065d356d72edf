// `k230js image build` on synthetic base images shaped like CanMV's (k230-platform.md §1.5): raw
// boot areas at their offsets, p1 FAT 'BIN', p2 FAT 'SDCARD'. Checked with independent tools
// (sfdisk -J, mlabel, mdir, mcopy): the table, the raw areas and BIN unchanged, our files in
// SDCARD with the right bytes; the error cases; and `flash` of the result with read-back.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync, ftruncateSync, statSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cli, ROOT, tempDir } from "./helpers/run.js";

const MiB = 1 << 20;
const env = { ...process.env, MTOOLS_SKIP_CHECK: "1", LC_ALL: "C" };

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function random(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

interface Layout {
  /** Raw areas written with recognisable bytes: [offset, length]. */
  raw: [number, number][];
  parts: { start: number; size: number; type: string; label?: string; files?: Record<string, string> }[];
  /** Total image size (default: end of the last partition). */
  size?: number;
}

/** The current CanMV layout (k230_rtos_sdk genimage-sdcard.cfg). */
const VENDOR: Layout = {
  raw: [
    [0xe0000, 512], // TOC
    [0xf0000, 0x800], // ota_meta
    [0x100000, 96 * 1024], // spl
    [0x1e0000, 0x10000], // uboot_env
    [0x200000, 512 * 1024], // uboot
    [10 * MiB, 1 * MiB], // rtt_a
    [30 * MiB, 256 * 1024], // rtapp_a
    [60 * MiB, 1 * MiB], // rtt_b
    [80 * MiB, 256 * 1024], // rtapp_b
  ],
  parts: [
    { start: 110 * MiB, size: 20 * MiB, type: "c", label: "BIN", files: { "config.txt": "auto_resize=1\n", "gc2093-1920x1080.bin": "isp" } },
    { start: 130 * MiB, size: 500 * MiB, type: "c", label: "SDCARD", files: { "revision.txt": "canmv v1.2\n", "examples/vendor.py": "print('vendor')\n" } },
  ],
};

/** The older canmv_k230 main layout: no TOC/A-B, bin at 50 MiB (10 MiB). */
const OLD: Layout = {
  raw: [
    [0x100000, 96 * 1024],
    [0x200000, 512 * 1024],
    [10 * MiB, 2 * MiB],
    [30 * MiB, 256 * 1024],
  ],
  parts: [
    { start: 50 * MiB, size: 10 * MiB, type: "c", label: "BIN", files: { "config.txt": "x" } },
    { start: 60 * MiB, size: 500 * MiB, type: "c", label: "SDCARD", files: { "main.py": "print(1)\n" } },
  ],
};

function makeBase(path: string, l: Layout): void {
  const end = l.size ?? Math.max(...l.parts.map((p) => p.start + p.size));
  const fd = openSync(path, "w");
  ftruncateSync(fd, end);
  l.raw.forEach(([off, len], i) => writeSync(fd, random(len, i + 1), 0, len, off));
  closeSync(fd);
  run("sfdisk", ["--no-reread", "--no-tell-kernel", path], "label: dos\n" + l.parts.map((p) => `start=${p.start / 512}, size=${p.size / 512}, type=${p.type}\n`).join(""));
  const stage = tempDir("basefiles");
  for (const p of l.parts) {
    if (!p.label) continue;
    const fat16 = p.size <= 64 * MiB ? ["-F", p.size < 8 * MiB ? "12" : "16"] : [];
    run("mkfs.vfat", [...fat16, "--offset", String(p.start / 512), "-n", p.label, path, String(p.size / 1024)]);
    for (const [name, text] of Object.entries(p.files ?? {})) {
      const dir = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
      if (dir && !run("mdir", ["-b", "-i", `${path}@@${p.start}`, "::/"]).toLowerCase().includes(`::/${dir}`)) run("mmd", ["-i", `${path}@@${p.start}`, `::/${dir}`]);
      writeFileSync(join(stage, "f"), text);
      run("mcopy", ["-i", `${path}@@${p.start}`, join(stage, "f"), `::/${name}`]);
    }
  }
}

function sha(path: string, offset: number, length: number): string {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(4 * MiB);
  for (let pos = offset, left = length; left > 0; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, left), pos);
    if (n <= 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
    left -= n;
  }
  closeSync(fd);
  return h.digest("hex");
}

function table(path: string) {
  const t = JSON.parse(run("sfdisk", ["-J", path])).partitiontable;
  return { label: t.label, id: t.id, sectorsize: t.sectorsize, parts: t.partitions.map((p: { start: number; size: number; type: string }) => [p.start, p.size, p.type]) };
}

const label = (img: string, off: number) => run("mlabel", ["-s", "-i", `${img}@@${off}`, "::"]).trim();
const mtype = (img: string, off: number, name: string) => {
  const dir = tempDir("mtype");
  run("mcopy", ["-n", "-i", `${img}@@${off}`, `::/${name}`, join(dir, "f")]);
  return readFileSync(join(dir, "f"));
};
const mpaths = (img: string, off: number) => run("mdir", ["-/", "-b", "-a", "-i", `${img}@@${off}`, "::/"]).split("\n").map((s) => s.trim()).filter(Boolean);

/** A runtime stand-in: an ELF header for RISC-V (e_machine 243) and some bytes. */
function fakeRuntime(path: string, size = 300_000): Buffer {
  const b = random(size, 99);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0);
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(243, 18);
  writeFileSync(path, b);
  return b;
}

function fixtures(dir: string) {
  const runtime = join(dir, "k230js");
  const elf = fakeRuntime(runtime);
  const app = join(dir, "app.ts");
  writeFileSync(app, 'const greeting: string = "hello from the card";\nconsole.log(greeting, scriptArgs.length);\n');
  const examples = join(dir, "examples");
  mkdirSync(join(examples, "blink"), { recursive: true });
  writeFileSync(join(examples, "blink", "main.ts"), 'import { ticksMs } from "k230:sys";\nconsole.log("blink", ticksMs() >= 0);\n');
  return { runtime, elf, app, examples };
}

/** Everything outside SDCARD byte-identical; the table and FAT labels unchanged. */
function expectVendorKept(base: string, out: string, l: Layout) {
  expect(table(out)).toEqual(table(base));
  const sd = l.parts.find((p) => p.label === "SDCARD")!;
  expect(statSync(out).size).toBe(statSync(base).size);
  // the MBR and every raw area up to SDCARD (TOC, spl, env, uboot, rtt, rtapp, BIN) ...
  expect(sha(out, 0, sd.start)).toBe(sha(base, 0, sd.start));
  // ... each raw area separately too, so a failure names it
  for (const [off, len] of l.raw) expect(sha(out, off, len), `raw area at ${off}`).toBe(sha(base, off, len));
  const end = sd.start + sd.size;
  expect(sha(out, end, statSync(base).size - end)).toBe(sha(base, end, statSync(base).size - end));
  for (const p of l.parts) if (p.label) expect(label(out, p.start)).toBe(`Volume label is ${p.label}`);
}

describe("image build", () => {
  it("adds runtime, app, examples and settings to SDCARD of a current CanMV layout; the rest is byte-identical", () => {
    const dir = tempDir("img");
    const base = join(dir, "canmv.img");
    makeBase(base, VENDOR);
    const f = fixtures(dir);
    const out = join(dir, "card.img");
    const r = cli(["image", "build", "--base", base, "--out", out, "--runtime", f.runtime, "--app", f.app, "--examples", f.examples]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SDCARD partition p2 at 130 MiB \(500 MiB\)/);
    expectVendorKept(base, out, VENDOR);
    const sd = 130 * MiB;
    expect(mtype(out, sd, "k230js").equals(f.elf)).toBe(true);
    expect(mtype(out, sd, "main.js").toString()).toContain('"hello from the card"');
    expect(JSON.parse(mtype(out, sd, "main.js.map").toString()).sources.join()).toContain("app.ts");
    expect(mtype(out, sd, "examples/blink.js").toString()).toContain('"blink"');
    expect(mtype(out, sd, "k230js.conf").equals(readFileSync(join(ROOT, "firmware/ports/k230/sdcard/k230js.conf")))).toBe(true);
    // the vendor's files stay
    expect(mtype(out, sd, "revision.txt").toString()).toBe("canmv v1.2\n");
    expect(mtype(out, sd, "examples/vendor.py").toString()).toBe("print('vendor')\n");
    expect(mtype(out, 110 * MiB, "config.txt").toString()).toBe("auto_resize=1\n");
    expect(existsSync(`${out}.k230js-part`)).toBe(false);

    // The composed image runs its app: main.js from the card, on the simulator.
    const card = tempDir("card");
    writeFileSync(join(card, "main.js"), mtype(out, sd, "main.js"));
    const sim = spawnSync(join(ROOT, "build/host/k230js"), [join(card, "main.js")], { encoding: "utf8" });
    expect(sim.stdout).toContain("hello from the card");

    // Building again on the result replaces our files (app as bytecode: main.js goes).
    const out2 = join(dir, "card2.img");
    const r2 = cli(["image", "build", "--base", out, "--out", out2, "--runtime", f.runtime, "--app", f.app, "--bytecode", "--no-examples"]);
    expect(r2.status, r2.stderr).toBe(0);
    const names = mpaths(out2, sd).map((s) => s.toLowerCase());
    expect(names).toContain("::/main.bin");
    expect(names).not.toContain("::/main.js");
    expect(mtype(out2, sd, "main.bin").subarray(0, 8).toString()).toBe("K230JSBC");
    expectVendorKept(out, out2, VENDOR);
  }, 120_000);

  it("finds the partitions of the older 50 MiB layout from the table, from an .img.gz base", async () => {
    const dir = tempDir("imgold");
    const img = join(dir, "old.img");
    makeBase(img, OLD);
    await pipeline(createReadStream(img), createGzip({ level: 1 }), createWriteStream(`${img}.gz`));
    const f = fixtures(dir);
    const out = join(dir, "card.img");
    const r = cli(["image", "build", "--base", `${img}.gz`, "--out", out, "--runtime", f.runtime, "--no-examples"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/p2 at 60 MiB/);
    expectVendorKept(img, out, OLD);
    const names = mpaths(out, 60 * MiB).map((s) => s.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(["::/k230js", "::/main.js", "::/k230js.conf", "::/main.py"]));
    // no --app and no main.js on the base: the firmware's default main.js
    expect(mtype(out, 60 * MiB, "main.js").equals(readFileSync(join(ROOT, "firmware/ports/k230/sdcard/main.js")))).toBe(true);
  }, 120_000);

  describe("errors: one line, exit 1 (2 for usage), no output left behind", () => {
    const small: Layout = {
      raw: [[0x100000, 4096]],
      parts: [
        { start: 4 * MiB, size: 2 * MiB, type: "c", label: "BIN" },
        { start: 6 * MiB, size: 4 * MiB, type: "c", label: "SDCARD" },
      ],
    };
    const fail = (args: string[], status: number, pattern: RegExp) => {
      const r = cli(["image", "build", ...args]);
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    };

    it("unreadable base: missing, not an image, truncated .gz", () => {
      const dir = tempDir("imgerr");
      const f = fixtures(dir);
      const out = join(dir, "out.img");
      const common = ["--out", out, "--runtime", f.runtime, "--no-examples"];
      fail(["--base", join(dir, "nope.img"), ...common], 1, /base image .*nope\.img is unreadable: no such file/);
      writeFileSync(join(dir, "junk.img"), random(1 * MiB, 5));
      fail(["--base", join(dir, "junk.img"), ...common], 1, /junk\.img has no partition table/);
      makeBase(join(dir, "s.img"), small);
      const gz = gzipSync(readFileSync(join(dir, "s.img")));
      writeFileSync(join(dir, "cut.img.gz"), gz.subarray(0, gz.length >> 1));
      fail(["--base", join(dir, "cut.img.gz"), ...common], 1, /cut\.img\.gz is unreadable: the compressed data ends early/);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.k230js-part`)).toBe(false);
    });

    it("no SDCARD partition", () => {
      const dir = tempDir("imgnosd");
      const f = fixtures(dir);
      makeBase(join(dir, "b.img"), { ...small, parts: [small.parts[0]!, { ...small.parts[1]!, label: "DATA" }] });
      fail(["--base", join(dir, "b.img"), "--out", join(dir, "o.img"), "--runtime", f.runtime, "--no-examples"], 1, /no FAT partition labelled SDCARD \(partitions: p1 type c FAT 'BIN' at 4 MiB, p2 type c FAT 'DATA' at 6 MiB\)/);
      expect(existsSync(join(dir, "o.img"))).toBe(false);
    });

    it("files too big for the partition", () => {
      const dir = tempDir("imgbig");
      makeBase(join(dir, "b.img"), small);
      const big = join(dir, "big-k230js");
      fakeRuntime(big, 5 * MiB);
      fail(["--base", join(dir, "b.img"), "--out", join(dir, "o.img"), "--runtime", big, "--no-examples"], 1, /too big for the SDCARD partition: they need 5\.\d+ MB, it has \d\.\d+ MB free of 4 MiB \(largest: k230js/);
      expect(existsSync(join(dir, "o.img"))).toBe(false);
      expect(existsSync(join(dir, "o.img.k230js-part"))).toBe(false);
    });

    it("usage: no base, no out, no runtime; a runtime that is not an ELF", () => {
      const dir = tempDir("imgusage");
      makeBase(join(dir, "b.img"), small);
      fail(["--out", join(dir, "o.img")], 2, /--base/);
      fail(["--base", join(dir, "b.img")], 2, /--out/);
      if (!existsSync(join(ROOT, "build/k230/k230js"))) fail(["--base", join(dir, "b.img"), "--out", join(dir, "o.img")], 2, /give the board runtime with --runtime ELF \(the default .*build\/k230\/k230js is not built/);
      writeFileSync(join(dir, "notelf"), "#!/bin/sh\n");
      fail(["--base", join(dir, "b.img"), "--out", join(dir, "o.img"), "--runtime", join(dir, "notelf"), "--no-examples"], 1, /not an ELF executable/);
      expect(cli(["image", "--help"]).status).toBe(0);
      expect(cli(["image", "frobnicate"]).status).toBe(2);
    });
  });

  it("the composed image flashes to a file target and verifies by read-back", () => {
    const dir = tempDir("imgflash");
    const base = join(dir, "b.img");
    makeBase(base, {
      raw: [[0x100000, 64 * 1024], [10 * MiB, 64 * 1024]],
      parts: [
        { start: 50 * MiB, size: 10 * MiB, type: "c", label: "BIN" },
        { start: 60 * MiB, size: 32 * MiB, type: "c", label: "SDCARD" },
      ],
    });
    const f = fixtures(dir);
    const out = join(dir, "card.img.gz");
    const r = cli(["image", "build", "--base", base, "--out", out, "--runtime", f.runtime, "--app", f.app, "--no-examples"]);
    expect(r.status, r.stderr).toBe(0);
    const target = join(dir, "sdcard.bin");
    const fl = cli(["flash", out, "--to-file", target]);
    expect(fl.status, fl.stderr).toBe(0);
    expect(fl.stdout).toContain("verified by read-back");
    expect(table(target)).toEqual(table(base));
    expect(mtype(target, 60 * MiB, "k230js").equals(f.elf)).toBe(true);
    expect(mtype(target, 60 * MiB, "main.js").toString()).toContain("hello from the card");
  }, 120_000);
});
