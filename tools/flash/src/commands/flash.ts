import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, readFileSync, readSync, realpathSync, statSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { createGunzip } from "node:zlib";
import { CliError, EXIT_USAGE, UsageError } from "../lib/errors.js";
import { Progress, gzipSize, mb } from "../lib/progress.js";
import type { Command } from "../lib/command.js";

const BLOCK = 4 << 20;

interface Target {
  path: string;
  block: boolean;
  /** Kernel name of the whole disk ("sdb", "mmcblk0") for a block device. */
  disk?: string;
}

function sysfs(): string {
  return process.env.K230JS_SYSFS ?? "/sys";
}

/** Tests name fake block devices (paths that are really files) here, with a fake sysfs. */
function fakeBlock(path: string): boolean {
  return (process.env.K230JS_FAKE_BLOCK_DEVICES ?? "").split(":").filter(Boolean).includes(path);
}

function diskOf(name: string): string {
  // sdb1 -> sdb, mmcblk0p2 -> mmcblk0, nvme0n1p3 -> nvme0n1
  const m = /^(mmcblk\d+|nvme\d+n\d+|loop\d+)(p\d+)?$/.exec(name) ?? /^([a-z]+)(\d+)?$/.exec(name);
  return m ? m[1]! : name;
}

/** `--to` takes block devices only: a mistyped /dev/sdX must not become a big file in /dev. */
function resolveDevice(path: string): Target {
  if (fakeBlock(path)) return { path, block: true, disk: diskOf(basename(path)) };
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new CliError(`flash: ${path}: no such device (is the card reader plugged in? 'lsblk' lists disks; --to-file writes an image file)`, EXIT_USAGE);
  if (!st.isBlockDevice()) throw new CliError(`flash: ${path} is not a block device${st.isFile() ? " but a file (--to-file writes an image file)" : ""}`, EXIT_USAGE);
  const real = realpathSync(path);
  return { path: real, block: true, disk: diskOf(basename(real)) };
}

/** `--to-file` takes a new or regular file, never a device. */
function resolveFile(path: string): Target {
  const st = statSync(path, { throwIfNoEntry: false });
  if (fakeBlock(path) || st?.isBlockDevice() || (st && !st.isFile()))
    throw new CliError(`flash: ${path} is ${st?.isDirectory() ? "a directory" : "a device"}, not a file (--to writes a card)`, EXIT_USAGE);
  return { path, block: false };
}

function mounts(): { dev: string; dir: string }[] {
  const text = readFileSync(process.env.K230JS_PROC_MOUNTS ?? "/proc/mounts", "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" "))
    .map(([dev, dir]) => ({ dev: dev ?? "", dir: (dir ?? "").replace(/\\040/g, " ") }));
}

/** Refuses targets that would destroy something else (unless forced). */
function checkTarget(t: Target, force: boolean): void {
  if (!t.block) return;
  const disk = t.disk!;
  const ms = mounts().filter((m) => m.dev.startsWith("/dev/") && diskOf(basename(m.dev)) === disk);
  const root = ms.find((m) => m.dir === "/" || m.dir === "/boot" || m.dir === "/usr");
  if (root) throw new CliError(`flash: refusing to write ${t.path}: it holds the system (${root.dev} is mounted on ${root.dir})`);
  if (ms.length && !force)
    throw new CliError(`flash: refusing to write ${t.path}: ${ms.map((m) => `${m.dev} is mounted on ${m.dir}`).join(", ")} (unmount it first, or --force)`);
  const removable = join(sysfs(), "block", disk, "removable");
  const isRemovable = existsSync(removable) && readFileSync(removable, "utf8").trim() === "1";
  if (!isRemovable && !force)
    throw new CliError(`flash: refusing to write ${t.path}: /sys/block/${disk} is not a removable disk (an SD card in a USB reader is; use --force if you are sure)`);
}

function readBack(path: string, length: number): Buffer {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(BLOCK);
  let left = length;
  try {
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(BLOCK, left), null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  if (left > 0) throw new CliError(`flash: verification failed: ${path} is shorter than the image (${length - left} of ${length} bytes)`);
  return h.digest();
}

export const flashCommand: Command = {
  name: "flash",
  summary: "write an SD card image (.img or .img.gz) to a card or a file, verified",
  usage: "flash <image.img | image.img.gz> (--to DEVICE | --to-file FILE) [--force] [--no-verify]",
  description:
    "Streams the image (decompressing .gz on the fly) to the target, syncs, then reads the written\n" +
    "bytes back and compares SHA-256. On a terminal a progress line (bytes written, MB/s, ETA)\n" +
    "goes to stderr; one summary line ends it. --to takes a block device only (an SD card: a\n" +
    "missing or mistyped device is an error, never a new file); --to-file writes an image file.\n" +
    "Refused unless --force: a mounted device and a non-removable disk. Always refused: the disk\n" +
    "holding the running system. A truncated .img.gz fails with how much was written.",
  options: [
    { name: "to", type: "string", help: "the SD card's block device (e.g. /dev/sdX)" },
    { name: "to-file", type: "string", help: "write to this file instead of a device" },
    { name: "force", type: "boolean", help: "write a mounted or non-removable disk anyway (never the system disk)" },
    { name: "no-verify", type: "boolean", help: "skip the read-back verification" },
  ],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("flash: give one image file (k230js flash image.img.gz --to /dev/sdX)");
    const device = args.options.to as string | undefined;
    const file = args.options["to-file"] as string | undefined;
    if (!device === !file) throw new UsageError("flash: give the target with --to DEVICE (a card) or --to-file FILE (an image file)");
    const to = (device ?? file)!;
    const image = args.positional[0]!;
    const ist = statSync(image, { throwIfNoEntry: false });
    if (!ist?.isFile()) throw new CliError(`flash: image '${image}' not found`);
    const target = device ? resolveDevice(device) : resolveFile(file!);
    checkTarget(target, Boolean(args.options.force));
    const gz = image.endsWith(".gz");
    const fd = openSync(target.path, target.block ? "r+" : "w");
    const hash = createHash("sha256");
    let written = 0;
    // Progress counts bytes written against what the image holds (a .gz's unpacked size).
    const bar = new Progress(`flash ${basename(image)}`, gz ? gzipSize(image) : ist.size);
    const input = createReadStream(image, { highWaterMark: BLOCK });
    const stream = gz ? input.pipe(createGunzip()) : input;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off, written + off);
        hash.update(chunk);
        written += chunk.length;
        bar.update(written);
      }
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      const err = e as NodeJS.ErrnoException;
      if (gz && (err.code === "Z_BUF_ERROR" || /unexpected end/i.test(err.message)))
        throw new CliError(`flash: ${image} is truncated: the compressed data ends early; ${written} bytes (${mb(written)}) were written to ${to}, which is not a usable card now`);
      if (gz && err.code?.startsWith("Z_")) throw new CliError(`flash: ${image} is not a valid gzip file (${err.message}); ${written} bytes were written to ${to}`);
      throw new CliError(`flash: writing ${to} failed after ${written} bytes: ${err.message}`);
    }
    closeSync(fd);
    bar.done(written);
    const digest = hash.digest();
    if (!args.options["no-verify"]) {
      if (!readBack(target.path, written).equals(digest)) throw new CliError(`flash: verification failed: what ${to} holds differs from the image`);
    }
    console.log(`flashed ${image} to ${to}: ${written} bytes (${mb(written)})${args.options["no-verify"] ? "" : ", verified by read-back (SHA-256)"}`);
    return 0;
  },
};
