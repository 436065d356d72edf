// `k230js flash`: an .img or .img.gz to a file with read-back verification, progress, a truncated
// .img.gz, and its refusals on fake block devices, sysfs and mounts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cli, ROOT, tempDir } from "./helpers/run.js";
import { random } from "./helpers/sim.js";

describe("flash", () => {
  const image = (n = 3_000_000) => random(n);

  it("writes an .img to a file and verifies it by reading back", () => {
    const dir = tempDir("flash");
    const img = image();
    writeFileSync(join(dir, "card.img"), img);
    const r = cli(["flash", join(dir, "card.img"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("verified");
    expect(readFileSync(join(dir, "out.img")).equals(img)).toBe(true);
  });

  it("streams an .img.gz", () => {
    const dir = tempDir("flashgz");
    const img = Buffer.concat([image(1_000_000), Buffer.alloc(4_000_000)]);
    writeFileSync(join(dir, "card.img.gz"), gzipSync(img));
    const r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "out.img")).equals(img)).toBe(true);
  });

  it("a truncated .img.gz fails clearly and says how much was written", () => {
    const dir = tempDir("flashtrunc");
    const gz = gzipSync(image(2_000_000));
    writeFileSync(join(dir, "card.img.gz"), gz.subarray(0, gz.length >> 1));
    const r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/truncated.*\d+ bytes .* were written/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--to takes block devices only: a missing or regular-file target is refused and nothing is created", () => {
    const dir = tempDir("flashdev");
    writeFileSync(join(dir, "card.img"), image(100_000));
    // Before: a mistyped device became a regular file of the image's size in /dev.
    let r = cli(["flash", join(dir, "card.img"), "--to", join(dir, "sdq")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`k230js: flash: ${join(dir, "sdq")}: no such device (is the card reader plugged in? 'lsblk' lists disks; --to-file writes an image file)`);
    expect(existsSync(join(dir, "sdq"))).toBe(false);
    writeFileSync(join(dir, "old.img"), "keep");
    r = cli(["flash", join(dir, "card.img"), "--to", join(dir, "old.img")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/old\.img is not a block device but a file \(--to-file writes an image file\)/);
    expect(readFileSync(join(dir, "old.img"), "utf8")).toBe("keep");
    r = cli(["flash", join(dir, "card.img"), "--to-file", "/dev/null"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/null is a device, not a file/);
    expect(cli(["flash", join(dir, "card.img")]).status).toBe(2);
    expect(cli(["flash", join(dir, "card.img"), "--to", "a", "--to-file", "b"]).status).toBe(2);
  });

  it("progress counts bytes written (a .gz's unpacked size), redraws at most every 100 ms, ends with one line", () => {
    const dir = tempDir("flashprog");
    const img = Buffer.concat([image(500_000), Buffer.alloc(40_000_000)]);
    writeFileSync(join(dir, "card.img.gz"), gzipSync(img));
    // Not a terminal: no progress at all, one summary line on stdout.
    let r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^flashed .* 40500000 bytes \(41 MB\), verified/)]);
    // As on a terminal: every line's total is the unpacked size, 100% only on the last line.
    r = cli(["flash", join(dir, "card.img.gz"), "--to-file", join(dir, "out.img")], ROOT, { K230JS_PROGRESS: "1" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, "")).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/\/41 MB /);
    expect(lines.at(-1)).toMatch(/100% 41 MB\/41 MB/);
    expect(lines.slice(0, -1).some((l) => / 100% /.test(l))).toBe(false);
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1); // redraws share one line
  });

  describe("refusals (fake block devices, sysfs and mounts)", () => {
    function setup(removable: string, mounts: string) {
      const dir = tempDir("refuse");
      const sys = join(dir, "sys");
      mkdirSync(join(sys, "block", "sdz"), { recursive: true });
      writeFileSync(join(sys, "block", "sdz", "removable"), removable);
      writeFileSync(join(dir, "mounts"), mounts);
      writeFileSync(join(dir, "sdz"), "");
      writeFileSync(join(dir, "card.img"), image(100_000));
      const env = { K230JS_SYSFS: sys, K230JS_PROC_MOUNTS: join(dir, "mounts"), K230JS_FAKE_BLOCK_DEVICES: join(dir, "sdz") };
      const flash = (...extra: string[]) => cli(["flash", join(dir, "card.img"), "--to", join(dir, "sdz"), ...extra], ROOT, env);
      return { flash, dir };
    }
    it("a mounted device, unless --force", () => {
      const { flash } = setup("1\n", "/dev/sdz1 /media/card vfat rw 0 0\n");
      const r = flash();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refusing .* mounted on \/media\/card/);
      expect(flash("--force").status).toBe(0);
    });
    it("the system disk, even with --force", () => {
      const { flash } = setup("1\n", "/dev/sdz2 / ext4 rw 0 0\n");
      for (const extra of [[], ["--force"]]) {
        const r = flash(...extra);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/holds the system/);
      }
    });
    it("a non-removable disk, unless --force", () => {
      const { flash } = setup("0\n", "");
      const r = flash();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/not a removable disk/);
      expect(flash("--force").status).toBe(0);
    });
    it("a removable, unmounted card is written", () => {
      const { flash } = setup("1\n", "/dev/sda1 / ext4 rw 0 0\n");
      const r = flash();
      expect(r.status, r.stderr).toBe(0);
    });
  });
});
