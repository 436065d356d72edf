// The raw protocol on a link that also carries foreign lines, as a board's console UART does (the
// kernel's and the MPP's log lines land anywhere in the byte stream). bench/transfer/relay.mjs sits
// between the runtime's pty and the tool's and inserts seeded kernel/MPP-style lines into the
// device -> host stream: inside frame headers, payloads and CRCs, between frames and into REPL
// text, sometimes two in one frame (beyond repair: the protocol must recover). Files must verify
// end to end, exec and `run` must give their exact output and status, the REPL must stay usable.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame, FrameParser, RawClient, type Frame } from "../tools/flash/src/lib/rawproto.js";
import { openSerial } from "../tools/flash/src/lib/transport-serial.js";
import { startLink, type Link } from "./helpers/link.js";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { cli, tempDir } from "./helpers/run.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
  cleanup = [];
});

const injected: Record<string, number> = {};
function count(c: Record<string, number>) {
  for (const [k, v] of Object.entries(c)) injected[k] = (injected[k] ?? 0) + v;
}

async function noisy(seed: number, percent = 40, double = 10, env: Record<string, string> = {}) {
  const sd = tempDir("noisy");
  const rt: PtyRuntime = await startPty(["--sdcard", sd], { K230JS_SIM_SDCARD: "fat", ...env });
  await rt.disconnect();
  const link: Link = await startLink(rt.path, { seed, percent, double });
  cleanup.push(() => rt.close());
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    count(await link.stop());
  };
  cleanup.push(stop);
  return { sd, rt, link, stop };
}

async function client(path: string) {
  const t = await openSerial(path);
  cleanup.push(() => t.close());
  const c = new RawClient(t);
  await c.enter();
  return c;
}

describe("the frame parser", () => {
  it("cuts one foreign run out of a frame at every position, however the bytes arrive", () => {
    const runs = ["[venc] [Error] kd_mpi_venc_get_stream chn 2 timeout\n", "\x1b[31m[E/DFS] elm: f_sync error 3\x1b[0m\r\n[ai] lost 2\n", "[mpp] 缓冲区不好 12 帧\n"];
    const payloads = [Buffer.alloc(0), Buffer.from("row 42\n"), randomBytes(300)];
    let cases = 0;
    for (const payload of payloads)
      for (const run of runs.map((r) => Buffer.from(r)))
        for (let at = 1; at < payload.length + 9; at++)
          for (const step of [1, 7, 4096]) {
            const f = encodeFrame("o", payload);
            const bytes = Buffer.concat([f.subarray(0, at), run, f.subarray(at), encodeFrame("X", Buffer.alloc(4))]);
            const p = new FrameParser();
            let got: Frame[] = [];
            for (let i = 0; i < bytes.length; i += step) got = got.concat(p.push(bytes.subarray(i, i + step), 0));
            expect(got.map((g) => [g.type, g.ok, g.payload.length]), `${payload.length}/${at}/${step}`).toEqual([
              ["o", true, payload.length],
              ["X", true, 4],
            ]);
            expect(got[0]!.payload.equals(payload)).toBe(true);
            cases++;
          }
    expect(cases).toBeGreaterThan(2500);
  });
});

describe("foreign lines on the link", () => {
  for (const seed of [11, 12, 13]) {
    it(`files up and down verify; requests answer once (seed ${seed})`, async () => {
      const { sd, link, stop } = await noisy(seed);
      const c = await client(link.path);
      const sizes = [0, 1, 100, 17_000, 70_000, 400_000];
      for (const [i, n] of sizes.entries()) {
        const data = randomBytes(n);
        await c.writeFile(`/sdcard/f${i}.bin`, data);
        await c.writeFile(`/sdcard/f${i}.bin`, data); // and replaced, on the FAT card
        expect(sha(readFileSync(join(sd, `f${i}.bin`))), `f${i} on the card`).toBe(sha(data));
        const back = await c.readFile(`/sdcard/f${i}.bin`);
        expect(sha(back.data), `f${i} read back`).toBe(sha(data));
      }
      // Requests that are not idempotent: each must take effect once and report success.
      for (let i = 0; i < 30; i++) {
        await c.mkdir(`/sdcard/d${i}`);
        await c.rename(`/sdcard/d${i}`, `/sdcard/e${i}`);
        expect(await c.stat(`/sdcard/e${i}`)).toMatchObject({ type: "dir" });
        await c.remove(`/sdcard/e${i}`);
        expect(await c.stat(`/sdcard/e${i}`)).toBeNull();
      }
      expect((await c.list("/sdcard")).map((e) => e.name)).toEqual(sizes.map((_, i) => `f${i}.bin`));
      expect(c.linkStats.repaired).toBeGreaterThan(10);
      await stop();
    });
  }

  it("exec: exact output and status, many times over", async () => {
    const { link, stop } = await noisy(21, 50, 0);
    const c = await client(link.path);
    for (let i = 0; i < 40; i++) {
      let out = "";
      let err = "";
      const io = { onStdout: (b: Buffer) => (out += b), onStderr: (b: Buffer) => (err += b) };
      const code = `for (let k = 0; k < ${5 + i}; k++) console.log("line", ${i}, k, "x".repeat(${i * 7 + 1}));\nconsole.error("err", ${i});\nif (${i} % 5 === 4) throw new Error("boom ${i}");`;
      const status = await c.exec(code, io);
      const want = Array.from({ length: 5 + i }, (_, k) => `line ${i} ${k} ${"x".repeat(i * 7 + 1)}\n`).join("");
      expect(out, `exec ${i}`).toBe(want);
      expect(err).toContain(`err ${i}\n`);
      expect(status).toBe(i % 5 === 4 ? 1 : 0);
    }
    await stop();
  });

  it("exec with frames beyond repair: status right, the loss said", async () => {
    const { link, stop } = await noisy(22, 60, 50);
    const c = await client(link.path);
    let lost = 0;
    for (let i = 0; i < 30; i++) {
      let err = "";
      const status = await c.exec(`import { exit } from "k230:sys";\nconsole.log("a".repeat(3000));\nexit(${i % 3});`, {
        module: true,
        onStdout: () => {},
        onStderr: (b) => (err += b),
      });
      expect(status).toBe(i % 3);
      if (err.includes("damaged on the link")) lost++;
    }
    expect(lost).toBeGreaterThan(0);
    await stop();
  });

  const app = () => {
    const dir = tempDir("noisyrun");
    const file = join(dir, "app.ts");
    writeFileSync(file, 'import { exit } from "k230:sys";\nfor (let i = 0; i < 200; i++) console.log(`row ${i}`);\nexit(3);\n');
    return { dir, file };
  };

  it("run through the CLI: exact output and status", async () => {
    const { link, stop } = await noisy(31, 40, 0);
    const { dir, file } = app();
    const want = Array.from({ length: 200 }, (_, i) => `row ${i}\n`).join("");
    for (let round = 0; round < 3; round++) {
      const r = cli(["run", file, "--port", link.path], dir);
      expect(r.status, r.stderr).toBe(3);
      expect(r.stdout).toBe(want);
    }
    await stop();
  });

  it("deploy through the CLI, twice, frames beyond repair included", async () => {
    const { sd, link, stop } = await noisy(32, 60, 20);
    const { dir, file } = app();
    for (let round = 0; round < 3; round++) {
      const r = cli(["deploy", file, "--port", link.path], dir);
      expect(r.status, r.stderr).toBe(0);
    }
    expect(readFileSync(join(sd, "main.js"), "utf8")).toContain("row ${i}");
    await stop();
  });

  it("the friendly REPL stays usable", async () => {
    const { link, stop } = await noisy(41, 100, 0);
    const t = await openSerial(link.path);
    cleanup.push(() => t.close());
    let text = "";
    t.onData((b) => (text += b.toString("latin1")));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 20));
      expect(text).toMatch(re);
    };
    await t.write("\x02");
    await until(/> $/);
    for (let i = 0; i < 20; i++) {
      text = "";
      await t.write(`${i} * 1000 + 7\r`);
      await until(new RegExp(`\\n${i * 1000 + 7}\\r?\\n[\\s\\S]*> $`));
    }
    // and into raw mode and out again
    const c = new RawClient(t);
    await c.enter();
    expect(await c.stat("/sdcard")).toMatchObject({ type: "dir" });
    await c.leave();
    await stop();
    expect(injected.text ?? 0).toBeGreaterThan(0);
  });

  it("every kind of place was hit", () => {
    // Summed over the tests above (they run first, in order).
    for (const k of ["header", "payload", "crc", "after", "text", "double"]) expect(injected[k] ?? 0, k).toBeGreaterThan(k === "text" || k === "double" ? 5 : 30);
    console.log(`noisy link: foreign lines inserted ${JSON.stringify(injected)}`);
  });
});
