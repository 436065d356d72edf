// A line between a runtime's pty and a new pty for the tool, through bench/transfer/relay.mjs:
// unmetered, optionally carrying foreign log lines (seeded) in the device -> host direction.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT, tempDir } from "./run.js";

export interface Link {
  /** The pty the tool opens. */
  path: string;
  /** Stops the relay; resolves with what it inserted ({} without foreign lines). */
  stop(): Promise<Record<string, number>>;
}

export async function startLink(devicePty: string, foreign?: { seed: number; percent: number; double?: number }): Promise<Link> {
  const args = [join(ROOT, "bench", "transfer", "relay.mjs"), devicePty, "0", join(tempDir("link"), "pty")];
  if (foreign) args.push("--foreign", `${foreign.seed}:${foreign.percent}:${foreign.double ?? 10}`);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  const path = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`relay: no pty: ${out}`)), 10_000);
    child.stdout.on("data", () => {
      const m = /ready (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]!);
      }
    });
    child.on("exit", (code) => rej(new Error(`relay exited ${code}: ${out}`)));
  });
  return {
    path,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return {};
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
      const m = /foreign (.*)\n/.exec(out);
      return Object.fromEntries((m?.[1] ?? "").split(" ").filter(Boolean).map((kv) => [kv.split("=")[0]!, Number(kv.split("=")[1])]));
    },
  };
}
