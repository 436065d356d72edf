import type { OptionSpec, ParsedArgs } from "../lib/args.js";
import type { Command } from "../lib/command.js";
import { UsageError } from "../lib/errors.js";
import { linkRate, PORT_OPTIONS } from "../lib/ports.js";
import { Preview, type BoardState } from "../lib/preview.js";
import { servePreview } from "../lib/preview-server.js";
import type { RawClient } from "../lib/rawproto.js";
import { atBoardClose, openBoard } from "../lib/session.js";
import { replUnlessChained } from "./repl.js";

/** The page's port, shared by run/dev --preview. */
export const HTTP_OPTION: OptionSpec = { name: "http", type: "string", help: "port of the preview page on 127.0.0.1 (default 8231; 0: any free one)" };
export const PREVIEW_OPTIONS: OptionSpec[] = [
  HTTP_OPTION,
  { name: "fps", type: "string", help: "pictures per second asked of the board (1-60, default 10)" },
  { name: "quality", type: "string", help: "JPEG quality 10-95 (default 50; lowered to fit a UART's rate)" },
];

function intOption(args: ParsedArgs, name: string, def: number, lo: number, hi: number, command: string): number {
  const v = args.options[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${command}: --${name} must be an integer from ${lo} to ${hi}, not '${v}'`);
  return n;
}

/** The page's port for --http (run/dev without a board use it for the simulator's live view). */
export function httpPort(args: ParsedArgs, command: string): number {
  return intOption(args, "http", 8231, 0, 65535, command);
}

/**
 * run/dev --preview without a board: the simulator shows its display on the same page itself
 * (its live view, K230JS_SIM_DISPLAY=http:PORT), added to the sinks already chosen.
 */
export function previewOnSimulator(args: ParsedArgs, command: string): void {
  const port = httpPort(args, command);
  const sinks = (process.env.K230JS_SIM_DISPLAY ?? "").split("+").filter((x) => x && x !== "none" && !x.startsWith("http:"));
  process.env.K230JS_SIM_DISPLAY = [...sinks, `http:${port}`].join("+");
}

function say(text: string): void {
  process.stderr.write(`k230js preview: ${text}\n`);
}

/**
 * Starts the preview on an open board link and serves its page until the link closes (the end
 * of the command, or of its `+` chain). Resolves with the page's address.
 */
export async function startPreview(c: RawClient, args: ParsedArgs, command: string): Promise<string> {
  const opts = { fps: intOption(args, "fps", 10, 1, 60, command), quality: intOption(args, "quality", 0, 10, 95, command), rate: linkRate(args) };
  const port = httpPort(args, command);
  const p = new Preview(c, opts);
  let last = "";
  const note = (b: BoardState | null) => {
    const line = b ? `board: ${b.state}, ${b.why}` : "";
    if (line && line !== last) say(line);
    last = line;
  };
  const server = await servePreview(p, port);
  try {
    note(await p.start());
  } catch (e) {
    await server.close();
    throw e;
  }
  const timer = setInterval(() => note(p.board), 500);
  atBoardClose(async () => {
    clearInterval(timer);
    await p.stop();
    await server.close();
  });
  say(`${server.url} (${opts.fps} fps asked${opts.rate ? `, link ${opts.rate} B/s` : ""})`);
  return server.url;
}

export const previewCommand: Command = {
  name: "preview",
  summary: "the board's display live in a browser, over the console link",
  usage: "preview [--port P] [--http PORT] [--fps N] [--quality Q] [+ more commands]",
  description:
    "Asks the board for JPEG pictures of what its display shows (a display brought up with\n" +
    "Display.init(..., { toIde: true }), or any with the runtime's preview = all) and shows them\n" +
    "at http://127.0.0.1:PORT/ (the page of the simulator's live view), with the frame rate and\n" +
    "the link's usage. The pictures share the link with everything else: one in flight at a time,\n" +
    "skipped (never queued) while the link or the encoder is busy. With more commands after '+'\n" +
    "the preview goes on while they run (k230js preview + run app.ts); alone, it opens the\n" +
    "TypeScript REPL. Leaving stops the board's encoding. --baud tells the board a UART's rate (a\n" +
    "pty throttled like one too), so pictures stay under 3/4 of it.",
  options: [...PORT_OPTIONS, ...PREVIEW_OPTIONS],
  async run(args) {
    if (args.positional.length) throw new UsageError(`preview: unexpected '${args.positional[0]}' (chain commands with '+')`);
    const c = await openBoard(args, "preview");
    await startPreview(c, args, "preview");
    return replUnlessChained(c);
  },
};
