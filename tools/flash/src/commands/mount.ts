import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../lib/command.js";
import { CliError, UsageError } from "../lib/errors.js";
import { MountServer } from "../lib/mount.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { atBoardClose, openBoard } from "../lib/session.js";
import { replUnlessChained } from "./repl.js";

export const mountCommand: Command = {
  name: "mount",
  summary: "serve a host directory to the board over the link (imports and openFile read it)",
  usage: "mount <dir> [--at /remote] [--port P] [--no-reset] [+ more commands]",
  description:
    "The board sees <dir> at /remote (--at): its module loader imports modules from it and\n" +
    "k230:media openFile reads files from it, over the console link, so a multi-file app runs\n" +
    "without copying anything to the card (k230js mount app + exec 'import \"/remote/main.ts\"').\n" +
    "TypeScript modules are transpiled here on the way (types stripped; './util.js' finds util.ts).\n" +
    "Read-only; qjs:std, k230:mp4, k230:audio and listings see the card only (docs/cli.md).\n" +
    "It starts with a soft reset, so every module is read afresh (--no-reset keeps the VM). With\n" +
    "more commands after '+' the mount lasts while they run; alone, it opens the TypeScript REPL.",
  options: [
    ...PORT_OPTIONS,
    { name: "at", type: "string", help: "where the board sees the directory (default /remote)" },
    { name: "no-reset", type: "boolean", help: "keep the board's VM (modules already imported stay as they were)" },
  ],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("mount: give one directory (k230js mount ./app)");
    const dir = resolve(args.positional[0]!);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`mount: '${args.positional[0]}' is not a directory`);
    const at = (args.options.at as string | undefined) ?? "/remote";
    if (!/^\/[\w.-]+$/.test(at) || at === "/sdcard" || at === "/data" || at === "/." || at === "/..")
      throw new UsageError(`mount: --at must be one name under / other than /sdcard and /data (e.g. /remote), not '${at}'`);
    const c = await openBoard(args, "mount");
    const m = new MountServer(c, dir, at);
    await m.start();
    atBoardClose(() => m.stop());
    if (!args.options["no-reset"]) await c.softReset();
    process.stderr.write(`k230js mount: ${dir} is ${at} on ${c.transport.name}\n`);
    return replUnlessChained(c);
  },
};
