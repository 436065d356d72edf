/**
 * The board link of one k230js call. Commands chained with `+` (`k230js fs ls + exec '...'`)
 * share one link, as mpremote's do: a later command without --port reuses the open one, and the
 * link closes when the chain ends. A single command opens and closes its own. Services a command
 * starts on the link (`preview`, `mount`) go on for the rest of the chain and end with the link.
 */
import type { ParsedArgs } from "./args.js";
import { connect, disconnect } from "./ports.js";
import type { RawClient } from "./rawproto.js";

let open: { key: string; client: RawClient; args: ParsedArgs; command: string } | null = null;
let chain = false;
let stepsLeft = 0;
let closers: (() => Promise<void>)[] = [];

/** True while more commands of the chain follow the one running now. */
export function moreInChain(): boolean {
  return stepsLeft > 0;
}

/** Runs `fn` when the open link closes (services it started stop first). */
export function atBoardClose(fn: () => Promise<void>): void {
  closers.push(fn);
}

function keyOf(args: ParsedArgs): string | null {
  const port = args.options.port as string | undefined;
  if (!port) return null;
  return `${port}\0${(args.options.sdcard as string | undefined) ?? ""}`;
}

/** The board in raw mode: the chain's open link when it fits, else a new one. */
export async function openBoard(args: ParsedArgs, command: string): Promise<RawClient> {
  const key = keyOf(args);
  if (open && (key === null || key === open.key)) return open.client;
  if (open) await closeBoard();
  const client = await connect(args, command);
  open = { key: key ?? "", client, args, command };
  return client;
}

/** Closes the open link and opens the same port again (a restarted simulator). */
export async function reopenBoard(): Promise<RawClient> {
  const o = open;
  if (!o) throw new Error("reopenBoard: no open link");
  await closeBoard();
  return openBoard(o.args, o.command);
}

/** Done with the board for this command: closes the link unless a chain goes on. */
export async function releaseBoard(): Promise<void> {
  if (!chain) await closeBoard();
}

/** Closes the open link (the end of a chain, or a reset that replaces it). */
export async function closeBoard(): Promise<void> {
  const o = open;
  open = null;
  const fns = closers.reverse();
  closers = [];
  for (const fn of fns) await fn().catch(() => {});
  if (o) await disconnect(o.client);
}

/** Runs the commands of a `+` chain in order on one link; stops at the first non-zero status. */
export async function runChain(steps: (() => Promise<number>)[]): Promise<number> {
  chain = steps.length > 1;
  try {
    for (let i = 0; i < steps.length; i++) {
      stepsLeft = steps.length - 1 - i;
      const code = await steps[i]!();
      if (code !== 0) return code;
    }
    return 0;
  } finally {
    chain = false;
    stepsLeft = 0;
    await closeBoard();
  }
}

/**
 * `a x + b y` -> [["a", "x"], ["b", "y"]]: a '+' separates when it stands alone and comes before
 * any `--` (after it, everything is the app's arguments).
 */
export function splitChain(argv: string[]): string[][] {
  const out: string[][] = [[]];
  let appArgs = false;
  for (const a of argv) {
    if (a === "+" && !appArgs) out.push([]);
    else {
      if (a === "--") appArgs = true;
      out.at(-1)!.push(a);
    }
  }
  return out;
}
