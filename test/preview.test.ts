// The display's live preview over the console link (issue 15 item 2). An app draws a moving test
// pattern (colour bars, a white square crossing them) on a virtual display brought up with
// toIde: true; it runs on the simulator over a pty, as on a board. `k230js preview --port P`
// serves the page (the simulator's live view page); a headless Chromium screenshot shows the
// pattern, and the square moves between two; pictures arrive at the rate asked for; meanwhile a
// 1 MB `fs cp` over the same link verifies and the REPL answers. Stopping the preview stops the
// encoding on the board, and a host that stops acknowledging pictures gets no more of them.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Preview } from "../tools/flash/src/lib/preview.js";
import { RawClient } from "../tools/flash/src/lib/rawproto.js";
import { openSerial } from "../tools/flash/src/lib/transport-serial.js";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { CLI, cli, ROOT, tempDir } from "./helpers/run.js";

const CHROMIUM = "/usr/bin/chromium";
const W = 1000; // the screenshot's window
const H = 700;

let rt: PtyRuntime;
let dir: string;
let sd: string;

beforeAll(async () => {
  dir = tempDir("preview");
  sd = join(dir, "sd");
  mkdirSync(sd);
  const b = cli(["build", join(ROOT, "test", "apps", "preview-pattern.ts"), "-o", join(sd, "pattern.js")]);
  expect(b.status, b.stderr).toBe(0);
  rt = await startPty(["--sdcard", sd]);
  await rt.disconnect(); // the CLI opens the pty as a board's port
});

afterAll(async () => {
  await rt?.close();
});

/** A CLI process whose stdout/stderr the test reads as they come, with stdin open. */
function start(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, K230JS_CACHE_DIR: tempDir("preview-cache") } });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  child.stderr!.on("data", (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const waitFor = (re: RegExp, what: () => string, ms = 30_000) =>
    new Promise<RegExpExecArray>((res, rej) => {
      const t0 = Date.now();
      const check = () => {
        const m = re.exec(what());
        if (m) return res(m);
        if (Date.now() - t0 > ms) return rej(new Error(`timed out waiting for ${re}; stdout=${out} stderr=${err}`));
        setTimeout(check, 50);
      };
      check();
    });
  return { child, exited, out: () => out, err: () => err, waitOut: (re: RegExp, ms?: number) => waitFor(re, () => out, ms), waitErr: (re: RegExp, ms?: number) => waitFor(re, () => err, ms) };
}

/** Headless Chromium on the page (the flags that work on this machine), after 2 s of its time. */
function chromium(url: string, what: string) {
  return spawnSync(
    CHROMIUM,
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      `--user-data-dir=${tempDir("chromium")}`, `--window-size=${W},${H}`, "--virtual-time-budget=2000", what, url],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 16 << 20 },
  );
}

/** The page as RGB pixels. */
function screenshot(url: string, name: string): Buffer {
  const png = join(dir, `${name}.png`);
  const r = chromium(url, `--screenshot=${png}`);
  expect(existsSync(png), r.stderr).toBe(true);
  const rgb = spawnSync("ffmpeg", ["-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], { maxBuffer: 16 << 20 });
  expect(rgb.stdout.length).toBe(W * H * 3);
  return rgb.stdout;
}

const px = (rgb: Buffer, x: number, y: number) => [...rgb.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)];
const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]!) < 48);

/** Where the white square is in the screenshot's row at the square's height, or -1. */
function squareAt(rgb: Buffer, y: number): number {
  for (let x = 0; x < W; x++) if (near(px(rgb, x, y), [255, 255, 255])) return x;
  return -1;
}

describe("k230js preview", () => {
  it("serves the board's display: the pattern in Chromium, at the rate asked; a 1 MB fs cp verifies and the REPL answers meanwhile", async () => {
    const big = join(dir, "big.bin");
    const data = randomBytes(1 << 20);
    writeFileSync(big, data);
    const sha = createHash("sha256").update(data).digest("hex");
    const cliRun = start([
      "preview", "--port", rt.path, "--http", "0", "--fps", "10",
      "+", "exec", 'await import("/sdcard/pattern.js")',
      "+", "fs", "cp", big, ":big.bin",
      "+", "fs", "sha256sum", ":big.bin", big,
      "+", "repl",
    ]);
    try {
      const url = (await cliRun.waitErr(/k230js preview: (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
      await cliRun.waitOut(/ts> /);
      expect(cliRun.out()).toContain("pattern on the display");
      expect(cliRun.out()).toContain(`${sha}  :/sdcard/big.bin\n${sha}  ${big}\n`);

      // Pictures at the rate asked for, over the last seconds.
      await new Promise((r) => setTimeout(r, 3500));
      const stats = (await (await fetch(`${url}stats`)).json()) as { fps: number; pictures: number; board: { state: string; width: number; height: number }; line: string };
      expect(stats.board.state, stats.line).toBe("running");
      expect([stats.board.width, stats.board.height]).toEqual([800, 480]);
      expect(stats.fps, stats.line).toBeGreaterThan(8.5);
      expect(stats.fps, stats.line).toBeLessThan(11);
      const frame = await fetch(`${url}frame`);
      expect(frame.headers.get("content-type")).toBe("image/jpeg");
      const page = await (await fetch(url)).text();
      expect(page).toContain("'frame?'"); // the simulator's live view page

      // The REPL answers while the pictures flow; the preview's encoder is the board's only one.
      cliRun.child.stdin!.write("6 * 7\n");
      await cliRun.waitOut(/\n?42\n/);
      cliRun.child.stdin!.write('(await import("k230:media")).MediaManager.stats().encoders\n');
      await cliRun.waitOut(/42\n[\s\S]*1\n/);

      if (!existsSync(CHROMIUM)) {
        console.log(`SKIP: test/preview.test.ts: ${CHROMIUM} is not installed (scripts/apt-packages.txt has chromium): no screenshot`);
      } else {
        // The page shows 800x480 centred at the top (8 px margin): the bars at their colours, the
        // square (80x80 at y 40 on the screen) somewhere else in the second shot.
        const a = screenshot(url, "a");
        const x0 = (W - 800) / 2;
        const y = 8 + 400;
        expect(near(px(a, x0 + 100, y), [255, 0, 0]), String(px(a, x0 + 100, y))).toBe(true);
        expect(near(px(a, x0 + 300, y), [0, 255, 0]), String(px(a, x0 + 300, y))).toBe(true);
        expect(near(px(a, x0 + 500, y), [0, 0, 255]), String(px(a, x0 + 500, y))).toBe(true);
        expect(near(px(a, x0 + 700, y), [255, 255, 0]), String(px(a, x0 + 700, y))).toBe(true);
        const first = squareAt(a, 8 + 80);
        expect(first).toBeGreaterThanOrEqual(x0);
        const b = screenshot(url, "b");
        const second = squareAt(b, 8 + 80);
        expect(second).toBeGreaterThanOrEqual(x0);
        expect(second).not.toBe(first);
        expect(b.subarray(0, (8 + 480) * W * 3).toString("latin1")).toMatch(/./); // decoded
        // The frame rate and the link's usage on the page, under the picture.
        const dom = chromium(url, "--dump-dom");
        expect(dom.stdout, dom.stderr).toMatch(/<p id="l">\d+\.\d fps · link [\d.]+ [kM]?B\/s, preview [\d.]+ [kM]?B\/s · 800x480 JPEG quality \d+, \d+ skipped on the board<\/p>/);
      }
      cliRun.child.stdin!.end(); // Ctrl-D: the REPL, then the chain, then the preview end
      expect(await cliRun.exited).toBe(0);
    } finally {
      cliRun.child.kill();
    }
  });

  it("run --preview: the page while the app runs, and the preview ends with it", async () => {
    const r = start(["run", join(ROOT, "test", "apps", "preview-pattern.ts"), "--port", rt.path, "--preview", "--http", "0", "--fps", "5", "--", "3"]);
    try {
      const url = (await r.waitErr(/k230js preview: (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
      await r.waitErr(/board: running/);
      // The board says "running" before its first picture is through: a picture while the app
      // runs (it runs 3 s), the page answering 503 until then.
      let status = 0;
      for (let ended = false; status !== 200 && !ended; ) {
        status = await fetch(`${url}frame`).then((res) => res.status, () => 0);
        if (status !== 200) ended = await Promise.race([r.exited.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 100))]);
      }
      expect(status, r.err()).toBe(200);
      expect(await r.exited).toBe(0);
      expect(r.out()).toBe("pattern on the display\npattern done\n");
      await expect(fetch(`${url}frame`)).rejects.toThrow(); // the page is gone with the command
    } finally {
      r.child.kill(); // a failure above must not leave the port taken for the tests after it
    }
  });
});

describe("the preview on the link", () => {
  async function board() {
    const t = await openSerial(rt.path);
    const c = new RawClient(t);
    try {
      await c.enter();
      await c.softReset(); // after the CLI's app: k230:media starts clean, Display.init works again
      expect(await c.exec('await import("/sdcard/pattern.js")', { onStdout: () => {} })).toBe(0);
    } catch (e) {
      await t.close();
      throw e;
    }
    return c;
  }
  const encoders = async (c: RawClient) => {
    let out = "";
    await c.exec('console.log((await import("k230:media")).MediaManager.stats().encoders)', { onStdout: (b) => (out += b) });
    return Number(out);
  };

  it("stopping it stops the encoding on the board", async () => {
    const c = await board();
    try {
      const p = new Preview(c, { fps: 20, rate: 0, quality: 0 });
      expect((await p.start()).state).toBe("running");
      await new Promise((r) => setTimeout(r, 1500));
      expect(p.stats().pictures).toBeGreaterThan(15);
      expect(await encoders(c)).toBe(1);
      await p.stop();
      await new Promise((r) => setTimeout(r, 300));
      const n = p.stats().pictures;
      await new Promise((r) => setTimeout(r, 1000));
      expect(p.stats().pictures).toBe(n);
      expect(await encoders(c)).toBe(0);
    } finally {
      await c.leave();
      await c.transport.close();
    }
  });

  it("a Player brought up with toIde: true feeds the preview as Display.init's toIde does", async () => {
    const clip = join(sd, "clip.mp4");
    if (!existsSync(clip)) {
      const f = spawnSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "20", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "30", "-y", clip], { encoding: "utf8" });
      expect(f.status, f.stderr).toBe(0);
    }
    const t = await openSerial(rt.path);
    const c = new RawClient(t);
    try {
      await c.enter();
      await c.softReset();
      const code = 'const { Player } = await import("k230:media"); globalThis.pl = new Player({ display: "VIRT", toIde: true }); pl.load("/sdcard/clip.mp4"); pl.start();';
      let err = "";
      expect(await c.exec(code, { onStdout: () => {}, onStderr: (b) => (err += b) }), err).toBe(0);
      const p = new Preview(c, { fps: 10, rate: 0, quality: 0 });
      const st = await p.start();
      expect(st.state, st.why).toBe("running");
      await new Promise((r) => setTimeout(r, 1500));
      expect(p.stats().pictures).toBeGreaterThan(5);
      expect([p.latest?.width, p.latest?.height]).toEqual([320, 240]); // the Player's display
      await p.stop();
      await c.exec("pl.stop()", { onStdout: () => {} });
      // stop() takes the Player's display down, and the preview is told: no display to show
      const again = await new Preview(c, { fps: 10, rate: 0, quality: 0 }).start();
      expect(again.state).toBe("waiting");
    } finally {
      await c.leave();
      await t.close();
    }
  });

  it("a host that stops acknowledging gets no more pictures, and the board stops encoding", async () => {
    const c = await board();
    try {
      const p = new Preview(c, { fps: 20, rate: 0, quality: 0 });
      await p.start();
      await new Promise((r) => setTimeout(r, 500));
      let late = 0;
      c.onService("V", () => late++); // pictures arrive, nobody acknowledges them
      await new Promise((r) => setTimeout(r, 7500));
      // One picture per 2 s timeout (never a queue), three of them, then the board gives up.
      expect(p.board?.state).toBe("stopped");
      expect(p.board?.why).toBe("the host stopped acknowledging pictures");
      expect(late).toBeLessThanOrEqual(4 * 2); // frames of at most four pictures
      expect(await encoders(c)).toBe(0);
    } finally {
      await c.leave();
      await c.transport.close();
    }
  });
});
