import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ParsedArgs } from "./args.js";
import { connect, disconnect } from "./ports.js";

export function tempBuildDir(): string {
  return mkdtempSync(join(tmpdir(), "k230js-build-"));
}

/**
 * Runs a bundle on a board: soft reset (a clean VM, as mpremote run does), send the module by
 * raw paste, stream its output, and return its exit status. Ctrl-C here interrupts it there.
 */
export async function runOnBoard(file: string, args: ParsedArgs, appArgs: string[] = []): Promise<number> {
  const name = file.split("/").pop()!;
  const src = Buffer.concat([Buffer.from(argsPrologue(name, appArgs), "utf8"), readFileSync(file)]);
  const c = await connect(args, "run");
  const onSigint = () => void c.interrupt();
  process.on("SIGINT", onSigint);
  try {
    await c.softReset();
    return await c.exec(src, { module: true, name });
  } finally {
    process.off("SIGINT", onSigint);
    await disconnect(c);
  }
}

/**
 * The app's arguments reach the board as a statement in front of the module source: it sets
 * scriptArgs ([name, ...args], as `k230js app.js args` has on the host) before any app code runs.
 * It goes on the bundle's first line (no newline), so source-map line numbers stay right.
 */
export function argsPrologue(name: string, appArgs: string[]): string {
  return `globalThis.scriptArgs = ${JSON.stringify([name, ...appArgs])};`;
}
