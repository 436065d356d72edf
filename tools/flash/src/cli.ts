/**
 * k230js — the command line tool for k230js apps and boards.
 * Commands live one per file in commands/; this file only dispatches.
 */
import { formatOptions, parseArgs } from "./lib/args.js";
import { CliError, EXIT_FAILED, EXIT_USAGE, UsageError } from "./lib/errors.js";
import type { Command } from "./lib/command.js";
import { runChain, splitChain } from "./lib/session.js";
import { buildCommand } from "./commands/build.js";
import { runCommand } from "./commands/run.js";
import { devicesCommand } from "./commands/devices.js";
import { replCommand } from "./commands/repl.js";
import { fsCommand } from "./commands/fs.js";
import { deployCommand } from "./commands/deploy.js";
import { flashCommand } from "./commands/flash.js";
import { imageCommand } from "./commands/image.js";
import { execCommand } from "./commands/exec.js";
import { evalCommand } from "./commands/eval.js";
import { resetCommand } from "./commands/reset.js";
import { devCommand } from "./commands/dev.js";
import { initCommand } from "./commands/init.js";
import { dfCommand } from "./commands/df.js";
import { previewCommand } from "./commands/preview.js";
import { mountCommand } from "./commands/mount.js";
import { doctorCommand } from "./commands/doctor.js";

const COMMANDS: Command[] = [
  buildCommand, runCommand, devicesCommand, replCommand, fsCommand, deployCommand, flashCommand, imageCommand,
  execCommand, evalCommand, resetCommand, devCommand, initCommand, dfCommand, doctorCommand, previewCommand, mountCommand,
];

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "usage: k230js <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    "",
    "Run 'k230js <command> --help' for a command's options.",
    "Exit status: 0 ok, 1 failed, 2 usage error or device not found.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [`usage: k230js ${c.usage}`, "", c.description, "", "options:", formatOptions(c.options), `  -h, --help${" ".repeat(10)}show this help`].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(mainHelp());
    return name ? 0 : EXIT_USAGE;
  }
  if (name === "--version" || name === "-V") {
    console.log("k230js 0.1.0");
    return 0;
  }
  // Commands chained with '+' run in order on one board link (as mpremote's do).
  const steps: (() => Promise<number>)[] = [];
  for (const [step, ...rest] of splitChain(argv)) {
    const cmd = COMMANDS.find((c) => c.name === step);
    if (!cmd) throw new UsageError(`unknown command '${step ?? "+"}' (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    if (rest.includes("-h") || rest.includes("--help")) {
      console.log(commandHelp(cmd));
      return 0;
    }
    const args = parseArgs(rest, cmd.options, cmd.name);
    steps.push(() => cmd.run(args));
  }
  return runChain(steps);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof CliError) {
      console.error(`k230js: ${e.message}`);
      process.exit(e.exitCode);
    }
    console.error(`k230js: internal error: ${(e as Error)?.stack ?? e}`);
    process.exit(EXIT_FAILED);
  },
);

