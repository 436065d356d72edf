// Collects a child's output as it arrives and waits for text in it (from a given offset), for
// tests that drive long-running CLI processes (dev, the REPL in a pty).
import type { Readable } from "node:stream";

export interface Output {
  /** Everything so far, through `view` (e.g. without terminal escapes). */
  text(): string;
  /** Resolves once text() from `from` on matches; rejects after `timeoutMs`. */
  waitFor(p: string | RegExp, from?: number, timeoutMs?: number): Promise<void>;
}

export function collect(streams: Readable[], view: (raw: string) => string = (s) => s): Output {
  let raw = "";
  let waiters: (() => void)[] = [];
  for (const s of streams)
    s.on("data", (d: Buffer) => {
      raw += d.toString();
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
  const text = () => view(raw);
  return {
    text,
    waitFor: (p, from = 0, timeoutMs = 20_000) =>
      new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timed out waiting for ${p}; got ${JSON.stringify(text().slice(from))}`)), timeoutMs);
        const check = () => {
          const s = text().slice(from);
          if (typeof p === "string" ? s.includes(p) : p.test(s)) {
            clearTimeout(t);
            res();
          } else waiters.push(check);
        };
        check();
      }),
  };
}
