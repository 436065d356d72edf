/**
 * `k230js image build`: a CanMV base image plus our runtime, app, examples and settings in its
 * SDCARD partition. The vendor layout (k230-platform.md §1.5) is kept byte for byte: the MBR, the
 * raw boot areas and the BIN partition are copied untouched; only files inside SDCARD change.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  ftruncateSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, createGunzip } from "node:zlib";
import { bundle } from "../lib/bundle.js";
import { CliError, UsageError } from "../lib/errors.js";
import { projectRoot } from "../lib/paths.js";
import { Progress, gzipSize, mb } from "../lib/progress.js";
import { fatFree, fatPaths, mib, mtoolsImage, readPartitions, tool, type Partition } from "../lib/sdimage.js";
import { tempBuildDir } from "../lib/temp-dir.js";
import type { Command } from "../lib/command.js";

const WHAT = "image build";
const BLOCK = 4 << 20;
const EM_RISCV = 243;
const ZEROS = Buffer.alloc(BLOCK);

/** Copies (and gunzips) the base image to `out`, leaving all-zero blocks as holes. */
async function copyBase(base: string, out: string): Promise<number> {
  const size = statSync(base).size;
  const gz = base.endsWith(".gz");
  const fd = openSync(out, "w");
  const bar = new Progress(`base ${basename(base)}`, gz ? gzipSize(base) : size);
  let written = 0;
  const input = createReadStream(base, { highWaterMark: BLOCK });
  const stream = gz ? input.pipe(createGunzip()) : input;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // Sparse output: the vendor image is mostly empty FAT space, so skip writing zeros.
      const zero = chunk.length <= BLOCK && chunk.equals(ZEROS.subarray(0, chunk.length));
      if (!zero) for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off, written + off);
      written += chunk.length;
      bar.update(written);
    }
    ftruncateSync(fd, written);
    fsyncSync(fd);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (gz && (err.code === "Z_BUF_ERROR" || /unexpected end/i.test(err.message)))
      throw new CliError(`${WHAT}: base image ${base} is unreadable: the compressed data ends early (truncated download?)`);
    if (gz && err.code?.startsWith("Z_")) throw new CliError(`${WHAT}: base image ${base} is unreadable: not valid gzip (${err.message})`);
    throw new CliError(`${WHAT}: base image ${base} is unreadable: ${err.message}`);
  } finally {
    closeSync(fd);
  }
  bar.done(written);
  return written;
}

function describe(p: Partition): string {
  return `p${p.index} type ${p.type}${p.label !== undefined ? ` FAT '${p.label}'` : ""} at ${mib(p.offset)}`;
}

function checkRuntime(path: string): void {
  const head = Buffer.alloc(20);
  const fd = openSync(path, "r");
  const n = (() => {
    try {
      return readSync(fd, head);
    } finally {
      closeSync(fd);
    }
  })();
  if (n < 20 || head.subarray(0, 4).toString("latin1") !== "\x7fELF") throw new CliError(`${WHAT}: the runtime ${path} is not an ELF executable`);
  const machine = head.readUInt16LE(18);
  if (machine !== EM_RISCV) console.error(`warning: the runtime ${path} is not a RISC-V ELF (e_machine ${machine}); the board cannot run it`);
}
/** Adds every file under `dir` to the staging list (relative names with '/'). */
function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, base));
    else if (e.isFile()) out.push(relative(base, p).split("\\").join("/"));
  }
  return out;
}

/** Bundles each examples/<name>/main.ts (or index.ts, main.js) to <stage>/examples/<name>.js. */
async function stageExamples(src: string, stage: string): Promise<number> {
  let n = 0;
  for (const e of readdirSync(src, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory() || e.name === "node_modules" || e.name.startsWith(".")) continue;
    const entry = ["main.ts", "index.ts", "main.js", "index.js"].map((f) => join(src, e.name, f)).find((f) => existsSync(f));
    if (!entry) continue;
    const r = await bundle({ entry, outFile: join(stage, "examples", `${e.name}.js`) });
    for (const w of r.warnings) console.error(`warning: ${w}`);
    n++;
  }
  if (n === 0) throw new CliError(`${WHAT}: no examples found in ${src} (each is a directory with main.ts)`);
  return n;
}

/** The app as main.js (+ map) or main.bin (+ map) in the stage directory. */
async function stageApp(app: string, stage: string, bytecodeOpt: boolean): Promise<string> {
  const path = resolve(app);
  if (!existsSync(path)) throw new CliError(`${WHAT}: app '${app}' not found`);
  const isBin = readFileSync(path).subarray(0, 8).toString("latin1") === "K230JSBC";
  if (isBin) {
    copyFileSync(path, join(stage, "main.bin"));
    if (existsSync(`${path}.map`)) copyFileSync(`${path}.map`, join(stage, "main.bin.map"));
    return "main.bin";
  }
  const r = await bundle({ entry: path, outFile: join(tempBuildDir(), "main.js"), bytecode: bytecodeOpt });
  for (const w of r.warnings) console.error(`warning: ${w}`);
  const name = bytecodeOpt ? "main.bin" : "main.js";
  copyFileSync(r.output, join(stage, name));
  copyFileSync(`${r.output}.map`, join(stage, `${name}.map`));
  return name;
}

async function gzipTo(src: string, dst: string): Promise<void> {
  const bar = new Progress(`gzip ${basename(dst)}`, statSync(src).size);
  let done = 0;
  const input = createReadStream(src, { highWaterMark: BLOCK });
  input.on("data", (b) => bar.update((done += b.length)));
  await pipeline(input, createGzip({ level: 6 }), createWriteStream(dst));
  bar.done();
}

export const imageCommand: Command = {
  name: "image",
  summary: "compose an SD card image: a CanMV base image + the k230js runtime, app, examples",
  usage: "image build --base <canmv.img[.gz]> --out <card.img[.gz]> [--runtime ELF] [--app app.ts] [--examples DIR | --no-examples]",
  description:
    "Copies the base image (a CanMV SD image, .img or .img.gz) to --out and adds our files to its\n" +
    "SDCARD FAT partition (mounted at /sdcard on the board): /sdcard/k230js (the runtime ELF),\n" +
    "/sdcard/main.js + main.js.map (or main.bin) from --app, /sdcard/examples/<name>.js bundled from\n" +
    "--examples, and /sdcard/k230js.conf. Everything else is kept byte for byte: the MBR, the raw\n" +
    "boot areas (TOC, spl, U-Boot, RT-Smart, rtapp) and the BIN partition; the partitions are found\n" +
    "from the base's own table (CanMV's 110 MiB and older 50 MiB layouts alike). Works on plain\n" +
    "files with sfdisk (fdisk) and mtools; no mounting, no root. Write the result with 'k230js flash'.",
  options: [
    { name: "base", type: "string", help: "the CanMV base image (.img or .img.gz)" },
    { name: "out", short: "o", type: "string", help: "the image to write (.img, or .img.gz to compress it)" },
    { name: "runtime", type: "string", help: "the k230js ELF for the board (default build/k230/k230js)" },
    { name: "app", type: "string", help: "the app installed as /sdcard/main.js (.ts/.js entry, or main.bin bytecode)" },
    { name: "bytecode", type: "boolean", help: "install the app as bytecode (main.bin)" },
    { name: "examples", type: "string", help: "directory of example apps, one per subdirectory (default: the repository's examples/)" },
    { name: "no-examples", type: "boolean", help: "do not add examples" },
    { name: "conf", type: "string", help: "k230js.conf to install (default: the firmware's, only when the base has none)" },
  ],
  async run(args) {
    const [sub, ...extra] = args.positional;
    if (sub !== "build") throw new UsageError(`image: give the subcommand 'build' (k230js image build --base canmv.img.gz --out card.img)`);
    if (extra.length) throw new UsageError(`image build: unexpected argument '${extra[0]}'`);
    const base = args.options.base as string | undefined;
    const out = args.options.out as string | undefined;
    if (!base) throw new UsageError("image build: give the CanMV base image with --base FILE (.img or .img.gz)");
    if (!out) throw new UsageError("image build: give the output image with --out FILE");
    if (args.options.examples && args.options["no-examples"]) throw new UsageError("image build: --examples and --no-examples exclude each other");
    const root = projectRoot();
    let runtime = args.options.runtime as string | undefined;
    if (!runtime) {
      const def = join(root, "build", "k230", "k230js");
      if (!existsSync(def))
        throw new UsageError(`image build: give the board runtime with --runtime ELF (the default ${relative(process.cwd(), def) || def} is not built; see docs/board.md)`);
      runtime = def;
    }
    const bst = statSync(base, { throwIfNoEntry: false });
    if (!bst) throw new CliError(`${WHAT}: base image ${base} is unreadable: no such file`);
    if (!bst.isFile()) throw new CliError(`${WHAT}: base image ${base} is unreadable: not a regular file`);
    if (!statSync(runtime, { throwIfNoEntry: false })?.isFile()) throw new CliError(`${WHAT}: the runtime ${runtime} was not found`);
    checkRuntime(runtime);
    if (resolve(out) === resolve(base)) throw new UsageError("image build: --out must differ from --base (the base is never modified)");

    // Stage our files first: a bundling error costs nothing.
    const stage = tempBuildDir();
    const files: string[] = [];
    try {
      copyFileSync(runtime, join(stage, "k230js"));
      let main: string | undefined;
      if (args.options.app) main = await stageApp(args.options.app as string, stage, Boolean(args.options.bytecode));
      let nExamples = 0;
      if (!args.options["no-examples"]) {
        const ex = resolve((args.options.examples as string | undefined) ?? join(root, "examples"));
        if (!statSync(ex, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`${WHAT}: examples directory ${ex} not found`);
        nExamples = await stageExamples(ex, stage);
      }
      const conf = args.options.conf as string | undefined;
      if (conf && !existsSync(conf)) throw new CliError(`${WHAT}: ${conf} not found`);

      const gzOut = out.endsWith(".gz");
      const outAbs = resolve(out);
      mkdirSync(dirname(outAbs), { recursive: true });
      const img = `${outAbs}.k230js-part${gzOut ? ".img" : ""}`;
      try {
        const size = await copyBase(base, img);
        const { partitions } = readPartitions(img, WHAT, base);
        const sd = partitions.filter((p) => p.fat && p.label?.toUpperCase() === "SDCARD");
        if (sd.length === 0)
          throw new CliError(`${WHAT}: ${base} has no FAT partition labelled SDCARD (partitions: ${partitions.map(describe).join(", ") || "none"})`);
        if (sd.length > 1) throw new CliError(`${WHAT}: ${base} has ${sd.length} partitions labelled SDCARD; which one is /sdcard is ambiguous`);
        const p = sd[0]!;
        if (p.offset + p.size > size) throw new CliError(`${WHAT}: base image ${base} is unreadable: it ends at ${mib(size)}, inside the SDCARD partition (${mib(p.offset)} + ${mib(p.size)})`);
        const fs = mtoolsImage(img, p.offset);
        const existing = new Set([...fatPaths(img, p.offset, WHAT)].map((x) => x.toLowerCase()));
        const has = (name: string) => existing.has(`::/${name}`.toLowerCase());
        if (!main && !has("main.js") && !has("main.bin")) {
          copyFileSync(join(root, "firmware", "ports", "k230", "sdcard", "main.js"), join(stage, "main.js"));
          main = "main.js (default)";
        }
        if (conf) copyFileSync(conf, join(stage, "k230js.conf"));
        else if (!has("k230js.conf")) copyFileSync(join(root, "firmware", "ports", "k230", "sdcard", "k230js.conf"), join(stage, "k230js.conf"));
        files.push(...walk(stage));
        // Replacing: remove the old copies first (their space counts as free), and the other
        // form of the app (main.js wins over main.bin at boot).
        const removals = files.filter((f) => has(f));
        if (main?.startsWith("main.bin")) removals.push(...["main.js", "main.js.map"].filter(has));
        else if (main?.startsWith("main.js") && args.options.app) removals.push(...["main.bin", "main.bin.map"].filter(has));
        for (const f of removals) tool("mdel", ["-i", fs, `::/${f}`], WHAT);
        const cluster = p.fat!.clusterBytes;
        const dirs = new Set(files.map((f) => dirname(f)).filter((d) => d !== "." && !has(d)));
        const need = files.reduce((a, f) => a + Math.ceil(statSync(join(stage, f)).size / cluster) * cluster, 0) + dirs.size * cluster;
        const free = fatFree(img, p.offset, WHAT);
        if (need > free) {
          const big = files.map((f) => ({ f, n: statSync(join(stage, f)).size })).sort((a, b) => b.n - a.n)[0]!;
          throw new CliError(
            `${WHAT}: the files are too big for the SDCARD partition: they need ${mb(need)}, it has ${mb(free)} free of ${mib(p.size)} (largest: ${big.f}, ${mb(big.n)})`,
          );
        }
        const bar = new Progress("SDCARD files", need);
        let done = 0;
        for (const d of [...dirs].sort()) tool("mmd", ["-i", fs, `::/${d}`], WHAT);
        for (const f of files) {
          tool("mcopy", ["-o", "-Q", "-i", fs, join(stage, f), `::/${f}`], WHAT);
          bar.update((done += statSync(join(stage, f)).size));
        }
        bar.done(done);
        // Read back what the card will hold: each file byte for byte.
        verifyCopies(fs, stage, files);
        const left = fatFree(img, p.offset, WHAT);
        if (gzOut) await gzipTo(img, outAbs);
        else renameSync(img, outAbs);
        console.log(
          `wrote ${out} (${mb(size)}): SDCARD partition p${p.index} at ${mib(p.offset)} (${mib(p.size)}) now holds k230js (${mb(statSync(join(stage, "k230js")).size)})` +
            `${main ? `, ${main}` : ""}${nExamples ? `, ${nExamples} examples` : ""}, k230js.conf${conf || !has("k230js.conf") ? "" : " (kept)"}; ${mb(left)} free`,
        );
      } finally {
        rmSync(img, { force: true });
      }
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
    return 0;
  },
};

/** Each copied file read back out of the image (mcopy to a temp file) and compared by SHA-256. */
function verifyCopies(fs: string, stage: string, files: string[]): void {
  const back = tempBuildDir();
  try {
    for (const f of files) {
      const dst = join(back, "f");
      tool("mcopy", ["-o", "-n", "-i", fs, `::/${f}`, dst], WHAT);
      const a = createHash("sha256").update(readFileSync(join(stage, f))).digest("hex");
      const b = createHash("sha256").update(readFileSync(dst)).digest("hex");
      if (a !== b) throw new CliError(`${WHAT}: verification failed: ::/${f} in the image differs from what was copied`);
    }
  } finally {
    rmSync(back, { recursive: true, force: true });
  }
}
