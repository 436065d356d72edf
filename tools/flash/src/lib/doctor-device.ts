/**
 * Where `k230js doctor` runs its self-test: the host runtime started as a process (no --port; the
 * simulator, or another host build named by K230JS_BUILD_DIR such as the board's HAL on the MPP
 * double), or a board (or the simulator over its pty) through the raw protocol's exec, as
 * `run --port` does. Both give the app's stdout line by line and its stderr as it comes, can
 * interrupt it, and can look at /sdcard.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "./errors.js";
import { runtimePath } from "./paths.js";
import type { RawClient } from "./rawproto.js";
import { runBundle } from "./run-remote.js";

/** One run of the self-test app. */
export interface AppRun {
  /** Resolves with the app's exit status; rejects when the device is lost. */
  done: Promise<number>;
  /** Ctrl-C: the app stops at its next exit point (a second one stops it anywhere). */
  interrupt(): Promise<void>;
  /** Ends a run that does not answer interrupts: kills the process or drops the link. */
  abandon(): Promise<void>;
}

export interface DoctorDevice {
  /** For the report: "host runtime (build/host/k230js, /sdcard = DIR)", or the board's HELLO. */
  readonly description: string;
  /** Starts the bundle with `arg` as scriptArgs[1]; every stdout line goes to onLine, stderr to onErr. */
  start(bundle: string, arg: string, onLine: (line: string) => void, onErr: (text: string) => void): Promise<AppRun>;
  /** Whether a /sdcard path exists on the device, and removing it. */
  exists(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
  /** The last lines the app wrote to stderr (for a run that ended unexpectedly). */
  stderrTail(): string;
  close(): Promise<void>;
}

/** Splits a byte stream into lines. */
function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = "";
  return (chunk) => {
    rest += chunk.toString("utf8");
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, nl).replace(/\r$/, ""));
      rest = rest.slice(nl + 1);
    }
  };
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ");
}

/** The host runtime: `build/host/k230js --sdcard DIR bundle.js ARG`, one process per run. */
export class HostDevice implements DoctorDevice {
  private err = "";
  private readonly sdcard: string;

  constructor(sdcard: string) {
    this.sdcard = resolve(sdcard);
    mkdirSync(this.sdcard, { recursive: true });
    if (!existsSync(runtimePath("host"))) throw new CliError(`doctor: the simulator ${runtimePath("host")} is not built (run 'npm run setup')`);
  }

  get description(): string {
    return `host runtime (${runtimePath("host")}, /sdcard = ${this.sdcard})`;
  }

  async start(bundle: string, arg: string, onLine: (line: string) => void, onErr: (text: string) => void): Promise<AppRun> {
    this.err = "";
    const child = spawn(runtimePath("host"), ["--sdcard", this.sdcard, bundle, arg], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", lineSplitter(onLine));
    child.stderr.on("data", (d: Buffer) => {
      this.err += d.toString("utf8");
      onErr(d.toString("utf8"));
    });
    const done = new Promise<number>((res, rej) => {
      child.on("error", (e) => rej(new CliError(`doctor: cannot start ${runtimePath("host")}: ${e.message}`)));
      child.on("close", (code, signal) => res(code ?? (signal === "SIGINT" ? 130 : 137)));
    });
    return {
      done,
      interrupt: async () => void child.kill("SIGINT"),
      abandon: async () => void child.kill("SIGKILL"),
    };
  }

  private local(path: string): string {
    if (!path.startsWith("/sdcard/")) throw new Error(`not an /sdcard path: ${path}`);
    return join(this.sdcard, path.slice("/sdcard/".length));
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(this.local(path));
  }

  async remove(path: string): Promise<void> {
    rmSync(this.local(path), { force: true });
  }

  stderrTail(): string {
    return tail(this.err);
  }

  async close(): Promise<void> {}
}

/** A board, or the simulator over its pty: soft reset, then the bundle by raw paste (exec). */
export class BoardDevice implements DoctorDevice {
  private err = "";
  private lost = false;

  constructor(private readonly c: RawClient) {}

  get description(): string {
    return `${this.c.transport.name} (${this.c.hello?.info ?? "no HELLO"})`;
  }

  async start(bundle: string, arg: string, onLine: (line: string) => void, onErr: (text: string) => void): Promise<AppRun> {
    this.err = "";
    let giveUp: (e: Error) => void = () => {};
    const abandoned = new Promise<number>((_, rej) => (giveUp = rej));
    // A soft reset first (a clean VM: whatever an earlier run left is released), then the bundle;
    // Ctrl-C is the runner's to send.
    const exec = runBundle(this.c, bundle, [arg], {
      out: lineSplitter(onLine),
      err: (s) => {
        this.err += s;
        onErr(s);
      },
      sigint: false,
    });
    exec.catch(() => {}); // after abandon() nobody waits for it
    return {
      done: Promise.race([exec, abandoned]),
      interrupt: () => this.c.interrupt(),
      abandon: async () => {
        this.lost = true;
        giveUp(new Error("it does not answer Ctrl-C; reset it"));
        await this.c.transport.close();
      },
    };
  }

  async exists(path: string): Promise<boolean> {
    return (await this.c.stat(path)) !== null;
  }

  async remove(path: string): Promise<void> {
    await this.c.remove(path);
  }

  stderrTail(): string {
    return tail(this.err);
  }

  async close(): Promise<void> {
    if (this.lost) return;
    // Leave the board as a fresh boot would: nothing of the self-test's VM stays.
    await this.c.softReset();
  }
}
