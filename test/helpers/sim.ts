// What the raw-protocol and CLI suites share: random payloads, hashes, per-test cleanup and a
// raw client entered on a fresh simulator.
import { createHash } from "node:crypto";
import { afterEach } from "vitest";
import { RawClient } from "../../tools/flash/src/lib/rawproto.js";
import { SimTransport } from "../../tools/flash/src/lib/transport-sim.js";
import { tempDir } from "./run.js";

export const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** n random bytes. */
export const random = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE((Math.random() * 0x100000000) >>> 0, Math.min(i, n - 4));
  return b;
};

/** Steps run (last first) after each test of the calling file; push to it. */
export function useCleanup(): (() => Promise<void>)[] {
  const steps: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of steps.splice(0).reverse()) await f();
  });
  return steps;
}

/** A simulator on `sdcard` (env set while it starts) with a raw client entered; closed by cleanup. */
export async function rawSim(cleanup: (() => Promise<void>)[], sdcard = tempDir("sd"), env: Record<string, string> = {}) {
  Object.assign(process.env, env);
  const t = await SimTransport.start({ sdcard });
  for (const k of Object.keys(env)) delete process.env[k];
  const c = new RawClient(t);
  cleanup.push(() => t.close());
  await c.enter();
  return { c, sdcard };
}
