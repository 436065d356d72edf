import { existsSync } from "node:fs";
import { SerialPort } from "serialport";
import { CliError, EXIT_USAGE } from "./errors.js";
import type { Transport } from "./transport.js";

/** A serial port through the `serialport` package (it opens ptys as well as tty devices). */
export class SerialTransport implements Transport {
  private dataCb: (b: Buffer) => void = () => {};
  private closeCb: (why: string) => void = () => {};
  private closing = false;

  private constructor(
    private readonly port: SerialPort,
    readonly name: string,
  ) {
    port.on("data", (b: Buffer) => this.dataCb(b));
    port.on("close", () => {
      if (!this.closing) this.closeCb(`${name} closed`);
    });
    port.on("error", (e: Error) => {
      if (!this.closing) this.closeCb(`${name}: ${e.message}`);
    });
  }

  static async open(path: string, baudRate = 115200, name = path): Promise<SerialTransport> {
    if (!existsSync(path)) throw new CliError(`serial port ${path} not found (see 'k230js devices')`, EXIT_USAGE);
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p: SerialPort = new SerialPort({ path, baudRate, hupcl: false }, (err) => (err ? reject(err) : resolve(p)));
    }).catch((e: Error) => {
      throw new CliError(`cannot open ${path}: ${e.message}`);
    });
    return new SerialTransport(port, name);
  }

  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data), (err) => {
        if (err) reject(new CliError(`${this.name}: write failed: ${err.message}`));
      });
      this.port.drain((err) => (err ? reject(new CliError(`${this.name}: ${err.message}`)) : resolve()));
    });
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.dataCb = cb;
  }

  onClose(cb: (why: string) => void): void {
    this.closeCb = cb;
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
