import { constants, existsSync, openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";
import { SerialPort } from "serialport";
import { CliError, EXIT_USAGE } from "./errors.js";
import { lockPort } from "./port-lock.js";
import type { Transport } from "./transport.js";

/** A serial port through the `serialport` package (it opens ptys as well as tty devices). */
export class SerialTransport implements Transport {
  private dataCb: (b: Buffer) => void = () => {};
  private closeCb: (why: string) => void = () => {};
  private closing = false;

  private constructor(
    private readonly port: SerialPort,
    readonly name: string,
    private readonly unlock: () => void,
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
    const unlock = lockPort(path);
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p: SerialPort = new SerialPort({ path, baudRate, hupcl: false }, (err) => (err ? reject(err) : resolve(p)));
    }).catch((e: Error) => {
      unlock();
      throw new CliError(`cannot open ${path}: ${e.message}`);
    });
    return new SerialTransport(port, name, unlock);
  }

  write(data: Uint8Array | string): Promise<void> {
    // Resolves when the bytes are handed to the OS. No drain(): tcdrain() would hold a libuv
    // pool thread until the far end has read everything, and a few of them starve the reads
    // that the far end is waiting for.
    return new Promise((resolve, reject) => {
      this.port.write(typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data), (err) => {
        if (err) reject(new CliError(`${this.name}: write failed: ${err.message}`));
        else resolve();
      });
    });
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.dataCb = cb;
  }

  onClose(cb: (why: string) => void): void {
    this.closeCb = cb;
  }

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    if (!this.port.isOpen) {
      this.unlock();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.port.close(() => {
        this.unlock();
        resolve();
      }),
    );
  }
}

/**
 * A pty (the simulator's UART) through libuv's own tty handle: event-loop I/O without the
 * serialport binding's thread-pool reads and writes, which stall on ptys under heavy two-way
 * traffic. Baud rate has no meaning on a pty.
 */
export class PtyTransport implements Transport {
  private dataCb: (b: Buffer) => void = () => {};
  private closeCb: (why: string) => void = () => {};
  private closing = false;

  private constructor(
    private readonly fd: number,
    private readonly input: ReadStream,
    private readonly output: WriteStream,
    readonly name: string,
    private readonly unlock: () => void,
  ) {
    input.on("data", (b: Buffer) => this.dataCb(b));
    const gone = (why: string) => {
      if (!this.closing) this.closeCb(why);
    };
    input.on("error", (e: Error) => gone(`${name}: ${e.message}`));
    input.on("end", () => gone(`${name} closed`));
    // A write to a pty whose far end is gone fails with EIO: the write's promise reports it, and
    // the stream's own error event must not become an uncaught exception.
    output.on("error", (e: Error) => gone(`${name}: ${e.message}`));
  }

  static open(path: string, name = path): PtyTransport {
    if (!existsSync(path)) throw new CliError(`pty ${path} not found`, EXIT_USAGE);
    const unlock = lockPort(path);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    } catch (e) {
      unlock();
      throw new CliError(`cannot open ${path}: ${(e as Error).message}`);
    }
    const input = new ReadStream(fd);
    input.setRawMode(true);
    const output = new WriteStream(fd);
    return new PtyTransport(fd, input, output, name, unlock);
  }

  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.output.write(typeof data === "string" ? Buffer.from(data, "latin1") : data, (err) =>
        err ? reject(new CliError(`${this.name}: write failed: ${err.message}`)) : resolve(),
      ),
    );
  }
  onData(cb: (chunk: Buffer) => void): void {
    this.dataCb = cb;
  }
  onClose(cb: (why: string) => void): void {
    this.closeCb = cb;
  }
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.input.destroy();
    this.output.destroy();
    void this.fd;
    this.unlock();
  }
}

/** Opens a serial device, or a pty (/dev/pts/N) the cheap way. */
export async function openSerial(path: string, baudRate = 115200, name = path): Promise<Transport> {
  if (path.startsWith("/dev/pts/")) return PtyTransport.open(path, name);
  return SerialTransport.open(path, baudRate, name);
}
