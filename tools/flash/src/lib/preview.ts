/**
 * The display's live preview on the console link, host side (docs/protocol.md "Display
 * preview"): asks the board for JPEG pictures of its screen ('v' start/stop), puts the 'V'
 * frames of each picture back together, acknowledges every picture (the board sends the next
 * one only then, so pictures never queue on the link) and keeps the numbers the page shows.
 */
import type { Frame } from "./frames.js";
import type { RawClient } from "./rawproto.js";

export interface PreviewOptions {
  /** Pictures per second asked for (1..60). */
  fps: number;
  /** The link's bytes/s when known (a UART's baud / 10), else 0: the board then keeps the
   * pictures under 3/4 of it by lowering the JPEG quality. */
  rate: number;
  /** JPEG quality 10..95, 0 for the board's default. */
  quality: number;
}

export interface Picture {
  jpeg: Buffer;
  seq: number;
  width: number;
  height: number;
  at: number;
}

/** The board's account of the preview ('Y'). */
export interface BoardState {
  state: "stopped" | "waiting" | "running" | "failed";
  why: string;
  quality: number;
  fps: number;
  frames: number;
  dropped: number;
  width: number;
  height: number;
}

export interface PreviewStats {
  /** Pictures completed per second over the last few seconds. */
  fps: number;
  /** Bytes per second the link carried from the board (everything), and the preview's share. */
  linkBytesPerS: number;
  previewBytesPerS: number;
  /** The link's rate when known, for the usage in percent. */
  rate: number;
  pictures: number;
  /** Pictures that arrived incomplete (a frame lost on the link). */
  broken: number;
  board: BoardState | null;
}

const STATES = ["stopped", "waiting", "running", "failed"] as const;
const WINDOW_MS = 3000;

export class Preview {
  latest: Picture | null = null;
  board: BoardState | null = null;
  private current: { seq: number; total: number; got: number; buf: Buffer; width: number; height: number } | null = null;
  private samples: { at: number; rx: number; bytes: number; pictures: number }[] = [];
  private previewBytes = 0;
  private pictures = 0;
  private broken = 0;
  private waiters: (() => void)[] = [];
  private listeners: ((p: Picture) => void)[] = [];
  private sampler: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RawClient,
    readonly opts: PreviewOptions,
  ) {}

  /** Asks the board for pictures and resolves with its first account of the preview. */
  async start(): Promise<BoardState> {
    this.client.onService("V", (f) => this.takeFrame(f));
    this.client.onService("Y", (f) => this.onState(f));
    this.sampler ??= setInterval(() => this.sample(), 500).unref();
    this.sample();
    const body = Buffer.alloc(8);
    body[0] = "s".charCodeAt(0);
    body.writeUInt16LE(this.opts.fps, 1);
    body.writeUInt32LE(this.opts.rate, 3);
    body[7] = this.opts.quality;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.board = null;
      await this.client.sendLive("v", body);
      const st = await this.waitState(2000);
      if (st) return st;
    }
    throw new Error(`preview: no answer from the board on ${this.client.transport.name}`);
  }

  /** Stops the board's encoding (it answers 'Y' stopped). */
  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    await this.client.sendLive("v", Buffer.from("x")).catch(() => {});
    this.client.onService("V", null);
    this.client.onService("Y", null);
  }

  /** Calls `fn` with every complete picture. */
  onPicture(fn: (p: Picture) => void): void {
    this.listeners.push(fn);
  }

  private takeFrame(x: Frame): void {
    const p = x.payload;
    if (p.length < 16) return;
    const seq = p.readUInt32LE(0);
    const off = p.readUInt32LE(4);
    const total = p.readUInt32LE(8);
    const data = p.subarray(16);
    this.previewBytes += x.payload.length + 9;
    if (!this.current || this.current.seq !== seq) {
      if (this.current) this.broken++; // the previous one never completed
      this.current = { seq, total, got: 0, buf: Buffer.alloc(total), width: p.readUInt16LE(12), height: p.readUInt16LE(14) };
    }
    const c = this.current;
    if (off === c.got && off + data.length <= total) {
      data.copy(c.buf, off);
      c.got += data.length;
    }
    if (off + data.length < total) return;
    // The picture's last frame: the board may send the next one, complete or not.
    const ack = Buffer.alloc(5);
    ack[0] = "a".charCodeAt(0);
    ack.writeUInt32LE(seq, 1);
    void this.client.sendLive("v", ack).catch(() => {});
    this.current = null;
    if (c.got !== total) {
      this.broken++;
      return;
    }
    const pic = { jpeg: c.buf, seq, width: c.width, height: c.height, at: Date.now() };
    this.latest = pic;
    this.pictures++;
    for (const fn of this.listeners) fn(pic);
  }

  private onState(f: Frame): void {
    const p = f.payload;
    if (p.length < 16) return;
    this.board = {
      state: STATES[p[0]!] ?? "failed",
      quality: p[1]!,
      fps: p.readUInt16LE(2),
      frames: p.readUInt32LE(4),
      dropped: p.readUInt32LE(8),
      width: p.readUInt16LE(12),
      height: p.readUInt16LE(14),
      why: p.subarray(16).toString("utf8"),
    };
    const w = this.waiters;
    this.waiters = [];
    w.forEach((fn) => fn());
  }

  private waitState(ms: number): Promise<BoardState | null> {
    if (this.board) return Promise.resolve(this.board);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.board), ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(this.board);
      });
    });
  }

  private sample(now = Date.now()): void {
    this.samples.push({ at: now, rx: this.client.rxBytes, bytes: this.previewBytes, pictures: this.pictures });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
  }

  /** The numbers over the last few seconds. */
  stats(now = Date.now()): PreviewStats {
    this.sample(now);
    const a = this.samples[0]!;
    const dt = (now - a.at) / 1000;
    const per = (x: number) => (dt > 0 ? x / dt : 0);
    return {
      fps: per(this.pictures - a.pictures),
      linkBytesPerS: per(this.client.rxBytes - a.rx),
      previewBytesPerS: per(this.previewBytes - a.bytes),
      rate: this.opts.rate,
      pictures: this.pictures,
      broken: this.broken,
      board: this.board,
    };
  }
}

function size(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} MB/s` : `${(bps / 1e3).toFixed(1)} kB/s`;
}

/** One line for the page and the terminal: "10.0 fps · link 412.3 kB/s of 2.00 MB/s (21%) ...". */
export function describe(s: PreviewStats): string {
  const parts = [`${s.fps.toFixed(1)} fps`];
  parts.push(`link ${size(s.linkBytesPerS)}${s.rate ? ` of ${size(s.rate)} (${Math.round((100 * s.linkBytesPerS) / s.rate)}%)` : ""}, preview ${size(s.previewBytesPerS)}`);
  const b = s.board;
  if (b) {
    if (b.state === "running") parts.push(`${b.width}x${b.height} JPEG quality ${b.quality}, ${b.dropped} skipped on the board`);
    else parts.push(`board: ${b.state}${b.why ? ` (${b.why})` : ""}`);
  }
  if (s.broken) parts.push(`${s.broken} lost on the link`);
  return parts.join(" · ");
}
