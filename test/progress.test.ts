// The progress line (tools/flash/src/lib/progress.ts) with a simulated clock: throttled however
// often it is updated, never 100% before the end, one final line, nothing without a terminal.
import { describe, expect, it } from "vitest";
import { Progress } from "../tools/flash/src/lib/progress.js";

function fake(tty = true) {
  let t = 0;
  const out: string[] = [];
  return { io: { tty, now: () => t, write: (s: string) => void out.push(s) }, tick: (ms: number) => (t += ms), out };
}

describe("Progress", () => {
  it("draws at most every 100 ms, whatever the update rate, and ends with one line", () => {
    const f = fake();
    const total = 1_000_000;
    const p = new Progress("x", total, f.io);
    // 100 000 updates over 5 simulated seconds (what a 4 MB-chunked gunzip of a big image does).
    for (let i = 1; i <= 100_000; i++) {
      f.tick(0.05);
      p.update(Math.min(i * 10, total));
    }
    p.done(total);
    expect(p.draws).toBeLessThanOrEqual(5000 / 100 + 2);
    expect(f.out.filter((s) => s.endsWith("\n"))).toHaveLength(1);
    expect(f.out.slice(0, -1).some((s) => s.includes(" 100% "))).toBe(false);
    expect(f.out.at(-1)).toMatch(/ 100% 1\.00 MB\/1\.00 MB/);
  });

  it("shows 99% for 99.9%, and grows a total that turns out low", () => {
    const f = fake();
    const p = new Progress("x", 1000, f.io);
    p.update(999);
    expect(f.out.at(-1)).toMatch(/  99% /);
    f.tick(200);
    p.update(2000);
    expect(f.out.at(-1)).toMatch(/ 100% 0\.00 MB\/0\.00 MB/);
  });

  it("writes nothing when stderr is not a terminal", () => {
    const f = fake(false);
    const p = new Progress("x", 10, f.io);
    p.update(5);
    p.done(10);
    expect(f.out).toEqual([]);
  });
});
