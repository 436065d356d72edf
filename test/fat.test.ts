// The simulated SD card with the board's FAT semantics (K230JS_SIM_SDCARD=fat, kjs/paths.h):
// rename never overwrites, no symlinks, case-insensitive names. On it: a file replaced twice (a
// second `deploy`), a replacement killed at every step (strace injects SIGKILL before each
// rename/unlink of the replacement), and what killed transfers leave settled at start-up.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient, RemoteError } from "../tools/flash/src/lib/rawproto.js";
import { openSerial } from "../tools/flash/src/lib/transport-serial.js";
import type { Transport } from "../tools/flash/src/lib/transport.js";
import { startPty, type PtyRuntime } from "./helpers/pty.js";
import { cli, tempDir } from "./helpers/run.js";

const FAT = { K230JS_SIM_SDCARD: "fat" };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
  cleanup = [];
});

/** A runtime on a pty with the card `sd`, and a raw-protocol client on it. */
async function board(sd: string, env: Record<string, string> = FAT, wrap: string[] = []): Promise<{ rt: PtyRuntime; c: RawClient; t: Transport }> {
  const rt = await startPty(["--sdcard", sd], env, wrap);
  await rt.disconnect();
  const t = await openSerial(rt.path);
  cleanup.push(() => rt.close(), () => t.close());
  const c = new RawClient(t);
  await c.enter();
  return { rt, c, t };
}

const quiet = { onStdout: () => {}, onStderr: () => {} };

describe("FAT semantics of the simulated card", () => {
  it("the same file written twice (a second deploy of main.js) replaces it", async () => {
    const sd = tempDir("fat2");
    const { c } = await board(sd);
    for (const text of ["first", "second", "third"]) {
      await c.writeFile("/sdcard/main.js", Buffer.from(`console.log("${text}")`));
      expect(readFileSync(join(sd, "main.js"), "utf8")).toBe(`console.log("${text}")`);
    }
    expect(readdirSync(sd)).toEqual(["main.js"]);
  });

  it("deploy --port sim twice, and the card boots the second app", async () => {
    const dir = tempDir("fatdeploy");
    const sd = join(dir, "sd");
    const app = join(dir, "app.ts");
    process.env.K230JS_SIM_SDCARD = "fat";
    try {
      for (const who of ["one", "two"]) {
        writeFileSync(app, `const who: string = "${who}";\nconsole.log(\`app \${who}\`);\n`);
        const r = cli(["deploy", app, "--port", "sim", "--sdcard", sd]);
        expect(r.status, r.stderr).toBe(0);
      }
    } finally {
      delete process.env.K230JS_SIM_SDCARD;
    }
    expect(readdirSync(sd).sort()).toEqual(["main.js", "main.js.map"]);
    const rt = await startPty(["--sdcard", sd, "--boot"], FAT);
    cleanup.push(() => rt.close());
    await rt.waitFor("app two");
  });

  it("rename never overwrites; names are case-insensitive", async () => {
    const sd = tempDir("fatnames");
    writeFileSync(join(sd, "a.txt"), "A");
    writeFileSync(join(sd, "b.txt"), "B");
    mkdirSync(join(sd, "Dir"));
    writeFileSync(join(sd, "Dir", "x.txt"), "X");
    const { c } = await board(sd);
    const e = await c.rename("/sdcard/a.txt", "/sdcard/b.txt").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).code).toBe(-17);
    expect(readFileSync(join(sd, "b.txt"), "utf8")).toBe("B");
    // Lookups ignore case; a file created under another spelling is the same file.
    expect(await c.stat("/sdcard/A.TXT")).toMatchObject({ type: "file", size: 1 });
    expect((await c.readFile("/sdcard/dir/X.TXT")).data.toString()).toBe("X");
    await c.writeFile("/sdcard/DIR/X.txt", Buffer.from("new"));
    expect(readdirSync(join(sd, "Dir"))).toEqual(["x.txt"]);
    expect(readFileSync(join(sd, "Dir", "x.txt"), "utf8")).toBe("new");
    await expect(c.mkdir("/sdcard/dir")).rejects.toThrow(/exists/);
    // The runtime's own opens too: a module imported under another spelling.
    writeFileSync(join(sd, "lib.js"), "export const v = 7;");
    let out = "";
    expect(await c.exec('const m = await import("/sdcard/LIB.JS"); console.log(m.v)', { onStdout: (b) => (out += b), onStderr: () => {} })).toBe(0);
    expect(out).toBe("7\n");
  });

  it("renames over an existing file on a POSIX card (the mode is what differs)", async () => {
    const sd = tempDir("posixnames");
    writeFileSync(join(sd, "a.txt"), "A");
    writeFileSync(join(sd, "b.txt"), "B");
    const { c } = await board(sd, {});
    await c.rename("/sdcard/a.txt", "/sdcard/b.txt");
    expect(readdirSync(sd)).toEqual(["b.txt"]);
    expect(await c.stat("/sdcard/B.TXT")).toBeNull();
  });

  it("no symlinks: the protocol refuses them and the runtime's opens do not follow them", async () => {
    const sd = tempDir("fatlink");
    writeFileSync(join(sd, "real.js"), "export const v = 1;");
    symlinkSync(join(sd, "real.js"), join(sd, "link.js"));
    mkdirSync(join(sd, "d"));
    symlinkSync(join(sd, "d"), join(sd, "dlink"));
    writeFileSync(join(sd, "d", "in.js"), "export const v = 2;");
    const { c } = await board(sd);
    for (const p of ["/sdcard/link.js", "/sdcard/dlink/in.js", "/sdcard/LINK.JS"]) {
      const e = await c.readFile(p).catch((x: unknown) => x);
      expect((e as RemoteError).code, p).toBe(-13);
    }
    let err = "";
    const io = { onStdout: () => {}, onStderr: (b: Buffer) => (err += b) };
    expect(await c.exec('await import("/sdcard/link.js")', io)).toBe(1);
    expect(err).toMatch(/cannot load module '\/sdcard\/link\.js': no such file/);
    expect(await c.exec('await import("/sdcard/real.js")', quiet)).toBe(0);
  });
});

const strace = spawnSync("strace", ["-V"]).status === 0;
if (!strace) console.log("SKIP: test/fat.test.ts: strace not installed (the kill-at-each-step test needs it)");

describe("a replacement interrupted at every step", () => {
  // The steps of kjs_path_replace on a FAT card with the file present: rename(main, old) #1,
  // rename(part, main) #2 (the commit), unlink(old) #1. strace kills the runtime just before the
  // Nth such call, which then never happens.
  const part = ".main.js.k230js-part";
  const bak = ".main.js.k230js-old";
  const steps = [
    { at: "rename", when: 1, left: [part, "main.js"], expect: "old", fs: FAT },
    { at: "rename", when: 2, left: [bak, part], expect: "old", fs: FAT },
    { at: "unlink", when: 1, left: [bak, "main.js"], expect: "new", fs: FAT },
    { at: "rename", when: 1, left: [part, "main.js"], expect: "old", fs: {} }, // POSIX: the one atomic rename
  ];
  for (const s of steps) {
    it.skipIf(!strace)(`killed before ${s.at} #${s.when} (${s.fs.K230JS_SIM_SDCARD ?? "posix"}): the ${s.expect} file, nothing left over`, async () => {
      const sd = tempDir("killstep");
      const old = Buffer.from("old contents ".repeat(1000));
      const fresh = Buffer.from("new contents ".repeat(2000));
      writeFileSync(join(sd, "main.js"), old);
      const set = "rename,renameat,renameat2,unlink,unlinkat";
      const inject = `${s.at === "rename" ? "rename,renameat,renameat2" : "unlink,unlinkat"}:error=EIO:signal=KILL:when=${s.when}`;
      const { rt, c } = await board(sd, s.fs, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", `trace=${set}`, "-e", `inject=${inject}`]);
      // strace outlives a SIGTERM while its tracee runs: a failed run kills the runtime itself.
      cleanup.push(async () => {
        for (const pid of readFileSync(`/proc/${rt.child.pid}/task/${rt.child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGKILL");
      });
      c.timeoutMs = 3000;
      const gone = new Promise((r) => rt.child.once("exit", r));
      await expect(c.writeFile("/sdcard/main.js", fresh)).rejects.toThrow();
      await Promise.race([gone, new Promise((_, rej) => setTimeout(() => rej(new Error(`the runtime was not killed before ${s.at} #${s.when}`)), 5000))]);
      expect(rt.child.signalCode ?? rt.child.exitCode).toMatch(/SIGKILL|137/);
      // What the kill left (between the renames on FAT, no main.js at all).
      expect(readdirSync(sd).sort()).toEqual(s.left);
      // Start-up settles it.
      const again = await startPty(["--sdcard", sd], s.fs);
      cleanup.push(() => again.close());
      expect(readdirSync(sd)).toEqual(["main.js"]);
      expect(sha(readFileSync(join(sd, "main.js")))).toBe(sha(s.expect === "old" ? old : fresh));
    });
  }
});

describe("start-up", () => {
  it("settles leftovers: part files removed, an old file restored, a stale backup removed", async () => {
    const sd = tempDir("leftover");
    mkdirSync(join(sd, "apps", "deep"), { recursive: true });
    writeFileSync(join(sd, ".a.txt.k230js-part"), "half");
    writeFileSync(join(sd, "apps", "deep", ".b.bin.k230js-part"), "half");
    writeFileSync(join(sd, "apps", ".c.js.k230js-old"), "old c"); // c.js missing: killed between the renames
    writeFileSync(join(sd, ".d.js.k230js-old"), "old d"); // d.js present: killed after the commit
    writeFileSync(join(sd, "d.js"), "new d");
    const rt = await startPty(["--sdcard", sd], FAT);
    cleanup.push(() => rt.close());
    expect(readdirSync(sd).sort()).toEqual(["apps", "d.js"]);
    expect(readdirSync(join(sd, "apps")).sort()).toEqual(["c.js", "deep"]);
    expect(readdirSync(join(sd, "apps", "deep"))).toEqual([]);
    expect(readFileSync(join(sd, "apps", "c.js"), "utf8")).toBe("old c");
    expect(readFileSync(join(sd, "d.js"), "utf8")).toBe("new d");
    expect(rt.stderr()).toMatch(/restored the previous file from .*\.c\.js\.k230js-old/);
  });

  it("a transfer whose runtime was killed with -9 leaves nothing after the next start", async () => {
    const sd = tempDir("kill9");
    writeFileSync(join(sd, "app.js"), "old contents");
    const { rt, c } = await board(sd);
    c.timeoutMs = 2000;
    const data = Buffer.alloc(1 << 20, 7);
    let killed = false;
    const writing = c
      .writeFile("/sdcard/app.js", data, (n) => {
        if (n > 100_000 && !killed) {
          killed = true;
          rt.child.kill("SIGKILL");
        }
      })
      .catch((e: Error) => e);
    expect(await writing).toBeInstanceOf(Error);
    expect(readdirSync(sd).sort()).toEqual([".app.js.k230js-part", "app.js"]);
    const again = await startPty(["--sdcard", sd], FAT);
    cleanup.push(() => again.close());
    expect(readdirSync(sd)).toEqual(["app.js"]);
    expect(readFileSync(join(sd, "app.js"), "utf8")).toBe("old contents");
    expect(existsSync(join(sd, ".app.js.k230js-part"))).toBe(false);
  });
});
