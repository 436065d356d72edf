import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { NO_CHECK_OPTION, bundle } from "../lib/bundle.js";
import { CliError, UsageError } from "../lib/errors.js";
import { PORT_OPTIONS } from "../lib/ports.js";
import { openBoard, releaseBoard } from "../lib/session.js";
import { tempBuildDir } from "../lib/temp-dir.js";
import type { Command } from "../lib/command.js";

/** Copies into DIR atomically: a temporary name in the same directory, then rename. */
function installLocal(src: string, dir: string, name: string): void {
  const tmp = join(dir, `.${name}.k230js-part`);
  copyFileSync(src, tmp);
  renameSync(tmp, join(dir, name));
}

export const deployCommand: Command = {
  name: "deploy",
  summary: "build an app and install it as the board's /sdcard/main.js",
  usage: "deploy <app.ts> (--port P | --sdcard DIR) [--bytecode] [--minify] [--no-check]",
  description:
    "Builds the app and installs it as /sdcard/main.js with its source map main.js.map (or, with\n" +
    "--bytecode, main.bin + main.bin.map), either on a board over its serial port or into a\n" +
    "mounted SD card directory. Every file is replaced atomically (temporary name, verified,\n" +
    "renamed); the map goes first, so a cut leaves either the old app or the new one. The board\n" +
    "runs it at the next boot (or right away after Ctrl-D in the REPL with --boot on the simulator).",
  options: [
    ...PORT_OPTIONS.filter((o) => o.name !== "sdcard"),
    { name: "sdcard", type: "string", help: "install into this mounted SD card directory (or the simulator's, with --port sim)" },
    { name: "bytecode", type: "boolean", help: "install QuickJS bytecode (main.bin) instead of source" },
    { name: "minify", type: "boolean", help: "minify the bundle" },
    NO_CHECK_OPTION,
  ],
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError("deploy: give the app to deploy (k230js deploy app.ts --port P)");
    const port = args.options.port as string | undefined;
    const sdcard = args.options.sdcard as string | undefined;
    if (!port && !sdcard) throw new UsageError("deploy: give --port P (a board) or --sdcard DIR (a mounted SD card)");
    const entry = resolve(args.positional[0]!);
    if (!existsSync(entry)) throw new CliError(`deploy: '${args.positional[0]}' not found`);
    const bytecode = Boolean(args.options.bytecode);
    const r = await bundle({ entry, outFile: join(tempBuildDir(), "main.js"), bytecode, minify: Boolean(args.options.minify), check: !args.options["no-check"] && "deploy" });
    for (const w of r.warnings) console.error(`warning: ${w}`);
    const main = bytecode ? "main.bin" : "main.js";
    const other = bytecode ? "main.js" : "main.bin";
    const files = [
      { local: `${r.output}.map`, name: `${main}.map` },
      { local: r.output, name: main },
    ];
    if (!port) {
      const dir = resolve(sdcard!);
      mkdirSync(dir, { recursive: true });
      for (const f of files) installLocal(f.local, dir, f.name);
      // main.js wins over main.bin at boot: remove the other form so the new app is what runs.
      rmSync(join(dir, other), { force: true });
      rmSync(join(dir, `${other}.map`), { force: true });
      console.log(`deployed ${main} (${readFileSync(r.output).length} bytes) to ${dir}`);
      return 0;
    }
    const c = await openBoard(args, "deploy");
    try {
      for (const f of files) await c.writeFile(`/sdcard/${f.name}`, readFileSync(f.local));
      for (const name of [other, `${other}.map`]) if (await c.stat(`/sdcard/${name}`)) await c.remove(`/sdcard/${name}`);
    } finally {
      await releaseBoard();
    }
    console.log(`deployed /sdcard/${main} (${readFileSync(r.output).length} bytes) to ${c.transport.name}`);
    return 0;
  },
};
