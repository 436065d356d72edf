/**
 * A byte link to a board's console: a serial port (USB CDC or UART adapter) or the simulator's
 * pty. The raw protocol and the terminal only see this interface.
 */
export interface Transport {
  /** Human-readable name ("/dev/ttyACM0", "simulator on /dev/pts/5"). */
  readonly name: string;
  write(data: Uint8Array | string): Promise<void>;
  /** Registers the receiver of incoming bytes (one receiver at a time). */
  onData(cb: (chunk: Buffer) => void): void;
  /** Called once when the link goes away on its own (cable pulled, simulator exited). */
  onClose(cb: (why: string) => void): void;
  close(): Promise<void>;
}
