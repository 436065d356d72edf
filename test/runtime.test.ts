// The runtime end to end: the same TS app on the host build and on the static riscv64 build under
// qemu-riscv64, from source and from bytecode; interrupts; error reports; bad input.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ASAN_ENV, ASAN_RUNTIME, cli, HOST_RUNTIME, RISCV64_RUNTIME, ROOT, runtime, startUntil, tempDir } from "./helpers/run.js";

const out = tempDir("runtime");
const bundle = (name: string) => join(out, `${name}.js`);

beforeAll(() => {
  for (const app of ["sys-demo", "throws", "spin"]) {
    const r = cli(["build", join(ROOT, "test", "apps", `${app}.ts`), "-o", bundle(app), "--bytecode"]);
    expect(r.status, r.stderr).toBe(0);
  }
});

function oneLine(s: string): string {
  const lines = s.trimEnd().split("\n");
  expect(lines, s).toHaveLength(1);
  return lines[0]!;
}

describe("a TS app using k230:sys", () => {
  it("runs on the host and gives the expected output", () => {
    const r = runtime("host", [bundle("sys-demo"), "a", "b"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("sleep ok: true true");
    expect(r.stdout).toContain("exitpoint: 0 1");
    expect(r.stdout).toContain("memInfo: heapUsed,heapAllocated,heapLimit,objects,rss,native true true");
    expect(r.stdout).toContain("sleepMs(-1): RangeError");
    expect(r.stdout).toContain("order: micro after-await t0 t20");
    expect(r.stdout).toContain("interval ticks: 5");
    expect(r.stdout).toContain("format: x=42 { k: true }");
    expect(r.stdout).toContain("lone: 100%% %s\n");
    expect(r.stdout).toContain("args: a b");
  });

  it("gives identical output on riscv64 under qemu, from source and from host-made bytecode", () => {
    const host = runtime("host", [bundle("sys-demo"), "a", "b"]);
    const rvSource = runtime("riscv64", [bundle("sys-demo"), "a", "b"]);
    const rvBytecode = runtime("riscv64", [join(out, "sys-demo.bin"), "a", "b"]);
    const hostBytecode = runtime("host", [join(out, "sys-demo.bin"), "a", "b"]);
    for (const r of [rvSource, rvBytecode, hostBytecode]) {
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(host.stdout);
    }
  });
});

describe("interrupts", () => {
  it("SIGINT stops an infinite loop within 200 ms and the process exits cleanly", async () => {
    const p = startUntil([bundle("spin")], "spinning");
    await p.ready;
    const sent = performance.now();
    p.child.kill("SIGINT");
    const { code, at } = await p.exited;
    expect(code).toBe(130);
    expect(at - sent).toBeLessThan(200);
    expect(p.output().stderr).toContain("k230js: interrupted");
  });

  it("with exit points the interrupt is a catchable error, so cleanup runs", async () => {
    const p = startUntil([bundle("spin"), "coop"], "spinning");
    await p.ready;
    p.child.kill("SIGINT");
    const { code } = await p.exited;
    expect(code).toBe(130);
    expect(p.output().stdout).toContain("cleanup ran");
  });
});

describe("interrupts during a blocking call", () => {
  // The VM may run on the main thread, where SIGINT lands: a call it was blocked in is restarted,
  // not failed with EINTR, and the interrupt comes when JS runs again.
  it("SIGINT while a read waits on a FIFO: the read completes, then the interrupt", async () => {
    const fifo = join(tempDir("fifo"), "in");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const writer = openSync(fifo, constants.O_RDWR); // a FIFO opened read-write never blocks
    try {
      const app = `import { openFile } from "k230:media"; const f = openFile(${JSON.stringify(fifo)});
        console.log("up"); const b = f.read(4); console.log("read", b.byteLength); for (;;) {}`;
      const p = startUntil(["-e", app], "up");
      await p.ready;
      await new Promise((r) => setTimeout(r, 300)); // in read() by now
      p.child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 100));
      writeSync(writer, "abcd");
      const { code } = await p.exited;
      expect(p.output().stderr).toContain("k230js: interrupted");
      expect(code, p.output().stderr).toBe(130);
      expect(p.output().stdout).toContain("read 4");
    } finally {
      closeSync(writer);
    }
  });
});

describe("error reports", () => {
  it("a thrown error names the .ts file and line", () => {
    for (const file of [bundle("throws"), join(out, "throws.bin")]) {
      const r = runtime("host", [file]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("Uncaught RangeError: bad width 1920");
      expect(r.stderr).toMatch(/at checkSensor \(.*test\/apps\/throws\.ts:5:\d+\)/);
    }
  });

  it("a top-level throw is an uncaught exception; a forgotten rejection is named as one", () => {
    const top = runtime("host", ["-e", 'await 0; throw new TypeError("top level")']);
    expect(top.status).toBe(1);
    expect(top.stderr).toMatch(/^Uncaught TypeError: top level\n/);
    const lost = runtime("host", ["-e", 'Promise.reject(new RangeError("nobody waits"));']);
    expect(lost.status).toBe(1);
    expect(lost.stderr).toMatch(/^Uncaught \(in promise\) RangeError: nobody waits\n/);
  });

  it("a missing export names the line that imports it, in the .ts source when there is one", () => {
    const dir = tempDir("export");
    const js = join(dir, "app.js");
    writeFileSync(js, 'import { Sensor,\n  Nope } from "k230:media";\nconsole.log(Sensor, Nope);\n');
    const r = runtime("host", [js]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`SyntaxError: Could not find export 'Nope' in module 'k230:media'\n    at ${js}:2:3\n`);
    const ts = join(dir, "main.ts");
    writeFileSync(ts, '// an app\nconst n: number = 1;\nimport {\n  Sensor,\n  Nope,\n} from "k230:media";\nconsole.log(n, Sensor, Nope);\n');
    const t = cli(["run", ts, "--no-check"], dir);
    expect(t.status).toBe(1);
    expect(t.stderr).toContain(`Could not find export 'Nope' in module 'k230:media'\n    at ${ts}:5:3\n`);
  });

  it("without the source map the bundle position is reported", () => {
    const bare = join(tempDir("nomap"), "throws.js");
    copyFileSync(bundle("throws"), bare);
    const r = runtime("host", [bare]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/throws\.js:\d+:\d+/);
    expect(r.stderr).not.toContain("throws.ts");
  });
});

describe("bad input: one clear line and a non-zero exit, never a crash", () => {
  const dir = tempDir("bad");
  it("missing file", () => {
    const r = runtime("host", [join(dir, "nope.js")]);
    expect(r.status).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/cannot open '.*nope\.js': no such file/);
  });
  it("syntax error", () => {
    const f = join(dir, "syntax.js");
    writeFileSync(f, "const ok = 1;\nlet x = ;\n");
    const r = runtime("host", [f]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/syntax\.js:2:\d+: SyntaxError: /);
  });
  it("bytecode from another engine version", () => {
    const f = join(dir, "old.bin");
    const bc = readFileSync(join(out, "sys-demo.bin"));
    bc.write("0.16.2\0\0\0\0\0\0\0\0\0\0", 12, "latin1");
    writeFileSync(f, bc);
    for (const target of ["host", "riscv64"] as const) {
      const r = runtime(target, [f]);
      expect(r.status).toBe(3);
      expect(oneLine(r.stderr)).toContain("bytecode was compiled for QuickJS-ng 0.16.2 but this runtime has 0.17.0");
    }
  });
  // A FIFO opened, closed and opened again loses what its writer wrote when the writer finishes in
  // between (the second open then waits forever): the runtime must open the file once, map it if it
  // can, else read that same descriptor. The qemu -strace log shows the opens exactly.
  it("bytecode that cannot be mapped (a pipe) is read instead from a single open, and runs the same", () => {
    for (const target of ["host", "riscv64"] as const) {
      const fifo = join(dir, `app-${target}.fifo`);
      const log = join(dir, `fifo-${target}.strace`);
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      const writer = spawn("sh", ["-c", 'exec cat "$0" > "$1"', join(out, "sys-demo.bin"), fifo]);
      const r =
        target === "host"
          ? runtime("host", [fifo, "a", "b"])
          : spawnSync("qemu-riscv64", ["-strace", "-D", log, RISCV64_RUNTIME, fifo, "a", "b"], { encoding: "utf8", timeout: 60_000 });
      writer.kill();
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("args: a b");
      if (target === "riscv64") {
        const opens = readFileSync(log, "utf8").split("\n").filter((l) => /\bopenat\(/.test(l) && l.includes(`"${fifo}"`));
        expect(opens, opens.join("\n")).toHaveLength(1);
      }
    }
  });
  it("corrupt bytecode", () => {
    const f = join(dir, "corrupt.bin");
    const bc = readFileSync(join(out, "sys-demo.bin"));
    bc[bc.length - 10] ^= 0xff;
    writeFileSync(f, bc);
    const r = runtime("host", [f]);
    expect(r.status).toBe(3);
    expect(oneLine(r.stderr)).toContain("corrupt (checksum mismatch)");
  });
  it("unknown k230:x module", () => {
    const f = join(dir, "unknown.js");
    writeFileSync(f, 'import { x } from "k230:x";\nconsole.log(x);\n');
    const r = runtime("host", [f]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toContain("unknown module 'k230:x' (this runtime has: k230:sys");
  });
  it("binary garbage", () => {
    const f = join(dir, "garbage.js");
    writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    const r = runtime("host", [f]);
    expect(r.status).toBe(3);
    expect(oneLine(r.stderr)).toContain("neither JavaScript source nor k230js bytecode");
  });
  it("bad command line", () => {
    expect(runtime("host", ["--memory-limit", "lots", "x.js"]).status).toBe(2);
    expect(runtime("host", []).status).toBe(2);
    expect(runtime("host", ["--bogus"]).status).toBe(2);
  });
});

describe("timers at scale", () => {
  it("100 000 timeouts and 100 000 intervals are set, fired and cleared in well under a second of CPU", () => {
    // bench/timers runs the same script against Node. CPU time, not wall time: the machine is shared.
    const r = spawnSync("/usr/bin/time", ["-f", "CPU %U %S", HOST_RUNTIME, join(ROOT, "bench", "timers", "work.js")], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ timeouts: 50000, ticks: 200000, cleared: 150000 });
    const [, user, sys] = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr)!;
    expect(Number(user) + Number(sys)).toBeLessThan(1);
  });

  it("a cleared id stays cleared: a stale id never stops the timer that reuses its slot", () => {
    const r = runtime("host", [
      "-e",
      `const a = setTimeout(() => console.log("a fired"), 5); clearTimeout(a);
       const b = setTimeout(() => console.log("b fired"), 10);
       clearTimeout(a); clearTimeout("junk"); clearTimeout({}); clearTimeout(-1); clearTimeout(1e300);
       console.log(a !== b, typeof b);`,
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true number\nb fired\n");
  });
});

describe("out of memory anywhere: one line, status 1, never a signal", () => {
  const dir = tempDir("oom");
  const hog = "const a = []; for (;;) a.push(new Array(1000).fill(7));";
  const apps: Record<string, string> = {
    "the module body": hog,
    "a microtask loop": "const a = []; function f() { a.push(new Array(1000).fill(1)); Promise.resolve().then(f); } f();",
    "a timer": "const a = []; function f() { a.push(new Array(1000).fill(1)); setTimeout(f, 0); } f();",
    "code that catches the error and carries on": `try { ${hog} } catch (e) { console.log("caught"); } ${hog}`,
    "loading a module": 'import { big } from "./big.mjs"; console.log(big.length);',
    // The pipe's error listener runs from the loop when its target (a closed muxer) fails.
    "a media callback": `import { Encoder, MediaManager, Sensor } from "k230:media";
      import { Mp4Muxer } from "k230:mp4";
      const s = new Sensor({ fps: 30 }); s.setFramesize({ width: 320, height: 240 });
      const e = new Encoder({ codec: "h264", width: 320, height: 240 });
      MediaManager.link(s.bindInfo().src, e);
      const m = new Mp4Muxer(${JSON.stringify(join(dir, "cb.mp4"))}); m.addVideoTrack({ codec: "h264", width: 320, height: 240 });
      e.pipeTo(m).on("error", () => { ${hog} });
      e.start(); s.run(); try { m.close(); } catch {}`,
  };
  beforeAll(() => writeFileSync(join(dir, "big.mjs"), `export const big = [${Array.from({ length: 300000 }, (_, i) => i).join(",")}];\n`));
  for (const [where, code] of Object.entries(apps)) {
    it(where, () => {
      const f = join(dir, `${where.replace(/\W+/g, "-")}.mjs`);
      writeFileSync(f, code);
      const r = runtime("host", ["--memory-limit", "8m", f]);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe("k230js: out of memory (limit 8m)\n");
      expect(r.status).toBe(1);
      // The same under the sanitizers: the unwinding and the teardown leak nothing.
      if (!existsSync(ASAN_RUNTIME)) return;
      const a = spawnSync(ASAN_RUNTIME, ["--memory-limit", "8m", f], { encoding: "utf8", timeout: 60_000, env: ASAN_ENV });
      expect(a.stderr).toBe("k230js: out of memory (limit 8m)\n");
      expect(a.status).toBe(1);
    });
  }
});

describe("--stack-size", () => {
  const depth = (size: string) =>
    runtime("host", ["--stack-size", size, "-e", "let d = 0; function r() { d++; r(); } try { r(); } catch (e) { console.log(e.name, d); }"]);
  it("is honoured: the VM's stack is sized to it, and recursion past it is a RangeError, not a signal", () => {
    const small = depth("1m");
    const big = depth("64m");
    const biggest = depth("256m");
    for (const r of [small, big, biggest]) {
      expect(r.signal).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^RangeError \d+\n$/);
    }
    const d = (r: { stdout: string }) => Number(r.stdout.split(" ")[1]);
    expect(d(big)).toBeGreaterThan(40 * d(small));
    expect(d(biggest)).toBeGreaterThan(3 * d(big));
  });
  // One thread where the main thread's stack limit holds the JS stack and its margin (every system
  // call is cheaper in a process of one thread); a thread of its own where it does not.
  const threads = async (stackLimit: string | null, args: string[]) => {
    const app = ["-e", 'console.log("up"); setTimeout(() => {}, 5000);'];
    const p = stackLimit
      ? startUntil([`--stack=${stackLimit}`, HOST_RUNTIME, ...args, ...app], "up", "prlimit")
      : startUntil([...args, ...app], "up");
    await p.ready;
    const status = readFileSync(`/proc/${p.child.pid}/status`, "utf8");
    p.child.kill("SIGINT");
    expect((await p.exited).code).toBe(130);
    return Number(/^Threads:\s+(\d+)$/m.exec(status)![1]);
  };
  it("runs the VM on the main thread when the stack limit holds it, else on a thread of its own", async () => {
    expect(await threads(null, [])).toBe(1); // 8 MiB by default: 1 MiB of JS stack + 1 MiB margin fit
    expect(await threads(null, ["--stack-size", "64m"])).toBe(2);
    expect(await threads("2097152", [])).toBe(2); // 2 MiB: the margin and what main() uses do not fit
    expect(await threads("unlimited", ["--stack-size", "64m"])).toBe(1);
  });
  it("bounds recursion on a thread of its own as on the main thread", () => {
    const r = spawnSync("prlimit", ["--stack=2097152", HOST_RUNTIME, "--stack-size", "1m", "-e",
      "let d = 0; function r() { d++; r(); } try { r(); } catch (e) { console.log(e.name, d); }"], { encoding: "utf8" });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^RangeError \d+\n$/);
  });
  it("above the maximum is refused with one line", () => {
    const r = runtime("host", ["--stack-size", "1g", "-e", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("k230js: --stack-size: '1g' is above the maximum, 256m\n");
  });
});

describe("runtime options", () => {
  it("--sdcard maps /sdcard paths for module loading", () => {
    const sd = tempDir("sdcard");
    mkdirSync(join(sd, "lib"));
    writeFileSync(join(sd, "lib", "answer.js"), "export const answer = 42;\n");
    const r = runtime("host", ["--sdcard", sd, "-e", 'const m = await import("/sdcard/lib/answer.js"); console.log(m.answer);']);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("42");
  });
  it("--help documents the exit codes", () => {
    const r = runtime("host", ["--help"]);
    expect(r.status).toBe(0);
    for (const code of ["0 ", "1 ", "2 ", "3 ", "130"]) expect(r.stdout).toContain(`  ${code}`);
  });
  it("exit(n) from k230:sys becomes the process status", () => {
    const r = runtime("host", ["-e", 'import { exit } from "k230:sys"; console.log("bye"); exit(7); console.log("never");']);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe("bye\n");
  });
});

describe("timers", () => {
  it("setInterval ticks on its clock, not after each callback: none lost before a timeout of the same length", () => {
    const r = cli(["run", join(ROOT, "test", "apps", "interval-drift.ts")]);
    expect(r.stderr).toBe("");
    const at: number[] = JSON.parse(r.stdout.trim());
    expect(at, "ticks at 200, 400 .. 2000 ms").toHaveLength(10);
    // On the clock: tick k within a few ms of k * 200 unless the machine stalled the loop.
    at.forEach((t, k) => expect(t).toBeGreaterThanOrEqual((k + 1) * 200 - 2));
  });
});
