/** What every check of the self-test shares: its result shape, failing with a code, formatting. */
import type { SelftestArgs } from "./protocol.js";

/** A passed check: the table's text and the numbers behind it. A failed check throws. */
export interface Outcome {
  text: string;
  figures?: Record<string, number | string | boolean>;
}

export type Check = (args: SelftestArgs) => Outcome | Promise<Outcome>;

/** A coded Error, like the runtime's own (`.code`), for problems a check finds itself. */
export function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/** Waits on the event loop (timers, sockets and media callbacks keep running). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

export function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Fills `buf` with a sequence that depends on `seed`, so a read-back can be checked. */
export function pattern(buf: Uint32Array, seed: number): void {
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x >>> 0;
  }
}

/** Index of the first word that differs from pattern(seed), or -1. */
export function patternMismatch(buf: Uint32Array, seed: number): number {
  const want = new Uint32Array(buf.length);
  pattern(want, seed);
  for (let i = 0; i < buf.length; i++) if (buf[i] !== want[i]) return i;
  return -1;
}
