/**
 * The host side of the raw protocol (docs/protocol.md): frames with a header check and CRC-32
 * (frames.ts), windowed DATA with go-back-N on NAK, exec with framed stdout/stderr and exit
 * status, and the file operations. Every wait is for a reply; timeouts only detect a dead or
 * confused link.
 *
 * Foreign text on the link (kernel and MPP log lines on a board's UART) is cut out of frames by
 * the parser; a frame it cannot repair arrives damaged, and each exchange recovers: a damaged
 * reply is fetched again with SYNC ('p': the device repeats its last reply, and since it handles
 * frames in order, the answer also says that everything before it has been sent), reads ask
 * again from the first missing byte, listings are repeated, transfers go back to the last
 * acknowledged byte. Files stay verified by SHA-256 end to end.
 */
import { createHash } from "node:crypto";
import { CliError } from "./errors.js";
import { encodeFrame, encodeFrameNo03, FrameParser, HDR, STALL_MS, type Frame } from "./frames.js";
import type { Transport } from "./transport.js";

export { crc32 } from "./crc32.js";
export { encodeFrame, encodeFrameNo03, FrameParser, SOF, type Frame } from "./frames.js";

const CHUNK = 16384;

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

/** Smallest payload of each device frame type; a shorter one is treated as damaged. */
const MIN_PAYLOAD: Record<string, number> = { H: 7, R: 4, A: 8, N: 8, D: 8, F: 40, X: 4, P: 6 };

function wellFormed(f: Frame): boolean {
  return f.payload.length >= (MIN_PAYLOAD[f.type] ?? 0);
}

/** The device's answer to SYNC: which request its kept reply answered, and that reply. */
interface Synced {
  token: number;
  request: string;
  /** "R", "X", or "" when the request got no such reply. */
  kind: string;
  payload: Buffer;
}

function parseSync(f: Frame): Synced {
  const p = f.payload;
  return { token: p.readUInt32LE(0), request: String.fromCharCode(p[4]!), kind: p[5] ? String.fromCharCode(p[5]) : "", payload: p.subarray(6) };
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
  private lastToken = 0;
  /** Handlers of the device's unsolicited frames ('V'/'Y' preview, 'G' mount requests): they
   * never enter the reply queue. */
  private services = new Map<string, (f: Frame) => void>();
  /** Output of code that runs outside an exec (an app's timers): where it goes, if anywhere. */
  private idleOutput: ((stream: "o" | "E", b: Buffer) => void) | null = null;
  private execActive = false;
  /** Bytes received from the link, all of them (the preview shows the link's usage). */
  rxBytes = 0;
  /** Frames repaired or found damaged by the parser: what the link did. */
  get linkStats(): { frames: number; repaired: number; damaged: number } {
    return this.parser.stats;
  }

  constructor(
    readonly transport: Transport,
    opts: { faults?: Faults; timeoutMs?: number } = {},
  ) {
    this.faults = { ...opts.faults };
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    transport.onData((chunk) => {
      this.rxBytes += chunk.length;
      this.take(this.parser.push(chunk));
    });
    transport.onClose((why) => {
      this.closedWhy = why;
      this.wake();
    });
  }

  /** Queues what the parser found; wakes the reader in any case, so a frame that is now half in
   * gets its stall timer (next()). */
  private take(frames: Frame[]) {
    for (const f of frames) {
      const service = this.services.get(f.type);
      if (service) {
        // A damaged preview picture is the preview's loss, not a reply's: dropped here.
        if (f.ok) service(f);
        continue;
      }
      if (f.ok && !this.execActive && this.idleOutput && (f.type === "o" || f.type === "E")) {
        this.idleOutput(f.type, f.payload);
        continue;
      }
      this.queue.push(f.ok && !wellFormed(f) ? { ...f, ok: false } : f);
    }
    this.wake();
  }

  /** Routes the device's unsolicited frames of `type` to `handler` (null: no longer). */
  onService(type: string, handler: ((f: Frame) => void) | null): void {
    if (handler) this.services.set(type, handler);
    else this.services.delete(type);
  }

  /** Prints output of code running between commands (an app's timers) as it comes, instead of
   * with the next exec's. */
  onIdleOutput(handler: ((stream: "o" | "E", b: Buffer) => void) | null): void {
    this.idleOutput = handler;
  }

  /** Sends a frame of a live type ('v', 'g'): handled by the device at once, even while code
   * runs (see encodeFrameNo03). */
  async sendLive(type: string, body: Uint8Array): Promise<void> {
    await this.transport.write(encodeFrameNo03(type, body));
  }

  private wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next frame, or null after `timeoutMs` (Infinity: wait for ever). */
  async next(timeoutMs = this.timeoutMs): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
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
      // While a frame is half in, wake up in time to give up on it if its bytes stop (a damaged
      // last frame has no successor to push it out).
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const wait = this.parser.pending ? Math.min(left, STALL_MS) : left;
      const got = await new Promise<boolean>((resolve) => {
        const t = Number.isFinite(wait) ? setTimeout(() => resolve(false), wait) : null;
        this.waiter = () => {
          if (t) clearTimeout(t);
          resolve(true);
        };
      });
      if (!got) {
        this.waiter = null;
        this.take(this.parser.expire());
      }
    }
  }

  async send(type: string, payload?: Uint8Array): Promise<void> {
    await this.transport.write(encodeFrame(type, payload));
  }

  /**
   * Sends SYNC with a fresh token and returns the token. The frame never holds a 0x03 byte, so it
   * is safe while code runs (the device takes 0x03 as Ctrl-C then) and is handled when it ends.
   */
  private async sync(): Promise<number> {
    for (;;) {
      this.lastToken = (this.lastToken + 1) >>> 0;
      const b = Buffer.alloc(4);
      b.writeUInt32LE(this.lastToken);
      const f = encodeFrame("p", b);
      if (f.includes(0x03)) continue;
      await this.transport.write(f);
      return this.lastToken;
    }
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
          this.parser.maxPayload = this.hello.maxPayload;
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

  /**
   * Sends a request and returns its reply's data ('R'). A reply damaged on the way, or silence,
   * is answered by SYNC instead of repeating the request (mkdir, remove and rename are not
   * idempotent); a request the device got damaged ('N') is sent again. A listing ('l') whose 'L'
   * frames may have been damaged is asked for again.
   */
  private async request(type: string, payload: Uint8Array, what: string): Promise<Buffer> {
    for (let attempt = 0; attempt < 5; attempt++) {
      this.listing = [];
      const sync = this.syncState();
      let damaged = false;
      let silences = 0;
      await this.send(type, payload);
      let reply: Buffer | null = null;
      // Frames that follow the reply (a read's data) and came before SYNC's answer go back to
      // the queue for the caller.
      const later: Frame[] = [];
      for (;;) {
        const f = await this.next();
        if (!f) {
          if (++silences > 2) throw new CliError(`${what}: no reply from ${this.transport.name}`);
          await sync.ask(true);
          continue;
        }
        if (!f.ok) {
          damaged = true;
          await sync.ask();
          continue;
        }
        const got = sync.answer(f);
        if (got) {
          if (got.request !== type || got.kind !== "R") break; // never answered: ask again
          reply = got.payload;
        } else if (f.type === "N") break; // damaged on the way in: ask again
        else if (f.type === "R") reply = f.payload;
        else if (f.type === "L") this.listing.push(f.payload);
        else if (f.type !== "P") later.push(f);
        if (reply) {
          if (type === "l" && damaged) break; // an 'L' may be the frame that was lost
          this.queue.unshift(...later);
          return this.checkReply(reply);
        }
      }
    }
    throw new CliError(`${what}: the link keeps damaging frames`);
  }

  /**
   * SYNC bookkeeping for one exchange: ask() sends SYNC after a damaged frame (any of them may be
   * the answer to an earlier SYNC; a few per exchange at most) or, `always`, after silence;
   * answer() returns the device's answer to any of this exchange's SYNCs, or null for any other
   * frame.
   */
  private syncState() {
    const base = this.lastToken;
    let asked = 0;
    return {
      ask: async (always = false) => {
        if (asked >= 16 && !always) return;
        asked++;
        await this.sync();
      },
      answer: (f: Frame): Synced | null => (f.ok && f.type === "P" && f.payload.readUInt32LE(0) > base ? parseSync(f) : null),
    };
  }

  private listing: Buffer[] = [];

  private checkReply(p: Buffer): Buffer {
    const code = p.readInt32LE(0);
    if (code < 0) throw new RemoteError(code, p.subarray(4).toString("utf8"));
    return p.subarray(4);
  }

  async softReset(): Promise<Hello> {
    await this.send("q");
    const deadline = Date.now() + 30_000;
    let asked = false;
    for (;;) {
      const f = await this.next(Math.max(1, Math.min(2000, deadline - Date.now())));
      if (f?.ok && f.type === "H") {
        if (asked) await this.drainFor("H");
        return (this.hello = this.parseHello(f.payload));
      }
      if (!f && Date.now() >= deadline) throw new CliError("soft reset: the device did not come back");
      if (!f || !f.ok) {
        // The HELLO that ends the reset may be what the link lost: ask for another (a HELLO frame
        // has no 0x03 byte, so it is safe while boot.js runs; it is answered after the reset).
        asked = true;
        await this.send("h");
      }
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
    await this.request("l", pathBytes(path), `ls ${path}`);
    const out: RemoteEntry[] = [];
    for (const b of this.listing) {
      for (let i = 0; i + 19 <= b.length; ) {
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
  /** Declares a host directory served at board path `point` ("" unmounts); lib/mount.ts serves it. */
  async mountPoint(point: string): Promise<void> {
    await this.request("k", pathBytes(point), point ? `mount at ${point}` : "unmount");
  }

  /**
   * One flow-controlled transfer, pipelined: the opening request (`w` or `x`), the DATA frames
   * and the END frame go out back to back, without waiting for the replies in between; the
   * device handles frames in order, so its replies say how far it got. At most `window` bytes
   * (HELLO's grant) are unacknowledged. Replies: the first `R` answers the opening request (an
   * error ends the transfer), `A` acknowledges data (and so also says the opening succeeded), `N`
   * names the first byte to send again (go-back-N; an `N` before the opening `R` means the
   * request itself was damaged), and the second `R` answers END. When a frame arrives damaged
   * after END went out, SYNC tells which of those the device sent last. An exec's END is also
   * answered by the code's first output. Returns END's reply data.
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
    const exec = open.type === "x";
    let opened = false;
    let acked = 0;
    let sent = 0;
    let endSent = false;
    let lastBack = -1;
    let stalls = 0;
    let restarts = 0;
    let damaged = false;
    let sync = this.syncState();
    // From the start, when the opening request's (error) reply was lost on the link.
    const restart = async () => {
      restarts++;
      opened = endSent = damaged = false;
      acked = sent = 0;
      sync = this.syncState();
      await this.send(open.type, open.payload);
    };
    const finish = (r: Buffer) => {
      stats.bytes = data.length;
      return r;
    };
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
        if (++stalls > 20) throw new CliError(`${open.what}: transfer stalled at byte ${acked} of ${data.length}`);
        if (endSent) {
          // Everything is out and nothing answers: END's reply (or the N for a gap) may be what
          // the link lost. Ask where the device is.
          await sync.ask(true);
          continue;
        }
        // An ack was lost: go back to what is known to be stored.
        stats.resent++;
        if (!opened) await this.send(open.type, open.payload);
        sent = acked;
        continue;
      }
      if (!f.ok) {
        damaged = true;
        if (endSent) await sync.ask();
        continue;
      }
      const got = sync.answer(f);
      if (got) {
        if (got.request === "e" && got.kind) {
          // END was answered (an exec may even have finished: its status goes back in the queue).
          if (got.kind === "X") {
            this.queue.unshift({ type: "X", payload: got.payload, ok: true });
            return finish(Buffer.alloc(0));
          }
          const r = this.endReply(got.payload, open, !opened, restarts);
          if (r !== "restart") return finish(r);
          await restart();
          continue;
        }
        // An error of the opening request or of the data (kept as the opening's): it throws.
        if (got.request === open.type && got.kind === "R" && got.payload.readInt32LE(0) < 0) return this.checkReply(got.payload);
        // END has not been answered with an R: it found data missing (its N was the frame that
        // was lost). Send again from the last acknowledged byte; answers to earlier SYNCs
        // describe the state before that and are ignored.
        stats.resent++;
        sent = acked;
        endSent = false;
        sync = this.syncState();
        continue;
      }
      if (f.type === "A") {
        opened = true;
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
        sync = this.syncState();
      } else if (f.type === "R") {
        // The opening reply grants a window (4 bytes of data); END's reply has a write's hash or
        // nothing (exec). Errors: the opening's ends the transfer, and the device then answers
        // END with an error of its own, consumed here so it is not taken for a later reply.
        const code = f.payload.readInt32LE(0);
        const isOpenReply = !opened && (f.payload.length === 8 || code < 0);
        if (isOpenReply && code === -71 && damaged && restarts < 2) {
          // "no transfer": END's answer to an opening whose own (error) reply was lost
          await restart();
          continue;
        }
        if (isOpenReply && code < 0) {
          if (endSent) for (let g = await this.next(2000); g && !(g.ok && g.type === "R"); g = await this.next(2000));
          return this.checkReply(f.payload);
        }
        if (isOpenReply) {
          opened = true;
          continue;
        }
        const r = this.endReply(f.payload, open, damaged && !opened, restarts);
        if (r !== "restart") return finish(r);
        await restart();
      } else if (exec && endSent && (f.type === "o" || f.type === "E" || f.type === "X")) {
        // The code runs, so END was accepted (its reply was the damaged frame).
        this.queue.unshift(f);
        return finish(Buffer.alloc(0));
      }
    }
  }

  /** END's reply: its data, or "restart" when END found no transfer because the opening
   * request's (error) reply was lost on the link; other errors throw. */
  private endReply(p: Buffer, open: { what: string }, openUnknown: boolean, restarts: number): Buffer | "restart" {
    if (p.readInt32LE(0) === -71 && openUnknown) {
      if (restarts < 2) return "restart";
      throw new CliError(`${open.what}: the link keeps damaging the replies`);
    }
    return this.checkReply(p);
  }

  /** Writes a file: temporary name, per-frame CRC, whole-file SHA-256, then an atomic replace. */
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
    // Each round asks from the first missing byte; the read fails after rounds without progress.
    for (let stuck = 0; stuck < 8; ) {
      const before = have;
      const r = await this.request("r", Buffer.concat([u64(have), pathBytes(path)]), `read ${path}`);
      const size = Number(r.readBigUInt64LE(0));
      if (out.length !== size) {
        const grown = Buffer.alloc(size);
        out.copy(grown, 0, 0, Math.min(have, size));
        out = grown;
      }
      let hash: Buffer | null = null;
      let silences = 0;
      const sync = this.syncState();
      for (;;) {
        const f = await this.next();
        if (!f) {
          // The last frame ('F') may be what the link lost: SYNC's answer says the read is over.
          if (++silences > 2) throw new CliError(`read ${path}: the device stopped sending at byte ${have} of ${size}`);
          await sync.ask(true);
          continue;
        }
        if (!f.ok) {
          // A 'D' may be lost: those after it no longer start at `have` and are asked for again.
          // SYNC's answer marks the end of what the device sends for this request.
          await sync.ask();
          continue;
        }
        if (sync.answer(f)) break;
        if (f.type === "D") {
          const off = Number(f.payload.readBigUInt64LE(0));
          const bytes = f.payload.subarray(8);
          if (off === have && off + bytes.length <= size) {
            bytes.copy(out, off);
            have += bytes.length;
            onProgress?.(have, size);
          }
        } else if (f.type === "F") {
          hash = f.payload.subarray(8, 40);
          break;
        }
      }
      if (have < size || !hash) {
        stats.resent++;
        stuck = have > before ? 0 : stuck + 1;
        continue;
      }
      if (createHash("sha256").update(out).digest().equals(hash)) {
        stats.bytes = size;
        return { data: out, stats };
      }
      stats.resent++;
      stuck++;
      have = 0; // the file changed while we read it: start over
    }
    throw new CliError(`read ${path}: could not get an intact copy`);
  }

  /**
   * Runs code on the device (raw paste: the source goes as flow-controlled DATA), streaming its
   * output, and resolves with its exit status. `module` runs it as an ES module with the app
   * semantics (the event loop runs until the app is done); otherwise as a global script. Output
   * in a frame the link damaged beyond repair is lost, and a line on stderr says so; a lost exit
   * status is fetched with SYNC, which the device answers once the code has ended.
   */
  async exec(
    source: string | Uint8Array,
    opts: { module?: boolean; name?: string; onStdout?: (b: Buffer) => void; onStderr?: (b: Buffer) => void } = {},
  ): Promise<number> {
    const src = typeof source === "string" ? Buffer.from(source, "utf8") : source;
    const open = { type: "x", payload: Buffer.concat([Buffer.from([opts.module ? 1 : 0]), Buffer.from(opts.name ?? "<exec>", "utf8")]), what: "exec" };
    this.execActive = true;
    try {
      return await this.execRun(src, open, opts);
    } finally {
      this.execActive = false;
    }
  }

  private async execRun(
    src: Uint8Array,
    open: { type: string; payload: Uint8Array; what: string },
    opts: { onStdout?: (b: Buffer) => void; onStderr?: (b: Buffer) => void },
  ): Promise<number> {
    await this.transfer(open, src, u64(src.length), { bytes: 0, resent: 0 });
    const stderr = opts.onStderr ?? ((b) => process.stderr.write(b));
    const sync = this.syncState();
    let quiet = 1;
    for (;;) {
      const f = await this.next(this.timeoutMs * quiet);
      if (!f) {
        // Quiet: the code may still run, or its exit status ('X') was lost. SYNC is safe while it
        // runs and answered when it ends; a long silent run gets them ever more rarely.
        await sync.ask(true);
        quiet = Math.min(quiet * 2, 64);
        continue;
      }
      quiet = 1;
      if (!f.ok) {
        if (f.type === "o" || f.type === "E") stderr(Buffer.from(`\n[k230js: ${f.payload.length} bytes of output were damaged on the link and dropped]\n`));
        await sync.ask();
        continue;
      }
      const got = sync.answer(f);
      if (got?.kind === "X") return got.payload.readInt32LE(0);
      if (f.type === "o") (opts.onStdout ?? ((b) => process.stdout.write(b)))(f.payload);
      else if (f.type === "E") stderr(f.payload);
      else if (f.type === "X") return f.payload.readInt32LE(0);
    }
  }

  /** Ctrl-C: interrupts the code an exec is running. */
  async interrupt(): Promise<void> {
    await this.transport.write("\x03");
  }
}
