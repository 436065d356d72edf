/**
 * CRC-32 (IEEE 802.3, as zlib) and the algebra of combining CRCs, which lets the frame parser
 * test "these bytes with that run removed" without rehashing for every candidate.
 *
 * CRCs are polynomials over GF(2) modulo P, kept bit-reflected (bit 31 is x^0). For byte strings
 * A and B: crc(A ++ B) = x^(8|B|) * crc(A) + crc(B) (mod P).
 */
import * as zlib from "node:zlib";

const POLY = 0xedb88320;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
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
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** prefix[j] = crc32(buf[start .. start + j)) for j = 0 .. end - start. */
export function crc32Prefixes(buf: Uint8Array, start: number, end: number): Uint32Array {
  const out = new Uint32Array(end - start + 1);
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
    out[i - start + 1] = (c ^ 0xffffffff) >>> 0;
  }
  return out;
}

/** a * b mod P. */
export function mulMod(a: number, b: number): number {
  let p = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) p ^= b;
    if ((a & (m - 1)) === 0) break;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

const X8 = 0x00800000; // x^8
const powers: number[] = [0x80000000]; // powers[n] = x^(8n) mod P

/** x^(8n) mod P: the factor that moves a CRC past n bytes. */
export function shiftFactor(n: number): number {
  while (powers.length <= n) powers.push(mulMod(powers[powers.length - 1]!, X8));
  return powers[n]!;
}

/** crc32(A ++ B) from crc32(A), crc32(B) and |B|. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  return (mulMod(shiftFactor(lenB), crcA) ^ crcB) >>> 0;
}
