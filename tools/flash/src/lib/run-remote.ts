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
export async function runOnBoard(file: string, args: ParsedArgs): Promise<number> {
  const src = readFileSync(file);
  const c = await connect(args, "run");
  const onSigint = () => void c.interrupt();
  process.on("SIGINT", onSigint);
  try {
    await c.softReset();
    return await c.exec(src, { module: true, name: file.split("/").pop() });
  } finally {
    process.off("SIGINT", onSigint);
    await disconnect(c);
  }
}
