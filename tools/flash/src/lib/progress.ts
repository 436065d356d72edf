/** A one-line progress bar on stderr (only when stderr is a terminal, so logs stay clean). */
export class Progress {
  private readonly start = Date.now();
  private last = 0;
  private readonly tty = Boolean(process.stderr.isTTY) || process.env.K230JS_PROGRESS === "1";

  constructor(
    private readonly label: string,
    private total: number,
  ) {}

  update(done: number, total = this.total): void {
    this.total = total;
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    process.stderr.write(`\r${this.line(done)}\x1b[K`);
  }

  line(done: number): string {
    const secs = Math.max((Date.now() - this.start) / 1000, 0.001);
    const rate = done / secs;
    const frac = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const width = 24;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = rate > 0 && this.total > done ? `ETA ${Math.ceil((this.total - done) / rate)}s` : "";
    return `${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(done)}/${mb(this.total)} ${mb(rate)}/s ${eta}`.trimEnd();
  }

  done(done = this.total): void {
    if (this.tty) process.stderr.write(`\r${this.line(done)}\x1b[K\n`);
  }
}

export function mb(n: number): string {
  return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 2)} MB`;
}
