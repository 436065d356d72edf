/**
 * SD card images on plain files: the MBR through sfdisk, FAT file systems through mtools
 * (`-i image@@offset`), no loop devices and nothing that needs root.
 * Layout facts: k230-platform.md §1.5 (MBR; raw TOC/spl/uboot/rtt/rtapp areas; p1 `bin` FAT label
 * BIN; p2 `app` FAT label SDCARD mounted at /sdcard).
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { CliError } from "./errors.js";

export interface Partition {
  /** 1-based MBR slot. */
  index: number;
  /** Byte offset and length in the image. */
  offset: number;
  size: number;
  /** MBR type as sfdisk prints it ("c", "83"). */
  type: string;
  /** FAT volume label from the boot sector, when the partition holds a FAT file system. */
  label?: string;
  fat?: FatInfo;
}

export interface FatInfo {
  label: string;
  clusterBytes: number;
}

/** Runs a tool and returns its stdout; a missing tool or a failure is one CliError line. */
export function tool(cmd: string, args: string[], what: string, input?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", input, env: { ...process.env, MTOOLS_SKIP_CHECK: "1", LC_ALL: "C" } });
  if (r.error) {
    const pkg = cmd === "sfdisk" ? "fdisk" : cmd.startsWith("mkfs") ? "dosfstools" : "mtools";
    throw new CliError(`${what}: cannot run ${cmd} (${(r.error as NodeJS.ErrnoException).code}); install the Debian package ${pkg}`);
  }
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout).trim().split("\n").filter(Boolean).pop() ?? `exit status ${r.status}`;
    throw new CliError(`${what}: ${cmd} failed: ${msg}`);
  }
  return r.stdout;
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(length);
    const n = readSync(fd, b, 0, length, offset);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The FAT boot sector's label and cluster size, or undefined when it is not FAT12/16/32. */
export function readFat(path: string, offset: number): FatInfo | undefined {
  const bs = readAt(path, offset, 512);
  if (bs.length < 512 || bs[510] !== 0x55 || bs[511] !== 0xaa) return undefined;
  const bytesPerSector = bs.readUInt16LE(11);
  const sectorsPerCluster = bs[13]!;
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || sectorsPerCluster === 0) return undefined;
  const fat32 = bs.readUInt16LE(22) === 0; // sectors per FAT (16-bit field) is 0 on FAT32
  const sigAt = fat32 ? 0x42 : 0x26;
  const label = bs[sigAt] === 0x29 ? bs.subarray(sigAt + 5, sigAt + 16).toString("latin1").trim() : "";
  return { label, clusterBytes: bytesPerSector * sectorsPerCluster };
}

/** The MBR partitions of an image file (sfdisk -J), each with its FAT label when it has one. */
export function readPartitions(path: string, what: string, name = path): { sectorSize: number; partitions: Partition[] } {
  const mbr = readAt(path, 0, 512);
  if (mbr.length < 512 || mbr[510] !== 0x55 || mbr[511] !== 0xaa) throw new CliError(`${what}: ${name} has no partition table (not an SD card image)`);
  let json: { partitiontable?: { label?: string; sectorsize?: number; partitions?: { node: string; start: number; size: number; type: string }[] } };
  try {
    json = JSON.parse(tool("sfdisk", ["-J", path], what));
  } catch (e) {
    if (e instanceof CliError) throw new CliError(`${what}: ${name} has no readable partition table (${e.message.replace(/^.*?: /, "")})`);
    throw new CliError(`${what}: ${name}: sfdisk printed something unexpected`);
  }
  const t = json.partitiontable;
  if (!t || t.label !== "dos") throw new CliError(`${what}: ${name} has no MBR partition table (the K230 boot ROM needs one)`);
  const sectorSize = t.sectorsize ?? 512;
  const partitions = (t.partitions ?? []).map((p) => {
    const index = Number(/(\d+)$/.exec(p.node)?.[1] ?? 0);
    const part: Partition = { index, offset: p.start * sectorSize, size: p.size * sectorSize, type: p.type };
    const fat = readFat(path, part.offset);
    if (fat) {
      part.fat = fat;
      part.label = fat.label;
    }
    return part;
  });
  return { sectorSize, partitions };
}

/** "110 MiB" style offsets for messages. */
export function mib(n: number): string {
  return n % (1 << 20) === 0 ? `${n / (1 << 20)} MiB` : `${(n / (1 << 20)).toFixed(2)} MiB`;
}

/** The `-i` argument of mtools for a FAT file system at `offset` in `image`. */
export function mtoolsImage(image: string, offset: number): string {
  return `${image}@@${offset}`;
}

/** Free bytes of the FAT file system (from mdir's summary line). */
export function fatFree(image: string, offset: number, what: string): number {
  const out = tool("mdir", ["-i", mtoolsImage(image, offset), "::/"], what);
  const m = /([\d ]+) bytes free/.exec(out);
  if (!m) throw new CliError(`${what}: could not read the free space of the FAT file system at ${mib(offset)}`);
  return Number(m[1]!.replace(/ /g, ""));
}

/** Every path (files and directories) in the FAT file system, as "::/a/b". */
export function fatPaths(image: string, offset: number, what: string): Set<string> {
  let out: string;
  try {
    out = tool("mdir", ["-/", "-b", "-a", "-i", mtoolsImage(image, offset), "::/"], what);
  } catch (e) {
    // mdir -b reports an empty root directory as "File "::/" not found"; that is no error here
    // as long as the file system itself is readable.
    if (e instanceof CliError && /File "::\/" not found/.test(e.message)) {
      fatFree(image, offset, what);
      return new Set();
    }
    throw e;
  }
  return new Set(
    out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("::/"))
      .map((l) => l.replace(/\/+$/, "")),
  );
}
