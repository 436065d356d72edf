import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * A one-line progress bar on stderr, only when stderr is a terminal (logs stay clean;
 * K230JS_PROGRESS=1 forces it). Redrawn at most every 100 ms however often it is updated, and
 * ended by done() with one final line; the command prints its own summary on stdout.
 */
export interface ProgressIo {
  tty?: boolean;
  now?: () => number;
  write?: (s: string) => void;
}

const INTERVAL_MS = 100;

export class Progress {
  private readonly now: () => number;
  private readonly write: (s: string) => void;
  private readonly tty: boolean;
  private readonly start: number;
  private last = -Infinity;
  /** Lines drawn so far (tests count them). */
  draws = 0;

  constructor(
    private readonly label: string,
    private total: number,
    io: ProgressIo = {},
  ) {
    this.now = io.now ?? Date.now;
    this.write = io.write ?? ((s) => void process.stderr.write(s));
    this.tty = io.tty ?? (Boolean(process.stderr.isTTY) || process.env.K230JS_PROGRESS === "1");
    this.start = this.now();
  }

  /** `done` counts bytes of the result (written, not read); a total that turns out low grows. */
  update(done: number, total = this.total): void {
    this.total = Math.max(total, done);
    if (!this.tty) return;
    const now = this.now();
    if (now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.draws++;
    this.write(`\r${this.line(done)}\x1b[K`);
  }

  line(done: number): string {
    const secs = Math.max((this.now() - this.start) / 1000, 0.001);
    const rate = done / secs;
    const frac = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const width = 24;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = rate > 0 && this.total > done ? `ETA ${Math.ceil((this.total - done) / rate)}s` : "";
    // 100% only when everything is there: rounding must not claim it early.
    const pct = done >= this.total ? "100" : Math.min(Math.floor(frac * 100), 99).toString();
    return `${this.label} [${bar}] ${pct.padStart(3)}% ${mb(done)}/${mb(this.total)} ${mb(rate)}/s ${eta}`.trimEnd();
  }

  done(done = this.total): void {
    this.total = Math.max(this.total, done);
    if (!this.tty) return;
    this.draws++;
    this.write(`\r${this.line(done)}\x1b[K\n`);
  }
}

export function mb(n: number): string {
  return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 2)} MB`;
}

/**
 * The size of what a .gz file holds, from its trailer (ISIZE: the size mod 2^32, RFC 1952 §2.3.1),
 * raised by 4 GiB steps to at least the compressed size, as disk images never shrink when unpacked.
 */
export function gzipSize(path: string): number {
  const size = statSync(path).size;
  if (size < 18) return size;
  const b = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    if (readSync(fd, b, 0, 4, size - 4) !== 4) return size;
  } finally {
    closeSync(fd);
  }
  let n = b.readUInt32LE(0);
  while (n < size) n += 2 ** 32;
  return n;
}
