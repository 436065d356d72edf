// A runtime serving its console on a pty (`k230js --uart pty`), driven from a test through the
// pty's far end as a terminal program would. The far end is opened as a raw tty through libuv's
// own tty handle (like tools/flash's PtyTransport): the serialport binding reads and writes
// through the thread pool, which delays and reorders pty traffic under load and made these
// tests flaky on a busy 2-core machine.
import { spawn, type ChildProcess } from "node:child_process";
import { constants, openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";
import { HOST_RUNTIME, ROOT } from "./run.js";

export interface PtyRuntime {
  child: ChildProcess;
  path: string;
  /** Closes our end of the pty (a terminal program quitting); the runtime keeps running. */
  disconnect(): Promise<void>;
  /** Everything received since the last clear(). */
  text(): string;
  clear(): void;
  write(s: string | Buffer): Promise<void>;
  /** Resolves with the text once it matches; rejects after timeoutMs. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  stderr(): string;
  close(): Promise<void>;
}

/** The pty a runtime started with `--uart pty` announces on its stderr. */
export function ptyAnnounced(child: ChildProcess, timeoutMs = 10_000): Promise<string> {
  let err = "";
  return new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no pty announced: ${err}`)), timeoutMs);
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
}

/** `wrap`: a command line the runtime runs under (e.g. strace with fault injection). */
export async function startPty(args: string[], env: Record<string, string> = {}, wrap: string[] = []): Promise<PtyRuntime> {
  const argv = [HOST_RUNTIME, "--uart", "pty", ...args];
  const child = spawn(wrap[0] ?? argv[0]!, [...wrap.slice(1), ...(wrap.length ? argv : argv.slice(1))], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const path = await ptyAnnounced(child);
  child.on("exit", () => {});
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  const input = new ReadStream(fd);
  input.setRawMode(true);
  const output = new WriteStream(fd);
  let open = true;
  let buf = "";
  let waiters: (() => void)[] = [];
  input.on("error", () => {});
  input.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  });
  const matches = (p: string | RegExp) => (typeof p === "string" ? buf.includes(p) : p.test(buf));
  const disconnect = async () => {
    if (!open) return;
    open = false;
    input.destroy();
    output.destroy();
  };
  return {
    child,
    path,
    disconnect,
    text: () => buf,
    clear: () => (buf = ""),
    write: (s) =>
      new Promise((res, rej) => {
        output.write(typeof s === "string" ? Buffer.from(s, "latin1") : s, (e) => (e ? rej(e) : res()));
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
      await disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
    },
  };
}
