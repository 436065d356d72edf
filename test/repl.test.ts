// The friendly REPL over a real pty: editing keys, history, multi-line input, completion,
// Ctrl-C in an infinite loop, Ctrl-D soft reset, boot flow; and a plain terminal program (socat).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { tempDir } from "./helpers/run.js";

let rt: PtyRuntime | null = null;
afterEach(async () => {
  await rt?.close();
  rt = null;
});

/** Types a line and returns what came back up to the next prompt. */
async function line(r: PtyRuntime, s: string): Promise<string> {
  r.clear();
  await r.write(s + "\r");
  const out = await r.waitFor(/\n(> |\.\.\. )$/);
  return out.replace(/\r\n/g, "\n");
}

async function repl(args: string[] = [], env: Record<string, string> = {}): Promise<PtyRuntime> {
  rt = await startPty(args, env);
  await rt.write("\x02"); // Ctrl-B on an empty line reprints the banner and prompt
  // Wait for both banners (start-up and reprint): a prompt alone may be the start-up one, with
  // the reprint still on its way into the first line's output.
  await rt.waitFor(/(k230js \d+\.\d+\.\d+ on[\s\S]*){2}> $/);
  return rt;
}

describe("friendly REPL over a pty", () => {
  it("prints a banner with version, board and memory", async () => {
    const r = await repl();
    expect(r.text()).toMatch(/k230js \d+\.\d+\.\d+.* on simulator .*QuickJS-ng .*(heap|RSS)/);
  });

  it("evaluates and inspects results; let bindings persist; top-level await works", async () => {
    const r = await repl();
    expect(await line(r, "1 + 2")).toContain("\n3\n");
    expect(await line(r, "let o = { a: 1, list: [1, 2] }")).toContain("undefined");
    expect(await line(r, "o")).toContain("{ a: 1, list: [ 1, 2 ] }");
    expect(await line(r, "await new Promise((res) => setTimeout(() => res('later'), 50))")).toContain("'later'");
    expect(await line(r, "throw new TypeError('nope')")).toContain("Uncaught TypeError: nope");
    expect(await line(r, "o.a")).toContain("\n1\n"); // still alive after the error
  });

  it("continues incomplete statements on the next line", async () => {
    const r = await repl();
    expect(await line(r, "function twice(x) {")).toMatch(/\.\.\. $/);
    expect(await line(r, "  return x * 2")).toMatch(/\.\.\. $/);
    expect(await line(r, "}")).toMatch(/> $/);
    expect(await line(r, "twice(21)")).toContain("\n42\n");
    expect(await line(r, "[1,")).toMatch(/\.\.\. $/);
    expect(await line(r, "2]")).toContain("[ 1, 2 ]");
    expect(await line(r, "{a:1, 3+}")).toContain("SyntaxError"); // a real error is not "more"
  });

  it("edits the line: arrows, Home/End, Ctrl-A/E/K/U/W, backspace, delete", async () => {
    const r = await repl();
    // "1+3", Left, Backspace ("13" -> "1" then "3"?): build "12+3" by inserting before the end
    expect(await line(r, "1+3\x1b[D\x1b[D2")).toContain("\n15\n"); // Left twice, insert: 12+3
    expect(await line(r, "77\x7f")).toContain("\n7\n"); // Backspace
    expect(await line(r, "99\x1b[H7\x1b[F0")).toContain("\n7990\n"); // Home inserts first, End appends
    expect(await line(r, "x\x01\x0b40+2")).toContain("\n42\n"); // Ctrl-A then Ctrl-K kills all
    expect(await line(r, "junk\x1510")).toContain("\n10\n"); // Ctrl-U
    expect(await line(r, "5 + junk\x176")).toContain("\n11\n"); // Ctrl-W deletes the word
    expect(await line(r, "123\x01\x1b[3~")).toContain("\n23\n"); // Delete at the start
    expect(await line(r, "8\x01\x051")).toContain("\n81\n"); // Ctrl-A, Ctrl-E, type
  });

  it("keeps a history walked with Up/Down", async () => {
    const r = await repl();
    await line(r, "100 + 1");
    await line(r, "200 + 2");
    expect(await line(r, "\x1b[A")).toContain("\n202\n");
    expect(await line(r, "\x1b[A\x1b[A\x1b[A")).toContain("\n101\n");
    // history is now 100+1, 200+2, 100+1: Up, Up, Down lands on the newest
    expect(await line(r, "\x1b[A\x1b[A\x1b[B")).toContain("\n101\n");
    expect(await line(r, "\x1b[A\x1b[A\x1b[A\x1b[B\x1b[B")).toContain("\n101\n");
  });

  it("completes globals, declared names and properties with Tab", async () => {
    const r = await repl();
    await line(r, "const myLongName = { alpha: 1, beta: 2 }");
    expect(await line(r, "myLo\t")).toContain("{ alpha: 1, beta: 2 }");
    expect(await line(r, "myLongName.al\t")).toContain("\n1\n");
    expect(await line(r, "Math.PI.toFix\t(2)")).toContain("'3.14'");
    r.clear();
    await r.write("myLongName.\t");
    await r.waitFor("alpha  beta");
    await r.write("\x03");
    await r.waitFor(/> $/);
  });

  it("takes import lines (k230:* modules and files), across lines, and typed again", async () => {
    const sd = tempDir("repl-import");
    mkdirSync(join(sd, "lib"));
    writeFileSync(join(sd, "lib", "util.js"), "export const answer = 42;\nexport default function hi() { return 'hi'; }\n");
    const r = await repl(["--sdcard", sd]);
    // Before: "SyntaxError: unexpected 'import'" (a script cannot hold import statements).
    expect(await line(r, 'import { platform, ticksMs as t } from "k230:sys"')).not.toContain("Error");
    expect(await line(r, "platform + typeof t")).toContain("'hostfunction'");
    expect(await line(r, 'import * as media from "k230:media"')).toContain("undefined");
    expect(await line(r, "typeof media.Display")).toContain("'function'");
    expect(await line(r, "import {")).toMatch(/\.\.\. $/);
    expect(await line(r, "  sleepMs,")).toMatch(/\.\.\. $/);
    expect(await line(r, '} from "k230:sys"; typeof sleepMs')).toContain("'function'");
    expect(await line(r, 'import { platform } from "k230:sys"')).not.toContain("Error"); // again
    expect(await line(r, "import def, * as sys from 'k230:sys'")).not.toContain("Error");
    expect(await line(r, "[typeof def, typeof sys.exit]")).toContain("[ 'undefined', 'function' ]");
    expect(await line(r, 'import hi, { answer } from "/sdcard/lib/util.js"')).not.toContain("Error");
    expect(await line(r, "hi() + answer")).toContain("'hi42'");
    expect(await line(r, 'import { x } from "k230:nothing"')).toContain("unknown module 'k230:nothing'");
    expect(await line(r, "const s = 'import { not } from here'; s.length")).toContain("\n24\n"); // not a statement
  });

  it("Ctrl-C stops an infinite loop within 100 ms and the REPL goes on", async () => {
    const r = await repl();
    r.clear();
    await r.write("let n = 0; while (true) { n++ }\r");
    await new Promise((res) => setTimeout(res, 200));
    const sent = performance.now();
    await r.write("\x03");
    await r.waitFor("interrupted");
    const took = performance.now() - sent;
    expect(took).toBeLessThan(100);
    await r.waitFor(/> $/);
    expect(Number(/\n(\d+)\n/.exec(await line(r, "n"))![1])).toBeGreaterThan(1000);
  });

  it("Ctrl-C at the prompt abandons the line; Ctrl-C stops a pending await", async () => {
    const r = await repl();
    r.clear();
    await r.write("half a line\x03");
    await r.waitFor("^C");
    await r.waitFor(/> $/);
    r.clear();
    await r.write("await new Promise(() => {})\r");
    await new Promise((res) => setTimeout(res, 100));
    await r.write("\x03");
    await r.waitFor("interrupted");
    expect(await line(r, "'alive'")).toContain("'alive'");
  });

  it("Ctrl-D soft-resets: a fresh VM, boot.js rerun", async () => {
    const sd = tempDir("repl-reset");
    writeFileSync(join(sd, "boot.js"), "globalThis.bootCount = (globalThis.bootCount ?? 0) + 1; console.log('boot.js ran');");
    const r = await repl(["--sdcard", sd, "--boot"]);
    await line(r, "var leftover = 1");
    r.clear();
    await r.write("\x04");
    await r.waitFor("soft reboot");
    await r.waitFor(/> $/);
    expect(r.text()).toContain("boot.js ran");
    expect(await line(r, "typeof leftover")).toContain("'undefined'");
    expect(await line(r, "bootCount")).toContain("\n1\n");
  });

  it("a soft reset releases the display the app brought up, and the next app brings it up again", async () => {
    const r = await repl();
    expect(await line(r, 'import { Display } from "k230:media"; Display.init("VIRT", { width: 320, height: 240 })')).not.toContain("Error");
    r.clear();
    await r.write("\x04");
    await r.waitFor(/released 1 media object\r\n[\s\S]*> $/);
    // Before: "Display.init: the display is already initialised" (k230:media kept the old handle).
    expect(await line(r, 'import { Display } from "k230:media"; Display.init("VIRT", { width: 320, height: 240 }); Display.width()')).toContain("\n320\n");
  });

  it("timer output while editing does not lose the line being typed", async () => {
    const r = await repl();
    await line(r, "setTimeout(() => console.log('tick'), 100); 0");
    r.clear();
    await r.write("6 * ");
    await r.waitFor("tick");
    expect(await line(r, "7")).toContain("\n42\n");
  });
});

describe("boot flow", () => {
  function card(files: Record<string, string>): string {
    const sd = tempDir("boot");
    for (const [k, v] of Object.entries(files)) writeFileSync(join(sd, k), v);
    return sd;
  }

  it("runs boot.js then main.js, then the REPL", async () => {
    const sd = card({ "boot.js": "console.log('one: boot')", "main.js": "console.log('two: main')" });
    rt = await startPty(["--sdcard", sd, "--boot"]);
    await rt.waitFor(/two: main[\s\S]*> $/, 5000);
    expect(rt.text().indexOf("one: boot")).toBeLessThan(rt.text().indexOf("two: main"));
    expect(existsSync(join(sd, ".k230js-running"))).toBe(false);
  });

  it("the safe-mode marker skips boot.js and main.js", async () => {
    // main.js would never give the prompt back; the banner comes before the test's end of the pty
    // is open, so Ctrl-B asks for it again.
    const sd = card({ "boot.js": "while (true) {}", "main.js": "while (true) {}", ".safe-mode": "" });
    rt = await startPty(["--sdcard", sd, "--boot"]);
    await rt.write("\x02");
    await rt.waitFor(/> $/, 3000);
    expect(existsSync(join(sd, ".k230js-running"))).toBe(false);
  });

  it("Ctrl-C within the first 500 ms skips autostart", async () => {
    const sd = card({ "main.js": "console.log('MAIN')" });
    rt = await startPty(["--sdcard", sd, "--boot"]);
    await rt.write("\x03");
    await rt.waitFor(/safe mode \(Ctrl-C at boot\)[\s\S]*> $/);
    expect(rt.text()).not.toContain("MAIN");
  });

  it("an app that crashed the previous boot is not restarted", async () => {
    const sd = card({ "main.js": "console.log('MAIN started'); while (true) {}" });
    rt = await startPty(["--sdcard", sd, "--boot"]);
    await rt.waitFor("MAIN started");
    expect(existsSync(join(sd, ".k230js-running"))).toBe(true);
    await rt!.disconnect();
    const gone = new Promise((r) => rt!.child.once("exit", r));
    rt.child.kill("SIGKILL"); // the board dies under the app
    await gone;
    rt = await startPty(["--sdcard", sd, "--boot"]);
    await rt.waitFor(/did not finish last boot[\s\S]*> $/);
    expect(rt.text()).not.toContain("MAIN started");
    expect(existsSync(join(sd, ".k230js-running"))).toBe(false); // next boot tries again
  });
});

describe("a plain terminal program", () => {
  it("socat drives the REPL", async () => {
    rt = await startPty([]);
    await rt.disconnect(); // socat is the only terminal on the pty: two readers would race
    const socat = spawn("socat", ["-", `${rt.path},raw,echo=0`], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    socat.stdout.on("data", (d) => (out += d));
    socat.stdin.write("[6, 7].reduce((a, b) => a * b)\r");
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`socat got ${JSON.stringify(out)}`)), 5000);
      socat.stdout.on("data", () => {
        if (out.includes("42")) {
          clearTimeout(t);
          res();
        }
      });
    });
    socat.kill();
    mkdirSync(tempDir("x"), { recursive: true });
  });
});
