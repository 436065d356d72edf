// A runtime serving its console on a pty (`k230js --uart pty`), driven from a test through the
// pty's far end as a terminal program would.
import { spawn, type ChildProcess } from "node:child_process";
import { SerialPort } from "serialport";
import { HOST_RUNTIME, ROOT } from "./run.js";

export interface PtyRuntime {
  child: ChildProcess;
  path: string;
  port: SerialPort;
  /** Everything received since the last clear(). */
  text(): string;
  clear(): void;
  write(s: string | Buffer): Promise<void>;
  /** Resolves with the text once it matches; rejects after timeoutMs. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startPty(args: string[], env: Record<string, string> = {}): Promise<PtyRuntime> {
  const child = spawn(HOST_RUNTIME, ["--uart", "pty", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let err = "";
  const path = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no pty announced: ${err}`)), 10_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /k230js: uart on (\S+)/.exec(err);
      if (m) {
        clearTimeout(t);
        res(m[1]!);
      }
    });
    child.on("exit", (code) => rej(new Error(`runtime exited ${code}: ${err}`)));
  });
  child.on("exit", () => {});
  const port = await new Promise<SerialPort>((res, rej) => {
    const p: SerialPort = new SerialPort({ path, baudRate: 115200, hupcl: false }, (e) => (e ? rej(e) : res(p)));
  });
  let buf = "";
  let waiters: (() => void)[] = [];
  port.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  });
  const matches = (p: string | RegExp) => (typeof p === "string" ? buf.includes(p) : p.test(buf));
  return {
    child,
    path,
    port,
    text: () => buf,
    clear: () => (buf = ""),
    write: (s) =>
      new Promise((res, rej) => {
        port.write(typeof s === "string" ? Buffer.from(s, "latin1") : s, (e) => (e ? rej(e) : res()));
      }),
    waitFor: (p, timeoutMs = 5000) =>
      new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timed out waiting for ${p}; got ${JSON.stringify(buf)}`)), timeoutMs);
        const check = () => {
          if (matches(p)) {
            clearTimeout(t);
            res(buf);
          } else waiters.push(check);
        };
        check();
      }),
    stderr: () => err,
    close: async () => {
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
    },
  };
}
