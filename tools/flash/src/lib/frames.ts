/**
 * Raw-protocol framing (docs/protocol.md): encoding, and a parser that finds frames in a byte
 * stream shared with foreign text.
 *
 * On a board whose console is the UART, the kernel's and the MPP's log lines land in the same
 * byte stream as the device's frames, at any byte: between frames, inside a header, a payload or
 * a CRC. The parser
 *   - skips text between frames (it has no start byte 0xA5 in the usual ASCII);
 *   - rejects a header claiming more than the device's maximum payload at once, and after a
 *     frame that fails its CRC resumes the search one byte after its start, so a damaged or false
 *     header never swallows the frames behind it;
 *   - repairs a frame with one foreign line inside: it looks for a run of line bytes ending in
 *     '\n' (at most MAX_FOREIGN bytes, anywhere after the start byte) whose removal makes the
 *     header check and the CRC-32 hold, using the CRC algebra (crc32.ts) so each candidate costs
 *     a few operations, not a rehash. A frame it cannot repair is reported damaged (ok: false)
 *     and the client recovers through the protocol (resend, SYNC);
 *   - decides on a candidate whose bytes stopped arriving for STALL_MS (expire()), as the device
 *     does, so a damaged last frame never waits for bytes that will not come.
 */
import { crc32, crc32Prefixes, mulMod, shiftFactor } from "./crc32.js";

export const SOF = 0xa5;
export const HDR = 5;
export const TRAILER = 4;
/** The device's maximum payload (HELLO announces it; a header claiming more is not a header). */
export const MAX_PAYLOAD = 16400;
/** The longest foreign run the parser cuts out of one frame. */
export const MAX_FOREIGN = 1024;
export const STALL_MS = 500;

export function headerCheck(type: number, lo: number, hi: number): number {
  return ((type + lo + hi) & 0xff) ^ 0x5a;
}

export function encodeFrame(type: string, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const len = payload.length;
  if (len > 0xffff) throw new Error(`frame payload too large (${len})`);
  const f = Buffer.alloc(HDR + len + TRAILER);
  f[0] = SOF;
  f[1] = type.charCodeAt(0);
  f[2] = len & 0xff;
  f[3] = len >> 8;
  f[4] = headerCheck(f[1]!, f[2]!, f[3]!);
  f.set(payload, HDR);
  f.writeUInt32LE(crc32(f, 1, HDR + len), HDR + len);
  return f;
}

/**
 * A frame for the device's live types ('v' preview control, 'g' mount data), which may arrive
 * while code runs, when the device takes every 0x03 byte on the line as Ctrl-C: none may hold
 * one. The payload is a salt byte, then the body with 0x03 and 0x10 escaped as 0x10, b ^ 0x80,
 * then 0x10 0x00 pairs (padding) while a length byte would be 0x03; the salt is chosen so that
 * neither the header check nor the CRC holds a 0x03.
 */
export function encodeFrameNo03(type: string, body: Uint8Array): Buffer {
  let extra = 0;
  for (const c of body) if (c === 0x03 || c === 0x10) extra++;
  let len = 1 + body.length + extra;
  let pad = 0;
  while ((len & 0xff) === 0x03 || len >> 8 === 0x03) {
    len += 2;
    pad++;
  }
  const payload = Buffer.alloc(len);
  let o = 1;
  for (const c of body) {
    if (c === 0x03 || c === 0x10) {
      payload[o++] = 0x10;
      payload[o++] = c ^ 0x80;
    } else payload[o++] = c;
  }
  for (let i = 0; i < pad; i++, o += 2) payload[o] = 0x10; // 0x10 0x00
  for (let salt = 0; salt < 256; salt++) {
    if (salt === 0x03) continue;
    payload[0] = salt;
    const f = encodeFrame(type, payload);
    const end = f.length;
    if (f[4] !== 0x03 && f[end - 1] !== 0x03 && f[end - 2] !== 0x03 && f[end - 3] !== 0x03 && f[end - 4] !== 0x03) return f;
  }
  throw new Error("no salt keeps the frame free of 0x03"); // 255 salts all failing: never seen
}

export interface Frame {
  type: string;
  payload: Buffer;
  /** false: the CRC did not match (type and payload are not to be trusted). */
  ok: boolean;
  /** Bytes of foreign text cut out of it, when it was repaired. */
  repaired?: number;
}

/** Bytes a foreign log line consists of: printable ASCII, UTF-8 (>= 0x80), TAB, CR, LF, ESC. */
function lineByte(c: number): boolean {
  return c >= 0x20 ? c !== 0x7f : c === 0x09 || c === 0x0a || c === 0x0d || c === 0x1b;
}

type Found = { frame: Frame; next: number };

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private lastData = 0;
  maxPayload = MAX_PAYLOAD;
  readonly stats = { frames: 0, repaired: 0, damaged: 0 };

  push(chunk: Buffer, now = Date.now()): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.lastData = now;
    return this.parse(false);
  }

  /** True while a start byte waits for more bytes. */
  get pending(): boolean {
    return this.buf.includes(SOF);
  }

  /** Decides on what is buffered once no byte has come for STALL_MS. */
  expire(now = Date.now()): Frame[] {
    if (!this.pending || now - this.lastData < STALL_MS) return [];
    return this.parse(true);
  }

  private parse(final: boolean): Frame[] {
    const out: Frame[] = [];
    const b = this.buf;
    let i = 0;
    for (;;) {
      while (i < b.length && b[i] !== SOF) i++;
      if (i >= b.length) break;
      const r = this.at(b, i, final);
      if (r === "wait") break;
      if (r === null) {
        i++;
        continue;
      }
      out.push(r.frame);
      if (r.frame.ok) this.stats.frames++;
      else this.stats.damaged++;
      if (r.frame.repaired) this.stats.repaired++;
      i = r.next;
    }
    this.buf = i >= b.length ? Buffer.alloc(0) : i > 0 ? Buffer.from(b.subarray(i)) : b;
    return out;
  }

  /** The frame starting at s, or null (no frame starts here), or "wait" (more bytes needed). */
  private at(b: Buffer, s: number, final: boolean): Found | null | "wait" {
    const avail = b.length - s - 1; // bytes after the start byte
    if (avail < 4) return final ? null : "wait";
    const type = b[s + 1]!;
    const len = b[s + 2]! | (b[s + 3]! << 8);
    const headerOk = b[s + 4] === headerCheck(type, b[s + 2]!, b[s + 3]!) && len <= this.maxPayload;
    const covered = 4 + len; // type, length, check and payload: what the CRC covers
    if (headerOk && avail >= covered + TRAILER && crc32(b, s + 1, s + 1 + covered) === b.readUInt32LE(s + 1 + covered))
      return { frame: { type: String.fromCharCode(type), payload: Buffer.from(b.subarray(s + HDR, s + 1 + covered)), ok: true }, next: s + 1 + covered + TRAILER };
    if (headerOk && avail < covered + TRAILER && !final) return "wait";
    const fixed = this.repair(b, s, avail, headerOk ? len : -1);
    if (fixed && fixed !== "more") return fixed;
    // Wait only while more bytes could still complete a repair: a run already cut out needs the
    // frame's tail, or a run inside the frame has not ended yet.
    if (!final && headerOk && (fixed === "more" || this.openTail(b, s, covered))) return "wait";
    if (!final && !headerOk && (fixed === "more" || this.runOpen(b, s, avail))) return "wait";
    // A start byte followed by a foreign line that could not be cut out (a second line in the
    // frame): most likely a frame lost, so say so and let the client recover.
    if (!headerOk && this.runAfterStart(b, s, avail)) return { frame: { type: "?", payload: Buffer.alloc(0), ok: false }, next: s + 1 };
    if (!headerOk) return null;
    // A frame that fails its CRC (or whose tail never came): reported, and the search goes on
    // from the next byte.
    const end = Math.min(b.length, s + 1 + covered);
    return { frame: { type: String.fromCharCode(type), payload: Buffer.from(b.subarray(s + HDR, end)), ok: false }, next: s + 1 };
  }

  /** True when the buffer ends in line bytes (one line or several, the last perhaps unfinished)
   * that began inside the frame starting at s: foreign text still arriving. */
  private openTail(b: Buffer, s: number, covered: number): boolean {
    let j = b.length;
    while (j > s + 1 && b.length - j < MAX_FOREIGN && lineByte(b[j - 1]!)) j--;
    return j < b.length && j - (s + 1) < covered + TRAILER;
  }

  /** True when a complete foreign line begins inside this header. */
  private runAfterStart(b: Buffer, s: number, avail: number): boolean {
    for (let a = 0; a < 4; a++) {
      for (let j = a; j < avail && j - a < MAX_FOREIGN && lineByte(b[s + 1 + j]!); j++) if (b[s + 1 + j] === 0x0a) return true;
    }
    return false;
  }

  /** True when a foreign run (one line or several) may have begun inside this header and not
   * ended yet: everything from there to the last byte in is line bytes. */
  private runOpen(b: Buffer, s: number, avail: number): boolean {
    for (let a = 0; a < 4; a++) {
      let j = a;
      while (j < avail && j - a < MAX_FOREIGN && lineByte(b[s + 1 + j]!)) j++;
      if (j === avail && j - a < MAX_FOREIGN) return true;
    }
    return false;
  }

  /**
   * Looks for one foreign run X[a, a + k) (X = the bytes after the start byte) ending in '\n'
   * whose removal leaves a valid frame. With Q[j] = crc32(X[0, j)) and the run inside the
   * covered bytes [0, D + k): crc(X[0,a) ++ X[a+k, D+k)) = x^(8(D-a)) (Q[a] + Q[a+k]) + Q[D+k].
   */
  private repair(b: Buffer, s: number, avail: number, observedLen: number): Found | "more" | null {
    const maxCovered = 4 + (observedLen >= 0 ? observedLen : this.maxPayload);
    const lim = Math.min(avail, maxCovered + TRAILER + MAX_FOREIGN);
    if (lim <= 4) return null;
    const base = s + 1;
    const X = (j: number) => b[base + j]!;
    let q: Uint32Array | null = null;
    const Q = (j: number) => (q ??= crc32Prefixes(b, base, base + lim))[j]!;
    let run = 0; // length of the run of line bytes ending at e
    let more = false; // a candidate needs bytes that have not come yet
    for (let e = 0; e < lim; e++) {
      run = lineByte(X(e)) ? Math.min(run + 1, MAX_FOREIGN) : 0;
      if (X(e) !== 0x0a) continue;
      for (let k = 1; k <= run; k++) {
        const a = e - k + 1;
        let type: number, lo: number, hi: number;
        if (a >= 4) {
          if (observedLen < 0) continue; // no header to keep: only runs inside it can help
          type = X(0);
          lo = X(1);
          hi = X(2);
        } else {
          if (k + 4 > avail) {
            more = true; // the header's remaining bytes have not come yet
            continue;
          }
          const h = (j: number) => (j < a ? X(j) : X(j + k));
          type = h(0);
          lo = h(1);
          hi = h(2);
          if (h(3) !== headerCheck(type, lo, hi)) continue;
        }
        const len = lo | (hi << 8);
        if (len > this.maxPayload) continue;
        const covered = 4 + len;
        if (covered + TRAILER + k > avail) {
          more = true;
          continue;
        }
        let ok: boolean;
        if (a < covered) {
          const want = b.readUInt32LE(base + covered + k);
          ok = ((mulMod(shiftFactor(covered - a), Q(a) ^ Q(a + k)) ^ Q(covered + k)) >>> 0) === want;
        } else if (a < covered + TRAILER) {
          const tail = Buffer.concat([b.subarray(base + covered, base + a), b.subarray(base + a + k, base + covered + TRAILER + k)]);
          ok = Q(covered) === tail.readUInt32LE(0);
        } else continue;
        if (!ok) continue;
        const kept = Buffer.concat([b.subarray(base, base + a), b.subarray(base + a + k, base + covered + k)]);
        const payload = a < covered ? kept.subarray(4, covered) : Buffer.from(b.subarray(base + 4, base + covered));
        return {
          frame: { type: String.fromCharCode(type), payload: Buffer.from(payload), ok: true, repaired: k },
          next: base + covered + TRAILER + k,
        };
      }
    }
    return more ? "more" : null;
  }
}
