// The raw protocol (tools/flash/src/lib/rawproto.ts) against the simulator over its pty, end to
// end: 1 MB up and down by hash, damaged chunks resent, a cut transfer keeps the old file,
// confinement, oversize headers, soft reset. The simulated card has the board's FAT semantics.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameParser, RawClient, RemoteError } from "../tools/flash/src/lib/rawproto.js";
import { openSerial } from "../tools/flash/src/lib/transport-serial.js";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { tempDir } from "./helpers/run.js";
import { random, rawSim, sha, useCleanup } from "./helpers/sim.js";

// Every simulator here serves a card with FAT semantics (test/fat.test.ts).
process.env.K230JS_SIM_SDCARD = "fat";

const cleanup = useCleanup();
const sim = (sdcard?: string, env?: Record<string, string>) => rawSim(cleanup, sdcard, env);

describe("raw protocol", () => {
  it("says hello with version, window and board", async () => {
    const { c } = await sim();
    expect(c.hello!.version).toBe(1);
    expect(c.hello!.window).toBeGreaterThan(16384);
    expect(c.hello!.info).toMatch(/k230js .* board simulator/);
  });

  it("exec streams stdout and stderr frames and returns the status", async () => {
    const { c } = await sim();
    let out = "";
    let err = "";
    const io = { onStdout: (b: Buffer) => (out += b), onStderr: (b: Buffer) => (err += b) };
    expect(await c.exec("console.log('a\\x00b', 1 + 1); console.error('oops')", io)).toBe(0);
    expect(out).toBe("a\u0000b 2\n");
    expect(err).toBe("oops\n");
    err = "";
    expect(await c.exec("throw new RangeError('bad')", io)).toBe(1);
    expect(err).toContain("RangeError: bad");
    expect(await c.exec("import { exit } from 'k230:sys'; setTimeout(() => exit(9), 10)", { ...io, module: true })).toBe(9);
    expect(await c.exec("let big = 'x'.repeat(200000); console.log(big.length)", io)).toBe(0); // > one chunk of source
  });

  it("Ctrl-C interrupts an exec", async () => {
    const { c } = await sim();
    const done = c.exec("while (true) {}", { onStdout: () => {}, onStderr: () => {} });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await c.interrupt();
    expect(await done).toBe(130);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("1 MB up and down, verified by SHA-256", async () => {
    const { c, sdcard } = await sim();
    const data = random(1 << 20);
    const up = await c.writeFile("/sdcard/big.bin", data);
    expect(up.resent).toBe(0);
    expect(sha(readFileSync(join(sdcard, "big.bin")))).toBe(sha(data));
    const { data: back } = await c.readFile("/sdcard/big.bin");
    expect(sha(back)).toBe(sha(data));
  });

  it("a damaged chunk is detected by its CRC and resent (both directions)", async () => {
    const { c, sdcard } = await sim(tempDir("sd"), { K230JS_RAW_FAULTS: "corrupt-read=3" });
    const data = random(300_000);
    c.faults.corruptWrite = 4;
    const up = await c.writeFile("/sdcard/f.bin", data);
    expect(up.resent).toBeGreaterThanOrEqual(1);
    expect(sha(readFileSync(join(sdcard, "f.bin")))).toBe(sha(data));
    const down = await c.readFile("/sdcard/f.bin"); // the device damages its 3rd DATA frame
    expect(down.stats.resent).toBeGreaterThanOrEqual(1);
    expect(sha(down.data)).toBe(sha(data));
    c.faults.corruptRead = 2; // and the host sees one damaged frame
    const again = await c.readFile("/sdcard/f.bin");
    expect(again.stats.resent).toBeGreaterThanOrEqual(1);
    expect(sha(again.data)).toBe(sha(data));
  });

  it("a connection cut mid-transfer leaves the old file intact", async () => {
    const sd = tempDir("cut");
    writeFileSync(join(sd, "app.js"), "old contents");
    const rt: PtyRuntime = await startPty(["--sdcard", sd]);
    cleanup.push(() => rt.close());
    await rt.disconnect();
    const t1 = await openSerial(rt.path);
    const c1 = new RawClient(t1);
    await c1.enter();
    const data = random(1 << 20);
    let cut = false;
    const writing = c1
      .writeFile("/sdcard/app.js", data, (n) => {
        if (n > 100_000 && !cut) {
          cut = true;
          void t1.close(); // the cable is pulled
        }
      })
      .catch((e: Error) => e);
    // Nothing more arrives after the close: the write can only end by timing out.
    c1.timeoutMs = 1000;
    expect(await writing).toBeInstanceOf(Error);
    expect(readFileSync(join(sd, "app.js"), "utf8")).toBe("old contents");
    // Reconnect: the device resynchronises, drops the half-written temporary, old file still there.
    const t2 = await openSerial(rt.path);
    const c2 = new RawClient(t2);
    cleanup.push(() => t2.close());
    await c2.enter();
    expect((await c2.readFile("/sdcard/app.js")).data.toString()).toBe("old contents");
    expect(readdirSync(sd)).toEqual(["app.js"]);
  });

  it("refuses '..', paths outside /sdcard and /data, and symlinks", async () => {
    const sd = tempDir("conf");
    symlinkSync("/etc", join(sd, "etc-link"));
    const { c } = await sim(sd);
    for (const p of ["/sdcard/../etc/passwd", "/etc/passwd", "/sdcard/a/../../x", "/sdcard/etc-link/passwd", "/datax/y"]) {
      const e = await c.readFile(p).catch((x: unknown) => x);
      expect(e, p).toBeInstanceOf(RemoteError);
      expect((e as RemoteError).code, p).toBe(-13);
    }
    await expect(c.writeFile("/sdcard/../escape.txt", Buffer.from("x"))).rejects.toThrow(/permission denied/);
    expect(existsSync(join(sd, "..", "escape.txt"))).toBe(false);
    // Writes are pipelined (request, data and END back to back): after a refusal, small (END
    // already sent) or large, the next exchanges get their own replies.
    await expect(c.writeFile("/etc/big.bin", random(200_000))).rejects.toThrow(/permission denied/);
    await c.writeFile("/sdcard/ok.txt", Buffer.from("fine"));
    expect(await c.stat("/sdcard/ok.txt")).toMatchObject({ type: "file", size: 4 });
    expect(readFileSync(join(sd, "ok.txt"), "utf8")).toBe("fine");
  });

  it("stat, list, mkdir, rename, remove", async () => {
    const { c, sdcard } = await sim();
    await c.mkdir("/sdcard/dir");
    await c.writeFile("/sdcard/dir/a.txt", Buffer.from("hello"));
    expect(await c.stat("/sdcard/dir/a.txt")).toMatchObject({ type: "file", size: 5 });
    await c.rename("/sdcard/dir/a.txt", "/sdcard/dir/b.txt");
    expect((await c.list("/sdcard/dir")).map((e) => e.name)).toEqual(["b.txt"]);
    expect(await c.stat("/sdcard/dir/a.txt")).toBeNull();
    await c.remove("/sdcard/dir/b.txt");
    await c.remove("/sdcard/dir");
    expect(readdirSync(sdcard)).toEqual([]);
  });

  it("a header claiming 65535 bytes (the limit is 16400) is refused at once, on both sides", async () => {
    const { c } = await sim();
    const bogus = Buffer.from([0xa5, 0x73, 0xff, 0xff, 0]);
    bogus[4] = ((0x73 + 0xff + 0xff) & 0xff) ^ 0x5a; // a valid header check
    const t0 = performance.now();
    await c.transport.write(bogus);
    expect(await c.stat("/sdcard")).toMatchObject({ type: "dir" }); // not swallowed by the device
    expect(performance.now() - t0).toBeLessThan(400); // sooner than its 500 ms stall rule
    // The same bytes in what the device sends (foreign text) hide nothing from the host.
    for (const between of ["", "[E/drv] some log line\n"]) {
      const p = new FrameParser();
      const frames = p.push(Buffer.concat([bogus, Buffer.from(between), encodeFrame("R", Buffer.alloc(4))]));
      expect(frames.filter((f) => f.ok).map((f) => f.type)).toEqual(["R"]);
    }
  });

  it("a transfer abandoned by another client's HELLO or resync says so", async () => {
    const { c, sdcard } = await sim();
    const u64 = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b;
    };
    for (const other of ["\x01", encodeFrame("h")]) {
      await c.send("w", Buffer.concat([u64(4), Buffer.from("/sdcard/x.txt")]));
      expect((await c.next())?.type).toBe("R");
      await c.transport.write(other); // a second client on the link
      expect((await c.next())?.type).toBe("H");
      await c.send("d", Buffer.concat([u64(0), Buffer.from("abcd")]));
      await c.send("e", createHash("sha256").update("abcd").digest());
      const r = await c.next();
      expect(r?.type).toBe("R");
      expect(r!.payload.readInt32LE(0)).toBe(-71);
      expect(r!.payload.subarray(4).toString()).toMatch(/abandoned by a (HELLO|resynchronisation).*another client on this link/);
    }
    expect(readdirSync(sdcard)).toEqual([]); // nothing written, no temporary left
  });

  it("soft reset gives a fresh VM", async () => {
    const { c } = await sim();
    const quiet = { onStdout: () => {}, onStderr: () => {} };
    await c.exec("globalThis.kept = 1", quiet);
    await c.softReset();
    let out = "";
    await c.exec("console.log(typeof kept)", { onStdout: (b) => (out += b) });
    expect(out).toBe("undefined\n");
  });
});
