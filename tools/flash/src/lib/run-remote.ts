import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { ParsedArgs } from "./args.js";
import type { RawClient } from "./rawproto.js";
import { openBoard, releaseBoard } from "./session.js";
import { StackMapper } from "./stackmap.js";

/**
 * Runs a bundle on a board: soft reset (a clean VM, as mpremote run does), send the module by
 * raw paste, stream its output, and return its exit status. Ctrl-C here interrupts it there.
 * Stack frames in its stderr name the TypeScript sources (the local source map).
 */
export async function runOnBoard(file: string, args: ParsedArgs, appArgs: string[] = []): Promise<number> {
  const c = await openBoard(args, "run");
  try {
    return await runBundle(c, file, appArgs);
  } finally {
    await releaseBoard();
  }
}

/** One run of a bundle on an open link (run, dev). */
export async function runBundle(
  c: RawClient,
  file: string,
  appArgs: string[] = [],
  io: { out?: (s: Buffer) => void; err?: (s: string) => void; /** false: the caller handles Ctrl-C */ sigint?: boolean } = {},
): Promise<number> {
  const name = basename(file);
  const prologue = argsPrologue(name, appArgs);
  const src = Buffer.concat([Buffer.from(prologue, "utf8"), readFileSync(file)]);
  const mapper = new StackMapper(file, name, prologue.length);
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  const onSigint = () => void c.interrupt();
  if (io.sigint !== false) process.on("SIGINT", onSigint);
  try {
    await c.softReset();
    return await c.exec(src, {
      module: true,
      name,
      onStdout: io.out ?? ((b) => process.stdout.write(b)),
      onStderr: (b) => err(mapper.push(b)),
    });
  } finally {
    process.off("SIGINT", onSigint);
    err(mapper.flush());
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
