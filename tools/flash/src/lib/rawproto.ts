/**
 * The host side of the raw protocol (docs/protocol.md): frames with a header check and CRC-32,
 * windowed DATA with go-back-N on NAK, exec with framed stdout/stderr and exit status, and the
 * file operations. Every wait is for a reply; timeouts only detect a dead or confused link.
 */
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { CliError } from "./errors.js";
import type { Transport } from "./transport.js";

export const SOF = 0xa5;
const HDR = 5;
const CHUNK = 16384;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

// Node >= 20.15 has zlib's native CRC-32: no JIT warm-up on the first (cold) transfer of a
// short-lived CLI process, where the table loop costs tens of milliseconds.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (nativeCrc32) return nativeCrc32(buf.subarray(start, end)) >>> 0;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function encodeFrame(type: string, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const len = payload.length;
  if (len > 0xffff) throw new Error(`frame payload too large (${len})`);
  const f = Buffer.alloc(HDR + len + 4);
  f[0] = SOF;
  f[1] = type.charCodeAt(0);
  f[2] = len & 0xff;
  f[3] = len >> 8;
  f[4] = ((f[1]! + f[2]! + f[3]!) & 0xff) ^ 0x5a;
  f.set(payload, HDR);
  f.writeUInt32LE(crc32(f, 1, HDR + len), HDR + len);
  return f;
}

export interface Frame {
  type: string;
  payload: Buffer;
  /** false: the CRC did not match (type and payload are not to be trusted). */
  ok: boolean;
}

/** Finds frames in a byte stream; bytes between frames (REPL text) are skipped. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    let i = 0;
    for (;;) {
      while (i < this.buf.length && this.buf[i] !== SOF) i++;
      if (this.buf.length - i < HDR) break;
      const b = this.buf;
      const len = b[i + 2]! | (b[i + 3]! << 8);
      if (b[i + 4] !== (((b[i + 1]! + b[i + 2]! + b[i + 3]!) & 0xff) ^ 0x5a)) {
        i++;
        continue;
      }
      if (b.length - i < HDR + len + 4) break;
      const ok = crc32(b, i + 1, i + HDR + len) === b.readUInt32LE(i + HDR + len);
      out.push({ type: String.fromCharCode(b[i + 1]!), payload: Buffer.from(b.subarray(i + HDR, i + HDR + len)), ok });
      i += HDR + len + 4;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }
}

/** An error reply from the device: `code` is a negative errno. */
export class RemoteError extends CliError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Hello {
  version: number;
  maxPayload: number;
  window: number;
  info: string;
}

export interface RemoteStat {
  type: "file" | "dir" | "other";
  size: number;
  mtime: number;
}

export interface RemoteEntry extends RemoteStat {
  name: string;
}

export interface Faults {
  /** Flip a byte in the Nth DATA frame sent (1-based), once: tests the resend path. */
  corruptWrite?: number;
  /** Treat the Nth DATA frame received as damaged, once. */
  corruptRead?: number;
}

export interface TransferStats {
  bytes: number;
  /** Times the device asked to go back (NAK) or an ack timed out. */
  resent: number;
}

const TYPES = ["file", "dir", "other"] as const;

function pathBytes(p: string): Buffer {
  return Buffer.from(p, "utf8");
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export class RawClient {
  private parser = new FrameParser();
  private queue: Frame[] = [];
  private waiter: (() => void) | null = null;
  private closedWhy: string | null = null;
  hello: Hello | null = null;
  faults: Faults;
  /** Milliseconds to wait for a reply before deciding the link is dead. */
  timeoutMs: number;
  private sentData = 0;
  private recvData = 0;

  constructor(
    readonly transport: Transport,
    opts: { faults?: Faults; timeoutMs?: number } = {},
  ) {
    this.faults = { ...opts.faults };
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    transport.onData((chunk) => {
      for (const f of this.parser.push(chunk)) this.queue.push(f);
      this.wake();
    });
    transport.onClose((why) => {
      this.closedWhy = why;
      this.wake();
    });
  }

  private wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next frame, or null after `timeoutMs` (Infinity: wait for ever). */
  async next(timeoutMs = this.timeoutMs): Promise<Frame | null> {
    for (;;) {
      const f = this.queue.shift();
      if (f) {
        if (f.ok && f.type === "D" && this.faults.corruptRead && ++this.recvData === this.faults.corruptRead) {
          this.faults.corruptRead = undefined;
          return { ...f, ok: false };
        }
        return f;
      }
      if (this.closedWhy) throw new CliError(`link lost: ${this.closedWhy}`);
      const got = await new Promise<boolean>((resolve) => {
        const t = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : null;
        this.waiter = () => {
          if (t) clearTimeout(t);
          resolve(true);
        };
      });
      if (!got) {
        this.waiter = null;
        return null;
      }
    }
  }

  async send(type: string, payload?: Uint8Array): Promise<void> {
    await this.transport.write(encodeFrame(type, payload));
  }

  /** Interrupts whatever runs, enters raw mode and returns the device's HELLO. */
  async enter(): Promise<Hello> {
    for (let attempt = 0; attempt < 4; attempt++) {
      // Ctrl-C stops a running app (twice: a second one overrides exitpoint deferral), Ctrl-A
      // asks for raw mode from the friendly REPL, and a HELLO frame re-syncs a device already in
      // raw mode.
      await this.transport.write(attempt === 0 ? "\r\x03\x03\x01" : "\x01");
      await this.send("h");
      const deadline = Date.now() + (attempt === 0 ? 1500 : 1000);
      for (;;) {
        const f = await this.next(Math.max(1, deadline - Date.now()));
        if (!f) break;
        if (f.ok && f.type === "H") {
          this.queue = []; // a second HELLO (answer to our 'h') may follow; drop both
          await this.drainFor("H");
          this.hello = this.parseHello(f.payload);
          return this.hello;
        }
      }
    }
    throw new CliError(`${this.transport.name}: no answer to the raw-mode handshake (is it a k230js board?)`);
  }

  /** Takes one more frame of `type` if it arrives promptly (the echo of a duplicate request). */
  private async drainFor(type: string): Promise<void> {
    const f = await this.next(300);
    if (f && f.type !== type) this.queue.unshift(f);
  }

  private parseHello(p: Buffer): Hello {
    return { version: p[0]!, maxPayload: p.readUInt16LE(1), window: p.readUInt32LE(3), info: p.subarray(7).toString("utf8") };
  }

  /** Leaves raw mode (back to the friendly REPL). */
  async leave(): Promise<void> {
    await this.transport.write("\x02");
  }

  /** Waits for the reply ('R') to a request, resending it when the device reports damage. */
  private async request(type: string, payload: Uint8Array, what: string): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.send(type, payload);
      for (;;) {
        const f = await this.next();
        if (!f) throw new CliError(`${what}: no reply from ${this.transport.name}`);
        if (!f.ok || f.type === "N") break; // damaged on the way: ask again
        if (f.type === "R") return this.checkReply(f.payload);
        if (f.type === "L") this.listing.push(f.payload);
        // anything else is a leftover of an earlier exchange
      }
    }
    throw new CliError(`${what}: the link keeps damaging frames`);
  }

  private listing: Buffer[] = [];

  private checkReply(p: Buffer): Buffer {
    const code = p.readInt32LE(0);
    if (code < 0) throw new RemoteError(code, p.subarray(4).toString("utf8"));
    return p.subarray(4);
  }

  async softReset(): Promise<Hello> {
    await this.send("q");
    for (;;) {
      const f = await this.next(30_000);
      if (!f) throw new CliError("soft reset: the device did not come back");
      if (f.ok && f.type === "H") return (this.hello = this.parseHello(f.payload));
    }
  }

  async stat(path: string): Promise<RemoteStat | null> {
    try {
      const r = await this.request("s", pathBytes(path), `stat ${path}`);
      return { type: TYPES[r[0]! - 1] ?? "other", size: Number(r.readBigUInt64LE(1)), mtime: Number(r.readBigInt64LE(9)) };
    } catch (e) {
      if (e instanceof RemoteError && e.code === -2) return null;
      throw e;
    }
  }

  async list(path: string): Promise<RemoteEntry[]> {
    this.listing = [];
    await this.request("l", pathBytes(path), `ls ${path}`);
    const out: RemoteEntry[] = [];
    for (const b of this.listing) {
      for (let i = 0; i < b.length; ) {
        const nl = b.readUInt16LE(i + 17);
        out.push({
          type: TYPES[b[i]! - 1] ?? "other",
          size: Number(b.readBigUInt64LE(i + 1)),
          mtime: Number(b.readBigInt64LE(i + 9)),
          name: b.subarray(i + 19, i + 19 + nl).toString("utf8"),
        });
        i += 19 + nl;
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async mkdir(path: string): Promise<void> {
    await this.request("m", pathBytes(path), `mkdir ${path}`);
  }
  async remove(path: string): Promise<void> {
    await this.request("u", pathBytes(path), `rm ${path}`);
  }
  async rename(from: string, to: string): Promise<void> {
    await this.request("n", Buffer.concat([pathBytes(from), Buffer.from([0]), pathBytes(to)]), `rename ${from}`);
  }

  /**
   * One flow-controlled transfer, pipelined: the opening request (`w` or `x`), the DATA frames
   * and the END frame go out back to back, without waiting for the replies in between; the
   * device handles frames in order, so its replies say how far it got. At most `window` bytes
   * (HELLO's grant) are unacknowledged. Replies: the first `R` answers the opening request (an
   * error ends the transfer), `A` acknowledges data, `N` names the first byte to send again
   * (go-back-N; an `N` before the opening `R` means the request itself was damaged), and the
   * second `R` answers END. Returns that last reply's data.
   */
  private async transfer(
    open: { type: string; payload: Uint8Array; what: string },
    data: Uint8Array,
    end: Uint8Array,
    stats: TransferStats,
    onProgress?: (done: number) => void,
  ): Promise<Buffer> {
    const window = this.hello?.window ?? 65536;
    const chunk = Math.min(CHUNK, (this.hello?.maxPayload ?? CHUNK + 8) - 8);
    let opened = false;
    let acked = 0;
    let sent = 0;
    let endSent = false;
    let lastBack = -1;
    let stalls = 0;
    await this.send(open.type, open.payload);
    for (;;) {
      while (sent < data.length && sent - acked < window) {
        const n = Math.min(chunk, data.length - sent, window - (sent - acked));
        const frame = encodeFrame("d", Buffer.concat([u64(sent), data.subarray(sent, sent + n)]));
        if (this.faults.corruptWrite && ++this.sentData === this.faults.corruptWrite) {
          this.faults.corruptWrite = undefined;
          frame[HDR + 8] = frame[HDR + 8]! ^ 0x55;
        }
        await this.transport.write(frame);
        sent += n;
      }
      if (sent === data.length && !endSent) {
        await this.send("e", end);
        endSent = true;
      }
      const f = await this.next();
      if (!f) {
        // An ack, the tail of the data or END was lost: go back to what is known to be stored.
        if (++stalls > 20) throw new CliError(`${open.what}: transfer stalled at byte ${acked} of ${data.length}`);
        stats.resent++;
        if (!opened) await this.send(open.type, open.payload);
        sent = acked;
        endSent = false;
        continue;
      }
      if (!f.ok) continue;
      if (f.type === "A") {
        acked = Math.max(acked, Number(f.payload.readBigUInt64LE(0)));
        onProgress?.(acked);
      } else if (f.type === "N") {
        const off = Number(f.payload.readBigUInt64LE(0));
        if (!opened) {
          // the opening request was damaged: the device dropped everything after it as stale
          stats.resent++;
          await this.send(open.type, open.payload);
          acked = sent = 0;
          endSent = false;
          continue;
        }
        // The device sends one N per gap, and one more for an END that came before the gap was
        // filled; the second names the offset we already went back to.
        if (off === lastBack && sent > off) continue;
        stats.resent++;
        lastBack = off;
        acked = Math.max(acked, off);
        sent = off;
        endSent = false;
      } else if (f.type === "R") {
        if (!opened && f.payload.readInt32LE(0) < 0 && endSent) {
          // Refused: the device ignored our data as stale and answers END with an error of its
          // own; take that reply too so it is not mistaken for the answer to a later request.
          for (let g = await this.next(2000); g && !(g.ok && g.type === "R"); g = await this.next(2000));
        }
        const r = this.checkReply(f.payload);
        if (!opened) opened = true;
        else {
          stats.bytes = data.length;
          return r;
        }
      }
    }
  }

  /** Writes a file: temporary name, per-frame CRC, whole-file SHA-256, then an atomic rename. */
  async writeFile(path: string, data: Uint8Array, onProgress?: (done: number) => void): Promise<TransferStats> {
    const stats: TransferStats = { bytes: 0, resent: 0 };
    const sha = createHash("sha256").update(data).digest();
    const open = { type: "w", payload: Buffer.concat([u64(data.length), pathBytes(path)]), what: `write ${path}` };
    await this.transfer(open, data, sha, stats, onProgress);
    return stats;
  }

  /** Reads a file, re-requesting from the first damaged frame; verified by the SHA-256 the
   * device computes over the whole file. */
  async readFile(path: string, onProgress?: (done: number, total: number) => void): Promise<{ data: Buffer; stats: TransferStats }> {
    const stats: TransferStats = { bytes: 0, resent: 0 };
    let out = Buffer.alloc(0);
    let have = 0;
    for (let round = 0; round < 10; round++) {
      const r = await this.request("r", Buffer.concat([u64(have), pathBytes(path)]), `read ${path}`);
      const size = Number(r.readBigUInt64LE(0));
      if (out.length !== size) {
        const grown = Buffer.alloc(size);
        out.copy(grown, 0, 0, Math.min(have, size));
        out = grown;
      }
      let damaged = false;
      let hash: Buffer | null = null;
      for (;;) {
        const f = await this.next();
        if (!f) throw new CliError(`read ${path}: the device stopped sending at byte ${have} of ${size}`);
        if (!f.ok) {
          damaged = true;
          continue;
        }
        if (f.type === "D") {
          const off = Number(f.payload.readBigUInt64LE(0));
          const bytes = f.payload.subarray(8);
          if (off === have && !damaged && off + bytes.length <= size) {
            bytes.copy(out, off);
            have += bytes.length;
            onProgress?.(have, size);
          }
        } else if (f.type === "F") {
          hash = f.payload.subarray(8, 40);
          break;
        }
      }
      if (have < size) {
        stats.resent++;
        continue;
      }
      if (createHash("sha256").update(out).digest().equals(hash)) {
        stats.bytes = size;
        return { data: out, stats };
      }
      stats.resent++;
      have = 0; // the file changed while we read it: start over
    }
    throw new CliError(`read ${path}: could not get an intact copy`);
  }

  /**
   * Runs code on the device (raw paste: the source goes as flow-controlled DATA), streaming its
   * output, and resolves with its exit status. `module` runs it as an ES module with the app
   * semantics (the event loop runs until the app is done); otherwise as a global script.
   */
  async exec(
    source: string | Uint8Array,
    opts: { module?: boolean; name?: string; onStdout?: (b: Buffer) => void; onStderr?: (b: Buffer) => void } = {},
  ): Promise<number> {
    const src = typeof source === "string" ? Buffer.from(source, "utf8") : source;
    const open = { type: "x", payload: Buffer.concat([Buffer.from([opts.module ? 1 : 0]), Buffer.from(opts.name ?? "<exec>", "utf8")]), what: "exec" };
    await this.transfer(open, src, u64(src.length), { bytes: 0, resent: 0 });
    for (;;) {
      const f = await this.next(Infinity);
      if (!f || !f.ok) continue;
      if (f.type === "o") (opts.onStdout ?? ((b) => process.stdout.write(b)))(f.payload);
      else if (f.type === "E") (opts.onStderr ?? ((b) => process.stderr.write(b)))(f.payload);
      else if (f.type === "X") return f.payload.readInt32LE(0);
    }
  }

  /** Ctrl-C: interrupts the code an exec is running. */
  async interrupt(): Promise<void> {
    await this.transport.write("\x03");
  }
}
