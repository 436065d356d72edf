import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "./errors.js";
import { runtimePath } from "./paths.js";
import type { Transport } from "./transport.js";
import { openSerial } from "./transport-serial.js";

export interface SimOptions {
  /** Directory the simulated board sees as /sdcard. */
  sdcard: string;
  data?: string;
  boot?: boolean;
  extraArgs?: string[];
}

/**
 * The host simulator as a board: spawns `k230js --uart pty` and talks to it through its pty with
 * the serial transport, so every command exercises the same code as with a real board.
 */
export class SimTransport implements Transport {
  private constructor(
    private readonly child: ChildProcess,
    private readonly serial: Transport,
    readonly ptyPath: string,
  ) {}

  get name(): string {
    return `simulator on ${this.ptyPath}`;
  }

  static async start(opts: SimOptions): Promise<SimTransport> {
    const bin = runtimePath("host");
    if (!existsSync(bin)) throw new CliError(`the simulator ${bin} is not built (run 'npm run setup')`);
    const sdcard = resolve(opts.sdcard);
    mkdirSync(sdcard, { recursive: true });
    const args = ["--uart", "pty", "--sdcard", sdcard];
    if (opts.data) {
      mkdirSync(resolve(opts.data), { recursive: true });
      args.push("--data", resolve(opts.data));
    }
    if (opts.boot) args.push("--boot");
    args.push(...(opts.extraArgs ?? []));
    const child = spawn(bin, args, { stdio: ["ignore", "inherit", "pipe"] });
    const path = await new Promise<string>((res, rej) => {
      let err = "";
      const onData = (d: Buffer) => {
        err += d.toString();
        const m = /k230js: uart on (\S+)/.exec(err);
        if (m) {
          child.stderr!.off("data", onData);
          child.stderr!.on("data", (x: Buffer) => process.stderr.write(x));
          res(m[1]!);
        }
      };
      child.stderr!.on("data", onData);
      child.on("error", (e) => rej(new CliError(`cannot start the simulator: ${e.message}`)));
      child.on("exit", (code) => rej(new CliError(`the simulator exited (status ${code}) before opening its uart: ${err.trim()}`)));
    });
    const serial = await openSerial(path, 115200, `simulator on ${path}`);
    return new SimTransport(child, serial, path);
  }

  write(data: Uint8Array | string): Promise<void> {
    return this.serial.write(data);
  }
  onData(cb: (chunk: Buffer) => void): void {
    this.serial.onData(cb);
  }
  onClose(cb: (why: string) => void): void {
    this.serial.onClose(cb);
    this.child.on("exit", (code) => cb(`the simulator exited (status ${code})`));
  }
  async close(): Promise<void> {
    await this.serial.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await gone;
    }
  }
}
